"""Link-chart exports of a subgraph: GraphML, GEXF (Gephi), i2 Analyst's Notebook CSV and ANX, Maltego CSV.

Input is a link graph as `vigil.analyze.graph` builds it: nodes with `kind` record / identifier /
person and a `label`; edges with `kind` holds / member. Nothing here computes a link; it only
writes what it is given in the shapes those tools import.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

EXPORT_FORMATS = ("graphml", "gexf", "i2", "anx", "maltego")

# i2 entity types (icon names of the standard palette) for each node.
_I2_TYPES = {
    "person": "Person",
    "phone": "Telephone",
    "email": "Email Address",
    "screen_name": "Online Identity",
    "url": "Web Page",
    "ip": "IP Address",
    "ssn": "Identification Number",
    "registrant_id": "Identification Number",
    "case_number": "Identification Number",
    "vin": "Vehicle",
    "plate": "Vehicle",
    "file_hash": "Document",
    "photo_hash": "Document",
    "tip": "Communication",
    "missing_case": "Case",
    "incident": "Event",
    "event": "Event",
    "lead": "Communication",
    "unidentified": "Person",
}
# Maltego standard entity types.
_MALTEGO_TYPES = {
    "person": "maltego.Person",
    "phone": "maltego.PhoneNumber",
    "email": "maltego.EmailAddress",
    "screen_name": "maltego.Alias",
    "url": "maltego.URL",
    "ip": "maltego.IPv4Address",
    "file_hash": "maltego.Hash",
    "photo_hash": "maltego.Hash",
    "plate": "maltego.Phrase",
}


def node_type(data: dict[str, Any]) -> str:
    """A node's finer type: its record type, identifier kind, or "person"."""
    if data.get("kind") == "record":
        return str(data.get("type") or "record")
    if data.get("kind") == "identifier":
        return str(data.get("identifier_kind") or "identifier")
    return "person" if data.get("kind") == "person" else str(data.get("kind") or "node")


