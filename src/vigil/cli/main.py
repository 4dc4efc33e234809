"""The `vigil` command line: thin wrappers that parse options, call the library and print results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from vigil import audit
from vigil.analyze.alerts import evaluate_watches
from vigil.analyze.records import (
    UnknownReference,
    changed_fields,
    lookup_identifier,
    normalize_query,
    record_history,
)
from vigil.analyze.stats import store_stats
from vigil.cli import cases as cases_cli
from vigil.cli import demo as demo_cli
from vigil.cli import jobs as jobs_cli
from vigil.cli import links as links_cli
from vigil.cli import notices as notices_cli
from vigil.cli import persons as persons_cli
from vigil.cli import report as report_cli
from vigil.cli import serve as serve_cli
from vigil.cli import users as users_cli
from vigil.cli.common import Db, Fmt, Format, Purpose, User, actor, console, fail, print_json
from vigil.ingest import LoadSummary, StrictLoadFailed, TabularError, ingest_file, is_tabular
from vigil.ingest.rebuild import count_current, rebuild_derived
from vigil.store.db import analyze, current_revision, head_revision, open_store

app = typer.Typer(
    name="vigil",
    help="Vigil: find noncompliant offenders and connect offenders, missing-child cases, tips and incidents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(demo_cli.app, name="demo")
audit_app = typer.Typer(help="The append-only audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
db_app = typer.Typer(help="Schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
persons_cli.register(app)
cases_cli.register(app)
links_cli.register(app)
report_cli.register(app)
app.command("serve")(serve_cli.serve)
app.add_typer(users_cli.app, name="users")
app.add_typer(notices_cli.app, name="notices")
app.add_typer(jobs_cli.app, name="jobs")


def summary_document(summary: LoadSummary) -> dict[str, object]:
    return {
        "file": summary.file,
        "load_id": summary.load_id,
        "committed": summary.committed,
        "read": summary.read,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "warnings": summary.warnings,
        "by_type": dict(summary.by_type),
        "rejects_file": str(summary.rejects_path) if summary.rejects_path else None,
        "rejects": [{"line": r.line, "field": r.field, "reason": r.reason} for r in summary.rejects[:1000]],
        "seconds": round(summary.seconds, 3),
    }


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, column = pair.partition("=")
        if not sep:
            raise fail(f"--map expects HEADER=column, got {pair!r}")
        mapping[header] = column
    return mapping


@app.command()
def ingest(
    files: Annotated[
        list[Path], typer.Argument(exists=True, dir_okay=False, help=".jsonl, .jsonl.gz, .csv, .xlsx")
    ],
    strict: Annotated[
        bool, typer.Option(help="All or nothing: any rejected line loads nothing from that file.")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option(help="Where to write rejected lines (default: data dir).")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Source of a spreadsheet's rows, e.g. registry:TX.")
    ] = None,
    map_: Annotated[list[str], typer.Option("--map", help="Spreadsheet header mapping HEADER=column.")] = [],  # noqa: B006
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Load source records: each file in one transaction, idempotent, rejects reported by line."""
    engine = open_store(db)
    who = actor(user, purpose)
    con = console(fmt)
    summaries: list[LoadSummary] = []
    failed = False
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=con,
        transient=True,
    ) as bar:
        for path in files:
            task = bar.add_task(path.name, total=None if is_tabular(path) else path.stat().st_size)
            try:
                summary = ingest_file(
                    engine,
                    path,
                    who,
                    strict=strict,
                    rejects_path=_rejects_for(rejects, path, len(files)),
                    source=source,
                    column_map=_parse_map(map_),
                    progress=lambda n, task=task: bar.advance(task, n),
                )
            except StrictLoadFailed as exc:
                summary, failed = exc.summary, True
            except TabularError as exc:
                raise fail(str(exc)) from exc
            summaries.append(summary)
    alerts = 0
    if any(s.inserted or s.updated for s in summaries):
        analyze(engine)
        alerts = evaluate_watches(engine)  # watchers hear about new records as they arrive
    if fmt is Format.json:
        print_json({"loads": [summary_document(s) for s in summaries], "alerts_raised": alerts})
    else:
        _print_summaries(con, summaries)
        if alerts:
            con.print(
                f"[bold yellow]{alerts} new alert(s)[/] on watched persons, identifiers or cases: "
                "vigil alerts"
            )
    if failed or (strict and any(s.rejected for s in summaries)):
        raise typer.Exit(2)


