"""A JSON Lines file -> Prepared/Reject items, prepared in this process or, for big files, in workers.

Parsing, validating and deriving cost several times what writing does, so a big file is cut into
batches of lines that forked workers prepare while this process writes (see `ingest.pool`). Small
files stay in this process: starting workers costs more than they would save.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from functools import partial
from itertools import islice
from pathlib import Path

from vigil.ingest.pool import ordered_map
from vigil.ingest.prepare import Prepared, prepare_lines, prepare_parsed, warm_up
from vigil.ingest.reader import Reject, parse_line, read_jsonl
from vigil.store.bulk import RowBinder

POOL_MIN_BYTES = 2 << 20  # of JSON (a .gz file counts GZ_RATIO times its size); see bench/results/ingest.md
GZ_RATIO = 5
BATCH_LINES = 500
MAX_WORKERS = 4  # the writer keeps up with about this many

Progress = Callable[[int], None] | None


def pool_workers(path: Path) -> int:
    """Worker processes worth starting for this file; 0 = prepare in this process."""
    cpus = os.cpu_count() or 1
    size = path.stat().st_size * (GZ_RATIO if path.suffix == ".gz" else 1)
    return min(cpus, MAX_WORKERS) if cpus > 1 and size >= POOL_MIN_BYTES else 0


@contextmanager
def jsonl_items(
    path: Path, binder: RowBinder, progress: Progress = None, workers: int | None = None
) -> Iterator[Iterator[Prepared | Reject]]:
    """The file's lines, prepared; `progress` gets bytes of the (possibly compressed) file consumed."""
    if workers is None:
        workers = pool_workers(path)
    items = _pooled(path, binder, progress, workers) if workers else _in_process(path, binder, progress)
    with closing(items):
        yield items


def _in_process(path: Path, binder: RowBinder, progress: Progress) -> Iterator[Prepared | Reject]:
    reported = 0
    for line_no, data, position in read_jsonl(path):
        yield prepare_parsed(parse_line(str(path), line_no, data), binder)
        if progress and position - reported >= 1 << 16:
            progress(position - reported)
            reported = position
    if progress:
        progress(max(0, path.stat().st_size - reported))


def _pooled(path: Path, binder: RowBinder, progress: Progress, workers: int) -> Iterator[Prepared | Reject]:
    label = str(path)
    batches = _batches(path)
    reported = 0
    first = next(batches, None)
    if first is not None:
        # Prepared here: it loads what the normalizers load lazily, before the workers fork and share it.
        warm_up()
        position, lines = first
        yield from prepare_lines(label, lines, binder)
        job = partial(prepare_lines, label, binder=binder)
        with closing(ordered_map(job, batches, workers=workers, ahead=4 * workers + 2)) as results:
            for position, prepared in results:
                yield from prepared
                if progress:
                    progress(position - reported)
                    reported = position
    if progress:
        progress(max(0, path.stat().st_size - reported))


def _batches(path: Path) -> Iterator[tuple[int, list[tuple[int, bytes]]]]:
    """(bytes of the file consumed, [(line number, line)]) in batches of BATCH_LINES lines."""
    lines = read_jsonl(path)
    while batch := list(islice(lines, BATCH_LINES)):
        yield batch[-1][2], [(line_no, data) for line_no, data, _ in batch]
