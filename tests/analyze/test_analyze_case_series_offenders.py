"""Series connected to registered offenders: residence, vehicle and description; both directions."""

from __future__ import annotations

import copy
from collections import Counter

import orjson
from sqlalchemy import select
from typer.testing import CliRunner

from samples import INCIDENT, PERSON, write_jsonl
from vigil.analyze import series as S
from vigil.analyze import series_offenders as SO
from vigil.analyze.incidents import load_incidents
from vigil.cli.main import app
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.resolve.membership import person_of
from vigil.store import tables as t
from vigil.store.db import open_store

ANALYST = Actor("test-analyst", "series offenders test")
TULSA = (36.16, -95.98)


def _registrant(rid: str, lat: float, lon: float, until: str | None = None, **changes) -> dict:  # type: ignore[no-untyped-def]
    """A registry record living at (lat, lon) from 2020 (to `until`), the sample's history dropped."""
    rec = copy.deepcopy(PERSON)
    rec["id"] = rid
    rec["ssn"] = None
    rec["phones"], rec["emails"], rec["screen_names"], rec["employers"] = [], [], [], []
    rec["names"] = [{"first": "Test", "last": f"Registrant{rid[-2:]}"}]
    home = {"line1": f"{rid[-2:]} Oak St", "city": "Tulsa", "state": "OK", "zip": "74103"}
    home.update({"lat": lat, "lon": lon, "from": "2020-01-01", "to": until, "kind": "residence"})
    rec["addresses"] = [home]
    rec["registration"] = {**rec["registration"], "registrant_id": rid, "registered_address": home}
    for key, value in changes.items():
        rec[key] = value
    return rec


def _report(rid: str, day: str, lat: float, lon: float, **changes) -> dict:  # type: ignore[no-untyped-def]
    rec = copy.deepcopy(INCIDENT)
    rec["id"] = rid
    rec["at"] = f"{day}T15:20:00-05:00"
    rec["address"] = {**rec["address"], "lat": lat, "lon": lon}
    rec["vehicle"] = {"plate": "AB?1", "make": "Ford", "color": "dark blue", "body": "pickup"}
    for key, value in changes.items():
        rec[key] = value
    return rec


def test_residence_vehicle_and_description_rank_the_fitting_registrant_first(engine, tmp_path) -> None:
    people = [
        # Lives 2 mi from the first report; 47 then (30-45 and 40-50 said); navy Ford ABC1234; eagle tattoo.
        _registrant("TX-000001", 36.18, -95.95),
        # Lives as near, but black, 70 years old, no vehicle on record.
        _registrant("TX-000002", 36.17, -95.99, race="B", dob="1956-01-01", vehicles=[]),
        # Lived near, but moved away in 2019: no address there during the series.
        _registrant("TX-000003", 36.17, -95.97, until="2019-06-30", vehicles=[]),
        # Dead before the series.
        _registrant("TX-000004", 36.16, -95.98, deceased=True, deceased_date="2025-01-05"),
        # Lives in Austin, 400 miles off - but his plate fits the partial plates.
        _registrant(
            "TX-000005",
            30.27,
            -97.74,
            vehicles=[{"plate": "ABX1999", "make": "Ford", "color": "blue", "body": "pickup"}],
        ),
    ]
    reports = [
        _report("AA-1", "2026-09-03", *TULSA),
        _report(
            "AA-2",
            "2026-09-10",
            36.20,
            -95.93,
            offender={
                **INCIDENT["offender"],
                "age_min": 40,
                "age_max": 50,
                "marks": [{"kind": "tattoo", "location": "left forearm", "description": "eagle"}],
            },
            vehicle={"plate": "AB?1", "make": "Ford", "color": "navy", "body": "truck"},
        ),
    ]
    ingest_file(engine, write_jsonl(tmp_path / "people.jsonl", people), ANALYST)
    ingest_file(engine, write_jsonl(tmp_path / "aa.jsonl", reports), ANALYST)
    # An analyst links the two reports; the offenders are ranked for that series.
    decision = {("attempted_abductions/AA-1", "attempted_abductions/AA-2"): "same"}
    series = S.series_of(load_incidents(engine), decision).series
    assert len(series) == 1
    ranked = SO.offenders_for_series(engine, series)[series[0].series_id]
    order = [f.profile.refs[0] for f in ranked]
    assert order[0] == "registry:TX/TX-000001", [(f.profile.refs, f.bits) for f in ranked]
    assert "registry:TX/TX-000003" not in order  # not near during the series
    assert "registry:TX/TX-000004" not in order  # dead before it
    assert "registry:TX/TX-000005" in order  # found by the plate alone
    best, far = ranked[0], next(f for f in ranked if f.profile.refs == ["registry:TX/TX-000005"])
    assert best.score > 0.5 and best.score > 10 * far.score and best.rank == 1
    assert sum(f.score for f in ranked) <= 1.0 + 1e-9  # one offender: the rest is "none of them"
    text = " | ".join(best.reasons)
    assert "plate ABC1234: fits 2 of 2 partial plate(s)" in text
    assert "vehicle colour navy: 2 of 2 report(s) agree (said: dark blue/navy)" in text
    assert "tattoo (eagle) on left forearm" in text
    assert "lived 0.3 mi from the series centre" in text and "registered address 01 OAK ST" in text
    assert best.weights["residence"] > 0 and far.weights["residence"] < 0
    doc = best.document()
    assert {"person_id", "refs", "score", "reasons"} <= doc.keys()
    assert doc["person_id"] is None and doc["refs"] == ["registry:TX/TX-000001"]  # not resolved yet


