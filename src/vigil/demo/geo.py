"""Real ZIP/city/state/lat/lon geography so synthetic addresses geocode offline.

Only the street line is invented; ZIP, city, state and coordinates come from the
`zipcodes` package. People are placed in a fixed set of metro counties whose
FIPS codes are known, so agency jurisdictions (county FIPS lists) are real.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import accumulate

import zipcodes

# (state, county name as spelled by `zipcodes`, county FIPS, local area codes, population weight)
_METROS: tuple[tuple[str, str, str, tuple[str, ...], float], ...] = (
    ("TX", "Harris County", "48201", ("713", "281", "832", "346"), 4.7),
    ("TX", "Dallas County", "48113", ("214", "469", "972"), 2.6),
    ("TX", "Tarrant County", "48439", ("817", "682"), 2.1),
    ("TX", "Bexar County", "48029", ("210", "726"), 2.0),
    ("TX", "Travis County", "48453", ("512", "737"), 1.3),
    ("TX", "Collin County", "48085", ("214", "469", "972"), 1.1),
    ("TX", "El Paso County", "48141", ("915",), 0.85),
    ("TX", "Williamson County", "48491", ("512", "737"), 0.6),
    ("TX", "Nueces County", "48355", ("361",), 0.35),
    ("TX", "Lubbock County", "48303", ("806",), 0.3),
    ("OK", "Oklahoma County", "40109", ("405", "572"), 0.8),
    ("OK", "Tulsa County", "40143", ("918", "539"), 0.67),
    ("OK", "Cleveland County", "40027", ("405",), 0.29),
    ("OK", "Canadian County", "40017", ("405",), 0.15),
    ("OK", "Comanche County", "40031", ("580",), 0.12),
    ("FL", "Miami-Dade County", "12086", ("305", "786"), 2.7),
    ("FL", "Broward County", "12011", ("954", "754"), 1.9),
    ("FL", "Palm Beach County", "12099", ("561",), 1.5),
    ("FL", "Hillsborough County", "12057", ("813", "656"), 1.5),
    ("FL", "Orange County", "12095", ("407", "689"), 1.4),
    ("FL", "Duval County", "12031", ("904",), 1.0),
    ("FL", "Pinellas County", "12103", ("727",), 1.0),
    ("FL", "Leon County", "12073", ("850",), 0.3),
    ("OH", "Franklin County", "39049", ("614", "380"), 1.3),
    ("OH", "Cuyahoga County", "39035", ("216", "440"), 1.25),
    ("OH", "Hamilton County", "39061", ("513",), 0.83),
    ("OH", "Summit County", "39153", ("330", "234"), 0.54),
    ("OH", "Montgomery County", "39113", ("937",), 0.54),
    ("OH", "Lucas County", "39095", ("419", "567"), 0.43),
    ("CA", "Los Angeles County", "06037", ("213", "310", "323", "626", "818", "562"), 10.0),
    ("CA", "San Diego County", "06073", ("619", "858", "760"), 3.3),
    ("CA", "Orange County", "06059", ("714", "949", "657"), 3.2),
    ("CA", "Riverside County", "06065", ("951", "760"), 2.4),
    ("CA", "San Bernardino County", "06071", ("909", "760"), 2.2),
    ("CA", "Santa Clara County", "06085", ("408", "669"), 1.9),
    ("CA", "Alameda County", "06001", ("510", "341"), 1.7),
    ("CA", "Sacramento County", "06067", ("916", "279"), 1.6),
    ("CA", "Fresno County", "06019", ("559",), 1.0),
    ("CA", "Kern County", "06029", ("661",), 0.9),
    ("AZ", "Maricopa County", "04013", ("602", "480", "623"), 4.4),
    ("AZ", "Pima County", "04019", ("520",), 1.0),
    ("AZ", "Pinal County", "04021", ("520",), 0.45),
    ("GA", "Fulton County", "13121", ("404", "470", "678"), 1.07),
    ("GA", "Gwinnett County", "13135", ("770", "470", "678"), 0.96),
    ("GA", "Cobb County", "13067", ("770", "470", "678"), 0.77),
    ("GA", "DeKalb County", "13089", ("404", "470", "678"), 0.76),
    ("GA", "Chatham County", "13051", ("912",), 0.3),
    ("NM", "Bernalillo County", "35001", ("505",), 0.68),
    ("NM", "Dona Ana County", "35013", ("575",), 0.22),
    ("NM", "Santa Fe County", "35049", ("505",), 0.15),
)

# name, relative weight of the synthetic population, standard UTC offset (hours), observes DST
STATES: dict[str, tuple[str, float, int, bool]] = {
    "TX": ("Texas", 0.24, -6, True),
    "CA": ("California", 0.25, -8, True),
    "FL": ("Florida", 0.17, -5, True),
    "OH": ("Ohio", 0.11, -5, True),
    "OK": ("Oklahoma", 0.06, -6, True),
    "AZ": ("Arizona", 0.07, -7, False),
    "GA": ("Georgia", 0.07, -5, True),
    "NM": ("New Mexico", 0.03, -7, True),
}
REGISTRY_STATES: tuple[str, ...] = ("TX", "OK", "FL", "OH", "CA")
EARTH_MI = 3958.8


@dataclass(frozen=True, slots=True)
class Zip:
    zip: str
    city: str
    state: str
    lat: float
    lon: float
    metro: int


@dataclass(slots=True)
class Metro:
    idx: int
    state: str
    county: str
    fips: str
    area_codes: tuple[str, ...]
    weight: float
    zips: list[Zip] = field(default_factory=list)
    lat: float = 0.0
    lon: float = 0.0


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in statute miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_MI * math.asin(min(1.0, math.sqrt(a)))


def offset_point(lat: float, lon: float, dist_mi: float, bearing: float) -> tuple[float, float]:
    """Point `dist_mi` from (lat, lon) along `bearing` (radians); flat-earth is fine at metro scale."""
    dlat = dist_mi * math.cos(bearing) / 69.0
    dlon = dist_mi * math.sin(bearing) / (69.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


class Geo:
    """Metros, their ZIPs and phone area codes; all choices take the caller's rng."""

    def __init__(self) -> None:
        rows = zipcodes.filter_by(zip_code_type="STANDARD", active=True)
        wanted = {(m[0], m[1].lower()): i for i, m in enumerate(_METROS)}
        self.metros: list[Metro] = [Metro(i, s, c, f, a, w) for i, (s, c, f, a, w) in enumerate(_METROS)]
        for r in sorted(rows, key=lambda r: r["zip_code"]):
            i = wanted.get((r["state"], r["county"].lower()))
            if i is None or not r["lat"]:
                continue
            self.metros[i].zips.append(
                Zip(r["zip_code"], r["city"], r["state"], float(r["lat"]), float(r["long"]), i)
            )
        for m in self.metros:
            if not m.zips:
                raise RuntimeError(f"zipcodes has no ZIPs for {m.county}, {m.state}")
            m.lat = sum(z.lat for z in m.zips) / len(m.zips)
            m.lon = sum(z.lon for z in m.zips) / len(m.zips)
        self.states = list(STATES)
        self._state_cw = list(accumulate(STATES[s][1] for s in self.states))
        self.by_state: dict[str, list[Metro]] = {
            s: [m for m in self.metros if m.state == s] for s in self.states
        }
        self._metro_cw = {s: list(accumulate(m.weight for m in ms)) for s, ms in self.by_state.items()}
        self.area_codes = self._state_area_codes(rows)

    def _state_area_codes(self, rows: list[dict]) -> dict[str, list[str]]:
        """Every area code mostly used in a state, metro codes first (they are exhausted first)."""
        home: dict[str, dict[str, int]] = {}
        for r in rows:
            for ac in r["area_codes"]:
                home.setdefault(ac, {}).setdefault(r["state"], 0)
                home[ac][r["state"]] += 1
        out: dict[str, list[str]] = {}
        for s in self.states:
            codes = [ac for m in self.by_state[s] for ac in m.area_codes]
            codes += sorted(
                ac for ac, c in home.items() if max(c, key=lambda k: (c[k], k)) == s and c[s] >= 10
            )
            out[s] = list(dict.fromkeys(codes))
        return out

    def state(self, rng: random.Random, exclude: str | None = None) -> str:
        while True:
            s = self.states[bisect(self._state_cw, rng.random() * self._state_cw[-1])]
            if s != exclude:
                return s

    def metro(self, rng: random.Random, state: str | None = None) -> Metro:
        st = state or self.state(rng)
        cw = self._metro_cw[st]
        return self.by_state[st][bisect(cw, rng.random() * cw[-1])]

    def zip_in(self, rng: random.Random, metro: Metro) -> Zip:
        return metro.zips[rng.randrange(len(metro.zips))]

    def nearest_zip(self, lat: float, lon: float, state: str | None = None) -> Zip:
        """The closest ZIP of the synthetic world (only metro ZIPs exist), optionally within one state."""
        metros = self.by_state[state] if state else self.metros
        near = sorted(metros, key=lambda m: (m.lat - lat) ** 2 + ((m.lon - lon) * 0.8) ** 2)[:3]
        best, bd = near[0].zips[0], 1e18
        for m in near:
            for z in m.zips:
                d = (z.lat - lat) ** 2 + ((z.lon - lon) * 0.8) ** 2
                if d < bd:
                    best, bd = z, d
        return best


