"""Background jobs (uploads, later quick-hit batches and bundles): a small thread pool with progress.

Jobs live in the serving process's memory: a restart forgets them (the work they did is in the store
and the audit log). Only the job's owner, a supervisor or an admin may see a job.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vigil.web.roles import ADMIN, SUPERVISOR

KEEP_JOBS = 1000


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    agency: str
    total: int | None = None
    done: int = 0
    status: str = "queued"  # queued, running, done, failed
    result: dict[str, Any] | None = None
    error: str | None = None
    download: Path | None = None  # a file the job produced (rejects, quick-hit output, ...)
    download_name: str | None = None
    stage: str | None = None  # what a job of several steps is doing now (progress counts within it)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    def advance(self, n: int) -> None:
        self.done += n

    def begin_stage(self, stage: str, total: int | None) -> None:
        """Start the next step of the work: progress is counted afresh within it."""
        self.stage, self.total, self.done = stage, total, 0

    def visible_to(self, username: str, role: str) -> bool:
        return self.owner == username or role in (SUPERVISOR, ADMIN)

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "owner": self.owner,
            "status": self.status,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "fraction": round(min(self.done / self.total, 1.0), 4) if self.total else None,
            "result": self.result,
            "error": self.error,
            "download": f"/api/jobs/{self.id}/download" if self.download else None,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


class JobRunner:
    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigil-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(
        self,
        kind: str,
        owner: str,
        agency: str,
        work: Callable[[Job], dict[str, Any]],
        total: int | None = None,
    ) -> Job:
        """Run `work(job)` in the background; it reports progress with `job.advance(n)`."""
        job = Job(id=uuid.uuid4().hex, kind=kind, owner=owner, agency=agency, total=total)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _run(job: Job, work: Callable[[Job], dict[str, Any]]) -> None:
        job.status = "running"
        try:
            job.result = work(job)
            job.status = "done"
        except Exception as exc:  # a job's failure is reported to its owner, never kills the pool
            job.error = f"{type(exc).__name__}: {exc}"
            job.status = "failed"
            traceback.print_exc()
        finally:
            job.finished_at = datetime.now(UTC)
