"""Compliance operations in the browser and the API: `vigil operation LIST.csv -o bundle.zip` as a job.

Upload the operation's list (CSV/XLSX, one registrant a row, read like a quick-hit sheet), say why,
choose which compliance statuses get a full report; the job quick-hits every row, screens each matched
person, writes the full reports and hands back the bundle (summary.pdf, index.csv/xlsx, reports/*.pdf,
reports.json). The list is deleted once read, as for quick-hits; the work is audited with the purpose.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil import audit
from vigil.analyze.operation import FLAG_STATUSES, INDEX_COLUMNS, run_operation
from vigil.analyze.report import parse_sections
from vigil.present.operation_bundle import write_bundle
from vigil.web.accounts import SessionInfo
from vigil.web.common import audit_write, engine_of, jobs_of
from vigil.web.jobs import Job
from vigil.web.roles import QUICKHIT
from vigil.web.routes.quickhit import _headers, _store_upload, _upload_path, column_mapping, quickhit_rows
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["operations"])

# Statuses an operation may report on (analyze.operation checks the same list).
STATUSES: tuple[str, ...] = (*FLAG_STATUSES, "overdue_verification", "moved_out", "unknown", "compliant")
DEFAULT_TITLE = "Compliance operation"

Purpose = Annotated[str, Form(max_length=1000, description="Why (required; audited).")]
Statuses = Annotated[
    list[str] | None,
    Form(description=f"compliance statuses that get a full report (default {', '.join(FLAG_STATUSES)})"),
]
Sections = Annotated[str, Form(max_length=200, description="sections of each full report (default all)")]
AsOf = Annotated[str, Form(max_length=10, description="assess compliance as of YYYY-MM-DD (default today)")]
Title = Annotated[str, Form(max_length=200, description="title of the summary page")]
Map = Annotated[
    list[str] | None,
    Form(description="HEADER=column overrides of the automatic column mapping (as for quick-hit)"),
]


@router.post("/api/operations", status_code=202)
def operation_api(
    request: Request,
    who: Annotated[SessionInfo, allow(QUICKHIT)],
    purpose: Purpose = "",
    file: UploadFile | None = None,
    upload: Annotated[str | None, Form(max_length=40, description="id from /api/quickhit/preview")] = None,
    statuses: Statuses = None,
    sections: Sections = "",
    as_of: AsOf = "",
    title: Title = DEFAULT_TITLE,
    map: Map = None,
) -> dict[str, Any]:
    """Start a compliance operation on a list; poll `GET /api/jobs/{id}`, then download the zip from its
    `download` link."""
    if file is not None and file.filename:
        path = _store_upload(request, who, file)
        stored = True
    elif upload:
        path, stored = _upload_path(request, who, upload), False
    else:
        raise HTTPException(400, "send a file (CSV or XLSX) or the upload id of a quick-hit preview")
    try:
        job = start_operation(request, who, path, purpose, statuses, sections, as_of, title, map or [])
    except Exception:
        if stored:  # refused before it ran: keep no copy of the list (a preview's upload stays usable)
            shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return job.document()


@router.get("/operations", include_in_schema=False)
def operations_page(request: Request, who: Annotated[SessionInfo, allow(QUICKHIT)]) -> Response:
    return _form(request, who)


@router.post("/operations", include_in_schema=False)
def operations_run(
    request: Request,
    who: Annotated[SessionInfo, allow(QUICKHIT)],
    file: UploadFile,
    purpose: Annotated[str, Form(max_length=1000)] = "",
    statuses: Annotated[list[str] | None, Form()] = None,
    sections: Annotated[str, Form(max_length=200)] = "",
    as_of: Annotated[str, Form(max_length=10)] = "",
    title: Annotated[str, Form(max_length=200)] = DEFAULT_TITLE,
) -> Response:
    chosen = {
        "purpose": purpose,
        "statuses": statuses or [],
        "sections": sections,
        "as_of": as_of,
        "title": title,
    }
    try:
        if not purpose.strip():
            raise audit.PurposeRequired("a purpose is required for an operation")
        path = _store_upload(request, who, file)
        try:
            job = start_operation(request, who, path, purpose, statuses or [], sections, as_of, title, [])
        except Exception:
            shutil.rmtree(path.parent, ignore_errors=True)  # refused: keep no copy of the list
            raise
    except (HTTPException, audit.PurposeRequired) as exc:
        detail = exc.detail if isinstance(exc, HTTPException) else "Say why (purpose): operations are audited"
        return _form(request, who, 400, error=detail, chosen=chosen)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _form(request: Request, who: SessionInfo, status: int = 200, **context: Any) -> Response:
    context.setdefault(
        "chosen", {"purpose": who.purpose or "", "statuses": list(FLAG_STATUSES), "title": DEFAULT_TITLE}
    )
    return render(request, "operations.html", who, status, statuses=STATUSES, **context)


# --- the work ---


def start_operation(
    request: Request,
    who: SessionInfo,
    path: Path,
    purpose: str,
    statuses: list[str] | None,
    sections: str,
    as_of: str,
    title: str,
    pairs: list[str],
) -> Job:
    """Check everything that can be checked before the job starts (a bad form is a 400, not a failed
    job), then run quick-hit, screening, reports and the bundle in the background."""
    actor = who.actor(purpose)
    if not purpose.strip():
        raise audit.PurposeRequired("a purpose is required for an operation")
    wanted = [s.strip() for item in (statuses or []) for s in item.split(",") if s.strip()] or list(
        FLAG_STATUSES
    )
    unknown = sorted(set(wanted) - set(STATUSES))
    if unknown:
        raise HTTPException(
            400, f"unknown status(es) {', '.join(unknown)}; choose from {', '.join(STATUSES)}"
        )
    try:
        chosen_sections = parse_sections(sections or None)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    try:
        day = date.fromisoformat(as_of) if as_of.strip() else None
    except ValueError as exc:
        raise HTTPException(400, f"as_of: a date YYYY-MM-DD, got {as_of!r}") from exc
    mapping = column_mapping(_headers(path), pairs)
    if not mapping:
        raise HTTPException(400, "no column of the sheet is mapped to a quick-hit column")
    rows = quickhit_rows(path, mapping)
    if not rows:
        raise HTTPException(400, "the sheet has no data rows")
    engine = engine_of(request)
    name = path.name
    title = title.strip() or DEFAULT_TITLE

    def progress(job: Job, stage: str, done: int, total: int) -> None:
        if job.stage != stage:
            job.begin_stage(stage, total)
        job.done, job.total = done, total

    def work(job: Job) -> dict[str, Any]:
        job.begin_stage("quick-hit", len(rows))
        try:
            result = run_operation(
                engine,
                actor,
                rows,
                as_of=day,
                statuses=wanted,
                sections=chosen_sections,
                progress=lambda stage, done, total: progress(job, stage, done, total),
            )
        finally:
            path.unlink(missing_ok=True)  # the list was read; keep no copy of it
        job.begin_stage("writing the bundle", None)
        out = write_bundle(path.parent / f"{path.stem}-operation.zip", result, INDEX_COLUMNS, title)
        job.download, job.download_name = out, out.name
        summary = result["summary"]
        reported = sorted(result["files"])
        audit_write(
            engine,
            actor,
            "export",
            {"operation": name, "bundle": out.name, "rows": summary["rows"], "flagged": summary["flagged"]},
            sorted({r for doc in result["reports"] for r in doc["refs"]}),
        )
        job.stage = "done"
        return {
            "file": name,
            "output": out.name,
            "title": title,
            "mapping": mapping,
            **{k: summary[k] for k in ("rows", "matched", "ambiguous", "no_match", "persons", "flagged")},
            "by_status": summary["by_status"],
            "statuses_reported": summary["statuses_reported"],
            "as_of": summary["as_of"],
            "reports": [{"person_id": pid, "file": result["files"][pid]} for pid in reported],
        }

    return jobs_of(request).submit(
        "operation", who.user.username, who.user.agency, work, total=len(rows), owner_role=who.user.role
    )
