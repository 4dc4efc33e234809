"""Link-analysis commands: tip-links, path, links (neighbours, common, hubs, export), tips (location,
route), watch, alerts, deconflict. Thin: parse, call vigil.analyze, print."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from vigil import audit
from vigil.analyze import alerts as alerts_mod
from vigil.analyze import deconfliction
from vigil.analyze.graph import common, neighbours, paths_between
from vigil.analyze.links import LinkSettings, hub_identifiers, tip_links
from vigil.analyze.records import UnknownReference
from vigil.analyze.routing import current_tip_refs, route_tips
from vigil.analyze.tip_location import get_ip_locator, locate_tip
from vigil.cli.common import Db, Fmt, Format, Purpose, User, actor, console, fail, print_json
from vigil.config import Actor
from vigil.present.graph_export import EXPORT_FORMATS, export_graph
from vigil.store.db import open_store

Agency = Annotated[
    str | None,
    typer.Option("--agency", envvar="VIGIL_AGENCY", help="Agency the work is for (deconfliction)."),
]
HubMin = Annotated[
    int | None,
    typer.Option("--hub-min", help="Subjects holding an identifier that make it a hub (default 20)."),
]
Types = Annotated[
    str | None,
    typer.Option("--types", help="Only these record types, comma-separated (tip,missing_case,...)."),
]

links_app = typer.Typer(
    help="The link graph: neighbours, common identifiers, hubs, exports.", no_args_is_help=True
)
tips_app = typer.Typer(
    help="Tips: potential location and routing to the responsible agency.", no_args_is_help=True
)
watch_app = typer.Typer(
    help="Watchlists: persons, cases, records or identifiers to be alerted on.", no_args_is_help=True
)
deconflict_app = typer.Typer(
    help="Deconfliction: which agencies work the same subject.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the link-analysis commands to the `vigil` app."""
    app.command("tip-links")(tip_links_command)
    app.command("path")(path_command)
    app.command("alerts")(alerts_command)
    app.add_typer(links_app, name="links")
    app.add_typer(tips_app, name="tips")
    app.add_typer(watch_app, name="watch")
    app.add_typer(deconflict_app, name="deconflict")


def _who(user: str | None, purpose: str | None, agency: str | None) -> Actor:
    who = actor(user, purpose)
    return dataclasses.replace(who, agency=agency) if agency is not None else who


def _types(types: str | None) -> list[str] | None:
    return [x.strip() for x in types.split(",") if x.strip()] if types else None


_ERRORS = (UnknownReference, ValueError, audit.PurposeRequired)


def _print_conflicts(con: Any, conflicts: list[dict[str, Any]]) -> None:
    for c in conflicts:
        con.print(
            f"[bold yellow]deconfliction:[/] {c['agency']} ({c['user']}) worked it on {c['at'][:10]}"
            f" ({c['action']} {c['subject']}); shared {', '.join(c['shared'][:3])}",
            highlight=False,
        )


