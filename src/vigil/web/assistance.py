"""Technical-assistance requests: submitted by law enforcement, triaged, assigned, worked, delivered.

No HTTP here (like accounts.py): the web routes call these with the caller's Actor. The one access
rule lives in `_visible`: an LE requester sees its own agency's requests and their files and nothing
else, an analyst the requests assigned to them, a supervisor all. Everything else answers "not found",
so request numbers cannot be probed. Each change writes the request's history, its notifications and an
audit entry in one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import Connection, Engine, false, select, true, update
from sqlalchemy.sql.elements import ColumnElement

from vigil import audit
from vigil.config import Actor
from vigil.store.db import write_transaction
from vigil.store.tables import app_user, assistance_event, assistance_file, assistance_request
from vigil.web.notices import notify, users_with_role
from vigil.web.roles import ANALYST, LE_REQUESTER, SUPERVISOR

KINDS: dict[str, str] = {
    "comprehensive_report": "Comprehensive report",
    "quickhit_batch": "Quick-hit batch",
    "custom_hybrid": "Custom hybrid",
    "rfi": "Request for information",
}
URGENCIES: tuple[str, ...] = ("routine", "priority", "urgent")
# The service-level clock: from submission to the first deliverable.
SLA: dict[str, timedelta] = {
    "urgent": timedelta(hours=4),
    "priority": timedelta(hours=24),
    "routine": timedelta(days=5),
}
STATUSES: tuple[str, ...] = (
    "submitted",
    "triaged",
    "assigned",
    "in_progress",
    "delivered",
    "closed",
    "declined",
)
OPEN_STATUSES = frozenset({"submitted", "triaged", "assigned", "in_progress"})
MAX_FILES = 20
r = assistance_request.c


class RequestError(ValueError):
    """A change that cannot be made (message says why)."""


class NotVisible(LookupError):
    """No such request for this caller (missing or not theirs: the same answer)."""


class NotAllowed(PermissionError):
    """The caller sees the request but may not make this change."""


@dataclass(frozen=True, slots=True)
class FileIn:
    name: str
    content_type: str
    content: bytes


@cache
def _us_holidays() -> holidays.HolidayBase:
    return holidays.US()


def in_office_hours(at: datetime, tz: str, hours: tuple[int, int] = (8, 18)) -> bool:
    """Weekdays, `hours` local time, not a US federal holiday."""
    local = _aware(at).astimezone(ZoneInfo(tz))
    return local.weekday() < 5 and hours[0] <= local.hour < hours[1] and local.date() not in _us_holidays()


def _visible(actor: Actor) -> ColumnElement[bool]:
    if actor.role == SUPERVISOR:
        return true()
    if actor.role == ANALYST:
        return r.assignee == actor.user
    if actor.role == LE_REQUESTER:
        # An account without an agency sees only its own requests, never every agency-less one.
        return r.agency == actor.agency if actor.agency else r.requester == actor.user
    return false()


def submit(
    engine: Engine,
    actor: Actor,
    *,
    kind: str,
    title: str,
    details: str = "",
    subject: str = "",
    urgency: str = "routine",
    contact: str = "",
    files: list[FileIn] | None = None,
    now: datetime,
    office_tz: str = "America/New_York",
    office_hours: tuple[int, int] = (8, 18),
) -> int:
    """A new request from an LE requester's agency; supervisors are told (urgent after-hours ones flagged)."""
    if actor.role != LE_REQUESTER:
        raise NotAllowed("requests are submitted by law-enforcement requesters")
    if kind not in KINDS:
        raise RequestError(f"kind is one of {', '.join(KINDS)}")
    if urgency not in URGENCIES:
        raise RequestError(f"urgency is one of {', '.join(URGENCIES)}")
    if not title.strip():
        raise RequestError("a request needs a title")
    files = files or []
    if len(files) > MAX_FILES:
        raise RequestError(f"at most {MAX_FILES} files")
    after_hours = urgency == "urgent" and not in_office_hours(now, office_tz, office_hours)
    with write_transaction(engine) as conn:
        request_id = conn.execute(
            assistance_request.insert()
            .values(
                kind=kind,
                title=title.strip()[:300],
                details=details.strip(),
                subject=subject.strip()[:440],
                urgency=urgency,
                after_hours=after_hours,
                status="submitted",
                agency=actor.agency,
                requester=actor.user,
                contact=contact.strip()[:300],
                created_at=now,
                updated_at=now,
                due_at=now + SLA[urgency],
            )
            .returning(r.id)
        ).scalar_one()
        _add_files(conn, request_id, "attachment", files, actor.user, now)
        _event(conn, request_id, actor.user, "submitted", "submitted", "", now)
        flag = " - URGENT, AFTER HOURS" if after_hours else (" - URGENT" if urgency == "urgent" else "")
        notify(
            conn,
            users_with_role(conn, SUPERVISOR),
            "request",
            f"New request #{request_id} from {actor.agency or actor.user}: {title.strip()[:200]}{flag}",
            f"/requests/{request_id}",
            at=now,
        )
        audit.write(
            conn,
            actor,
            "request_submit",
            {"id": request_id, "kind": kind, "urgency": urgency, "after_hours": after_hours},
            [f"request/{request_id}"],
        )
    return request_id


