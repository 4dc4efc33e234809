"""Incident trends: counts by region, week, type, time of day, child age and sex, activity and lure,
and hot spots (the densest cells of a ~5-mile grid)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta
from typing import Any

from vigil.analyze.incidents import Incident

TIME_OF_DAY = (
    ("night (0-6)", 0, 6),
    ("morning (6-9)", 6, 9),
    ("school day (9-14)", 9, 14),
    ("after school (14-18)", 14, 18),
    ("evening (18-24)", 18, 24),
)
AGE_BANDS = (("0-5", 0, 5), ("6-9", 6, 9), ("10-12", 10, 12), ("13-15", 13, 15), ("16-17", 16, 17))
HOTSPOT_CELL_DEG = 0.075  # about 5 miles north-south


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _time_of_day(hour: float | None) -> str:
    if hour is None:
        return "unknown"
    for label, lo, hi in TIME_OF_DAY:
        if lo <= hour < hi:
            return label
    return "unknown"


def _age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for label, lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return label
    return "18+"


def _ordered(counter: Counter, order: list[str] | None = None) -> dict[str, int]:
    if order:
        return {k: counter.get(k, 0) for k in order if counter.get(k, 0) or k != "unknown"}
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def trends(incidents: list[Incident], start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Counts over the given incidents; weeks run Monday to Sunday and empty weeks count zero."""
    days = [x.at.date() for x in incidents if x.at]
    weeks: Counter = Counter(week_start(d) for d in days)
    if days or (start and end):
        first = week_start(start or min(days))
        last = week_start(end or max(days))
        week = first
        while week <= last:
            weeks.setdefault(week, 0)
            week += timedelta(days=7)
    return {
        "total": len(incidents),
        "by_region": _ordered(Counter(x.state or "unknown" for x in incidents)),
        "by_week": {k.isoformat(): v for k, v in sorted(weeks.items())},
        "by_kind": _ordered(Counter(x.kind for x in incidents)),
        "by_time_of_day": _ordered(
            Counter(_time_of_day(x.local_hour) for x in incidents), [t[0] for t in TIME_OF_DAY] + ["unknown"]
        ),
        "by_child_age": _ordered(
            Counter(_age_band(x.child_age) for x in incidents), [a[0] for a in AGE_BANDS] + ["18+", "unknown"]
        ),
        "by_child_sex": _ordered(Counter(x.child_sex or "unknown" for x in incidents)),
        "by_activity": _ordered(Counter((x.activity or "unknown").replace("_", " ") for x in incidents)),
        "by_lure": _ordered(Counter(x.lure or "unknown" for x in incidents)),
        "by_vehicle": {
            "with vehicle": sum(1 for x in incidents if x.has_vehicle),
            "on foot / none reported": sum(1 for x in incidents if not x.has_vehicle),
        },
        "hot_spots": hot_spots(incidents),
    }


def hot_spots(incidents: list[Incident], top: int = 10, minimum: int = 2) -> list[dict[str, Any]]:
    """The grid cells with the most incidents, with their centroid and the incidents in them."""
    cells: dict[tuple[int, int], list[Incident]] = {}
    for x in incidents:
        if x.lat is None or x.lon is None:
            continue
        dlon = HOTSPOT_CELL_DEG / max(0.1, math.cos(math.radians(x.lat)))
        key = (math.floor(x.lat / HOTSPOT_CELL_DEG), math.floor(x.lon / dlon))
        cells.setdefault(key, []).append(x)
    ranked = sorted(cells.values(), key=lambda xs: (-len(xs), xs[0].ref))
    out = []
    for xs in ranked[:top]:
        if len(xs) < minimum:
            break
        cities = Counter(f"{x.city}, {x.state}" for x in xs if x.city)
        out.append(
            {
                "count": len(xs),
                "lat": round(sum(x.lat for x in xs) / len(xs), 5),  # type: ignore[misc]
                "lon": round(sum(x.lon for x in xs) / len(xs), 5),  # type: ignore[misc]
                "place": cities.most_common(1)[0][0] if cities else None,
                "refs": [x.ref for x in xs],
            }
        )
    return out
