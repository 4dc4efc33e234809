"""The person page's interactive charts on the demo scenario: the JSON the page embeds for the timeline,
map and link chart is the report's own; the export links download what they say; the offline outlines."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from typing import Any

import networkx as nx
import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from vigil import audit
from vigil.analyze.report import build_report
from vigil.config import Actor
from vigil.present.report_map import report_features
from vigil.web.person_charts import VENDOR
from vigil.web.roles import ANALYST
from vigil.web.templating import STATIC_DIR

PURPOSE = "compliance check 2026-11"


@pytest.fixture
def web_app(demo_web_app: FastAPI) -> FastAPI:
    """The web app over a private copy of the resolved small scenario (overrides conftest's empty store)."""
    return demo_web_app


def absconder_ref(engine: Engine, demo_scenario: Any) -> str:
    """A planted absconder whose report places incidents or cases near him (a fuller map and chart)."""
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    refs = [a["registry_ref"] for a in truth["absconders"]]
    for ref in refs:
        report = build_report(engine, Actor("test", "choose a subject"), ref, audit_it=False, ensure=False)
        if any(link.get("lat") is not None for link in report["links"]):
            return ref
    return refs[0]


def embedded(page: str, element_id: str) -> Any:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    assert found, f"no {element_id} in the page"
    return json.loads(found.group(1))


def test_page_embeds_the_reports_timeline_map_and_link_chart(
    web_app: FastAPI, client_as: Callable[..., TestClient], demo_scenario: Any
) -> None:
    ref = absconder_ref(web_app.state.engine, demo_scenario)
    analyst = client_as(ANALYST)
    page = analyst.get(f"/persons/{ref}", params={"purpose": PURPOSE})
    assert page.status_code == 200, page.text
    document = analyst.get(f"/api/persons/{ref}", params={"purpose": PURPOSE}).json()
    report = document["report"]
    assert report and report["timeline"]

    # timeline: the report's items, each with its source records
    timeline = embedded(page.text, "person-timeline-data")
    assert timeline == report["timeline"]
    assert all(item["ref"] and item["ref"] in (item.get("refs") or [item["ref"]]) for item in timeline)
    kinds = {item["kind"] for item in timeline}
    assert "residence" in kinds and kinds & {"lpr_hit", "le_inquiry", "traffic_stop", "employment_check"}

    # map: the report's GeoJSON (numbered points in time order, the path through them), then the
    # incidents and cases its links place near him
    fc = embedded(page.text, "person-map-data")
    own = report_features(report)["features"]
    assert fc["features"][: len(own)] == json.loads(json.dumps(own))
    points = [f for f in own if f["geometry"]["type"] == "Point"]
    located = [i for i in report["timeline"] if i.get("lat") is not None]
    assert len(points) == len(located) > 0
    assert [p["properties"]["ref"] for p in points] == [i["ref"] for i in located]
    near = fc["features"][len(own) :]
    assert near  # the subject was chosen for them
    near_links = {
        lk["ref"] for lk in report["links"] if lk["kind"].endswith(("_near_residence", "_near_sighting"))
    }
    assert {f["properties"]["ref"] for f in near} == near_links
    assert all(f["properties"]["category"] in ("incident", "case") for f in near)

    # link chart: the person, every one of his records (marked his), what they hold
    graph = embedded(page.text, "person-graph-data")
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert f"person:{document['person_id']}" in nodes
    for member in document["members"]:
        node = nodes[f"record:{member['ref']}"]
        assert node["mine"] is True and node["via"]
    for link in report["links"]:  # and every record the report links him to
        assert f"record:{link['ref']}" in nodes, link
    near_edges = [e for e in graph["edges"] if e["kind"].endswith("_near_residence")]
    assert near_edges and all(
        e["source"] == f"person:{document['person_id']}" and e["via"] for e in near_edges
    )
    identifiers = [n for n in graph["nodes"] if n["kind"] == "identifier"]
    assert identifiers and all(e["source"] in nodes and e["target"] in nodes for e in graph["edges"])
    ssns = [n for n in identifiers if n["identifier_kind"] == "ssn"]
    assert all(n["value"].startswith("***-**-") and n["label"] == f"ssn:{n['value']}" for n in ssns)
    raw_ssns = {i["value"] for i in report["identity"]["ssns"]}  # masked in the report too
    assert all("*" in s for s in raw_ssns)

    # without JavaScript: the tables carry the same facts
    assert page.text.count('<table class="striped section located">') == 1
    assert len(re.findall(r"<tr><td class=\"num\">\d+</td>", page.text)) >= len(points)
    assert f'href="/records/{ref}?purpose=compliance%20check%202026-11"' in page.text
    assert 'id="person-timeline" class="person-timeline chart" hidden' in page.text  # shown by the script
    assert '<script src="/static/linkchart.js" defer></script>' in page.text  # before person.js uses it
    assert page.text.index("/static/linkchart.js") < page.text.index("/static/person.js")
    assert '<script src="/static/person.js" defer></script>' in page.text
    assert '<script src="/static/map.js" defer></script>' in page.text
    for name, path in VENDOR.items():
        if (STATIC_DIR / path).is_file():
            assert f"/static/{path}" in page.text, name
            assert analyst.get(f"/static/{path}").status_code == 200
    assert analyst.get("/static/person.js").status_code == 200
    assert analyst.get("/static/linkchart.js").status_code == 200
    assert analyst.get("/static/map.js").status_code == 200

    # viewing the page is audited with the purpose (the person, the report, the link chart)
    actions = [e.action for e in audit.entries(web_app.state.engine, 20) if e.purpose == PURPOSE]
    assert {"view", "report"} <= set(actions)


def test_exports_of_the_link_chart_and_the_map(
    web_app: FastAPI, client_as: Callable[..., TestClient], demo_scenario: Any
) -> None:
    ref = absconder_ref(web_app.state.engine, demo_scenario)
    analyst = client_as(ANALYST)
    page = analyst.get(f"/persons/{ref}", params={"purpose": PURPOSE}).text
    chart = embedded(page, "person-graph-data")
    for fmt in ("graphml", "i2", "kml", "geojson"):
        assert f"format={fmt}&amp;purpose=compliance%20check%202026-11" in page, fmt

    params = {"purpose": PURPOSE}
    assert (
        analyst.get(f"/api/person-graph/{ref}", params={"format": "graphml"}).status_code == 400
    )  # no purpose
    assert analyst.get(f"/api/person-graph/{ref}", params={**params, "format": "png"}).status_code == 400
    graphml = analyst.get(f"/api/person-graph/{ref}", params={**params, "format": "graphml"})
    assert graphml.status_code == 200 and ".graphml" in graphml.headers["content-disposition"]
    graph = nx.read_graphml(io.BytesIO(graphml.content))
    assert set(graph.nodes) == {n["id"] for n in chart["nodes"]}  # the chart on the page, masked alike
    assert graph.number_of_edges() == len(chart["edges"])

    i2 = analyst.get(f"/api/person-graph/{ref}", params={**params, "format": "i2"})
    assert i2.status_code == 200 and i2.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(i2.content)) as bundle:
        names = sorted(bundle.namelist())
        assert len(names) == 2 and names[0].endswith("_entities.csv") and names[1].endswith("_links.csv")
        entities = list(csv.DictReader(io.StringIO(bundle.read(names[0]).decode())))
    assert {e["Entity ID"] for e in entities} == {n["id"] for n in chart["nodes"]}

    unmasked = analyst.get(
        f"/api/person-graph/{ref}", params={**params, "format": "graphml", "show_ssn": "true"}
    )
    ssn_values = [d.get("value") for _, d in nx.read_graphml(io.BytesIO(unmasked.content)).nodes(data=True)]
    assert any(isinstance(v, str) and re.fullmatch(r"9\d{8}", v) for v in ssn_values)  # analysts may

    fc = embedded(page, "person-map-data")
    geojson = analyst.get(f"/api/person-map/{ref}", params={**params, "format": "geojson"})
    assert geojson.status_code == 200 and geojson.headers["content-type"].startswith("application/geo+json")
    assert geojson.json()["features"] == fc["features"]
    kml = analyst.get(f"/api/person-map/{ref}", params={**params, "format": "kml"})
    assert kml.status_code == 200 and ".kml" in kml.headers["content-disposition"]
    root = ET.fromstring(kml.content)
    placemarks = root.findall(".//{http://www.opengis.net/kml/2.2}Placemark")
    assert len(placemarks) == len(fc["features"])
    assert analyst.get(f"/api/person-map/{ref}", params={**params, "format": "shp"}).status_code == 400

    exports = [e for e in audit.entries(web_app.state.engine, 50, "export") if e.purpose == PURPOSE]
    assert len(exports) >= 5 and all(e.result_refs for e in exports)


def test_state_outlines_are_served_offline_and_cached(client_as: Callable[..., TestClient]) -> None:
    analyst = client_as(ANALYST)
    response = analyst.get("/api/geo/states.geojson")
    assert response.status_code == 200
    assert (
        "max-age" in response.headers["cache-control"] and "no-store" not in response.headers["cache-control"]
    )
    fc = response.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) > 100
    for feature in fc["features"][:50]:
        assert feature["geometry"]["type"] == "LineString"
        for lon, lat in feature["geometry"]["coordinates"]:
            assert -180 <= lon <= 180 and -90 <= lat <= 90
    again = analyst.get("/api/geo/states.geojson", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
