"""Series connected to registered offenders: who lived near, drives what was seen, looks as described.

Candidates for a series are registered offenders (a resolved person with a registration among its
records; before resolution, a registry record on its own) who had an address - the registry's
registered address or a vendor's / NCIC "last known" one - valid during the series and within R
miles of one of its incidents, plus any registered offender, wherever he lived, whose vehicle
fits a partial plate a witness gave (at least `plate_min_known` characters).

Each candidate gets a weight of evidence in bits per feature, summed (Fellegi-Sunter):
log2(P(what the witnesses said | he did it) / P(what they said | a random registered offender)).
The incidents of a series were linked *because* their descriptions agree, so four reports saying
"Hispanic" are not four chances for a random man to match: if he is Hispanic he matches all four.
So a feature is weighed as a whole: the candidate's pattern of agreement over the reports (which
agree, which do not) has probability prod(m or 1 - m) if he is the offender (each witness right
with probability m, independently), and the share of registered offenders with that very pattern
if he is not - counted on the store (sexes, races, birth dates, heights and hair of registered
offenders; makes, models, bodies and colours of the vehicles on person records). A rare value
agreed on by every witness weighs a lot, a common one little, a contradiction by all of them a lot.

- Residence: offenders act near home, and the centroid of a series is a fair guess of where
  (Snook et al. 2005: the centre of gravity does about as well as complex geographic profiles).
  Home-to-centroid distance is modelled as a 2-D normal whose spread is the series' own spread
  over sqrt(n) plus a buffer; a random candidate is uniform over the search area. An address near
  the series on record only for another time counts half (he knows the area), never against.
- Vehicle: make, model and body together (a Sienna is a Toyota van), colour family (navy = dark
  blue) and plate, against the candidate's best-fitting vehicle; partial plates ("7K?2", or just
  the start) are worth about log2 of the number of plates they rule out, each known character
  counted once however many witnesses read it. No vehicle on record where witnesses saw one
  counts a little against.
- Description: sex, race, age at each incident's date (from the DOB) inside the witness's range,
  height inside the range, hair colour family, a mark the witness saw.
- Status: dead before the series - not a candidate; registered as incarcerated before it - a
  strong penalty (the registry may lag, so not an exclusion).

The score is a posterior: one offender per series, a registered one with probability
`registered_share`, equally likely any of the candidates a priori. Scores of one series sum to at
most 1 and the remainder is "none of these". Every weight is kept as a reason.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, func, or_, select

from vigil import audit
from vigil.analyze import descriptions as d
from vigil.analyze.incidents import Incident, load_incidents
from vigil.analyze.series import Series, SeriesParams, current_decisions, series_of, usable_plate
from vigil.analyze.spacetime import bbox, haversine_np
from vigil.config import Actor
from vigil.normalize.geocode import haversine_miles
from vigil.normalize.plates import normalize_plate, plate_matches
from vigil.resolve.membership import resolve_subject, split_member
from vigil.store import tables as t
from vigil.store.temp import select_in

_LOG2E = math.log2(math.e)


@dataclass(frozen=True, slots=True)
class OffenderParams:
    radius_mi: float = 10.0  # an address this close to an incident (or the centre) makes a candidate
    top: int = 5  # candidates shown per series
    min_score: float = 0.01  # and only those scoring at least this
    registered_share: float = 0.3  # prior: the offender of a series is a registered one
    buffer_mi: float = 2.5  # home-to-centroid spread beyond what the incidents' spread explains
    plate_min_known: int = 3  # a partial plate with this many known characters searches everywhere


# m: how often the true offender's record agrees with one witness on a feature, when both give it.
M = {
    "sex": 0.95,
    "race": 0.85,
    "hair": 0.75,
    "make": 0.9,
    "model": 0.85,
    "color": 0.85,
    "body": 0.85,
    "plate": 0.8,
}
M_AGE = (0.82, 0.12, 0.06)  # the true age inside the witness's range, within 4 years of it, farther
M_HEIGHT = (0.85, 0.1, 0.05)  # inside the range (+-1 in), within 3 in more, farther
_INCARCERATED = -4.0


# ---- what is known about a candidate --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Residence:
    ref: str
    label: str  # "registered" (its record carries the registration: a registry, NCIC's copy) or "last_known"
    source: str
    address: str
    lat: float  # NaN when the address could not be placed
    lon: float
    valid_from: date | None
    valid_to: date | None  # the last day it can mean (partial dates run to their end)
    geo_precision: str | None = None

    @property
    def located(self) -> bool:
        return not (math.isnan(self.lat) or math.isnan(self.lon))

    def valid_on(self, day: date) -> bool:
        return self.valid_during(day, day)

    def valid_during(self, first: date, last: date) -> bool:
        return (self.valid_from is None or self.valid_from <= last) and (
            self.valid_to is None or self.valid_to >= first
        )


@dataclass(frozen=True, slots=True)
class Vehicle:
    ref: str
    plate: str | None
    plate_state: str | None
    make: str | None
    model: str | None
    color: str | None
    body: str | None
    year: int | None

    @property
    def colors(self) -> frozenset[str]:
        return d.color(self.color)

    def label(self) -> str:
        parts = [str(self.year) if self.year else None, self.color, self.make, self.model, self.body]
        text = " ".join(p.lower() for p in parts if p)
        if self.plate:
            text += f" plate {self.plate}" + (f" ({self.plate_state})" if self.plate_state else "")
        return text.strip()


@dataclass(slots=True)
class Profile:
    """One registered offender as the store knows him, over all the records of the person."""

    key: str  # person_id, or the record reference before resolution
    person_id: str | None
    refs: list[str]
    sex: str | None = None
    race: str | None = None
    dob: date | None = None
    height_in: float | None = None
    hair: frozenset[str] = frozenset()
    hair_text: str | None = None
    deceased_on: date | None = None
    registrations: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[Residence] = field(default_factory=list)  # every residence address on his records

    @property
    def residences(self) -> list[Residence]:
        """The addresses that have a place on the map."""
        return [a for a in self.addresses if a.located]

    @property
    def home(self) -> Residence | None:
        """His latest located residence: one still open (no end) first, then the latest end, the latest
        start, a registered address over a last-known one."""
        located = self.residences
        if not located:
            return None
        return max(
            located,
            key=lambda r: (
                r.valid_to is None,
                r.valid_to or date.min,
                r.valid_from or date.min,
                r.label == "registered",
                r.ref,
            ),
        )

    vehicles: list[Vehicle] = field(default_factory=list)
    marks: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def registration(self) -> dict[str, Any]:
        best = max(self.registrations, key=lambda r: (r["last_verified"] or date.min, r["ref"]))
        return {
            "ref": best["ref"],
            "registrant_id": best["registrant_id"],
            "state": best["state"],
            "status": best["status"],
            "tier": best["tier"],
            "last_verified": best["last_verified"].isoformat() if best["last_verified"] else None,
        }


@dataclass(slots=True)
class OffenderFit:
    profile: Profile
    bits: float
    weights: dict[str, float]
    parts: list[Part]
    residence: Residence | None
    distance_mi: float | None  # residence to the series centre
    nearest_incident_mi: float | None
    vehicle: Vehicle | None
    score: float = 0.0
    rank: int = 0

    @property
    def reasons(self) -> list[str]:
        """Why, strongest weight first (written out only when asked for)."""
        return [text() for _, _, text in sorted(self.parts, key=lambda part: -abs(part[1].bits))]

    def document(self) -> dict[str, Any]:
        r = self.residence
        return {
            "person_id": self.profile.person_id,
            "refs": self.profile.refs,
            "score": round(self.score, 4),
            "bits": round(self.bits, 2),
            "rank": self.rank,
            "reasons": self.reasons,
            "weights": {k: round(v, 2) for k, v in self.weights.items()},
            "registration": self.profile.registration(),
            "address_ref": r.ref if r else None,
            "address_label": r.label if r else None,
            "address": r.address if r else None,
            "distance_mi": round(self.distance_mi, 2) if self.distance_mi is not None else None,
            "nearest_incident_mi": round(self.nearest_incident_mi, 2)
            if self.nearest_incident_mi is not None
            else None,
            "vehicle": {"ref": self.vehicle.ref, "label": self.vehicle.label()} if self.vehicle else None,
            # Optional (added later): where he lives now, for maps; None without a located address.
            "home": _home_document(self.profile.home),
        }


def _home_document(r: Residence | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "ref": r.ref,
        "label": r.label,
        "address": r.address,
        "lat": round(r.lat, 6),
        "lon": round(r.lon, 6),
        "geo_precision": r.geo_precision,
        "valid_from": r.valid_from.isoformat() if r.valid_from else None,
        "valid_to": r.valid_to.isoformat() if r.valid_to else None,
    }


# ---- how common things are among registered offenders and their vehicles --------------------------------


_SAMPLE = 200_000  # rows are enough to know how common a value is; more only costs time


class Population:
    """What registered offenders and the vehicles on person records look like, measured on the store."""

    def __init__(self, conn: Connection) -> None:
        pa, reg, sr, veh = t.party, t.registration, t.source_record, t.vehicle
        rows = conn.execute(
            select(
                pa.c.record_id,
                pa.c.sex,
                pa.c.race,
                pa.c.dob,
                pa.c.dob_precision,
                pa.c.height_in,
                pa.c.hair_color,
            )
            .join(reg, and_(reg.c.record_id == pa.c.record_id, reg.c.party == pa.c.party))
            .join(sr, sr.c.id == pa.c.record_id)
            .where(sr.c.is_current.is_(True))
            .limit(_SAMPLE)
        ).all()
        self.people = len(rows)
        # Count raw values first and canonicalise each distinct one once: the rows are many, the
        # values few.
        self.sex = Counter(r.sex for r in rows if r.sex in ("M", "F"))
        self.race = _mapped(Counter(r.race for r in rows), d.race)
        self.hair = _mapped(Counter(r.hair_color for r in rows), d.hair)
        self.dob = np.array([r.dob.toordinal() for r in rows if r.dob and r.dob_precision == "day"], float)
        self.height = np.array([r.height_in for r in rows if r.height_in], float)
        vehicles = conn.execute(
            select(veh.c.record_id, veh.c.make, veh.c.model, veh.c.color, veh.c.body)
            .join(sr, sr.c.id == veh.c.record_id)
            .where(sr.c.type == "person", sr.c.is_current.is_(True))
            .limit(_SAMPLE)
        ).all()
        self.vehicle = _mapped(
            Counter((v.make, v.model, v.body) for v in vehicles),
            lambda k: (d.make(k[0]), d.model(k[1]), d.body(k[2])),
        )
        self.color = _mapped(Counter(v.color for v in vehicles), d.color)
        # How many registrants have no vehicle on record (a candidate without one is no great surprise).
        with_vehicle = {v.record_id for v in vehicles}
        registered = {r.record_id for r in rows}
        self.no_vehicle = (len(registered - with_vehicle) + 0.5) / (len(registered) + 1.0)


_POPULATIONS: dict[tuple[str, int | None], Population] = {}


def population(conn: Connection) -> Population:
    """The store's Population, reused until anything new is loaded (the newest record id moves)."""
    newest = conn.execute(select(func.max(t.source_record.c.id))).scalar()
    key = (conn.engine.url.render_as_string(hide_password=True), newest)
    if key not in _POPULATIONS:
        if len(_POPULATIONS) >= 4:
            _POPULATIONS.pop(next(iter(_POPULATIONS)))
        _POPULATIONS[key] = Population(conn)
    return _POPULATIONS[key]


