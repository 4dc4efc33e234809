"""Ingest: files in the interchange formats -> validated, versioned source records in the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine

from vigil.config import Actor
from vigil.ingest.loader import LoadSummary, StrictLoadFailed, load_records
from vigil.ingest.reader import Parsed, Reject, file_sha256, parse_line, read_jsonl
from vigil.ingest.tabular import TabularError, parse_tabular

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
) -> LoadSummary:
    """Load one .jsonl/.jsonl.gz/.csv/.xlsx file; `progress` gets bytes consumed (JSONL) or rows (sheets)."""
    if is_tabular(path):
        if not source:
            raise TabularError(f"{path}: a spreadsheet needs --source (e.g. registry:TX): who asserts it")
        items: Iterator[Parsed | Reject] = parse_tabular(path, source, column_map)
        row_progress = progress
    else:
        items, row_progress = _jsonl_items(path, progress), None
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


def _jsonl_items(path: Path, progress: Callable[[int], None] | None) -> Iterator[Parsed | Reject]:
    """Parsed lines, reporting bytes of the (possibly compressed) file consumed as it goes."""
    reported = 0
    for line_no, data, position in read_jsonl(path):
        yield parse_line(str(path), line_no, data)
        if progress and position - reported >= 1 << 16:
            progress(position - reported)
            reported = position
    if progress:
        progress(max(0, path.stat().st_size - reported))
