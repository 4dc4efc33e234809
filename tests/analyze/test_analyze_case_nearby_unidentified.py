"""Nearby (offenders, incidents, LPR hits, leads around a case) and unidentified-child matching."""

from __future__ import annotations

import orjson
from sqlalchemy import select
from typer.testing import CliRunner

from vigil.analyze import nearby as N
from vigil.analyze import unidentified as U
from vigil.analyze.spacetime import aware
from vigil.cli.main import app
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.normalize.geocode import haversine_miles
from vigil.store import tables as t

ANALYST = Actor("test-analyst", "case analysis test")


def _load(engine, scenario, prefixes: tuple[str, ...]) -> dict:  # type: ignore[no-untyped-def]
    for path in scenario.files:
        if path.name.startswith(prefixes):
            assert ingest_file(engine, path, ANALYST).rejected == 0
    return orjson.loads(scenario.ground_truth.read_bytes())


def test_unidentified_true_case_ranks_in_top_five(engine, demo_scenario) -> None:
    truth = _load(engine, demo_scenario, ("missing_cases", "unidentified"))["unidentified_matches"]
    cases = U.load_missing_children(engine)
    unids = {u.ref: u for u in U.load_unidentified(engine)}
    hits = sum(1 for u, c in truth.items() if c in [x.ref for x in U.rank_cases(unids[u], cases, 5)])
    assert hits / len(truth) >= 0.9, (hits, len(truth))
    # Through the audited entry points, both directions, by reference or case number.
    unid, case = next(iter(truth.items()))
    doc = U.match_unidentified(engine, ANALYST, unid.split("/", 1)[1], top=5)
    assert doc["unidentified"] == unid
    assert {"ref", "score", "reasons"} <= doc["candidates"][0].keys()
    back = U.match_case(engine, ANALYST, case, top=5)
    assert unid in [c["ref"] for c in back["candidates"]]


def test_unidentified_hard_contradictions_exclude() -> None:
    from datetime import date

    u = U.Unidentified("u/1", "U1", date(2026, 1, 10), "F", None, 10, 13, 55, 60, 70, 90, 35.0, -97.0)
    girl = U.MissingChild("c/1", "C1", "open", date(2025, 6, 1), None, "F", None, date(2014, 3, 1), None,
                          54, 75, 35.1, -97.1)  # fmt: skip
    boy = U.MissingChild("c/2", "C2", "open", date(2025, 6, 1), None, "M", None, date(2014, 3, 1), None,
                         54, 75, 35.1, -97.1)  # fmt: skip
    later = U.MissingChild("c/3", "C3", "open", date(2026, 5, 1), None, "F", None, date(2014, 3, 1), None,
                           54, 75, 35.1, -97.1)  # fmt: skip
    # A recorded date a few days off is tolerated, with a reason.
    slightly = U.MissingChild("c/4", "C4", "open", date(2026, 1, 14), None, "F", None, date(2014, 3, 1),
                              None, 54, 75, 35.1, -97.1)  # fmt: skip
    ranked = U.rank_cases(u, [girl, boy, later, slightly], 10)
    assert [c.ref for c in ranked] == ["c/1", "c/4"]
    assert any("before reported missing" in r for r in ranked[1].reasons)
    assert any("within estimate 10-13" in r for r in ranked[0].reasons)


