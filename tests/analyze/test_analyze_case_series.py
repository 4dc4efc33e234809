"""Attempted-abduction series: accuracy on the scenario, analyst decisions, synonyms, plates, blocking."""

from __future__ import annotations

import copy
import math
import random

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from samples import INCIDENT, write_jsonl
from vigil.analyze import series as S
from vigil.analyze.incidents import load_incidents
from vigil.analyze.spacetime import pairs_within
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.normalize.geocode import haversine_miles
from vigil.normalize.plates import plate_matches
from vigil.store import tables as t
from vigil.store.db import open_store

ANALYST = Actor("test-analyst", "series test")


def _load_incidents(engine, scenario) -> dict:  # type: ignore[no-untyped-def]
    path = next(f for f in scenario.files if f.name.startswith("attempted_abductions"))
    summary = ingest_file(engine, path, ANALYST)
    assert summary.rejected == 0
    return orjson.loads(scenario.ground_truth.read_bytes())


def test_series_recovers_the_planted_series(engine, demo_scenario) -> None:
    truth = _load_incidents(engine, demo_scenario)
    result = S.find_series(engine, ANALYST)
    precision, recall = S.pairwise_scores(
        [s.refs for s in result.series], [s["refs"] for s in truth["series"]]
    )
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    doc = result.document()
    first = doc["series"][0]
    assert {"series_id", "refs", "score", "reasons"} <= first.keys()
    assert 0 < first["score"] <= 1 and first["reasons"] and first["links"][0]["reasons"]
    with engine.connect() as conn:
        actions = conn.execute(select(t.audit_log.c.action, t.audit_log.c.purpose)).all()
    assert ("search", "series test") in actions


def test_analyst_decisions_win_across_reruns(engine, demo_scenario, store_url) -> None:
    _load_incidents(engine, demo_scenario)
    before = S.find_series(engine, ANALYST).series
    big = max(before, key=lambda s: len(s.refs))
    a, b = big.refs[0], big.refs[1]
    # Two incidents in no series at all, far apart: the model would never link them.
    in_series = {r for s in before for r in s.refs}
    loners = [x.ref for x in load_incidents(engine) if x.ref not in in_series][:2]
    S.decide(engine, ANALYST, a, b, "not_same", "different offender per witness re-interview")
    S.decide(engine, ANALYST, loners[0], loners[1], "same", "same suspect arrested for both")
    fresh = open_store(store_url)  # a new process would see the same: decisions are stored
    after = S.find_series(fresh, ANALYST).series
    together = [s for s in after if a in s.refs and b in s.refs]
    assert not together
    joined = [s for s in after if loners[0] in s.refs]
    assert joined and loners[1] in joined[0].refs
    assert any(link.decision == "same" for link in joined[0].links)
    assert any("confirmed by an analyst" in r for r in joined[0].reasons)
    # The newest decision on a pair wins.
    S.decide(engine, ANALYST, b, a, "same", "re-reviewed: same man after all")
    again = S.find_series(fresh, ANALYST).series
    assert any(a in s.refs and b in s.refs for s in again)
    fresh.dispose()


def _incident(rid: str, **changes) -> dict:  # type: ignore[no-untyped-def]
    rec = copy.deepcopy(INCIDENT)
    rec["id"] = rid
    for key, value in changes.items():
        rec[key] = value
    return rec


def test_colour_synonyms_and_partial_plates_link_with_reasons(engine, tmp_path) -> None:
    a = _incident("AA-1")
    b = _incident(
        "AA-2",
        at="2026-09-10T15:40:00-05:00",
        address={**INCIDENT["address"], "lat": 36.18, "lon": -95.95},
        vehicle={"plate": "7KA2", "make": "Ford", "color": "navy", "body": "pickup"},
        offender={**INCIDENT["offender"], "age_min": 32, "age_max": 44, "hair": "dark brown"},
    )
    c = _incident(  # same place and week, but a woman in a red sedan with another plate
        "AA-3",
        at="2026-09-05T15:40:00-05:00",
        vehicle={"plate": "ZZZ9999", "make": "Honda", "color": "red", "body": "sedan"},
        offender={"sex": "F", "race": "B", "age_min": 18, "age_max": 22, "hair": "blonde"},
        lure="money",
    )
    ingest_file(engine, write_jsonl(tmp_path / "aa.jsonl", [a, b, c]), ANALYST)
    result = S.find_series(engine, ANALYST)
    assert [sorted(s.refs) for s in result.series] == [
        ["attempted_abductions/AA-1", "attempted_abductions/AA-2"]
    ]
    reasons = " | ".join(result.series[0].links[0].reasons)
    assert "vehicle colour dark blue / navy" in reasons
    assert "plate 7K?2 fits 7KA2" in reasons
    assert "navy" in " ".join(result.series[0].reasons)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from("AB7K2?"), min_size=2, max_size=7).map("".join),
    st.lists(st.sampled_from("AB7K2?"), min_size=2, max_size=7).map("".join),
)
def test_vectorised_plates_agree_with_plate_matches(p: str, q: str) -> None:
    """Where neither plate is open-ended, the vectorised test is exactly normalize.plates' rule."""
    known = [ch for ch in p if ch != "?"], [ch for ch in q if ch != "?"]
    if len(known[0]) < 2 or len(known[1]) < 2:
        return
    f = S.Features([])
    f.plate, f.plate_len, f.plate_open, f.plate_star = S._plate_array([p, q])
    f.plate_open[:] = False  # compare as complete plates
    w = S._plates(f, np.array([0]), np.array([1]))[0]
    assert (w > 0) == plate_matches(p, q)


def test_pairs_within_equals_brute_force() -> None:
    rng = random.Random(3)
    n = 400
    lat = np.array([35 + rng.uniform(-0.5, 0.5) for _ in range(n)])
    lon = np.array([-97 + rng.uniform(-0.5, 0.5) for _ in range(n)])
    day = np.array([rng.uniform(0, 400) for _ in range(n)])
    lat[5] = math.nan  # no coordinates: never paired
    i, j = pairs_within(lat, lon, day, 12.0, 30.0)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    want = {
        (a, b)
        for a in range(n)
        for b in range(a + 1, n)
        if a != 5
        and b != 5
        and abs(day[a] - day[b]) <= 30.0
        and haversine_miles(lat[a], lon[a], lat[b], lon[b]) <= 12.0
    }
    assert got == want and len(want) > 100
