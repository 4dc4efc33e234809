"""Deconfliction between agencies, watchlists and alerts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from links_samples import CASE, HUB_TIPS, REGISTRY, SUSPECT_PHONE, T1, T2, T3, load
from vigil.analyze.alerts import add_watch, evaluate_watches, list_alerts, list_watches, remove_watch
from vigil.analyze.deconfliction import touch_records, touches
from vigil.analyze.graph import paths_between
from vigil.analyze.links import LinkSettings, tip_links

SETTINGS = LinkSettings(hub_min=5)


@pytest.fixture
def store(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("VIGIL_HUB_MIN", "5")
    load(engine, tmp_path)
    return engine


def actor(agency: str, user: str = "analyst"):  # type: ignore[no-untyped-def]
    from vigil.config import Actor

    return Actor(user, "operation test", agency)


def _alerts(engine: Engine, agency: str) -> list[dict]:
    return list_alerts(engine, actor(agency), agency=agency, evaluate=False)["alerts"]


def test_two_agencies_on_one_phone_are_both_told(store: Engine) -> None:
    first = tip_links(store, T1, actor("OK ICAC", "ann"), hops=1, settings=SETTINGS)
    assert first["deconfliction"] == []
    # Another agency asks about T2, which holds the suspect's phone T1's narrative gave.
    second = tip_links(store, T2, actor("Tulsa PD", "bob"), hops=1, settings=SETTINGS)
    [conflict] = second["deconfliction"]
    assert conflict["agency"] == "OK ICAC" and conflict["user"] == "ann" and conflict["subject"] == T1
    assert f"phone:{SUSPECT_PHONE}" in conflict["shared"]
    [mine] = _alerts(store, "Tulsa PD")
    [theirs] = _alerts(store, "OK ICAC")
    assert mine["kind"] == theirs["kind"] == "deconfliction"
    assert "OK ICAC" in mine["reason"] and "Tulsa PD" in theirs["reason"]
    # Coming back to the same subject does not tell the other side twice.
    tip_links(store, T2, actor("Tulsa PD", "bob"), hops=1, settings=SETTINGS)
    assert len(_alerts(store, "OK ICAC")) == 1
    assert [t["agency"] for t in touches(store)] == ["Tulsa PD", "Tulsa PD", "OK ICAC"]


def test_no_conflict_within_one_agency_without_agency_or_through_a_hub(store: Engine) -> None:
    tip_links(store, T1, actor("OK ICAC"), hops=1, settings=SETTINGS)
    assert tip_links(store, T2, actor("OK ICAC", "other"), hops=1, settings=SETTINGS)["deconfliction"] == []
    assert tip_links(store, T2, actor(""), hops=1, settings=SETTINGS)["deconfliction"] == []
    # The shelter's line is in T1 and in every hub tip: a hub is no reason to deconflict.
    assert tip_links(store, HUB_TIPS[0], actor("FBI"), hops=1, settings=SETTINGS)["deconfliction"] == []


def test_path_and_identifier_touches_conflict_too(store: Engine) -> None:
    document, _ = paths_between(store, REGISTRY, CASE, actor("TX DPS"), settings=SETTINGS)
    assert document["deconfliction"] == []
    conflicts = touch_records(
        store, actor("Austin PD"), "search", "email", identifiers=["email:dan.l@example.net"]
    )
    assert [c["agency"] for c in conflicts] == ["TX DPS"]


def test_identifier_watch_alerts_once_on_new_records(store: Engine, tmp_path: Path) -> None:
    watch = add_watch(store, actor("OK ICAC"), "identifier", "phone:(918) 555-0101", note="suspect's phone")
    assert watch["target"] == f"phone:{SUSPECT_PHONE}"
    assert evaluate_watches(store) == 0  # records loaded before the watch do not alert
    load(
        store,
        tmp_path,
        [{"type": "tip", "source": "cybertipline", "id": "T-NEW", "narrative": "texted from 918 555 0101"}],
        "new",
    )
    document = list_alerts(store, actor("OK ICAC"), agency="OK ICAC")
    assert document["raised"] == 1
    [alert] = document["alerts"]
    assert alert["ref"] == "cybertipline/T-NEW" and alert["reason"] == f"new tip holds phone:{SUSPECT_PHONE}"
    assert list_alerts(store, actor("OK ICAC"), agency="OK ICAC", mark_seen=True)["raised"] == 0
    assert list_alerts(store, actor("OK ICAC"), agency="OK ICAC", unseen_only=True)["alerts"] == []


def test_backfilled_case_watch_sees_existing_links(store: Engine) -> None:
    add_watch(store, actor("NCMEC"), "case", CASE, backfill=True)
    evaluate_watches(store)
    assert {a["ref"] for a in _alerts(store, "NCMEC")} == {T3}


def test_person_watch_lpr_hit_and_incident_radius(store: Engine, tmp_path: Path) -> None:
    watch = add_watch(store, actor("US Marshals"), "person", REGISTRY, radius_mi=5)
    assert [w["target"] for w in list_watches(store)] == [REGISTRY]
    load(
        store,
        tmp_path,
        [
            {
                "type": "event",
                "source": "lpr",
                "id": "LPR-9",
                "kind": "lpr_hit",
                "at": "2026-10-01T10:00:00-05:00",
                "lat": 36.0,
                "lon": -96.0,
                "person_ref": {"source": "registry:TX", "id": "TX-L1"},
            },
            {  # 1-2 miles from his Tulsa address (ZIP 74103 centroid)
                "type": "incident",
                "source": "attempted_abductions",
                "id": "AA-NEAR",
                "kind": "attempted_abduction",
                "at": "2026-10-02T15:00:00-05:00",
                "address": {"city": "Tulsa", "state": "OK", "lat": 36.17, "lon": -95.98},
            },
            {  # far away
                "type": "incident",
                "source": "attempted_abductions",
                "id": "AA-FAR",
                "kind": "attempted_abduction",
                "at": "2026-10-02T15:00:00-05:00",
                "address": {"city": "Miami", "state": "FL", "lat": 25.77, "lon": -80.19},
            },
            {  # shares his kik handle
                "type": "tip",
                "source": "cybertipline",
                "id": "T-KIK",
                "suspect": {"screen_names": [{"platform": "kik", "handle": "xx_dan"}]},
            },
        ],
        "new",
    )
    evaluate_watches(store)
    alerts = {a["ref"]: a["reason"] for a in _alerts(store, "US Marshals")}
    assert set(alerts) == {"lpr/LPR-9", "attempted_abductions/AA-NEAR", "cybertipline/T-KIK"}
    assert alerts["lpr/LPR-9"] == f"new lpr_hit event names {REGISTRY}"
    assert alerts["attempted_abductions/AA-NEAR"].startswith("new attempted_abduction 1.")
    assert remove_watch(store, actor("US Marshals"), watch["watch_id"]) and list_watches(store) == []


def test_watching_is_a_touch(store: Engine) -> None:
    tip_links(store, T3, actor("FL ICAC"), hops=1, settings=SETTINGS)
    watch = add_watch(store, actor("OK ICAC"), "record", T2)
    assert [c["agency"] for c in watch["deconfliction"]] == ["FL ICAC"]
    with pytest.raises(ValueError):
        add_watch(store, actor("OK ICAC"), "case", T1)