def _mapped(raw: Counter, canonical: Callable[[Any], Any]) -> Counter:  # type: ignore[type-arg]
    out: Counter = Counter()  # type: ignore[type-arg]
    for value, n in raw.items():
        key = canonical(value) if value is not None else None
        if key:
            out[key] += n
    return out


# ---- evidence: how well a candidate fits what the witnesses of a series said ----------------------------
# Each feature weighed as a whole over the reports: see the module docstring for why.

_CAP = 8.0  # bits one feature can give for
_PLATE_CAP = 14.0
_FLOOR = -6.0  # or against


def _clip(bits: float, cap: float = _CAP) -> float:
    return max(_FLOOR, min(cap, bits))


def _weight(p_true: float, p_random: float, agree: int, compared: int, cap: float = _CAP) -> Weight:
    """log2(p_true / p_random), clipped; a pattern of only agreements never counts against (a common
    value agreed on says little, but not "no"), one of only disagreements never for."""
    bits = _clip(math.log2(p_true / p_random), cap)
    if agree == compared:
        bits = max(0.0, bits)
    elif agree == 0:
        bits = min(0.0, bits)
    return Weight(bits, agree, compared)


@dataclass(frozen=True, slots=True)
class Weight:
    bits: float
    agree: int
    compared: int


class _Categorical:
    """A feature with values (sex, race, hair families, colour families) said per report."""

    def __init__(self, said: list[Any], population: Counter, fits: Any, m: float) -> None:  # type: ignore[type-arg]
        self.said, self.fits, self.m = said, fits, m
        self._memo: dict[Any, Weight | None] = {}
        self.counts: Counter[tuple[bool | None, ...]] = Counter()
        for value, n in population.items():
            self.counts[self.vector(value)] += n
        self.total = sum(population.values())

    def vector(self, value: Any) -> tuple[bool | None, ...]:
        return tuple(None if not s else bool(self.fits(s, value)) for s in self.said)

    def weigh(self, value: Any) -> Weight | None:
        # Candidates share few values (races, hair colours): each is weighed once per series.
        if value not in self._memo:
            self._memo[value] = self._weigh(value)
        return self._memo[value]

    def _weigh(self, value: Any) -> Weight | None:
        if not value or not any(self.said):
            return None
        vec = self.vector(value)
        agree = sum(1 for x in vec if x)
        compared = sum(1 for x in vec if x is not None)
        p_true = self.m**agree * (1 - self.m) ** (compared - agree)
        p_random = (self.counts[vec] + 0.5) / (self.total + 1.0)
        return _weight(p_true, p_random, agree, compared)


