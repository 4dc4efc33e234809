"""Maps: GeoJSON first (the interchange form GIS tools read), KML from it (Google Earth), and an
offline PNG / HTML rendering with matplotlib (no tiles, no network: points, circles, cells, labels).

Everything takes GeoJSON FeatureCollections as plain dicts; callers build them from analysis
documents with the `*_features` helpers here. Coordinates in GeoJSON are [lon, lat].
"""

from __future__ import annotations

import base64
import html
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from matplotlib.figure import Figure

from vigil.normalize.geocode import EARTH_RADIUS_MILES

Feature = dict[str, Any]
Collection = dict[str, Any]

# What each kind of point looks like, on the PNG and in KML (aabbggrr colours).
STYLES: dict[str, tuple[str, str, str]] = {  # category -> (matplotlib colour, marker, KML colour)
    "case": ("#d62728", "*", "ff2827d6"),
    "person": ("#1f77b4", "o", "ffb4771f"),
    "incident": ("#ff7f0e", "^", "ff0e7fff"),
    "lpr_hit": ("#2ca02c", "s", "ff2ca02c"),
    "lead": ("#9467bd", "D", "ffbd6794"),
    "series": ("#8c564b", "o", "ff4b568c"),
    "cell": ("#444444", "", "ff444444"),
    "radius": ("#d62728", "", "ff2827d6"),
}


def point(lat: float, lon: float, category: str, name: str, **props: Any) -> Feature:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"category": category, "name": name, **props},
    }


def polygon(ring: list[tuple[float, float]], category: str, name: str, **props: Any) -> Feature:
    """`ring` as (lat, lon) pairs; closed here."""
    coords = [[round(lon, 6), round(lat, 6)] for lat, lon in ring]
    if coords[0] != coords[-1]:
        coords.append(coords[0])
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [coords]},
        "properties": {"category": category, "name": name, **props},
    }


def circle(lat: float, lon: float, miles: float, steps: int = 72) -> list[tuple[float, float]]:
    """A ring of (lat, lon) points `miles` from the centre (spherical destination formula)."""
    d = miles / EARTH_RADIUS_MILES
    la, lo = math.radians(lat), math.radians(lon)
    out = []
    for k in range(steps + 1):
        b = 2 * math.pi * k / steps
        la2 = math.asin(math.sin(la) * math.cos(d) + math.cos(la) * math.sin(d) * math.cos(b))
        lo2 = lo + math.atan2(
            math.sin(b) * math.sin(d) * math.cos(la), math.cos(d) - math.sin(la) * math.sin(la2)
        )
        out.append((math.degrees(la2), math.degrees(lo2)))
    return out


def collection(features: Iterable[Feature], name: str) -> Collection:
    return {"type": "FeatureCollection", "name": name, "features": list(features)}


# ---- from analysis documents ------------------------------------------------------------------------


def nearby_features(doc: dict[str, Any]) -> Collection:
    c = doc["centre"]
    out = [
        point(c["lat"], c["lon"], "case", doc.get("case_number") or doc["case"], ref=doc["case"], at=c["at"]),
        polygon(circle(c["lat"], c["lon"], doc["radius_mi"]), "radius", f"{doc['radius_mi']:g} mi"),
    ]
    for p in doc["persons"]:
        reg = p.get("registration") or {}
        out.append(
            point(
                p["lat"],
                p["lon"],
                "person",
                p["person_id"] or p["address_ref"],
                refs=p["refs"],
                address=p["address"],
                address_label=p["address_label"],
                address_ref=p["address_ref"],
                distance_mi=p["distance_mi"],
                status=reg.get("status"),
            )
        )
    for key, category in (("incidents", "incident"), ("lpr_hits", "lpr_hit"), ("leads", "lead")):
        for x in doc.get(key, []):
            if x.get("lat") is None:
                continue
            props = {k: v for k, v in x.items() if k not in ("lat", "lon")}
            out.append(point(x["lat"], x["lon"], category, x["ref"], **props))
    return collection(out, f"Near {doc.get('case_number') or doc['case']}")


def incidents_features(incidents: list[dict[str, Any]], name: str) -> Collection:
    return collection(
        (
            point(
                x["lat"],
                x["lon"],
                "incident",
                x["ref"],
                **{k: v for k, v in x.items() if k not in ("lat", "lon")},
            )
            for x in incidents
            if x.get("lat") is not None
        ),
        name,
    )


def grid_features(grid: dict[str, Any]) -> Collection:
    c = grid["centre"]
    out = [point(c["lat"], c["lon"], "case", grid.get("label") or "last seen")]
    out.append(polygon(circle(c["lat"], c["lon"], grid["radius_mi"]), "radius", f"{grid['radius_mi']:g} mi"))
    for cell in grid["cells"]:
        out.append(
            polygon(
                [tuple(p) for p in cell["corners"]],
                "cell",
                str(cell["number"]),
                number=cell["number"],
                grid_ref=cell["grid_ref"],
                center_lat=cell["center"][0],
                center_lon=cell["center"][1],
                distance_mi=cell["distance_mi"],
            )
        )
    return collection(out, grid.get("label") or "Grid search")


# ---- KML ----------------------------------------------------------------------------------------------


