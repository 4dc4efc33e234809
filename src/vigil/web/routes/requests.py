"""Technical-assistance requests: LE requesters submit and collect, supervisors triage and assign,
analysts work and deliver. Who sees what is decided in vigil.web.assistance (one rule)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.web import assistance
from vigil.web.accounts import SessionInfo
from vigil.web.assistance import FileIn, NotAllowed, NotVisible, RequestError
from vigil.web.common import engine_of, settings_of
from vigil.web.roles import REQUEST_CLOSE, REQUEST_SUBMIT, REQUEST_TRIAGE, REQUEST_WORK, REQUESTS
from vigil.web.routes.ingest import _safe_name
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["requests"])

Note = Annotated[str, Form(max_length=20_000)]
Files = Annotated[list[UploadFile] | None, Form(description="attachments")]


class Errors:
    """Library refusals as HTTP answers: not found (also for others' requests), forbidden, bad request."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if isinstance(exc, NotVisible):
            raise HTTPException(404, str(exc)) from exc
        if isinstance(exc, NotAllowed):
            raise HTTPException(403, str(exc)) from exc
        if isinstance(exc, RequestError):
            raise HTTPException(400, str(exc)) from exc


def _files(request: Request, uploads: list[UploadFile] | None) -> list[FileIn]:
    limit = settings_of(request).max_request_file_bytes
    out = []
    for upload in uploads or []:
        if not upload.filename:
            continue  # an empty file input of a form
        content = upload.file.read(limit + 1)
        if len(content) > limit:
            raise HTTPException(413, f"files are limited to {limit >> 20} MiB each")
        out.append(FileIn(_safe_name(upload.filename), upload.content_type or "", content))
    return out


def _now(request: Request) -> datetime:
    return settings_of(request).clock()


def _due(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        due = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise HTTPException(400, f"due_at: an ISO date and time, got {value!r}") from exc
    return due if due.tzinfo else due.replace(tzinfo=UTC)


# --- API ---


@router.get("/api/requests")
def list_api(
    request: Request,
    who: Annotated[SessionInfo, allow(REQUESTS)],
    status: Annotated[str, Query(max_length=20, description=", ".join(assistance.STATUSES))] = "",
) -> dict[str, Any]:
    """The requests this account may see (an LE requester: its agency's), open ones first by due time."""
    return {
        "requests": assistance.list_requests(engine_of(request), who.actor(), _now(request), status or None)
    }


@router.post("/api/requests", status_code=201)
def submit_api(
    request: Request,
    who: Annotated[SessionInfo, allow(REQUEST_SUBMIT)],
    kind: Annotated[str, Form(description=", ".join(assistance.KINDS))],
    title: Annotated[str, Form(max_length=300)],
    details: Note = "",
    subject: Annotated[str, Form(max_length=440, description="person, record or case")] = "",
    urgency: Annotated[str, Form(description=", ".join(assistance.URGENCIES))] = "routine",
    contact: Annotated[str, Form(max_length=300)] = "",
    files: Files = None,
) -> dict[str, Any]:
    """Submit a request with its attachments; supervisors are notified."""
    request_id = _submit(request, who, kind, title, details, subject, urgency, contact, files)
    with Errors():
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


@router.get("/api/requests/{request_id}")
def get_api(
    request: Request, request_id: int, who: Annotated[SessionInfo, allow(REQUESTS)]
) -> dict[str, Any]:
    """One request with its status, SLA clock, files and history."""
    with Errors():
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


@router.get("/api/requests/{request_id}/files/{file_id}")
def file_api(
    request: Request, request_id: int, file_id: int, who: Annotated[SessionInfo, allow(REQUESTS)]
) -> Response:
    """An attachment or deliverable (audited download)."""
    with Errors():
        f = assistance.get_file(engine_of(request), who.actor(), request_id, file_id)
    return Response(
        f.content,
        media_type="application/octet-stream",  # never rendered inline: uploaded content is not trusted
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}"},
    )


@router.post("/api/requests/{request_id}/triage")
def triage_api(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUEST_TRIAGE)],
    decision: Annotated[str, Form(pattern="^(accept|decline)$")] = "accept",
    urgency: Annotated[str, Form(max_length=10)] = "",
    due_at: Annotated[str, Form(max_length=40, description="new deadline (ISO date-time)")] = "",
    note: Note = "",
) -> dict[str, Any]:
    """Accept (optionally with a new urgency or deadline) or decline with a reason."""
    with Errors():
        assistance.triage(
            engine_of(request),
            who.actor(),
            request_id,
            accept=decision == "accept",
            urgency=urgency or None,
            due_at=_due(due_at),
            note=note,
            now=_now(request),
        )
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


@router.post("/api/requests/{request_id}/assign")
def assign_api(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUEST_TRIAGE)],
    assignee: Annotated[str, Form(max_length=100)],
    note: Note = "",
) -> dict[str, Any]:
    """Assign to an analyst (who is notified)."""
    with Errors():
        assistance.assign(engine_of(request), who.actor(), request_id, assignee, note=note, now=_now(request))
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


@router.post("/api/requests/{request_id}/start")
def start_api(
    request: Request, request_id: int, who: Annotated[SessionInfo, allow(REQUEST_WORK)]
) -> dict[str, Any]:
    """The assigned analyst starts work."""
    with Errors():
        assistance.start(engine_of(request), who.actor(), request_id, now=_now(request))
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


