"""Background jobs: progress, result and download. A job is visible to its owner, supervisors and admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from vigil.web.accounts import SessionInfo
from vigil.web.common import audit_write, engine_of, jobs_of
from vigil.web.jobs import Job
from vigil.web.roles import EVERYONE
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["jobs"])


@router.get("/api/jobs/{job_id}")
def job_api(request: Request, job_id: str, who: Annotated[SessionInfo, allow(EVERYONE)]) -> dict[str, Any]:
    """Status (queued, running, done, failed), progress (done of total), result and download link."""
    return _job(request, job_id, who).document()


@router.get("/api/jobs/{job_id}/download")
def job_download(request: Request, job_id: str, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    """The file the job produced (for an upload: its rejected lines)."""
    job = _job(request, job_id, who)
    if job.download is None or not job.download.is_file():
        raise HTTPException(404, "this job has nothing to download")
    audit_write(engine_of(request), who.actor(), "download", {"job": job.id, "kind": job.kind})
    return FileResponse(job.download, filename=job.download_name or job.download.name)


@router.get("/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, job_id: str, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    job = _job(request, job_id, who)
    return render(request, "job.html", who, job=job.document(), running=job.status in ("queued", "running"))


def _job(request: Request, job_id: str, who: SessionInfo) -> Job:
    job = jobs_of(request).get(job_id)
    # Someone else's job is "not found", not "forbidden": ids are not to be probed.
    if job is None or not job.visible_to(who.user.username, who.user.role):
        raise HTTPException(404, "no such job")
    return job