def _plain(graph: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all str/int/float/bool (GraphML and GEXF take nothing else)."""
    out = nx.Graph()
    for n, data in graph.nodes(data=True):
        out.add_node(
            n, **{k: _scalar(v) for k, v in data.items() if v is not None}, node_type=node_type(data)
        )
    for a, b, data in graph.edges(data=True):
        out.add_edge(a, b, **{k: _scalar(v) for k, v in data.items() if v is not None})
    return out


def _scalar(value: Any) -> str | int | float | bool:
    return value if isinstance(value, str | int | float | bool) else str(value)


def write_graphml(graph: nx.Graph, path: Path) -> Path:
    nx.write_graphml(_plain(graph), path)
    return path


def write_gexf(graph: nx.Graph, path: Path) -> Path:
    plain = _plain(graph)
    for n, data in plain.nodes(data=True):
        data.setdefault("label", n)
    nx.write_gexf(plain, path)
    return path


def _entity_type(data: dict[str, Any]) -> str:
    return _I2_TYPES.get(node_type(data), "Entity")


def _link_label(data: dict[str, Any]) -> str:
    kind = str(data.get("kind") or "holds")
    # holds / member come from the graph; other kinds are links a report adds (incident_near_residence, ...)
    return {"member": "member of", "holds": "holds"}.get(kind, kind.replace("_", " "))


def write_i2_csv(graph: nx.Graph, path: Path) -> tuple[Path, Path]:
    """Two CSVs for i2 Analyst's Notebook's importer: `<stem>_entities.csv` and `<stem>_links.csv`.

    Entities: one row per node with a stable Entity ID (the node id) to map to Identity; links: one
    row per edge with both ends' ids, types and labels, so a "link" import specification alone works.
    """
    path = Path(path)
    entities = path.with_name(f"{path.stem}_entities.csv")
    links = path.with_name(f"{path.stem}_links.csv")
    with entities.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["Entity ID", "Entity Type", "Label", "Kind", "Reference", "Identifier Kind", "Value", "Hub"]
        )
        for n, data in sorted(graph.nodes(data=True)):
            w.writerow(
                [
                    n,
                    _entity_type(data),
                    data.get("label", n),
                    node_type(data),
                    data.get("ref", ""),
                    data.get("identifier_kind", ""),
                    data.get("value", data.get("person_id", "")),
                    "yes" if data.get("hub") else "",
                ]
            )
    with links.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Entity ID 1",
                "Entity Type 1",
                "Label 1",
                "Entity ID 2",
                "Entity Type 2",
                "Label 2",
                "Link Type",
                "Strength",
            ]
        )
        for a, b, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
            da, db = graph.nodes[a], graph.nodes[b]
            w.writerow(
                [
                    a,
                    _entity_type(da),
                    da.get("label", a),
                    b,
                    _entity_type(db),
                    db.get("label", b),
                    _link_label(data),
                    data.get("strength", ""),
                ]
            )
    return entities, links


def build_anx(graph: nx.Graph, title: str = "Vigil link chart") -> ET.Element:
    """The chart as an i2 Analyst's Notebook Exchange (ANX) XML tree.

    Chart > EntityTypeCollection, LinkTypeCollection, AttributeClassCollection, ChartItemCollection;
    each node is a ChartItem > End > Entity (EntityId, Identity; Icon > IconStyle Type naming an
    EntityType) and each edge a ChartItem > Link (End1Id, End2Id; LinkStyle Type naming a LinkType).
    Nodes are laid out on a grid: the importer keeps positions, an analyst re-lays them at will.
    """
    chart = ET.Element("Chart", IdReferenceLinking="false", Rigorous="true")
    ET.SubElement(chart, "Summary").append(_anx_title(title))
    types = sorted({_entity_type(data) for _, data in graph.nodes(data=True)})
    entity_types = ET.SubElement(chart, "EntityTypeCollection")
    for name in types:
        ET.SubElement(entity_types, "EntityType", Name=name, IconFile=name)
    link_types = ET.SubElement(chart, "LinkTypeCollection")
    for name in sorted({_link_label(data) for _, _, data in graph.edges(data=True)} | {"holds"}):
        ET.SubElement(link_types, "LinkType", Name=name, Colour="0")
    attribute_classes = ET.SubElement(chart, "AttributeClassCollection")
    attributes = ("Kind", "Reference", "Value", "Hub")
    for name in attributes:
        ET.SubElement(attribute_classes, "AttributeClass", Name=name, Type="AttText", ShowValue="false")
    items = ET.SubElement(chart, "ChartItemCollection")
    ids = {n: f"E{i + 1}" for i, n in enumerate(sorted(graph.nodes))}
    columns = max(1, int(len(ids) ** 0.5))
    for i, (n, data) in enumerate(sorted(graph.nodes(data=True))):
        label = str(data.get("label", n))
        item = ET.SubElement(
            items, "ChartItem", Label=label, DateSet="false", XPosition=str(120 * (i % columns))
        )
        end = ET.SubElement(item, "End", Y=str(120 * (i // columns)))
        entity = ET.SubElement(end, "Entity", EntityId=ids[n], Identity=n, LabelIsIdentity="false")
        icon = ET.SubElement(entity, "Icon")
        ET.SubElement(icon, "IconStyle", Type=_entity_type(data))
        values = {
            "Kind": node_type(data),
            "Reference": str(data.get("ref", "")),
            "Value": str(data.get("value", data.get("person_id", ""))),
            "Hub": "yes" if data.get("hub") else "",
        }
        collection = ET.SubElement(item, "AttributeCollection")
        for name in attributes:
            if values[name]:
                ET.SubElement(collection, "Attribute", AttributeClass=name, Value=values[name])
    for a, b, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
        item = ET.SubElement(items, "ChartItem", Label=_link_label(data), DateSet="false")
        link = ET.SubElement(item, "Link", End1Id=ids[a], End2Id=ids[b])
        ET.SubElement(link, "LinkStyle", Type=_link_label(data), ArrowStyle="ArrowNone", Strength="1")
    return chart


def _anx_title(title: str) -> ET.Element:
    field = ET.Element("Field", Type="SummaryFieldTitle")
    field.text = title
    return field


def write_anx(graph: nx.Graph, path: Path, title: str = "Vigil link chart") -> Path:
    tree = ET.ElementTree(build_anx(graph, title))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_maltego_csv(graph: nx.Graph, path: Path) -> Path:
    """One row per link, both ends typed as Maltego entities, for Maltego's tabular import wizard."""
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Source Type", "Source Value", "Target Type", "Target Value", "Link Label"])
        for a, b, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
            da, db = graph.nodes[a], graph.nodes[b]
            # The record (or person) first, what it holds second: Maltego draws source -> target.
            if da.get("kind") == "identifier" and db.get("kind") != "identifier":
                a, b, da, db = b, a, db, da
            w.writerow(
                [
                    _maltego_type(da),
                    _maltego_value(da, a),
                    _maltego_type(db),
                    _maltego_value(db, b),
                    _link_label(data),
                ]
            )
    return Path(path)


def _maltego_type(data: dict[str, Any]) -> str:
    kind = node_type(data)
    if kind == "ip" and ":" in str(data.get("value", "")):
        return "maltego.IPv6Address"
    return _MALTEGO_TYPES.get(kind, "maltego.Phrase")


def _maltego_value(data: dict[str, Any], node: str) -> str:
    if data.get("kind") == "identifier":
        return str(data.get("value", node))
    return str(data.get("ref") or data.get("person_id") or data.get("label") or node)


_WRITERS: dict[str, Callable[[nx.Graph, Path], Any]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "i2": write_i2_csv,
    "anx": write_anx,
    "maltego": write_maltego_csv,
}


def export_graph(graph: nx.Graph, fmt: str, path: Path) -> list[Path]:
    """Write `graph` as `fmt` to `path` (i2 writes two files beside it); the files written."""
    if fmt not in _WRITERS:
        raise ValueError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    written = _WRITERS[fmt](graph, Path(path))
    return list(written) if isinstance(written, tuple) else [Path(written)]
