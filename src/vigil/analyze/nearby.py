"""Offenders, incidents, LPR hits and leads near a case in space and time.

The centre is the case's place and date (a missing-child case: where and when the child went
missing; an incident, unidentified find or lead sighting also works). Candidates come from indexed
range queries (a latitude/longitude box on `address` and `event`, a time range on `event.at`) and are
then measured exactly with the haversine formula, so the box only has to be a superset.

Persons are registered offenders, one entry per resolved person (resolution is brought up to date
first; a record it has not reached stands alone) that has a registration on any of its records. An
entry carries every address of all the person's records that was valid at the case date, in or out
of the radius, each labelled "registered" (its record carries the registration: a registry's, or
NCIC's copy) or "last_known" (vendors and other sources), with its distance; the person is listed
when any of them is within the radius. Flags point at what to look at twice: no registered address
inside while a last-known one is, registry and vendors disagreeing, dead, incarcerated.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, or_, select

from vigil import audit
from vigil.analyze.incidents import plate_or_none
from vigil.analyze.series_offenders import Profile, Residence, load_profiles
from vigil.analyze.spacetime import aware, bbox
from vigil.config import Actor
from vigil.normalize.geocode import haversine_miles
from vigil.resolve.run import ensure_resolved
from vigil.store import tables as t

# Which event of a record is its "when and where".
_CENTRE_EVENTS = {
    "missing_case": ("missing",),
    "unidentified": ("unidentified_found",),
    "lead": ("sighting",),
    "event": None,  # any
    "incident": None,
}


class NotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Centre:
    ref: str
    type: str
    lat: float
    lon: float
    at: datetime
    case_number: str | None

    @property
    def day(self) -> date:
        return self.at.date()


def find_centre(engine: Engine, text: str) -> Centre:
    """A record reference or a case number -> the place and time to search around."""
    sr, ev, ident = t.source_record, t.event, t.identifier
    with engine.connect() as conn:
        row = conn.execute(
            select(sr.c.id, sr.c.ref, sr.c.type).where(sr.c.ref == text, sr.c.is_current.is_(True))
        ).first()
        if row is None:
            row = conn.execute(
                select(sr.c.id, sr.c.ref, sr.c.type)
                .join(ident, ident.c.record_id == sr.c.id)
                .where(
                    ident.c.kind == "case_number",
                    ident.c.value == text.strip().upper(),
                    sr.c.is_current.is_(True),
                    sr.c.type.in_(("missing_case", "unidentified")),
                )
                .order_by(sr.c.type, sr.c.ref)
            ).first()
        if row is None:
            raise NotFound(f"no record or case number {text!r}")
        kinds = _CENTRE_EVENTS.get(row.type)
        stmt = select(ev.c.kind, ev.c.at, ev.c.lat, ev.c.lon).where(
            ev.c.record_id == row.id, ev.c.lat.is_not(None), ev.c.at.is_not(None)
        )
        if kinds:
            stmt = stmt.where(ev.c.kind.in_(kinds))
        event = conn.execute(stmt.order_by(ev.c.at)).first()
        case_number = conn.execute(
            select(ident.c.value).where(ident.c.record_id == row.id, ident.c.kind == "case_number")
        ).scalar()
    if event is None:
        raise NotFound(f"{row.ref} has no located, dated event to search around")
    return Centre(row.ref, row.type, event.lat, event.lon, aware(event.at), case_number)


def _end_of(value: date | None, precision: str | None) -> date | None:
    """The last day a partial date can mean ("2025-02" ends on 2025-02-28)."""
    if value is None:
        return None
    if precision == "year":
        return date(value.year, 12, 31)
    if precision == "month":
        return date(value.year, value.month, calendar.monthrange(value.year, value.month)[1])
    return value


def _valid_at(day: date, start: date | None, end: date | None, end_precision: str | None) -> bool:
    if start is not None and start > day:
        return False
    last = _end_of(end, end_precision)
    return last is None or last >= day


def nearby(
    engine: Engine,
    actor: Actor,
    case: str,
    radius_mi: float = 10.0,
    days: float = 30.0,
) -> dict[str, object]:
    """Everything near a case, ranked by distance (audited search). Persons are brought up to date
    first, so one person's registry and vendor records come back as one entry."""
    centre = find_centre(engine, case)
    ensure_resolved(engine, actor)
    lat_lo, lat_hi, lon_lo, lon_hi = bbox(centre.lat, centre.lon, radius_mi)
    with engine.connect() as conn:
        persons = _persons(conn, centre, radius_mi, (lat_lo, lat_hi, lon_lo, lon_hi))
        incidents = _events(conn, centre, radius_mi, days, (lat_lo, lat_hi, lon_lo, lon_hi), incidents=True)
        lpr = _events(conn, centre, radius_mi, days, (lat_lo, lat_hi, lon_lo, lon_hi), kinds=("lpr_hit",))
        leads = _events(conn, centre, radius_mi, days, (lat_lo, lat_hi, lon_lo, lon_hi), kinds=("sighting",))
        _lpr_details(conn, lpr)
        _mentions(conn, centre, leads, radius_mi, days)
    for item in incidents:
        item.pop("_record_id")
    document = {
        "case": centre.ref,
        "case_number": centre.case_number,
        "centre": {"lat": centre.lat, "lon": centre.lon, "at": centre.at.isoformat()},
        "radius_mi": radius_mi,
        "days": days,
        "persons": persons,
        "incidents": incidents,
        "lpr_hits": lpr,
        "leads": leads,
    }
    refs = [
        centre.ref,
        *(r for p in persons for r in p["refs"]),
        *(x["ref"] for x in incidents + lpr + leads),
    ]
    audit.write(
        engine,
        actor,
        "search",
        {"what": "nearby", "case": centre.ref, "radius_mi": radius_mi, "days": days},
        refs,
    )
    return document