def tip_links_command(
    tip: Annotated[
        str, typer.Argument(help="The tip's reference, e.g. cybertipline/T-2026-118 (any record works).")
    ],
    hops: Annotated[
        int, typer.Option(help="Follow chains this many records deep (1 = direct links only).")
    ] = 6,
    types: Types = None,
    min_score: Annotated[
        float | None, typer.Option(help="Weakest shared identifier that links (0-1).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most links to show.")] = 200,
    hub_min: HubMin = None,
    agency: Agency = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """What a tip shares with prior tips, missing-child cases and persons: links with via and score."""
    engine = open_store(db)
    settings = LinkSettings.from_env(hub_min=hub_min, min_score=min_score)
    try:
        document = tip_links(
            engine,
            tip,
            _who(user, purpose, agency),
            hops=hops,
            types=_types(types),
            settings=settings,
            limit=limit,
        )
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    table = Table(title=f"{tip}: {len(document['links'])} link(s)")
    for column in ("ref", "type", "score", "hops", "via"):
        table.add_column(column, overflow="fold")
    for link in document["links"]:
        table.add_row(link["ref"], link["type"], f"{link['score']:.2f}", str(link["hops"]), link["via"])
    con.print(table)
    for hub in document["hubs"]:
        con.print(f"hub, not used as evidence: {hub['identifier']} (held by {hub['subjects']} subjects)")
    _print_conflicts(con, document["deconfliction"])


def path_command(
    a: Annotated[str, typer.Argument(help="A record reference, person id or identifier (KIND:VALUE).")],
    b: Annotated[str, typer.Argument(help="The other end.")],
    max_paths: Annotated[int, typer.Option("--max-paths", "-n", help="Chains to return at most.")] = 3,
    max_hops: Annotated[
        int, typer.Option("--max-hops", help="Records a chain may pass through, at most.")
    ] = 4,
    types: Types = None,
    hub_min: HubMin = None,
    export: Annotated[Path | None, typer.Option(help="Also write the chains' subgraph to this file.")] = None,
    to: Annotated[str, typer.Option(help=f"Export format: {', '.join(EXPORT_FORMATS)}.")] = "graphml",
    agency: Agency = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """The shortest chains of shared identifiers linking two records (or persons, or identifiers)."""
    engine = open_store(db)
    who = _who(user, purpose, agency)
    try:
        document, graph = paths_between(
            engine,
            a,
            b,
            who,
            max_paths=max_paths,
            max_hops=max_hops,
            settings=LinkSettings.from_env(hub_min=hub_min),
            types=_types(types),
        )
        if export is not None:
            document["exported"] = [str(p) for p in _export(engine, who, graph, to, export, f"path {a} {b}")]
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    if not document["paths"]:
        con.print(f"No chain of at most {max_hops} hops links {document['a']} and {document['b']}.")
    for i, path in enumerate(document["paths"], 1):
        con.rule(f"chain {i}: {document['hops'][i - 1]} hop(s)")
        for step in path:
            what = step.get("ref") or step.get("identifier") or step.get("person_id")
            con.print(f"  {'--' + step['via'] + '--> ' if step.get('via') else ''}{what}", highlight=False)
    _print_conflicts(con, document["deconfliction"])


def _export(engine: Any, who: Actor, graph: Any, to: str, path: Path, what: str) -> list[Path]:
    refs = sorted({d["ref"] for _, d in graph.nodes(data=True) if d.get("kind") == "record"})
    audit.write(engine, who, "export", {"what": what, "format": to, "file": str(path)}, refs)
    return export_graph(graph, to, path)


# --- links ---------------------------------------------------------------------------------------


@links_app.command("neighbours")
def links_neighbours(
    start: Annotated[str, typer.Argument(help="A record reference, person id or identifier (KIND:VALUE).")],
    hops: Annotated[int, typer.Option(help="Record-to-record hops.")] = 2,
    types: Types = None,
    kinds: Annotated[str | None, typer.Option(help="Only these identifier kinds (phone,email,...).")] = None,
    include_hubs: Annotated[bool, typer.Option(help="Show hub identifiers (never followed).")] = False,
    hub_min: HubMin = None,
    agency: Agency = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Records, identifiers and persons within k hops."""
    engine = open_store(db)
    try:
        document, _ = neighbours(
            engine,
            start,
            _who(user, purpose, agency),
            hops=hops,
            types=_types(types),
            kinds=_types(kinds),
            include_hubs=include_hubs,
            settings=LinkSettings.from_env(hub_min=hub_min),
        )
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    table = Table(title=f"within {hops} hop(s) of {document['center']}")
    for column in ("node", "kind", "type", "links"):
        table.add_column(column, overflow="fold")
    degree: dict[str, int] = {}
    for e in document["edges"]:
        degree[e["source"]] = degree.get(e["source"], 0) + 1
        degree[e["target"]] = degree.get(e["target"], 0) + 1
    for n in document["nodes"]:
        kind = n["kind"] + (" (hub)" if n.get("hub") else "")
        table.add_row(
            n["label"], kind, n.get("type") or n.get("identifier_kind") or "", str(degree.get(n["id"], 0))
        )
    con.print(table)


@links_app.command("common")
def links_common(
    a: Annotated[str, typer.Argument(help="A record reference or person id.")],
    b: Annotated[str, typer.Argument(help="The other one.")],
    hub_min: HubMin = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Identifiers two records or persons have in common."""
    engine = open_store(db)
    try:
        document = common(engine, a, b, actor(user, purpose), LinkSettings.from_env(hub_min=hub_min))
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    table = Table(title=f"{document['a']} and {document['b']}: {len(document['common'])} in common")
    for column in ("identifier", "strength", "held by", "hub", "refs"):
        table.add_column(column, overflow="fold")
    for c in document["common"]:
        table.add_row(
            c["identifier"],
            f"{c['strength']:.2f}",
            str(c["subjects"]),
            "yes" if c["hub"] else "",
            ", ".join(c["a_refs"] + c["b_refs"]),
        )
    console(fmt).print(table)


@links_app.command("hubs")
def links_hubs(
    hub_min: HubMin = None,
    limit: Annotated[int, typer.Option(help="Most hubs to list.")] = 100,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Identifiers so widely shared (shelter phones, public Wi-Fi) that they are not used as evidence."""
    engine = open_store(db)
    hubs = hub_identifiers(engine, LinkSettings.from_env(hub_min=hub_min), limit=limit)
    audit.write(engine, actor(user, purpose), "stats", {"command": "links hubs", "hub_min": hub_min})
    if fmt is Format.json:
        print_json({"hubs": hubs})
        return
    table = Table(title=f"{len(hubs)} hub identifier(s)")
    for column in ("identifier", "records", "subjects", "record types"):
        table.add_column(column, overflow="fold")
    for h in hubs:
        types = ", ".join(f"{k} {v}" for k, v in h["types"].items())
        table.add_row(h["identifier"], str(h["records"]), str(h["subjects"]), types)
    console(fmt).print(table)


@links_app.command("export")
def links_export(
    start: Annotated[
        str, typer.Argument(help="Center of the chart: record reference, person id or identifier.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write (i2 writes <stem>_entities/_links.csv).")
    ],
    to: Annotated[str, typer.Option(help=f"Format: {', '.join(EXPORT_FORMATS)}.")] = "graphml",
    hops: Annotated[int, typer.Option(help="Record-to-record hops.")] = 2,
    types: Types = None,
    include_hubs: Annotated[bool, typer.Option(help="Show hub identifiers (never followed).")] = False,
    hub_min: HubMin = None,
    agency: Agency = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Export the neighbourhood of a record, person or identifier as a link chart."""
    engine = open_store(db)
    who = _who(user, purpose, agency)
    try:
        document, graph = neighbours(
            engine,
            start,
            who,
            hops=hops,
            types=_types(types),
            include_hubs=include_hubs,
            settings=LinkSettings.from_env(hub_min=hub_min),
            action="export",
        )
        files = _export(engine, who, graph, to, out, f"neighbours {start}")
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    summary = {
        "center": document["center"],
        "format": to,
        "files": [str(f) for f in files],
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
    }
    if fmt is Format.json:
        print_json(summary)
        return
    console(fmt).print(
        f"Wrote {summary['nodes']} nodes and {summary['edges']} links to {', '.join(summary['files'])}"
    )


# --- tips ----------------------------------------------------------------------------------------

IpRanges = Annotated[
    str | None,
    typer.Option("--ip-ranges", envvar="VIGIL_IP_RANGES", help="IP-range table: a CSV, or module:Class."),
]


@tips_app.command("location")
def tips_location(
    tip: Annotated[str, typer.Argument(help="The tip's reference.")],
    ip_ranges: IpRanges = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """The tip's potential location, with every clue behind it."""
    engine = open_store(db)
    who = actor(user, purpose)
    try:
        audit.write(engine, who, "view", {"command": "tips location", "ref": tip}, [tip])
        with engine.connect() as conn:
            document = locate_tip(conn, tip, ip_locator=get_ip_locator(ip_ranges or ""))
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    con.print(
        f"{tip}: {document['city'] or '?'}, {document['state'] or '?'} {document['zip'] or ''}"
        f" (county {document['county_fips'] or '?'}), confidence {document['confidence']:.2f}"
    )
    _clue_table(con, document["clues"])


def _clue_table(con: Any, clues: list[dict[str, Any]]) -> None:
    table = Table(title="clues")
    for column in ("weight", "state", "zip", "source", "reason"):
        table.add_column(column, overflow="fold")
    for c in clues:
        table.add_row(f"{c['weight']:.2f}", c["state"], c["zip"] or "", c["source"], c["reason"])
    con.print(table)


@tips_app.command("route")
def tips_route(
    tips: Annotated[list[str] | None, typer.Argument(help="Tip references (or --all).")] = None,
    all_tips: Annotated[bool, typer.Option("--all", help="Every current tip.")] = False,
    limit: Annotated[int | None, typer.Option(help="With --all: the first N tips.")] = None,
    ip_ranges: IpRanges = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Route tips to the responsible agency (ZIP / county jurisdiction, else the state's ICAC task force)."""
    engine = open_store(db)
    refs = list(tips or [])
    if all_tips:
        refs += current_tip_refs(engine, limit)
    if not refs:
        raise fail("name one or more tips, or --all")
    try:
        document = route_tips(engine, refs, actor(user, purpose), ip_locator=get_ip_locator(ip_ranges or ""))
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    table = Table(title=f"{len(document['routes'])} tip(s) routed")
    for column in ("tip", "agency", "ori", "location", "why"):
        table.add_column(column, overflow="fold")
    for r in document["routes"]:
        agency = r["agency"] or {}
        loc = r["location"]
        where = " ".join(str(x) for x in (loc["city"], loc["state"], loc["zip"]) if x)
        table.add_row(r["ref"], agency.get("name", "-"), agency.get("ori", ""), where, r["reasons"][-1])
    console(fmt).print(table)


# --- watchlists and alerts -------------------------------------------------------------------------


@watch_app.command("add")
def watch_add(
    person: Annotated[
        str | None, typer.Option(help="A person id, or a record reference of the person.")
    ] = None,
    case: Annotated[str | None, typer.Option(help="A missing-child case reference.")] = None,
    record: Annotated[str | None, typer.Option(help="Any record reference.")] = None,
    identifier: Annotated[str | None, typer.Option(help="KIND:VALUE, e.g. phone:(512) 555-0147.")] = None,
    radius_mi: Annotated[
        float | None, typer.Option("--radius-mi", help="Also alert on incidents this close to his addresses.")
    ] = None,
    note: Annotated[str, typer.Option(help="Why (shown with each alert).")] = "",
    backfill: Annotated[bool, typer.Option(help="Also alert on records already loaded.")] = False,
    agency: Agency = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Watch a person, case, record or identifier: new records that link to it raise alerts."""
    given = [
        (k, v)
        for k, v in (("person", person), ("case", case), ("record", record), ("identifier", identifier))
        if v
    ]
    if len(given) != 1:
        raise fail("give exactly one of --person, --case, --record, --identifier")
    kind, target = given[0]
    engine = open_store(db)
    try:
        document = alerts_mod.add_watch(
            engine,
            _who(user, purpose, agency),
            kind,
            target,
            radius_mi=radius_mi,
            note=note,
            backfill=backfill,
        )
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    con.print(f"Watch {document['watch_id']}: {kind} {document['target']}")
    _print_conflicts(con, document["deconfliction"])


@watch_app.command("list")
def watch_list(
    agency: Agency = None,
    db: Db = None,
    fmt: Fmt = Format.table,
) -> None:
    """Active watches (of one agency with --agency)."""
    watches = alerts_mod.list_watches(open_store(db), agency)
    if fmt is Format.json:
        print_json({"watches": watches})
        return
    table = Table(title=f"{len(watches)} watch(es)")
    for column in ("id", "kind", "target", "radius", "agency", "user", "note"):
        table.add_column(column, overflow="fold")
    for w in watches:
        table.add_row(
            str(w["watch_id"]),
            w["kind"],
            w["target"],
            str(w["radius_mi"] or ""),
            w["agency"],
            w["user"],
            w["note"],
        )
    console(fmt).print(table)


@watch_app.command("remove")
def watch_remove(
    watch_id: Annotated[int, typer.Argument(help="The watch's id.")],
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
) -> None:
    """Stop a watch (its alerts stay)."""
    engine = open_store(db)
    if not alerts_mod.remove_watch(engine, actor(user, purpose), watch_id):
        raise fail(f"no watch {watch_id}")
    console(Format.table).print(f"Watch {watch_id} stopped.")


def alerts_command(
    agency: Agency = None,
    unseen: Annotated[bool, typer.Option(help="Only alerts not yet marked seen.")] = False,
    mark_seen: Annotated[bool, typer.Option(help="Mark the alerts shown as seen.")] = False,
    limit: Annotated[int, typer.Option(help="Newest alerts to show.")] = 200,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Check the watches against newly loaded records, then show alerts (watch and deconfliction)."""
    engine = open_store(db)
    try:
        document = alerts_mod.list_alerts(
            engine,
            _who(user, purpose, agency),
            agency=agency,
            unseen_only=unseen,
            mark_seen=mark_seen,
            limit=limit,
        )
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    if fmt is Format.json:
        print_json(document)
        return
    table = Table(title=f"{len(document['alerts'])} alert(s), {document['raised']} new")
    for column in ("id", "at", "kind", "agency", "subject", "record", "reason"):
        table.add_column(column, overflow="fold")
    for a in document["alerts"]:
        mark = "" if a["seen"] else "* "
        table.add_row(
            f"{mark}{a['alert_id']}",
            a["at"][:16],
            a["kind"],
            a["agency"],
            a["subject"],
            a["ref"] or "",
            a["reason"],
        )
    console(fmt).print(table)


# --- deconfliction -------------------------------------------------------------------------------


@deconflict_app.command("check")
def deconflict_check(
    subject: Annotated[str, typer.Argument(help="A record reference, person id or identifier (KIND:VALUE).")],
    agency: Agency = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
    fmt: Fmt = Format.table,
) -> None:
    """Record that your agency works this subject; show (and alert) other agencies working it too."""
    engine = open_store(db)
    who = _who(user, purpose, agency)
    if not who.agency:
        raise fail("deconfliction needs --agency (or VIGIL_AGENCY)")
    try:
        audit.write(engine, who, "search", {"command": "deconflict", "subject": subject}, [subject])
        from vigil.analyze.graph import resolve_endpoint

        with engine.connect() as conn:
            endpoint = resolve_endpoint(conn, subject)
        conflicts = deconfliction.touch_records(
            engine,
            who,
            "deconflict",
            endpoint.value,
            refs=[endpoint.value] if endpoint.kind == "record" else [],
            person_ids=[endpoint.value] if endpoint.kind == "person" else [],
            identifiers=[endpoint.value] if endpoint.kind == "identifier" else [],
        )
    except _ERRORS as exc:
        raise fail(str(exc)) from exc
    document = {"subject": endpoint.value, "agency": who.agency, "conflicts": conflicts}
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    if not conflicts:
        con.print(f"No other agency has worked {endpoint.value} in the last year.")
    _print_conflicts(con, conflicts)


@deconflict_app.command("list")
def deconflict_list(
    agency: Agency = None,
    limit: Annotated[int, typer.Option(help="Newest touches to show.")] = 100,
    db: Db = None,
    fmt: Fmt = Format.table,
) -> None:
    """Recorded touches (searches, reports, link queries made for an agency), newest first."""
    rows = deconfliction.touches(open_store(db), agency, limit)
    if fmt is Format.json:
        print_json({"touches": rows})
        return
    table = Table(title=f"{len(rows)} touch(es)")
    for column in ("id", "at", "agency", "user", "action", "subject"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["at"][:16], r["agency"], r["user"], r["action"], r["subject"])
    console(fmt).print(table)
