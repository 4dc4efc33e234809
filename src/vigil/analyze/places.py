"""Where a record is on a map: one located point per record, for the maps of pages that list records.

A record can hold several places; the one that says most about it is taken: an incident's or an
event's own location, a missing-child case's missing-from place, a person's current residence (the
newest interval still open, else the newest start), else any located address. Records with no located
place are left out. Not audited: callers show these points next to records their own audited call
already named.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from vigil.analyze.links import current_records
from vigil.store import tables as t
from vigil.store.temp import select_in

# Address contexts, most telling first; anything else after these.
_CONTEXTS = ("missing_from", "incident", "event", "record", "registration")


def record_places(conn: Connection, refs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """ref -> {ref, type, lat, lon, address, context, geo_precision} for each current record with a
    located place. A reference may carry a party ("SOURCE/ID#1"): the place is the record's."""
    wanted = {ref: ref.split("#", 1)[0] for ref in refs}
    found = current_records(conn, set(wanted.values()))
    if not found:
        return {}
    by_id = {rid: (ref, rtype) for ref, (rid, rtype) in found.items()}
    ids = sorted(by_id)
    best: dict[int, tuple[tuple[Any, ...], dict[str, Any]]] = {}

    def offer(rid: int, rank: tuple[Any, ...], place: dict[str, Any]) -> None:
        if rid not in best or rank > best[rid][0]:
            best[rid] = (rank, place)

    inc = t.incident
    stmt = select(inc.c.record_id, inc.c.lat, inc.c.lon).where(inc.c.lat.is_not(None), inc.c.lon.is_not(None))
    for r in select_in(conn, stmt, inc.c.record_id, ids, "int"):
        offer(r.record_id, (3,), {"lat": r.lat, "lon": r.lon, "context": "incident", "geo_precision": None})
    ev = t.event
    stmt = select(ev.c.record_id, ev.c.lat, ev.c.lon, ev.c.at).where(
        ev.c.lat.is_not(None), ev.c.lon.is_not(None)
    )
    for r in select_in(conn, stmt, ev.c.record_id, ids, "int"):
        at = r.at.isoformat() if r.at else ""
        offer(r.record_id, (2, at), {"lat": r.lat, "lon": r.lon, "context": "event", "geo_precision": None})
    addr = t.address
    stmt = select(
        addr.c.record_id,
        addr.c.idx,
        addr.c.context,
        addr.c.std_line,
        addr.c.lat,
        addr.c.lon,
        addr.c.geo_precision,
        addr.c.valid_from,
        addr.c.valid_to,
    ).where(addr.c.lat.is_not(None), addr.c.lon.is_not(None))
    for r in select_in(conn, stmt, addr.c.record_id, ids, "int"):
        order = len(_CONTEXTS) - _CONTEXTS.index(r.context) if r.context in _CONTEXTS else 0
        rank = (1, order, r.valid_to is None, r.valid_from or date.min, -r.idx)
        place = {
            "lat": r.lat,
            "lon": r.lon,
            "context": r.context,
            "address": r.std_line,
            "geo_precision": r.geo_precision,
        }
        offer(r.record_id, rank, place)
    out: dict[str, dict[str, Any]] = {}
    for ref, base in wanted.items():
        hit = found.get(base)
        if hit is None or hit[0] not in best:
            continue
        place = best[hit[0]][1]
        out[ref] = {
            "ref": ref,
            "type": hit[1],
            "lat": round(place["lat"], 6),
            "lon": round(place["lon"], 6),
            "address": place.get("address"),
            "context": place["context"],
            "geo_precision": place["geo_precision"],
        }
    return out
