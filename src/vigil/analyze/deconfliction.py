"""Deconfliction: who else is working the same person, and telling both sides.

Every search, report or link query made on behalf of an agency is a *touch* of its subject. A
touch keeps keys for what it reached: the record references, the resolved person and the
person's non-hub identifiers. When a later touch by another agency shares a key with an earlier
one (within `window_days`), both agencies get an alert and the later caller sees the conflict in
its result, so two task forces chasing the same phone learn of each other before they collide.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from vigil.analyze.links import (
    KeyIndex,
    LinkSettings,
    current_records,
    identifiers_of,
    key_text,
    members_of_persons,
    persons_of,
)
from vigil.config import Actor
from vigil.store import tables as t
from vigil.store.bulk import insert_rows

DEFAULT_WINDOW_DAYS = 365


def subject_keys(
    conn: Connection,
    refs: Iterable[str] = (),
    person_ids: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    settings: LinkSettings | None = None,
) -> set[str]:
    """The keys a touch of these records / persons / identifiers leaves: ref:, person:, kind:value."""
    settings = settings or LinkSettings.from_env()
    refs = set(refs)
    persons = set(person_ids)
    persons |= {pid for pid in persons_of(conn, refs).values()}
    for members in members_of_persons(conn, persons).values():
        refs |= {ref for ref, _ in members}
    keys = {f"ref:{ref}" for ref in refs} | {f"person:{pid}" for pid in persons} | set(identifiers)
    records = current_records(conn, refs)
    held = identifiers_of(conn, (rid for rid, _ in records.values()))
    index = KeyIndex(conn, settings)
    infos = index.info({h.key for items in held.values() for h in items})
    for items in held.values():
        for h in items:
            info = infos.get(h.key)
            if info is not None and not info.hub:
                keys.add(key_text(h.key))
    return keys


def record_touch(
    engine: Engine,
    actor: Actor,
    action: str,
    subject: str,
    keys: set[str],
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[dict[str, Any]]:
    """Store a touch with its keys; return (and alert both sides of) other agencies' touches sharing one."""
    if not actor.agency.strip() or not keys:
        return []
    now = datetime.now(UTC)
    touch, key_table = t.deconfliction_touch, t.deconfliction_key
    with engine.begin() as conn:
        touch_id = conn.execute(
            touch.insert()
            .values(
                at=now,
                user=actor.user,
                agency=actor.agency,
                action=action,
                subject=subject,
                purpose=actor.purpose,
            )
            .returning(touch.c.id)
        ).scalar_one()
        insert_rows(conn, key_table, [{"touch_id": touch_id, "key": k} for k in sorted(keys)])
        conflicts = _conflicts(conn, touch_id, actor.agency, sorted(keys), now - timedelta(days=window_days))
        for other in conflicts:
            _alert_pair(conn, now, actor, touch_id, subject, other)
    return conflicts


def _conflicts(
    conn: Connection, touch_id: int, agency: str, keys: list[str], since: datetime
) -> list[dict[str, Any]]:
    """Other agencies' latest touch sharing a key with this one, one per agency."""
    touch, key_table = t.deconfliction_touch, t.deconfliction_key
    shared: dict[int, list[str]] = {}
    rows: dict[int, Any] = {}
    for i in range(0, len(keys), 500):
        stmt = (
            select(touch, key_table.c.key)
            .join(key_table, key_table.c.touch_id == touch.c.id)
            .where(
                key_table.c.key.in_(keys[i : i + 500]),
                touch.c.agency != agency,
                touch.c.id != touch_id,
                touch.c.at >= since,
            )
        )
        for row in conn.execute(stmt):
            shared.setdefault(row.id, []).append(row.key)
            rows[row.id] = row
    latest: dict[str, int] = {}
    for tid, row in rows.items():
        if row.agency not in latest or tid > latest[row.agency]:
            latest[row.agency] = tid
    out = []
    for other_agency, tid in sorted(latest.items()):
        row = rows[tid]
        out.append(
            {
                "agency": other_agency,
                "user": row.user,
                "at": _aware(row.at).isoformat(),
                "action": row.action,
                "subject": row.subject,
                "touch_id": tid,
                "shared": sorted(set(shared[tid]))[:20],
            }
        )
    return out


def _alert_pair(
    conn: Connection, now: datetime, actor: Actor, touch_id: int, subject: str, other: dict[str, Any]
) -> None:
    alert = t.alert
    via = ", ".join(other["shared"][:3])
    # The other agency is told once per (their touch, our agency), however often we come back.
    told = conn.execute(
        select(alert.c.id)
        .join(t.deconfliction_touch, t.deconfliction_touch.c.id == alert.c.other_touch_id)
        .where(
            alert.c.kind == "deconfliction",
            alert.c.agency == other["agency"],
            alert.c.touch_id == other["touch_id"],
            t.deconfliction_touch.c.agency == actor.agency,
        )
        .limit(1)
    ).first()
    rows = [
        {
            "at": now,
            "kind": "deconfliction",
            "agency": actor.agency,
            "user": actor.user,
            "watch_id": None,
            "touch_id": touch_id,
            "other_touch_id": other["touch_id"],
            "subject": subject,
            "ref": None,
            "reason": f"{other['agency']} ({other['user']}) also worked this subject on {other['at'][:10]}"
            f" ({other['action']} {other['subject']}); shared: {via}",
        }
    ]
    if told is None:
        rows.append(
            {
                "at": now,
                "kind": "deconfliction",
                "agency": other["agency"],
                "user": other["user"],
                "watch_id": None,
                "touch_id": other["touch_id"],
                "other_touch_id": touch_id,
                "subject": other["subject"],
                "ref": None,
                "reason": f"{actor.agency} ({actor.user}) is now working a subject you worked"
                f" ({other['action']} {other['subject']}): {subject}; shared: {via}",
            }
        )
    for row in rows:
        conn.execute(alert.insert().values(**row))


def touch_records(
    engine: Engine,
    actor: Actor,
    action: str,
    subject: str,
    refs: Iterable[str] = (),
    person_ids: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    settings: LinkSettings | None = None,
) -> list[dict[str, Any]]:
    """Record a touch of records / persons / identifiers for the actor's agency; the conflicts found.

    Without an agency (an analyst working for nobody in particular) nothing is recorded.
    """
    if not actor.agency.strip():
        return []
    with engine.connect() as conn:
        keys = subject_keys(conn, refs, person_ids, identifiers, settings)
    return record_touch(engine, actor, action, subject, keys)


def touches(engine: Engine, agency: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    touch = t.deconfliction_touch
    stmt = select(touch).order_by(touch.c.id.desc()).limit(limit)
    if agency:
        stmt = stmt.where(touch.c.agency == agency)
    with engine.connect() as conn:
        return [
            {
                "id": row.id,
                "at": _aware(row.at).isoformat(),
                "user": row.user,
                "agency": row.agency,
                "action": row.action,
                "subject": row.subject,
                "purpose": row.purpose,
            }
            for row in conn.execute(stmt)
        ]


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
