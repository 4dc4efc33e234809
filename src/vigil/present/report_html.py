"""The comprehensive report as one self-contained HTML page (pictures inline, no external assets).

Every line ends with footnote numbers linking to the source records it rests on; the sources list at
the bottom gives each record's reference, type, source and date.
"""

from __future__ import annotations

import html
from typing import Any

from vigil.present.maps import png_data_uri
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

_CSS = (
    "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#222;line-height:1.35}"
    "table{border-collapse:collapse;font-size:12.5px;margin:0.4em 0 1em;width:100%}"
    "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee}.banner{background:#fee;border:1px solid #d99;padding:4px 8px;font-size:12px}"
    ".status{display:inline-block;color:#fff;padding:3px 10px;border-radius:4px;font-weight:bold}"
    "sup a{text-decoration:none;color:#06c}.fn{font-size:12px}.muted{color:#666;font-size:12px}"
    "img{max-width:100%;border:1px solid #ddd}"
    ".summary{border:1px solid #ccc;padding:8px 12px;background:#fafafa}"
    "h2{border-bottom:2px solid #ddd;padding-bottom:2px;margin-top:1.6em}"
)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


class _Page:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.notes = Footnotes()
        self.parts: list[str] = []

    def cite(self, refs: Any) -> str:
        numbers = self.notes.cite(refs)
        if not numbers:
            return ""
        links = ",".join(f"<a href='#fn-{n}' title='{_e(self._ref(n))}'>{n}</a>" for n in numbers)
        return f"<sup>[{links}]</sup>"

    def _ref(self, n: int) -> str:
        return next(ref for ref, k in self.notes.numbers.items() if k == n)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def table(self, headers: list[str], rows: list[Row], empty: str = "none") -> None:
        if not rows:
            self.add(f"<p class='muted'>{_e(empty)}</p>")
            return
        head = "".join(f"<th>{_e(h)}</th>" for h in [*headers, "sources"])
        body = "".join(
            "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + f"<td>{self.cite(refs)}</td></tr>"
            for cells, refs in rows
        )
        self.add(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def report_html(doc: dict[str, Any], sections: list[str] | None = None) -> str:
    page = _Page(doc)
    chosen = sections or doc.get("sections") or list(SECTION_TITLES)
    name = doc.get("name") or doc.get("subject")
    title = f"Comprehensive report: {name}" + (f" ({doc['person_id']})" if doc.get("person_id") else "")
    page.add(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
    )
    page.add(f"<p class='banner'>{_e(BANNER)}</p><h1>{_e(title)}</h1>")
    page.add(f"<p class='muted'>{_e(generated_line(doc))}</p>")
    _summary(page, doc)
    for section in chosen:
        renderer = _SECTIONS.get(section)
        if renderer is None:
            continue
        page.add(f"<h2 id='{section}'>{_e(SECTION_TITLES[section])}</h2>")
        renderer(page, doc)
    _footnotes(page, doc)
    page.add("</body></html>\n")
    return "".join(page.parts)


def _summary(page: _Page, doc: dict[str, Any]) -> None:
    comp = doc["compliance"]
    colour = STATUS_COLOURS.get(comp["status"], "#888")
    page.add("<div class='summary'>")
    page.add(
        f"<p>Compliance: <span class='status' style='background:{colour}'>{_e(status_label(comp['status']))}"
        f"</span></p>"
    )
    addr = doc.get("current_address")
    if addr:
        page.add(
            f"<p>Most recent residence: <b>{_e(addr['line'])}</b> (as of {_e(addr.get('as_of'))})"
            f"{page.cite(addr.get('refs') or [addr['ref']])}</p>"
        )
    for r in summary_registrations(doc):
        page.add(f"<p>{_e(registration_line(r))}{page.cite([r['ref']])}</p>")
    if doc.get("dob"):
        page.add(f"<p>Date of birth: {_e(doc['dob'])}</p>")
    page.add(
        "<ul>"
        + "".join(f"<li>{_e(f['text'])}{page.cite(f['refs'])}</li>" for f in key_findings(doc))
        + "</ul>"
    )
    page.add("</div>")


def _identity(page: _Page, doc: dict[str, Any]) -> None:
    for title, headers, rows in identity_rows(doc):
        page.add(f"<h3>{_e(title)}</h3>")
        page.table(headers, rows)


def _registry(page: _Page, doc: dict[str, Any]) -> None:
    page.table(REGISTRY_HEADERS, registry_rows(doc), "No registration is in the store.")


def _compliance(page: _Page, doc: dict[str, Any]) -> None:
    comp = doc["compliance"]
    colour = STATUS_COLOURS.get(comp["status"], "#888")
    page.add(
        f"<p><span class='status' style='background:{colour}'>{_e(status_label(comp['status']))}</span></p>"
    )
    page.add("<ol>")
    for f in comp["findings"]:
        tag = "" if f["status"] == "info" else f" <b>[{_e(f['status'].replace('_', ' '))}]</b>"
        page.add(f"<li>{_e(f['text'])}{tag}{page.cite(f['refs'])}</li>")
    page.add("</ol>")
    rules = comp.get("rules") or {}
    page.add(
        f"<p class='muted'>Rules applied: {_e(rules.get('state'))} - {_e(rules.get('basis'))}. "
        f"Assessed as of {_e(comp.get('as_of'))}. {_e(RULES_NOTE)}</p>"
    )


def _facts(page: _Page, doc: dict[str, Any]) -> None:
    page.table(["fact", "value", "as of"], facts_rows(doc))
    conflicts = (doc.get("facts") or {}).get("conflicts") or []
    if conflicts:
        page.add(f"<p class='muted'>Sources disagree on: {_e(', '.join(conflicts))}.</p>")


def _timeline(page: _Page, doc: dict[str, Any]) -> None:
    png = timeline_png(doc)
    if png:
        page.add(f"<img alt='timeline chart' src='{png_data_uri(png)}'>")
    page.table(["when", "what", "detail"], timeline_rows(doc), "Nothing dated is known.")


def _map(page: _Page, doc: dict[str, Any]) -> None:
    png = map_png(doc)
    if png is None:
        page.add("<p class='muted'>No located residence, employer or sighting.</p>")
        return
    page.add(f"<img alt='map' src='{png_data_uri(png)}'>")
    page.table(["#", "what", "date", "label", "lat, lon"], place_rows(doc, located(doc)))


def _links(page: _Page, doc: dict[str, Any]) -> None:
    page.table(
        ["kind", "record (person)", "type", "via", "score"],
        link_rows(doc),
        "No links: no other record shares his identifiers or addresses, and no incident or case is near him.",
    )
    hubs = doc.get("link_hubs") or []
    if hubs:
        listed = ", ".join(f"{h['identifier']} ({h['subjects']} subjects)" for h in hubs)
        page.add(f"<p class='muted'>Not used as evidence (held by many unrelated people): {_e(listed)}.</p>")


def _records(page: _Page, doc: dict[str, Any]) -> None:
    for source, records in (doc.get("records") or {}).get("by_source", {}).items():
        page.add(f"<h3>{_e(source)} ({len(records)})</h3>")
        rows = [
            ([r["ref"], r.get("type") or "", r.get("as_of") or "", r.get("via") or ""], [r["ref"]])
            for r in records
        ]
        page.table(["reference", "type", "as of", "how it is his"], rows)


def _footnotes(page: _Page, doc: dict[str, Any]) -> None:
    info = record_info(doc)
    page.add("<h2 id='sources'>Sources</h2><ol class='fn'>")
    for n, ref in page.notes.items():
        meta = info.get(ref) or info.get(ref.split("#")[0]) or {}
        detail = ", ".join(
            x for x in (meta.get("type"), f"as of {meta['as_of']}" if meta.get("as_of") else None) if x
        )
        page.add(
            f"<li id='fn-{n}' value='{n}'><code>{_e(ref)}</code>{' - ' + _e(detail) if detail else ''}</li>"
        )
    page.add("</ol>")


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
