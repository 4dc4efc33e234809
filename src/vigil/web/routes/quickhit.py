"""Quick-hit batches in the browser and the API: upload CSV/XLSX, check the column mapping, run in the
background with progress, download the answers as CSV, XLSX or JSON Lines.

The uploaded sheet is a list of questions, never records: it is kept only until the job has read it,
in a folder of its own that only its uploader may use.
"""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil import audit
from vigil.analyze.quickhit import OUTPUT_COLUMNS, QuickhitRow, run_quickhit
from vigil.ingest.tabular import map_headers, read_rows
from vigil.present.tables import write_rows
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, jobs_of, settings_of
from vigil.web.jobs import Job
from vigil.web.roles import QUICKHIT
from vigil.web.routes.ingest import _safe_name, _save
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["quickhit"])

SUFFIXES = (".csv", ".xlsx", ".xlsm")
FORMATS = ("csv", "xlsx", "jsonl")
# The input columns a quick-hit reads (formats.md "Quick-hit batch input"); "id" is the row id.
COLUMNS: tuple[str, ...] = (
    "id",
    "last_name",
    "first_name",
    "middle_name",
    "name",
    "dob",
    "ssn",
    "address",
    "city",
    "state",
    "zip",
    "registrant_id",
    "phone",
)
SAMPLE_ROWS = 5
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_OWNER = ".owner"

Purpose = Annotated[str, Form(max_length=1000, description="Why (required; audited).")]
Map = Annotated[
    list[str] | None,
    Form(description="HEADER=column overrides of the automatic mapping; HEADER= ignores a column"),
]


# --- API ---


@router.post("/api/quickhit/preview")
def preview_api(
    request: Request, who: Annotated[SessionInfo, allow(QUICKHIT)], file: UploadFile
) -> dict[str, Any]:
    """Upload a sheet and see how its headers map to quick-hit columns, with its first rows.

    Run it with `POST /api/quickhit` and the returned `upload` id (and any `map` corrections).
    """
    upload = _store_upload(request, who, file)
    return _preview(upload, who)


@router.post("/api/quickhit", status_code=202)
def quickhit_api(
    request: Request,
    who: Annotated[SessionInfo, allow(QUICKHIT)],
    purpose: Purpose = "",
    file: UploadFile | None = None,
    upload: Annotated[str | None, Form(max_length=40, description="id from /api/quickhit/preview")] = None,
    format: Annotated[str, Form(description="csv, xlsx or jsonl")] = "csv",
    map: Map = None,
    show_ssn: Annotated[bool, Form(description="unmask SSNs (roles that may)")] = False,
) -> dict[str, Any]:
    """Start a quick-hit batch; poll `GET /api/jobs/{id}`, then download from its `download` link."""
    if file is not None and file.filename:
        path = _store_upload(request, who, file)
    elif upload:
        path = _upload_path(request, who, upload)
    else:
        raise HTTPException(400, "send a file (CSV or XLSX) or the upload id of a preview")
    return start_quickhit(request, who, path, purpose, format, map or [], show_ssn).document()


# --- pages ---


@router.get("/quickhit", include_in_schema=False)
def quickhit_page(request: Request, who: Annotated[SessionInfo, allow(QUICKHIT)]) -> Response:
    return render(request, "quickhit.html", who)


@router.post("/quickhit", include_in_schema=False)
def quickhit_upload(
    request: Request, who: Annotated[SessionInfo, allow(QUICKHIT)], file: UploadFile
) -> Response:
    try:
        path = _store_upload(request, who, file)
        document = _preview(path, who)
    except HTTPException as exc:
        return render(request, "quickhit.html", who, exc.status_code, error=exc.detail)
    return render(
        request, "quickhit_map.html", who, doc=document, columns=COLUMNS, formats=FORMATS, purpose=who.purpose
    )


@router.post("/quickhit/run", include_in_schema=False)
def quickhit_run(
    request: Request,
    who: Annotated[SessionInfo, allow(QUICKHIT)],
    upload: Annotated[str, Form(max_length=40)],
    purpose: Annotated[str, Form(max_length=1000)] = "",
    format: Annotated[str, Form(max_length=10)] = "csv",
    map: Annotated[list[str] | None, Form()] = None,
    show_ssn: Annotated[bool, Form()] = False,
) -> Response:
    path = _upload_path(request, who, upload)
    try:
        job = start_quickhit(request, who, path, purpose, format, map or [], show_ssn)
    except (HTTPException, audit.PurposeRequired) as exc:
        detail = exc.detail if isinstance(exc, HTTPException) else "Say why (purpose): quick-hits are audited"
        document = _preview(path, who)
        return render(
            request,
            "quickhit_map.html",
            who,
            400,
            doc=document,
            columns=COLUMNS,
            formats=FORMATS,
            purpose=purpose,
            error=detail,
        )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


# --- the work ---