def list_requests(
    engine: Engine, actor: Actor, now: datetime, status: str | None = None
) -> list[dict[str, Any]]:
    """The caller's visible requests, open ones first by due time."""
    stmt = select(assistance_request).where(_visible(actor))
    if status:
        stmt = stmt.where(r.status == status)
    with engine.connect() as conn:
        rows = conn.execute(stmt.order_by(r.id.desc()).limit(2000)).all()
    docs = [_summary(row, now) for row in rows]
    docs.sort(
        key=lambda d: (d["status"] not in OPEN_STATUSES, d["due_at"] if d["status"] in OPEN_STATUSES else 0)
    )
    return docs


def get_request(engine: Engine, actor: Actor, request_id: int, now: datetime) -> dict[str, Any]:
    """One visible request with its files (without contents) and history; the view is audited."""
    with write_transaction(engine) as conn:
        row = _row(conn, actor, request_id)
        files = conn.execute(
            select(*(c for c in assistance_file.c if c.name != "content"))
            .where(assistance_file.c.request_id == request_id)
            .order_by(assistance_file.c.id)
        ).all()
        events = conn.execute(
            select(assistance_event)
            .where(assistance_event.c.request_id == request_id)
            .order_by(assistance_event.c.id)
        ).all()
        audit.write(conn, actor, "request_view", {"id": request_id}, [f"request/{request_id}"])
    document = _summary(row, now)
    document["files"] = [
        {
            "id": f.id,
            "role": f.role,
            "name": f.name,
            "content_type": f.content_type,
            "size": f.size,
            "sha256": f.sha256,
            "uploaded_by": f.uploaded_by,
            "uploaded_at": _aware(f.uploaded_at),
            "url": f"/api/requests/{request_id}/files/{f.id}",
        }
        for f in files
    ]
    document["history"] = [
        {"at": _aware(e.at), "user": e.user, "action": e.action, "status": e.status, "note": e.note}
        for e in events
    ]
    return document


def get_file(engine: Engine, actor: Actor, request_id: int, file_id: int) -> FileIn:
    """An attachment or deliverable of a visible request; the download is audited."""
    with write_transaction(engine) as conn:
        _row(conn, actor, request_id)
        f = conn.execute(
            select(assistance_file).where(
                assistance_file.c.id == file_id, assistance_file.c.request_id == request_id
            )
        ).first()
        if f is None:
            raise NotVisible(f"no file {file_id} in request {request_id}")
        audit.write(
            conn,
            actor,
            "download",
            {"request": request_id, "file": file_id, "role": f.role, "name": f.name},
            [f"request/{request_id}"],
        )
    return FileIn(f.name, f.content_type, f.content)


