"""On the synthetic scenario: the tip page's map (reported and potential location, linked records with a
place), the link chart of a record (/links/neighbours and its API, the CLI's document), and the series
map with the ranked offenders' homes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from test_web_analysis import ALL_TIME, P, _tip_of, app, client_as, truth  # noqa: F401
from typer.testing import CliRunner

from vigil import audit
from vigil.cli.main import app as cli
from vigil.web.roles import ANALYST, SUPERVISOR
from vigil.web.routes.incidents import series_map
from vigil.web.routes.tips import tip_map

pytestmark = pytest.mark.slow


def _points(fc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in fc["features"] if f["geometry"]["type"] == "Point"]


def test_tip_map_shows_locations_and_linked_records(client_as, truth) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = client_as(ANALYST)
    tip = _tip_of(truth["tip_chains"][0])
    document = client.get(f"/api/tips/{tip}", params=P).json()
    location = document["route"]["location"]
    # The library now gives the potential location a point (the ZIP's centroid at best).
    assert location["lat"] is not None and location["geo_precision"] in ("zip", "city", "state")
    assert client.get("/api/tips/location", params={**P, "ref": tip}).json()["lat"] == location["lat"]
    reported = [c for c in document["route"]["clues"] if c["source"] == "reported_location"]
    assert reported and reported[0]["lat"] is not None

    fc = tip_map(document, P["purpose"])
    points = _points(fc)
    categories = [f["properties"]["category"] for f in points]
    assert categories[:2] == ["reported", "potential"]
    linked = {link["ref"]: link for link in document["links"]["links"]}
    placed = [f for f in points if f["properties"]["name"] in linked]
    assert placed, "no linked record has a place"
    assert {f["properties"]["name"] for f in placed} == {
        r for r in document["places"] if r in linked and r != tip
    }
    for f in placed:
        where = document["places"][f["properties"]["name"]]
        assert f["geometry"]["coordinates"] == [where["lon"], where["lat"]]
        href = f["properties"]["links"][0]["href"]
        assert href.startswith(("/records/", "/cases/", "/tips/", "/persons/")) and "purpose=" in href

    page = client.get(f"/tips/{tip}", params=P).text
    assert 'id="tip-places"' in page and f"Places ({len(points)})" in page
    assert 'data-vigil-map="tip-map-data"' in page or "leaflet" not in page
    assert f"/links/neighbours?ref={tip}&amp;hops=1" in page

    # A radius from the library is drawn as a circle around the potential location.
    document["route"]["location"]["radius_mi"] = 5
    circles = [f for f in tip_map(document, "x")["features"] if f["properties"]["category"] == "radius"]
    assert len(circles) == 1 and circles[0]["properties"]["name"] == "5 mi"


def test_link_chart_api_is_the_cli_document(app, client_as, truth, demo_store_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = client_as(SUPERVISOR)
    chain = truth["tip_chains"][0]
    tip = _tip_of(chain)
    assert client.get("/api/links/neighbours", params={"ref": tip}).status_code == 400  # no purpose
    one = client.get("/api/links/neighbours", params={**P, "ref": tip, "hops": 1}).json()
    assert {"center", "center_node", "hops", "nodes", "edges", "deconfliction"} <= set(one)
    assert one["center"] == tip and one["hops"] == 1
    two = client.get("/api/links/neighbours", params={**P, "ref": tip, "hops": 2}).json()
    refs = lambda d: {n["ref"] for n in d["nodes"] if n["kind"] == "record"}  # noqa: E731
    assert refs(one) <= refs(two) and tip in refs(one) and len(refs(one)) > 1
    assert client.get("/api/links/neighbours", params={**P, "ref": tip, "hops": 3}).status_code == 422
    assert client.get("/api/links/neighbours", params={**P, "ref": "no/such"}).status_code == 404
    # Audited as a search, with the purpose and every record in the neighbourhood.
    last = next(audit.entries(app.state.engine, limit=1, action="search"))
    assert last.query["command"] == "neighbours" and last.purpose == P["purpose"]

    result = CliRunner().invoke(
        cli,
        [
            "links",
            "neighbours",
            tip,
            "--hops",
            "2",
            "--db",
            demo_store_url,
            "--purpose",
            "t",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    from_cli = orjson.loads(result.stdout)
    for key in ("center", "center_node", "hops"):
        assert from_cli[key] == two[key]
    assert [n["id"] for n in from_cli["nodes"] if "ssn" not in n["id"]] == [
        n["id"] for n in two["nodes"] if "ssn" not in n["id"]
    ]
    assert len(from_cli["edges"]) == len(two["edges"])
    # SSN identifiers are masked on the web unless asked for (and the role may see them).
    ssns = [n for n in two["nodes"] if n.get("identifier_kind") == "ssn"]
    assert all(n["value"].startswith("***") for n in ssns)

    page = client.get("/links/neighbours", params={**P, "ref": tip, "hops": 1})
    assert page.status_code == 200
    text = page.text
    assert 'id="links-graph-data"' in text and 'id="neighbours"' in text
    for ref in refs(one):
        assert ref in text
    assert "Say why" in client.get("/links/neighbours", params={"ref": tip}).text
    assert client.get("/links/neighbours", params={**P, "ref": "no/such"}).status_code == 404
    # The record page links to it.
    record = client.get(f"/records/{tip}", params=P).text
    assert 'id="record-neighbours"' in record and "/links/neighbours?ref=" in record


def test_series_map_shows_the_offenders_homes(client_as) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = client_as(ANALYST)
    document = client.get("/api/incidents/series", params={**P, **ALL_TIME}).json()
    offenders = [o for s in document["series"] for o in s.get("offenders") or []]
    assert offenders and all("home" in o for o in offenders)
    homed = [o for o in offenders if o["home"]]
    assert homed, "no ranked offender has a located residence"
    fc = series_map(document, P["purpose"])
    persons = [f for f in _points(fc) if f["properties"]["category"] == "person"]
    subjects = {o["person_id"] or o["refs"][0] for o in homed}
    assert {f["properties"]["name"] for f in persons} == subjects
    for f in persons:
        o = next(o for o in homed if (o["person_id"] or o["refs"][0]) == f["properties"]["name"])
        assert f["geometry"]["coordinates"] == [o["home"]["lon"], o["home"]["lat"]]
        assert f["properties"]["links"][0]["href"].startswith(f"/persons/{f['properties']['name']}")
    page = client.get("/incidents/series", params={**P, **ALL_TIME}).text
    assert homed[0]["home"]["address"] in page
