"""`vigil report PERSON`: the comprehensive offender report as one plain-data document.

What an officer reads before knocking on a door: identity with every source, the registration, a
compliance assessment (`vigil.analyze.compliance`), the most recent facts, a timeline of residences,
employment and sightings, the links other analyses find, and every source record grouped by source.
Every item names the records it rests on (`ref`, `refs`) so renderers can footnote each line.

The document carries the formats.md keys (person_id, refs, names, dob, current_address, compliance,
timeline, links) whatever sections are chosen; the sections only decide what is rendered and whether
the link analysis (the one costly part) runs. Nothing here draws or formats: `vigil.present` does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select

from vigil import audit
from vigil.analyze import compliance as cp
from vigil.analyze.facts import person_facts, reliability
from vigil.analyze.records import UnknownReference
from vigil.config import Actor
from vigil.normalize.geocode import haversine_miles
from vigil.normalize.ssn import mask_ssn
from vigil.resolve.membership import Member, resolve_subject, split_member
from vigil.store import tables as t
from vigil.store.temp import select_in

SECTIONS = ("identity", "registry", "compliance", "facts", "timeline", "map", "links", "records")
EVENT_KINDS = ("lpr_hit", "le_inquiry", "booking", "traffic_stop", "travel", "employment_check", "other")
RESIDENCE_KINDS = (None, "residence", "temporary", "transient")
NEAR_MILES = 5.0  # incidents / missing-child cases this close to a residence while he lived there
NEAR_DAYS = 3  # ... or this close in time to one of his located sightings
LINK_LIMIT = 100


class ReportError(LookupError):
    pass


def parse_sections(text: str | Iterable[str] | None) -> list[str]:
    """ "identity,timeline" -> the sections in canonical order; None or "all" -> every section."""
    if text is None:
        return list(SECTIONS)
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {s.strip().lower() for s in items if s.strip()}
    if not wanted or "all" in wanted:
        return list(SECTIONS)
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise ValueError(
            f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}"
        )
    return [s for s in SECTIONS if s in wanted]


def member_ref(ref: str, party: int) -> str:
    return ref if not party else f"{ref}#{party}"


# --- loading ----------------------------------------------------------------------------------------


@dataclass
class _Rows:
    """The current records of one person and the derived rows that are his."""

    records: dict[int, Any] = field(default_factory=dict)  # row id -> source_record row (with raw)
    by_ref: dict[str, int] = field(default_factory=dict)
    party_of: dict[int, int] = field(default_factory=dict)  # row id -> his party in it
    raw: dict[int, dict[str, Any]] = field(default_factory=dict)
    parties: list[Any] = field(default_factory=list)
    names: list[Any] = field(default_factory=list)
    identifiers: list[Any] = field(default_factory=list)
    addresses: list[Any] = field(default_factory=list)
    all_addresses: dict[tuple[int, int], Any] = field(default_factory=dict)  # (record, idx) -> row
    employment: list[Any] = field(default_factory=list)
    vehicles: list[Any] = field(default_factory=list)
    marks: list[Any] = field(default_factory=list)
    registrations: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)  # event rows of his records and about his records
    event_records: dict[int, Any] = field(default_factory=dict)  # event row's record (may not be a member)
    event_via: dict[int, str] = field(default_factory=dict)  # event record id -> how it is his

    def ref(self, record_id: int) -> str:
        return (self.records.get(record_id) or self.event_records[record_id]).ref


def _load(conn: Connection, members: Sequence[Member]) -> _Rows:
    rows = _Rows()
    sr = t.source_record
    wanted = {(m.ref, m.party) for m in members}
    base = select(sr.c.id, sr.c.ref, sr.c.source, sr.c.type, sr.c.as_of, sr.c.raw, sr.c.version).where(
        sr.c.is_current.is_(True)
    )
    for r in select_in(conn, base, sr.c.ref, sorted({m.ref for m in members}), "str"):
        rows.records[r.id] = r
        rows.by_ref[r.ref] = r.id
    for m in members:
        if m.ref in rows.by_ref:
            rows.party_of.setdefault(rows.by_ref[m.ref], m.party)
    ids = sorted(rows.records)

    def ours(row: Any) -> bool:
        party = row.party if row.party is not None else 0
        return (rows.records[row.record_id].ref, party) in wanted

    targets: list[tuple[Any, list[Any]]] = [
        (t.party, rows.parties),
        (t.name, rows.names),
        (t.identifier, rows.identifiers),
        (t.employment, rows.employment),
        (t.vehicle, rows.vehicles),
        (t.mark, rows.marks),
        (t.registration, rows.registrations),
    ]
    for table, target in targets:
        target.extend(r for r in select_in(conn, select(table), table.c.record_id, ids, "int") if ours(r))
    for r in select_in(conn, select(t.address), t.address.c.record_id, ids, "int"):
        rows.all_addresses[(r.record_id, r.idx)] = r
        if ours(r) or (r.party is None and rows.records[r.record_id].type == "event"):
            rows.addresses.append(r)
    for rid, rec in rows.records.items():
        rows.raw[rid] = orjson.loads(rec.raw)
    _load_events(conn, rows)
    return rows


def _load_events(conn: Connection, rows: _Rows) -> None:
    """His sightings: event records that are his, name one of his records, or read one of his plates."""
    ev, sr, ident = t.event, t.source_record, t.identifier
    own = [rid for rid, r in rows.records.items() if r.type == "event"]
    for rid in own:
        rows.event_via[rid] = "resolved to him"
    refs = sorted(rows.by_ref)
    named = select(ev.c.record_id, ev.c.person_ref).where(ev.c.person_ref.in_(refs)) if refs else None
    if named is not None:
        for rid, person_ref in conn.execute(named):
            rows.event_via.setdefault(rid, f"names {person_ref}")
    plates = sorted({i.value for i in rows.identifiers if i.kind == "plate" and i.detail != "partial"})
    if plates:
        stmt = (
            select(ident.c.record_id, ident.c.value)
            .join(sr, sr.c.id == ident.c.record_id)
            .where(ident.c.kind == "plate", ident.c.value.in_(plates), sr.c.type == "event")
            .where(sr.c.is_current.is_(True))
        )
        for rid, plate in conn.execute(stmt):
            rows.event_via.setdefault(rid, f"read his plate {plate}")
    ids = sorted(rows.event_via)
    if not ids:
        return
    base = select(sr.c.id, sr.c.ref, sr.c.source, sr.c.type, sr.c.as_of, sr.c.raw, sr.c.version).where(
        sr.c.is_current.is_(True)
    )
    for r in select_in(conn, base, sr.c.id, ids, "int"):
        rows.event_records[r.id] = r
        rows.raw.setdefault(r.id, orjson.loads(r.raw))
    for r in select_in(conn, select(ev), ev.c.record_id, sorted(rows.event_records), "int"):
        rows.events.append(r)
    extra = [rid for rid in rows.event_records if rid not in rows.records]
    for r in select_in(conn, select(t.address), t.address.c.record_id, extra, "int"):
        rows.all_addresses[(r.record_id, r.idx)] = r


# --- small helpers ----------------------------------------------------------------------------------


def _pd(value: date | None, precision: str | None) -> cp.PartialDate | None:
    return cp.partial(value, precision)


def _iso(value: cp.PartialDate | date | None) -> str | None:
    if value is None:
        return None
    return value.iso if isinstance(value, cp.PartialDate) else value.isoformat()


def _place(row: Any) -> cp.Place:
    return cp.Place(
        line1=row.line1 or "",
        city=row.city or "",
        state=row.state or "",
        zip5=row.zip5 or "",
        line2=row.line2 or "",
        lat=row.lat,
        lon=row.lon,
    )


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _refs(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _reg_source(source: str) -> bool:
    return source.startswith("registry:")


# --- sections ---------------------------------------------------------------------------------------


def _identity(rows: _Rows, show_ssn: bool) -> dict[str, Any]:
    ref = rows.ref
    names: dict[str, dict[str, Any]] = {}
    for n in rows.names:
        entry = names.setdefault(
            n.full.upper(),
            {
                "full": n.full,
                "first": n.first,
                "middle": n.middle,
                "last": n.last,
                "suffix": n.suffix,
                "kinds": [],
                "refs": [],
            },
        )
        if n.kind not in entry["kinds"]:
            entry["kinds"].append(n.kind)
        entry["refs"].append(ref(n.record_id))
    name_list = sorted(
        names.values(), key=lambda e: ("primary" not in e["kinds"], -len(set(e["refs"])), e["full"])
    )
    for e in name_list:
        e["refs"] = _refs(e["refs"])
        e["kind"] = e["kinds"][0]
    dobs: dict[str, list[str]] = defaultdict(list)
    for p in rows.parties:
        if p.dob:
            dobs[_iso(_pd(p.dob, p.dob_precision)) or ""].append(ref(p.record_id))
    description: dict[str, list[dict[str, Any]]] = {}
    for column in ("sex", "race", "height_in", "weight_lb", "eye_color", "hair_color"):
        values: dict[Any, list[str]] = defaultdict(list)
        for p in rows.parties:
            value = getattr(p, column)
            if value not in (None, ""):
                values[value].append(ref(p.record_id))
        if values:
            description[column] = [
                {"value": v, "refs": _refs(r)} for v, r in sorted(values.items(), key=lambda kv: -len(kv[1]))
            ]
    by_kind: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for i in rows.identifiers:
        if i.kind in ("dob",):
            continue
        entry = by_kind[i.kind].setdefault(
            i.value, {"value": i.value, "detail": i.detail, "first_seen": None, "last_seen": None, "refs": []}
        )
        entry["refs"].append(ref(i.record_id))
        if i.first_seen and (entry["first_seen"] is None or i.first_seen.isoformat() < entry["first_seen"]):
            entry["first_seen"] = i.first_seen.isoformat()
        if i.last_seen and (entry["last_seen"] is None or i.last_seen.isoformat() > entry["last_seen"]):
            entry["last_seen"] = i.last_seen.isoformat()
    identifiers: dict[str, list[dict[str, Any]]] = {}
    for kind, values in by_kind.items():
        items = sorted(values.values(), key=lambda e: (-len(set(e["refs"])), e["value"]))
        for e in items:
            e["refs"] = _refs(e["refs"])
            if kind == "ssn":
                e["not_issued"] = e["detail"] == "not_issued"
                if not show_ssn:
                    e["value"] = mask_ssn(e["value"])
        identifiers[kind] = items
    vehicles: dict[str, dict[str, Any]] = {}
    for v in rows.vehicles:
        key = v.vin or v.plate or f"{v.make} {v.model} {v.color}"
        entry = vehicles.setdefault(key, {"plate": v.plate, "refs": []})
        for column in ("plate", "plate_state", "make", "model", "year", "color", "body", "vin"):
            if entry.get(column) in (None, "") and getattr(v, column) not in (None, ""):
                entry[column] = getattr(v, column)
        entry["refs"].append(ref(v.record_id))
    marks: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for mk in rows.marks:
        marks[(mk.kind, mk.location or "", mk.description or "")].append(ref(mk.record_id))
    deceased = [
        {"ref": ref(p.record_id), "date": p.deceased_date.isoformat() if p.deceased_date else None}
        for p in rows.parties
        if p.deceased
    ]
    return {
        "names": name_list,
        "dobs": [
            {"value": v, "refs": _refs(r)}
            for v, r in sorted(dobs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "description": description,
        "ssns": identifiers.pop("ssn", []),
        "phones": identifiers.pop("phone", []),
        "emails": identifiers.pop("email", []),
        "screen_names": identifiers.pop("screen_name", []),
        "photo_hashes": identifiers.pop("photo_hash", []),
        "registrant_ids": identifiers.pop("registrant_id", []),
        "other_identifiers": [{"kind": k, **e} for k, items in sorted(identifiers.items()) for e in items],
        "vehicles": [{**v, "refs": _refs(v["refs"])} for v in vehicles.values()],
        "marks": [
            {"kind": k, "location": loc, "description": d, "refs": _refs(r)}
            for (k, loc, d), r in marks.items()
        ],
        "deceased": deceased,
    }


def _registrations(rows: _Rows) -> list[dict[str, Any]]:
    out = []
    for r in rows.registrations:
        rec = rows.records[r.record_id]
        raw_reg = rows.raw[r.record_id].get("registration") or {}
        address = rows.all_addresses.get((r.record_id, r.address_idx)) if r.address_idx is not None else None
        employers = [e.employer for e in rows.employment if e.record_id == r.record_id]
        out.append(
            {
                "ref": rec.ref,
                "source": rec.source,
                "registry": _reg_source(rec.source),
                "as_of": rec.as_of.isoformat() if rec.as_of else None,
                "registrant_id": r.registrant_id,
                "state": r.state,
                "tier": r.tier,
                "status": r.status,
                "registered_on": raw_reg.get("registered_on") or _iso(r.registered_on),
                "last_verified": raw_reg.get("last_verified") or _iso(r.last_verified),
                "next_due": raw_reg.get("next_due") or _iso(r.next_due),
                "offense": r.offense,
                "address": address.std_line if address else None,
                "address_since": _iso(_pd(address.valid_from, address.valid_from_precision))
                if address
                else None,
                "lat": address.lat if address else None,
                "lon": address.lon if address else None,
                "employers": employers,
            }
        )
    # Registry records first: an NCIC entry's "registration" only echoes what a registry said.
    out.sort(key=lambda r: (not r["registry"], r["status"] in ("moved_out", "deceased"), r["state"]))
    return out


def _parse_pd(text: str | None) -> cp.PartialDate | None:
    if not text:
        return None
    from vigil.normalize.dates import parse_date

    try:
        return parse_date(text)
    except ValueError:
        return None


# --- timeline ---------------------------------------------------------------------------------------


@dataclass
class _Stay:
    place: cp.Place
    line: str
    start: cp.PartialDate | None = None
    end: cp.PartialDate | None = None
    open: bool = False
    last_seen: date | None = None
    refs: list[str] = field(default_factory=list)
    registered: bool = False
    precision: str | None = None
    lines: set[str] = field(default_factory=set)
    seen_from: date | None = None  # earliest as_of of a source that names it without a start date


def _stays(rows: _Rows) -> list[_Stay]:
    """Residences merged by dwelling across sources: earliest start, latest end (open if any says so)."""
    stays: list[_Stay] = []
    for a in rows.addresses:
        if a.context not in ("record", "registration") or a.kind not in RESIDENCE_KINDS:
            continue
        rec = rows.records[a.record_id]
        place = _place(a)
        stay = next(
            (s for s in stays if s.place.same_as(place) and place.has_street == s.place.has_street), None
        )
        if stay is None:
            stay = _Stay(place, a.std_line, precision=a.geo_precision)
            stays.append(stay)
        start = _pd(a.valid_from, a.valid_from_precision)
        end = _pd(a.valid_to, a.valid_to_precision)
        if start and (stay.start is None or start.lo < stay.start.lo):
            stay.start = start
        if start is None and rec.as_of and (stay.seen_from is None or rec.as_of < stay.seen_from):
            stay.seen_from = rec.as_of
        if end is None:
            stay.open = True
        elif stay.end is None or end.hi > stay.end.hi:
            stay.end = end
        if rec.as_of and (stay.last_seen is None or rec.as_of > stay.last_seen):
            stay.last_seen = rec.as_of
        stay.refs.append(rec.ref)
        stay.lines.add(a.std_line)
        stay.registered = stay.registered or a.context == "registration"
        if stay.place.lat is None and place.lat is not None:
            stay.place, stay.precision = place, a.geo_precision
    for s in stays:
        s.refs = _refs(s.refs)
    return stays


def _stay_item(s: _Stay) -> dict[str, Any]:
    sources = sorted({r.split("/", 1)[0] for r in s.refs})
    start = _iso(s.start)
    # A source that names the place without a start date still puts him there on its as_of date.
    if s.seen_from and (s.start is None or s.seen_from < s.start.lo):
        start = s.seen_from.isoformat()
    return {
        "kind": "residence",
        "from": start,
        "to": None if s.open else _iso(s.end),
        "label": s.line,
        "ref": _best_ref(s.refs),
        "refs": s.refs,
        "place": s.place.town,
        "lat": s.place.lat,
        "lon": s.place.lon,
        "geo_precision": s.precision,
        "registered": s.registered,
        "start_reported": _iso(s.start),
        "last_seen": s.last_seen.isoformat() if s.last_seen else None,
        "sources": sources,
    }


def _best_ref(refs: list[str]) -> str:
    return max(refs, key=lambda r: (cp_reliability(r), r)) if refs else ""


def cp_reliability(ref: str) -> int:
    return reliability(ref.split("/", 1)[0])


def _jobs_items(rows: _Rows) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for e in rows.employment:
        rec = rows.records[e.record_id]
        address = rows.all_addresses.get((e.record_id, e.address_idx)) if e.address_idx is not None else None
        start, end = _pd(e.valid_from, e.valid_from_precision), _pd(e.valid_to, e.valid_to_precision)
        group = next((g for g in groups if cp.same_employer(g["label"], e.employer)), None)
        if group is None:
            group = {
                "kind": "employment",
                "label": e.employer,
                "_start": start,
                "_end": end,
                "_open": end is None,
                "refs": [],
                "place": _place(address).town if address else None,
                "address": address.std_line if address else None,
                "lat": address.lat if address else None,
                "lon": address.lon if address else None,
                "last_seen": None,
            }
            groups.append(group)
        else:
            if start and (group["_start"] is None or start.lo < group["_start"].lo):
                group["_start"] = start
            if end is None:
                group["_open"] = True
            elif group["_end"] is None or end.hi > group["_end"].hi:
                group["_end"] = end
            if group["lat"] is None and address is not None and address.lat is not None:
                group.update(lat=address.lat, lon=address.lon, address=address.std_line)
        group["refs"].append(rec.ref)
        if rec.as_of and (group.get("last_seen") is None or rec.as_of.isoformat() > group["last_seen"]):
            group["last_seen"] = rec.as_of.isoformat()
    out = []
    for g in groups:
        start, end, is_open = g.pop("_start"), g.pop("_end"), g.pop("_open")
        g["refs"] = _refs(g["refs"])
        out.append(
            {
                "kind": "employment",
                "from": _iso(start),
                "to": None if is_open else _iso(end),
                "label": g["label"],
                "ref": _best_ref(g["refs"]),
                **{k: v for k, v in g.items() if k not in ("kind", "label")},
            }
        )
    return out


_EMPLOYER_IN_DETAILS = re.compile(r"employment verified at (.+)", re.IGNORECASE)


@dataclass
class _Sighting:
    item: dict[str, Any]
    day: date
    place: cp.Place
    agency: str | None
    employer: str | None


def _sightings(rows: _Rows) -> list[_Sighting]:
    out = []
    seen: set[int] = set()
    for ev in sorted(rows.events, key=lambda e: (_aware(e.at) or datetime.min.replace(tzinfo=UTC), e.id)):
        if ev.kind not in EVENT_KINDS or ev.record_id in seen or ev.at is None:
            continue
        seen.add(ev.record_id)
        rec = rows.event_records[ev.record_id]
        raw = rows.raw.get(ev.record_id, {})
        address = (
            rows.all_addresses.get((ev.record_id, ev.address_idx)) if ev.address_idx is not None else None
        )
        place = _place(address) if address else cp.Place()
        if ev.lat is not None:
            place = cp.Place(place.line1, place.city, place.state, place.zip5, place.line2, ev.lat, ev.lon)
        agency = raw.get("agency")
        agency_name = (agency.get("name") or agency.get("ori")) if isinstance(agency, dict) else agency
        details = str(raw.get("details") or "").strip()
        at_text = str(raw.get("at") or _aware(ev.at).isoformat())  # type: ignore[union-attr]
        vehicle = raw.get("vehicle") if isinstance(raw.get("vehicle"), dict) else None
        label = _event_label(ev.kind, details, place, agency_name, vehicle)
        employer = None
        m = _EMPLOYER_IN_DETAILS.search(details)
        if ev.kind == "employment_check" and m:
            employer = m.group(1).strip().rstrip(".")
        day = _local_day(at_text) or _aware(ev.at).date()  # type: ignore[union-attr]
        item = {
            "kind": ev.kind,
            "from": at_text,
            "to": None,
            "label": label,
            "ref": rec.ref,
            "refs": [rec.ref],
            "place": place.town if (place.city or place.state) else None,
            "lat": place.lat,
            "lon": place.lon,
            "agency": agency_name,
            "details": details or None,
            "via": rows.event_via.get(ev.record_id),
        }
        out.append(_Sighting(item, day, place, agency_name, employer))
    return out


def _local_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


_KIND_WORDS = {
    "lpr_hit": "LPR hit",
    "le_inquiry": "LE inquiry",
    "booking": "Booking",
    "traffic_stop": "Traffic stop",
    "travel": "Travel",
    "employment_check": "Employment check",
    "other": "Event",
}


def _event_label(
    kind: str, details: str, place: cp.Place, agency: str | None, vehicle: dict[str, Any] | None
) -> str:
    parts = [_KIND_WORDS.get(kind, kind)]
    if vehicle and vehicle.get("plate"):
        parts.append(f"plate {vehicle['plate']}")
    if place.city or place.state:
        parts.append(f"in {place.town}")
    text = " ".join(parts)
    if details:
        text += f": {details}"
    if agency:
        text += f" ({agency})"
    return text


def _registration_items(registrations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in registrations:
        tier = f" tier {r['tier']}" if r.get("tier") else ""
        for key, kind, label in (
            ("registered_on", "registration", f"Registered in {r['state']}{tier} ({r['status']})"),
            ("last_verified", "verification", f"Last verified by the {r['state']} registry"),
            ("next_due", "verification_due", f"Next verification due ({r['state']})"),
        ):
            if r.get(key):
                out.append(
                    {
                        "kind": kind,
                        "from": r[key],
                        "to": None,
                        "label": label,
                        "ref": r["ref"],
                        "refs": [r["ref"]],
                    }
                )
    return out


def sort_key(item: dict[str, Any]) -> tuple[str, str]:
    return (item.get("from") or "9999", item.get("kind") or "")


# --- compliance subject -----------------------------------------------------------------------------


def _subject(rows: _Rows, registrations: list[dict[str, Any]], sightings: list[_Sighting]) -> cp.Subject:
    subject = cp.Subject()
    governing = [r for r in registrations if r["registry"]] or registrations
    for r in governing:
        address = None
        if r["address"]:
            reg_row = next(x for x in rows.registrations if rows.records[x.record_id].ref == r["ref"])
            row = rows.all_addresses.get((reg_row.record_id, reg_row.address_idx))
            address = _place(row) if row is not None else None
        rid = rows.by_ref[r["ref"]]
        subject.registrations.append(
            cp.Registration(
                ref=r["ref"],
                state=r["state"],
                status=r["status"],
                tier=r["tier"],
                registered_on=_parse_pd(r["registered_on"]),
                last_verified=_parse_pd(r["last_verified"]),
                next_due=_parse_pd(r["next_due"]),
                address=address,
                address_since=_parse_pd(r["address_since"]),
                as_of=rows.records[rid].as_of,
                employers=tuple(r["employers"]),
            )
        )
    for a in rows.addresses:
        rec = rows.records[a.record_id]
        # Only person records say where he lives: a case or tip names a companion's address as the
        # reporter understood it, which is a lead for the timeline, not evidence of a move.
        if a.context != "record" or a.kind not in RESIDENCE_KINDS or rec.type != "person":
            continue
        subject.residences.append(
            cp.Residence(
                ref=rec.ref,
                place=_place(a),
                start=_pd(a.valid_from, a.valid_from_precision),
                end=_pd(a.valid_to, a.valid_to_precision),
                as_of=rec.as_of,
                registry=_reg_source(rec.source),
            )
        )
    for a in rows.addresses:
        rec = rows.records[a.record_id]
        if a.context == "record" and a.kind == "school" and rec.type == "person":
            subject.jobs.append(
                cp.Job(
                    ref=rec.ref,
                    employer=a.place_name or a.std_line,
                    place=_place(a),
                    start=_pd(a.valid_from, a.valid_from_precision),
                    end=_pd(a.valid_to, a.valid_to_precision),
                    as_of=rec.as_of,
                    registry=_reg_source(rec.source),
                    school=True,
                )
            )
    for e in rows.employment:
        rec = rows.records[e.record_id]
        address = rows.all_addresses.get((e.record_id, e.address_idx)) if e.address_idx is not None else None
        subject.jobs.append(
            cp.Job(
                ref=rec.ref,
                employer=e.employer,
                place=_place(address) if address else None,
                start=_pd(e.valid_from, e.valid_from_precision),
                end=_pd(e.valid_to, e.valid_to_precision),
                as_of=rec.as_of,
                registry=_reg_source(rec.source),
            )
        )
    for s in sightings:
        subject.sightings.append(cp.Sighting(s.item["ref"], s.item["kind"], s.day, s.place, s.agency))
        if s.employer:
            subject.jobs.append(
                cp.Job(
                    ref=s.item["ref"],
                    employer=s.employer,
                    place=s.place,
                    start=cp.PartialDate.from_date(s.day),
                    as_of=s.day,
                    checked=True,
                )
            )
    for p in rows.parties:
        if p.deceased:
            subject.deceased.append((rows.records[p.record_id].ref, p.deceased_date))
    return subject


# --- links ------------------------------------------------------------------------------------------

try:  # link analysis (issue 5) is optional here: without it, plain identifier co-occurrence
    from vigil.analyze import links as _links
except ImportError:  # pragma: no cover - the module ships with this package today
    _links = None  # type: ignore[assignment]

CHAIN_TYPES = frozenset({"tip", "missing_case", "lead", "incident", "unidentified"})


def _links_section(
    conn: Connection,
    rows: _Rows,
    members: Sequence[Member],
    stays: list[_Stay],
    sightings: list[_Sighting],
    as_of: date,
    limit: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mine = {(m.ref, m.party) for m in members}
    sighting_refs = {s.item["ref"] for s in sightings}
    if _links is not None:
        links, hubs = _identifier_links(conn, rows, mine, sighting_refs)
    else:  # pragma: no cover
        links, hubs = _plain_cooccurrence(conn, rows, mine, sighting_refs), []
    links += _address_links(conn, rows, mine, stays)
    near = _near_links(conn, stays, sightings, as_of)
    _weigh_descriptions(conn, rows, near)
    links += near
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for link in links:
        key = (link["kind"], link["ref"])
        if key not in best or link["score"] > best[key]["score"]:
            best[key] = link
    ordered = sorted(best.values(), key=lambda lk: (-lk["score"], lk["kind"], lk["ref"]))
    return ordered[:limit], hubs


def _identifier_links(
    conn: Connection, rows: _Rows, mine: set[tuple[str, int]], skip: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    assert _links is not None
    L = _links
    settings = L.LinkSettings.from_env()
    index = L.KeyIndex(conn, settings)
    held_by_record = L.identifiers_of(conn, rows.records)
    own: dict[Any, Any] = {}
    for rid, items in held_by_record.items():
        party = rows.party_of.get(rid, 0)
        # A case's or tip's own identifiers (party None: the family's phone, a narrative's handle) are not
        # his; a person or event record's are.
        loose = rows.records[rid].type in ("person", "event")
        for h in items:
            if h.party == party or (h.party is None and loose):
                own.setdefault(h.key, h)
    lookups = {lk: (key, factor) for key in own for lk, factor in L.lookup_keys(key)}
    infos = index.info(lookups)
    hubs = []
    found: dict[int, dict[str, Any]] = {}
    for lk, (key, factor) in lookups.items():
        info = infos.get(lk)
        if info is None:
            continue
        if info.hub:
            if factor == 1.0:
                hubs.append(
                    {"identifier": L.key_text(lk), "records": info.records, "subjects": info.subjects}
                )
            continue
        h = own[key]
        base = L.edge_weight(settings, h.kind, info.subjects, h.detail) * factor
        for holder in info.holders:
            if (holder.ref, holder.party or 0) in mine or holder.type in L.UNLINKED_TYPES:
                continue
            if holder.ref in skip:
                continue  # his own sighting (a plate read): on the timeline, not a link
            weight = base * (L.NARRATIVE_FACTOR if holder.detail == "narrative" else 1.0)
            entry = found.setdefault(holder.record_id, {"holder": holder, "vias": {}})
            via = L.key_text(key if factor == 1.0 else lk)
            entry["vias"][via] = max(weight, entry["vias"].get(via, 0.0))
    persons = L.persons_of(conn, {e["holder"].ref for e in found.values()})
    links = []
    direct: dict[int, tuple[Any, float]] = {}
    for rid, entry in found.items():
        holder, vias = entry["holder"], entry["vias"]
        ordered = sorted(vias.items(), key=lambda kv: (-kv[1], kv[0]))
        score = 1.0
        for _, w in ordered:
            score *= 1.0 - w
        score = 1.0 - score
        if score < settings.min_score:
            continue
        direct[rid] = (holder, score)
        person = persons.get((holder.ref, holder.party or 0))
        links.append(
            {
                "kind": "shared_identifier",
                "ref": member_ref(holder.ref, holder.party or 0),
                "via": ordered[0][0],
                "score": round(score, 4),
                "type": holder.type,
                "person_id": person,
                "shared": [v for v, _ in ordered],
            }
        )
    links += _chains(conn, index, direct, mine, settings)
    return links, hubs


def _chains(
    conn: Connection,
    index: Any,
    direct: dict[int, tuple[Any, float]],
    mine: set[tuple[str, int]],
    settings: Any,
) -> list[dict[str, Any]]:
    """Tips, cases, leads and incidents one record further: his phone is in tip A, tip A's e-mail in tip B."""
    assert _links is not None
    L = _links
    frontier = dict(sorted(direct.items(), key=lambda kv: -kv[1][1])[: settings.max_frontier // 10 or 1])
    if not frontier:
        return []
    held = L.identifiers_of(conn, frontier)
    edges, _ = L.record_edges(index, held)
    out: dict[str, dict[str, Any]] = {}
    direct_refs = {h.ref for h, _ in direct.values()}
    for rid, out_edges in edges.items():
        first, first_score = frontier[rid]
        for holder, weight, vias in out_edges.scored():
            if (
                holder.type not in CHAIN_TYPES
                or holder.ref in direct_refs
                or (holder.ref, holder.party or 0) in mine
            ):
                continue
            score = first_score * weight * settings.hop_decay
            if weight < settings.min_score or score < settings.min_chain:
                continue
            ref = member_ref(holder.ref, holder.party or 0)
            if ref in out and out[ref]["score"] >= score:
                continue
            out[ref] = {
                "kind": "chain",
                "ref": ref,
                "via": f"{first.ref} > {vias[0]}",
                "score": round(score, 4),
                "type": holder.type,
                "person_id": None,
                "shared": vias,
                "steps": [{"ref": first.ref}, {"ref": holder.ref, "via": vias[0]}],
            }
    return list(out.values())


def _plain_cooccurrence(
    conn: Connection, rows: _Rows, mine: set[tuple[str, int]], skip: set[str]
) -> list[dict[str, Any]]:  # pragma: no cover - only without vigil.analyze.links
    ident, sr = t.identifier, t.source_record
    keys = {(i.kind, i.value) for i in rows.identifiers if i.kind not in ("dob",)}
    out: dict[str, dict[str, Any]] = {}
    for kind, value in sorted(keys):
        stmt = (
            select(sr.c.ref, sr.c.type, ident.c.party)
            .join(sr, sr.c.id == ident.c.record_id)
            .where(ident.c.kind == kind, ident.c.value == value, sr.c.is_current.is_(True))
            .limit(50)
        )
        for ref, rtype, party in conn.execute(stmt):
            if (ref, party or 0) in mine or ref in skip:
                continue
            out.setdefault(
                ref,
                {
                    "kind": "shared_identifier",
                    "ref": ref,
                    "via": f"{kind}:{value}",
                    "score": 0.5,
                    "type": rtype,
                    "person_id": None,
                    "shared": [],
                },
            )["shared"].append(f"{kind}:{value}")
    return list(out.values())


ADDRESS_HUB = 15  # a dwelling that many other records name is a shelter, a jail or an apartment block


def _address_links(
    conn: Connection, rows: _Rows, mine: set[tuple[str, int]], stays: list[_Stay]
) -> list[dict[str, Any]]:
    """Other people's records naming one of his residences (street addresses only)."""
    ad, sr = t.address, t.source_record
    lines = sorted(
        {a.std_line for a in rows.addresses if a.context in ("record", "registration") and a.line1}
    )
    if not lines:
        return []
    stmt = (
        select(sr.c.ref, sr.c.type, ad.c.party, ad.c.std_line, ad.c.context)
        .join(sr, sr.c.id == ad.c.record_id)
        .where(ad.c.std_line.in_(lines), sr.c.is_current.is_(True))
    )
    by_line: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for ref, rtype, party, line, context in conn.execute(stmt):
        if (ref, party or 0) in mine or rtype in ("agency",) or context == "event":
            continue
        by_line[line].append((ref, rtype, party or 0))
    out = []
    for line, holders in by_line.items():
        if len({h[0] for h in holders}) >= ADDRESS_HUB:
            continue
        for ref, rtype, party in holders:
            out.append(
                {
                    "kind": "shared_address",
                    "ref": member_ref(ref, party),
                    "via": f"address:{line}",
                    "score": 0.5,
                    "type": rtype,
                    "person_id": None,
                    "shared": [f"address:{line}"],
                }
            )
    persons = {}
    if out and _links is not None:
        persons = _links.persons_of(conn, {split_member(lk["ref"])[0] for lk in out})
    for lk in out:
        lk["person_id"] = persons.get(split_member(lk["ref"]))
    return out


def _weigh_descriptions(conn: Connection, rows: _Rows, links: list[dict[str, Any]]) -> None:
    """An incident near him is a better lead when the witness's description fits him, a worse one when it
    does not: sex, race, age on the day, height, and the vehicle (plate pattern, colour, make)."""
    refs = sorted({lk["ref"] for lk in links if lk["type"] == "incident"})
    if not refs:
        return
    from vigil.analyze import descriptions as words

    inc, sr, veh = t.incident, t.source_record, t.vehicle
    found = {
        r.ref: r
        for r in conn.execute(
            select(sr.c.ref, sr.c.id, inc).join(inc, inc.c.record_id == sr.c.id).where(sr.c.ref.in_(refs))
        )
    }
    vehicles: dict[int, list[Any]] = defaultdict(list)
    for v in select_in(conn, select(veh), veh.c.record_id, sorted(r.id for r in found.values()), "int"):
        vehicles[v.record_id].append(v)

    def common(column: str) -> Any:
        values = [getattr(p, column) for p in rows.parties if getattr(p, column) not in (None, "")]
        return max(set(values), key=values.count) if values else None

    sex, race, height = common("sex"), words.race(common("race")), common("height_in")
    dob = next((p.dob for p in rows.parties if p.dob and p.dob_precision == "day"), None)
    his = [v for v in rows.vehicles if v.plate or v.make or v.color]
    for lk in links:
        r = found.get(lk["ref"])
        if r is None:
            continue
        agree, differ = [], []
        if r.offender_sex and sex:
            (agree if r.offender_sex == sex else differ).append(f"sex {r.offender_sex}")
        if r.offender_race and race and words.race(r.offender_race):
            (agree if words.race(r.offender_race) == race else differ).append(f"race {r.offender_race}")
        if dob and r.at and (r.offender_age_min or r.offender_age_max):
            age = (_aware(r.at).date() - dob).days / 365.25  # type: ignore[union-attr]
            lo, hi = (r.offender_age_min or 0) - 3, (r.offender_age_max or 120) + 3
            (agree if lo <= age <= hi else differ).append(f"age {r.offender_age_min}-{r.offender_age_max}")
        if height and (r.offender_height_min_in or r.offender_height_max_in):
            lo, hi = (r.offender_height_min_in or 0) - 2, (r.offender_height_max_in or 100) + 2
            (agree if lo <= height <= hi else differ).append("height")
        for seen in vehicles.get(r.id, []):
            for mine in his:
                if (
                    seen.plate_like
                    and mine.plate
                    and re.fullmatch(seen.plate_like.replace("_", ".").replace("%", ".*"), mine.plate)
                ):
                    agree.append(f"plate {seen.plate or seen.plate_like} fits his {mine.plate}")
                elif (
                    seen.color
                    and mine.color
                    and words.color(seen.color) & words.color(mine.color)
                    and (not seen.make or not mine.make or words.make(seen.make) == words.make(mine.make))
                ):
                    agree.append(f"{(seen.color or '').lower()} {(seen.make or 'vehicle').lower()} like his")
        factor = (1 + 0.2 * len(agree)) * (0.3 ** len(differ))
        lk["score"] = round(min(1.0, lk["score"] * factor), 4)
        if agree:
            lk["via"] += "; description fits: " + ", ".join(dict.fromkeys(agree))
        if differ:
            lk["via"] += "; description differs: " + ", ".join(differ)
        lk["description_agrees"], lk["description_differs"] = agree, differ


def _near_links(
    conn: Connection, stays: list[_Stay], sightings: list[_Sighting], as_of: date
) -> list[dict[str, Any]]:
    """Incidents and missing-child cases near his residences while he lived there, or near his sightings."""
    out: list[dict[str, Any]] = []
    located = [s for s in stays if s.place.lat is not None and s.place.has_street]
    if located:
        incidents = _located_incidents(conn, located)
        for ref, kind, at, lat, lon in incidents:
            day = at.date()
            for s in located:
                start = s.start.lo if s.start else None
                end = s.end.hi if (s.end and not s.open) else as_of
                if (start and day < start) or day > end:
                    continue
                miles = haversine_miles(s.place.lat, s.place.lon, lat, lon)  # type: ignore[arg-type]
                if miles > NEAR_MILES:
                    continue
                what = "missing_case" if kind == "missing" else "incident"
                out.append(
                    {
                        "kind": f"{what}_near_residence",
                        "ref": ref,
                        "via": f"within {miles:.1f} mi of {s.line} while he lived there ({day})",
                        "score": round(0.5 * (1 - miles / NEAR_MILES) + 0.1, 4),
                        "type": what,
                        "person_id": None,
                        "distance_mi": round(miles, 2),
                        "residence_refs": s.refs,
                        "geo_precision": s.precision,
                        "at": at.isoformat(),
                        "lat": lat,
                        "lon": lon,
                    }
                )
    for ref, kind, s, miles, days, at, lat, lon in _near_sightings(conn, sightings):
        what = "missing_case" if kind == "missing" else "incident"
        out.append(
            {
                "kind": f"{what}_near_sighting",
                "ref": ref,
                "via": f"within {miles:.1f} mi and {days:.0f} days of {s.item['ref']} ({s.item['kind']})",
                "score": round(0.7 * (1 - miles / NEAR_MILES) * (1 - days / (NEAR_DAYS + 1)) + 0.2, 4),
                "type": what,
                "person_id": None,
                "distance_mi": round(miles, 2),
                "days_apart": round(days, 1),
                "sighting_ref": s.item["ref"],
                "at": at.isoformat() if at else None,
                "lat": lat,
                "lon": lon,
            }
        )
    return out


def _box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    import math

    dlat = miles / 69.0
    dlon = miles / max(1.0, 69.172 * math.cos(math.radians(lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _located_incidents(conn: Connection, stays: list[_Stay]) -> list[tuple[str, str, datetime, float, float]]:
    """Incidents and missing-child events inside the boxes around his residences (indexed by time)."""
    from sqlalchemy import and_, or_

    inc, ev, sr, mc = t.incident, t.event, t.source_record, t.missing_case
    boxes = [_box(s.place.lat, s.place.lon, NEAR_MILES) for s in stays]  # type: ignore[arg-type]
    out = []
    inc_cond = or_(*(and_(inc.c.lat.between(a, b), inc.c.lon.between(c, d)) for a, b, c, d in boxes))
    for ref, kind, at, lat, lon in conn.execute(
        select(sr.c.ref, inc.c.kind, inc.c.at, inc.c.lat, inc.c.lon)
        .join(sr, sr.c.id == inc.c.record_id)
        .where(inc_cond, inc.c.at.is_not(None), sr.c.is_current.is_(True))
    ):
        out.append((ref, kind, _aware(at), lat, lon))
    ev_cond = or_(*(and_(ev.c.lat.between(a, b), ev.c.lon.between(c, d)) for a, b, c, d in boxes))
    for ref, at, lat, lon in conn.execute(
        select(sr.c.ref, ev.c.at, ev.c.lat, ev.c.lon)
        .select_from(mc.join(ev, ev.c.record_id == mc.c.record_id).join(sr, sr.c.id == mc.c.record_id))
        .where(ev.c.kind == "missing", ev_cond, ev.c.at.is_not(None), sr.c.is_current.is_(True))
    ):
        out.append((ref, "missing", _aware(at), lat, lon))
    return out  # type: ignore[return-value]


def _near_sightings(conn: Connection, sightings: list[_Sighting]) -> list[tuple[Any, ...]]:
    from datetime import timedelta

    inc, ev, sr = t.incident, t.event, t.source_record
    out = []
    for s in sightings:
        if s.place.lat is None or s.item["kind"] not in ("lpr_hit", "traffic_stop", "le_inquiry", "booking"):
            continue
        at = datetime.fromisoformat(s.item["from"]) if "T" in s.item["from"] else None
        if at is None:
            continue
        at = _aware(at).astimezone(UTC)  # type: ignore[union-attr]
        lo, hi = at - timedelta(days=NEAR_DAYS), at + timedelta(days=NEAR_DAYS)
        # stored naive-UTC on SQLite, aware on PostgreSQL: compare in the backend's own terms
        lo_b, hi_b = (
            (lo.replace(tzinfo=None), hi.replace(tzinfo=None)) if conn.dialect.name == "sqlite" else (lo, hi)
        )
        rows = list(
            conn.execute(
                select(sr.c.ref, inc.c.kind, inc.c.at, inc.c.lat, inc.c.lon)
                .join(sr, sr.c.id == inc.c.record_id)
                .where(inc.c.at.between(lo_b, hi_b), inc.c.lat.is_not(None), sr.c.is_current.is_(True))
            )
        )
        rows += [
            (ref, "missing", when, lat, lon)
            for ref, when, lat, lon in conn.execute(
                select(sr.c.ref, ev.c.at, ev.c.lat, ev.c.lon)
                .join(sr, sr.c.id == ev.c.record_id)
                .where(ev.c.kind == "missing", ev.c.at.between(lo_b, hi_b), ev.c.lat.is_not(None))
                .where(sr.c.is_current.is_(True))
            )
        ]
        for ref, kind, when, lat, lon in rows:
            miles = haversine_miles(s.place.lat, s.place.lon, lat, lon)  # type: ignore[arg-type]
            if miles > NEAR_MILES:
                continue
            days = abs((_aware(when) - at).total_seconds()) / 86400  # type: ignore[operator]
            out.append((ref, kind, s, miles, days, _aware(when), lat, lon))
    return out


# --- the document -----------------------------------------------------------------------------------


def _records_section(rows: _Rows, members: Sequence[Member]) -> dict[str, Any]:
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in members:
        rid = rows.by_ref.get(m.ref)
        if rid is None:
            by_source["(not current)"].append({"ref": member_ref(m.ref, m.party), "type": None})
            continue
        rec = rows.records[rid]
        by_source[rec.source].append(
            {
                "ref": member_ref(m.ref, m.party),
                "type": rec.type,
                "as_of": rec.as_of.isoformat() if rec.as_of else None,
                "version": rec.version,
                "party": m.party,
            }
        )
    sightings = [r for rid, r in rows.event_records.items() if rid not in rows.records]
    for rec in sightings:
        by_source[rec.source].append(
            {
                "ref": rec.ref,
                "type": rec.type,
                "as_of": rec.as_of.isoformat() if rec.as_of else None,
                "version": rec.version,
                "party": None,
                "via": rows.event_via.get(rec.id),
            }
        )
    return {
        "count": sum(len(v) for v in by_source.values()),
        "by_source": {k: sorted(v, key=lambda r: r["ref"]) for k, v in sorted(by_source.items())},
    }


def _facts_section(conn: Connection, members: Sequence[Member], show_ssn: bool) -> dict[str, Any]:
    facts = person_facts(conn, [(m.ref, m.party) for m in members])
    out: dict[str, Any] = {"sources": facts.sources, "conflicts": facts.conflicts, "deceased": facts.deceased}
    for key in ("name", "dob", "ssn", "address", "phone"):
        fact = getattr(facts, key)
        if fact is None:
            out[key] = None
            continue
        doc = fact.document()
        if key == "ssn":
            doc["not_issued"] = facts.ssn_not_issued
            if not show_ssn:
                doc["value"] = mask_ssn(doc["value"])
        out[key] = doc
    return out


def _current_address(stays: list[_Stay], facts: dict[str, Any]) -> dict[str, Any] | None:
    """The most recent residence (facts.py's choice), with its parts, location and every source naming it."""
    fact = facts.get("address")
    if not fact:
        return None
    stay = next((s for s in stays if fact["value"] in s.lines), None)
    out = {"line": fact["value"], "as_of": fact["as_of"], "ref": fact["ref"]}
    if stay is not None:
        p = stay.place
        out.update(
            line1=p.line1,
            line2=p.line2,
            city=p.city,
            state=p.state,
            zip=p.zip5,
            lat=p.lat,
            lon=p.lon,
            geo_precision=stay.precision,
            since=_iso(stay.start),
            refs=stay.refs,
            registered=stay.registered,
        )
    return out


def build_report(
    engine: Engine,
    actor: Actor,
    subject_text: str,
    *,
    sections: Iterable[str] | str | None = None,
    as_of: date | None = None,
    show_ssn: bool = False,
    link_limit: int = LINK_LIMIT,
    ensure: bool = True,
    audit_it: bool = True,
) -> dict[str, Any]:
    """The report on a person id or any record reference (audited "report", purpose required)."""
    if audit_it and not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for report (--purpose or VIGIL_PURPOSE)")
    if show_ssn and not actor.may_see_ssn:
        raise PermissionError(f"role {actor.role!r} may not unmask SSNs")
    chosen = parse_sections(sections)
    as_of = as_of or date.today()
    if ensure:
        from vigil.resolve.run import ensure_resolved

        ensure_resolved(engine, actor)
    person_id, members = resolve_subject(engine, subject_text.strip())
    with engine.connect() as conn:
        rows = _load(conn, members)
        if not rows.records:
            raise UnknownReference(f"no current record or person {subject_text!r}")
        identity = _identity(rows, show_ssn)
        registrations = _registrations(rows)
        stays = _stays(rows)
        jobs = _jobs_items(rows)
        sightings = _sightings(rows)
        assessment = cp.assess(_subject(rows, registrations, sightings), as_of)
        facts = _facts_section(conn, members, show_ssn)
        timeline = sorted(
            [_stay_item(s) for s in stays]
            + jobs
            + _registration_items(registrations)
            + [s.item for s in sightings],
            key=sort_key,
        )
        links, hubs = ([], [])
        if "links" in chosen:
            links, hubs = _links_section(conn, rows, members, stays, sightings, as_of, link_limit)
    refs = [member_ref(m.ref, m.party) for m in members]
    primary = next((n for n in identity["names"] if "primary" in n["kinds"]), None)
    document: dict[str, Any] = {
        "person_id": person_id,
        "subject": subject_text,
        "refs": refs,
        "name": (facts.get("name") or {}).get("value") or (primary or {}).get("full"),
        "names": identity["names"],
        "dob": (facts.get("dob") or {}).get("value")
        or (identity["dobs"][0]["value"] if identity["dobs"] else None),
        "current_address": _current_address(stays, facts),
        "compliance": assessment.document(),
        "timeline": timeline,
        "links": links,
        "link_hubs": hubs,
        "identity": identity,
        "registry": {"registrations": registrations},
        "facts": facts,
        "records": _records_section(rows, members),
        "sections": chosen,
        "as_of": as_of.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generated_by": actor.user,
        "purpose": actor.purpose,
        "ssn_masked": not show_ssn,
    }
    if audit_it:
        audit.write(
            engine,
            actor,
            "report",
            {"subject": subject_text, "person_id": person_id, "sections": chosen, "show_ssn": show_ssn},
            refs,
        )
        document["deconfliction"] = _touch(engine, actor, subject_text, person_id, refs)
    return document


def _touch(engine: Engine, actor: Actor, subject: str, person_id: str | None, refs: list[str]) -> list[Any]:
    """A report made for an agency is a deconfliction touch (issue 5), when that module is present."""
    try:
        from vigil.analyze.deconfliction import touch_records
    except ImportError:  # pragma: no cover
        return []
    return touch_records(
        engine,
        actor,
        "report",
        subject,
        refs=[r.split("#")[0] for r in refs],
        person_ids=[person_id] if person_id else [],
    )
