"""Ingest: files in the interchange formats -> validated, versioned source records in the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import Engine

from vigil.config import Actor
from vigil.ingest.collector import fewer_collections
from vigil.ingest.jsonl import jsonl_items
from vigil.ingest.loader import LoadSummary, StrictLoadFailed, load_records
from vigil.ingest.prepare import Prepared, prepare_parsed
from vigil.ingest.reader import Reject, file_sha256
from vigil.ingest.tabular import TabularError, parse_tabular
from vigil.store.bulk import RowBinder

TABULAR_SUFFIXES = (".csv", ".xlsx", ".xlsm")

__all__ = ["LoadSummary", "StrictLoadFailed", "TabularError", "ingest_file", "is_tabular"]


def is_tabular(path: Path) -> bool:
    return path.suffix.lower() in TABULAR_SUFFIXES


def ingest_file(
    engine: Engine,
    path: Path,
    actor: Actor,
    *,
    strict: bool = False,
    rejects_path: Path | None = None,
    source: str | None = None,
    column_map: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> LoadSummary:
    """Load one .jsonl/.jsonl.gz/.csv/.xlsx file; `progress` gets bytes consumed (JSONL) or rows (sheets).

    `workers`: processes preparing a JSONL file's lines beside the writer; None = chosen by file size
    and CPUs, 0 = all in this process.
    """
    binder = RowBinder(engine.dialect)
    if is_tabular(path):
        if not source:
            raise TabularError(f"{path}: a spreadsheet needs --source (e.g. registry:TX): who asserts it")
        rows = (prepare_parsed(item, binder) for item in parse_tabular(path, source, column_map))
        with fewer_collections():
            return _load(engine, path, rows, actor, strict, rejects_path, progress)
    with fewer_collections(), jsonl_items(path, binder, progress, workers) as items:
        return _load(engine, path, items, actor, strict, rejects_path, None)


def _load(
    engine: Engine,
    path: Path,
    items: Iterable[Prepared | Reject],
    actor: Actor,
    strict: bool,
    rejects_path: Path | None,
    row_progress: Callable[[int], None] | None,
) -> LoadSummary:
    return load_records(
        engine,
        str(path),
        file_sha256(path),
        items,
        actor,
        strict=strict,
        rejects_path=rejects_path,
        progress=row_progress,
    )