@router.post("/api/requests/{request_id}/deliver")
def deliver_api(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUEST_WORK)],
    files: Files = None,
    note: Note = "",
) -> dict[str, Any]:
    """Return the deliverable file(s) to the requester; the SLA clock stops."""
    with Errors():
        assistance.deliver(
            engine_of(request), who.actor(), request_id, _files(request, files), note=note, now=_now(request)
        )
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


@router.post("/api/requests/{request_id}/notes")
def note_api(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUESTS)],
    note: Note = "",
    files: Files = None,
) -> dict[str, Any]:
    """A note (requesters may attach more files); the other side is notified."""
    with Errors():
        assistance.add_note(
            engine_of(request), who.actor(), request_id, note, files=_files(request, files), now=_now(request)
        )
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


@router.post("/api/requests/{request_id}/close")
def close_api(
    request: Request, request_id: int, who: Annotated[SessionInfo, allow(REQUEST_CLOSE)], note: Note = ""
) -> dict[str, Any]:
    """Close: the deliverable was received, or the request is withdrawn."""
    with Errors():
        assistance.close(engine_of(request), who.actor(), request_id, note=note, now=_now(request))
        return assistance.get_request(engine_of(request), who.actor(), request_id, _now(request))


# --- pages ---


@router.get("/requests", include_in_schema=False)
def list_page(
    request: Request,
    who: Annotated[SessionInfo, allow(REQUESTS)],
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    rows = assistance.list_requests(engine_of(request), who.actor(), _now(request), status or None)
    return render(request, "requests.html", who, rows=rows, status=status, statuses=assistance.STATUSES)


@router.get("/requests/new", include_in_schema=False)
def new_page(request: Request, who: Annotated[SessionInfo, allow(REQUEST_SUBMIT)]) -> Response:
    return render(request, "request_new.html", who, kinds=assistance.KINDS, urgencies=assistance.URGENCIES)


@router.post("/requests/new", include_in_schema=False)
def new_form(
    request: Request,
    who: Annotated[SessionInfo, allow(REQUEST_SUBMIT)],
    kind: Annotated[str, Form(max_length=30)],
    title: Annotated[str, Form(max_length=300)],
    details: Note = "",
    subject: Annotated[str, Form(max_length=440)] = "",
    urgency: Annotated[str, Form(max_length=10)] = "routine",
    contact: Annotated[str, Form(max_length=300)] = "",
    files: Files = None,
) -> Response:
    try:
        request_id = _submit(request, who, kind, title, details, subject, urgency, contact, files)
    except HTTPException as exc:
        return render(
            request,
            "request_new.html",
            who,
            exc.status_code,
            kinds=assistance.KINDS,
            urgencies=assistance.URGENCIES,
            error=exc.detail,
            form={"kind": kind, "title": title, "details": details, "subject": subject, "urgency": urgency},
        )
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.get("/requests/{request_id}", include_in_schema=False)
def detail_page(request: Request, request_id: int, who: Annotated[SessionInfo, allow(REQUESTS)]) -> Response:
    engine = engine_of(request)
    with Errors():
        document = assistance.get_request(engine, who.actor(), request_id, _now(request))
    workers = assistance.workers(engine) if who.user.role == "supervisor" else []
    return render(request, "request.html", who, req=document, workers=workers, urgencies=assistance.URGENCIES)


@router.post("/requests/{request_id}/triage", include_in_schema=False)
def triage_form(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUEST_TRIAGE)],
    decision: Annotated[str, Form(pattern="^(accept|decline)$")] = "accept",
    urgency: Annotated[str, Form(max_length=10)] = "",
    assignee: Annotated[str, Form(max_length=100)] = "",
    note: Note = "",
) -> Response:
    engine, now = engine_of(request), _now(request)
    with Errors():
        assistance.triage(
            engine,
            who.actor(),
            request_id,
            accept=decision == "accept",
            urgency=urgency or None,
            note=note,
            now=now,
        )
        if decision == "accept" and assignee:
            assistance.assign(engine, who.actor(), request_id, assignee, now=now)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/assign", include_in_schema=False)
def assign_form(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUEST_TRIAGE)],
    assignee: Annotated[str, Form(max_length=100)],
    note: Note = "",
) -> Response:
    assign_api(request, request_id, who, assignee, note)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/start", include_in_schema=False)
def start_form(
    request: Request, request_id: int, who: Annotated[SessionInfo, allow(REQUEST_WORK)]
) -> Response:
    start_api(request, request_id, who)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/deliver", include_in_schema=False)
def deliver_form(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUEST_WORK)],
    files: Files = None,
    note: Note = "",
) -> Response:
    deliver_api(request, request_id, who, files, note)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/notes", include_in_schema=False)
def note_form(
    request: Request,
    request_id: int,
    who: Annotated[SessionInfo, allow(REQUESTS)],
    note: Note = "",
    files: Files = None,
) -> Response:
    note_api(request, request_id, who, note, files)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/close", include_in_schema=False)
def close_form(
    request: Request, request_id: int, who: Annotated[SessionInfo, allow(REQUEST_CLOSE)], note: Note = ""
) -> Response:
    close_api(request, request_id, who, note)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


def _submit(
    request: Request,
    who: SessionInfo,
    kind: str,
    title: str,
    details: str,
    subject: str,
    urgency: str,
    contact: str,
    files: list[UploadFile] | None,
) -> int:
    settings = settings_of(request)
    with Errors():
        return assistance.submit(
            engine_of(request),
            who.actor(),
            kind=kind,
            title=title,
            details=details,
            subject=subject,
            urgency=urgency,
            contact=contact,
            files=_files(request, files),
            now=settings.clock(),
            office_tz=settings.office_tz,
            office_hours=settings.office_hours,
        )
