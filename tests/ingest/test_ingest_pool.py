"""Big files are prepared in worker processes; the store must end up as a load in one process leaves it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from samples import PERSON, TIP, write_jsonl
from vigil.config import Actor
from vigil.ingest import LoadSummary, StrictLoadFailed, ingest_file
from vigil.store import tables as t

ACTOR = Actor("test-analyst", "pool equivalence")


def _file(folder: Path, source: str, n: int = 3000) -> Path:
    """Good lines of two types with bad JSON, an impossible date and an in-file duplicate among them."""
    lines: list[object] = []
    for i in range(n):
        if i % 397 == 5:
            lines.append(b'{"type": "person", bad json')
        elif i % 499 == 7:
            lines.append({**PERSON, "source": source, "id": f"P{i}", "dob": "1979-02-30"})
        elif i % 601 == 9:
            lines.append({**PERSON, "source": source, "id": "P1"})
        elif i % 3 == 0:
            lines.append(
                {**TIP, "source": source, "id": f"T{i}", "narrative": f"call 512-555-{i % 10000:04d}"}
            )
        else:
            lines.append({**PERSON, "source": source, "id": f"P{i}", "names": [f"Ann{i % 70} Doe"]})
    return write_jsonl(folder / f"{source.replace(':', '_')}.jsonl", lines)  # type: ignore[arg-type]


def _outcome(summary: LoadSummary, source: str) -> tuple:
    rejects = [(r.line, r.field, r.reason.replace(source, "SOURCE")) for r in summary.rejects]
    counts = (summary.read, summary.inserted, summary.updated, summary.unchanged, summary.rejected)
    return counts, summary.warnings, dict(summary.by_type), rejects


def _stored(engine: Engine, source: str) -> list[list[str]]:
    """Every derived row of the source's records, by record id, without the store's own row ids."""
    sr = t.source_record
    out = []
    with engine.connect() as conn:
        for table in t.DERIVED_TABLES:
            columns = [c for c in table.columns if c.name not in ("id", "record_id")]
            rows = conn.execute(
                select(sr.c.record_id, sr.c.version, *columns)
                .join_from(table, sr)
                .where(sr.c.source == source)
            )
            out.append(sorted(repr(tuple(row)) for row in rows))
    return out


def test_workers_load_what_one_process_loads(engine: Engine, tmp_path: Path) -> None:
    alone, pooled = _file(tmp_path, "alone:X"), _file(tmp_path, "pooled:X")
    first = [
        _outcome(ingest_file(engine, alone, ACTOR, workers=0), "alone:X"),
        _outcome(ingest_file(engine, pooled, ACTOR, workers=2), "pooled:X"),
    ]
    assert first[0] == first[1]
    assert first[0][0][1] > 2800 and first[0][0][4] == 8 + 6 + 5  # bad JSON, impossible dates, duplicates
    assert _stored(engine, "alone:X") == _stored(engine, "pooled:X")
    again = ingest_file(engine, pooled, ACTOR, workers=2)
    assert (again.inserted, again.unchanged) == (0, first[0][0][1])
    try:
        ingest_file(engine, pooled, ACTOR, workers=2, strict=True)
        raise AssertionError("strict load with bad lines went through")
    except StrictLoadFailed as exc:
        assert _outcome(exc.summary, "pooled:X")[3] == first[0][3]


def test_a_changed_line_makes_a_new_version_through_workers(engine: Engine, tmp_path: Path) -> None:
    rows = [{**PERSON, "id": f"V{i}"} for i in range(1500)]
    ingest_file(engine, write_jsonl(tmp_path / "a.jsonl", rows), ACTOR, workers=2)
    rows[700] = {**rows[700], "dob": "1980-01-01"}
    summary = ingest_file(engine, write_jsonl(tmp_path / "b.jsonl", rows), ACTOR, workers=2)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 1499)
    sr = t.source_record
    with engine.connect() as conn:
        versions = conn.execute(
            select(sr.c.version, sr.c.is_current).where(sr.c.ref == "registry:TX/V700")
        ).all()
    assert sorted(versions) == [(1, False), (2, True)]