class _Ranges:
    """A witness range per report (age on the incident date, height): inside, a little out, far out."""

    def __init__(self, ranges: list[tuple[float, float] | None], m: tuple[float, float, float], near: float):
        self.ranges, self.m, self.near = ranges, m, near
        self._by_code: dict[int, int] = {}
        self.total = 0

    def fit(self, population: np.ndarray, per_report: list[np.ndarray] | None = None) -> None:
        """Count the patterns over the population (`per_report`: its value at each report, for ages)."""
        codes = np.zeros(len(population), np.int64)
        for k, r in enumerate(self.ranges):
            if r is None:
                continue
            values = per_report[k] if per_report is not None else population
            codes = codes * 3 + self._status_np(values, r)
        uniq, counts = np.unique(codes, return_counts=True)
        self._by_code = dict(zip(uniq.tolist(), counts.tolist(), strict=True))
        self.total = len(population)

    def _status_np(self, values: np.ndarray, r: tuple[float, float]) -> np.ndarray:
        off = np.maximum(np.maximum(r[0] - values, values - r[1]), 0.0)
        return np.where(off == 0, 0, np.where(off <= self.near, 1, 2))

    def _status(self, value: float, r: tuple[float, float]) -> int:
        off = max(r[0] - value, value - r[1], 0.0)
        return 0 if off == 0 else (1 if off <= self.near else 2)

    def weigh(self, values: list[float | None]) -> Weight | None:
        """`values`: the candidate's value at each report (None: unknown)."""
        if any(v is None for v, r in zip(values, self.ranges, strict=True) if r is not None):
            return None
        if not any(self.ranges) or not self.total:
            return None
        code, p_true, agree, compared = 0, 1.0, 0, 0
        for v, r in zip(values, self.ranges, strict=True):
            if r is None:
                continue
            status = self._status(v, r)  # type: ignore[arg-type]
            code = code * 3 + status
            p_true *= self.m[status]
            agree += status == 0
            compared += 1
        p_random = (self._by_code.get(code, 0) + 0.5) / (self.total + 1.0)
        return _weight(p_true, p_random, agree, compared)


def _range(lo: float | None, hi: float | None) -> tuple[float, float] | None:
    if lo is None and hi is None:
        return None
    return (lo if lo is not None else hi, hi if hi is not None else lo)  # type: ignore[return-value]


def _years(dob: np.ndarray | float, on: date) -> np.ndarray | float:
    return np.floor((on.toordinal() - dob) / 365.2425)


def _cmp(said: str | None, value: str | None) -> bool | None:
    return None if not said or not value else said == value


class _VehicleKind:
    """Make, model and body together (they go together: a Sienna is a Toyota van)."""

    def __init__(self, reports: list[Incident], population: Counter) -> None:  # type: ignore[type-arg]
        self.said = [(x.make, d.model(x.model), x.body) for x in reports]
        self._memo: dict[tuple[str | None, str | None, str | None], tuple[Weight, dict[str, int]] | None] = {}
        self.counts: Counter[tuple[bool | None, ...]] = Counter()
        self.masks: Counter[tuple[bool, ...]] = Counter()
        for value, n in population.items():
            vec = self.vector(value)
            self.counts[vec] += n
            self.masks[tuple(x is None for x in vec)] += n

    def vector(self, v: tuple[str | None, str | None, str | None]) -> tuple[bool | None, ...]:
        return tuple(_cmp(s[k], v[k]) for s in self.said for k in range(3))

    def weigh(self, v: tuple[str | None, str | None, str | None]) -> tuple[Weight, dict[str, int]] | None:
        if v not in self._memo:
            self._memo[v] = self._weigh(v)
        return self._memo[v]

    def _weigh(self, v: tuple[str | None, str | None, str | None]) -> tuple[Weight, dict[str, int]] | None:
        vec = self.vector(v)
        compared = [x for x in vec if x is not None]
        if not compared:
            return None
        ms = (M["make"], M["model"], M["body"])
        p_true = 1.0
        for k, x in enumerate(vec):
            if x is not None:
                p_true *= ms[k % 3] if x else 1 - ms[k % 3]
        # Among vehicles whose record gives the same parts (a missing model is not a disagreement).
        p_random = (self.counts[vec] + 0.5) / (self.masks[tuple(x is None for x in vec)] + 1.0)
        parts = {
            name: sum(1 for k, x in enumerate(vec) if k % 3 == i and x)
            for i, name in enumerate(("make", "model", "body"))
        }
        agree = sum(1 for x in compared if x)
        return _weight(p_true, p_random, agree, len(compared)), parts


