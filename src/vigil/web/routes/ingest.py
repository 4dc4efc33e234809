"""Uploading source files (JSONL, JSONL.gz, CSV, XLSX) to load in the background, with progress."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.config import Actor
from vigil.ingest import LoadSummary, StrictLoadFailed, ingest_file, is_tabular
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, jobs_of, settings_of
from vigil.web.jobs import Job
from vigil.web.roles import INGEST
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["ingest"])

SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".xlsx", ".xlsm")


@router.post("/api/ingest", status_code=202)
def ingest_api(
    request: Request,
    who: Annotated[SessionInfo, allow(INGEST)],
    file: UploadFile,
    source: Annotated[str | None, Form(max_length=200, description="a spreadsheet's source")] = None,
    strict: Annotated[bool, Form(description="any rejected line loads nothing")] = False,
    map: Annotated[list[str] | None, Form(description="spreadsheet header mapping HEADER=column")] = None,
) -> dict[str, Any]:
    """Start loading an uploaded file; poll `GET /api/jobs/{id}` for progress and the load summary."""
    return start_ingest(request, who, file, source, strict, map or []).document()


@router.get("/ingest", include_in_schema=False)
def ingest_page(request: Request, who: Annotated[SessionInfo, allow(INGEST)]) -> Response:
    return render(request, "ingest.html", who)


@router.post("/ingest", include_in_schema=False)
def ingest_form(
    request: Request,
    who: Annotated[SessionInfo, allow(INGEST)],
    file: UploadFile,
    source: Annotated[str, Form(max_length=200)] = "",
    strict: Annotated[bool, Form()] = False,
    map: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    pairs = [line.strip() for line in map.splitlines() if line.strip()]
    try:
        job = start_ingest(request, who, file, source or None, strict, pairs)
    except HTTPException as exc:
        return render(request, "ingest.html", who, exc.status_code, error=exc.detail)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def start_ingest(
    request: Request,
    who: SessionInfo,
    upload: UploadFile,
    source: str | None,
    strict: bool,
    pairs: list[str],
) -> Job:
    name = _safe_name(upload.filename or "")
    if not name.lower().endswith(SUFFIXES):
        raise HTTPException(400, f"upload a {', '.join(SUFFIXES)} file")
    mapping = _parse_map(pairs)
    if is_tabular(Path(name)) and not source:
        raise HTTPException(400, "a spreadsheet needs a source (who asserts it, e.g. registry:TX)")
    settings = settings_of(request)
    folder = settings.uploads() / _new_folder_name()
    folder.mkdir(parents=True)
    path = folder / name
    _save(upload, path, settings.max_upload_bytes)
    engine = engine_of(request)
    actor = Actor(user=who.user.username, purpose="web upload", agency=who.user.agency)

    def work(job: Job) -> dict[str, Any]:
        try:
            summary = ingest_file(
                engine,
                path,
                actor,
                strict=strict,
                rejects_path=folder / f"{name}.rejects.jsonl",
                source=source,
                column_map=mapping,
                progress=job.advance,
            )
        except StrictLoadFailed as exc:
            summary = exc.summary
        finally:
            path.unlink(missing_ok=True)  # the records are in the store now; keep no loose copy
        if summary.rejects_path:
            job.download, job.download_name = Path(summary.rejects_path), f"{name}.rejects.jsonl"
        return summary_document(summary, name)

    total = None if is_tabular(path) else path.stat().st_size
    return jobs_of(request).submit(
        "ingest", who.user.username, who.user.agency, work, total, owner_role=who.user.role
    )


def summary_document(summary: LoadSummary, name: str) -> dict[str, Any]:
    """The load summary of `vigil ingest --format json` (with the uploaded file's name)."""
    return {
        "file": name,
        "load_id": summary.load_id,
        "committed": summary.committed,
        "read": summary.read,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "warnings": summary.warnings,
        "by_type": dict(summary.by_type),
        "rejects": [{"line": r.line, "field": r.field, "reason": r.reason} for r in summary.rejects[:1000]],
        "seconds": round(summary.seconds, 3),
    }


def _safe_name(filename: str) -> str:
    """The base name only, in a safe alphabet: an upload never chooses where it is written."""
    base = re.split(r"[\\/]", filename)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return cleaned[-200:] or "upload"


def _new_folder_name() -> str:
    return uuid.uuid4().hex


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, column = pair.partition("=")
        if not sep or not header.strip() or not column.strip():
            raise HTTPException(400, f"a header mapping is HEADER=column, got {pair!r}")
        mapping[header.strip()] = column.strip()
    return mapping


def _save(upload: UploadFile, path: Path, limit: int) -> None:
    written = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                out.close()
                shutil.rmtree(path.parent, ignore_errors=True)
                raise HTTPException(413, f"uploads are limited to {limit >> 20} MiB")
            out.write(chunk)
