"""The comprehensive report as a PDF (reportlab): the same sections and footnotes as the HTML page.

Pictures are the timeline chart and the map (PNG, drawn offline); tables carry a "src" column of
footnote numbers and the last page lists every cited source record.
"""

from __future__ import annotations

import html
import io
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vigil.present.report_charts import timeline_png
from vigil.present.report_common import (
    BANNER,
    REGISTRY_HEADERS,
    RULES_NOTE,
    SECTION_TITLES,
    STATUS_COLOURS,
    Footnotes,
    Row,
    facts_rows,
    generated_line,
    identity_rows,
    key_findings,
    link_rows,
    place_rows,
    record_info,
    registration_line,
    registry_rows,
    status_label,
    summary_registrations,
    timeline_rows,
)
from vigil.present.report_map import located, map_png

WIDTH = 7.3 * inch  # letter minus 0.6 in margins


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=16, leading=19, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12.5, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontSize=10, spaceBefore=6, spaceAfter=2),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontSize=9, leading=11.5),
        "small": ParagraphStyle("s", parent=base["BodyText"], fontSize=7.5, leading=9),
        "muted": ParagraphStyle("m", parent=base["BodyText"], fontSize=7.5, leading=9, textColor=colors.grey),
    }


class _Doc:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.notes = Footnotes()
        self.st = _styles()
        self.story: list[Any] = []

    def cite(self, refs: Any) -> str:
        numbers = self.notes.cite(refs)
        return f"<super>[{','.join(map(str, numbers))}]</super>" if numbers else ""

    def para(self, markup: str, style: str = "body") -> None:
        self.story.append(Paragraph(markup, self.st[style]))

    def table(
        self, headers: list[str], rows: list[Row], widths: list[float] | None = None, empty: str = "none"
    ) -> None:
        if not rows:
            self.para(_e(empty), "muted")
            return
        small = self.st["small"]
        n = len(headers)
        if widths is None:
            widths = [(WIDTH - 0.55 * inch) / n] * n
        data = [[Paragraph(f"<b>{_e(h)}</b>", small) for h in [*headers, "src"]]]
        for cells, refs in rows:
            numbers = self.notes.cite(refs)
            data.append(
                [Paragraph(_e(c), small) for c in cells] + [Paragraph(",".join(map(str, numbers)), small)]
            )
        table = Table(data, colWidths=[*widths, 0.55 * inch], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        self.story.append(table)
        self.story.append(Spacer(1, 5))

    def image(self, png: bytes, width: float = WIDTH) -> None:
        img = Image(io.BytesIO(png))
        ratio = img.imageHeight / img.imageWidth
        img.drawWidth, img.drawHeight = width, width * ratio
        self.story.append(img)


def _footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.drawString(0.6 * inch, 0.4 * inch, BANNER)
    canvas.drawRightString(7.9 * inch, 0.4 * inch, f"page {doc.page}")
    canvas.restoreState()


def report_pdf(doc: dict[str, Any], sections: list[str] | None = None) -> bytes:
    d = _Doc(doc)
    chosen = sections or doc.get("sections") or list(SECTION_TITLES)
    name = doc.get("name") or doc.get("subject")
    title = f"Comprehensive report: {name}" + (f" ({doc['person_id']})" if doc.get("person_id") else "")
    d.para(_e(title), "title")
    d.para(_e(generated_line(doc)), "muted")
    _summary(d, doc)
    for section in chosen:
        renderer = _SECTIONS.get(section)
        if renderer is None:
            continue
        start = len(d.story)
        d.para(_e(SECTION_TITLES[section]), "h2")
        renderer(d, doc)
        if len(d.story) >= start + 2:  # a heading never ends a page alone
            d.story[start : start + 2] = [KeepTogether(d.story[start : start + 2])]
    _sources(d, doc)
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.7 * inch,
        title=title,
        author="Vigil",
        subject=f"compliance {doc['compliance']['status']}",
    )
    # Images go in Flate-compressed only: ASCII85 on top makes them 25% bigger and costs ~0.2 s a report.
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        template.build(d.story, onFirstPage=_footer, onLaterPages=_footer)
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue()


