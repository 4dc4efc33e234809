"""Case analysis commands: nearby, series, match-unidentified, incidents summary/trends, gridsearch."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from vigil import audit
from vigil.analyze import gridsearch as grid_mod
from vigil.analyze import nearby as nearby_mod
from vigil.analyze import series as series_mod
from vigil.analyze import series_offenders as offenders_mod
from vigil.analyze import unidentified as unid_mod
from vigil.analyze.incidents import load_incidents
from vigil.analyze.summary import incident_summary
from vigil.analyze.trends import trends as trend_counts
from vigil.cli.common import Db, Fmt, Format, Purpose, User, actor, console, fail, print_json
from vigil.present import documents, maps
from vigil.store.db import open_store

series_app = typer.Typer(
    help="Attempted-abduction series: incidents linked by place, time, offender, vehicle and lure.",
    invoke_without_command=True,
)
incidents_app = typer.Typer(help="Incident summaries and trends.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(series_app, name="series")
    app.add_typer(incidents_app, name="incidents")
    app.command("nearby")(nearby)
    app.command("match-unidentified")(match_unidentified)
    app.command("gridsearch")(gridsearch)


From = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
To = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")]
Region = Annotated[str | None, typer.Option("--region", help="Two-letter state.")]
MapOut = Annotated[
    Path | None, typer.Option("--map", help="Also write a map: .geojson, .kml, .html, .png or .pdf.")
]


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"{name} must be YYYY-MM-DD, got {text!r}") from exc


def _write_map(path: Path, fc: dict, title: str, pdf: bytes | None = None) -> None:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        path.write_bytes(orjson.dumps(fc, option=orjson.OPT_INDENT_2))
    elif suffix == ".kml":
        path.write_text(maps.to_kml(fc), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        path.write_text(maps.map_html(fc, title), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(maps.map_png(fc, title))
    elif suffix == ".pdf" and pdf is not None:
        path.write_bytes(pdf)
    else:
        raise fail(f"unknown map format {suffix!r} (use .geojson, .kml, .html, .png or .pdf)")


# ---- series ------------------------------------------------------------------------------------------


@series_app.callback()
def series(
    ctx: typer.Context,
    start: From = None,
    end: To = None,
    region: Region = None,
    max_miles: Annotated[float, typer.Option(help="Never link incidents farther apart.")] = 25.0,
    max_days: Annotated[float, typer.Option(help="Never link incidents further apart in time.")] = 90.0,
    min_size: Annotated[int, typer.Option(help="Show series of at least this many incidents.")] = 2,
    offenders: Annotated[
        bool, typer.Option("--offenders/--no-offenders", help="Rank registered offenders for each series.")
    ] = True,
    offender_radius_mi: Annotated[
        float, typer.Option("--offender-radius-mi", help="Offenders who lived this close to an incident.")
    ] = 10.0,
    top_offenders: Annotated[int, typer.Option(help="Offenders shown per series.")] = 3,
    min_offender_score: Annotated[
        float, typer.Option(help="Show offenders scoring at least this (0-1, a probability).")
    ] = 0.01,
    map_out: MapOut = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Link incidents into possible series, with scores and reasons (analyst decisions always win)."""
    if ctx.invoked_subcommand is not None:
        return
    engine = open_store(db)
    params = series_mod.SeriesParams(max_miles=max_miles, max_days=max_days)
    try:
        result = series_mod.find_series(
            engine, actor(user, purpose), _day(start, "--from"), _day(end, "--to"), region, params
        )
    except audit.PurposeRequired as exc:
        raise fail(str(exc)) from exc
    found = [s for s in result.series if len(s.refs) >= min_size]
    if offenders:
        params_o = offenders_mod.OffenderParams(
            radius_mi=offender_radius_mi, top=top_offenders, min_score=min_offender_score
        )
        offenders_mod.attach_offenders(engine, actor(user, purpose), found, params_o)
    document = {**result.document(), "series": [s.document() for s in found]}
    if map_out:
        features = []
        for s in found:
            for x in s.incidents:
                if x.lat is not None and x.lon is not None:
                    features.append(
                        maps.point(
                            x.lat,
                            x.lon,
                            "incident",
                            x.ref,
                            series_id=s.series_id,
                            at=x.at.isoformat() if x.at else None,
                        )
                    )
            if s.center:
                features.append(
                    maps.point(
                        s.center[0], s.center[1], "series", s.series_id, refs=s.refs, score=round(s.score, 3)
                    )
                )
        _write_map(map_out, maps.collection(features, "Incident series"), "Incident series")
        audit.write(engine, actor(user, purpose), "export", {"what": "series_map", "file": str(map_out)})
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    table = Table(title=f"{len(found)} possible series among {result.incidents:,} incidents")
    for column in ("series", "n", "score", "first", "last", "why", *(("offenders",) if offenders else ())):
        table.add_column(column, overflow="fold")
    for s in found:
        table.add_row(
            s.series_id,
            str(len(s.refs)),
            f"{s.score:.2f}",
            f"{s.first:%Y-%m-%d}" if s.first else "",
            f"{s.last:%Y-%m-%d}" if s.last else "",
            "; ".join(s.reasons[:4]),
            *((_offender_cell(s.offenders or [], s.offenders_considered or 0),) if offenders else ()),
        )
    con.print(table)