def plate_fits(seen: str, plate: str) -> bool:
    """A witness's plate fits a registered plate: wildcards anywhere, and a partial may be the
    start of the plate (witnesses catch the first characters and lose the rest)."""
    if "*" not in seen and "*" not in plate and "?" not in plate:
        # The common case, without the general matcher: "?" is any one character, from the start.
        return len(seen) <= len(plate) and all(c == "?" or c == p for c, p in zip(seen, plate, strict=False))
    return plate_matches(seen, plate) or ("*" not in seen and plate_matches(seen + "*", plate))


def _plate_chance(seen: list[str]) -> float:
    """About how often a random plate fits all these partial plates: 1/10 per known digit and
    1/24 per known letter, each (position, character) counted once - two witnesses who read the
    same first letters add nothing to each other. Patterns with '*' have no positions: each counts."""
    known: set[tuple[int, str]] = set()
    u = 1.0
    for s in seen:
        if "*" in s:
            for ch in s:
                u /= 10 if ch.isdigit() else (24 if ch.isalpha() else 1)
            continue
        known.update((k, ch) for k, ch in enumerate(s) if ch.isalnum())
    for _, ch in known:
        u /= 10 if ch.isdigit() else 24
    return max(u, 1e-12)


def _plates(reports: list[Incident], plate: str | None) -> Weight | None:
    said = [p for x in reports if (p := usable_plate(x.plate))]
    if not said or not plate:
        return None
    fits = [s for s in said if plate_fits(s, plate)]
    m = M["plate"]
    p_true = m ** len(fits) * (1 - m) ** (len(said) - len(fits))
    # A random plate fits exactly these: about the chance it fits them (the others it misses anyway).
    p_random = _plate_chance(fits) if fits else 1.0
    return _weight(p_true, p_random, len(fits), len(said), _PLATE_CAP)


@dataclass(slots=True)
class SeriesEvidence:
    """The population's patterns for one series, computed once and used for every candidate."""

    reports: list[Incident]
    pop: Population
    sex: _Categorical = field(init=False)
    race: _Categorical = field(init=False)
    hair: _Categorical = field(init=False)
    color: _Categorical = field(init=False)
    age: _Ranges = field(init=False)
    height: _Ranges = field(init=False)
    kind: _VehicleKind = field(init=False)

    def __post_init__(self) -> None:
        reports, pop = self.reports, self.pop
        self.sex = _Categorical([x.sex for x in reports], pop.sex, lambda s, v: s == v, M["sex"])
        self.race = _Categorical([x.race for x in reports], pop.race, lambda s, v: s == v, M["race"])
        self.hair = _Categorical([x.hair for x in reports], pop.hair, lambda s, v: bool(s & v), M["hair"])
        self.color = _Categorical(
            [x.colors for x in reports], pop.color, lambda s, v: bool(s & v), M["color"]
        )
        ages = [_range(x.age_min, x.age_max) if x.at else None for x in reports]
        self.age = _Ranges(ages, M_AGE, near=4.0)
        self.age.fit(pop.dob, [_years(pop.dob, x.at.date()) if x.at else pop.dob for x in reports])  # type: ignore[misc]
        self.height = _Ranges(
            [(r[0] - 1, r[1] + 1) if (r := _range(x.height_min, x.height_max)) else None for x in reports],
            M_HEIGHT,
            near=3.0,
        )
        self.height.fit(pop.height)
        self.kind = _VehicleKind(reports, pop.vehicle)

    @property
    def any_vehicle(self) -> bool:
        return any(x.has_vehicle for x in self.reports)


_MARK_SEEN = 3.0  # a mark on record where a witness saw one (+1.5 when the words agree too)
_MARK_MISSING = -1.0  # a witness saw a mark his record does not list (records are incomplete)
_NO_VEHICLE_M = 0.3  # the offender of a series with a vehicle has none on record: unrecorded or borrowed


def _words(values: Iterable[Any]) -> str:
    said = sorted({str(v).lower() for v in values if v})
    return "/".join(said) if said else "?"


Part = tuple[str, Weight, Callable[[], str]]  # feature, weight, its reason (built only when shown)


def _description(p: Profile, ev: SeriesEvidence) -> list[Part]:
    """Sex, race, age, height, hair and marks against the reports."""
    out: list[Part] = []
    reports = ev.reports

    def add(name: str, w: Weight | None, text: Callable[[], str]) -> None:
        if w is not None:
            out.append(
                (name, w, lambda: f"{text()}: {w.agree} of {w.compared} report(s) agree ({w.bits:+.1f})")
            )

    add("sex", ev.sex.weigh(p.sex), lambda: f"sex {p.sex}")
    add(
        "race",
        ev.race.weigh(p.race),
        lambda: f"race {(p.race or '').lower()} (said: {_words(x.race for x in reports)})",
    )
    if p.dob is not None:
        dob = p.dob
        ages = [float(_years(dob.toordinal(), x.at.date())) if x.at else None for x in reports]
        add(
            "age",
            ev.age.weigh(ages),
            lambda: (
                f"age {_age_text(ages)} (born {dob.isoformat()}; "
                f"said: {_words(f'{r[0]:g}-{r[1]:g}' for r in ev.age.ranges if r)})"
            ),
        )
    if p.height_in:
        add(
            "height",
            ev.height.weigh([p.height_in] * len(reports)),
            lambda: (
                f"height {p.height_in:g} in "
                f"(said: {_words(f'{r[0] + 1:g}-{r[1] - 1:g}' for r in ev.height.ranges if r)})"
            ),
        )
    if p.hair:
        add(
            "hair",
            ev.hair.weigh(p.hair),
            lambda: (
                f"hair {(p.hair_text or '').lower()} (said: {_words(x.hair_text for x in reports if x.hair)})"
            ),
        )
    if p.marks and any(x.marks for x in reports):
        bits, agree, compared, labels = 0.0, 0, 0, []
        for x in reports:
            if not x.marks:
                continue
            w, label = _mark_fit(x, p)
            bits += w
            agree += w > 0
            compared += 1
            labels.append(label)
        add(
            "marks",
            Weight(_clip(bits), agree, compared),
            lambda: f"mark seen by a witness ({_words(labels)})",
        )
    return out


def _age_text(ages: list[float | None]) -> str:
    known = [a for a in ages if a is not None]
    if not known:
        return "?"
    lo, hi = min(known), max(known)
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


