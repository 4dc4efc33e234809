"""Notices due by the clock, not by anyone's action: SLA warnings on technical-assistance requests and
anniversary reminders of long-term missing cases.

`run_due_notices` is one idempotent sweep (every notice carries a key, unique per recipient, so a
second sweep on the same day writes nothing). The web application runs it from a daemon thread every
`WebSettings.notice_interval` seconds (VIGIL_NOTICE_INTERVAL, default 300; 0 turns it off) and
`vigil notices run` runs it once, for cron.

The same thread applies job retention (`vigil.web.jobs.prune_jobs`) when given the jobs folder and a
retention (VIGIL_JOB_RETENTION_DAYS, default 30 days; 0 keeps jobs forever).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from vigil.config import Actor
from vigil.web import assistance, casework
from vigil.web.jobs import prune_jobs

log = logging.getLogger("vigil.web.notices")
# Who the audit log names for the sweep's job pruning.
SWEEP_ACTOR = Actor("vigil-scheduler", "job retention (VIGIL_JOB_RETENTION_DAYS)", role="admin")


def run_due_notices(engine: Engine, now: datetime, anniversary_days: int = 30) -> dict[str, Any]:
    """Write every notice due at `now` that was not written before; returns how many of each."""
    sla = assistance.remind_sla(engine, now)
    anniversaries = casework.remind_anniversaries(engine, now, anniversary_days)
    counts = {**sla, "anniversaries": anniversaries}
    return {"at": now, **counts, "written": sum(counts.values())}


class NoticeScheduler:
    """Runs the sweep in a daemon thread: at start, then every `interval` seconds until `stop`."""

    def __init__(
        self,
        engine: Engine,
        interval: float,
        clock: Callable[[], datetime],
        job_folder: Path | None = None,
        job_retention_days: float = 0.0,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.clock = clock
        self.job_folder = job_folder
        self.job_retention_days = job_retention_days
        self.runs = 0  # sweeps completed (read by tests and /healthz-like checks)
        self.last: dict[str, Any] | None = None
        self.last_prune: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if not self.enabled or self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vigil-notices", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def run_once(self) -> dict[str, Any] | None:
        self.prune_jobs()  # on its own: a failing notice sweep must not keep old jobs forever
        try:
            self.last = run_due_notices(self.engine, self.clock())
        except Exception:  # a failed sweep (store busy or down) is retried at the next tick
            log.exception("notice sweep failed")
            return None
        self.runs += 1
        return self.last

    def prune_jobs(self) -> dict[str, Any] | None:
        """Job retention: delete jobs that ended more than `job_retention_days` ago (0 = keep)."""
        if self.job_folder is None or self.job_retention_days <= 0:
            return None
        try:
            self.last_prune = prune_jobs(
                self.engine, self.job_folder, self.job_retention_days, self.clock(), SWEEP_ACTOR
            )
        except Exception:  # the store busy or down: the next tick tries again
            log.exception("job retention sweep failed")
            return None
        return self.last_prune

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            if self._stop.wait(self.interval):
                break
