"""Grid-search cells for search teams: square cells over a radius around a last-seen point.

Cells are `cell_mi` on a side on a local east/north plane (flat-earth error is negligible at search
scales), kept when any part lies within the radius. Each has a grid reference (row letter from the
north, column number from the west, like a paper map: "C4") and a search number, 1 being the cell
nearest the last-seen point, so teams work outward.
"""

from __future__ import annotations

import math
import string
from typing import Any

from vigil.analyze.spacetime import MILES_PER_DEGREE_LAT
from vigil.normalize.geocode import haversine_miles

MAX_CELLS = 2500


def _row_label(k: int) -> str:
    letters = string.ascii_uppercase
    out = ""
    k += 1
    while k:
        k, rem = divmod(k - 1, 26)
        out = letters[rem] + out
    return out


def grid(
    lat: float, lon: float, radius_mi: float, cell_mi: float, label: str | None = None
) -> dict[str, Any]:
    if radius_mi <= 0 or cell_mi <= 0:
        raise ValueError("radius and cell size must be positive")
    n = math.ceil(radius_mi / cell_mi)
    if (2 * n) ** 2 > MAX_CELLS * 4:
        raise ValueError(f"{(2 * n) ** 2} cells is too many for one grid; use larger cells")
    deg_lat = cell_mi / MILES_PER_DEGREE_LAT
    deg_lon = cell_mi / (MILES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    cells = []
    for r in range(2 * n):  # rows from the north
        for c in range(2 * n):  # columns from the west
            north = lat + (n - r) * deg_lat
            south = north - deg_lat
            west = lon + (c - n) * deg_lon
            east = west + deg_lon
            # Nearest point of the cell to the centre: clamp the centre into the cell.
            near_lat = min(max(lat, south), north)
            near_lon = min(max(lon, west), east)
            if haversine_miles(lat, lon, near_lat, near_lon) > radius_mi:
                continue
            centre = ((north + south) / 2, (west + east) / 2)
            cells.append(
                {
                    "grid_ref": f"{_row_label(r)}{c + 1}",
                    "row": r,
                    "col": c,
                    "center": [round(centre[0], 6), round(centre[1], 6)],
                    "corners": [
                        [round(north, 6), round(west, 6)],
                        [round(north, 6), round(east, 6)],
                        [round(south, 6), round(east, 6)],
                        [round(south, 6), round(west, 6)],
                    ],
                    "distance_mi": round(haversine_miles(lat, lon, *centre), 3),
                }
            )
    cells.sort(key=lambda x: (x["distance_mi"], x["row"], x["col"]))
    for number, cell in enumerate(cells, start=1):
        cell["number"] = number
    if len(cells) > MAX_CELLS:
        raise ValueError(f"{len(cells)} cells is too many for one grid; use larger cells")
    return {
        "label": label,
        "centre": {"lat": lat, "lon": lon},
        "radius_mi": radius_mi,
        "cell_mi": cell_mi,
        "cells": cells,
    }
