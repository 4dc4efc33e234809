"""The link graph: shortest chains (`vigil path`), neighbourhoods with filters, common identifiers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from links_samples import CASE, HUB_PHONE, HUB_TIPS, REGISTRY, SUSPECT_PHONE, T1, T2, T3, TWO_SUSPECTS, load
from vigil import audit
from vigil.analyze.graph import common, neighbours, paths_between
from vigil.analyze.links import LinkSettings
from vigil.analyze.records import UnknownReference
from vigil.config import Actor
from vigil.store import tables as t

SETTINGS = LinkSettings(hub_min=5)
ANALYST = Actor("analyst", "case 42 link analysis")


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    load(engine, tmp_path)
    return engine


def test_path_is_the_chain_of_shared_identifiers(store: Engine) -> None:
    document, graph = paths_between(store, REGISTRY, CASE, ANALYST, settings=SETTINGS)
    assert document["paths"] == [
        [
            {"ref": REGISTRY, "type": "person", "via": None},
            {"ref": T1, "type": "tip", "via": "screen_name:kik/xx_dan"},
            {"ref": T2, "type": "tip", "via": f"phone:{SUSPECT_PHONE}"},
            {"ref": T3, "type": "tip", "via": "screen_name:snapchat/lil_bob99"},
            {"ref": CASE, "type": "missing_case", "via": "email:dan.l@example.net"},
        ]
    ]
    assert document["hops"] == [4]
    assert {d["ref"] for _, d in graph.nodes(data=True) if d["kind"] == "record"} == {
        REGISTRY,
        T1,
        T2,
        T3,
        CASE,
    }
    entry = next(audit.entries(store, limit=1))
    assert entry.query["command"] == "path" and set(entry.result_refs) == {REGISTRY, T1, T2, T3, CASE}


def test_max_hops_and_hubs_bound_the_search(store: Engine) -> None:
    document, _ = paths_between(store, REGISTRY, CASE, ANALYST, max_hops=3, settings=SETTINGS)
    assert document["paths"] == []
    # Two unrelated tips that share only the shelter's line are not linked through it...
    document, _ = paths_between(store, HUB_TIPS[0], HUB_TIPS[1], ANALYST, settings=SETTINGS)
    assert document["paths"] == []
    # ...unless it is not a hub at this threshold.
    document, _ = paths_between(store, HUB_TIPS[0], HUB_TIPS[1], ANALYST, settings=LinkSettings(hub_min=50))
    assert document["paths"][0][1] == {"ref": HUB_TIPS[1], "type": "tip", "via": f"phone:{HUB_PHONE}"}


def test_several_paths_shortest_first_and_identifier_endpoints(store: Engine, tmp_path: Path) -> None:
    # A second, longer route from T1 to T3: a lead mentioning T1's phone and the case number.
    load(
        store,
        tmp_path,
        [
            {
                "type": "lead",
                "source": "call_center",
                "id": "L-9",
                "text": "Caller gave 918-555-0101.",
                "mentioned": {"case_numbers": ["MC-L1"]},
            }
        ],
        "lead",
    )
    document, _ = paths_between(store, T1, CASE, ANALYST, max_paths=3, settings=SETTINGS)
    assert document["hops"] == [2, 3]
    assert [s["ref"] for s in document["paths"][0]] == [T1, "call_center/L-9", CASE]
    assert document["paths"][0][2]["via"] == "case_number:MC-L1"
    document, _ = paths_between(store, "phone:(918) 555-0101", CASE, ANALYST, max_paths=1, settings=SETTINGS)
    path = document["paths"][0]
    assert path[0] == {"identifier": f"phone:{SUSPECT_PHONE}", "via": None}
    assert path[1]["via"] == f"phone:{SUSPECT_PHONE}" and path[-1]["ref"] == CASE


def test_path_through_a_resolved_person(store: Engine, tmp_path: Path) -> None:
    load(
        store,
        tmp_path,
        [
            {
                "type": "person",
                "source": "pubrec:acme",
                "id": "A-9",
                "names": ["Dan Linkperson"],
                "phones": ["(405) 555-0199"],
            }
        ],
        "vendor",
    )
    load(
        store,
        tmp_path,
        [{"type": "tip", "source": "cybertipline", "id": "T-P", "narrative": "text 405-555-0199"}],
        "tip",
    )
    now = datetime.now(UTC)
    with store.begin() as conn:
        conn.execute(t.person.insert().values(person_id="P-LINK", created_at=now, updated_at=now, members=2))
        conn.execute(
            t.person_member.insert(),
            [
                {"ref": REGISTRY, "party": 0, "person_id": "P-LINK"},
                {"ref": "pubrec:acme/A-9", "party": 0, "person_id": "P-LINK"},
            ],
        )
    document, _ = paths_between(store, "cybertipline/T-P", T1, ANALYST, settings=SETTINGS)
    assert [(s["ref"], s["via"]) for s in document["paths"][0]] == [
        ("cybertipline/T-P", None),
        ("pubrec:acme/A-9", "phone:+14055550199"),
        (REGISTRY, "person:P-LINK"),
        (T1, "screen_name:kik/xx_dan"),
    ]


def test_neighbours_with_type_and_kind_filters(store: Engine) -> None:
    document, _ = neighbours(store, T2, ANALYST, hops=1, settings=SETTINGS)
    records = {n["ref"] for n in document["nodes"] if n["kind"] == "record"}
    assert records == {T1, T2, T3}
    idents = {n["label"] for n in document["nodes"] if n["kind"] == "identifier"}
    assert {f"phone:{SUSPECT_PHONE}", "screen_name:snapchat/lil_bob99", "ip:203.0.113.9"} <= idents
    assert all(e["kind"] == "holds" for e in document["edges"])
    document, _ = neighbours(store, T2, ANALYST, hops=2, kinds=["phone"], settings=SETTINGS)
    assert {n["ref"] for n in document["nodes"] if n["kind"] == "record"} == {T1, T2}
    document, _ = neighbours(store, T1, ANALYST, hops=3, types=["tip"], settings=SETTINGS)
    assert {n["ref"] for n in document["nodes"] if n["kind"] == "record"} == {T1, T2, T3}
    document, _ = neighbours(store, T1, ANALYST, hops=1, include_hubs=True, settings=SETTINGS)
    hub = next(n for n in document["nodes"] if n["label"] == f"phone:{HUB_PHONE}")
    assert hub["hub"] is True and not {n.get("ref") for n in document["nodes"]} & set(HUB_TIPS)


def test_common_identifiers(store: Engine) -> None:
    document = common(store, T1, REGISTRY, ANALYST, SETTINGS)
    assert [c["identifier"] for c in document["common"]] == ["screen_name:kik/xx_dan"]
    assert document["common"][0]["a_refs"] == [T1] and document["common"][0]["b_refs"] == [REGISTRY]
    document = common(store, T1, HUB_TIPS[0], ANALYST, SETTINGS)
    assert document["common"][0]["hub"] is True and document["common"][0]["strength"] == 0


def test_unknown_endpoint(store: Engine) -> None:
    with pytest.raises(UnknownReference):
        paths_between(store, "cybertipline/NOPE", T1, ANALYST)


def test_paths_do_not_cross_between_people_in_one_case(store: Engine, tmp_path: Path) -> None:
    load(store, tmp_path, TWO_SUSPECTS, "two")
    document, _ = paths_between(store, T2, "pubrec:acme/A-OTHER", ANALYST, settings=SETTINGS)
    assert document["paths"] == []
    # Nor are the other suspect and the child linked to each other through the case.
    document, _ = paths_between(
        store, "pubrec:acme/A-OTHER", "call_center/L-CHILD", ANALYST, settings=SETTINGS
    )
    assert document["paths"] == []
    document, _ = neighbours(store, "missing_cases/MC-TWO", ANALYST, hops=1, settings=SETTINGS)
    assert {"pubrec:acme/A-OTHER", "call_center/L-CHILD", T2} <= {n.get("ref") for n in document["nodes"]}
    document, _ = neighbours(store, T2, ANALYST, hops=2, settings=SETTINGS)
    case_nodes = [n for n in document["nodes"] if n.get("ref") == "missing_cases/MC-TWO"]
    assert [n["label"] for n in case_nodes] == ["missing_cases/MC-TWO#1"]
    assert "pubrec:acme/A-OTHER" not in {n.get("ref") for n in document["nodes"]}
