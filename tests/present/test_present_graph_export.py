"""Link-chart exports: GraphML and GEXF load back in networkx; ANX has the structure i2 imports; CSVs."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from sqlalchemy import Engine

from links_samples import CASE, REGISTRY, T1, load
from vigil.analyze.graph import neighbours, paths_between
from vigil.analyze.links import LinkSettings
from vigil.config import Actor
from vigil.present.graph_export import build_anx, export_graph, write_anx

SETTINGS = LinkSettings(hub_min=5)
ANALYST = Actor("analyst", "link chart")


@pytest.fixture
def chart(engine: Engine, tmp_path: Path) -> nx.Graph:
    load(engine, tmp_path)
    _, graph = neighbours(engine, T1, ANALYST, hops=3, include_hubs=True, settings=SETTINGS)
    return graph


def _same_graph(loaded: nx.Graph, graph: nx.Graph) -> None:
    assert set(loaded.nodes) == set(graph.nodes)
    assert {frozenset(e) for e in loaded.edges} == {frozenset(e) for e in graph.edges}
    for node, data in graph.nodes(data=True):
        assert loaded.nodes[node]["kind"] == data["kind"]
        assert loaded.nodes[node]["label"] == data["label"]


def test_graphml_and_gexf_load_back(chart: nx.Graph, tmp_path: Path) -> None:
    assert chart.number_of_nodes() > 10
    [graphml] = export_graph(chart, "graphml", tmp_path / "chart.graphml")
    loaded = nx.read_graphml(graphml)
    _same_graph(loaded, chart)
    hub = next(n for n, d in chart.nodes(data=True) if d.get("hub"))
    assert loaded.nodes[hub]["hub"] is True and loaded.nodes[hub]["node_type"] == "phone"
    assert loaded.nodes[f"record:{REGISTRY}"]["node_type"] == "person"
    [gexf] = export_graph(chart, "gexf", tmp_path / "chart.gexf")
    _same_graph(nx.read_gexf(gexf), chart)


def validate_anx(root: ET.Element) -> list[str]:
    """Problems with an ANX chart's structure (empty when it is one i2 Analyst's Notebook imports)."""
    problems = []
    if root.tag != "Chart":
        return [f"root is {root.tag}, not Chart"]
    for attr in ("IdReferenceLinking", "Rigorous"):
        if root.get(attr) not in ("true", "false"):
            problems.append(f"Chart@{attr} must be true/false")
    entity_types = {e.get("Name") for e in root.findall("./EntityTypeCollection/EntityType")}
    link_types = {e.get("Name") for e in root.findall("./LinkTypeCollection/LinkType")}
    classes = {
        e.get("Name"): e.get("Type") for e in root.findall("./AttributeClassCollection/AttributeClass")
    }
    if any(t not in ("AttText", "AttNumber", "AttFlag", "AttTime") for t in classes.values()):
        problems.append("unknown AttributeClass Type")
    items = root.findall("./ChartItemCollection/ChartItem")
    if not items:
        problems.append("no ChartItem")
    ids = set()
    links = []
    for item in items:
        ends, item_links = item.findall("End"), item.findall("Link")
        if len(ends) + len(item_links) != 1:
            problems.append(f"ChartItem {item.get('Label')!r} needs exactly one End or Link")
            continue
        for attribute in item.findall("./AttributeCollection/Attribute"):
            if attribute.get("AttributeClass") not in classes or attribute.get("Value") is None:
                problems.append(f"Attribute of undeclared class {attribute.get('AttributeClass')!r}")
        if ends:
            entity = ends[0].find("Entity")
            if entity is None or not entity.get("EntityId") or entity.get("Identity") is None:
                problems.append("End without Entity@EntityId/@Identity")
                continue
            if entity.get("EntityId") in ids:
                problems.append(f"duplicate EntityId {entity.get('EntityId')}")
            ids.add(entity.get("EntityId"))
            style = entity.find("./Icon/IconStyle")
            if style is None or style.get("Type") not in entity_types:
                problems.append(f"entity {entity.get('EntityId')} has an undeclared icon type")
        else:
            links.append(item_links[0])
    for link in links:
        if link.get("End1Id") not in ids or link.get("End2Id") not in ids:
            problems.append(f"Link {link.get('End1Id')}-{link.get('End2Id')} names a missing entity")
        style = link.find("LinkStyle")
        if style is None or style.get("Type") not in link_types:
            problems.append("Link with an undeclared LinkStyle Type")
        elif style.get("ArrowStyle") not in ("ArrowNone", "ArrowOnHead", "ArrowOnTail", "ArrowOnBoth"):
            problems.append("bad ArrowStyle")
    return problems


def test_anx_validates_against_its_structure(chart: nx.Graph, tmp_path: Path) -> None:
    path = write_anx(chart, tmp_path / "chart.anx")
    root = ET.parse(path).getroot()
    assert validate_anx(root) == []
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    entities = root.findall("./ChartItemCollection/ChartItem/End/Entity")
    links = root.findall("./ChartItemCollection/ChartItem/Link")
    assert len(entities) == chart.number_of_nodes() and len(links) == chart.number_of_edges()
    identities = {e.get("Identity") for e in entities}
    assert f"record:{CASE}" in identities


def test_validator_catches_broken_charts(chart: nx.Graph) -> None:
    root = build_anx(chart)
    link = root.find("./ChartItemCollection/ChartItem/Link")
    assert link is not None
    link.set("End2Id", "E999999")
    root.find("./EntityTypeCollection").clear()  # type: ignore[union-attr]
    problems = validate_anx(root)
    assert any("missing entity" in p for p in problems) and any("icon type" in p for p in problems)


def test_i2_and_maltego_csv(engine: Engine, tmp_path: Path) -> None:
    load(engine, tmp_path)
    _, graph = paths_between(engine, REGISTRY, CASE, ANALYST, settings=SETTINGS)
    entities, links = export_graph(graph, "i2", tmp_path / "chart.csv")
    assert entities.name == "chart_entities.csv" and links.name == "chart_links.csv"
    rows = list(csv.DictReader(entities.open(encoding="utf-8")))
    assert len(rows) == graph.number_of_nodes() == 9  # 5 records and the 4 identifiers between them
    types = {r["Label"]: r["Entity Type"] for r in rows}
    assert (
        types["phone:+19185550101"] == "Telephone" and types[CASE] == "Case" and types[REGISTRY] == "Person"
    )
    link_rows = list(csv.DictReader(links.open(encoding="utf-8")))
    assert len(link_rows) == graph.number_of_edges() == 8
    ids = {r["Entity ID"] for r in rows}
    assert all(r["Entity ID 1"] in ids and r["Entity ID 2"] in ids for r in link_rows)
    [maltego] = export_graph(graph, "maltego", tmp_path / "maltego.csv")
    mrows = list(csv.DictReader(maltego.open(encoding="utf-8")))
    assert len(mrows) == 8
    assert {"maltego.PhoneNumber", "maltego.EmailAddress", "maltego.Alias"} <= {
        r["Target Type"] for r in mrows
    }
    # Records first (a person record as a Maltego Person), what they hold second.
    assert {r["Source Type"] for r in mrows} == {"maltego.Phrase", "maltego.Person"}
    assert {r["Source Value"] for r in mrows if r["Source Type"] == "maltego.Person"} == {REGISTRY}
    with pytest.raises(ValueError):
        export_graph(graph, "pdf", tmp_path / "x.pdf")
