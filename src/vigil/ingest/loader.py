"""Loading validated records into the store: one transaction per file, versioned, idempotent.

A file is loaded in a single transaction: either every accepted record (and its derived rows, the
load row and the audit entry) is committed, or nothing is. A crash or kill mid-file leaves the store
as it was. Re-loading a (source, id) whose content is unchanged is a no-op; changed content makes
a new version and the old one stays as history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, bindparam, insert, select, text, update

from vigil import audit
from vigil.config import Actor, data_dir
from vigil.ingest.prepare import Prepared
from vigil.ingest.reader import Reject
from vigil.store import tables as t
from vigil.store.bulk import RowBinder, insert_rows, insert_tuples, next_ids, sync_id_sequence
from vigil.store.db import write_transaction

CHUNK = 2000
_PARAMS_PER_IN = 500  # keeps IN lists inside every backend's bound-parameter limit
_LOAD_LOCK = 0x56494C44  # PostgreSQL advisory lock: one load at a time keeps versions consistent
# Derived rows to insert, by (table name, columns); each tuple starts with record_id.
Buckets = dict[tuple[str, tuple[str, ...]], list[tuple[object, ...]]]
_SOURCE_COLUMNS = (
    "id",
    "ref",
    "source",
    "record_id",
    "version",
    "type",
    "as_of",
    "raw",
    "content_hash",
    "is_current",
    "load_id",
    "line_no",
    "loaded_at",
)


class StrictLoadFailed(Exception):
    def __init__(self, summary: LoadSummary) -> None:
        super().__init__(f"{summary.rejected} record(s) rejected in {summary.file}; --strict: nothing loaded")
        self.summary = summary


@dataclass
class LoadSummary:
    file: str
    load_id: int | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    rejects_path: Path | None = None
    committed: bool = False
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged


def load_records(
    engine: Engine,
    file_label: str,
    file_sha256: str,
    items: Iterable[Prepared | Reject],
    actor: Actor,
    *,
    strict: bool = False,
    rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Loads prepared lines (or rejects) from one file; returns what happened."""
    started = datetime.now(UTC)
    summary = LoadSummary(file=file_label)
    try:
        with write_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOAD_LOCK})
                # The planner's statistics describe the tables as they were before this load (often
                # empty), and psycopg prepares a statement run 5 times, whose generic plan then stays:
                # the version lookup scanned all of source_record for each chunk, slower with every
                # chunk. Every statement of a load is a keyed lookup or an insert.
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            load_id = conn.execute(
                insert(t.load).returning(t.load.c.id),
                {
                    "file_name": file_label,
                    "file_sha256": file_sha256,
                    "user": actor.user,
                    "purpose": actor.purpose,
                    "started_at": started,
                    "strict": strict,
                },
            ).scalar_one()
            summary.load_id = load_id
            seen: dict[str, int] = {}
            for chunk in _chunks(items, CHUNK):
                good = _screen(chunk, seen, summary)
                if good:
                    _store_chunk(conn, load_id, good, summary)
                if progress:
                    progress(len(chunk))
            if summary.rejected:
                summary.rejects_path = _write_rejects(summary.rejects, rejects_path, file_label, started)
            sync_id_sequence(conn, t.source_record)
            if strict and summary.rejected:
                raise StrictLoadFailed(summary)
            summary.seconds = (datetime.now(UTC) - started).total_seconds()
            conn.execute(
                update(t.load)
                .where(t.load.c.id == load_id)
                .values(
                    finished_at=datetime.now(UTC),
                    inserted=summary.inserted,
                    updated=summary.updated,
                    unchanged=summary.unchanged,
                    rejected=summary.rejected,
                    rejects_path=str(summary.rejects_path) if summary.rejects_path else None,
                )
            )
            audit.write(conn, actor, "load", _audit_query(summary, file_sha256, strict))
        summary.committed = True
    except BaseException as exc:
        summary.load_id = None
        # The failed attempt is audited in its own transaction: the load's one rolled back.
        audit.write(
            engine,
            actor,
            "load_failed",
            {**_audit_query(summary, file_sha256, strict), "error": type(exc).__name__},
        )
        raise
    return summary


def _audit_query(summary: LoadSummary, sha256: str, strict: bool) -> dict[str, object]:
    return {
        "file": summary.file,
        "sha256": sha256,
        "strict": strict,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
    }


