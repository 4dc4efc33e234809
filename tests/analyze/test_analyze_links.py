"""Tip links: narrative identifiers at ingest, scored direct and chained links, hubs, stream matching."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from links_samples import (
    CASE,
    HUB_PHONE,
    HUB_TIPS,
    LONE_TIP,
    REGISTRY,
    SUSPECT_PHONE,
    T1,
    T2,
    T3,
    TWO_SUSPECTS,
    load,
)
from vigil import audit
from vigil.analyze.links import (
    Held,
    LinkSettings,
    TipMatcher,
    held_from_rows,
    hub_identifiers,
    link_records,
    tip_links,
)
from vigil.config import Actor
from vigil.derive import derive
from vigil.model.records import validate_record
from vigil.store import tables as t

SETTINGS = LinkSettings(hub_min=5)
ANALYST = Actor("analyst", "case 42 link analysis")


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    load(engine, tmp_path)
    return engine


def _identifiers(engine: Engine, ref: str) -> set[tuple[str, str, str | None]]:
    ident, sr = t.identifier, t.source_record
    with engine.connect() as conn:
        rows = conn.execute(
            select(ident.c.kind, ident.c.value, ident.c.detail)
            .join(sr, sr.c.id == ident.c.record_id)
            .where(sr.c.ref == ref)
        )
        return {tuple(r) for r in rows}


def test_narrative_identifiers_are_indexed_at_ingest(store: Engine) -> None:
    held = _identifiers(store, T1)
    assert ("phone", SUSPECT_PHONE, "narrative") in held
    assert ("phone", HUB_PHONE, "narrative") in held
    assert ("screen_name", "kik/xx_dan", None) in held
    # A structured value the prose repeats is indexed once, as structured.
    assert ("screen_name", "snapchat/lil_bob99", None) in _identifiers(store, T3)
    assert ("email", "dan.l@example.net", "narrative") in _identifiers(store, T3)
    assert ("screen_name", "snapchat/lil_bob99", "narrative") in _identifiers(store, T2)


def test_direct_links_with_via_and_score(store: Engine) -> None:
    with store.connect() as conn:
        result = link_records(conn, T2, hops=1, settings=SETTINGS)
    links = {lk.ref: lk for lk in result.links}
    assert set(links) == {T1, T3}
    assert links[T1].via == f"phone:{SUSPECT_PHONE}"
    assert links[T3].via == "screen_name:snapchat/lil_bob99"
    # Both ends of the T1-T2 phone link hold it structured on one side, narrative on the other.
    assert links[T1].score == pytest.approx(0.85 * 0.9)
    assert all(lk.hops == 1 and lk.steps[0]["ref"] == T2 for lk in links.values())


def test_hub_identifier_links_nothing_and_is_reported(store: Engine) -> None:
    with store.connect() as conn:
        result = link_records(conn, T1, hops=1, settings=SETTINGS)
        assert not {lk.ref for lk in result.links} & set(HUB_TIPS)
        assert [h["identifier"] for h in result.hubs] == [f"phone:{HUB_PHONE}"]
        assert result.hubs[0]["subjects"] == 7
        # With a higher hub threshold the shelter line is evidence again (weakly: 7 holders).
        loose = link_records(conn, T1, hops=1, settings=LinkSettings(hub_min=50))
    weak = {lk.ref: lk.score for lk in loose.links}
    assert set(HUB_TIPS) <= set(weak) and max(weak[r] for r in HUB_TIPS) < weak[T2]


def test_chain_reaches_the_case_and_the_registry_record(store: Engine) -> None:
    with store.connect() as conn:
        result = link_records(conn, T1, hops=3, settings=SETTINGS)
    links = {lk.ref: lk for lk in result.links}
    assert links[REGISTRY].hops == 1 and links[REGISTRY].via == "screen_name:kik/xx_dan"
    assert links[T3].hops == 2 and links[CASE].hops == 3
    assert (
        links[CASE].via == f"phone:{SUSPECT_PHONE} > screen_name:snapchat/lil_bob99 > email:dan.l@example.net"
    )
    assert [s["ref"] for s in links[CASE].steps] == [T1, T2, T3, CASE]
    assert links[CASE].score < links[T3].score < links[T2].score
    assert LONE_TIP not in links


def test_type_filter_and_hop_limit(store: Engine) -> None:
    with store.connect() as conn:
        only_cases = link_records(conn, T1, hops=3, types=["missing_case"], settings=SETTINGS)
        two_hops = link_records(conn, T1, hops=2, settings=SETTINGS)
    assert [lk.ref for lk in only_cases.links] == [CASE]
    assert CASE not in {lk.ref for lk in two_hops.links}


def test_tip_links_document_is_audited_and_needs_a_purpose(store: Engine) -> None:
    with pytest.raises(audit.PurposeRequired):
        tip_links(store, T2, Actor("analyst"), settings=SETTINGS)
    document = tip_links(store, T2, ANALYST, hops=1, settings=SETTINGS)
    assert {(lk["ref"], lk["via"]) for lk in document["links"]} == {
        (T1, f"phone:{SUSPECT_PHONE}"),
        (T3, "screen_name:snapchat/lil_bob99"),
    }
    assert all(0 < lk["score"] <= 1 for lk in document["links"])
    entry = next(audit.entries(store, limit=1))
    assert entry.action == "search" and entry.query["command"] == "tip-links" and T1 in entry.result_refs
    assert document["deconfliction"] == []  # no agency: nothing recorded


def test_unknown_platform_handle_matches_any_platform_less_surely(store: Engine, tmp_path: Path) -> None:
    load(
        store,
        tmp_path,
        [
            {
                "type": "tip",
                "source": "cybertipline",
                "id": "T-U1",
                "narrative": "He goes by @xx_dan everywhere.",
            }
        ],
        "unknown",
    )
    with store.connect() as conn:
        result = link_records(conn, "cybertipline/T-U1", hops=1, settings=SETTINGS)
    links = {lk.ref: lk for lk in result.links}
    assert set(links) == {T1, REGISTRY}
    assert links[REGISTRY].via == "screen_name:kik/xx_dan"
    assert links[REGISTRY].score == pytest.approx(0.9 * 0.9 * 0.7)


def test_person_aware_hub_count(store: Engine, tmp_path: Path) -> None:
    # One man's six vendor records share his phone: many records, one subject, not a hub.
    vendor = [
        {
            "type": "person",
            "source": "pubrec:acme",
            "id": f"A-{i}",
            "names": ["Dan Linkperson"],
            "phones": ["(405) 555-0111"],
        }
        for i in range(6)
    ]
    load(store, tmp_path, vendor, "vendor")
    now = datetime.now(UTC)
    with store.begin() as conn:
        conn.execute(t.person.insert().values(person_id="P-TEST1", created_at=now, updated_at=now, members=6))
        conn.execute(
            t.person_member.insert(),
            [{"ref": f"pubrec:acme/A-{i}", "party": 0, "person_id": "P-TEST1"} for i in range(6)],
        )
    hubs = {h["identifier"]: h for h in hub_identifiers(store, SETTINGS)}
    assert "phone:+14055550111" not in hubs
    assert hubs[f"phone:{HUB_PHONE}"]["records"] == 7 and hubs[f"phone:{HUB_PHONE}"]["types"] == {"tip": 7}
    with store.connect() as conn:
        result = link_records(conn, "pubrec:acme/A-0", hops=1, settings=SETTINGS)
    assert len(result.links) == 5 and all(lk.score > 0.8 for lk in result.links)


def test_stream_matcher_links_new_tips_without_storing_them(store: Engine) -> None:
    incoming = {
        "type": "tip",
        "source": "cybertipline",
        "id": "T-NEW",
        "reporter": {"kind": "esp", "esp_name": "Snapchat"},
        "narrative": "Suspect @lil_bob99 asked for pictures; the victim used the shelter phone 213 555 6020.",
    }
    held = held_from_rows(derive(validate_record(incoming)).rows["identifier"])
    assert Held("screen_name", "snapchat/lil_bob99", None, "narrative") in held
    nothing = [Held("email", "no.one@example.com", 0, None)]
    with store.connect() as conn:
        matcher = TipMatcher(conn, SETTINGS)
        first, second = matcher.match([("cybertipline/T-NEW", held), ("cybertipline/T-NONE", nothing)])
        again = matcher.match([(T2, [Held("phone", SUSPECT_PHONE, 0, None)])])[0]
    assert {lk.ref for lk in first} == {T2, T3} and second == []
    assert all(lk.via == "screen_name:snapchat/lil_bob99" for lk in first)
    assert [lk.ref for lk in again] == [T1]  # a stored tip is not linked to itself


def test_a_chain_through_a_case_stays_with_the_person_it_came_in_by(store: Engine, tmp_path: Path) -> None:
    load(store, tmp_path, TWO_SUSPECTS, "two")
    with store.connect() as conn:
        from_tip = {lk.ref: lk for lk in link_records(conn, T2, hops=4, settings=SETTINGS).links}
        from_case = {
            lk.ref for lk in link_records(conn, "missing_cases/MC-TWO", hops=1, settings=SETTINGS).links
        }
    # T2 -phone- the case's first suspect: the other suspect's vendor record and the child's lead are
    # other people, not reached through the case.
    assert from_tip["missing_cases/MC-TWO"].hops == 1
    assert "pubrec:acme/A-OTHER" not in from_tip and "call_center/L-CHILD" not in from_tip
    # Asked about the case itself, everyone in it counts.
    assert {"pubrec:acme/A-OTHER", "call_center/L-CHILD", T1, T2} <= from_case
