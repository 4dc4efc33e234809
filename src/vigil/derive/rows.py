"""The rows one record contributes to the derived tables, and the problems met making them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass(slots=True)
class Derived:
    """Rows per derived table name (without record_id, which the loader adds)."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    # (field path, reason) for values kept in the raw record but not indexable, e.g. a junk phone.
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def add(self, table: str, row: Row) -> None:
        self.rows.setdefault(table, []).append(row)

    def warn(self, path: str, reason: str) -> None:
        self.warnings.append((path, reason))