def test_nearby_finds_everything_clearly_inside(engine, demo_scenario) -> None:
    _load(engine, demo_scenario, ("registry", "lpr", "missing_cases", "attempted_abductions", "call_center"))
    radius, days = 15.0, 120.0
    sr, ad, reg, ev = t.source_record, t.address, t.registration, t.event
    with engine.connect() as conn:
        cases = conn.execute(
            select(sr.c.ref).where(sr.c.type == "missing_case").order_by(sr.c.ref).limit(40)
        ).scalars()
        cases = list(cases)
        offender_addresses = conn.execute(
            select(sr.c.ref, ad.c.lat, ad.c.lon, ad.c.valid_from, ad.c.valid_to, ad.c.context)
            .join(sr, sr.c.id == ad.c.record_id)
            .join(reg, reg.c.record_id == ad.c.record_id)
            .where(ad.c.context.in_(("record", "registration")), ad.c.lat.is_not(None))
        ).all()
        events = conn.execute(
            select(sr.c.ref, ev.c.kind, ev.c.at, ev.c.lat, ev.c.lon)
            .join(sr, sr.c.id == ev.c.record_id)
            .where(ev.c.lat.is_not(None), ev.c.at.is_not(None))
        ).all()
    checked = 0
    for case in cases:
        doc = N.nearby(engine, ANALYST, case, radius, days)
        centre = N.find_centre(engine, case)
        day = centre.day
        got_persons = {r for p in doc["persons"] for r in p["refs"]}
        for ref, lat, lon, start, end, _ in offender_addresses:
            d = haversine_miles(centre.lat, centre.lon, lat, lon)
            valid = (start is None or start <= day) and (end is None or end >= day)
            if d <= 0.95 * radius and valid:
                assert ref in got_persons, (case, ref, d)
                checked += 1
        got_events = {x["ref"] for key in ("incidents", "lpr_hits", "leads") for x in doc[key]}
        for ref, kind, at, lat, lon in events:
            if ref == case or not (kind.startswith("incident:") or kind in ("lpr_hit", "sighting")):
                continue
            d = haversine_miles(centre.lat, centre.lon, lat, lon)
            gap = abs((aware(at) - centre.at).total_seconds()) / 86400
            if d <= 0.95 * radius and gap <= 0.95 * days:
                assert ref in got_events, (case, ref, d, gap)
                checked += 1
        for p in doc["persons"]:
            # nearby brings persons up to date first: each entry is a resolved person.
            assert p["distance_mi"] <= radius and p["person_id"] and p["address_ref"] in p["refs"]
            assert p["address_label"] in ("registered", "last_known")
        for x in doc["incidents"]:
            assert x["distance_mi"] <= radius and x["days_apart"] <= days
    assert checked > 30


def test_nearby_on_a_resolved_store_groups_each_persons_records(demo_store_url) -> None:
    """One entry per person, carrying every address of all his records valid at the case date."""
    from vigil.resolve.membership import members_of
    from vigil.store.db import open_store

    engine = open_store(demo_store_url)
    radius, days = 15.0, 60.0
    sr, ad, pm, reg = t.source_record, t.address, t.person_member, t.registration
    with engine.connect() as conn:
        cases = list(
            conn.execute(
                select(sr.c.ref)
                .where(sr.c.type == "missing_case", sr.c.is_current.is_(True))
                .order_by(sr.c.ref)
            ).scalars()
        )
        registered = set(
            conn.execute(
                select(pm.c.person_id).join(sr, sr.c.ref == pm.c.ref).join(reg, reg.c.record_id == sr.c.id)
            )
            .scalars()
            .all()
        )
        registrations = set(conn.execute(select(sr.c.ref).join(reg, reg.c.record_id == sr.c.id)).scalars())
        # Every address of every record of a registered person (registry, vendors, NCIC).
        addresses = conn.execute(
            select(pm.c.person_id, sr.c.ref, ad.c.lat, ad.c.lon, ad.c.valid_from, ad.c.valid_to)
            .join(sr, sr.c.ref == pm.c.ref)
            .join(ad, ad.c.record_id == sr.c.id)
            .where(
                sr.c.is_current.is_(True),
                sr.c.type == "person",
                ad.c.context.in_(("record", "registration")),
                ad.c.lat.is_not(None),
                ad.c.valid_to_precision.is_(None) | (ad.c.valid_to_precision == "day"),
                pm.c.party == 0,
            )
        ).all()
    both_labels = vendor_only_inside = checked = 0
    for case in cases:
        doc = N.nearby(engine, ANALYST, case, radius, days)
        centre = N.find_centre(engine, case)
        ids = [p["person_id"] for p in doc["persons"]]
        assert None not in ids and len(ids) == len(set(ids))
        by_id = {p["person_id"]: p for p in doc["persons"]}
        for p in doc["persons"]:
            assert p["person_id"] in registered
            assert p["refs"] == sorted({m.ref for m in members_of(engine, p["person_id"])})
            inside = [a for a in p["addresses"] if a["within_radius"]]
            assert inside and p["distance_mi"] == min(a["distance_mi"] for a in inside) <= radius
            for a in p["addresses"]:
                assert a["ref"] in p["refs"]
                assert (a["valid_from"] or "") <= centre.day.isoformat() <= (a["valid_to"] or "9999")
                # Registered: the record carries the registration (a registry's, or NCIC's copy of it).
                assert a["label"] == ("registered" if a["ref"] in registrations else "last_known")
            labels = {a["label"] for a in p["addresses"]}
            both_labels += labels == {"registered", "last_known"}
            vendor_only_inside += {a["label"] for a in inside} == {"last_known"}
        for person_id, ref, lat, lon, start, end in addresses:
            if person_id not in registered:
                continue
            valid = (start is None or start <= centre.day) and (end is None or end >= centre.day)
            if valid and haversine_miles(centre.lat, centre.lon, lat, lon) <= 0.95 * radius:
                assert person_id in by_id, (case, person_id, ref)
                assert ref in {a["ref"] for a in by_id[person_id]["addresses"]}
                checked += 1
    assert checked > 30 and both_labels > 5
    # A registrant whose only address near the case is a vendor's (e.g. an absconder) is still found.
    assert vendor_only_inside >= 1
    engine.dispose()