def _rejects_for(rejects: Path | None, path: Path, n_files: int) -> Path | None:
    if rejects is None or n_files == 1:
        return rejects
    return rejects.with_name(f"{path.name}.{rejects.name}")


def _print_summaries(con, summaries: list[LoadSummary]) -> None:  # type: ignore[no-untyped-def]
    table = Table(title="Ingest summary")
    for column in ("file", "read", "new", "updated", "unchanged", "rejected", "warnings", "rec/s", "status"):
        table.add_column(column, justify="left" if column in ("file", "status") else "right")
    for s in summaries:
        rate = f"{s.read / s.seconds:,.0f}" if s.seconds else "-"
        status = "[green]committed" if s.committed else "[red]rolled back (--strict)"
        table.add_row(
            Path(s.file).name,
            f"{s.read:,}",
            f"{s.inserted:,}",
            f"{s.updated:,}",
            f"{s.unchanged:,}",
            f"{s.rejected:,}",
            f"{s.warnings:,}",
            rate,
            status,
        )
    con.print(table)
    for s in summaries:
        for reject in s.rejects[:20]:
            con.print(f"rejected {reject.message()}", highlight=False, markup=False, soft_wrap=True)
        if s.rejected > 20:
            con.print(f"... {s.rejected - 20:,} more")
        if s.rejects_path:
            con.print(f"Rejected lines of {Path(s.file).name} written to {s.rejects_path}")


@app.command()
def stats(db: Db = None, user: User = None, purpose: Purpose = None, fmt: Fmt = Format.table) -> None:
    """What the store holds."""
    engine = open_store(db)
    document = store_stats(engine)
    audit.write(engine, actor(user, purpose), "stats")
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    table = Table(
        title=f"Vigil store: {document['records']:,} current records, {document['versions']:,} versions, "
        f"{document['persons']:,} persons ({document['records_not_yet_resolved']:,} records not yet resolved)"
    )
    table.add_column("record type")
    table.add_column("count", justify="right")
    for kind, count in document["records_by_type"].items():
        table.add_row(kind, f"{count:,}")
    con.print(table)
    sources = Table(title="By source")
    sources.add_column("source")
    sources.add_column("records", justify="right")
    for source, count in document["records_by_source"].items():
        sources.add_row(source, f"{count:,}")
    con.print(sources)
    identifiers = Table(title="Identifier index")
    identifiers.add_column("kind")
    identifiers.add_column("entries", justify="right")
    for kind, count in document["identifiers_by_kind"].items():
        identifiers.add_row(kind, f"{count:,}")
    con.print(identifiers)
    regs = Table(title="Registrations by state and status")
    regs.add_column("state")
    statuses = sorted({s for by in document["registrations_by_state"].values() for s in by})
    for status in statuses:
        regs.add_column(status, justify="right")
    for state, by in document["registrations_by_state"].items():
        regs.add_row(state, *(f"{by.get(s, 0):,}" for s in statuses))
    con.print(regs)