def triage(
    engine: Engine,
    actor: Actor,
    request_id: int,
    *,
    accept: bool = True,
    urgency: str | None = None,
    due_at: datetime | None = None,
    note: str = "",
    now: datetime,
) -> None:
    """A supervisor accepts (optionally changing urgency or deadline) or declines a new request."""
    _require_role(actor, SUPERVISOR)
    with write_transaction(engine) as conn:
        row = _row(conn, actor, request_id)
        if row.status not in ("submitted", "triaged"):
            raise RequestError(f"request #{request_id} is {row.status}: it was triaged already")
        values: dict[str, Any] = {"triaged_by": actor.user, "updated_at": now}
        if not accept:
            if not note.strip():
                raise RequestError("say why the request is declined (note)")
            values.update(status="declined", closed_at=now)
        else:
            values["status"] = "triaged"
            if urgency and urgency != row.urgency:
                if urgency not in URGENCIES:
                    raise RequestError(f"urgency is one of {', '.join(URGENCIES)}")
                values.update(urgency=urgency, due_at=_aware(row.created_at) + SLA[urgency])
            if due_at is not None:
                values["due_at"] = _aware(due_at)
        conn.execute(update(assistance_request).where(r.id == request_id).values(**values))
        action = "triaged" if accept else "declined"
        _event(conn, request_id, actor.user, action, values["status"], note, now)
        text = f"Request #{request_id} {'accepted' if accept else 'declined'}: {row.title[:200]}"
        notify(conn, [row.requester], "request", text, f"/requests/{request_id}", at=now)
        audit.write(
            conn,
            actor,
            f"request_{action}",
            {"id": request_id, "urgency": urgency},
            [f"request/{request_id}"],
        )


def assign(
    engine: Engine, actor: Actor, request_id: int, assignee: str, *, note: str = "", now: datetime
) -> None:
    """A supervisor gives the request to an analyst (or themself); the analyst is told."""
    _require_role(actor, SUPERVISOR)
    with write_transaction(engine) as conn:
        row = _row(conn, actor, request_id)
        if row.status not in ("submitted", "triaged", "assigned", "in_progress"):
            raise RequestError(f"request #{request_id} is {row.status}")
        worker = conn.execute(
            select(app_user.c.username).where(
                app_user.c.username == assignee.strip().lower(),
                app_user.c.role.in_((ANALYST, SUPERVISOR)),
                app_user.c.disabled.is_(False),
            )
        ).scalar()
        if worker is None:
            raise RequestError(f"{assignee!r} is not an active analyst or supervisor")
        conn.execute(
            update(assistance_request)
            .where(r.id == request_id)
            .values(
                assignee=worker, status="assigned", triaged_by=row.triaged_by or actor.user, updated_at=now
            )
        )
        _event(conn, request_id, actor.user, "assigned", "assigned", f"to {worker}. {note}".strip(), now)
        due = _aware(row.due_at).strftime("%Y-%m-%d %H:%M UTC")
        text = f"Request #{request_id} assigned to you ({row.urgency}, due {due}): {row.title[:200]}"
        notify(conn, [worker], "request", text, f"/requests/{request_id}", at=now)
        audit.write(
            conn, actor, "request_assign", {"id": request_id, "assignee": worker}, [f"request/{request_id}"]
        )


def start(engine: Engine, actor: Actor, request_id: int, *, now: datetime) -> None:
    """The assigned analyst starts work."""
    with write_transaction(engine) as conn:
        row = _row(conn, actor, request_id)
        _require_worker(actor, row)
        if row.status != "assigned":
            raise RequestError(f"request #{request_id} is {row.status}, not assigned")
        conn.execute(
            update(assistance_request).where(r.id == request_id).values(status="in_progress", updated_at=now)
        )
        _event(conn, request_id, actor.user, "started", "in_progress", "", now)
        notify(
            conn,
            [row.requester],
            "request",
            f"Work started on request #{request_id}",
            f"/requests/{request_id}",
            at=now,
        )
        audit.write(conn, actor, "request_start", {"id": request_id}, [f"request/{request_id}"])