def test_case_commands_print_the_contract_keys(store_url, demo_scenario) -> None:
    from vigil.store.db import open_store

    engine = open_store(store_url)
    truth = _load(
        engine, demo_scenario, ("registry_ok", "missing_cases", "attempted_abductions", "unidentified")
    )
    engine.dispose()
    runner = CliRunner()
    env = {"VIGIL_PURPOSE": "contract test"}
    base = ["--db", store_url, "--format", "json"]
    series = runner.invoke(app, ["series", *base], env=env)
    assert series.exit_code == 0, series.output
    doc = orjson.loads(series.stdout)
    assert doc["series"] and {"series_id", "refs", "score", "reasons"} <= doc["series"][0].keys()
    unid = next(iter(truth["unidentified_matches"]))
    matched = runner.invoke(app, ["match-unidentified", unid, "--top", "3", *base], env=env)
    assert matched.exit_code == 0, matched.output
    assert {"ref", "score", "reasons"} <= orjson.loads(matched.stdout)["candidates"][0].keys()
    case = truth["unidentified_matches"][unid]
    near = runner.invoke(
        app, ["nearby", "--case", case, "--radius-mi", "30", "--days", "365", *base], env=env
    )
    assert near.exit_code == 0, near.output
    doc = orjson.loads(near.stdout)
    assert {"persons", "incidents"} <= doc.keys()
    for p in doc["persons"]:
        assert {"person_id", "refs", "distance_mi", "address_ref"} <= p.keys()
    for x in doc["incidents"]:
        assert {"ref", "distance_mi", "days_apart"} <= x.keys()
    # Without a purpose a search is refused.
    refused = runner.invoke(app, ["series", "--db", store_url], env={"VIGIL_PURPOSE": ""})
    assert refused.exit_code != 0 and "purpose" in refused.output.lower()


def test_nearby_table_lists_leads_naming_the_case_apart(demo_store_url) -> None:
    from sqlalchemy import func

    from vigil.store.db import open_store

    engine = open_store(demo_store_url)
    ident, sr = t.identifier, t.source_record
    with engine.connect() as conn:
        number = conn.execute(
            select(ident.c.value)
            .join(sr, sr.c.id == ident.c.record_id)
            .where(ident.c.kind == "case_number", sr.c.type == "lead", sr.c.is_current.is_(True))
            .group_by(ident.c.value)
            .order_by(func.count().desc(), ident.c.value)
        ).scalar()
    engine.dispose()
    runner = CliRunner()
    args = ["nearby", "--case", number, "--radius-mi", "0.5", "--days", "1", "--db", demo_store_url]
    env = {"VIGIL_PURPOSE": "table test", "COLUMNS": "200"}
    table = runner.invoke(app, args, env=env)
    assert table.exit_code == 0, table.output
    doc = orjson.loads(runner.invoke(app, [*args, "--format", "json"], env=env).stdout)
    named = [x for x in doc["leads"] if x.get("outside_radius") or x.get("outside_window")]
    assert named and all(x["mentions_case"] for x in named)
    heading = f"Leads naming {number} seen outside the radius or the 1 days ({len(named)})"
    assert heading in table.output
    # Under that heading, not among the leads within the radius.
    assert f"Leads within 0.5 mi and 1 days ({len(doc['leads']) - len(named)})" in table.output
    assert table.output.index(heading) < table.output.index(named[0]["ref"])