@app.command()
def record(
    ref: Annotated[str, typer.Argument(help="SOURCE/ID, e.g. registry:TX/TX-004211")],
    history: Annotated[bool, typer.Option(help="Show every version, not only the current one.")] = False,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Show a source record exactly as it came, with its versions."""
    engine = open_store(db)
    try:
        audit.write(engine, actor(user, purpose), "view", {"ref": ref}, [ref])
        versions = record_history(engine, ref)
    except (UnknownReference, ValueError, audit.PurposeRequired) as exc:
        raise fail(str(exc)) from exc
    shown = versions if history else versions[:1]
    document = {
        "ref": ref,
        "versions": [
            {
                "version": v.version,
                "current": v.is_current,
                "as_of": v.as_of,
                "loaded_at": v.loaded_at,
                "load_id": v.load_id,
                "line": v.line_no,
                "changed": changed_fields(versions[i + 1].record, v.record) if i + 1 < len(versions) else [],
                "record": v.record,
            }
            for i, v in enumerate(shown)
        ],
    }
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    for v in document["versions"]:
        changed = f" changed: {', '.join(v['changed'])}" if v["changed"] else ""
        con.rule(
            f"{ref} v{v['version']}{' (current)' if v['current'] else ''} loaded {v['loaded_at']}{changed}"
        )
        con.print_json(data=v["record"], default=str)


@app.command()
def lookup(
    kind: Annotated[
        str, typer.Argument(help="phone, email, ssn, dob, screen_name, plate, vin, ip, registrant_id, ...")
    ],
    value: Annotated[str, typer.Argument(help="The identifier as typed; it is normalized first.")],
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Exact lookup in the identifier index: which records hold this phone, e-mail, SSN, plate..."""
    engine = open_store(db)
    try:
        normalized = normalize_query(kind, value)
    except ValueError as exc:
        raise fail(f"{kind} {value!r}: {exc}") from exc
    hits = lookup_identifier(engine, kind, normalized)
    try:
        audit.write(
            engine, actor(user, purpose), "search", {"kind": kind, "value": normalized}, [h.ref for h in hits]
        )
    except audit.PurposeRequired as exc:
        raise fail(str(exc)) from exc
    document = {
        "identifier": f"{kind}:{normalized}",
        "results": [{"ref": h.ref, "type": h.type, "party": h.party, "detail": h.detail} for h in hits],
    }
    if fmt is Format.json:
        print_json(document)
        return
    table = Table(title=f"{kind}:{normalized} - {len(hits)} record(s)")
    for column in ("ref", "type", "party", "detail"):
        table.add_column(column)
    for h in hits:
        table.add_row(h.ref, h.type, str(h.party if h.party is not None else ""), h.detail or "")
    console(fmt).print(table)


@app.command()
def rebuild(db: Db = None, user: User = None, purpose: Purpose = None) -> None:
    """Recompute every derived table (names, identifiers, addresses, ...) from the source records."""
    engine = open_store(db)
    total = count_current(engine)
    with Progress(
        TextColumn("rebuilding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console(Format.table),
    ) as bar:
        task = bar.add_task("rebuild", total=total)
        done = rebuild_derived(engine, actor(user, purpose), lambda n: bar.advance(task, n))
    console(Format.table).print(f"Rebuilt derived tables from {done:,} current source records.")


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option(help="Newest entries to show.")] = 50,
    action: Annotated[str | None, typer.Option(help="Only this action (load, search, view, ...).")] = None,
    db: Db = None,
    fmt: Fmt = Format.table,
) -> None:
    """The newest audit entries."""
    rows = list(audit.entries(open_store(db), limit, action))
    if fmt is Format.json:
        print_json(
            {
                "entries": [
                    {
                        "id": e.id,
                        "at": e.at,
                        "user": e.user,
                        "agency": e.agency,
                        "action": e.action,
                        "purpose": e.purpose,
                        "query": e.query,
                        "result_refs": e.result_refs,
                    }
                    for e in rows
                ]
            }
        )
        return
    table = Table(title="Audit log (newest first)")
    for column in ("id", "at", "user", "action", "purpose", "query", "results"):
        table.add_column(column, overflow="fold")
    for e in rows:
        table.add_row(
            str(e.id),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            e.user,
            e.action,
            e.purpose,
            ", ".join(f"{k}={v}" for k, v in e.query.items())[:80],
            str(len(e.result_refs)),
        )
    console(fmt).print(table)


@audit_app.command("verify")
def audit_verify(db: Db = None, fmt: Fmt = Format.table) -> None:
    """Recompute the hash chain; exit 3 if any entry was altered."""
    check = audit.verify(open_store(db))
    if fmt is Format.json:
        print_json({"entries": check.entries, "ok": check.ok, "first_bad_id": check.first_bad_id})
    elif check.ok:
        console(fmt).print(f"[green]Audit chain intact[/] ({check.entries:,} entries).")
    else:
        console(fmt).print(f"[red]Audit chain broken at entry {check.first_bad_id}[/]")
    if not check.ok:
        raise typer.Exit(3)


@db_app.command("upgrade")
def db_upgrade(db: Db = None) -> None:
    """Migrate the store to the newest schema (every command also does this on open)."""
    engine = open_store(db)
    console(Format.table).print(f"Schema at revision {current_revision(engine)} (head {head_revision()}).")


@db_app.command("current")
def db_current(db: Db = None) -> None:
    """Show the schema revision without migrating."""
    engine = open_store(db, migrate=False)
    console(Format.table).print(f"current {current_revision(engine)}; head {head_revision()}")


if __name__ == "__main__":
    app()
