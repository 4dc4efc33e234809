"""Unidentified children against missing-child cases: who could this be?

Each comparison adds weights (bits) for sex, age at the found date against the estimated age range,
race, height and weight (allowing for growth since the child went missing), marks and tattoos, the
dates (recorded dates can be wrong by days, so a small tolerance) and the distance from where the
child went missing to where the unidentified child was found. Hard contradictions (a different sex,
found long before the child went missing) exclude a case; everything else ranks, with reasons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, and_, select

from vigil import audit
from vigil.analyze import descriptions as d
from vigil.config import Actor
from vigil.normalize.geocode import haversine_miles
from vigil.store import tables as t

DATE_TOLERANCE_DAYS = 30
PRIOR_BITS = -8.0  # log2 prior odds that a given open case is the child (many cases per child)


class NotFound(LookupError):
    pass


@dataclass(slots=True)
class Mark:
    kind: str
    location: str | None
    description: str | None


@dataclass(slots=True)
class MissingChild:
    ref: str
    case_number: str
    status: str | None
    missing_since: date | None
    recovered_on: date | None
    sex: str | None
    race: str | None
    dob: date | None
    age: float | None
    height_in: float | None
    weight_lb: float | None
    lat: float | None
    lon: float | None
    marks: list[Mark] = field(default_factory=list)


@dataclass(slots=True)
class Unidentified:
    ref: str
    case_number: str
    found_on: date | None
    sex: str | None
    race: str | None
    age_min: float | None
    age_max: float | None
    height_min: float | None
    height_max: float | None
    weight_min: float | None
    weight_max: float | None
    lat: float | None
    lon: float | None
    marks: list[Mark] = field(default_factory=list)


@dataclass(slots=True)
class Candidate:
    ref: str
    score: float
    bits: float
    reasons: list[str]
    distance_mi: float | None

    def document(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "score": round(self.score, 4),
            "bits": round(self.bits, 2),
            "reasons": self.reasons,
            "distance_mi": round(self.distance_mi, 1) if self.distance_mi is not None else None,
        }


# ---- loading ----------------------------------------------------------------------------------------


def _marks_by_record(conn, record_ids: list[int] | None, party: int | None) -> dict[int, list[Mark]]:  # type: ignore[no-untyped-def]
    mk = t.mark
    stmt = select(mk.c.record_id, mk.c.kind, mk.c.location, mk.c.description)
    stmt = stmt.where(mk.c.party.is_(None)) if party is None else stmt.where(mk.c.party == party)
    if record_ids is not None:
        stmt = stmt.where(mk.c.record_id.in_(record_ids))
    out: dict[int, list[Mark]] = {}
    for record_id, kind, location, description in conn.execute(stmt):
        out.setdefault(record_id, []).append(Mark(kind, location, description))
    return out


def load_missing_children(engine: Engine, refs: list[str] | None = None) -> list[MissingChild]:
    mc, sr, pa, ad = t.missing_case, t.source_record, t.party, t.address
    stmt = (
        select(
            sr.c.ref,
            mc.c.record_id,
            mc.c.case_number,
            mc.c.status,
            mc.c.missing_since,
            mc.c.recovered_on,
            pa.c.sex,
            pa.c.race,
            pa.c.dob,
            pa.c.age,
            pa.c.height_in,
            pa.c.weight_lb,
            ad.c.lat,
            ad.c.lon,
        )
        .join(sr, sr.c.id == mc.c.record_id)
        .outerjoin(pa, and_(pa.c.record_id == mc.c.record_id, pa.c.party == 0))
        .outerjoin(ad, and_(ad.c.record_id == mc.c.record_id, ad.c.context == "missing_from"))
        .where(sr.c.is_current.is_(True))
        .order_by(sr.c.ref)
    )
    if refs is not None:
        stmt = stmt.where(sr.c.ref.in_(refs))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        marks = _marks_by_record(conn, [r.record_id for r in rows] if refs is not None else None, 0)
    return [
        MissingChild(
            ref=r.ref,
            case_number=r.case_number,
            status=r.status,
            missing_since=r.missing_since,
            recovered_on=r.recovered_on,
            sex=r.sex if r.sex in ("M", "F") else None,
            race=d.race(r.race),
            dob=r.dob,
            age=float(r.age) if r.age is not None else None,
            height_in=r.height_in,
            weight_lb=r.weight_lb,
            lat=r.lat,
            lon=r.lon,
            marks=marks.get(r.record_id, []),
        )
        for r in rows
    ]


def load_unidentified(engine: Engine, refs: list[str] | None = None) -> list[Unidentified]:
    un, sr, ad = t.unidentified, t.source_record, t.address
    stmt = (
        select(un, sr.c.ref, ad.c.lat, ad.c.lon)
        .join(sr, sr.c.id == un.c.record_id)
        .outerjoin(ad, and_(ad.c.record_id == un.c.record_id, ad.c.context == "found_at"))
        .where(sr.c.is_current.is_(True))
        .order_by(sr.c.ref)
    )
    if refs is not None:
        stmt = stmt.where(sr.c.ref.in_(refs))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        marks = _marks_by_record(conn, [r.record_id for r in rows] if refs is not None else None, None)
    return [
        Unidentified(
            ref=r.ref,
            case_number=r.case_number,
            found_on=r.found_on,
            sex=r.sex if r.sex in ("M", "F") else None,
            race=d.race(r.race),
            age_min=r.age_min,
            age_max=r.age_max,
            height_min=r.height_min_in,
            height_max=r.height_max_in,
            weight_min=r.weight_min_lb,
            weight_max=r.weight_max_lb,
            lat=r.lat,
            lon=r.lon,
            marks=marks.get(r.record_id, []),
        )
        for r in rows
    ]


def resolve_ref(engine: Engine, text: str, record_type: str) -> str:
    """A record reference, or a case number, of the given type -> its current reference."""
    sr, ident = t.source_record, t.identifier
    with engine.connect() as conn:
        ref = conn.execute(
            select(sr.c.ref).where(sr.c.ref == text, sr.c.is_current.is_(True), sr.c.type == record_type)
        ).scalar()
        if ref:
            return ref
        ref = conn.execute(
            select(sr.c.ref)
            .join(ident, ident.c.record_id == sr.c.id)
            .where(
                ident.c.kind == "case_number",
                ident.c.value == text.strip().upper(),
                sr.c.is_current.is_(True),
                sr.c.type == record_type,
            )
            .order_by(sr.c.ref)
        ).scalar()
    if not ref:
        raise NotFound(f"no {record_type} record or case number {text!r}")
    return ref


# ---- comparison -------------------------------------------------------------------------------------


def _years(a: date, b: date) -> float:
    return (b - a).days / 365.25


def _growth_per_year(age: float) -> float:
    """Inches a child grows in a year at this age, generously (wrong heights exclude true matches)."""
    if age < 12:
        return 2.6
    if age < 15:
        return 2.2
    return 1.0


def _mark_match(a: Mark, b: Mark) -> bool:
    if a.kind != b.kind or d.body_part(a.location) != d.body_part(b.location):
        return False
    sa, sb = d.side(a.location), d.side(b.location)
    return not (sa and sb and sa != sb)


def compare(u: Unidentified, c: MissingChild) -> tuple[float, list[str]] | None:
    """Weight of evidence (bits) that the unidentified child is the missing child, with reasons;
    None when a hard fact rules the case out."""
    reasons: list[tuple[float, str]] = []

    def add(w: float, text: str) -> None:
        reasons.append((w, f"{text} ({w:+.1f})"))

    if u.sex and c.sex:
        if u.sex != c.sex:
            return None
        add(1.0, f"sex {u.sex}")
    days_after = (u.found_on - c.missing_since).days if u.found_on and c.missing_since else None
    if days_after is not None:
        if days_after < -DATE_TOLERANCE_DAYS:
            return None
        if days_after < 0:
            add(-1.0, f"found {-days_after} days before reported missing (recorded dates may be wrong)")
        elif days_after <= 365:
            add(0.3, f"found {days_after} days after going missing")
        else:
            add(0.0, f"found {days_after / 365.25:.1f} years after going missing")
    if c.recovered_on and u.found_on and c.recovered_on <= u.found_on:
        add(-6.0, f"child recovered on {c.recovered_on.isoformat()}")
    elif c.status in ("recovered", "closed"):
        add(-3.0, f"case {c.status}")
    elapsed = max(0.0, days_after / 365.25) if days_after is not None else 0.0
    # Age at the found date.
    age_then = None
    if c.dob and u.found_on:
        age_then = _years(c.dob, u.found_on)
    elif c.age is not None:
        age_then = c.age + elapsed
    if age_then is not None and (u.age_min is not None or u.age_max is not None):
        lo = u.age_min if u.age_min is not None else 0.0
        hi = u.age_max if u.age_max is not None else 99.0
        gap = max(lo - 1 - age_then, age_then - hi - 1, 0.0)
        if gap == 0:
            # Inside the estimate; nearer its centre is likelier (anthropologists centre on their best guess).
            w = 2.5 - min(1.0, 0.3 * abs(age_then - (lo + hi) / 2))
            add(w, f"age at found date {age_then:.1f} within estimate {lo:g}-{hi:g}")
        else:
            add(-min(8.0, 1.5 * gap + 1), f"age at found date {age_then:.1f} outside estimate {lo:g}-{hi:g}")
    if u.race and c.race:
        if u.race == c.race:
            add(1.0, f"race {c.race.lower()}")
        else:
            add(-2.0, f"race {c.race.lower()} vs {u.race.lower()}")
    if c.height_in and (u.height_min is not None or u.height_max is not None):
        start_age = age_then - elapsed if age_then is not None else 12.0
        grown = c.height_in + _growth_per_year(start_age) * min(elapsed, 6.0)
        lo, hi = c.height_in - 1.5, grown + 1.5
        ulo = u.height_min if u.height_min is not None else u.height_max
        uhi = u.height_max if u.height_max is not None else u.height_min
        gap = max(ulo - hi, lo - uhi, 0.0)  # type: ignore[operator]
        if gap == 0:
            expected = (c.height_in + grown) / 2
            w = 1.5 - min(1.0, 0.25 * abs(expected - (ulo + uhi) / 2))  # type: ignore[operator]
            add(w, f"height {c.height_in:g} in when missing fits {ulo:g}-{uhi:g} in")
        else:
            add(-min(5.0, 0.8 * gap + 0.5), f"height {c.height_in:g} in when missing vs {ulo:g}-{uhi:g} in")
    if c.weight_lb and (u.weight_min is not None or u.weight_max is not None):
        lo = c.weight_lb * 0.8 - 5
        hi = c.weight_lb * (1 + 0.12 * min(elapsed, 6.0)) + 10 + 6 * min(elapsed, 6.0)
        wlo = u.weight_min if u.weight_min is not None else u.weight_max
        whi = u.weight_max if u.weight_max is not None else u.weight_min
        gap = max(wlo - hi, lo - whi, 0.0)  # type: ignore[operator]
        if gap == 0:
            expected = c.weight_lb * (1 + 0.05 * min(elapsed, 6.0))
            w = 1.0 - min(0.8, 0.03 * abs(expected - (wlo + whi) / 2))  # type: ignore[operator]
            add(w, f"weight {c.weight_lb:g} lb when missing fits {wlo:g}-{whi:g} lb")
        else:
            add(-min(3.0, 0.05 * gap + 0.5), f"weight {c.weight_lb:g} lb when missing vs {wlo:g}-{whi:g} lb")
    matched = [m for m in u.marks if any(_mark_match(m, n) for n in c.marks)]
    for m in matched[:2]:
        words = d.mark_words(m.description)
        strong = any(words & d.mark_words(n.description) for n in c.marks)
        add(
            4.0 if strong else 3.0,
            f"{m.kind} on {m.location or '?'}" + (f" ({m.description})" if strong and m.description else ""),
        )
    distance = None
    if None not in (u.lat, u.lon, c.lat, c.lon):
        distance = haversine_miles(u.lat, u.lon, c.lat, c.lon)  # type: ignore[arg-type]
        # Most children are found within a few hundred miles of home: one bit per tenfold distance.
        w = 2.0 - math.log10(max(distance, 5.0) / 5.0)
        add(w, f"found {distance:.0f} mi from where the child went missing")
    bits = sum(w for w, _ in reasons)
    return bits, [text for _, text in sorted(reasons, key=lambda r: -abs(r[0]))]


def _prob(bits: float) -> float:
    return 1.0 / (1.0 + 2.0 ** -(bits + PRIOR_BITS))


def rank_cases(u: Unidentified, cases: list[MissingChild], top: int) -> list[Candidate]:
    out = []
    for c in cases:
        result = compare(u, c)
        if result is None:
            continue
        bits, reasons = result
        distance = (
            haversine_miles(u.lat, u.lon, c.lat, c.lon)  # type: ignore[arg-type]
            if None not in (u.lat, u.lon, c.lat, c.lon)
            else None
        )
        out.append(Candidate(c.ref, _prob(bits), bits, reasons, distance))
    out.sort(key=lambda x: (-x.bits, x.ref))
    return out[:top]


def rank_unidentified(c: MissingChild, unids: list[Unidentified], top: int) -> list[Candidate]:
    out = []
    for u in unids:
        result = compare(u, c)
        if result is None:
            continue
        bits, reasons = result
        distance = (
            haversine_miles(u.lat, u.lon, c.lat, c.lon)  # type: ignore[arg-type]
            if None not in (u.lat, u.lon, c.lat, c.lon)
            else None
        )
        out.append(Candidate(u.ref, _prob(bits), bits, reasons, distance))
    out.sort(key=lambda x: (-x.bits, x.ref))
    return out[:top]


def match_unidentified(engine: Engine, actor: Actor, unid: str, top: int = 10) -> dict[str, object]:
    """Missing-child cases ranked against an unidentified child (audited search)."""
    ref = resolve_ref(engine, unid, "unidentified")
    audit.write(
        engine, actor, "search", {"what": "match_unidentified", "unidentified": ref, "top": top}, [ref]
    )
    u = load_unidentified(engine, [ref])[0]
    candidates = rank_cases(u, load_missing_children(engine), top)
    return {
        "unidentified": ref,
        "candidates": [c.document() for c in candidates],
    }


def match_case(engine: Engine, actor: Actor, case: str, top: int = 10) -> dict[str, object]:
    """The reverse: unidentified children ranked against one missing-child case (audited search)."""
    ref = resolve_ref(engine, case, "missing_case")
    audit.write(engine, actor, "search", {"what": "match_unidentified", "case": ref, "top": top}, [ref])
    c = load_missing_children(engine, [ref])[0]
    candidates = rank_unidentified(c, load_unidentified(engine), top)
    return {"case": ref, "candidates": [x.document() for x in candidates]}
