"""The true state of the synthetic world: individuals, where they lived, what they used.

Dates are kept as proleptic ordinals (ints) because the generator does a lot of
date arithmetic; they become ISO strings only when a record is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from vigil.demo.pools import STREET_SUFFIXES

NOW = date(2026, 11, 1).toordinal()
EARLIEST = date(2003, 1, 1).toordinal()
DAYS_PER_YEAR = 365.25


_ISO: dict[int, str] = {}


def iso(day: int) -> str:
    # a few thousand distinct days are formatted millions of times
    s = _ISO.get(day)
    if s is None:
        s = _ISO[day] = date.fromordinal(day).isoformat()
    return s


def add_months(day: int, months: int) -> int:
    d = date.fromordinal(day)
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    for dd in (d.day, 30, 29, 28):
        try:
            return date(y, m, dd).toordinal()
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_on(dob: int, day: int) -> int:
    b, d = date.fromordinal(dob), date.fromordinal(day)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


@dataclass(slots=True)
class Addr:
    num: int
    pre: str
    street: str
    suf: int
    unit: str | None
    unit_kind: str
    city: str
    state: str
    zip: str
    lat: float
    lon: float
    metro: int
    start: int = 0
    end: int | None = None
    kind: str = "residence"
    place_name: str | None = None

    @property
    def line1(self) -> str:
        pre = f"{self.pre} " if self.pre else ""
        suf = f" {STREET_SUFFIXES[self.suf][0]}" if self.suf >= 0 else ""
        return f"{self.num} {pre}{self.street}{suf}"

    @property
    def line2(self) -> str | None:
        return f"{self.unit_kind} {self.unit}" if self.unit else None

    def moved(self, start: int, end: int | None, kind: str | None = None) -> Addr:
        """Same place, another occupancy interval (a housemate, a son at his father's house)."""
        return Addr(
            self.num,
            self.pre,
            self.street,
            self.suf,
            self.unit,
            self.unit_kind,
            self.city,
            self.state,
            self.zip,
            self.lat,
            self.lon,
            self.metro,
            start,
            end,
            kind or self.kind,
            self.place_name,
        )

    def as_dict(self, with_dates: bool = True, with_geo: bool = True) -> dict:
        d: dict = {
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
            "country": "US",
            "kind": self.kind,
        }
        if self.place_name:
            d["place_name"] = self.place_name
        if with_geo:
            d["lat"], d["lon"] = self.lat, self.lon
        if with_dates:
            d["from"] = iso(self.start)
            d["to"] = iso(self.end) if self.end is not None else None
        return d


@dataclass(slots=True)
class Phone:
    number: str  # ten digits, NPA-555-XXXX
    kind: str
    start: int
    end: int | None


@dataclass(slots=True)
class Job:
    name: str
    addr: Addr
    start: int
    end: int | None


@dataclass(slots=True)
class Registration:
    registrant_id: str
    state: str
    tier: str
    status: str
    registered_on: int
    last_verified: int
    next_due: int
    offense: str
    addr: Addr

    @property
    def ref(self) -> str:
        return f"registry:{self.state}/{self.registrant_id}"


@dataclass(slots=True)
class Person:
    eid: str
    sex: str
    race: str
    first: str
    middle: str | None
    last: str
    suffix: str | None
    dob: int
    height_in: int
    weight_lb: int
    eye: str
    hair: str
    ssn: str | None
    maiden: str | None = None
    addresses: list[Addr] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    screens: list[tuple[str, str]] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    vehicles: list[dict] = field(default_factory=list)
    vehicle_since: list[int] = field(default_factory=list)
    marks: list[dict] = field(default_factory=list)
    aliases: list[dict] = field(default_factory=list)
    deceased: int | None = None
    regs: list[Registration] = field(default_factory=list)
    absconded_since: int | None = None
    role: str | None = None
    refs: list[str] = field(default_factory=list)
    # records whose contents matter to later stages (chains): ref -> the record
    kept_records: dict[str, dict] = field(default_factory=dict)

    @property
    def offender(self) -> bool:
        return bool(self.regs)

    @property
    def current(self) -> Addr:
        return self.addresses[-1]

    def last_residence(self) -> Addr:
        for a in reversed(self.addresses):
            if a.kind == "residence":
                return a
        return self.addresses[-1]

    def addr_at(self, day: int) -> Addr:
        for a in reversed(self.addresses):
            if a.start <= day:
                return a
        return self.addresses[0]

    def phones_at(self, day: int) -> list[Phone]:
        return [p for p in self.phones if p.start <= day and (p.end is None or p.end >= day)]

    def job_at(self, day: int) -> Job | None:
        for j in reversed(self.jobs):
            if j.start <= day and (j.end is None or j.end >= day):
                return j
        return None

    def name_dict(self, kind: str = "primary") -> dict:
        return {
            "first": self.first,
            "middle": self.middle,
            "last": self.last,
            "suffix": self.suffix,
            "kind": kind,
        }

    def full_name(self) -> str:
        parts = [self.first, self.middle or "", self.last, self.suffix or ""]
        return " ".join(p for p in parts if p)
