"""Compliance operations: a list of registrants in, full reports on the ones who need finding out.

`vigil operation LIST.csv` is what an analyst does at the end of a compliance operation: quick-hit
every row (`vigil.analyze.quickhit`), screen each matched person's compliance from the rules
(`vigil.analyze.compliance` through a compliance-only report, cheap: no link analysis), then build
full reports for everyone flagged absconded or noncompliant. The documents come back as plain data;
`vigil.present.operation_bundle` writes the zip of PDFs, the index and the summary page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from vigil import audit
from vigil.analyze.quickhit import QuickhitRow, run_quickhit
from vigil.analyze.report import build_report
from vigil.config import Actor

FLAG_STATUSES = ("absconded", "possibly_absconded", "noncompliant")
INDEX_COLUMNS = (
    "row_id",
    "match_status",
    "confidence",
    "person_id",
    "name",
    "dob",
    "compliance_status",
    "flagged",
    "report_file",
    "reasons",
    "registry_state",
    "registry_status",
    "registry_address",
    "address",
    "address_as_of",
    "address_source",
    "phone",
    "flags",
    "refs",
)


def run_operation(
    engine: Engine,
    actor: Actor,
    rows: list[QuickhitRow],
    *,
    as_of: date | None = None,
    statuses: Iterable[str] = FLAG_STATUSES,
    sections: Iterable[str] | str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Quick-hit, screen, report: {"rows": index rows, "reports": full report documents, "summary"}."""
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for an operation (--purpose or VIGIL_PURPOSE)")
    as_of = as_of or date.today()
    wanted = set(statuses)
    unknown = wanted - set(FLAG_STATUSES) - {"overdue_verification", "moved_out", "unknown", "compliant"}
    if unknown:
        raise ValueError(f"unknown status(es): {', '.join(sorted(unknown))}")
    matched = 0

    def matching(n: int) -> None:
        nonlocal matched
        matched += n
        if progress:
            progress("quick-hit", matched, len(rows))

    hits = run_quickhit(engine, actor, rows, progress=matching)
    persons = list(
        dict.fromkeys(r["person_id"] for r in hits if r["person_id"] and r["match_status"] == "matched")
    )
    screened: dict[str, dict[str, Any]] = {}
    for n, person_id in enumerate(persons, start=1):
        doc = build_report(
            engine, actor, person_id, sections="compliance", as_of=as_of, ensure=False, audit_it=False
        )
        screened[person_id] = doc["compliance"]
        if progress:
            progress("screening", n, len(persons))
    audit.write(
        engine,
        actor,
        "report",
        {"operation": "screen", "rows": len(rows), "persons": len(persons), "as_of": as_of.isoformat()},
        persons,
    )
    flagged = [
        pid
        for pid in persons
        if screened[pid]["status"] in wanted
        or any("absconded" in (r["flags"] or "") for r in hits if r["person_id"] == pid)
    ]
    reports: list[dict[str, Any]] = []
    files: dict[str, str] = {}
    for n, person_id in enumerate(flagged, start=1):
        doc = build_report(engine, actor, person_id, sections=sections, as_of=as_of, ensure=False)
        reports.append(doc)
        files[person_id] = report_file_name(n, doc)
        if progress:
            progress("reporting", n, len(flagged))
    index = []
    for hit in hits:
        pid = hit["person_id"]
        comp = screened.get(pid) if pid else None
        index.append(
            {
                **{c: hit.get(c, "") for c in INDEX_COLUMNS if c in hit},
                "compliance_status": comp["status"] if comp else "",
                "flagged": "yes" if pid in files else "",
                "report_file": files.get(pid, ""),
                "reasons": " | ".join(comp["reasons"][:3]) if comp else "",
            }
        )
    counts = Counter(row["compliance_status"] or f"({row['match_status']})" for row in index)
    summary = {
        "rows": len(rows),
        "matched": sum(r["match_status"] == "matched" for r in hits),
        "ambiguous": sum(r["match_status"] == "ambiguous" for r in hits),
        "no_match": sum(r["match_status"] == "no_match" for r in hits),
        "persons": len(persons),
        "flagged": len(flagged),
        "by_status": dict(counts.most_common()),
        "statuses_reported": sorted(wanted),
        "as_of": as_of.isoformat(),
        "purpose": actor.purpose,
        "user": actor.user,
    }
    return {"rows": index, "reports": reports, "files": files, "summary": summary}


def report_file_name(n: int, doc: dict[str, Any]) -> str:
    name = "".join(ch if ch.isalnum() else "_" for ch in (doc.get("name") or "unknown").title()).strip("_")
    return f"reports/{n:03d}_{doc.get('person_id') or 'record'}_{name[:40]}.pdf"
