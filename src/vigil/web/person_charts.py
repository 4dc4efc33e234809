"""What the person page's interactive widgets draw, and the files its export links download.

Nothing is computed here: the timeline is the comprehensive report's own `timeline`, the map its
GeoJSON (`vigil.present.report_map.report_features`), the link chart the k-hop neighbourhood of the
person (`vigil.analyze.graph.neighbours`); the exports are `vigil.present.graph_export` and
`vigil.present.report_exports`. Each is an audited library call.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import networkx as nx
import orjson
from fastapi.encoders import jsonable_encoder
from sqlalchemy import Engine

from vigil.analyze.graph import neighbours
from vigil.analyze.report import build_report
from vigil.config import Actor
from vigil.normalize.ssn import mask_ssn
from vigil.present.graph_export import EXPORT_FORMATS, export_graph
from vigil.present.report_map import link_features, report_features, to_kml
from vigil.web.common import audit_write
from vigil.web.templating import STATIC_DIR

# The link chart on the page: the person's records, what they hold, and the records holding the same
# (two record hops from a person node = person -> his records -> identifiers -> other records).
GRAPH_HOPS = 2
GRAPH_MAX_NODES = 400
MAP_FORMATS = ("geojson", "kml")

# Front-end libraries installed from npm at setup (Makefile); a page without them still has its tables.
VENDOR = {
    "leaflet_css": "vendor/node_modules/leaflet/dist/leaflet.css",
    "leaflet_js": "vendor/node_modules/leaflet/dist/leaflet.js",
    "timeline_css": "vendor/node_modules/vis-timeline/styles/vis-timeline-graph2d.min.css",
    "timeline_js": "vendor/node_modules/vis-timeline/standalone/umd/vis-timeline-graph2d.min.js",
    "cytoscape_js": "vendor/node_modules/cytoscape/dist/cytoscape.min.js",
}


def vendor_assets() -> dict[str, str | None]:
    """name -> /static URL of each installed front-end asset (None when `make setup` did not fetch it)."""
    return {k: f"/static/{p}" if (STATIC_DIR / p).is_file() else None for k, p in VENDOR.items()}


def graph_start(document: dict[str, Any]) -> tuple[str, int]:
    """Where the chart starts: the resolved person (two hops), else the lone record (one hop)."""
    if document.get("person_id"):
        return f"person:{document['person_id']}", GRAPH_HOPS
    return document["subject"].split("#")[0], 1


def link_graph(
    engine: Engine, actor: Actor, document: dict[str, Any], action: str = "view", show_ssn: bool = False
) -> nx.Graph:
    """The person's neighbourhood with the report's other links (incidents and cases near him, shared
    addresses, chains); SSN nodes masked ("ssn:***-**-1234") unless asked and allowed, as everywhere
    else on the page."""
    if show_ssn and not actor.may_see_ssn:
        raise PermissionError(f"the {actor.role} role may not unmask SSNs")
    start, hops = graph_start(document)
    _, graph = neighbours(engine, start, actor, hops=hops, max_nodes=GRAPH_MAX_NODES, action=action)
    add_report_links(graph, document)
    return graph if show_ssn else mask_ssns(graph)


def add_report_links(graph: nx.Graph, document: dict[str, Any]) -> None:
    """The report's links the identifier graph does not hold (a place and a time are no identifier): each
    linked record joined to the person (or the lone record) by an edge of the link's kind, with its why."""
    report = document.get("report") or {}
    start, _ = graph_start(document)
    center = start if start.startswith("person:") else f"record:{start}"
    if center not in graph:
        return
    for link in report.get("links") or []:
        node = f"record:{link['ref']}"
        if node in graph:
            continue  # already joined through what they share
        ref, _, party = link["ref"].partition("#")
        graph.add_node(node, kind="record", ref=ref, type=link.get("type") or "record", label=link["ref"])
        if party:
            graph.nodes[node]["party"] = int(party)
        graph.add_edge(center, node, kind=link["kind"], via=link.get("via") or "", strength=link.get("score"))


def mask_ssns(graph: nx.Graph) -> nx.Graph:
    """A copy with every SSN identifier node masked, in its label, value and id (the id carried the
    number); two SSNs with the same last four digits stay two nodes."""
    mapping = {
        node: f"identifier:ssn:masked-{i}"
        for i, (node, data) in enumerate(sorted(graph.nodes(data=True)))
        if data.get("kind") == "identifier" and data.get("identifier_kind") == "ssn"
    }
    if not mapping:
        return graph
    out = nx.relabel_nodes(graph, mapping, copy=True)
    for node in mapping.values():
        data = out.nodes[node]
        try:
            data["value"] = mask_ssn(str(data.get("value") or ""))
        except ValueError:
            data["value"] = "***"
        data["label"] = f"ssn:{data['value']}"
    return out


