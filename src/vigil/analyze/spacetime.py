"""Near in space and time: the spatial index behind series blocking, and bounding boxes for SQL.

Pairs within R miles and D days are found with a k-d tree (scipy's cKDTree) over points on the unit
sphere, one time slab of D days at a time: a slab and the next are indexed together, so every pair
closer than D days is seen exactly once and memory stays bounded by the densest two slabs. The
chord between two unit vectors is monotonic in great-circle distance, so the tree's radius query is
exact, not an approximation to be filtered.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime

import numpy as np
from scipy.spatial import cKDTree

from vigil.normalize.geocode import EARTH_RADIUS_MILES

MILES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_MILES / 180.0


def aware(at: datetime) -> datetime:
    """SQLite returns naive datetimes; the store writes UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def day_number(at: datetime | date) -> float:
    """Days since 1970-01-01 (UTC) as a float, for arithmetic on arrays of instants."""
    if isinstance(at, datetime):
        return aware(at).timestamp() / 86400.0
    return datetime(at.year, at.month, at.day, tzinfo=UTC).timestamp() / 86400.0


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    cos_la = np.cos(la)
    return np.column_stack((cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)))


def chord(miles: float) -> float:
    """Straight-line distance through the unit sphere between points `miles` apart on the surface."""
    return 2.0 * math.sin(min(math.pi, miles / EARTH_RADIUS_MILES) / 2.0)


def haversine_np(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Vectorised great-circle miles (same formula and radius as normalize.geocode.haversine_miles)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def bbox(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(lat_lo, lat_hi, lon_lo, lon_hi) enclosing every point within `miles` (for indexed SQL ranges)."""
    dlat = miles / MILES_PER_DEGREE_LAT
    lat_lo, lat_hi = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(lat_lo), abs(lat_hi))
    if widest >= 89.0:
        return lat_lo, lat_hi, -180.0, 180.0
    dlon = miles / (MILES_PER_DEGREE_LAT * math.cos(math.radians(widest)))
    return lat_lo, lat_hi, lon - dlon, lon + dlon


def pairs_within(
    lat: np.ndarray, lon: np.ndarray, days: np.ndarray, max_miles: float, max_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of points within `max_miles` and `max_days` of each other.

    Points with a NaN coordinate or time take part in no pair.
    """
    chunks = list(pair_slabs(lat, lon, days, max_miles, max_days))
    if not chunks:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def pair_slabs(
    lat: np.ndarray, lon: np.ndarray, days: np.ndarray, max_miles: float, max_days: float
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`pairs_within`, one time slab at a time (i < j in each), so callers can score and discard."""
    ok = ~(np.isnan(lat) | np.isnan(lon) | np.isnan(days))
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return
    order = idx[np.argsort(days[idx], kind="stable")]
    t = days[order]
    xyz = unit_vectors(lat[order], lon[order])
    radius = chord(max_miles)
    width = max(max_days, 1e-6)
    slab = np.floor((t - t[0]) / width).astype(np.int64)
    starts = np.searchsorted(slab, np.arange(slab[-1] + 2), side="left")
    for b in range(int(slab[-1]) + 1):
        lo, mid, hi = starts[b], starts[b + 1], starts[min(b + 2, len(starts) - 1)]
        if mid == lo:
            continue
        tree = cKDTree(xyz[lo:hi])
        pairs = tree.query_pairs(radius, output_type="ndarray")
        if not len(pairs):
            continue
        a, c = pairs[:, 0] + lo, pairs[:, 1] + lo
        first = np.minimum(a, c)
        # Each pair is taken in the slab of its earlier point only, so none is counted twice.
        keep = (first < mid) & (np.abs(t[a] - t[c]) <= max_days)
        i, j = order[a[keep]], order[c[keep]]
        yield np.minimum(i, j), np.maximum(i, j)
