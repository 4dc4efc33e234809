"""What the HTML and PDF renderings of a report share: footnote numbering, section titles, row builders.

Every rendered line carries the references of the records it rests on; `Footnotes` numbers them in
order of first use so a reader can turn any line into the source records behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vigil.present.documents import BANNER

__all__ = ["BANNER", "Footnotes", "Row"]

SECTION_TITLES = {
    "identity": "Identity",
    "registry": "Registration",
    "compliance": "Compliance assessment",
    "facts": "Most recent facts",
    "timeline": "Timeline",
    "map": "Map",
    "links": "Links",
    "records": "Source records",
}

STATUS_COLOURS = {
    "deceased": "#555555",
    "incarcerated": "#6a51a3",
    "absconded": "#b30000",
    "possibly_absconded": "#d7301f",
    "noncompliant": "#e34a33",
    "overdue_verification": "#fc8d59",
    "moved_out": "#2b8cbe",
    "unknown": "#888888",
    "not_registered": "#888888",
    "compliant": "#238b45",
}


class Footnotes:
    """Source references numbered in order of first citation."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def cite(self, refs: Iterable[str] | str | None) -> list[int]:
        if not refs:
            return []
        if isinstance(refs, str):
            refs = [refs]
        out = []
        for ref in refs:
            if not ref:
                continue
            if ref not in self.numbers:
                self.numbers[ref] = len(self.numbers) + 1
            out.append(self.numbers[ref])
        return sorted(set(out))

    def items(self) -> list[tuple[int, str]]:
        return sorted((n, ref) for ref, n in self.numbers.items())