def _chunks(items: Iterable[Prepared | Reject], size: int) -> Iterator[list[Prepared | Reject]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _screen(chunk: list[Prepared | Reject], seen: dict[str, int], summary: LoadSummary) -> list[Prepared]:
    """Counts rejects and drops in-file duplicates of (source, id); returns the lines to store."""
    good: list[Prepared] = []
    for item in chunk:
        summary.read += 1
        if isinstance(item, Reject):
            summary.rejects.append(item)
            summary.rejected += 1
            continue
        ref = item.ref
        first = seen.get(ref)
        if first is not None:
            summary.rejects.append(
                Reject(
                    summary.file,
                    item.line,
                    "id",
                    f"duplicate (source, id) {ref}; first at line {first}",
                    item.raw,
                )
            )
            summary.rejected += 1
            continue
        seen[ref] = item.line
        good.append(item)
    return good


def _store_chunk(conn: Connection, load_id: int, chunk: list[Prepared], summary: LoadSummary) -> None:
    current = _current_versions(conn, [p.ref for p in chunk])
    now = datetime.now(UTC)
    to_insert: list[tuple[Prepared, int]] = []
    superseded: list[int] = []
    for prepared in chunk:
        existing = current.get(prepared.ref)
        if existing is None:
            to_insert.append((prepared, 1))
            summary.inserted += 1
        elif existing[2] == prepared.content_hash:
            summary.unchanged += 1
        else:
            superseded.append(existing[0])
            to_insert.append((prepared, existing[1] + 1))
            summary.updated += 1
    if superseded:
        _retire(conn, superseded, now)
    if not to_insert:
        return
    ids = next_ids(conn, t.source_record, len(to_insert))
    # The two values every new version shares, in the form the driver takes them.
    _, [(is_current, loaded_at)] = RowBinder(conn.dialect).bind(
        t.source_record, [{"is_current": True, "loaded_at": now}]
    )
    insert_tuples(
        conn,
        t.source_record,
        _SOURCE_COLUMNS,
        [
            (
                record_id,
                p.ref,
                p.source,
                p.id,
                version,
                p.type,
                p.as_of,
                p.raw,
                p.content_hash,
                is_current,
                load_id,
                p.line,
                loaded_at,
            )
            for (p, version), record_id in zip(to_insert, ids, strict=True)
        ],
    )
    derived: Buckets = {}
    for (prepared, _), record_id in zip(to_insert, ids, strict=True):
        summary.by_type[prepared.type] += 1
        summary.warnings += prepared.warnings
        for table, columns, rows in prepared.rows:
            bucket = derived.get((table, columns))
            if bucket is None:
                bucket = derived[(table, columns)] = []
            bucket.extend([(record_id, *values) for values in rows])
    _write_buckets(conn, derived)


def write_derived(conn: Connection, derived_rows: dict[str, list[dict[str, object]]]) -> None:
    for table in t.DERIVED_TABLES:
        insert_rows(conn, table, derived_rows.get(table.name, ()))


def _write_buckets(conn: Connection, buckets: Buckets) -> None:
    """Bound derived rows, grouped by (table, columns), in the tables' order."""
    for table in t.DERIVED_TABLES:
        for (name, columns), rows in buckets.items():
            if name == table.name:
                insert_tuples(conn, table, ("record_id", *columns), rows)


def _current_versions(conn: Connection, refs: list[str]) -> dict[str, tuple[int, int, str]]:
    """ref -> (row id, version, content hash) of the current version, for the refs that exist."""
    sr = t.source_record
    found: dict[str, tuple[int, int, str]] = {}
    stmt = select(sr.c.ref, sr.c.id, sr.c.version, sr.c.content_hash).where(
        sr.c.is_current.is_(True), sr.c.ref.in_(bindparam("refs", expanding=True))
    )
    for start in range(0, len(refs), _PARAMS_PER_IN):
        for row in conn.execute(stmt, {"refs": refs[start : start + _PARAMS_PER_IN]}):
            found[row.ref] = (row.id, row.version, row.content_hash)
    return found


def _retire(conn: Connection, record_ids: list[int], now: datetime) -> None:
    """The old version stays as history; its derived rows go (they always describe current versions)."""
    sr = t.source_record
    for start in range(0, len(record_ids), _PARAMS_PER_IN):
        batch = record_ids[start : start + _PARAMS_PER_IN]
        conn.execute(update(sr).where(sr.c.id.in_(batch)).values(is_current=False, superseded_at=now))
        for table in t.DERIVED_TABLES:
            conn.execute(table.delete().where(table.c.record_id.in_(batch)))


def _write_rejects(rejects: list[Reject], path: Path | None, file_label: str, started: datetime) -> Path:
    if path is None:
        folder = data_dir() / "rejects"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{Path(file_label).name}.{started:%Y%m%dT%H%M%S}.rejects.jsonl"
    with path.open("wb") as fh:
        for reject in rejects:
            fh.write(
                orjson.dumps(
                    {
                        "file": reject.file,
                        "line": reject.line,
                        "field": reject.field,
                        "reason": reject.reason,
                        "raw": reject.raw,
                    }
                )
                + b"\n"
            )
    return path
