"""An ordered, bounded map over forked worker processes: the CPU half of a big load runs beside the writer.

- fork: workers start in milliseconds and share the parent's loaded tables (ZIP centroids, nickname
  groups, the address tagger's model) copy-on-write; the job function is inherited, never pickled.
- ordered: results come back in submission order, so line numbers, duplicate detection and the rejects
  list are exactly what a sequential load gives.
- bounded: at most `ahead` batches are in flight, so a million-line file is never in memory at once.
- workers ignore Ctrl-C (the loading process rolls back, then stops them) and die with their parent
  (PR_SET_PDEATHSIG on Linux): a killed import leaves no orphans behind.
- workers never touch the database: the parent's open connection is inherited but left alone, and
  `gc.freeze()` keeps the child from finalizing (closing) any inherited object.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

Tag = TypeVar("Tag")

_PR_SET_PDEATHSIG = 1
_job: Callable[[Any], Any] | None = None  # set in each worker by _start_worker


def ordered_map(
    job: Callable[[Any], Any], batches: Iterable[tuple[Tag, Any]], *, workers: int, ahead: int
) -> Iterator[tuple[Tag, Any]]:
    """(tag, job(payload)) for each (tag, payload), in order; tags stay in this process.

    Close the iterator (contextlib.closing) to stop the workers early; it waits for the batches
    already running, at most `workers` + 1 of them.
    """
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(job, os.getpid()),
    )
    pending: deque[tuple[Tag, Future[Any]]] = deque()
    try:
        for tag, payload in batches:
            pending.append((tag, pool.submit(_run, payload)))
            if len(pending) >= ahead:
                done_tag, future = pending.popleft()
                yield done_tag, future.result()
        while pending:
            done_tag, future = pending.popleft()
            yield done_tag, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(job: Callable[[Any], Any], parent: int) -> None:
    global _job
    _job = job
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _run(payload: Any) -> Any:
    assert _job is not None, "worker started without a job"
    return _job(payload)