def _mark_fit(x: Incident, p: Profile) -> tuple[float, str | None]:
    """A mark a witness saw on the candidate's record: same kind and body part (and side)."""
    best, label = _MARK_MISSING, None
    for seen in x.marks:
        for kind, location, description in p.marks:
            if seen.kind != kind or d.body_part(seen.location) != d.body_part(location):
                continue
            sa, sb = d.side(seen.location), d.side(location)
            if sa and sb and sa != sb:
                continue
            w = _MARK_SEEN + (1.5 if d.mark_words(seen.description) & d.mark_words(description) else 0.0)
            if w > best:
                text = kind + (f" ({description})" if description else "")
                best, label = w, text + (f" on {location}" if location else "")
    return best, label


def _vehicle(p: Profile, ev: SeriesEvidence) -> tuple[list[Part], Vehicle | None]:
    """The candidate's vehicle that best fits the reports: make/model/body, colour and plate."""
    if not ev.any_vehicle:
        return [], None
    if not p.vehicles:
        w = Weight(_clip(math.log2(_NO_VEHICLE_M / ev.pop.no_vehicle)), 0, 0)
        return [("no_vehicle", w, lambda: f"no vehicle on record, witnesses saw one ({w.bits:+.1f})")], None
    best: tuple[float, list[Part], Vehicle] | None = None
    for v in p.vehicles:
        parts = _vehicle_parts(v, ev)
        total = sum(w.bits for _, w, _ in parts)
        if best is None or total > best[0]:
            best = (total, parts, v)
    assert best is not None
    return best[1], best[2]


def _vehicle_parts(v: Vehicle, ev: SeriesEvidence) -> list[Part]:
    reports = ev.reports
    parts: list[Part] = []
    kind = ev.kind.weigh((d.make(v.make), d.model(v.model), d.body(v.body)))
    if kind is not None:
        w, counts = kind

        def kind_text() -> str:
            said = _words(" ".join(s for s in (x.make, x.model, x.body) if s) for x in reports)
            of = ", ".join(f"{name} {k}" for name, k in counts.items() if k) or "none of the"
            return f"vehicle {v.label()}: agrees with {of} report(s) (said: {said}) ({w.bits:+.1f})"

        parts.append(("vehicle", w, kind_text))
    color = ev.color.weigh(v.colors)
    if color is not None:
        parts.append(
            (
                "vehicle_color",
                color,
                lambda: (
                    f"vehicle colour {(v.color or '').lower()}: {color.agree} of {color.compared} "
                    f"report(s) agree (said: {_words(x.color_text for x in reports if x.colors)}) "
                    f"({color.bits:+.1f})"
                ),
            )
        )
    plate = _plates(reports, usable_plate(v.plate))
    if plate is not None:
        parts.append(
            (
                "plate",
                plate,
                lambda: (
                    f"plate {v.plate}: fits {plate.agree} of {plate.compared} partial plate(s) "
                    f"(said: {_words(x.plate for x in reports if usable_plate(x.plate)).upper()}) "
                    f"({plate.bits:+.1f})"
                ),
            )
        )
    return parts


def _residence_bits(distance: float, sigma: float, area_radius: float) -> float:
    """log2 of (2-D normal around the centroid) / (uniform over the search disk), at `distance`."""
    ratio = math.log2(area_radius**2 / (2 * sigma**2)) - distance**2 / (2 * sigma**2) * _LOG2E
    return max(_FLOOR, min(4.0, ratio))


@dataclass(frozen=True, slots=True)
class _Shape:
    centre: tuple[float, float] | None
    sigma: float
    area_radius: float
    located: list[Incident]
    first: date | None
    last: date | None


def _shape(s: Series, params: OffenderParams) -> _Shape:
    located = [x for x in s.incidents if x.lat is not None and x.lon is not None]
    first = s.first.date() if s.first else None
    last = s.last.date() if s.last else None
    if not located or s.center is None:
        return _Shape(None, params.buffer_mi, params.radius_mi, [], first, last)
    spread2 = float(np.mean([haversine_miles(*s.center, x.lat, x.lon) ** 2 for x in located]))  # type: ignore[arg-type]
    sigma = math.sqrt(spread2 / len(located) + params.buffer_mi**2)
    return _Shape(s.center, sigma, params.radius_mi + math.sqrt(spread2), located, first, last)


_OTHER_TIME = 0.5  # an address near the series but not at its time: he knew the area, weaker evidence


def _residence(p: Profile, shape: _Shape) -> tuple[Residence | None, float | None, float | None, float, bool]:
    """The candidate's best-fitting address: (address, miles to the centre, miles to the nearest
    incident, weight, valid during the series)."""
    if shape.centre is None or shape.first is None or shape.last is None:
        return None, None, None, 0.0, False
    best: tuple[tuple[float, bool, bool], Residence, float] | None = None
    for r in p.residences:
        during = r.valid_during(shape.first, shape.last)
        dist = haversine_miles(shape.centre[0], shape.centre[1], r.lat, r.lon)
        w = _residence_bits(dist, shape.sigma, shape.area_radius)
        if not during:
            w = max(0.0, w * _OTHER_TIME)  # only ever for him: when he lived there is not when it happened
        key = (w if during else w - 100.0, during, r.label == "registered")
        if best is None or key > best[0]:
            best = (key, r, dist)
    if best is None:
        return None, None, None, -2.0, False  # no located address at all: somewhat against
    key, r, dist = best
    near = min(haversine_miles(r.lat, r.lon, x.lat, x.lon) for x in shape.located)  # type: ignore[arg-type]
    if not key[1]:
        return r, dist, near, key[0] + 100.0 - 2.0, False  # unknown where he lived then
    return r, dist, near, key[0], True


def _status(p: Profile, shape: _Shape) -> tuple[float, str | None]:
    if shape.first is None:
        return 0.0, None
    for r in p.registrations:
        lv = r["last_verified"]
        if r["status"] == "incarcerated" and lv is not None and lv <= shape.first:
            reason = f"registered as incarcerated ({r['state']}, verified {lv.isoformat()}) before the series"
            return _INCARCERATED, f"{reason} ({_INCARCERATED:+.1f})"
    return 0.0, None