def _offender_cell(ranked: list[dict], considered: int) -> str:
    """Who, how likely, and the strongest reason."""
    lines = []
    for o in ranked:
        who = o["person_id"] or o["refs"][0]
        reason = o["reasons"][0] if o["reasons"] else ""
        lines.append(f"{who} {o['score']:.2f}: {reason}")
    return "\n".join(lines) or f"none of the {considered} registered offender(s) considered fits"


def _decide(
    a: str, b: str, decision: str, reason: str, db: str | None, user: str | None, purpose: str | None
) -> None:
    engine = open_store(db)
    try:
        series_mod.decide(engine, actor(user, purpose), a, b, decision, reason)
    except series_mod.DecisionError as exc:
        raise fail(str(exc)) from exc
    console(Format.table).print(
        f"Recorded: {a} and {b} {'are' if decision == 'same' else 'are not'} one series."
    )


@series_app.command("confirm")
def series_confirm(
    a: Annotated[str, typer.Argument(help="Incident reference.")],
    b: Annotated[str, typer.Argument(help="Incident reference.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the decision).")],
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
) -> None:
    """Two incidents are one series: the link holds on every rerun."""
    _decide(a, b, "same", reason, db, user, purpose)


@series_app.command("reject")
def series_reject(
    a: Annotated[str, typer.Argument(help="Incident reference.")],
    b: Annotated[str, typer.Argument(help="Incident reference.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the decision).")],
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
) -> None:
    """Two incidents are not one series: they never end up in the same series again."""
    _decide(a, b, "not_same", reason, db, user, purpose)


# ---- nearby -------------------------------------------------------------------------------------------


