"""Registered-offender counts per state for the public page: counts only, never a name or an id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, literal, select

from vigil.store import tables as t

# Statuses that no longer count as a registered offender in that state.
NOT_REGISTERED = ("deceased", "moved_out")


def registry_counts(engine: Engine) -> dict[str, Any]:
    """Per state: registrants (distinct registrant ids) on current records, and the newest as-of date."""
    reg, sr = t.registration, t.source_record
    # A registrant without an id is counted once per record holding it.
    who = func.coalesce(reg.c.registrant_id, literal("record:") + sr.c.ref)
    stmt = (
        select(
            reg.c.state,
            func.count(func.distinct(who)),
            func.max(sr.c.as_of),
            func.max(sr.c.loaded_at),
        )
        .join(sr, sr.c.id == reg.c.record_id)
        .where(sr.c.is_current.is_(True), reg.c.status.not_in(NOT_REGISTERED))
        .group_by(reg.c.state)
        .order_by(reg.c.state)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    states = [
        {"state": state, "registered": count, "as_of": _as_of(as_of, loaded_at)}
        for state, count, as_of, loaded_at in rows
    ]
    dates = [s["as_of"] for s in states if s["as_of"]]
    return {
        "as_of": max(dates) if dates else None,
        "total": sum(s["registered"] for s in states),
        "states": states,
        "excludes": list(NOT_REGISTERED),
    }


def _as_of(as_of: date | str | None, loaded_at: datetime | str | None) -> str | None:
    """The source's own as-of date when it gives one, else the day the data was loaded."""
    value = as_of or loaded_at
    if value is None:
        return None
    if isinstance(value, str):  # SQLite may hand back aggregate dates as text
        return value[:10]
    return value.isoformat()[:10]