def score(p: Profile, shape: _Shape, ev: SeriesEvidence) -> OffenderFit | None:
    """One candidate against one series (None when he cannot be the offender: dead before it)."""
    if p.deceased_on and shape.first and p.deceased_on < shape.first:
        return None
    residence, dist, near, w, during = _residence(p, shape)

    def where() -> str:
        if residence is None:
            return f"no located address on record ({w:+.1f})"
        text = (
            f"{residence.label.replace('_', '-')} address {residence.address} "
            f"({_period(residence)}; {residence.ref})"
        )
        how = f"{dist:.1f} mi from the series centre, {near:.1f} mi from the nearest incident"
        if during:
            return f"lived {how}: {text} ({w:+.1f})"
        return f"no address known during the series; {how} at another time: {text} ({w:+.1f})"

    parts: list[Part] = [("residence", Weight(w, int(during), 1), where)]
    parts += _description(p, ev)
    vehicle_parts, vehicle = _vehicle(p, ev)
    parts += vehicle_parts
    status_w, status_reason = _status(p, shape)
    if status_reason:
        parts.append(("status", Weight(status_w, 0, 1), lambda: status_reason))  # type: ignore[arg-type,return-value]
    return OffenderFit(
        p,
        sum(w.bits for _, w, _ in parts),
        {name: w.bits for name, w, _ in parts},
        parts,
        residence,
        dist,
        near,
        vehicle,
    )


def _period(r: Residence) -> str:
    start = r.valid_from.isoformat() if r.valid_from else "?"
    end = r.valid_to.isoformat() if r.valid_to else "now"
    return f"{start} to {end}"


# ---- loading candidates ---------------------------------------------------------------------------------


