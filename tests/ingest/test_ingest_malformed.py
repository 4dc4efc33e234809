"""The malformed-input corpus: each bad line is rejected by line and field, nothing is half-written,
and an import killed midway leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, func, select

from samples import AGENCY, EVENT, INCIDENT, MISSING_CASE, PERSON, TIP, write_jsonl
from vigil.analyze.records import record_history
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.store import tables as t

ACTOR = Actor("test-analyst", "malformed corpus")
INJECTION = "Robert'); DROP TABLE source_record;-- <script>alert(1)</script>"

# (line content, expected field, a word the reason must contain)
CORPUS: list[tuple[object, str, str]] = [
    (b'{"type": "person", "source": "registry:TX", "id": "X1", ', "", "bad JSON"),
    (b"[1, 2, 3]", "", "JSON object"),
    (b'"just a string"', "", "JSON object"),
    ({**PERSON, "type": "wizard", "id": "X2"}, "type", "unknown record type"),
    ({k: v for k, v in PERSON.items() if k != "id"}, "id", "Field required"),
    ({**PERSON, "id": ""}, "id", "at least 1 character"),
    ({**PERSON, "id": "X3", "dob": "1979-02-30"}, "dob", "impossible date"),
    ({**PERSON, "id": "X4", "dob": "04/12/1979"}, "dob", "ISO"),
    ({**PERSON, "id": "X5", "names": 5}, "names", "list"),
    ({**PERSON, "id": "X6", "height_in": "tall"}, "height_in", "number"),
    (
        {**PERSON, "id": "X7", "addresses": [{"city": "Austin", "from": "2025-13-01"}]},
        "addresses[0].from",
        "date",
    ),
    (
        {**PERSON, "id": "X8", "registration": {**PERSON["registration"], "tier": "IV"}},
        "registration.tier",
        "Input should be",
    ),
    ({**EVENT, "id": "E2", "at": "yesterday"}, "at", "timestamp"),
    ({**INCIDENT, "id": "I2", "address": {"lat": 123.0, "lon": 0}}, "address.lat", "less than or equal"),
    ({**PERSON, "id": "X9", "source": "registry/TX"}, "source", "'/'"),
    ({**PERSON, "id": "X10", "narrative_blob": "x" * (10 * 1024 * 1024)}, "", "limit"),
    ({**TIP, "id": "T2", "narrative": "y" * 200_000}, "narrative", "at most 100000"),
    (b'{"type": "person", "source": "registry:TX", "id": "X11", "names": ["\xff\xfe bad"]}', "", "UTF-8"),
    ({**PERSON, "id": "X12", "as_of": "2026-11-31"}, "as_of", "impossible date"),
    ({**MISSING_CASE, "id": "MC-9", "child": "nobody"}, "child", "valid dictionary"),
    ({**AGENCY, "id": "A-2", "kind": "militia"}, "kind", "Input should be"),
]


def _lines() -> list[object]:
    good_injection = {**PERSON, "id": INJECTION, "names": [INJECTION]}
    duplicate = {**TIP}
    return [PERSON, *[item for item, _, _ in CORPUS], good_injection, TIP, duplicate]


@pytest.mark.parametrize("strict", [False, True])
def test_each_bad_line_is_rejected_with_line_field_and_reason(
    engine: Engine, tmp_path: Path, strict: bool
) -> None:
    path = write_jsonl(tmp_path / "corpus.jsonl", _lines())  # type: ignore[arg-type]
    try:
        summary = ingest_file(engine, path, ACTOR, strict=strict)
    except Exception as exc:  # StrictLoadFailed carries the same summary
        assert strict
        summary = exc.summary  # type: ignore[attr-defined]
    rejects = {r.line: r for r in summary.rejects}
    for offset, (_, field, word) in enumerate(CORPUS):
        line = offset + 2
        assert line in rejects, f"line {line} ({field}) was not rejected"
        assert rejects[line].field == field, (line, rejects[line])
        assert word.lower() in rejects[line].reason.lower(), (line, rejects[line].reason)
        assert str(path) in rejects[line].message() and f":{line}:" in rejects[line].message()
    duplicate_line = len(CORPUS) + 4
    assert rejects[duplicate_line].field == "id" and "duplicate" in rejects[duplicate_line].reason
    assert summary.rejected == len(CORPUS) + 1

    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(t.source_record)).scalar_one()
    if strict:
        assert stored == 0
    else:
        assert stored == 3  # PERSON, the injection-named person, TIP
        # Injection strings are data: stored and returned verbatim, never executed.
        history = record_history(engine, f"registry:TX/{INJECTION}")
        assert history[0].record["names"] == [INJECTION]


def test_warnings_keep_the_record_when_an_identifier_is_junk(engine: Engine, tmp_path: Path) -> None:
    junk = {**PERSON, "id": "J1", "phones": ["call me maybe"], "emails": ["not-an-email"], "ssn": "12"}
    summary = ingest_file(engine, write_jsonl(tmp_path / "j.jsonl", [junk]), ACTOR)
    assert summary.inserted == 1 and summary.warnings == 3
    assert record_history(engine, "registry:TX/J1")[0].record["phones"] == ["call me maybe"]


def _store_counts(url: str) -> tuple[int, int, int]:
    from vigil.store.db import open_store

    engine = open_store(url)
    with engine.connect() as conn:
        result = tuple(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.source_record, t.identifier, t.load)
        )
    engine.dispose()
    return result  # type: ignore[return-value]


@pytest.mark.slow
def test_killed_import_leaves_the_store_unchanged(store_url: str, tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "first.jsonl", [PERSON])
    env = {**os.environ, "VIGIL_DATABASE_URL": store_url}
    subprocess.run(
        [sys.executable, "-m", "vigil.cli.main", "ingest", str(first)],
        env=env,
        check=True,
        capture_output=True,
    )
    before = _store_counts(store_url)

    big = tmp_path / "big.jsonl"
    with big.open("wb") as fh:
        for i in range(60_000):
            fh.write(orjson.dumps({**PERSON, "id": f"K{i:06d}"}) + b"\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli.main", "ingest", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill once the import is writing: the load row exists only inside its open transaction, so
    # wait for rows to show up in the database file's write-ahead log / server activity instead.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if _writing(store_url, tmp_path):
            break
        time.sleep(0.2)
    time.sleep(2.0)  # well into the file: thousands of records written, none committed
    assert proc.poll() is None, "import finished before it could be killed; make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _store_counts(store_url) == before


def _writing(url: str, tmp_path: Path) -> bool:
    """True once the importer holds its write transaction open."""
    if url.startswith("sqlite"):
        import sqlite3

        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # "database is locked": the load's transaction is open
            return True
        finally:
            probe.close()
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        busy = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid() AND query ILIKE 'COPY%'"
            )
        ).scalar_one()
    engine.dispose()
    return busy > 0