def test_plate_fits_partials_from_the_start() -> None:
    assert SO.plate_fits("7K?2", "7KA2")
    assert SO.plate_fits("7K?2", "7KA2991")  # the witness caught the first characters
    assert not SO.plate_fits("7K?2", "77KA2")
    assert SO.plate_fits("*A2", "7KA2")
    # Two witnesses reading the same characters tell no more than one.
    assert SO._plate_chance(["AB?1", "AB"]) == SO._plate_chance(["AB?1"])
    assert SO._plate_chance(["AB?1", "??C"]) < SO._plate_chance(["AB?1"])


def _true_person(engine, truth: dict, series_truth: dict) -> str | None:  # type: ignore[no-untyped-def]
    refs = truth["entities"].get(series_truth["offender_entity"], [])
    registry = [r for r in refs if r.startswith("registry:")]
    return person_of(engine, registry[0]) if registry else None


def test_scenario_true_offender_ranks_first(demo_store_url, demo_scenario) -> None:
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    engine = open_store(demo_store_url)
    result = S.find_series(engine, ANALYST)
    SO.attach_offenders(engine, ANALYST, result.series)
    by_ref = {r: s for s in truth["series"] for r in s["refs"]}
    registered = wrong = 0
    for s in result.series:
        planted = Counter(by_ref[r]["series_id"] for r in s.refs if r in by_ref)
        assert planted  # the scenario's series are found (test_analyze_case_series checks how well)
        series_truth = next(x for x in truth["series"] if x["series_id"] == planted.most_common(1)[0][0])
        true_person = _true_person(engine, truth, series_truth)
        shown = s.offenders or []
        if true_person:
            registered += 1
            assert shown and shown[0]["person_id"] == true_person, (s.series_id, shown[:1])
            assert shown[0]["score"] > 0.9 and shown[0]["rank"] == 1
        else:
            # A civilian did it: no registered offender may look like a likely match.
            wrong += any(o["score"] >= 0.5 for o in shown)
        doc = s.document()
        assert {"series_id", "refs", "score", "reasons", "offenders", "offenders_considered"} <= doc.keys()
    assert registered >= 3 and wrong == 0
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log.c.query, t.audit_log.c.result_refs).where(t.audit_log.c.action == "search")
        ).all()
    assert any("series_offenders" in str(q) and refs for q, refs in rows)
    engine.dispose()


