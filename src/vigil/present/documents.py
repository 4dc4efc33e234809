"""Documents for agencies: the incident summary (PDF via reportlab, or self-contained HTML) and the
grid-search sheet (PDF). Everything shown comes from analysis documents; nothing is computed here."""

from __future__ import annotations

import html
import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vigil.present.charts import bar_chart, weekly_chart
from vigil.present.maps import (
    collection,
    grid_features,
    incidents_features,
    map_png,
    png_data_uri,
    point,
)

_WIDTHS = [w * inch for w in (0.85, 0.9, 0.8, 1.4, 1.3, 0.8, 1.25)]
BANNER = "LAW ENFORCEMENT SENSITIVE - for investigative use only. Synthetic data in demonstrations."


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=base["BodyText"], fontSize=8, leading=10)
    return {"title": base["Title"], "h2": base["Heading2"], "body": base["BodyText"], "small": small}


def _image(png: bytes, width: float) -> Image:
    img = Image(io.BytesIO(png))
    ratio = img.imageHeight / img.imageWidth
    img.drawWidth, img.drawHeight = width, width * ratio
    return img


def _table(rows: list[list[Any]], widths: list[float], style: ParagraphStyle) -> Table:
    data = [[Paragraph(html.escape(str(c if c is not None else "")), style) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.drawString(0.6 * inch, 0.4 * inch, BANNER)
    canvas.drawRightString(7.9 * inch, 0.4 * inch, f"page {doc.page}")
    canvas.restoreState()


def _summary_map(summary: dict[str, Any]) -> bytes:
    fc = incidents_features(summary["incidents"], "new incidents")
    for s in summary["series"]:
        if s.get("center"):
            fc["features"].append(
                point(s["center"]["lat"], s["center"]["lon"], "series", s["series_id"], refs=s["refs"])
            )
    return map_png(fc, "New incidents and series centres", size=(7.0, 6.0))


def _incident_rows(incidents: list[dict[str, Any]], wrap: bool = True) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["when (local)", "where", "child", "offender", "vehicle / lure", "series", "ref"]
    ]
    for x in incidents:
        child = x["child"]
        rows.append(
            [
                f"{(x['at'] or '')[:10]} {x.get('local_time') or ''}",
                f"{x.get('city') or ''}, {x.get('state') or ''}",
                f"{child.get('age') or '?'} {child.get('sex') or ''} "
                f"{(child.get('activity') or '').replace('_', ' ')}",
                x["offender"],
                f"{x.get('vehicle') or 'no vehicle reported'}; lure: {x.get('lure') or '?'}",
                x.get("series_id") or "",
                # In PDF tables, let the cell wrap after the source rather than inside the id.
                x["ref"].replace("/", "/ ", 1) if wrap else x["ref"],
            ]
        )
    return rows


def summary_pdf(summary: dict[str, Any]) -> bytes:
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.7 * inch,
        title=summary["title"],
        author="Vigil",
    )
    story: list[Any] = [
        Paragraph(html.escape(summary["title"]), st["title"]),
        Paragraph(
            f"Period {summary['from']} to {summary['to']}"
            f"{' - region ' + summary['region'] if summary.get('region') else ''}. "
            f"New incidents: {len(summary['incidents'])}. Possible series: {len(summary['series'])}.",
            st["body"],
        ),
        Spacer(1, 8),
    ]
    if summary["incidents"]:
        story.append(_image(_summary_map(summary), 6.0 * inch))
    story += [Paragraph("New incidents", st["h2"])]
    if summary["incidents"]:
        story.append(
            _table(
                _incident_rows(summary["incidents"]),
                _WIDTHS,
                st["small"],
            )
        )
    else:
        story.append(Paragraph("No incidents in this period.", st["body"]))
    story += [Paragraph("Possible series", st["h2"])]
    if not summary["series"]:
        story.append(Paragraph("No possible series involve this period's incidents.", st["body"]))
    for s in summary["series"]:
        story.append(
            Paragraph(
                f"<b>{html.escape(s['series_id'])}</b> - {len(s['refs'])} incidents, score {s['score']:.2f}",
                st["body"],
            )
        )
        for reason in s["reasons"]:
            story.append(Paragraph("&bull; " + html.escape(reason), st["small"]))
        story.append(Spacer(1, 4))
        story.append(
            _table(
                _incident_rows(s["incidents"]),
                _WIDTHS,
                st["small"],
            )
        )
        story.append(Spacer(1, 8))
    story += [PageBreak(), Paragraph("Trends", st["h2"])]
    trends = summary["trends"]
    story.append(_image(weekly_chart(summary["weekly"], "Incidents per week (recent weeks)"), 6.2 * inch))
    for key, title in (
        ("by_kind", "By type"),
        ("by_time_of_day", "By time of day"),
        ("by_child_age", "By child age"),
        ("by_activity", "By child activity"),
        ("by_lure", "By lure"),
        ("by_region", "By state"),
    ):
        if trends[key]:
            story.append(_image(bar_chart(trends[key], title), 4.6 * inch))
    if trends["hot_spots"]:
        story.append(Paragraph("Hot spots (about 5-mile cells)", st["h2"]))
        rows = [["incidents", "place", "lat", "lon"]] + [
            [h["count"], h.get("place") or "", h["lat"], h["lon"]] for h in trends["hot_spots"]
        ]
        story.append(_table(rows, [0.9 * inch, 2.5 * inch, 1.0 * inch, 1.0 * inch], st["small"]))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def summary_html(summary: dict[str, Any]) -> str:
    def table(rows: list[list[Any]]) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in rows[0])
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(c if c is not None else ''))}</td>" for c in row)
            + "</tr>"
            for row in rows[1:]
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(summary['title'])}</title>",
        "<style>body{font-family:sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:collapse;"
        "font-size:12px;margin:0.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;"
        "vertical-align:top}.banner{background:#fee;padding:4px 8px}</style></head><body>",
        f"<p class='banner'>{html.escape(BANNER)}</p>",
        f"<h1>{html.escape(summary['title'])}</h1>",
        f"<p>Period {summary['from']} to {summary['to']}. New incidents: {len(summary['incidents'])}. "
        f"Possible series: {len(summary['series'])}.</p>",
    ]
    if summary["incidents"]:
        parts.append(f"<img alt='map' src='{png_data_uri(_summary_map(summary))}'>")
    parts.append("<h2>New incidents</h2>")
    parts.append(
        table(_incident_rows(summary["incidents"], False)) if summary["incidents"] else "<p>None.</p>"
    )
    parts.append("<h2>Possible series</h2>")
    for s in summary["series"]:
        parts.append(
            f"<h3>{html.escape(s['series_id'])} - {len(s['refs'])} incidents, score {s['score']:.2f}</h3>"
        )
        parts.append("<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in s["reasons"]) + "</ul>")
        parts.append(table(_incident_rows(s["incidents"], False)))
    if not summary["series"]:
        parts.append("<p>No possible series involve this period's incidents.</p>")
    parts.append("<h2>Trends</h2>")
    parts.append(
        f"<img alt='weekly' src='{png_data_uri(weekly_chart(summary['weekly'], 'Incidents per week'))}'>"
    )
    for key, title in (("by_kind", "By type"), ("by_time_of_day", "By time of day"), ("by_lure", "By lure")):
        if summary["trends"][key]:
            parts.append(f"<img alt='{key}' src='{png_data_uri(bar_chart(summary['trends'][key], title))}'>")
    parts.append("</body></html>\n")
    return "".join(parts)


def grid_pdf(grid: dict[str, Any]) -> bytes:
    """A grid-search sheet: the numbered map and a table of every cell's corners."""
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=letter, title=grid.get("label") or "Grid search", author="Vigil")
    c = grid["centre"]
    title = grid.get("label") or "Grid search"
    story: list[Any] = [
        Paragraph(html.escape(title), st["title"]),
        Paragraph(
            f"Last seen {c['lat']:.5f}, {c['lon']:.5f}. Radius {grid['radius_mi']:g} mi, cells "
            f"{grid['cell_mi']:g} mi square, {len(grid['cells'])} cells numbered from the centre outward.",
            st["body"],
        ),
        _image(map_png(grid_features(grid), title, size=(7.5, 7.5)), 6.8 * inch),
        PageBreak(),
        Paragraph("Cells", st["h2"]),
    ]
    rows: list[list[Any]] = [
        ["cell", "grid ref", "centre lat, lon", "NW corner", "SE corner", "mi from centre"]
    ]
    for cell in grid["cells"]:
        nw, se = cell["corners"][0], cell["corners"][2]
        rows.append(
            [
                cell["number"],
                cell["grid_ref"],
                f"{cell['center'][0]:.5f}, {cell['center'][1]:.5f}",
                f"{nw[0]:.5f}, {nw[1]:.5f}",
                f"{se[0]:.5f}, {se[1]:.5f}",
                f"{cell['distance_mi']:.2f}",
            ]
        )
    story.append(
        _table(rows, [0.5 * inch, 0.7 * inch, 1.5 * inch, 1.5 * inch, 1.5 * inch, 0.9 * inch], st["small"])
    )
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def nearby_pdf(doc_: dict[str, Any], map_fc: dict[str, Any]) -> bytes:
    """The nearby result as a printable sheet: map, then persons, incidents, LPR hits and leads."""
    st = _styles()
    buffer = io.BytesIO()
    title = f"Near {doc_.get('case_number') or doc_['case']}"
    doc = SimpleDocTemplate(buffer, pagesize=letter, title=title, author="Vigil")
    story: list[Any] = [
        Paragraph(html.escape(title), st["title"]),
        Paragraph(f"Within {doc_['radius_mi']:g} mi; events within {doc_['days']:g} days.", st["body"]),
        _image(map_png(map_fc, title, size=(7.0, 7.0)), 6.0 * inch),
    ]
    rows: list[list[Any]] = [["mi", "person", "address (label)", "status", "refs"]]
    for p in doc_["persons"]:
        rows.append(
            [
                p["distance_mi"],
                p["person_id"] or p["address_ref"],
                f"{p['address']} ({p['address_label']})",
                (p.get("registration") or {}).get("status"),
                "; ".join(p["refs"]),
            ]
        )
    story += [Paragraph("Registered offenders", st["h2"])]
    story.append(_table(rows, [0.5 * inch, 1.3 * inch, 2.4 * inch, 0.9 * inch, 1.9 * inch], st["small"]))
    for key, label in (("incidents", "Incidents"), ("lpr_hits", "LPR hits"), ("leads", "Leads")):
        items = doc_.get(key) or []
        story.append(Paragraph(label, st["h2"]))
        rows = [["mi", "days", "kind", "at", "ref"]] + [
            [x.get("distance_mi"), x.get("days_apart"), x.get("kind"), x.get("at"), x["ref"]] for x in items
        ]
        story.append(_table(rows, [0.5 * inch, 0.5 * inch, 1.3 * inch, 2.0 * inch, 2.7 * inch], st["small"]))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


__all__ = ["collection", "grid_pdf", "nearby_pdf", "summary_html", "summary_pdf"]
