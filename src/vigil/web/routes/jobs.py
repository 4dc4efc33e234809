"""Background jobs: the list, progress, result and download. A job is visible to its owner, supervisors
and admins (and an LE requester's to the other requesters of its agency); downloads are audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from vigil.web.accounts import SessionInfo
from vigil.web.common import audit_write, engine_of, jobs_of
from vigil.web.jobs import Job
from vigil.web.roles import EVERYONE
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["jobs"])

Limit = Annotated[int, Query(ge=1, le=1000, description="newest jobs to list")]


@router.get("/api/jobs")
def jobs_api(
    request: Request, who: Annotated[SessionInfo, allow(EVERYONE)], limit: Limit = 100
) -> dict[str, Any]:
    """The jobs this user may see, newest first: status, progress, result and download link of each."""
    return {"jobs": [job.document() for job in _listing(request, who, limit)]}


@router.get("/api/jobs/{job_id}")
def job_api(request: Request, job_id: str, who: Annotated[SessionInfo, allow(EVERYONE)]) -> dict[str, Any]:
    """Status (queued, running, done, failed, interrupted), progress (done of total), result and download."""
    return _job(request, job_id, who).document()


@router.get("/api/jobs/{job_id}/download")
def job_download(request: Request, job_id: str, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    """The file the job produced (for an upload: its rejected lines)."""
    job = _job(request, job_id, who)
    if job.active or job.download is None or not job.download.is_file():
        raise HTTPException(404, "this job has nothing to download")
    name = job.download_name or job.download.name
    audit_write(engine_of(request), who.actor(), "download", {"job": job.id, "kind": job.kind, "file": name})
    return FileResponse(job.download, filename=name, media_type=job.download_type)


@router.get("/jobs", include_in_schema=False)
def jobs_page(request: Request, who: Annotated[SessionInfo, allow(EVERYONE)], limit: Limit = 100) -> Response:
    jobs = [job.document() for job in _listing(request, who, limit)]
    running = any(job["status"] in ("queued", "running") for job in jobs)
    return render(request, "jobs.html", who, jobs=jobs, running=running)


@router.get("/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, job_id: str, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    job = _job(request, job_id, who)
    return render(request, "job.html", who, job=job.document(), running=job.active)


def _listing(request: Request, who: SessionInfo, limit: int) -> list[Job]:
    return jobs_of(request).listing(who.user.username, who.user.role, who.user.agency, limit)


def _job(request: Request, job_id: str, who: SessionInfo) -> Job:
    job = jobs_of(request).get(job_id)
    # Someone else's job is "not found", not "forbidden": ids are not to be probed.
    if job is None or not job.visible_to(who.user.username, who.user.role, who.user.agency):
        raise HTTPException(404, "no such job")
    return job
