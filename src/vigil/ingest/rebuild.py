"""Rebuilding every derived table from the current source records (after a normalizer change)."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from sqlalchemy import Engine, func, select

from vigil import audit
from vigil.config import Actor
from vigil.derive import derive
from vigil.ingest.loader import write_derived
from vigil.model.records import validate_record
from vigil.store import tables as t

_BATCH = 5000


def count_current(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(t.source_record).where(t.source_record.c.is_current.is_(True))
        ).scalar_one()


def rebuild_derived(engine: Engine, actor: Actor, progress: Callable[[int], None] | None = None) -> int:
    """Clears and refills the derived tables in one transaction; returns the records processed."""
    sr = t.source_record
    done = 0
    with engine.begin() as conn:
        for table in reversed(t.DERIVED_TABLES):
            conn.execute(table.delete())
        conn.execute(t.party_feature.delete())  # packed from the tables just cleared
        last_id = 0
        while True:
            batch = conn.execute(
                select(sr.c.id, sr.c.raw)
                .where(sr.c.is_current.is_(True), sr.c.id > last_id)
                .order_by(sr.c.id)
                .limit(_BATCH)
            ).all()
            if not batch:
                break
            rows: dict[str, list[dict[str, object]]] = {}
            for record_id, raw in batch:
                for table, table_rows in derive(validate_record(orjson.loads(raw))).rows.items():
                    for row in table_rows:
                        row["record_id"] = record_id
                    rows.setdefault(table, []).extend(table_rows)
            write_derived(conn, rows)
            done += len(batch)
            last_id = batch[-1][0]
            if progress:
                progress(len(batch))
        audit.write(conn, actor, "rebuild", {"records": done})
    return done