def _persons(conn, centre: Centre, radius: float, box: tuple[float, ...]) -> list[dict]:  # type: ignore[no-untyped-def]
    """Registered offenders with an address valid at the case date within the radius, one entry per
    person: every address of all his records valid that day (in or out of the radius), labelled."""
    ad, sr = t.address, t.source_record
    lat_lo, lat_hi, lon_lo, lon_hi = box
    rows = conn.execute(
        select(
            sr.c.ref,
            ad.c.party,
            ad.c.lat,
            ad.c.lon,
            ad.c.valid_from,
            ad.c.valid_to,
            ad.c.valid_to_precision,
        )
        .join(sr, sr.c.id == ad.c.record_id)
        .where(
            ad.c.lat.between(lat_lo, lat_hi),
            ad.c.lon.between(lon_lo, lon_hi),
            ad.c.context.in_(("record", "registration")),
            sr.c.is_current.is_(True),
            sr.c.type == "person",
            or_(ad.c.party == 0, ad.c.party.is_(None)),
        )
    ).all()
    keys = {
        (r.ref, r.party or 0)
        for r in rows
        if haversine_miles(centre.lat, centre.lon, r.lat, r.lon) <= radius
        and _valid_at(centre.day, r.valid_from, r.valid_to, r.valid_to_precision)
    }
    out = []
    # Only registered offenders: load_profiles drops persons with no registration on any record.
    for p in load_profiles(conn, keys):
        addresses = [_address(a, centre, radius) for a in p.addresses if a.valid_on(centre.day)]
        # Nearest first; at equal distance the registered address is the one shown.
        addresses.sort(
            key=lambda a: (
                a["distance_mi"] if a["distance_mi"] is not None else float("inf"),
                a["label"] != "registered",
                a["ref"],
            )
        )
        inside = [a for a in addresses if a["within_radius"]]
        if not inside:
            continue  # only addresses of his records at other times were near
        best = inside[0]
        out.append(
            {
                "person_id": p.person_id,
                "refs": p.refs,
                "distance_mi": best["distance_mi"],
                "address_ref": best["ref"],
                "address_label": best["label"],
                "address": best["address"],
                "lat": best["lat"],
                "lon": best["lon"],
                "registration": p.registration(),
                "addresses": addresses,
                "flags": _flags(p, addresses, centre.day),
            }
        )
    out.sort(key=lambda x: (x["distance_mi"], x["address_label"] != "registered", x["refs"][0]))
    return out


def _address(a: Residence, centre: Centre, radius: float) -> dict:  # type: ignore[type-arg]
    distance = haversine_miles(centre.lat, centre.lon, a.lat, a.lon) if a.located else None
    return {
        "ref": a.ref,
        "label": a.label,
        "source": a.source,
        "address": a.address,
        "lat": a.lat if a.located else None,
        "lon": a.lon if a.located else None,
        "geo_precision": a.geo_precision,
        "valid_from": a.valid_from.isoformat() if a.valid_from else None,
        "valid_to": a.valid_to.isoformat() if a.valid_to else None,
        "distance_mi": round(distance, 2) if distance is not None else None,
        "within_radius": distance is not None and distance <= radius,
    }


def _same_place(a: dict, b: dict) -> bool:  # type: ignore[type-arg]
    """Sources write one address differently ("APT 28", "# 28"): the same point counts as the same."""
    if a["address"] == b["address"]:
        return True
    if None in (a["lat"], b["lat"]):
        return False
    return haversine_miles(a["lat"], a["lon"], b["lat"], b["lon"]) < 0.05


def _flags(p: Profile, addresses: list[dict], day: date) -> list[str]:  # type: ignore[type-arg]
    """What an analyst should look at twice: registry and vendors disagree, he is dead or jailed."""
    flags = []
    registered = [a for a in addresses if a["label"] == "registered"]
    last_known = [a for a in addresses if a["label"] == "last_known"]
    if registered and not any(a["within_radius"] for a in registered):
        flags.append("registered_address_outside_radius")
    if registered and last_known and not any(_same_place(a, b) for a in registered for b in last_known):
        flags.append("last_known_differs_from_registered")
    if p.deceased_on is not None and p.deceased_on <= day:
        flags.append("deceased")
    if any(r["status"] == "incarcerated" for r in p.registrations):
        flags.append("incarcerated")
    return flags