def _status_markup(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#888888")
    return f"<font color='{colour}'><b>{_e(status_label(status))}</b></font>"


def _summary(d: _Doc, doc: dict[str, Any]) -> None:
    comp = doc["compliance"]
    lines = [f"Compliance: {_status_markup(comp['status'])}"]
    addr = doc.get("current_address")
    if addr:
        lines.append(
            f"Most recent residence: <b>{_e(addr['line'])}</b> (as of {_e(addr.get('as_of'))})"
            f"{d.cite(addr.get('refs') or [addr['ref']])}"
        )
    for r in summary_registrations(doc):
        lines.append(f"{_e(registration_line(r))}{d.cite([r['ref']])}")
    if doc.get("dob"):
        lines.append(f"Date of birth: {_e(doc['dob'])}")
    lines += [f"&bull; {_e(f['text'])}{d.cite(f['refs'])}" for f in key_findings(doc)]
    box = Table([[Paragraph(x, d.st["body"])] for x in lines], colWidths=[WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f7f7f7")),
            ]
        )
    )
    d.story.append(box)


def _identity(d: _Doc, doc: dict[str, Any]) -> None:
    for title, headers, rows in identity_rows(doc):
        d.para(_e(title), "h3")
        d.table(headers, rows)


def _registry(d: _Doc, doc: dict[str, Any]) -> None:
    widths = [w * inch for w in (0.9, 0.35, 0.75, 1.7, 0.7, 0.7, 0.7, 0.95)]
    d.table(REGISTRY_HEADERS, registry_rows(doc), widths, "No registration is in the store.")


def _compliance(d: _Doc, doc: dict[str, Any]) -> None:
    comp = doc["compliance"]
    d.para(f"Status: {_status_markup(comp['status'])}")
    for n, f in enumerate(comp["findings"], start=1):
        tag = "" if f["status"] == "info" else f" <b>[{_e(f['status'].replace('_', ' '))}]</b>"
        d.para(f"{n}. {_e(f['text'])}{tag}{d.cite(f['refs'])}")
    rules = comp.get("rules") or {}
    d.para(f"Rules applied: {_e(rules.get('state'))} - {_e(rules.get('basis'))}. {_e(RULES_NOTE)}", "muted")


def _facts(d: _Doc, doc: dict[str, Any]) -> None:
    d.table(["fact", "value", "as of"], facts_rows(doc), [1.0 * inch, 4.5 * inch, 1.25 * inch])


def _timeline(d: _Doc, doc: dict[str, Any]) -> None:
    png = timeline_png(doc)
    if png:
        d.image(png)
    d.table(
        ["when", "what", "detail"],
        timeline_rows(doc),
        [1.45 * inch, 0.95 * inch, 4.35 * inch],
        "Nothing dated.",
    )


def _map(d: _Doc, doc: dict[str, Any]) -> None:
    png = map_png(doc)
    if png is None:
        d.para("No located residence, employer or sighting.", "muted")
        return
    d.image(png, 6.2 * inch)
    d.table(
        ["#", "what", "date", "label", "lat, lon"],
        place_rows(doc, located(doc)),
        [0.3 * inch, 0.9 * inch, 0.8 * inch, 3.55 * inch, 1.2 * inch],
    )


def _links(d: _Doc, doc: dict[str, Any]) -> None:
    d.table(
        ["kind", "record (person)", "type", "via", "score"],
        link_rows(doc),
        [1.1 * inch, 1.7 * inch, 0.7 * inch, 2.75 * inch, 0.5 * inch],
        "No links: no other record shares his identifiers or addresses, and no incident or case is near him.",
    )
    hubs = doc.get("link_hubs") or []
    if hubs:
        listed = ", ".join(f"{h['identifier']} ({h['subjects']} subjects)" for h in hubs)
        d.para(f"Not used as evidence (held by many unrelated people): {_e(listed)}.", "muted")


def _records(d: _Doc, doc: dict[str, Any]) -> None:
    for source, records in (doc.get("records") or {}).get("by_source", {}).items():
        d.para(f"{_e(source)} ({len(records)})", "h3")
        rows = [
            ([r["ref"], r.get("type") or "", r.get("as_of") or "", r.get("via") or ""], [r["ref"]])
            for r in records
        ]
        d.table(
            ["reference", "type", "as of", "how it is his"],
            rows,
            [2.6 * inch, 0.9 * inch, 0.9 * inch, 2.35 * inch],
        )


def _sources(d: _Doc, doc: dict[str, Any]) -> None:
    info = record_info(doc)
    d.para("Sources", "h2")
    for n, ref in d.notes.items():
        meta = info.get(ref) or info.get(ref.split("#")[0]) or {}
        detail = ", ".join(
            x for x in (meta.get("type"), f"as of {meta['as_of']}" if meta.get("as_of") else None) if x
        )
        d.para(f"[{n}] {_e(ref)}{' - ' + _e(detail) if detail else ''}", "small")


_SECTIONS = {
    "identity": _identity,
    "registry": _registry,
    "compliance": _compliance,
    "facts": _facts,
    "timeline": _timeline,
    "map": _map,
    "links": _links,
    "records": _records,
}