def deliver(
    engine: Engine, actor: Actor, request_id: int, files: list[FileIn], *, note: str = "", now: datetime
) -> None:
    """The deliverable goes back to the requester (the SLA clock stops at the first delivery)."""
    if not files:
        raise RequestError("a delivery needs at least one file")
    with write_transaction(engine) as conn:
        row = _row(conn, actor, request_id)
        _require_worker(actor, row)
        if row.status not in ("assigned", "in_progress", "delivered"):
            raise RequestError(f"request #{request_id} is {row.status}: assign it first")
        _add_files(conn, request_id, "deliverable", files, actor.user, now)
        conn.execute(
            update(assistance_request)
            .where(r.id == request_id)
            .values(status="delivered", delivered_at=row.delivered_at or now, updated_at=now)
        )
        names = ", ".join(f.name for f in files)
        _event(conn, request_id, actor.user, "delivered", "delivered", f"{names}. {note}".strip(), now)
        text = f"Deliverable ready for request #{request_id}: {row.title[:200]}"
        notify(conn, [row.requester], "request", text, f"/requests/{request_id}", at=now)
        audit.write(
            conn, actor, "request_deliver", {"id": request_id, "files": names}, [f"request/{request_id}"]
        )


def add_note(
    engine: Engine,
    actor: Actor,
    request_id: int,
    note: str,
    *,
    files: list[FileIn] | None = None,
    now: datetime,
) -> None:
    """A note on the request (the requester may add attachments with it); the other side is told."""
    if not note.strip() and not files:
        raise RequestError("write a note or attach a file")
    files = files or []
    with write_transaction(engine) as conn:
        row = _row(conn, actor, request_id)
        if files and actor.role != LE_REQUESTER:
            raise NotAllowed("analysts return files as a delivery, not as a note")
        if row.status in ("closed", "declined"):
            raise RequestError(f"request #{request_id} is {row.status}")
        _add_files(conn, request_id, "attachment", files, actor.user, now)
        conn.execute(update(assistance_request).where(r.id == request_id).values(updated_at=now))
        _event(conn, request_id, actor.user, "note", row.status, note.strip(), now)
        if actor.role == LE_REQUESTER:
            recipients = [row.assignee] if row.assignee else users_with_role(conn, SUPERVISOR)
        else:
            recipients = [row.requester]
        text = f"Note on request #{request_id} from {actor.user}: {note.strip()[:200]}"
        notify(
            conn,
            [u for u in recipients if u != actor.user],
            "request",
            text,
            f"/requests/{request_id}",
            at=now,
        )
        audit.write(
            conn, actor, "request_note", {"id": request_id, "files": len(files)}, [f"request/{request_id}"]
        )


def close(engine: Engine, actor: Actor, request_id: int, *, note: str = "", now: datetime) -> None:
    """The requester (or a supervisor) closes the request: received, or withdrawn."""
    if actor.role not in (LE_REQUESTER, SUPERVISOR):
        raise NotAllowed("requests are closed by their requester's agency or a supervisor")
    with write_transaction(engine) as conn:
        row = _row(conn, actor, request_id)
        if row.status in ("closed", "declined"):
            raise RequestError(f"request #{request_id} is {row.status} already")
        conn.execute(
            update(assistance_request)
            .where(r.id == request_id)
            .values(status="closed", closed_at=now, updated_at=now)
        )
        _event(conn, request_id, actor.user, "closed", "closed", note.strip(), now)
        others = [u for u in (row.assignee, row.requester) if u and u != actor.user]
        notify(
            conn,
            others,
            "request",
            f"Request #{request_id} closed by {actor.user}",
            f"/requests/{request_id}",
            at=now,
        )
        audit.write(conn, actor, "request_close", {"id": request_id}, [f"request/{request_id}"])


def workers(engine: Engine) -> list[str]:
    """Who a request can be assigned to."""
    with engine.connect() as conn:
        return users_with_role(conn, ANALYST, SUPERVISOR)


# --- helpers ---


def _row(conn: Connection, actor: Actor, request_id: int) -> Any:
    row = conn.execute(select(assistance_request).where(r.id == request_id, _visible(actor))).first()
    if row is None:
        raise NotVisible(f"no request #{request_id}")
    return row


def _require_role(actor: Actor, role: str) -> None:
    if actor.role != role:
        raise NotAllowed(f"only a {role} may do this")


def _require_worker(actor: Actor, row: Any) -> None:
    if actor.role != SUPERVISOR and row.assignee != actor.user:
        raise NotAllowed("only the assigned analyst or a supervisor may work this request")