def _events(
    conn,  # type: ignore[no-untyped-def]
    centre: Centre,
    radius: float,
    days: float,
    box: tuple[float, ...],
    kinds: tuple[str, ...] = (),
    incidents: bool = False,
) -> list[dict]:
    ev, sr = t.event, t.source_record
    lat_lo, lat_hi, lon_lo, lon_hi = box
    lo = centre.at - timedelta(days=days)
    hi = centre.at + timedelta(days=days)
    stmt = (
        select(sr.c.ref, sr.c.id, ev.c.kind, ev.c.at, ev.c.lat, ev.c.lon, ev.c.person_ref)
        .join(sr, sr.c.id == ev.c.record_id)
        .where(
            ev.c.at.between(lo, hi),
            ev.c.lat.between(lat_lo, lat_hi),
            ev.c.lon.between(lon_lo, lon_hi),
            sr.c.is_current.is_(True),
            sr.c.ref != centre.ref,
        )
    )
    stmt = stmt.where(ev.c.kind.like("incident:%")) if incidents else stmt.where(ev.c.kind.in_(kinds))
    out = []
    for r in conn.execute(stmt):
        distance = haversine_miles(centre.lat, centre.lon, r.lat, r.lon)
        if distance > radius:
            continue
        at = aware(r.at)
        gap = (at - centre.at).total_seconds() / 86400
        out.append(
            {
                "ref": r.ref,
                "distance_mi": round(distance, 2),
                "days_apart": round(abs(gap), 1),
                "before_case": gap < 0,
                "kind": r.kind.removeprefix("incident:"),
                "at": at.isoformat(),
                "lat": r.lat,
                "lon": r.lon,
                **({"person_ref": r.person_ref} if r.person_ref else {}),
                "_record_id": r.id,
            }
        )
    out.sort(key=lambda x: (x["distance_mi"] + x["days_apart"] / max(days, 1.0) * radius, x["ref"]))
    return out


def _lpr_details(conn, hits: list[dict]) -> None:  # type: ignore[no-untyped-def]
    """Which plate each hit read and which person records carry that plate."""
    ident, sr = t.identifier, t.source_record
    for hit in hits:
        record_id = hit.pop("_record_id")
        plate = conn.execute(
            select(ident.c.value).where(ident.c.record_id == record_id, ident.c.kind == "plate")
        ).scalar()
        if plate is None:
            raw = conn.execute(select(sr.c.raw).where(sr.c.id == record_id)).scalar()
            plate = _raw_plate(raw)
        hit["plate"] = plate
        owners = []
        if plate:
            owners = list(
                conn.execute(
                    select(sr.c.ref)
                    .join(ident, ident.c.record_id == sr.c.id)
                    .where(
                        ident.c.kind == "plate",
                        ident.c.value == plate,
                        sr.c.type == "person",
                        sr.c.is_current.is_(True),
                    )
                    .order_by(sr.c.ref)
                    .limit(20)
                ).scalars()
            )
        hit["plate_on_records"] = owners


def _raw_plate(raw: str | None) -> str | None:
    import orjson

    if not raw:
        return None
    vehicle = orjson.loads(raw).get("vehicle") or {}
    return plate_or_none(vehicle.get("plate")) if isinstance(vehicle, dict) else None


def _mentions(conn, centre: Centre, leads: list[dict], radius: float, days: float) -> None:  # type: ignore[no-untyped-def]
    """Leads that name the case number, wherever they were seen (added once, flagged)."""
    for lead in leads:
        lead.pop("_record_id", None)
    if not centre.case_number:
        return
    ident, sr, ev = t.identifier, t.source_record, t.event
    have = {x["ref"] for x in leads}
    rows = conn.execute(
        select(sr.c.ref, ev.c.at, ev.c.lat, ev.c.lon)
        .join(ident, ident.c.record_id == sr.c.id)
        .outerjoin(ev, and_(ev.c.record_id == sr.c.id, ev.c.kind == "sighting"))
        .where(
            ident.c.kind == "case_number",
            ident.c.value == centre.case_number,
            sr.c.type == "lead",
            sr.c.is_current.is_(True),
        )
        .order_by(sr.c.ref)
    ).all()
    for ref, at, lat, lon in rows:
        if ref in have:
            next(x for x in leads if x["ref"] == ref)["mentions_case"] = True
            continue
        distance = haversine_miles(centre.lat, centre.lon, lat, lon) if lat is not None else None
        gap = (aware(at) - centre.at).total_seconds() / 86400 if at else None
        leads.append(
            {
                "ref": ref,
                "distance_mi": round(distance, 2) if distance is not None else None,
                "days_apart": round(abs(gap), 1) if gap is not None else None,
                "before_case": gap < 0 if gap is not None else None,
                "kind": "sighting",
                "at": aware(at).isoformat() if at else None,
                "lat": lat,
                "lon": lon,
                "mentions_case": True,
                # Listed only because it names the case: say which bound it is outside of.
                "outside_radius": distance is None or distance > radius,
                "outside_window": gap is None or abs(gap) > days,
            }
        )