def record_info(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """ref -> {type, as_of, source} from the report's records section, for the footnote list."""
    out: dict[str, dict[str, Any]] = {}
    for source, records in (document.get("records") or {}).get("by_source", {}).items():
        for r in records:
            out[r["ref"]] = {**r, "source": source}
            out.setdefault(r["ref"].split("#")[0], {**r, "source": source})
    return out


def status_label(status: str) -> str:
    return status.replace("_", " ").upper()


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "; ".join(text(v) for v in value)
    return str(value)


def height(inches: Any) -> str:
    try:
        n = round(float(inches))
    except (TypeError, ValueError):
        return text(inches)
    return f"{n // 12}'{n % 12}\""


# --- rows: (cells, refs) for every table a section shows -------------------------------------------------

Row = tuple[list[str], list[str]]


def identity_rows(doc: dict[str, Any]) -> list[tuple[str, list[str], list[Row]]]:
    """(table title, column headers, rows) for the identity section."""
    ident = doc.get("identity") or {}
    tables: list[tuple[str, list[str], list[Row]]] = []
    tables.append(
        (
            "Names and aliases",
            ["name", "kind"],
            [
                ([n["full"], ", ".join(n.get("kinds") or [n.get("kind", "")])], n["refs"])
                for n in ident.get("names", [])
            ],
        )
    )
    tables.append(
        ("Dates of birth", ["date of birth"], [([d["value"]], d["refs"]) for d in ident.get("dobs", [])])
    )
    ssn_rows = [
        ([s["value"], "not issued (900-999 area)" if s.get("not_issued") else ""], s["refs"])
        for s in ident.get("ssns", [])
    ]
    tables.append(("SSNs" + (" (masked)" if doc.get("ssn_masked", True) else ""), ["SSN", "note"], ssn_rows))
    desc_rows: list[Row] = []
    labels = {
        "sex": "sex",
        "race": "race",
        "height_in": "height",
        "weight_lb": "weight (lb)",
        "eye_color": "eyes",
        "hair_color": "hair",
    }
    for key, label in labels.items():
        for entry in (ident.get("description") or {}).get(key, []):
            value = height(entry["value"]) if key == "height_in" else text(entry["value"])
            desc_rows.append(([label, value], entry["refs"]))
    tables.append(("Physical description", ["", "value"], desc_rows))
    tables.append(
        (
            "Scars, marks and tattoos",
            ["kind", "location", "description"],
            [
                ([m["kind"], m.get("location") or "", m.get("description") or ""], m["refs"])
                for m in ident.get("marks", [])
            ],
        )
    )
    tables.append(
        (
            "Vehicles",
            ["plate", "vehicle", "VIN"],
            [
                (
                    [
                        f"{v.get('plate') or ''} {v.get('plate_state') or ''}".strip(),
                        " ".join(
                            text(v.get(k)) for k in ("year", "color", "make", "model", "body") if v.get(k)
                        ),
                        v.get("vin") or "",
                    ],
                    v["refs"],
                )
                for v in ident.get("vehicles", [])
            ],
        )
    )
    contact: list[Row] = []
    for key, label in (
        ("phones", "phone"),
        ("emails", "e-mail"),
        ("screen_names", "screen name"),
        ("registrant_ids", "registrant id"),
        ("photo_hashes", "photo hash"),
    ):
        for e in ident.get(key, []):
            seen = " to ".join(x for x in (e.get("first_seen"), e.get("last_seen")) if x)
            contact.append(([label, e["value"], seen], e["refs"]))
    for e in ident.get("other_identifiers", []):
        contact.append(([e["kind"], e["value"], ""], e["refs"]))
    tables.append(("Phones, e-mails, screen names and other identifiers", ["kind", "value", "seen"], contact))
    if ident.get("deceased"):
        tables.append(
            (
                "Reported deceased",
                ["date"],
                [([d.get("date") or "date unknown"], [d["ref"]]) for d in ident["deceased"]],
            )
        )
    return tables


def registry_rows(doc: dict[str, Any]) -> list[Row]:
    out = []
    for r in (doc.get("registry") or {}).get("registrations", []):
        out.append(
            (
                [
                    f"{r['state']} {r.get('registrant_id') or ''}".strip()
                    + ("" if r.get("registry", True) else f" (per {r.get('source')})"),
                    r.get("tier") or "",
                    r["status"],
                    r.get("address") or "",
                    r.get("registered_on") or "",
                    r.get("last_verified") or "",
                    r.get("next_due") or "",
                    r.get("offense") or "",
                ],
                [r["ref"]],
            )
        )
    return out


REGISTRY_HEADERS = [
    "state / id",
    "tier",
    "status",
    "registered address",
    "registered",
    "verified",
    "next due",
    "offense",
]


def facts_rows(doc: dict[str, Any]) -> list[Row]:
    facts = doc.get("facts") or {}
    out = []
    for key in ("name", "dob", "ssn", "address", "phone"):
        fact = facts.get(key)
        if fact:
            out.append(([key, text(fact["value"]), fact.get("as_of") or ""], [fact["ref"]]))
    return out


def timeline_rows(doc: dict[str, Any]) -> list[Row]:
    out = []
    for item in doc.get("timeline", []):
        when = item.get("from") or ""
        if item.get("to"):
            when = f"{when} to {item['to']}"
        elif item["kind"] in ("residence", "employment"):
            when = f"{when or '?'} to (open)"
        out.append(
            (
                [when.replace("T", " "), item["kind"].replace("_", " "), item["label"]],
                item.get("refs") or [item["ref"]],
            )
        )
    return out


def link_rows(doc: dict[str, Any]) -> list[Row]:
    out = []
    for lk in doc.get("links", []):
        who = f"{lk['ref']}" + (f" ({lk['person_id']})" if lk.get("person_id") else "")
        out.append(
            (
                [lk["kind"].replace("_", " "), who, lk.get("type") or "", lk["via"], f"{lk['score']:.2f}"],
                [lk["ref"]],
            )
        )
    return out


def place_rows(doc: dict[str, Any], located: list[dict[str, Any]]) -> list[Row]:
    return [
        (
            [
                str(i + 1),
                item["kind"].replace("_", " "),
                (item.get("from") or "")[:10],
                item["label"],
                f"{item['lat']:.4f}, {item['lon']:.4f}",
            ],
            item.get("refs") or [item["ref"]],
        )
        for i, item in enumerate(located)
    ]


def registration_line(r: dict[str, Any]) -> str:
    return (
        f"Registered in {r['state']}, tier {r.get('tier') or '?'}, status {r['status']}; "
        f"last verified {r.get('last_verified') or '-'}, next due {r.get('next_due') or '-'}"
    )


def generated_line(doc: dict[str, Any]) -> str:
    return (
        f"Assessed as of {doc.get('as_of')}; generated {doc.get('generated_at')} by "
        f"{doc.get('generated_by')}; purpose: {doc.get('purpose')}. "
        f"{len(doc.get('refs', []))} source records."
    )


RULES_NOTE = "A change is unreported only when the registry confirmed its data after the reporting deadline."


def summary_registrations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The registrations worth a line on the first page: registry records (an NCIC echo is not one)."""
    regs = (doc.get("registry") or {}).get("registrations") or []
    return [r for r in regs if r.get("registry", True)][:3] or regs[:1]


def key_findings(doc: dict[str, Any], limit: int = 3) -> list[dict[str, Any]]:
    """The findings behind the status, most serious first (notes only when nothing else is said)."""
    findings = doc["compliance"]["findings"]
    serious = [f for f in findings if f["status"] != "info"]
    return (serious or findings)[:limit]
