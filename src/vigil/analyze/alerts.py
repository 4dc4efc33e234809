"""Watchlists and alerts: tell an analyst when new records link to a person, case or identifier they watch.

A watch remembers the highest source_record.id it has looked at; `evaluate_watches` (run by
`vigil alerts`, and by anything else that wants alerts current) looks only at records loaded
since, so it is cheap to run after every load and never raises the same alert twice. New records
alert when they
- hold one of the watched subject's (non-hub) identifiers: a tip with his phone, an LPR hit on his plate;
- name a watched record as their subject (an event's person_ref);
- are incidents within `radius_mi` of one of a watched person's addresses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from vigil import audit
from vigil.analyze.deconfliction import touch_records
from vigil.analyze.links import (
    KeyIndex,
    LinkSettings,
    chunks,
    current_records,
    identifiers_of,
    key_text,
    lookup_keys,
    parse_key,
)
from vigil.analyze.records import UnknownReference, normalize_query
from vigil.config import Actor
from vigil.normalize.geocode import haversine_miles
from vigil.resolve.membership import resolve_subject
from vigil.store import tables as t

WATCH_KINDS = ("person", "record", "case", "identifier")


def _now() -> datetime:
    return datetime.now(UTC)


def _max_record_id(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(t.source_record.c.id), 0))).scalar_one()


def normalize_target(engine: Engine, kind: str, target: str) -> str:
    """The stored form of a watch target; raises ValueError / UnknownReference when it cannot be."""
    if kind not in WATCH_KINDS:
        raise ValueError(f"watch kind must be one of {', '.join(WATCH_KINDS)}, got {kind!r}")
    if kind == "identifier":
        ident_kind, value = parse_key(target)
        return key_text((ident_kind, normalize_query(ident_kind, value)))
    if kind == "person":
        person_id, members = resolve_subject(engine, target)
        if person_id:
            return person_id
        target = members[0].ref
    with engine.connect() as conn:
        found = current_records(conn, [target])
    if target not in found:
        raise UnknownReference(f"no current record {target}")
    if kind == "case" and found[target][1] != "missing_case":
        raise ValueError(f"{target} is a {found[target][1]}, not a missing_case")
    return target


def add_watch(
    engine: Engine,
    actor: Actor,
    kind: str,
    target: str,
    radius_mi: float | None = None,
    note: str = "",
    backfill: bool = False,
) -> dict[str, Any]:
    """Watch a person, record, case or identifier; records loaded from now on (all, with `backfill`) alert."""
    stored = normalize_target(engine, kind, target)
    if radius_mi is not None and radius_mi <= 0:
        raise ValueError("radius_mi must be positive")
    with engine.begin() as conn:
        mark = 0 if backfill else _max_record_id(conn)
        watch_id = conn.execute(
            t.watch.insert()
            .values(
                created_at=_now(),
                user=actor.user,
                agency=actor.agency,
                kind=kind,
                target=stored,
                radius_mi=radius_mi,
                note=note,
                active=True,
                checked_through=mark,
            )
            .returning(t.watch.c.id)
        ).scalar_one()
    audit.write(engine, actor, "watch", {"kind": kind, "target": stored, "radius_mi": radius_mi}, [stored])
    # Watching someone is working them: other agencies on the same subject are told.
    if kind == "identifier":
        conflicts = touch_records(engine, actor, "watch", stored, identifiers=[stored])
    elif kind == "person" and "/" not in stored:
        conflicts = touch_records(engine, actor, "watch", stored, person_ids=[stored])
    else:
        conflicts = touch_records(engine, actor, "watch", stored, refs=[stored])
    return {"watch_id": watch_id, "kind": kind, "target": stored, "deconfliction": conflicts}


def list_watches(engine: Engine, agency: str | None = None, active_only: bool = True) -> list[dict[str, Any]]:
    w = t.watch
    stmt = select(w).order_by(w.c.id)
    if active_only:
        stmt = stmt.where(w.c.active.is_(True))
    if agency:
        stmt = stmt.where(w.c.agency == agency)
    with engine.connect() as conn:
        return [_watch_doc(row) for row in conn.execute(stmt)]


def _watch_doc(row: Any) -> dict[str, Any]:
    return {
        "watch_id": row.id,
        "kind": row.kind,
        "target": row.target,
        "radius_mi": row.radius_mi,
        "agency": row.agency,
        "user": row.user,
        "note": row.note,
        "active": row.active,
        "created_at": _aware(row.created_at).isoformat(),
    }


def remove_watch(engine: Engine, actor: Actor, watch_id: int) -> bool:
    with engine.begin() as conn:
        done = conn.execute(update(t.watch).where(t.watch.c.id == watch_id).values(active=False)).rowcount
    audit.write(engine, actor, "unwatch", {"watch_id": watch_id})
    return bool(done)


# --- evaluation ----------------------------------------------------------------------------------


def evaluate_watches(engine: Engine, settings: LinkSettings | None = None) -> int:
    """Check every active watch against records loaded since it last looked; returns alerts raised."""
    settings = settings or LinkSettings.from_env()
    raised = 0
    with engine.begin() as conn:
        top = _max_record_id(conn)
        watches = conn.execute(
            select(t.watch).where(t.watch.c.active.is_(True), t.watch.c.checked_through < top)
        ).all()
        for watch in watches:
            found = _new_links(conn, watch, top, settings)
            raised += _raise(conn, watch, found)
            conn.execute(update(t.watch).where(t.watch.c.id == watch.id).values(checked_through=top))
    return raised


def _watched_refs(conn: Connection, watch: Any) -> list[str]:
    if watch.kind == "identifier":
        return []
    if watch.kind == "person" and "/" not in watch.target:
        pm = t.person_member
        return [r for (r,) in conn.execute(select(pm.c.ref).where(pm.c.person_id == watch.target).distinct())]
    return [watch.target]


def _new_links(conn: Connection, watch: Any, top: int, settings: LinkSettings) -> dict[str, str]:
    """ref of each new record that links to the watch -> the reason (first found wins)."""
    mark = watch.checked_through
    refs = _watched_refs(conn, watch)
    own = current_records(conn, refs)
    own_ids = {rid for rid, _ in own.values()}
    found: dict[str, str] = {}
    # 1. shared identifiers
    if watch.kind == "identifier":
        keys = [parse_key(watch.target)]
    else:
        held = identifiers_of(conn, own_ids)
        keys = sorted({h.key for items in held.values() for h in items})
        infos = KeyIndex(conn, settings).info(keys)
        keys = [k for k in keys if k in infos and not infos[k].hub]
    lookups = {lk: key for key in keys for lk, _ in lookup_keys(key)}
    ident, sr = t.identifier, t.source_record
    values = sorted({v for _, v in lookups})
    kinds = sorted({k for k, _ in lookups})
    for chunk in chunks(values):
        rows = conn.execute(
            select(ident.c.kind, ident.c.value, sr.c.ref, sr.c.type)
            .join(sr, sr.c.id == ident.c.record_id)
            .where(
                ident.c.value.in_(chunk),
                ident.c.kind.in_(kinds),
                ident.c.record_id > mark,
                ident.c.record_id <= top,
            )
            .order_by(ident.c.record_id)
        )
        for kind, value, ref, rtype in rows:
            if (kind, value) in lookups and ref not in own and rtype != "agency":
                found.setdefault(ref, f"new {rtype} holds {key_text((kind, value))}")
    # 2. events naming a watched record
    if refs:
        ev = t.event
        for chunk in chunks(sorted(refs)):
            rows = conn.execute(
                select(sr.c.ref, ev.c.kind, ev.c.person_ref)
                .join(sr, sr.c.id == ev.c.record_id)
                .where(ev.c.person_ref.in_(chunk), ev.c.record_id > mark, ev.c.record_id <= top)
            )
            for ref, kind, person_ref in rows:
                found.setdefault(ref, f"new {kind} event names {person_ref}")
    # 3. incidents near a watched person's addresses
    if watch.radius_mi and own_ids:
        found.update(
            {
                k: v
                for k, v in _incidents_near(conn, own_ids, watch.radius_mi, mark, top).items()
                if k not in found
            }
        )
    return found


def _incidents_near(
    conn: Connection, record_ids: Iterable[int], radius: float, mark: int, top: int
) -> dict[str, str]:
    addr, inc, sr = t.address, t.incident, t.source_record
    points = []
    for chunk in chunks(sorted(set(record_ids))):
        for row in conn.execute(
            select(addr.c.lat, addr.c.lon, addr.c.std_line, sr.c.ref)
            .join(sr, sr.c.id == addr.c.record_id)
            .where(addr.c.record_id.in_(chunk), addr.c.lat.is_not(None), addr.c.lon.is_not(None))
        ):
            points.append(row)
    out: dict[str, str] = {}
    for lat, lon, line, ref in points:
        dlat = radius / 69.0
        dlon = radius / max(1.0, 69.0 * math.cos(math.radians(lat)))
        rows = conn.execute(
            select(sr.c.ref, inc.c.kind, inc.c.lat, inc.c.lon)
            .join(sr, sr.c.id == inc.c.record_id)
            .where(
                inc.c.record_id > mark,
                inc.c.record_id <= top,
                inc.c.lat.between(lat - dlat, lat + dlat),
                inc.c.lon.between(lon - dlon, lon + dlon),
            )
        )
        for iref, kind, ilat, ilon in rows:
            miles = haversine_miles(lat, lon, ilat, ilon)
            if miles <= radius and iref not in out:
                out[iref] = f"new {kind} {miles:.1f} mi from {line or 'an address'} ({ref})"
    return out


def _raise(conn: Connection, watch: Any, found: dict[str, str]) -> int:
    if not found:
        return 0
    alert = t.alert
    already = {
        ref
        for (ref,) in conn.execute(
            select(alert.c.ref).where(alert.c.watch_id == watch.id, alert.c.ref.in_(sorted(found)))
        )
    }
    now = _now()
    n = 0
    for ref, reason in sorted(found.items()):
        if ref in already:
            continue
        conn.execute(
            alert.insert().values(
                at=now,
                kind="watch",
                agency=watch.agency,
                user=watch.user,
                watch_id=watch.id,
                subject=watch.target,
                ref=ref,
                reason=reason,
            )
        )
        n += 1
    return n


def list_alerts(
    engine: Engine,
    actor: Actor,
    *,
    agency: str | None = None,
    unseen_only: bool = False,
    mark_seen: bool = False,
    evaluate: bool = True,
    limit: int = 200,
) -> dict[str, Any]:
    """Bring watches up to date, then the alerts (newest first), optionally marking them seen."""
    raised = evaluate_watches(engine) if evaluate else 0
    alert = t.alert
    stmt = select(alert).order_by(alert.c.id.desc()).limit(limit)
    if agency is not None:
        stmt = stmt.where(alert.c.agency == agency)
    if unseen_only:
        stmt = stmt.where(alert.c.seen_at.is_(None))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    docs = [
        {
            "alert_id": row.id,
            "at": _aware(row.at).isoformat(),
            "kind": row.kind,
            "agency": row.agency,
            "user": row.user,
            "watch_id": row.watch_id,
            "subject": row.subject,
            "ref": row.ref,
            "reason": row.reason,
            "seen": row.seen_at is not None,
        }
        for row in rows
    ]
    audit.write(
        engine,
        actor,
        "view",
        {"command": "alerts", "agency": agency, "unseen_only": unseen_only},
        [d["ref"] for d in docs if d["ref"]],
    )
    if mark_seen and docs:
        with engine.begin() as conn:
            conn.execute(
                update(alert)
                .where(alert.c.id.in_([d["alert_id"] for d in docs]), alert.c.seen_at.is_(None))
                .values(seen_at=_now())
            )
    return {"raised": raised, "alerts": docs}


def mark_alerts_seen(
    engine: Engine, actor: Actor, alert_ids: Iterable[int], agency: str | None = None
) -> int:
    """Acknowledge alerts (only `agency`'s when given: nobody acknowledges another agency's alerts);
    returns how many were newly marked seen."""
    ids = sorted({int(i) for i in alert_ids})
    if not ids:
        return 0
    alert = t.alert
    stmt = update(alert).where(alert.c.id.in_(ids), alert.c.seen_at.is_(None)).values(seen_at=_now())
    if agency is not None:
        stmt = stmt.where(alert.c.agency == agency)
    with engine.begin() as conn:
        done = conn.execute(stmt).rowcount
    audit.write(engine, actor, "acknowledge", {"what": "alerts", "alert_ids": ids, "agency": agency})
    return done


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
