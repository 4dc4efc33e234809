"""Loading JSONL: every record type, idempotence, versions, derived rows, strict mode, rejects."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, func, select

from samples import EVENT, PERSON, TIP, records, write_jsonl
from vigil.analyze.records import lookup_identifier, record_history
from vigil.config import Actor
from vigil.ingest import StrictLoadFailed, ingest_file
from vigil.store import tables as t

ACTOR = Actor("test-analyst", "unit test")


def count(engine: Engine, table, *where) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_every_record_type_loads_with_derived_rows(engine: Engine, tmp_path: Path) -> None:
    summary = ingest_file(engine, write_jsonl(tmp_path / "all.jsonl", records()), ACTOR)
    assert summary.committed and summary.rejected == 0
    assert summary.inserted == 8
    assert dict(summary.by_type) == {
        k: 1 for k in ("person", "event", "missing_case", "tip", "incident", "unidentified", "lead", "agency")
    }
    # identifiers normalized into the one index
    assert [h.ref for h in lookup_identifier(engine, "phone", "+15125550147")] == ["registry:TX/TX-004211"]
    assert {h.ref for h in lookup_identifier(engine, "phone", "+19185550101")} == {
        "missing_cases/MC-1",
        "call_center/L-1",
        "cybertipline/T-2026-118",  # named in the narrative
    }
    assert {h.ref for h in lookup_identifier(engine, "screen_name", "kik/xx_dan")} == {
        "registry:TX/TX-004211",
        "missing_cases/MC-1",
        "cybertipline/T-2026-118",
    }
    ssn = lookup_identifier(engine, "ssn", "912345678")
    assert ssn[0].detail == "not_issued"
    assert lookup_identifier(engine, "plate", "ABC1234")  # person vehicle and the LPR hit
    assert len(lookup_identifier(engine, "plate", "ABC1234")) == 2
    assert lookup_identifier(engine, "email", "bill.t@example.com")
    assert count(engine, t.registration) == 1
    assert count(engine, t.missing_case) == 1
    assert count(engine, t.incident) == 1
    assert count(engine, t.agency_jurisdiction) == 2
    with engine.connect() as conn:
        addresses = conn.execute(
            select(
                t.address.c.context,
                t.address.c.line1,
                t.address.c.line2,
                t.address.c.geo_precision,
                t.address.c.valid_from,
                t.address.c.valid_from_precision,
            )
            .join(t.source_record, t.source_record.c.id == t.address.c.record_id)
            .where(t.source_record.c.ref == "registry:TX/TX-004211")
            .order_by(t.address.c.idx)
        ).all()
        names = conn.execute(select(t.name.c.first, t.name.c.last, t.name.c.first_group)).all()
    assert addresses[0].line1 == "1423 N MAPLE AVE" and addresses[0].line2 == "APT 4"
    assert addresses[0].geo_precision == "zip"
    assert str(addresses[0].valid_from) == "2021-03-01" and addresses[0].valid_from_precision == "month"
    assert {a.context for a in addresses} == {"record", "employer", "registration"}
    # "William" and "Bill" fall in one nickname group
    groups = {n.first_group for n in names if n.last == "TESTPERSON"}
    assert len(groups) == 1


def test_reload_is_idempotent_and_changes_make_versions(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", records())
    ingest_file(engine, path, ACTOR)
    identifiers_before = count(engine, t.identifier)
    again = ingest_file(engine, path, ACTOR)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8)
    assert count(engine, t.source_record) == 8
    assert count(engine, t.identifier) == identifiers_before

    # Same content with keys in another order is not a change.
    reordered = [dict(reversed(list(r.items()))) for r in records()]
    assert ingest_file(engine, write_jsonl(tmp_path / "b.jsonl", reordered), ACTOR).unchanged == 8

    moved = dict(PERSON, phones=["(918) 555-0177"], as_of="2026-11-01")
    summary = ingest_file(engine, write_jsonl(tmp_path / "c.jsonl", [moved]), ACTOR)
    assert (summary.inserted, summary.updated) == (0, 1)
    history = record_history(engine, "registry:TX/TX-004211")
    assert [v.version for v in history] == [2, 1]
    assert history[0].is_current and not history[1].is_current
    assert history[1].record["phones"][0] == "(512) 555-0147"  # the old version is kept verbatim
    # derived rows describe only the current version
    assert lookup_identifier(engine, "phone", "+15125550147") == []
    assert [h.ref for h in lookup_identifier(engine, "phone", "+19185550177")] == ["registry:TX/TX-004211"]
    assert count(engine, t.party, t.party.c.role == "subject") == 2  # person + the LPR event's subject


def test_gzip_and_unknown_fields_kept_verbatim(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(orjson.dumps(PERSON) + b"\n")
    ingest_file(engine, path, ACTOR)
    stored = record_history(engine, "registry:TX/TX-004211")[0].record
    assert stored["vendor_extra_field"] == {"kept": "verbatim"}
    assert stored == PERSON


def test_default_mode_loads_good_rows_and_writes_rejects(engine: Engine, tmp_path: Path) -> None:
    lines = [PERSON, b"{not json", dict(EVENT, at="2026-02-30T10:00:00Z"), TIP]
    rejects = tmp_path / "rejects.jsonl"
    summary = ingest_file(engine, write_jsonl(tmp_path / "mixed.jsonl", lines), ACTOR, rejects_path=rejects)
    assert summary.committed
    assert (summary.inserted, summary.rejected) == (2, 2)
    assert [(r.line, r.field) for r in summary.rejects] == [(2, ""), (3, "at")]
    assert "bad JSON" in summary.rejects[0].reason
    written = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
    assert [w["line"] for w in written] == [2, 3]
    assert written[0]["raw"] == "{not json"  # the rejected line itself is kept, nothing lost
    assert count(engine, t.source_record) == 2


def test_strict_mode_loads_nothing_when_a_line_is_bad(engine: Engine, tmp_path: Path) -> None:
    lines = [PERSON, TIP, dict(EVENT, kind="teleport")]
    with pytest.raises(StrictLoadFailed) as failure:
        ingest_file(engine, write_jsonl(tmp_path / "s.jsonl", lines), ACTOR, strict=True)
    assert failure.value.summary.rejects[0].line == 3
    assert failure.value.summary.rejects[0].field == "kind"
    assert count(engine, t.source_record) == 0
    assert count(engine, t.identifier) == 0
    assert count(engine, t.load) == 0
    with engine.connect() as conn:
        actions = conn.execute(select(t.audit_log.c.action)).scalars().all()
    assert actions == ["load_failed"]  # the attempt is audited even though nothing was loaded


def test_load_row_and_audit_entry(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", records())
    summary = ingest_file(engine, path, ACTOR)
    with engine.connect() as conn:
        load = conn.execute(select(t.load)).one()
        entry = conn.execute(select(t.audit_log)).one()
    assert load.id == summary.load_id and load.inserted == 8 and load.user == "test-analyst"
    assert entry.action == "load" and str(path) in entry.query and entry.purpose == "unit test"
