"""Background jobs (uploads, quick-hit batches, operation bundles): a small thread pool with progress,
kept in the store so a restart forgets nothing.

A job's row (table `job`) holds its status, progress, result and the file it produced; the file itself
is moved under `<data dir>/jobs/<id>/` when the job ends, so it outlives the upload folder and the
process. While a job runs in this process its live object is the truth (pages read it directly);
progress reaches the row through one flusher thread at most every `FLUSH_SECONDS`, never from the
worker itself: the work may be inside a long write transaction (a load) that a progress write from
the same thread would wait on. At start (`recover`) jobs a previous process left queued or running are
marked `interrupted`: their work died with that process.

Only the job's owner, a supervisor or an admin may see a job; an LE requester also sees the jobs other
requesters of the same agency started.

Retention (`prune_jobs`): jobs that ended (done, failed, interrupted) more than
VIGIL_JOB_RETENTION_DAYS days ago (default 30; 0 keeps them forever) are deleted with their files, by
the web application's periodic sweep (vigil.web.scheduler) and by `vigil jobs prune`. A job still
queued or running is never pruned, however old.
"""

from __future__ import annotations

import contextlib
import mimetypes
import shutil
import threading
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

from vigil import audit
from vigil.config import Actor
from vigil.store.db import write_transaction
from vigil.store.tables import job as job_table
from vigil.web.roles import ADMIN, LE_REQUESTER, SUPERVISOR