def test_series_for_person_both_ways(demo_store_url, demo_scenario) -> None:
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    engine = open_store(demo_store_url)
    checked = 0
    for series_truth in truth["series"]:
        person = _true_person(engine, truth, series_truth)
        if person is None:
            continue
        linked = SO.series_for_person(engine, person)
        assert linked, person
        top = linked[0]
        assert top["rank"] == 1 and top["score"] > 0.9 and top["person_id"] == person
        assert len(set(top["refs"]) & set(series_truth["refs"])) >= 2  # the series' incidents
        assert top["reasons"] and top["series_reasons"] and person in {top["person_id"]}
        # By a record reference too.
        registry = next(r for r in top["person_refs"] if r.startswith("registry:"))
        assert SO.series_for_person(engine, registry)[0]["series_id"] == top["series_id"]
        checked += 1
    assert checked >= 3
    # Someone with no registration on any record is nobody's candidate.
    with engine.connect() as conn:
        vendor_only = conn.execute(
            select(t.person_member.c.person_id)
            .where(t.person_member.c.ref.like("pubrec:%"))
            .where(
                t.person_member.c.person_id.not_in(
                    select(t.person_member.c.person_id).where(t.person_member.c.ref.like("registry:%"))
                )
            )
            .limit(1)
        ).scalar()
    assert vendor_only and SO.series_for_person(engine, vendor_only) == []
    engine.dispose()


def test_series_command_lists_offenders(demo_store_url) -> None:
    runner = CliRunner()
    env = {"VIGIL_PURPOSE": "contract test"}
    result = runner.invoke(app, ["series", "--db", demo_store_url, "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    named = [o for s in doc["series"] for o in s["offenders"]]
    assert named and {"person_id", "refs", "score", "reasons"} <= named[0].keys()
    table = runner.invoke(app, ["series", "--db", demo_store_url], env={**env, "COLUMNS": "250"})
    assert table.exit_code == 0 and "offenders" in table.output and "plate" in table.output
    off = runner.invoke(app, ["series", "--db", demo_store_url, "--no-offenders", "-f", "json"], env=env)
    assert "offenders" not in orjson.loads(off.stdout)["series"][0]


def test_each_ranked_offender_carries_his_latest_home(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Lived near the series while it ran, moved to Dallas after it: ranked for where he lived then,
    # mapped where he lives now.
    mover = _registrant("TX-000006", 36.18, -95.95, until="2026-10-31")
    dallas = {"line1": "9 Elm St", "city": "Dallas", "state": "TX", "zip": "75201", "kind": "residence"}
    mover["addresses"].append({**dallas, "lat": 32.78, "lon": -96.80, "from": "2026-11-01", "to": None})
    stays = _registrant("TX-000007", 36.17, -95.99)
    ingest_file(engine, write_jsonl(tmp_path / "people.jsonl", [mover, stays]), ANALYST)
    reports = [_report("AA-1", "2026-09-03", *TULSA), _report("AA-2", "2026-09-10", 36.20, -95.93)]
    ingest_file(engine, write_jsonl(tmp_path / "aa.jsonl", reports), ANALYST)
    decision = {("attempted_abductions/AA-1", "attempted_abductions/AA-2"): "same"}
    series = S.series_of(load_incidents(engine), decision).series
    docs = {
        f.profile.refs[0]: f.document() for f in SO.offenders_for_series(engine, series)[series[0].series_id]
    }
    moved = docs["registry:TX/TX-000006"]
    assert moved["address"].startswith("06 OAK ST")  # the address that fits the series
    assert moved["home"]["lat"] == 32.78 and moved["home"]["lon"] == -96.80
    assert moved["home"]["address"].startswith("9 ELM ST") and moved["home"]["valid_to"] is None
    assert moved["home"]["valid_from"] == "2026-11-01" and moved["home"]["ref"] == "registry:TX/TX-000006"
    home = docs["registry:TX/TX-000007"]["home"]
    assert (home["lat"], home["lon"]) == (36.17, -95.99) and home["label"] == "registered"