def to_kml(fc: Collection) -> str:
    """KML 2.2 for Google Earth: one Placemark per feature, styled by category."""
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)
    kml = ET.Element(f"{{{ns}}}kml")
    doc = ET.SubElement(kml, f"{{{ns}}}Document")
    ET.SubElement(doc, f"{{{ns}}}name").text = str(fc.get("name") or "Vigil")
    for category, (_, _, kml_colour) in STYLES.items():
        style = ET.SubElement(doc, f"{{{ns}}}Style", id=category)
        icon = ET.SubElement(style, f"{{{ns}}}IconStyle")
        ET.SubElement(icon, f"{{{ns}}}color").text = kml_colour
        line = ET.SubElement(style, f"{{{ns}}}LineStyle")
        ET.SubElement(line, f"{{{ns}}}color").text = kml_colour
        ET.SubElement(line, f"{{{ns}}}width").text = "2"
        poly = ET.SubElement(style, f"{{{ns}}}PolyStyle")
        ET.SubElement(poly, f"{{{ns}}}fill").text = "0"
    for feature in fc["features"]:
        props = feature.get("properties") or {}
        pm = ET.SubElement(doc, f"{{{ns}}}Placemark")
        ET.SubElement(pm, f"{{{ns}}}name").text = str(props.get("name", ""))
        ET.SubElement(pm, f"{{{ns}}}styleUrl").text = f"#{props.get('category', 'incident')}"
        extended = ET.SubElement(pm, f"{{{ns}}}ExtendedData")
        for key, value in props.items():
            if key in ("name",) or value is None:
                continue
            data = ET.SubElement(extended, f"{{{ns}}}Data", name=key)
            text = ";".join(map(str, value)) if isinstance(value, list) else str(value)
            ET.SubElement(data, f"{{{ns}}}value").text = text
        geometry = feature["geometry"]
        if geometry["type"] == "Point":
            lon, lat = geometry["coordinates"]
            pt = ET.SubElement(pm, f"{{{ns}}}Point")
            ET.SubElement(pt, f"{{{ns}}}coordinates").text = f"{lon},{lat},0"
        elif geometry["type"] == "Polygon":
            poly = ET.SubElement(pm, f"{{{ns}}}Polygon")
            outer = ET.SubElement(poly, f"{{{ns}}}outerBoundaryIs")
            ring = ET.SubElement(outer, f"{{{ns}}}LinearRing")
            ET.SubElement(ring, f"{{{ns}}}coordinates").text = " ".join(
                f"{lon},{lat},0" for lon, lat in geometry["coordinates"][0]
            )
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


# ---- PNG and HTML -------------------------------------------------------------------------------------


def map_png(
    fc: Collection, title: str = "", size: tuple[float, float] = (8.0, 8.0), label_cells: bool = True
) -> bytes:
    """An offline map: points by category, rings and cells outlined, north up, a miles scale bar."""
    fig = Figure(figsize=size, dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    lats: list[float] = []
    lons: list[float] = []
    seen: set[str] = set()
    for feature in fc["features"]:
        props = feature.get("properties") or {}
        category = props.get("category", "incident")
        colour, marker, _ = STYLES.get(category, STYLES["incident"])
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            ring = geometry["coordinates"][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            style = "--" if category == "radius" else "-"
            ax.plot(xs, ys, style, color=colour, linewidth=0.8 if category == "cell" else 1.2)
            lons.extend(xs)
            lats.extend(ys)
            if category == "cell" and label_cells:
                ax.text(
                    props.get("center_lon", sum(xs) / len(xs)),
                    props.get("center_lat", sum(ys) / len(ys)),
                    str(props.get("name", "")),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="#222222",
                )
        elif geometry["type"] == "Point":
            lon, lat = geometry["coordinates"]
            label = category.replace("_", " ") if category not in seen else None
            seen.add(category)
            ax.scatter(
                [lon],
                [lat],
                c=colour,
                marker=marker or "o",
                s=140 if category == "case" else 36,
                label=label,
                zorder=3,
                edgecolors="black",
                linewidths=0.4,
            )
            lons.append(lon)
            lats.append(lat)
    if lats:
        mid = (min(lats) + max(lats)) / 2
        ax.set_aspect(1.0 / max(0.1, math.cos(math.radians(mid))))
        _scale_bar(ax, min(lons), max(lons), min(lats), max(lats), mid)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    if seen:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    if title:
        ax.set_title(title, fontsize=11)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _scale_bar(ax, lon_lo: float, lon_hi: float, lat_lo: float, lat_hi: float, mid: float) -> None:  # type: ignore[no-untyped-def]
    miles_per_deg_lon = math.pi * EARTH_RADIUS_MILES / 180 * math.cos(math.radians(mid))
    span_mi = max((lon_hi - lon_lo) * miles_per_deg_lon, 0.1)
    bar = 10 ** math.floor(math.log10(span_mi / 4))
    for step in (5, 2):
        if bar * step <= span_mi / 3:
            bar *= step
            break
    x0 = lon_lo + (lon_hi - lon_lo) * 0.05
    y0 = lat_lo + (lat_hi - lat_lo) * 0.04
    ax.plot([x0, x0 + bar / miles_per_deg_lon], [y0, y0], color="black", linewidth=2)
    ax.text(x0, y0 + (lat_hi - lat_lo) * 0.015, f"{bar:g} mi", fontsize=8)


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def map_html(fc: Collection, title: str, columns: list[str] | None = None) -> str:
    """A self-contained HTML page: the map image and a table of the features' properties."""
    png = map_png(fc, title)
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    columns = columns or [
        "category",
        "name",
        "ref",
        "distance_mi",
        "days_apart",
        "address",
        "address_label",
        "at",
    ]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["lat", "lon", *columns])
    rows = []
    for f in points:
        props = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        cells = [f"{lat:.5f}", f"{lon:.5f}", *(_cell(props.get(c)) for c in columns)]
        rows.append("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in cells) + "</tr>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Law-enforcement sensitive. Generated by Vigil.</p>"
        f"<img alt='map' src='{png_data_uri(png)}'>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)
