"""Commands about persons: resolve, search, quickhit, explain, decide."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from vigil import audit
from vigil.analyze.explain import decide as decide_pair
from vigil.analyze.explain import explain as explain_pair
from vigil.analyze.quickhit import OUTPUT_COLUMNS, read_requests, run_quickhit
from vigil.analyze.records import UnknownReference
from vigil.analyze.search import search as search_persons
from vigil.cli.common import Db, Fmt, Format, Purpose, User, actor, console, fail, print_json
from vigil.present.tables import write_rows
from vigil.present.waterfall import explain_html
from vigil.resolve.match import BadQuery
from vigil.resolve.run import resolve_full, resolve_incremental
from vigil.store.db import open_store


def _progress(con):  # type: ignore[no-untyped-def]
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=con,
        transient=True,
    )


class ResolveEngine(StrEnum):
    vigil = "vigil"
    spark = "spark"


def resolve(
    full: Annotated[
        bool, typer.Option("--full", help="Re-block, retrain and re-cluster everything.")
    ] = False,
    threshold: Annotated[float | None, typer.Option(help="Match probability to join (full runs).")] = None,
    engine_name: Annotated[
        ResolveEngine,
        typer.Option(
            "--engine",
            help="Who scores a full run: vigil (in process) or spark (Splink on a local Spark; implies "
            "--full; needs the 'spark' extra and Java 17).",
        ),
    ] = ResolveEngine.vigil,
    u_pairs: Annotated[
        float,
        typer.Option(help="Spark engine: random pairs Splink estimates u from (1e7 or more for big stores)."),
    ] = 1e6,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Resolve records into persons (incremental unless --full; the first run is always full)."""
    engine = open_store(db)
    who = actor(user, purpose or "resolution")
    con = console(fmt)
    with _progress(con) as bar:
        task = bar.add_task("resolving", total=None)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total or None)

        if engine_name is ResolveEngine.spark:
            stats = _resolve_spark(engine, who, report, threshold, u_pairs)
        else:
            try:
                stats = resolve_incremental(engine, who, report) if not full else None
            except LookupError:
                stats = None
            if stats is None:
                stats = resolve_full(engine, who, report, threshold=threshold)
    document = stats.document()
    if fmt is Format.json:
        print_json(document)
        return
    table = Table(title=f"Resolution ({stats.mode})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in document.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    con.print(table)


def _resolve_spark(engine, who, report, threshold, u_pairs):  # type: ignore[no-untyped-def]
    try:  # the optional extra: only this engine needs it
        from vigil.resolve.spark_engine import resolve_full_spark
    except ImportError as exc:
        raise fail(f"--engine spark needs pyspark and splink: pip install 'vigil[spark]' ({exc})") from exc
    from vigil.resolve.spark_engine import java_available

    if not java_available():
        raise fail("--engine spark needs Java 17 (java on PATH or JAVA_HOME)")
    return resolve_full_spark(engine, who, report, threshold=threshold, u_pairs=u_pairs)


def search(
    name: Annotated[
        str | None, typer.Option(help="Full name, any order ('SMITH, JOHN' or 'John Smith').")
    ] = None,
    dob: Annotated[
        str | None, typer.Option(help="Date of birth (YYYY-MM-DD; day/month swaps tolerated).")
    ] = None,
    ssn: Annotated[str | None, typer.Option(help="SSN (one-digit errors tolerated).")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone, any format.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    screen_name: Annotated[str | None, typer.Option("--screen-name", help="PLATFORM/HANDLE.")] = None,
    plate: Annotated[str | None, typer.Option(help="Licence plate.")] = None,
    limit: Annotated[int, typer.Option(help="Most persons to return.")] = 20,
    show_ssn: Annotated[bool, typer.Option("--show-ssn", help="Unmask SSNs (roles that may).")] = False,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Ranked persons for any mix of identifiers, with the reasons for each score."""
    engine = open_store(db)
    try:
        document = search_persons(
            engine,
            actor(user, purpose),
            limit=limit,
            show_ssn=show_ssn,
            name=name,
            dob=dob,
            ssn=ssn,
            phone=phone,
            email=email,
            screen_name=screen_name,
            plate=plate,
        )
    except (BadQuery, ValueError, audit.PurposeRequired) as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    table = Table(title=f"{len(document['results'])} person(s)")
    for column in ("score", "person", "name", "dob", "address", "why"):
        table.add_column(column, overflow="fold")
    for r in document["results"]:
        table.add_row(
            f"{r['score']:.3f}",
            r["person_id"] or r["matched_ref"],
            r["name"] or "",
            r["dob"] or "",
            r["address"] or "",
            "; ".join(r["reasons"][:3]),
        )
    console(fmt).print(table)


def quickhit(
    requests: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX, one offender a row.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.csv, OUT.xlsx or OUT.jsonl")],
    show_ssn: Annotated[bool, typer.Option("--show-ssn", help="Unmask SSNs (roles that may).")] = False,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Where are they now: the most recent name, DOB, SSN, address and phone for each row."""
    engine = open_store(db)
    rows = list(read_requests(requests))
    con = console(fmt)
    try:
        with _progress(con) as bar:
            task = bar.add_task("quick-hit", total=len(rows))
            results = run_quickhit(
                engine, actor(user, purpose), rows, show_ssn=show_ssn, progress=lambda n: bar.advance(task, n)
            )
        write_rows(output, OUTPUT_COLUMNS, results)
    except (audit.PurposeRequired, PermissionError, LookupError, ValueError) as exc:
        raise fail(str(exc)) from exc
    counts = {s: sum(r["match_status"] == s for r in results) for s in ("matched", "ambiguous", "no_match")}
    if fmt is Format.json:
        print_json({"output": str(output), "rows": len(results), **counts})
        return
    con.print(
        f"{len(results):,} rows -> {output}: {counts['matched']:,} matched, "
        f"{counts['ambiguous']:,} ambiguous, {counts['no_match']:,} no match"
    )


def explain(
    a: Annotated[str, typer.Argument(help="SOURCE/ID[#party]")],
    b: Annotated[str, typer.Argument(help="SOURCE/ID[#party]")],
    html: Annotated[Path | None, typer.Option(help="Also write the waterfall chart as an HTML page.")] = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Why two records are, or are not, the same person."""
    engine = open_store(db)
    try:
        document = explain_pair(engine, actor(user, purpose), a, b)
    except (UnknownReference, LookupError, audit.PurposeRequired) as exc:
        raise fail(str(exc)) from exc
    if html:
        p = document["threshold"]
        explain_html(document, math.log2(p / (1 - p)), html)
    if fmt is Format.json:
        print_json(document)
        return
    table = Table(
        title=f"{document['left']} vs {document['right']}: {document['match_weight']:+.1f} bits, "
        f"p={document['probability']:.4f} -> {document['model_says']}"
    )
    for column in ("field", "level", "bits"):
        table.add_column(column)
    for row in document["evidence"]:
        table.add_row(
            row["field"], str(row["level"]), "" if row["weight"] is None else f"{row['weight']:+.2f}"
        )
    con = console(fmt)
    con.print(table)
    con.print(f"Same person in the store: {document['same_person']}  {document['persons']}")
    if document["decision"]:
        con.print(f"Analyst decision: {document['decision']}")
    if html:
        con.print(f"Waterfall chart: {html}")


def decide(
    a: Annotated[str, typer.Argument(help="SOURCE/ID[#party]")],
    b: Annotated[str, typer.Argument(help="SOURCE/ID[#party]")],
    decision: Annotated[str, typer.Argument(help="same or not-same")],
    reason: Annotated[str, typer.Option(help="Why (kept with the decision).")],
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Record that two records are (or are not) the same person; it wins over the model from now on."""
    engine = open_store(db)
    try:
        document = decide_pair(
            engine, actor(user, purpose or "resolution review"), a, b, decision.replace("-", "_"), reason
        )
    except (UnknownReference, ValueError) as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
    else:
        console(fmt).print(f"Recorded: {a} {decision} {b}. Persons now: {document['persons']}")


def register(app: typer.Typer) -> None:
    for command in (resolve, search, quickhit, explain, decide):
        app.command()(command)