@lru_cache(maxsize=1)
def load_geo() -> Geo:
    """Parse the zipcodes data once per process (about half a second)."""
    return Geo()


def _nth_sunday(year: int, month: int, n: int) -> int:
    first = date(year, month, 1).toordinal()
    # date.weekday(): Monday=0 ... Sunday=6
    to_sun = (6 - date.fromordinal(first).weekday()) % 7
    return first + to_sun + 7 * (n - 1)


@lru_cache(maxsize=64)
def _dst_span(year: int) -> tuple[int, int]:
    return _nth_sunday(year, 3, 2), _nth_sunday(year, 11, 1)


def utc_offset(state: str, day: int) -> str:
    """Local UTC offset on ordinal `day` under the US rule (DST 2nd Sunday March - 1st Sunday November)."""
    _, _, off, dst = STATES[state]
    if dst:
        start, end = _dst_span(date.fromordinal(day).year)
        if start <= day < end:
            off += 1
    sign = "-" if off < 0 else "+"
    return f"{sign}{abs(off):02d}:00"


def timestamp(state: str, day: int, seconds: int) -> str:
    """ISO 8601 local timestamp with offset for ordinal `day` and seconds after midnight."""
    h, rem = divmod(seconds, 3600)
    return (
        f"{date.fromordinal(day).isoformat()}T{h:02d}:{rem // 60:02d}:{rem % 60:02d}{utc_offset(state, day)}"
    )