def graph_data(graph: nx.Graph, document: dict[str, Any]) -> dict[str, Any]:
    """The chart as Cytoscape reads it: nodes and edges with their attributes, his own records marked."""
    mine = {r.split("#")[0] for r in document.get("refs") or []}
    nodes = []
    for node, data in sorted(graph.nodes(data=True)):
        item = {"id": node, **data}
        if data.get("kind") == "record":
            item["mine"] = data.get("ref") in mine
            # what the record holds that is on the chart (the table under it reads without the chart)
            item["via"] = sorted(
                graph.nodes[n]["label"]
                for n in graph.neighbors(node)
                if graph.nodes[n].get("kind") != "record"
            )
        nodes.append(item)
    edges = [
        {"id": f"e{i}", "source": a, "target": b, **data}
        for i, (a, b, data) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])))
    ]
    return {"nodes": nodes, "edges": edges}


def person_map(report: dict[str, Any]) -> dict[str, Any]:
    """The report's map (his residences, jobs, sightings, numbered in time order, and the path through
    them) with the incidents and missing-child cases its links place near him."""
    fc = report_features(report)
    return {**fc, "features": fc["features"] + link_features(report)}


def person_charts(engine: Engine, actor: Actor, document: dict[str, Any]) -> dict[str, Any]:
    """{timeline, map, graph, graph_error} for the page, plain JSON. The report is `document["report"]`;
    a chart that fails leaves its error for the page and never hides the rest."""
    report = document.get("report") or {}
    charts: dict[str, Any] = {
        "timeline": report.get("timeline") or [],
        "as_of": report.get("as_of"),
        "map": person_map(report) if report else None,
        "graph": None,
        "graph_error": None,
    }
    try:
        charts["graph"] = graph_data(link_graph(engine, actor, document), document)
    except Exception as exc:  # the chart is extra: the page still shows the report
        charts["graph_error"] = f"{type(exc).__name__}: {exc}"
    return jsonable_encoder(charts)


# --- exports -------------------------------------------------------------------------------------


def _stem(document: dict[str, Any], what: str) -> str:
    return f"{what}-" + re.sub(r"[^A-Za-z0-9._-]", "_", document.get("person_id") or document["subject"])


def graph_export(
    engine: Engine, actor: Actor, document: dict[str, Any], fmt: str, show_ssn: bool = False
) -> tuple[bytes, str, str]:
    """(body, file name, media type) of the person's link chart as GraphML, GEXF, i2 (a zip of its two
    CSVs), ANX or Maltego CSV; the export is audited with every record it holds."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format is one of {', '.join(EXPORT_FORMATS)}")
    graph = link_graph(engine, actor, document, action="export", show_ssn=show_ssn)
    stem = _stem(document, "links")
    suffix = {"graphml": "graphml", "gexf": "gexf", "i2": "csv", "anx": "anx", "maltego": "csv"}[fmt]
    refs = sorted({d["ref"] for _, d in graph.nodes(data=True) if d.get("kind") == "record"})
    with tempfile.TemporaryDirectory() as tmp:
        files = export_graph(graph, fmt, Path(tmp) / f"{stem}.{suffix}")
        audit_write(
            engine,
            actor,
            "export",
            {
                "what": f"links {document['subject']}",
                "format": fmt,
                "file": files[0].name,
                "show_ssn": show_ssn,
            },
            refs,
        )
        if len(files) == 1:
            media = "application/xml" if suffix in ("graphml", "gexf", "anx") else "text/csv"
            return files[0].read_bytes(), files[0].name, media
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for f in files:
                bundle.write(f, f.name)
        return buffer.getvalue(), f"{stem}-{fmt}.zip", "application/zip"


def map_export(engine: Engine, actor: Actor, subject: str, fmt: str) -> tuple[bytes, str, str]:
    """(body, file name, media type) of the page's map (the report's, with the incidents and cases its
    links place near him) as GeoJSON or KML; an audited report and export."""
    if fmt not in MAP_FORMATS:
        raise ValueError(f"format is one of {', '.join(MAP_FORMATS)}")
    report = build_report(engine, actor, subject)
    stem = _stem(report, "map")
    fc = person_map(report)
    refs = sorted({r for f in fc["features"] for r in f["properties"].get("refs") or []})
    audit_write(engine, actor, "export", {"what": f"map {subject}", "format": fmt}, refs)
    if fmt == "kml":
        return to_kml(fc).encode(), f"{stem}.kml", "application/vnd.google-earth.kml+xml"
    body = orjson.dumps(jsonable_encoder(fc), option=orjson.OPT_INDENT_2) + b"\n"
    return body, f"{stem}.geojson", "application/geo+json"
