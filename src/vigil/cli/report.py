"""`vigil report PERSON` and `vigil operation LIST.csv`: parse, call the library, write what it returns."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from vigil import audit
from vigil.analyze.operation import FLAG_STATUSES, INDEX_COLUMNS, run_operation
from vigil.analyze.quickhit import read_requests
from vigil.analyze.records import UnknownReference
from vigil.analyze.report import SECTIONS, build_report, parse_sections
from vigil.cli.common import Db, Fmt, Format, Purpose, User, actor, err, fail, out, print_json
from vigil.store.db import open_store


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"
    pdf = "pdf"


def _as_of(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"--as-of expects YYYY-MM-DD, got {text!r}") from exc


def report(
    person: Annotated[
        str, typer.Argument(help="A person id (P-...) or any record reference SOURCE/ID[#party].")
    ],
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="table, json, html or pdf.")] = (
        ReportFormat.table
    ),
    sections: Annotated[
        str | None,
        typer.Option(help=f"Comma-separated sections to render (default all): {','.join(SECTIONS)}."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Where to write (html/pdf default: report-PERSON.EXT)."),
    ] = None,
    timeline_csv: Annotated[
        Path | None, typer.Option("--timeline-csv", help="Also write the timeline as Timesketch CSV.")
    ] = None,
    timeline_jsonl: Annotated[
        Path | None, typer.Option("--timeline-jsonl", help="Also write the timeline as Timesketch JSONL.")
    ] = None,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Also write the map as GeoJSON.")] = None,
    kml: Annotated[
        Path | None, typer.Option("--kml", help="Also write the map as KML (Google Earth).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assess compliance as of YYYY-MM-DD (today).")
    ] = None,
    show_ssn: Annotated[bool, typer.Option("--show-ssn", help="Unmask SSNs (roles that may).")] = False,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
) -> None:
    """The comprehensive report on one offender: identity, registration, compliance, timeline, map, links."""
    engine = open_store(db)
    try:
        chosen = parse_sections(sections)
        document = build_report(
            engine, actor(user, purpose), person, sections=chosen, as_of=_as_of(as_of), show_ssn=show_ssn
        )
    except (UnknownReference, ValueError, PermissionError, audit.PurposeRequired) as exc:
        raise fail(str(exc)) from exc
    from vigil.present import report_exports

    for path, kind in (
        (timeline_csv, "timeline_csv"),
        (timeline_jsonl, "timeline_jsonl"),
        (geojson, "geojson"),
        (kml, "kml"),
    ):
        if path:
            report_exports.write_export(kind, document, path)
            err.print(f"{kind.replace('_', ' ')}: {path}", highlight=False)
    stem = f"report-{(document['person_id'] or person).replace('/', '_').replace(':', '_')}"
    if fmt is ReportFormat.json:
        if output:
            import orjson

            output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2, default=str))
            err.print(f"report: {output}", highlight=False)
        else:
            print_json(document)
        return
    if fmt is ReportFormat.html:
        from vigil.present.report_html import report_html

        target = output or Path(f"{stem}.html")
        target.write_text(report_html(document), encoding="utf-8")
        out.print(f"report: {target}  ({document['compliance']['status']})", highlight=False)
        return
    if fmt is ReportFormat.pdf:
        from vigil.present.report_pdf import report_pdf

        target = output or Path(f"{stem}.pdf")
        target.write_bytes(report_pdf(document))
        out.print(f"report: {target}  ({document['compliance']['status']})", highlight=False)
        return
    _print_summary(document)


def _print_summary(doc: dict) -> None:  # type: ignore[type-arg]
    comp = doc["compliance"]
    out.rule(f"{doc.get('name') or doc['subject']} {doc.get('person_id') or ''}")
    out.print(
        f"[bold]compliance:[/] {comp['status']} (as of {comp['as_of']}, {comp['rules']['state']} rules)"
    )
    for reason in comp["reasons"]:
        out.print(f"  - {reason}", highlight=False, markup=False)
    addr = doc.get("current_address")
    if addr:
        out.print(f"[bold]most recent residence:[/] {addr['line']} (as of {addr['as_of']}, {addr['ref']})")
    table = Table(title=f"timeline ({len(doc['timeline'])} items)")
    for column in ("from", "to", "kind", "label", "ref"):
        table.add_column(column, overflow="fold")
    for item in doc["timeline"]:
        table.add_row(item.get("from") or "", item.get("to") or "", item["kind"], item["label"], item["ref"])
    out.print(table)
    if doc["links"]:
        links = Table(title=f"links ({len(doc['links'])})")
        for column in ("score", "kind", "ref", "via"):
            links.add_column(column, overflow="fold")
        for lk in doc["links"][:30]:
            links.add_row(f"{lk['score']:.2f}", lk["kind"], lk["ref"], lk["via"])
        out.print(links)


def operation(
    requests: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX, one offender a row.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The bundle to write (.zip).")],
    statuses: Annotated[
        str, typer.Option(help="Compliance statuses that get a full report (comma-separated).")
    ] = ",".join(FLAG_STATUSES),
    sections: Annotated[str | None, typer.Option(help="Sections of each full report (default all).")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assess compliance as of YYYY-MM-DD (today).")
    ] = None,
    title: Annotated[str, typer.Option(help="Title of the summary page.")] = "Compliance operation",
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Compliance operation: quick-hit a list, then full PDF reports on everyone absconded or noncompliant."""
    if output.suffix.lower() != ".zip":
        raise fail("--output must end in .zip")
    engine = open_store(db)
    rows = list(read_requests(requests))
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("quick-hit", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            result = run_operation(
                engine,
                actor(user, purpose),
                rows,
                as_of=_as_of(as_of),
                statuses=[s.strip() for s in statuses.split(",") if s.strip()],
                sections=sections,
                progress=progress,
            )
            bar.update(task, description="writing PDFs", completed=0, total=None)
            from vigil.present.operation_bundle import write_bundle

            write_bundle(output, result, INDEX_COLUMNS, title)
    except (audit.PurposeRequired, PermissionError, LookupError, ValueError) as exc:
        raise fail(str(exc)) from exc
    s = result["summary"]
    if fmt is Format.json:
        print_json({"output": str(output), **s, "files": result["files"]})
        return
    out.print(
        f"{s['rows']} rows, {s['persons']} persons screened, {s['flagged']} flagged -> {output}",
        highlight=False,
    )
    for status, count in s["by_status"].items():
        out.print(f"  {status}: {count}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(report)
    app.command()(operation)
