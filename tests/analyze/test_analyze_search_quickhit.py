"""Search and quick-hit on the resolved scenario, graded against its ground truth."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from samples import entity_of
from vigil import audit
from vigil.analyze.quickhit import read_requests, run_quickhit
from vigil.analyze.search import search
from vigil.cli.main import app
from vigil.config import Actor
from vigil.store import tables as t
from vigil.store.db import open_store

ANALYST = Actor("ana", "quick-hit for OK registry", "NCMEC", "analyst")
REQUESTER = Actor("officer", "compliance sweep", "OK0720000", "le_requester")


def _a_registrant(store_url: str) -> dict:  # type: ignore[type-arg]
    engine = open_store(store_url)
    with engine.connect() as conn:
        raw = conn.execute(
            select(t.source_record.c.raw)
            .where(t.source_record.c.source == "registry:TX", t.source_record.c.is_current.is_(True))
            .order_by(t.source_record.c.id)
            .limit(1)
        ).scalar_one()
    return orjson.loads(raw)


def _name(record: dict) -> tuple[str, str]:  # type: ignore[type-arg]
    name = record["names"][0]
    if isinstance(name, str):
        last, _, first = name.partition(",")
        return first.strip().split()[0], last.strip()
    return name["first"], name["last"]


def test_search_finds_the_registrant_despite_noise(demo_store_url: str, demo_scenario) -> None:  # type: ignore[no-untyped-def]
    truth = entity_of(demo_scenario.ground_truth)
    record = _a_registrant(demo_store_url)
    ref = f"{record['source']}/{record['id']}"
    first, last = _name(record)
    engine = open_store(demo_store_url)
    dob = record["dob"]
    swapped = f"{dob[:4]}-{dob[8:10]}-{dob[5:7]}" if int(dob[8:10]) <= 12 else dob
    for fields in (
        {"name": f"{first} {last}", "dob": dob},
        {"name": f"{last} {first}", "dob": swapped},  # swapped names and day/month
        {"name": f"{first} {last}"[:-1] + "x", "dob": dob},  # a typo
    ):
        document = search(engine, ANALYST, **fields)
        top = document["results"][0]
        assert truth[ref] in {truth.get(r) for r in top["refs"]}, (fields, top)
        assert top["reasons"] and 0 < top["score"] <= 1
        assert top["ssn"] is None or top["ssn"].startswith("***-**-")


def test_search_needs_a_purpose_and_is_audited(demo_store_url: str) -> None:
    engine = open_store(demo_store_url)
    with pytest.raises(audit.PurposeRequired):
        search(engine, Actor("ana", ""), name="Anyone Atall")
    search(engine, ANALYST, phone="(512) 555-0100")
    last = next(audit.entries(engine, limit=1))
    assert last.action == "search" and last.query == {"phone": "(512) 555-0100"}


def test_quickhit_against_ground_truth(demo_store_url: str, demo_scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    request = demo_scenario.out_dir / "quickhit_request.csv"
    expected = {r["row_id"]: r for r in csv.DictReader((demo_scenario.out_dir / "quickhit_truth.csv").open())}
    truth = entity_of(demo_scenario.ground_truth)
    engine = open_store(demo_store_url)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(t.source_record)).scalar_one()
    rows = list(read_requests(request))
    results = run_quickhit(engine, ANALYST, rows)
    assert [r["row_id"] for r in results] == [r.row_id for r in rows]  # same order, one per row
    matched = [r for r in results if r["match_status"] == "matched"]
    correct = [
        r
        for r in matched
        if {truth[x] for x in r["refs"].split(";") if x in truth}
        == {expected[r["row_id"]]["expected_entity"]}
    ]
    assert len(matched) >= 0.9 * len(rows)
    assert len(correct) == len(matched)  # no wrong person is ever reported as matched
    moved = [r for r in matched if expected[r["row_id"]]["true_zip"]]
    found_home = [r for r in moved if expected[r["row_id"]]["true_zip"] in r["address"]]
    assert len(found_home) >= 0.9 * len(moved)
    absconders = [r for r in matched if expected[r["row_id"]]["registry_status"] == "absconded"]
    assert all(
        "address_differs_from_registry" in r["flags"] or r["address"] == r["registry_address"]
        for r in absconders
    )
    assert all(r["ssn"] == "" or r["ssn"].startswith("***-**-") for r in results)
    with engine.connect() as conn:  # rows are queries: the store is unchanged
        assert conn.execute(select(func.count()).select_from(t.source_record)).scalar_one() == before


def test_requesters_may_not_unmask_ssns(demo_store_url: str, demo_scenario) -> None:  # type: ignore[no-untyped-def]
    rows = list(read_requests(demo_scenario.out_dir / "quickhit_request.csv"))[:3]
    engine = open_store(demo_store_url)
    with pytest.raises(PermissionError):
        run_quickhit(engine, REQUESTER, rows, show_ssn=True)
    shown = run_quickhit(engine, ANALYST, rows, show_ssn=True)
    assert any(r["ssn"] and r["ssn"].isdigit() for r in shown)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl"])
def test_quickhit_cli_writes_every_format(
    demo_store_url: str, demo_scenario, tmp_path: Path, suffix: str
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"result{suffix}"
    result = CliRunner().invoke(
        app,
        [
            "quickhit",
            str(demo_scenario.out_dir / "quickhit_request.csv"),
            "-o",
            str(out),
            "--db",
            demo_store_url,
            "--purpose",
            "sweep",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stdout
    summary = orjson.loads(result.stdout)
    assert summary["rows"] == summary["matched"] + summary["ambiguous"] + summary["no_match"]
    assert out.stat().st_size > 1000
    if suffix == ".jsonl":
        first = orjson.loads(out.read_bytes().splitlines()[0])
        for key in ("row_id", "match_status", "confidence", "person_id", "refs", "address_as_of", "flags"):
            assert key in first


def test_explain_cli_json_and_html(demo_store_url: str, tmp_path: Path) -> None:
    engine = open_store(demo_store_url)
    with engine.connect() as conn:  # a pair the model joined, with the evidence it stored
        edge = conn.execute(
            select(t.match_evidence)
            .where(t.match_evidence.c.left_party == 0, t.match_evidence.c.right_party == 0)
            .limit(1)
        ).one()
    refs = [edge.left_ref, edge.right_ref]
    page = tmp_path / "why.html"
    result = CliRunner().invoke(
        app,
        [
            "explain",
            refs[0],
            refs[1],
            "--db",
            demo_store_url,
            "--purpose",
            "review",
            "--format",
            "json",
            "--html",
            str(page),
        ],
    )
    assert result.exit_code == 0, result.stdout
    document = orjson.loads(result.stdout)
    assert document["same_person"] is True and document["model_says"] == "same"
    assert {row["field"] for row in document["evidence"]} >= {"prior", "name", "dob", "ssn"}
    assert document["match_weight"] == pytest.approx(edge.match_weight, abs=1e-3)
    assert "<svg" in page.read_text()


def test_search_json_has_formats_keys(demo_store_url: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "search",
            "--phone",
            "(512) 555-0100",
            "--name",
            "Smith",
            "--db",
            demo_store_url,
            "--purpose",
            "t",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stdout
    for row in orjson.loads(result.stdout)["results"]:
        assert {"person_id", "score", "refs", "name", "dob"} <= set(row)


def test_search_by_full_and_partial_plate(demo_store_url: str) -> None:
    engine = open_store(demo_store_url)
    with engine.connect() as conn:
        plate, ref = conn.execute(
            select(t.identifier.c.value, t.source_record.c.ref)
            .join(t.source_record, t.source_record.c.id == t.identifier.c.record_id)
            .where(t.identifier.c.kind == "plate", t.identifier.c.party == 0, t.identifier.c.detail.is_(None))
            .limit(1)
        ).one()
    for typed in (plate, plate[:3] + "*", plate[:2] + "?" + plate[3:]):
        refs = {r for result in search(engine, ANALYST, plate=typed)["results"] for r in result["refs"]}
        assert ref in refs, typed


def test_quickhit_in_parallel_batches_equals_one_process(
    demo_store_url: str,
    demo_scenario,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vigil.analyze import quickhit

    rows = list(read_requests(demo_scenario.out_dir / "quickhit_request.csv")) * 4
    monkeypatch.setattr(quickhit, "BATCH", 60)
    engine = open_store(demo_store_url)
    parallel = run_quickhit(engine, ANALYST, rows)  # 4 batches over 2 worker processes
    monkeypatch.setattr(quickhit, "WORKERS", 1)
    single = run_quickhit(engine, ANALYST, rows)
    for a, b in zip(single, parallel, strict=True):
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}