def start_quickhit(
    request: Request,
    who: SessionInfo,
    path: Path,
    purpose: str,
    fmt: str,
    pairs: list[str],
    show_ssn: bool,
) -> Job:
    if fmt not in FORMATS:
        raise HTTPException(400, f"format is one of {', '.join(FORMATS)}")
    actor = who.actor(purpose)
    if not purpose.strip():
        raise audit.PurposeRequired("a purpose is required for quickhit")
    if show_ssn and not actor.may_see_ssn:
        raise HTTPException(403, f"the {who.user.role} role may not unmask SSNs")
    headers = _headers(path)
    mapping = column_mapping(headers, pairs)
    if not mapping:
        raise HTTPException(400, "no column of the sheet is mapped to a quick-hit column")
    rows = quickhit_rows(path, mapping)
    if not rows:
        raise HTTPException(400, "the sheet has no data rows")
    engine = engine_of(request)
    name = path.name

    def work(job: Job) -> dict[str, Any]:
        try:
            results = run_quickhit(engine, actor, rows, show_ssn=show_ssn, progress=job.advance)
        finally:
            path.unlink(missing_ok=True)  # the questions were read; keep no copy of the sheet
        stem = path.name.rsplit(".", 1)[0]
        out = write_rows(path.parent / f"{stem}-quickhit.{fmt}", OUTPUT_COLUMNS, results)
        job.download, job.download_name = out, out.name
        statuses = ("matched", "ambiguous", "no_match")
        counts = {s: sum(r["match_status"] == s for r in results) for s in statuses}
        return {"file": name, "output": out.name, "format": fmt, "rows": len(results), **counts}

    return jobs_of(request).submit(
        "quickhit", who.user.username, who.user.agency, work, total=len(rows), owner_role=who.user.role
    )


def column_mapping(headers: list[str], pairs: list[str]) -> dict[str, str]:
    """header -> quick-hit column: the automatic mapping, corrected by HEADER=column pairs."""
    auto = map_headers(headers)
    mapping = {h: c for h, c in auto.items() if c in COLUMNS}
    for pair in pairs:
        header, sep, column = pair.partition("=")
        header, column = header.strip(), column.strip()
        if not sep or header not in headers:
            raise HTTPException(400, f"a mapping is HEADER=column with a header of the sheet, got {pair!r}")
        if column and column not in COLUMNS:
            raise HTTPException(400, f"unknown quick-hit column {column!r}; one of {', '.join(COLUMNS)}")
        mapping.pop(header, None)
        if column:
            mapping[header] = column
    taken: dict[str, str] = {}
    for header, column in mapping.items():
        if column in taken:
            raise HTTPException(400, f"{taken[column]!r} and {header!r} both map to {column}")
        taken[column] = header
    return mapping


def quickhit_rows(path: Path, mapping: dict[str, str]) -> list[QuickhitRow]:
    """The sheet's rows as quick-hit questions under the chosen mapping (row id: the id column, else n)."""
    rows = []
    for n, (line, row) in enumerate(read_rows(path), start=1):
        cells = {mapping[h]: text for h, v in row.items() if h in mapping and (text := _text(v))}
        rows.append(QuickhitRow(line, cells.get("id") or str(n), cells))
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # spreadsheet numbers: ZIP 78701.0, ids
    return str(value).strip()


def _headers(path: Path) -> list[str]:
    try:
        first = next(read_rows(path), None)
    except Exception as exc:  # a corrupt workbook or undecodable sheet: the user's file, say so
        raise HTTPException(400, f"cannot read {path.name}: {exc}") from exc
    if first is None:
        raise HTTPException(400, "the sheet has no data rows")
    return [str(h) for h in first[1]]


def _preview(path: Path, who: SessionInfo) -> dict[str, Any]:
    headers = _headers(path)
    mapping = column_mapping(headers, [])
    sample = []
    for _, row in read_rows(path):
        sample.append({str(h): _text(v) for h, v in row.items()})
        if len(sample) >= SAMPLE_ROWS:
            break
    return {
        "upload": path.parent.name,
        "file": path.name,
        "headers": headers,
        "mapping": mapping,
        "unmapped": [h for h in headers if h not in mapping],
        "columns": list(COLUMNS),
        "sample": sample,
        "may_show_ssn": who.actor().may_see_ssn,
    }


def _store_upload(request: Request, who: SessionInfo, upload: UploadFile) -> Path:
    name = _safe_name(upload.filename or "")
    if not name.lower().endswith(SUFFIXES):
        raise HTTPException(400, f"upload a {', '.join(SUFFIXES)} file")
    settings = settings_of(request)
    folder = settings.uploads() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    (folder / _OWNER).write_text(who.user.username)
    path = folder / name
    _save(upload, path, settings.max_upload_bytes)
    try:
        _headers(path)
    except HTTPException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def _upload_path(request: Request, who: SessionInfo, upload: str) -> Path:
    """The sheet of an earlier preview; someone else's (or a used one) is "not found"."""
    folder = settings_of(request).uploads() / upload
    owner = folder / _OWNER
    if not _UPLOAD_ID.match(upload) or not owner.is_file() or owner.read_text() != who.user.username:
        raise HTTPException(404, "no such upload (it is used once; upload the sheet again)")
    sheets = [p for p in folder.iterdir() if p.name.lower().endswith(SUFFIXES) and "-quickhit." not in p.name]
    if not sheets:
        raise HTTPException(404, "no such upload (it is used once; upload the sheet again)")
    return sheets[0]
