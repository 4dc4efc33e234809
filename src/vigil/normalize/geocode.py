"""Offline, pluggable geocoding.

The default geocoder places an address at its ZIP centroid (then city, then
state centroid) from the `zipcodes` package data: no network, deterministic,
and good enough for "within N miles" questions at ZIP scale. A deployment with
a better offline geocoder (e.g. a local address-point file) plugs it in with
``VIGIL_GEOCODER=module.path:ClassName``.
"""

from __future__ import annotations

import importlib
import math
import os
from dataclasses import dataclass
from functools import cache
from typing import Protocol, runtime_checkable

import zipcodes

from vigil.normalize._text import fold_ascii, squash_spaces
from vigil.normalize.addresses import NormalizedAddress

PRECISIONS = ("source", "rooftop", "street", "zip", "city", "state")
EARTH_RADIUS_MILES = 3958.7613
GEOCODER_ENV = "VIGIL_GEOCODER"


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float
    precision: str


@runtime_checkable
class Geocoder(Protocol):
    name: str

    def geocode(self, address: NormalizedAddress) -> GeoPoint | None: ...


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in statute miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def source_point(lat: object, lon: object) -> GeoPoint | None:
    """A GeoPoint from a record's own lat/lon (precision "source"); None when absent or out of range."""
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0) or (la == 0.0 and lo == 0.0):
        # (0, 0) is the classic "no coordinates" placeholder, not a place.
        return None
    return GeoPoint(la, lo, "source")


# City names differ in how they abbreviate: "ST LOUIS" vs zipcodes' "Saint Louis".
_CITY_WORDS = {"ST": "SAINT", "STE": "SAINTE", "FT": "FORT", "MT": "MOUNT", "PT": "POINT"}


def city_key(city: str) -> str:
    words = squash_spaces(fold_ascii(city).upper().replace(".", " ").replace("-", " ")).split()
    return " ".join(_CITY_WORDS.get(w, w) for w in words)


class _ZipData:
    """zipcodes' 42k records folded once into lookup dicts."""

    __slots__ = ("by_city", "by_state", "by_zip", "standard")

    def __init__(self) -> None:
        self.by_zip: dict[str, tuple[str, str, float, float]] = {}
        self.standard: list[tuple[str, str, str, float, float]] = []
        city_sums: dict[tuple[str, str], list[float]] = {}
        alt_sums: dict[tuple[str, str], list[float]] = {}
        state_sums: dict[str, list[float]] = {}
        for rec in zipcodes.list_all():
            try:
                lat, lon = float(rec["lat"]), float(rec["long"])
            except (TypeError, ValueError, KeyError):
                continue
            if lat == 0.0 and lon == 0.0:
                continue
            zip5, city, state = rec["zip_code"], rec["city"], rec["state"]
            self.by_zip[zip5] = (city, state, lat, lon)
            # Centroids from ordinary delivery ZIPs only: PO-box and single-firm
            # ZIPs sit on post offices and buildings, military ones overseas.
            if rec["zip_code_type"] != "STANDARD" or not rec["active"]:
                continue
            self.standard.append((zip5, city, state, lat, lon))
            _add(city_sums, (city_key(city), state), lat, lon)
            for alt in rec.get("acceptable_cities") or ():
                _add(alt_sums, (city_key(alt), state), lat, lon)
            _add(state_sums, state, lat, lon)
        for key, sums in alt_sums.items():
            city_sums.setdefault(key, sums)
        self.by_city = {k: (s[0] / s[2], s[1] / s[2]) for k, s in city_sums.items()}
        self.by_state = {k: (s[0] / s[2], s[1] / s[2]) for k, s in state_sums.items()}


def _add(sums: dict, key: object, lat: float, lon: float) -> None:
    acc = sums.setdefault(key, [0.0, 0.0, 0])
    acc[0] += lat
    acc[1] += lon
    acc[2] += 1


@cache
def _zip_data() -> _ZipData:
    return _ZipData()


class ZipCentroidGeocoder:
    """ZIP centroid, else city centroid, else state centroid (dict lookups only)."""

    name = "zip-centroid"

    def __init__(self) -> None:
        self._data = _zip_data()

    def geocode(self, address: NormalizedAddress) -> GeoPoint | None:
        data = self._data
        hit = data.by_zip.get(address.zip5) if address.zip5 else None
        if hit is not None:
            return GeoPoint(hit[2], hit[3], "zip")
        if address.state:
            if address.city:
                point = data.by_city.get((city_key(address.city), address.state))
                if point is not None:
                    return GeoPoint(point[0], point[1], "city")
            point = data.by_state.get(address.state)
            if point is not None:
                return GeoPoint(point[0], point[1], "state")
        return None


def zip_info(zip5: str) -> tuple[str, str, float, float] | None:
    """(city, state, lat, lon) of a ZIP, city as zipcodes spells it ("Austin"); None if unknown."""
    return _zip_data().by_zip.get(zip5)


def all_zip_records() -> list[tuple[str, str, str, float, float]]:
    """Active standard (non-PO-box, non-military) ZIPs with coordinates: (zip5, city, state, lat, lon)."""
    return list(_zip_data().standard)


@cache
def _load(spec: str) -> Geocoder:
    if spec in ("", "zip", "zip-centroid", "default"):
        return ZipCentroidGeocoder()
    module_name, sep, class_name = spec.partition(":")
    if not sep or not module_name or not class_name:
        raise ValueError(f"geocoder spec must be 'module.path:ClassName', got {spec!r}")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load geocoder {spec!r}: {exc}") from exc
    instance = cls()
    if not isinstance(instance, Geocoder):
        raise ValueError(f"{spec!r} is not a geocoder (needs .name and .geocode(address))")
    return instance


def get_geocoder(spec: str | None = None) -> Geocoder:
    """The geocoder named by ``spec`` (or $VIGIL_GEOCODER); the ZIP-centroid one by default.

    Instances are cached per spec, so plug-ins may load their data in __init__.
    """
    if spec is None:
        spec = os.environ.get(GEOCODER_ENV, "")
    return _load(spec.strip())
