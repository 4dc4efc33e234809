"""The append-only, hash-chained audit log: every load, search, view and export writes one entry.

The library writes it (not the CLI or web layer), so no caller can forget. Database triggers refuse
UPDATE/DELETE; the hash chain makes edits made around the triggers detectable (`verify`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select, text

from vigil.config import Actor
from vigil.store.db import write_transaction
from vigil.store.tables import audit_log

# Actions that look at people's data need a stated reason (formats.md; ARCHITECTURE.md principle 6).
PURPOSE_REQUIRED = frozenset({"search", "view", "report", "export", "quickhit"})
GENESIS = "0" * 64
_CHAIN_LOCK = 0x56494749  # "VIGI": PostgreSQL advisory lock serialising appends to the chain


class PurposeRequired(PermissionError):
    """Raised when a search or view is attempted without a stated purpose."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    agency: str
    action: str
    purpose: str
    query: dict[str, Any]
    result_refs: list[str]


def entry_hash(prev_hash: str, at: datetime, row: dict[str, Any]) -> str:
    payload = orjson.dumps(
        [
            prev_hash,
            at.isoformat(),
            row["user"],
            row["agency"],
            row["action"],
            row["purpose"],
            row["query"],
            row["result_refs"],
        ],
    )
    return hashlib.sha256(payload).hexdigest()


def write(
    target: Engine | Connection,
    actor: Actor,
    action: str,
    query: dict[str, Any] | None = None,
    result_refs: Sequence[str] = (),
) -> None:
    """Append one entry; inside the caller's transaction when given a Connection."""
    if action in PURPOSE_REQUIRED and not actor.purpose.strip():
        raise PurposeRequired(f"a purpose is required for {action} (--purpose or VIGIL_PURPOSE)")
    if isinstance(target, Engine):
        # Read-last-hash-then-append must hold the write lock from the start, or concurrent
        # writers lose the race (SQLite "database is locked") instead of waiting their turn.
        with write_transaction(target) as conn:
            _append(conn, actor, action, query or {}, list(result_refs))
    else:
        _append(target, actor, action, query or {}, list(result_refs))


def _append(conn: Connection, actor: Actor, action: str, query: dict[str, Any], refs: list[str]) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    prev = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    at = datetime.now(UTC)
    row = {
        "user": actor.user,
        "agency": actor.agency,
        "action": action,
        "purpose": actor.purpose,
        "query": orjson.dumps(query, option=orjson.OPT_SORT_KEYS, default=str).decode(),
        "result_refs": orjson.dumps(refs).decode(),
    }
    prev_hash = prev or GENESIS
    conn.execute(
        audit_log.insert().values(at=at, prev_hash=prev_hash, hash=entry_hash(prev_hash, at, row), **row)
    )


def entries(engine: Engine, limit: int | None = None, action: str | None = None) -> Iterator[AuditEntry]:
    stmt = select(audit_log).order_by(audit_log.c.id.desc())
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    if limit:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            yield AuditEntry(
                id=row.id,
                at=_aware(row.at),
                user=row.user,
                agency=row.agency,
                action=row.action,
                purpose=row.purpose,
                query=orjson.loads(row.query),
                result_refs=orjson.loads(row.result_refs),
            )


@dataclass(frozen=True, slots=True)
class ChainCheck:
    entries: int
    first_bad_id: int | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify(engine: Engine) -> ChainCheck:
    """Recompute the chain; the first entry whose hash or link does not hold is reported."""
    prev_hash = GENESIS
    count = 0
    with engine.connect() as conn:
        for row in conn.execute(select(audit_log).order_by(audit_log.c.id)):
            count += 1
            expected = entry_hash(prev_hash, _aware(row.at), row._mapping)
            if row.prev_hash != prev_hash or row.hash != expected:
                return ChainCheck(count, row.id)
            prev_hash = row.hash
    return ChainCheck(count, None)


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is written in UTC.
    return at if at.tzinfo else at.replace(tzinfo=UTC)