def nearby(
    case: Annotated[
        str, typer.Option("--case", help="Case reference or case number (or an incident/lead ref).")
    ],
    radius_mi: Annotated[float, typer.Option("--radius-mi", help="Miles around the case's place.")] = 10.0,
    days: Annotated[float, typer.Option("--days", help="Days either side of the case's date.")] = 30.0,
    map_out: MapOut = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Registered offenders, incidents, LPR hits and leads near a case in space and time."""
    engine = open_store(db)
    try:
        document = nearby_mod.nearby(engine, actor(user, purpose), case, radius_mi, days)
    except (nearby_mod.NotFound, audit.PurposeRequired) as exc:
        raise fail(str(exc)) from exc
    if map_out:
        fc = maps.nearby_features(document)
        title = f"Near {document.get('case_number') or document['case']}"
        pdf = documents.nearby_pdf(document, fc) if map_out.suffix.lower() == ".pdf" else None
        _write_map(map_out, fc, title, pdf)
        audit.write(
            engine,
            actor(user, purpose),
            "export",
            {"what": "nearby_map", "case": document["case"], "file": str(map_out)},
        )
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    table = Table(title=f"Registered offenders within {radius_mi:g} mi of {document['case']}")
    for column in ("mi", "person", "address", "label", "status", "other addresses then", "flags", "refs"):
        table.add_column(column, overflow="fold")
    for p in document["persons"]:
        table.add_row(
            f"{p['distance_mi']:.1f}",
            p["person_id"] or "-",
            p["address"],
            p["address_label"],
            (p.get("registration") or {}).get("status") or "",
            _other_addresses(p),
            ", ".join(p.get("flags", [])),
            ", ".join(p["refs"]),
        )
    con.print(table)
    # Leads found only because they name the case (seen outside the radius or the window) apart.
    elsewhere = [x for x in document["leads"] if x.get("outside_radius") or x.get("outside_window")]
    leads = [x for x in document["leads"] if x not in elsewhere]
    case_label = document.get("case_number") or document["case"]
    for rows, title in (
        (document["incidents"], f"Incidents within {radius_mi:g} mi and {days:g} days"),
        (document["lpr_hits"], f"LPR hits within {radius_mi:g} mi and {days:g} days"),
        (leads, f"Leads within {radius_mi:g} mi and {days:g} days"),
        (elsewhere, f"Leads naming {case_label} seen outside the radius or the {days:g} days"),
    ):
        if not rows and title.startswith("Leads naming"):
            continue
        heading = f"{title} ({len(rows)})"
        t = Table(title=heading, min_width=len(heading) + 2)  # a heading on one line, however narrow
        for column in ("mi", "days", "kind", "at", "ref"):
            t.add_column(column, overflow="fold")
        for x in rows:
            t.add_row(_mi(x["distance_mi"]), _num(x["days_apart"]), x["kind"], x["at"] or "", x["ref"])
        con.print(t)


def _other_addresses(p: dict) -> str:
    """The person's other addresses valid that day, one line per place with who says so."""
    places: dict[str, list[dict]] = {}
    for a in p.get("addresses", []):
        if a["address"] != p["address"]:
            places.setdefault(a["address"], []).append(a)
    lines = []
    for address, said in places.items():
        who = "; ".join(f"{a['label']}: {a['ref']}" for a in said)
        lines.append(f"{_mi(said[0]['distance_mi'])} mi {address} ({who})")
    return "\n".join(lines)


def _mi(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


# ---- unidentified ---------------------------------------------------------------------------------------


def match_unidentified(
    unid: Annotated[str | None, typer.Argument(help="Unidentified child: reference or case number.")] = None,
    top: Annotated[int, typer.Option("--top", help="How many candidates.")] = 10,
    case: Annotated[
        str | None, typer.Option("--case", help="The reverse: rank unidentified children against this case.")
    ] = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Missing-child cases ranked against an unidentified child (or the reverse with --case)."""
    if bool(unid) == bool(case):
        raise fail("give an unidentified child (UNID) or --case CASE, not both")
    engine = open_store(db)
    try:
        if unid:
            document = unid_mod.match_unidentified(engine, actor(user, purpose), unid, top)
        else:
            document = unid_mod.match_case(engine, actor(user, purpose), case, top)  # type: ignore[arg-type]
    except (unid_mod.NotFound, audit.PurposeRequired) as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    subject = document.get("unidentified") or document.get("case")
    table = Table(title=f"Candidates for {subject}")
    for column in ("rank", "ref", "score", "mi", "reasons"):
        table.add_column(column, overflow="fold")
    for k, c in enumerate(document["candidates"], start=1):
        table.add_row(
            str(k),
            c["ref"],
            f"{c['score']:.3f}",
            "" if c["distance_mi"] is None else f"{c['distance_mi']:.0f}",
            "; ".join(c["reasons"][:5]),
        )
    console(fmt).print(table)


# ---- incidents summary and trends ------------------------------------------------------------------------


class DocFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    json = "json"


@incidents_app.command("summary")
def incidents_summary(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")],
    region: Region = None,
    fmt: Annotated[DocFormat, typer.Option("--format", "-f")] = DocFormat.pdf,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: derived name).")
    ] = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
) -> None:
    """The bi-weekly agency summary: new incidents with a map, possible series, trend charts."""
    engine = open_store(db)
    first, last = _day(start, "--from"), _day(end, "--to")
    try:
        summary = incident_summary(engine, actor(user, purpose), first, last, region)  # type: ignore[arg-type]
    except (ValueError, audit.PurposeRequired) as exc:
        raise fail(str(exc)) from exc
    if fmt is DocFormat.json and out is None:
        print_json(summary)
        return
    out = out or Path(f"incident-summary_{start}_{end}{'_' + region.upper() if region else ''}.{fmt.value}")
    if fmt is DocFormat.pdf:
        out.write_bytes(documents.summary_pdf(summary))
    elif fmt is DocFormat.html:
        out.write_text(documents.summary_html(summary), encoding="utf-8")
    else:
        out.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    audit.write(engine, actor(user, purpose), "export", {"what": "incident_summary", "file": str(out)})
    console(Format.table).print(
        f"Wrote {out}: {len(summary['incidents'])} new incident(s), {len(summary['series'])} possible series."
    )


@incidents_app.command("trends")
def incidents_trends(
    start: From = None,
    end: To = None,
    region: Region = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Counts by region, week, type, time of day, child age/sex, activity and lure; hot spots."""
    engine = open_store(db)
    first, last = _day(start, "--from"), _day(end, "--to")
    try:
        audit.write(
            engine,
            actor(user, purpose),
            "search",
            {"what": "incident_trends", "from": start, "to": end, "region": region},
        )
    except audit.PurposeRequired as exc:
        raise fail(str(exc)) from exc
    document = trend_counts(load_incidents(engine, first, last, region), first, last)
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    for key, value in document.items():
        if isinstance(value, dict) and key != "by_week":
            t = Table(title=key.replace("_", " "))
            t.add_column("value")
            t.add_column("count", justify="right")
            for k, v in value.items():
                t.add_row(str(k), str(v))
            con.print(t)
    con.print(
        f"{document['total']:,} incidents; {len(document['by_week'])} weeks; "
        f"{len(document['hot_spots'])} hot spots"
    )


# ---- grid search ------------------------------------------------------------------------------------------


class GridFormat(StrEnum):
    geojson = "geojson"
    kml = "kml"
    pdf = "pdf"
    json = "json"


def gridsearch(
    case: Annotated[str | None, typer.Option("--case", help="Centre on a case's last-seen place.")] = None,
    lat: Annotated[float | None, typer.Option(help="Or an explicit last-seen latitude.")] = None,
    lon: Annotated[float | None, typer.Option(help="... and longitude.")] = None,
    radius_mi: Annotated[float, typer.Option("--radius-mi")] = 2.0,
    cell_mi: Annotated[float, typer.Option("--cell-mi")] = 0.25,
    fmt: Annotated[GridFormat, typer.Option("--format", "-f")] = GridFormat.geojson,
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
) -> None:
    """Numbered grid cells over a radius around a last-seen point, for search teams."""
    label = None
    if case:
        engine = open_store(db)
        try:
            centre = nearby_mod.find_centre(engine, case)
            audit.write(
                engine, actor(user, purpose), "view", {"what": "gridsearch", "case": centre.ref}, [centre.ref]
            )
        except (nearby_mod.NotFound, audit.PurposeRequired) as exc:
            raise fail(str(exc)) from exc
        lat, lon, label = centre.lat, centre.lon, f"Grid search - {centre.case_number or centre.ref}"
    if lat is None or lon is None:
        raise fail("give --case, or --lat and --lon")
    try:
        g = grid_mod.grid(lat, lon, radius_mi, cell_mi, label or f"Grid search {lat:.4f}, {lon:.4f}")
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if fmt is GridFormat.json:
        data = orjson.dumps(g, option=orjson.OPT_INDENT_2)
    elif fmt is GridFormat.geojson:
        data = orjson.dumps(maps.grid_features(g), option=orjson.OPT_INDENT_2)
    elif fmt is GridFormat.kml:
        data = maps.to_kml(maps.grid_features(g)).encode()
    else:
        data = documents.grid_pdf(g)
    if out is None:
        if fmt is GridFormat.pdf:
            raise fail("--format pdf needs --out FILE")
        typer.echo(data.decode())
        return
    out.write_bytes(data)
    console(Format.table).print(
        f"Wrote {out}: {len(g['cells'])} cells of {cell_mi:g} mi over {radius_mi:g} mi."
    )
