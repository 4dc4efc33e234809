"""The tips in the store, newest first, filtered by the reported state, dates, type and any text.

The list an analyst works from before opening a tip (`vigil.analyze.links.tip_links`, location and
routing in `tip_location` / `routing`). Audited as a search naming the tips shown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from vigil import audit
from vigil.config import Actor
from vigil.normalize._states import state_code
from vigil.store import tables as t

INCIDENT_TYPES = (
    "csam",
    "enticement",
    "trafficking",
    "molestation",
    "sextortion",
    "unsolicited_obscene",
    "misleading_domain",
    "other",
)
_NARRATIVE_CHARS = 240


def _iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def _reported(raw: dict[str, Any]) -> dict[str, Any]:
    """The location the reporter gave (a tip field kept verbatim), with the state as its code."""
    loc = raw.get("location") if isinstance(raw.get("location"), dict) else {}
    state = loc.get("state")
    return {
        "city": loc.get("city"),
        "state": state_code(str(state).upper()) if state else None,
        "zip": str(loc["zip"])[:5] if loc.get("zip") else None,
    }


def _row(row: Any, raw: dict[str, Any]) -> dict[str, Any]:
    narrative = str(raw.get("narrative") or "")
    suspect = raw.get("suspect") if isinstance(raw.get("suspect"), dict) else {}
    handles = [
        f"{s.get('platform') or 'unknown'}/{s.get('handle')}"
        for s in suspect.get("screen_names") or []
        if isinstance(s, dict) and s.get("handle")
    ]
    return {
        "ref": row.ref,
        "received_at": _iso(row.received_at),
        "incident_at": _iso(row.incident_at),
        "incident_type": row.incident_type,
        "reporter": row.reporter_kind,
        "esp_name": row.esp_name,
        "reported_location": _reported(raw),
        "suspect_screen_names": handles,
        "narrative": narrative[:_NARRATIVE_CHARS] + ("..." if len(narrative) > _NARRATIVE_CHARS else ""),
    }


def list_tips(
    engine: Engine,
    actor: Actor,
    *,
    state: str | None = None,
    start: date | None = None,
    end: date | None = None,
    text: str | None = None,
    incident_type: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    """Current tips received in [start, end] (UTC days), of a type, whose record contains `text`
    (case-insensitive: narrative, screen names, e-mails, hashes...) and whose reported location is in
    `state`; newest first, `limit` from `offset`, with the total that matched."""
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for search")
    if incident_type and incident_type not in INCIDENT_TYPES:
        raise ValueError(f"incident type must be one of {', '.join(INCIDENT_TYPES)}")
    wanted_state = state_code(state.strip().upper()) if state and state.strip() else None
    if state and state.strip() and not wanted_state:
        raise ValueError(f"not a state: {state!r}")
    if start and end and end < start:
        raise ValueError("the end date is before the start date")
    sr, tip = t.source_record, t.tip
    stmt = (
        select(sr.c.id, sr.c.ref, sr.c.raw, tip.c.received_at, tip.c.incident_at)
        .add_columns(tip.c.incident_type, tip.c.reporter_kind, tip.c.esp_name)
        .join(tip, tip.c.record_id == sr.c.id)
        .where(sr.c.is_current.is_(True), sr.c.type == "tip")
    )
    if start:
        stmt = stmt.where(tip.c.received_at >= datetime.combine(start, time(), UTC))
    if end:
        stmt = stmt.where(tip.c.received_at < datetime.combine(end + timedelta(days=1), time(), UTC))
    if incident_type:
        stmt = stmt.where(tip.c.incident_type == incident_type)
    if text and text.strip():
        stmt = stmt.where(func.lower(sr.c.raw).contains(text.strip().lower(), autoescape=True))
    stmt = stmt.order_by(tip.c.received_at.desc(), sr.c.id.desc())
    with engine.connect() as conn:
        if wanted_state:
            # The reported location is a verbatim field of the raw record: filter after reading it.
            matched = [
                (row, raw)
                for row in conn.execute(stmt)
                if _reported(raw := orjson.loads(row.raw))["state"] == wanted_state
            ]
            total = len(matched)
            page = matched[offset : offset + limit]
        else:
            total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            page = [(row, orjson.loads(row.raw)) for row in conn.execute(stmt.offset(offset).limit(limit))]
    docs = [_row(row, raw) for row, raw in page]
    query = {
        "what": "tips",
        "state": wanted_state,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "text": text or None,
        "incident_type": incident_type,
        "offset": offset,
    }
    audit.write(engine, actor, "search", query, [d["ref"] for d in docs])
    return {"tips": docs, "total": total, "offset": offset, "limit": limit}
