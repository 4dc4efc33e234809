"""The compliance-operation bundle: one zip an analyst hands to the agency.

Inside: `summary.pdf` (counts by compliance status and the flagged persons with their first reasons),
`index.csv` and `index.xlsx` (one row per input row: match, compliance status, report file),
`reports/NNN_<person>_<name>.pdf` (a full report per flagged person) and `reports.json` (the report
documents themselves, so the bundle can be re-rendered or checked by a program).
"""

from __future__ import annotations

import html
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import orjson
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vigil.present.report_common import BANNER, STATUS_COLOURS, status_label
from vigil.present.report_pdf import report_pdf
from vigil.present.tables import write_rows


def _intro(s: dict[str, Any]) -> str:
    reported = ", ".join(x.replace("_", " ") for x in s["statuses_reported"])
    return (
        f"{s['rows']} rows: {s['matched']} matched, {s['ambiguous']} ambiguous, {s['no_match']} no match. "
        f"{s['persons']} persons screened as of {s['as_of']}; {s['flagged']} flagged ({reported}) "
        f"with a full report each. Prepared by {s['user']}; purpose: {s['purpose']}."
    )


def summary_pdf(result: dict[str, Any], title: str = "Compliance operation") -> bytes:
    s = result["summary"]
    base = getSampleStyleSheet()
    body = ParagraphStyle("b", parent=base["BodyText"], fontSize=9, leading=11.5)
    small = ParagraphStyle("s", parent=base["BodyText"], fontSize=7.5, leading=9)
    story: list[Any] = [
        Paragraph(html.escape(title), base["Title"]),
        Paragraph(html.escape(_intro(s)), body),
        Spacer(1, 6),
        Paragraph("By compliance status", base["Heading2"]),
    ]
    rows = [["status", "rows"]] + [[status_label(k.strip("()")), str(v)] for k, v in s["by_status"].items()]
    table = Table(rows, colWidths=[2.6 * inch, 0.8 * inch])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    story += [table, Paragraph("Flagged persons", base["Heading2"])]
    flagged = [r for r in result["rows"] if r.get("flagged")]
    seen: set[str] = set()
    data = [[Paragraph(f"<b>{h}</b>", small) for h in ("row", "person", "status", "first reasons", "report")]]
    for r in flagged:
        if r["person_id"] in seen:
            continue
        seen.add(r["person_id"])
        colour = STATUS_COLOURS.get(r["compliance_status"], "#888888")
        data.append(
            [
                Paragraph(html.escape(str(r["row_id"])), small),
                Paragraph(html.escape(f"{r.get('name') or ''} ({r['person_id']})"), small),
                Paragraph(
                    f"<font color='{colour}'><b>{html.escape(r['compliance_status'])}</b></font>", small
                ),
                Paragraph(html.escape(r.get("reasons") or ""), small),
                Paragraph(html.escape(r["report_file"].split("/")[-1]), small),
            ]
        )
    if len(data) > 1:
        grid = Table(data, colWidths=[w * inch for w in (0.55, 1.45, 0.95, 3.15, 1.2)], repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(grid)
    else:
        story.append(Paragraph("Nobody on the list is flagged.", body))

    def footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(0.6 * inch, 0.4 * inch, BANNER)
        canvas.drawRightString(7.9 * inch, 0.4 * inch, f"page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch, title=title, author="Vigil"
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def write_bundle(
    path: Path, result: dict[str, Any], columns: list[str] | tuple[str, ...], title: str
) -> Path:
    """The zip: summary.pdf, index.csv, index.xlsx, reports/*.pdf and reports.json."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("summary.pdf", summary_pdf(result, title))
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("index.csv", "index.xlsx"):
                target = write_rows(Path(tmp) / name, columns, result["rows"])
                bundle.write(target, name)
        for doc in result["reports"]:
            bundle.writestr(result["files"][doc["person_id"]], report_pdf(doc))
        bundle.writestr(
            "reports.json",
            orjson.dumps({"summary": result["summary"], "reports": result["reports"]}, default=str),
        )
    return path