def _end_of(value: date | None, precision: str | None) -> date | None:
    if value is None:
        return None
    if precision == "year":
        return date(value.year, 12, 31)
    if precision == "month":
        nxt = date(value.year + value.month // 12, value.month % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    return value


def _near_refs(conn: Connection, shape: _Shape, radius: float) -> set[tuple[str, int]]:
    """(ref, party) of person records with an address valid during the series within `radius`
    miles of an incident or the centre."""
    if shape.centre is None or shape.first is None or shape.last is None:
        return set()
    ad, sr = t.address, t.source_record
    reach = radius + shape.area_radius  # the box must hold every point within radius of an incident
    lat_lo, lat_hi, lon_lo, lon_hi = bbox(shape.centre[0], shape.centre[1], reach)
    rows = conn.execute(
        select(
            sr.c.ref, ad.c.party, ad.c.lat, ad.c.lon, ad.c.valid_from, ad.c.valid_to, ad.c.valid_to_precision
        )
        .join(sr, sr.c.id == ad.c.record_id)
        .where(
            ad.c.lat.between(lat_lo, lat_hi),
            ad.c.lon.between(lon_lo, lon_hi),
            ad.c.context.in_(("record", "registration")),
            sr.c.is_current.is_(True),
            sr.c.type == "person",
            or_(ad.c.party == 0, ad.c.party.is_(None)),
            or_(ad.c.valid_from.is_(None), ad.c.valid_from <= shape.last),
            # A partial end date ("2024") runs to its end: a year's margin here, exact below.
            or_(ad.c.valid_to.is_(None), ad.c.valid_to >= date(shape.first.year - 1, 1, 1)),
        )
    ).all()
    rows = [
        r for r in rows if (end := _end_of(r.valid_to, r.valid_to_precision)) is None or end >= shape.first
    ]
    if not rows:
        return set()
    lat = np.array([r.lat for r in rows], float)
    lon = np.array([r.lon for r in rows], float)
    near = np.zeros(len(rows), bool)
    for la, lo in [shape.centre, *((x.lat, x.lon) for x in shape.located)]:
        near |= haversine_np(lat, lon, np.full_like(lat, la), np.full_like(lon, lo)) <= radius
    return {(r.ref, r.party or 0) for r, ok in zip(rows, near, strict=True) if ok}


def _plate_refs(conn: Connection, incidents: list[Incident], min_known: int) -> set[tuple[str, int]]:
    """Person records with a vehicle whose plate fits a witness's partial plate."""
    veh, sr = t.vehicle, t.source_record
    seen = [
        v for x in incidents if (v := usable_plate(x.plate)) and sum(ch.isalnum() for ch in v) >= min_known
    ]
    if not seen:
        return set()
    # The witness may have only the start: "7K?2" is "7K_2" followed by anything. One scan for all.
    likes = [veh.c.plate.like(normalize_plate(v).like.replace("%", "") + "%") for v in seen]
    rows = conn.execute(
        select(sr.c.ref, veh.c.party, veh.c.plate)
        .join(sr, sr.c.id == veh.c.record_id)
        .where(or_(*likes), sr.c.type == "person", sr.c.is_current.is_(True))
        .limit(20_000)
    ).all()
    return {(r.ref, r.party or 0) for r in rows if r.plate and any(plate_fits(v, r.plate) for v in seen)}


def load_profiles(
    conn: Connection, keys: Iterable[tuple[str, int]], registered_only: bool = True
) -> list[Profile]:
    """Profiles of the persons holding these (ref, party) keys, or of the records themselves when
    resolution has not reached them. `registered_only`: drop those without a registration."""
    keys = set(keys)
    if not keys:
        return []
    pm, sr = t.person_member, t.source_record
    refs = sorted({ref for ref, _ in keys})
    person_of: dict[tuple[str, int], str] = {}
    for r in select_in(conn, select(pm.c.ref, pm.c.party, pm.c.person_id), pm.c.ref, refs, "str"):
        person_of[(r.ref, r.party)] = r.person_id
    members: dict[str, set[tuple[str, int]]] = defaultdict(set)
    pids = sorted({person_of[k] for k in keys if k in person_of})
    resolved = set(pids)
    for r in select_in(conn, select(pm.c.ref, pm.c.party, pm.c.person_id), pm.c.person_id, pids, "str"):
        members[r.person_id].add((r.ref, r.party))
    for k in keys:
        if k not in person_of:
            members[k[0] if k[1] == 0 else f"{k[0]}#{k[1]}"].add(k)
    owner: dict[tuple[str, int], str] = {m: key for key, ms in members.items() for m in ms}
    all_refs = sorted({ref for ref, _ in owner})
    records: dict[int, Any] = {}
    stmt = select(sr.c.id, sr.c.ref, sr.c.source, sr.c.type).where(sr.c.is_current.is_(True))
    for r in select_in(conn, stmt, sr.c.ref, all_refs, "str"):
        records[r.id] = r

    wanted = sorted(records)

    def rows_of(table: Any) -> Iterable[tuple[str, Any]]:
        """(profile key, row) for rows of `table` that belong to a member (record and party)."""
        for row in select_in(conn, select(table), table.c.record_id, wanted, "int"):
            key = owner.get((records[row.record_id].ref, row.party if row.party is not None else 0))
            if key is not None:
                yield key, row

    regs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    registered_records: set[int] = set()
    for key, r in rows_of(t.registration):
        registered_records.add(r.record_id)
        regs[key].append(
            {
                "ref": records[r.record_id].ref,
                "registrant_id": r.registrant_id,
                "state": r.state,
                "status": r.status,
                "tier": r.tier,
                "last_verified": r.last_verified,
            }
        )
    profiles: dict[str, Profile] = {}
    for key, ms in members.items():
        if registered_only and not regs.get(key):
            continue
        person_id = key if key in resolved else None
        profiles[key] = Profile(
            key, person_id, sorted({ref for ref, _ in ms}), registrations=regs.get(key, [])
        )
    if not profiles:
        return []
    # Only the records of the persons kept (most of a neighbourhood's records are not registrants').
    keep = {ref for key in profiles for ref, _ in members[key]}
    wanted = sorted(i for i, r in records.items() if r.ref in keep)
    parties: dict[str, list[Any]] = defaultdict(list)
    for key, r in rows_of(t.party):
        if key in profiles:
            parties[key].append(r)
    for key, rows in parties.items():
        _demographics(profiles[key], rows, registered_records)
    for key, r in rows_of(t.address):
        p = profiles.get(key)
        if p is None or r.context not in ("record", "registration"):
            continue
        residence = Residence(
            records[r.record_id].ref,
            "registered" if r.record_id in registered_records else "last_known",
            records[r.record_id].source,
            r.std_line,
            r.lat if r.lat is not None else math.nan,
            r.lon if r.lon is not None else math.nan,
            r.valid_from,
            _end_of(r.valid_to, r.valid_to_precision),
            r.geo_precision,
        )
        # A registry states the registered address twice (record and registration): keep one.
        if not any(
            (a.ref, a.address, a.valid_from) == (residence.ref, residence.address, residence.valid_from)
            for a in p.addresses
        ):
            p.addresses.append(residence)
    for key, r in rows_of(t.vehicle):
        p = profiles.get(key)
        if p is None:
            continue
        v = Vehicle(
            records[r.record_id].ref, r.plate, r.plate_state, r.make, r.model, r.color, r.body, r.year
        )
        same = next((o for o in p.vehicles if _same_vehicle(o, v)), None)
        if same is None:
            p.vehicles.append(v)
    for key, r in rows_of(t.mark):
        p = profiles.get(key)
        if p is not None and (r.kind, r.location, r.description) not in p.marks:
            p.marks.append((r.kind, r.location, r.description))
    return sorted(profiles.values(), key=lambda p: p.key)


def _same_vehicle(a: Vehicle, b: Vehicle) -> bool:
    if a.plate and b.plate:
        return a.plate == b.plate
    return (a.make, a.model, a.color) == (b.make, b.model, b.color)


def _demographics(p: Profile, rows: list[Any], registered: set[int]) -> None:
    """Registry values first (a registry measures its registrants), then the most common."""

    def pick(values: list[tuple[bool, Any]]) -> Any:
        known = [(reg, v) for reg, v in values if v is not None and v != ""]
        if not known:
            return None
        preferred = [v for reg, v in known if reg] or [v for _, v in known]
        return max(preferred, key=preferred.count) if len(preferred) > 1 else preferred[0]

    tagged = [(r.record_id in registered, r) for r in rows]
    sex = pick([(reg, r.sex if r.sex in ("M", "F") else None) for reg, r in tagged])
    p.sex = sex
    p.race = pick([(reg, d.race(r.race)) for reg, r in tagged])
    p.dob = pick([(reg, r.dob if r.dob_precision == "day" else None) for reg, r in tagged])
    p.height_in = pick([(reg, r.height_in) for reg, r in tagged])
    p.hair_text = pick([(reg, r.hair_color) for reg, r in tagged])
    p.hair = d.hair(p.hair_text) if p.hair_text else frozenset()
    dead = [r.deceased_date for _, r in tagged if r.deceased and r.deceased_date]
    p.deceased_on = min(dead) if dead else None


# ---- ranking ----------------------------------------------------------------------------------------------


def rank(s: Series, profiles: list[Profile], pop: Population, params: OffenderParams) -> list[OffenderFit]:
    """Every candidate scored against one series, best first, with posterior scores and ranks."""
    ev = SeriesEvidence(s.incidents, pop)
    shape = _shape(s, params)
    fits = [f for p in profiles if (f := score(p, shape, ev)) is not None]
    if not fits:
        return []
    prior = params.registered_share / len(fits)
    # Posterior over "candidate k is the offender" and "none of them is", in log space for safety.
    logs = np.array([f.bits for f in fits]) + math.log2(prior)
    none = math.log2(1.0 - params.registered_share)
    top = max(float(logs.max()), none)
    total = float(np.sum(np.exp2(logs - top))) + 2.0 ** (none - top)
    for f, value in zip(fits, logs, strict=True):
        f.score = float(2.0 ** (value - top) / total)
    fits.sort(key=lambda f: (-f.bits, f.profile.key))
    for k, f in enumerate(fits, start=1):
        f.rank = k
    return fits


def offenders_for_series(
    engine: Engine, series: list[Series], params: OffenderParams | None = None
) -> dict[str, list[OffenderFit]]:
    """series_id -> every candidate registered offender, ranked (no audit: callers audit)."""
    params = params or OffenderParams()
    out: dict[str, list[OffenderFit]] = {}
    with engine.connect() as conn:
        pop = population(conn)
        keys_of: dict[str, set[tuple[str, int]]] = {}
        for s in series:
            keys = _near_refs(conn, _shape(s, params), params.radius_mi)
            keys |= _plate_refs(conn, s.incidents, params.plate_min_known)
            keys_of[s.series_id] = keys
        profiles = {
            p.key: p for p in load_profiles(conn, set().union(*keys_of.values()) if keys_of else set())
        }
        owners = _owners(conn, profiles)
    for s in series:
        mine = sorted({owners[k] for k in keys_of[s.series_id] if k in owners})
        out[s.series_id] = rank(s, [profiles[k] for k in mine], pop, params)
    return out


def _owners(conn: Connection, profiles: dict[str, Profile]) -> dict[tuple[str, int], str]:
    pm = t.person_member
    out: dict[tuple[str, int], str] = {}
    for p in profiles.values():
        if p.person_id is None:
            out[split_member(p.key)] = p.key
    pids = [p.person_id for p in profiles.values() if p.person_id]
    for r in select_in(conn, select(pm.c.ref, pm.c.party, pm.c.person_id), pm.c.person_id, pids, "str"):
        out[(r.ref, r.party)] = r.person_id
    return out


def attach_offenders(
    engine: Engine, actor: Actor, series: list[Series], params: OffenderParams | None = None
) -> dict[str, list[OffenderFit]]:
    """Rank offenders for each series and put the top ones on it (`Series.offenders`, each
    `OffenderFit.document()`: rank, score, reasons, the best-fitting address, and `home`, his latest
    located residence with lat/lon, for maps); audited as a search whose results are the persons
    named. Persons are brought up to date first."""
    from vigil.resolve.run import ensure_resolved

    params = params or OffenderParams()
    ensure_resolved(engine, actor)
    ranked = offenders_for_series(engine, series, params)
    named: list[str] = []
    for s in series:
        shown = [f for f in ranked.get(s.series_id, []) if f.score >= params.min_score][: params.top]
        s.offenders = [f.document() for f in shown]
        s.offenders_considered = len(ranked.get(s.series_id, []))
        named.extend(r for f in shown for r in f.profile.refs)
    audit.write(
        engine,
        actor,
        "search",
        {"what": "series_offenders", "series": [s.series_id for s in series], "radius_mi": params.radius_mi},
        sorted(set(named)),
    )
    return ranked


# ---- the other way round: the series a person may be behind -------------------------------------------


_LOCAL_MI = 110.0  # incidents this far from the person's addresses are enough to rebuild nearby series


def series_for_person(
    engine: Engine,
    person_id: str,
    params: OffenderParams | None = None,
    series_params: SeriesParams | None = None,
    min_score: float = 0.01,
) -> list[dict[str, Any]]:
    """Series this person may be behind, best fit first (for his report): those where he is a
    candidate scoring at least `min_score` (or ranks first), with his rank among the candidates.

    `person_id` may also be a record reference. Only registered offenders are candidates; others get
    []. The series are rebuilt from the incidents within ~110 mi of his addresses (with value
    frequencies from all incidents), which gives the same series as `vigil series` unless a series
    stretches farther than that. Not audited: the caller's report view is.

    Each item: the series (`series_id`, `refs` of its incidents, `series_score`, `series_reasons`,
    `first`, `last`, `centre`, `candidates` = registered offenders considered) and his fit to it
    (`score` 0-1, `rank`, `bits`, `reasons`, `weights`, `person_id`, `person_refs`, `registration`,
    `address_ref`, `address_label`, `address`, `distance_mi` to the centre, `nearest_incident_mi`,
    `vehicle`, `home` = his latest located residence {ref, label, address, lat, lon, geo_precision,
    valid_from, valid_to} or None).
    """
    params = params or OffenderParams()
    _, members = resolve_subject(engine, person_id)
    with engine.connect() as conn:
        keys = {(m.ref, m.party) for m in members}
        mine = load_profiles(conn, keys)
    if not mine:
        return []
    me = mine[0]
    everything = load_incidents(engine)
    plates = [v.plate for v in me.vehicles if v.plate]
    local = [x for x in everything if _near_any(x, me.residences, _LOCAL_MI) or _plate_hit(x, plates)]
    if not local:
        return []
    result = series_of(local, current_decisions(engine), series_params, reference=everything)
    candidates = [s for s in result.series if _could_be(me, s, params)]
    if not candidates:
        return []
    ranked = offenders_for_series(engine, candidates, params)
    out = []
    for s in candidates:
        fits = ranked.get(s.series_id, [])
        fit = next((f for f in fits if f.profile.key == me.key), None)
        if fit is None or (fit.score < min_score and fit.rank > 1):
            continue
        fit_doc = fit.document()
        fit_doc["person_refs"] = fit_doc.pop("refs")
        out.append(
            {
                **fit_doc,
                "series_id": s.series_id,
                "refs": s.refs,  # the incidents
                "series_score": round(s.score, 4),
                "series_reasons": s.reasons,
                "first": s.first.isoformat() if s.first else None,
                "last": s.last.isoformat() if s.last else None,
                "centre": {"lat": round(s.center[0], 5), "lon": round(s.center[1], 5)} if s.center else None,
                "candidates": len(fits),
            }
        )
    out.sort(key=lambda x: (-x["score"], x["series_id"]))
    return out


def _near_any(x: Incident, residences: list[Residence], miles: float) -> bool:
    if x.lat is None or x.lon is None:
        return False
    return any(haversine_miles(r.lat, r.lon, x.lat, x.lon) <= miles for r in residences)


def _plate_hit(x: Incident, plates: list[str]) -> bool:
    seen = usable_plate(x.plate)
    return bool(seen) and any(plate_fits(seen, p) for p in plates)  # type: ignore[arg-type]


def _could_be(p: Profile, s: Series, params: OffenderParams) -> bool:
    """Whether the person would be among the series' candidates (near it then, or a fitting plate)."""
    shape = _shape(s, params)
    if shape.centre is not None and shape.first and shape.last:
        points = [shape.centre] + [(x.lat, x.lon) for x in shape.located]
        for r in p.residences:
            if r.valid_during(shape.first, shape.last) and any(
                haversine_miles(la, lo, r.lat, r.lon) <= params.radius_mi
                for la, lo in points  # type: ignore[arg-type]
            ):
                return True
    plates = [v.plate for v in p.vehicles if v.plate]
    return any(
        _plate_hit(x, plates)
        for x in s.incidents
        if (v := usable_plate(x.plate)) and sum(ch.isalnum() for ch in v) >= params.plate_min_known
    )
