"""Writing result rows where analysts open them: CSV (Excel-safe), XLSX, or JSON Lines."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

SUFFIXES = (".csv", ".xlsx", ".jsonl")
# Spreadsheet programs execute cells starting with these; prefix a quote so data stays data.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-][\d\s().-]*")  # "+15125550147" is a phone, not a formula


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_rows(path: Path, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: output must end in one of {', '.join(SUFFIXES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jsonl":
        with path.open("wb") as fh:
            for row in rows:
                fh.write(orjson.dumps({c: row.get(c) for c in columns}, default=str) + b"\n")
    elif suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: _safe_cell(row.get(c, "")) for c in columns})
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("results")
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_safe_cell(row.get(c, "")) for c in columns])
        book.save(path)
    return path
