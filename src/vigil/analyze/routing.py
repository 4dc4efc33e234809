"""Routing a tip to the agency responsible for where it probably happened, with the reasons.

From the tip's potential location (vigil.analyze.tip_location): the agency whose jurisdiction lists
the ZIP (a city police department before a sheriff, before a state agency), else the one whose
jurisdiction lists the county (a sheriff first), else the state's ICAC task force, else the
state agency. Every step that decided is written into `reasons`, so a supervisor can see why a
report went where it went.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, select

from vigil import audit
from vigil.analyze.links import LinkSettings
from vigil.analyze.tip_location import IpLocator, get_ip_locator, locate_tip
from vigil.config import Actor
from vigil.store import tables as t

# Preference among agencies covering the same ZIP or county: the most local first.
_ZIP_ORDER = {"police": 0, "sheriff": 1, "state": 2, "icac": 3, "federal": 4}
_COUNTY_ORDER = {"sheriff": 0, "police": 1, "state": 2, "icac": 3, "federal": 4}


def _agencies(conn: Connection, kind: str, value: str) -> list[dict[str, Any]]:
    ag, aj, sr = t.agency, t.agency_jurisdiction, t.source_record
    rows = conn.execute(
        select(ag.c.ori, ag.c.name, ag.c.kind, ag.c.state, ag.c.email, ag.c.phone, sr.c.ref)
        .join(aj, aj.c.record_id == ag.c.record_id)
        .join(sr, sr.c.id == ag.c.record_id)
        .where(aj.c.kind == kind, aj.c.value == value, sr.c.is_current.is_(True))
    ).all()
    return [_agency_doc(r) for r in rows]


def _agency_doc(row: Any) -> dict[str, Any]:
    return {
        "ori": row.ori,
        "name": row.name,
        "kind": row.kind,
        "state": row.state,
        "email": row.email,
        "phone": row.phone,
        "ref": row.ref,
    }


def _state_agency(conn: Connection, state: str, kind: str) -> dict[str, Any] | None:
    ag, sr = t.agency, t.source_record
    row = conn.execute(
        select(ag.c.ori, ag.c.name, ag.c.kind, ag.c.state, ag.c.email, ag.c.phone, sr.c.ref)
        .join(sr, sr.c.id == ag.c.record_id)
        .where(ag.c.kind == kind, ag.c.state == state, sr.c.is_current.is_(True))
        .order_by(ag.c.ori)
        .limit(1)
    ).first()
    return _agency_doc(row) if row else None


def _pick(candidates: list[dict[str, Any]], order: dict[str, int]) -> dict[str, Any]:
    return min(candidates, key=lambda a: (order.get(a["kind"] or "", 9), a["ori"]))


def route_location(conn: Connection, location: dict[str, Any]) -> dict[str, Any]:
    """The agency for a located tip: {agency, reasons, alternatives}."""
    reasons: list[str] = []
    state, zip5, county = location.get("state"), location.get("zip"), location.get("county_fips")
    if state:
        where = ", ".join(str(p) for p in (location.get("city"), state, zip5) if p)
        confidence, basis = location["confidence"], location.get("basis")
        reasons.append(f"potential location {where} (confidence {confidence:.2f}; strongest clue: {basis})")
    else:
        reasons.append("no location clue in the tip or its links")
        return {"agency": None, "reasons": reasons, "alternatives": []}
    if zip5:
        candidates = _agencies(conn, "zip", zip5)
        if candidates:
            chosen = _pick(candidates, _ZIP_ORDER)
            reasons.append(f"ZIP {zip5} is in the jurisdiction of {chosen['name']} ({chosen['ori']})")
            return {"agency": chosen, "reasons": reasons, "alternatives": _others(candidates, chosen)}
        reasons.append(f"no agency lists ZIP {zip5}")
    if county:
        candidates = _agencies(conn, "county", county)
        local = [a for a in candidates if a["kind"] not in ("state", "icac", "federal")]
        if local:
            chosen = _pick(local, _COUNTY_ORDER)
            reasons.append(f"county {county} is in the jurisdiction of {chosen['name']} ({chosen['ori']})")
            return {"agency": chosen, "reasons": reasons, "alternatives": _others(candidates, chosen)}
        reasons.append(f"no local agency lists county {county}")
    for kind, label in (("icac", "ICAC task force"), ("state", "state agency")):
        chosen = _state_agency(conn, state, kind)
        if chosen:
            reasons.append(f"fallback: the {label} for {state}, {chosen['name']} ({chosen['ori']})")
            return {"agency": chosen, "reasons": reasons, "alternatives": []}
    reasons.append(f"no ICAC task force or state agency on file for {state}")
    return {"agency": None, "reasons": reasons, "alternatives": []}


def _others(candidates: list[dict[str, Any]], chosen: dict[str, Any]) -> list[dict[str, Any]]:
    others = [a for a in candidates if a is not chosen]
    return [{"ori": a["ori"], "name": a["name"], "kind": a["kind"]} for a in others][:10]


_LOCATION_KEYS = ("state", "zip", "county_fips", "city", "confidence", "basis", "lat", "lon", "geo_precision")


def route_tips(
    engine: Engine,
    refs: Iterable[str],
    actor: Actor,
    *,
    ip_locator: IpLocator | None = None,
    settings: LinkSettings | None = None,
) -> dict[str, Any]:
    """`vigil tips route`: each tip's potential location and the agency it should go to, with reasons."""
    refs = list(refs)
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for view (--purpose or VIGIL_PURPOSE)")
    locator = ip_locator if ip_locator is not None else get_ip_locator()
    routes = []
    with engine.connect() as conn:
        for ref in refs:
            location = locate_tip(conn, ref, ip_locator=locator, settings=settings)
            routed = route_location(conn, location)
            routes.append(
                {
                    "ref": ref,
                    "agency": routed["agency"],
                    "reasons": routed["reasons"],
                    "alternatives": routed["alternatives"],
                    "location": {k: location[k] for k in _LOCATION_KEYS},
                    "clues": location["clues"],
                }
            )
    audit.write(
        engine,
        actor,
        "view",
        {"command": "tips route", "tips": len(refs)},
        [*refs, *(r["agency"]["ref"] for r in routes if r["agency"])],
    )
    return {"routes": routes}


def current_tip_refs(engine: Engine, limit: int | None = None) -> list[str]:
    sr = t.source_record
    stmt = select(sr.c.ref).where(sr.c.type == "tip", sr.c.is_current.is_(True)).order_by(sr.c.id)
    if limit:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        return [r for (r,) in conn.execute(stmt)]