FLUSH_SECONDS = 0.5
STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed", "interrupted")
ACTIVE = ("queued", "running")
ENDED = ("done", "failed", "interrupted")
RETENTION_DAYS = 30.0  # VIGIL_JOB_RETENTION_DAYS' default
INTERRUPTED = "the server stopped before this job finished; start it again"
# Attributes whose change the flusher writes (the rest are written when the job starts and ends).
_PROGRESS = frozenset({"done", "total", "stage", "status"})
# Types mimetypes does not know.
_TYPES = {".jsonl": "application/x-ndjson", ".jsonl.gz": "application/gzip"}
j = job_table.c


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class Job:
    id: str
    kind: str
    owner: str
    agency: str
    owner_role: str = ""
    total: int | None = None
    done: int = 0
    status: str = "queued"  # queued, running, done, failed, interrupted
    result: dict[str, Any] | None = None
    error: str | None = None
    download: Path | None = None  # a file the job produced (rejects, quick-hit output, ...)
    download_name: str | None = None
    download_type: str | None = None  # media type (default: guessed from the name)
    stage: str | None = None  # what a job of several steps is doing now (progress counts within it)
    created_at: datetime = field(default_factory=_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    dirty: bool = field(default=False, repr=False)  # progress changed since the row was last written

    def __setattr__(self, name: str, value: Any) -> None:
        # Callers set progress directly too (`job.done, job.total = ...`): any change marks the row stale.
        object.__setattr__(self, name, value)
        if name in _PROGRESS:
            object.__setattr__(self, "dirty", True)

    def advance(self, n: int) -> None:
        self.done += n

    def begin_stage(self, stage: str, total: int | None) -> None:
        """Start the next step of the work: progress is counted afresh within it."""
        self.stage, self.total, self.done = stage, total, 0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def visible_to(self, username: str, role: str, agency: str = "") -> bool:
        if self.owner == username or role in (SUPERVISOR, ADMIN):
            return True
        # An LE requester shares its agency's requests, so it shares the jobs its colleagues started;
        # never an analyst's job, even one filed under the same agency name.
        return role == LE_REQUESTER and bool(agency) and self.agency == agency and self.owner_role == role

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "owner": self.owner,
            "agency": self.agency,
            "status": self.status,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "fraction": round(min(self.done / self.total, 1.0), 4) if self.total else None,
            "result": self.result,
            "error": self.error,
            # A file is offered once the job ended (it is moved to the jobs folder then).
            "download": f"/api/jobs/{self.id}/download" if self.download and not self.active else None,
            "download_name": self.download_name if self.download and not self.active else None,
            "page": f"/jobs/{self.id}",
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def visible_clause(username: str, role: str, agency: str = "") -> ColumnElement[bool]:
    """`Job.visible_to` as SQL, for listings."""
    if role in (SUPERVISOR, ADMIN):
        return j.id.is_not(None)
    mine = j.owner == username
    if role == LE_REQUESTER and agency:
        return or_(mine, and_(j.agency == agency, j.owner_role == LE_REQUESTER))
    return mine


class JobRunner:
    """Runs jobs on a thread pool and keeps their rows in the store (`engine`); files under `folder`."""

    def __init__(self, engine: Engine, folder: Path, workers: int = 2) -> None:
        self.engine = engine
        self.folder = folder
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigil-job")
        self._live: dict[str, Job] = {}  # jobs of this process not yet finished
        self._lock = threading.Lock()
        self._stop = threading.Event()
        # Started with the first job: an app that never runs one (a test, a schema check) has no thread.
        self._flusher: threading.Thread | None = None

    # --- the API routes use ---

    def submit(
        self,
        kind: str,
        owner: str,
        agency: str,
        work: Callable[[Job], dict[str, Any]],
        total: int | None = None,
        owner_role: str = "",
    ) -> Job:
        """Run `work(job)` in the background; it reports progress with `job.advance(n)`."""
        job = Job(
            id=uuid.uuid4().hex, kind=kind, owner=owner, agency=agency, owner_role=owner_role, total=total
        )
        with write_transaction(self.engine) as conn:
            conn.execute(job_table.insert().values(**_row(job)))
        with self._lock:
            self._live[job.id] = job
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_loop, name="vigil-job-flush", daemon=True)
                self._flusher.start()
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            live = self._live.get(job_id)
        if live is not None:
            return live
        if len(job_id) > 32:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(job_table).where(j.id == job_id)).first()
        return _job(row) if row is not None else None

    def listing(self, username: str, role: str, agency: str = "", limit: int = 100) -> list[Job]:
        """The jobs this user may see, newest first (live progress for the ones running here)."""
        stmt = (
            select(job_table)
            .where(visible_clause(username, role, agency))
            .order_by(j.created_at.desc(), j.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        with self._lock:
            live = dict(self._live)
        return [live.get(row.id) or _job(row) for row in rows]

    def recover(self) -> int:
        """At server start: jobs a previous process left queued or running are `interrupted`."""
        with self._lock:
            mine = list(self._live)
        stmt = update(job_table).where(j.status.in_(ACTIVE))
        if mine:
            stmt = stmt.where(j.id.not_in(mine))
        with write_transaction(self.engine) as conn:
            return conn.execute(
                stmt.values(status="interrupted", error=INTERRUPTED, finished_at=_now())
            ).rowcount

    def shutdown(self) -> None:
        """Let running jobs finish; jobs still queued never run and are recorded as interrupted."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            left = list(self._live.values())
            self._live.clear()
        for job in left:
            job.status, job.error, job.finished_at = "interrupted", INTERRUPTED, _now()
            self._finish_row(job)
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)

    # --- the work ---

    def _run(self, job: Job, work: Callable[[Job], dict[str, Any]]) -> None:
        # "running" reaches the row through the flusher: on SQLite another job's load may hold the
        # store for minutes, and this job must not fail for want of a status write.
        job.started_at, job.status = _now(), "running"
        status, result, error = "done", None, None
        try:
            result = _json_safe(work(job))
        except Exception as exc:  # a job's failure is reported to its owner, never kills the pool
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        try:
            self._keep_download(job)
        except OSError as exc:
            status, error, job.download = "failed", f"cannot keep the job's file: {exc}", None
        # The row first, then the live object: whoever sees the job ended finds its row and file ready.
        finished = _now()
        try:
            self._finish_row(job, status=status, result=result, error=error, finished_at=finished)
        finally:
            job.result, job.error, job.finished_at = result, error, finished
            job.status = status
            with self._lock:
                self._live.pop(job.id, None)

    def _keep_download(self, job: Job) -> None:
        """Move the job's file out of its upload folder into the jobs folder, where it stays."""
        source = job.download
        if source is None:
            return
        if not source.is_file():
            job.download = None
            return
        name = job.download_name or source.name
        target = self.folder / job.id / Path(name).name
        if source.resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
            with contextlib.suppress(OSError):  # the upload folder, when nothing else is left in it
                source.parent.rmdir()
        job.download, job.download_name = target, name
        job.download_type = job.download_type or media_type(name)

    def _finish_row(self, job: Job, **final: Any) -> None:
        # Only a row still active: a job another start already declared interrupted stays so.
        values = {**_row(job), **final}
        values.pop("id")
        if values["result"] is not None and not isinstance(values["result"], str):
            values["result"] = orjson.dumps(values["result"]).decode()
        for attempt in range(20):
            try:
                with write_transaction(self.engine) as conn:
                    conn.execute(
                        update(job_table).where(j.id == job.id, j.status.in_(ACTIVE)).values(**values)
                    )
                return
            except OperationalError:
                if attempt == 19:
                    raise
                self._stop.wait(0.25)

    def _write(self, job: Job, **values: Any) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(job_table).where(j.id == job.id, j.status.in_(ACTIVE)).values(**values))

    def _flush_loop(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def flush(self) -> None:
        """Write the progress of running jobs that changed since the last flush (one UPDATE each)."""
        with self._lock:
            stale = [job for job in self._live.values() if job.dirty]
        for job in stale:
            job.dirty = False
            values: dict[str, Any] = {"stage": _clip(job.stage, 200), "done": job.done, "total": job.total}
            if job.status in ACTIVE:  # a final status is written with the result, by the worker
                values.update(status=job.status, started_at=job.started_at)
            try:
                self._write(job, **values)
            except OperationalError:  # the store is busy (a load holds it): next round
                job.dirty = True


# --- retention ---


def prune_jobs(
    engine: Engine, folder: Path, older_than_days: float, now: datetime, actor: Actor
) -> dict[str, Any]:
    """Delete the jobs that ended more than `older_than_days` days before `now` (a job with no end
    time counts from its creation), their rows and their files under `folder`; audited (action
    `job_prune`: who, how many, which) when any went. Queued and running jobs are never touched.
    `older_than_days` <= 0 prunes nothing (retention off). Returns {pruned, ids, files, cutoff}."""
    if older_than_days <= 0:
        return {"pruned": 0, "ids": [], "files": 0, "cutoff": None, "older_than_days": older_than_days}
    cutoff = now - timedelta(days=older_than_days)
    ended = func.coalesce(j.finished_at, j.created_at)
    old = and_(j.status.in_(ENDED), ended < cutoff)
    with write_transaction(engine) as conn:
        rows = conn.execute(select(j.id, j.download_path).where(old).order_by(j.id)).all()
        ids = [r.id for r in rows]
        for chunk in range(0, len(ids), 500):
            # the status is checked again: a row is only ever deleted in a final state
            conn.execute(delete(job_table).where(j.id.in_(ids[chunk : chunk + 500]), old))
        if ids:
            audit.write(
                conn,
                actor,
                "job_prune",
                {"older_than_days": older_than_days, "cutoff": cutoff.isoformat(), "pruned": len(ids)},
                [f"job/{i}" for i in ids],
            )
    files = sum(_remove_job_files(folder, r.id, r.download_path) for r in rows)
    return {
        "pruned": len(ids),
        "ids": ids,
        "files": files,
        "cutoff": cutoff.isoformat(),
        "older_than_days": older_than_days,
    }


def _remove_job_files(folder: Path, job_id: str, download_path: str | None) -> int:
    """The job's folder `<folder>/<id>/` (where its file was kept); a download left elsewhere (a job
    that failed before its file was moved) is removed only when it lies inside `folder`."""
    removed = 0
    base = folder.resolve()
    own = (folder / job_id).resolve()
    if own.parent == base and own.is_dir():
        removed += sum(1 for f in own.rglob("*") if f.is_file())
        shutil.rmtree(own, ignore_errors=True)
    if download_path:
        path = Path(download_path).resolve()
        if path.is_file() and path.is_relative_to(base):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def media_type(name: str) -> str:
    lower = name.lower()
    for suffix, kind in _TYPES.items():
        if lower.endswith(suffix):
            return kind
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _clip(text: str | None, n: int) -> str | None:
    return text[:n] if text is not None else None


def _json_safe(result: Any) -> dict[str, Any] | None:
    """The result as it reads back from the store (dates as ISO text), so live and stored agree."""
    if result is None:
        return None
    return orjson.loads(orjson.dumps(result, default=str, option=orjson.OPT_NON_STR_KEYS))


def _row(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind[:30],
        "owner": job.owner,
        "owner_role": job.owner_role,
        "agency": job.agency,
        "status": job.status,
        "stage": _clip(job.stage, 200),
        "done": job.done,
        "total": job.total,
        "result": orjson.dumps(job.result).decode() if job.result is not None else None,
        "error": job.error,
        "download_path": str(job.download) if job.download else None,
        "download_name": _clip(job.download_name, 300),
        "download_type": _clip(job.download_type, 100),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def _job(row: Any) -> Job:
    job = Job(
        id=row.id,
        kind=row.kind,
        owner=row.owner,
        agency=row.agency,
        owner_role=row.owner_role,
        total=row.total,
        done=row.done,
        status=row.status,
        result=orjson.loads(row.result) if row.result else None,
        error=row.error,
        download=Path(row.download_path) if row.download_path else None,
        download_name=row.download_name,
        download_type=row.download_type,
        stage=row.stage,
        created_at=_aware(row.created_at) or _now(),
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at),
    )
    return job


def _aware(at: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything is written in UTC.
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
