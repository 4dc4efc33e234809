"""Incidents (attempted abductions and related) as analysis rows: derived columns plus what a witness said.

Read from the derived `incident`, `vehicle`, `mark` and `address` tables; the raw record only adds
what is not derived (offender build and clothing, the local clock time of the incident).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import orjson
from sqlalchemy import Engine, and_, select

from vigil.analyze import descriptions as d
from vigil.analyze.spacetime import aware
from vigil.normalize.plates import normalize_plate
from vigil.store import tables as t


@dataclass(frozen=True, slots=True)
class SeenMark:
    kind: str
    location: str | None
    description: str | None

    @property
    def label(self) -> str:
        text = self.kind + (f" ({self.description})" if self.description else "")
        return text + (f" on {self.location}" if self.location else "")


@dataclass(slots=True)
class Incident:
    ref: str
    record_id: int
    kind: str
    at: datetime | None  # UTC
    local_hour: float | None  # clock time where it happened, 0-24
    lat: float | None
    lon: float | None
    state: str | None
    city: str | None
    agency_ori: str | None
    child_age: int | None
    child_sex: str | None
    activity: str | None
    lure: str | None
    sex: str | None
    race: str | None
    age_min: float | None
    age_max: float | None
    height_min: float | None
    height_max: float | None
    hair_text: str | None
    facial_hair: str | None
    build_text: str | None
    clothing: str | None
    plate: str | None = None
    plate_state: str | None = None
    make: str | None = None
    model: str | None = None
    color_text: str | None = None
    body: str | None = None
    marks: list[SeenMark] = field(default_factory=list)

    @property
    def hair(self) -> frozenset[str]:
        return d.hair(self.hair_text)

    @property
    def build(self) -> int | None:
        return d.build(self.build_text)

    @property
    def colors(self) -> frozenset[str]:
        return d.color(self.color_text)

    @property
    def has_vehicle(self) -> bool:
        return any((self.plate, self.make, self.model, self.color_text, self.body))

    def vehicle_label(self) -> str:
        parts = [self.color_text, self.make, self.model, self.body]
        text = " ".join(p.lower() if p and p.isupper() else p for p in parts if p)
        if self.plate:
            text += f" plate {self.plate}" + (f" ({self.plate_state})" if self.plate_state else "")
        return text.strip()

    def offender_label(self) -> str:
        bits = [self.sex or "", (self.race or "").lower()]
        if self.age_min is not None or self.age_max is not None:
            bits.append(f"{_n(self.age_min)}-{_n(self.age_max)} yrs")
        if self.height_min is not None or self.height_max is not None:
            bits.append(f"{_n(self.height_min)}-{_n(self.height_max)} in")
        if self.hair_text:
            bits.append(f"{self.hair_text.lower()} hair")
        if self.facial_hair and self.facial_hair.upper() != "NONE":
            bits.append(self.facial_hair.lower())
        if self.build_text:
            bits.append(self.build_text.lower())
        return ", ".join(b for b in bits if b)


def _n(x: float | None) -> str:
    return "?" if x is None else f"{x:g}"


def local_hour(raw_at: str | None, at: datetime | None) -> float | None:
    """Clock time at the place (the timestamp's own offset); UTC when the source gave none."""
    if raw_at and ("T" in raw_at or " " in raw_at.strip()):
        try:
            parsed = datetime.fromisoformat(raw_at.strip().replace("Z", "+00:00"))
            return parsed.hour + parsed.minute / 60.0
        except ValueError:
            pass
    if at is None:
        return None
    at = aware(at)
    return at.hour + at.minute / 60.0


def load_incidents(
    engine: Engine,
    start: date | None = None,
    end: date | None = None,
    region: str | None = None,
    kinds: list[str] | None = None,
    refs: list[str] | None = None,
) -> list[Incident]:
    """Current incidents, optionally within [start, end] (dates, inclusive), a state, kinds or refs."""
    inc, sr, addr = t.incident, t.source_record, t.address
    stmt = (
        select(
            inc,
            sr.c.ref,
            sr.c.raw,
            addr.c.state.label("addr_state"),
            addr.c.city.label("addr_city"),
        )
        .join(sr, sr.c.id == inc.c.record_id)
        .outerjoin(addr, and_(addr.c.record_id == inc.c.record_id, addr.c.context == "incident"))
        .where(sr.c.is_current.is_(True))
        .order_by(inc.c.at, sr.c.ref)
    )
    if start:
        stmt = stmt.where(inc.c.at >= datetime(start.year, start.month, start.day, tzinfo=UTC))
    if end:
        stmt = stmt.where(inc.c.at < datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1))
    if region:
        stmt = stmt.where(addr.c.state == region.strip().upper())
    if kinds:
        stmt = stmt.where(inc.c.kind.in_(kinds))
    if refs:
        stmt = stmt.where(sr.c.ref.in_(refs))
    out: list[Incident] = []
    by_record: dict[int, Incident] = {}
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            raw = orjson.loads(row.raw)
            offender = raw.get("offender") or {}
            at = aware(row.at) if row.at else None
            incident = Incident(
                ref=row.ref,
                record_id=row.record_id,
                kind=row.kind,
                at=at,
                local_hour=local_hour(raw.get("at"), at),
                lat=row.lat,
                lon=row.lon,
                state=row.addr_state or None,
                city=row.addr_city or None,
                agency_ori=row.agency_ori,
                child_age=row.child_age,
                child_sex=row.child_sex,
                activity=row.child_activity,
                lure=row.lure,
                sex=row.offender_sex if row.offender_sex in ("M", "F") else None,
                race=d.race(row.offender_race),
                age_min=_f(row.offender_age_min),
                age_max=_f(row.offender_age_max),
                height_min=row.offender_height_min_in,
                height_max=row.offender_height_max_in,
                hair_text=row.offender_hair,
                facial_hair=d.facial_hair(row.offender_facial_hair),
                build_text=_text(offender.get("build")),
                clothing=_text(offender.get("clothing")),
            )
            out.append(incident)
            by_record[row.record_id] = incident
        _attach_vehicles_and_marks(conn, by_record)
    return out


def _attach_vehicles_and_marks(conn, by_record: dict[int, Incident]) -> None:  # type: ignore[no-untyped-def]
    if not by_record:
        return
    veh, mk, inc = t.vehicle, t.mark, t.incident
    # Join on the incident table rather than an IN list: the same query serves 10 or 100,000 rows.
    vehicles = conn.execute(
        select(veh).join(inc, inc.c.record_id == veh.c.record_id).order_by(veh.c.id)
    ).all()
    for v in vehicles:
        incident = by_record.get(v.record_id)
        if incident is None or incident.has_vehicle:
            continue
        incident.plate = v.plate
        incident.plate_state = v.plate_state
        incident.make = d.make(v.make)
        incident.model = v.model
        incident.color_text = v.color
        incident.body = d.body(v.body)
    marks: dict[int, list[SeenMark]] = defaultdict(list)
    for m in conn.execute(select(mk).join(inc, inc.c.record_id == mk.c.record_id).order_by(mk.c.id)):
        if m.record_id in by_record:
            marks[m.record_id].append(SeenMark(m.kind, m.location, m.description))
    for record_id, seen in marks.items():
        by_record[record_id].marks = seen


def plate_or_none(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return normalize_plate(value).value
    except ValueError:
        return None


def _f(x: float | int | None) -> float | None:
    return None if x is None else float(x)


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
