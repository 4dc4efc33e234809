"""Fewer garbage collections while a load allocates millions of short, acyclic tuples.

CPython runs a collection every 700 net new container objects, and now and then one that walks the
whole heap (ZIP tables, normalizer caches). A load makes tens of rows per record and next to no
reference cycles, so those collections find nothing and cost the loading process about a fifth of
its CPU (bench/results/ingest.md). During a load the first threshold is raised: collections still
happen, less often. Worker processes forked meanwhile inherit the setting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

LOAD_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], LOAD_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