def _add_files(
    conn: Connection, request_id: int, role: str, files: list[FileIn], user: str, now: datetime
) -> None:
    for f in files:
        conn.execute(
            assistance_file.insert().values(
                request_id=request_id,
                role=role,
                name=f.name[:200],
                content_type=(f.content_type or "application/octet-stream")[:100],
                size=len(f.content),
                sha256=hashlib.sha256(f.content).hexdigest(),
                content=f.content,
                uploaded_by=user,
                uploaded_at=now,
            )
        )


def _event(
    conn: Connection, request_id: int, user: str, action: str, status: str, note: str, now: datetime
) -> None:
    conn.execute(
        assistance_event.insert().values(
            request_id=request_id, at=now, user=user, action=action, status=status, note=note
        )
    )


def sla_document(
    status: str, due_at: datetime, delivered_at: datetime | None, now: datetime
) -> dict[str, Any]:
    """The SLA clock: running (seconds left, negative when overdue) or stopped at delivery (met, missed)."""
    due = _aware(due_at)
    if delivered_at is not None:
        return {
            "due_at": due,
            "state": "met" if _aware(delivered_at) <= due else "missed",
            "seconds_left": None,
        }
    if status not in OPEN_STATUSES:
        return {"due_at": due, "state": "stopped", "seconds_left": None}
    left = int((due - now).total_seconds())
    return {"due_at": due, "state": "overdue" if left < 0 else "running", "seconds_left": left}


# --- SLA reminders (written by the notice sweep: vigil.web.scheduler) ---

# "Nearing" is the last quarter of the request's SLA window (urgent: the last hour of four).
NEARING_FRACTION = 0.25


def remind_sla(engine: Engine, now: datetime) -> dict[str, int]:
    """Warn about open requests whose deadline is near (once per deadline: the assignee, else the
    supervisors) or past (the assignee and the supervisors, once a day while it stays overdue).

    Idempotent: each notice has a key, so running the sweep again writes nothing new. Returns the
    number of notices written of each kind.
    """
    written = {"sla_nearing": 0, "sla_overdue": 0}
    stmt = (
        select(r.id, r.title, r.urgency, r.assignee, r.created_at, r.due_at)
        .where(r.status.in_(OPEN_STATUSES), r.delivered_at.is_(None))
        .order_by(r.id)
    )
    with write_transaction(engine) as conn:
        rows = conn.execute(stmt).all()
        if not rows:
            return written
        supervisors = users_with_role(conn, SUPERVISOR)
        for row in rows:
            due, created = _aware(row.due_at), _aware(row.created_at)
            stamp = due.strftime("%Y-%m-%d %H:%M UTC")
            link = f"/requests/{row.id}"
            if now >= due:
                text = f"Request #{row.id} is overdue (due {stamp}, {row.urgency}): {row.title[:200]}"
                key = f"sla-overdue:{row.id}:{now.date().isoformat()}"
                recipients = [row.assignee or "", *supervisors]
                written["sla_overdue"] += notify(conn, recipients, "sla", text, link, at=now, key=key)
            elif due - now <= max(due - created, timedelta(0)) * NEARING_FRACTION:
                hours = (due - now).total_seconds() / 3600
                text = (
                    f"Request #{row.id} is due in {hours:.1f} h ({stamp}, {row.urgency}): {row.title[:200]}"
                )
                key = f"sla-nearing:{row.id}:{due.isoformat(timespec='minutes')}"
                recipients = [row.assignee] if row.assignee else supervisors
                written["sla_nearing"] += notify(conn, recipients, "sla", text, link, at=now, key=key)
    return written


def _summary(row: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_label": KINDS.get(row.kind, row.kind),
        "title": row.title,
        "details": row.details,
        "subject": row.subject,
        "urgency": row.urgency,
        "after_hours": row.after_hours,
        "status": row.status,
        "agency": row.agency,
        "requester": row.requester,
        "contact": row.contact,
        "triaged_by": row.triaged_by,
        "assignee": row.assignee,
        "created_at": _aware(row.created_at),
        "updated_at": _aware(row.updated_at),
        "due_at": _aware(row.due_at),
        "delivered_at": _aware(row.delivered_at) if row.delivered_at else None,
        "closed_at": _aware(row.closed_at) if row.closed_at else None,
        "sla": sla_document(row.status, row.due_at, row.delivered_at, now),
    }


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is written in UTC.
    return at if at.tzinfo else at.replace(tzinfo=UTC)
