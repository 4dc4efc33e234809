"""Fast bulk inserts for loads: the driver's executemany (SQLite) or COPY (PostgreSQL).

SQLAlchemy's per-row parameter processing cost more than the database itself at tens of thousands
of rows a second; here each column's bind processor is looked up once and rows go to the driver as
tuples. `RowBinder` does the per-row half (dict -> bound tuple) and needs no connection, so ingest
worker processes can run it; `insert_tuples` is the half that talks to the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Date, DateTime, Dialect, Table, text

Processor = Callable[[Any], Any]
Plan = tuple[tuple[str, ...], bool, tuple[tuple[int, Processor], ...]]


class RowBinder:
    """Dict rows -> (column names, tuples of driver-ready values), for one dialect.

    Columns come in the rows' own key order (keys that are not columns of the table are left out, as
    SQLAlchemy's insert would); the processors for each distinct key order are looked up once.
    """

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._plans: dict[tuple[str, tuple[str, ...]], Plan] = {}

    def bind(self, table: Table, rows: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], list[tuple]]:
        """Rows with the keys of the first one (any order) -> (column names, value tuples)."""
        keys = tuple(rows[0])
        plan = self._plans.get((table.name, keys)) or self._plan(table, keys)
        names, exact, processors = plan
        first = rows[0]
        bound = []
        for row in rows:
            in_order = exact and (row is first or tuple(row) == keys)
            if not processors and in_order:
                bound.append(tuple(row.values()))
                continue
            values = list(row.values()) if in_order else [row[n] for n in names]
            for i, process in processors:
                value = values[i]
                if value is not None:  # NULL needs no processing, and most optional columns are NULL
                    values[i] = process(value)
            bound.append(tuple(values))
        # The same `names` object every time: a pickled batch then holds the column names once.
        return names, bound

    def _plan(self, table: Table, keys: tuple[str, ...]) -> Plan:
        names = tuple(k for k in keys if k in table.c)
        processors = tuple(
            (i, process) for i, n in enumerate(names) if (process := self._processor(table.c[n]))
        )
        plan = (names, names == keys, processors)
        self._plans[(table.name, keys)] = plan
        return plan

    def _processor(self, column: Column) -> Processor | None:
        process = column.type.bind_processor(self.dialect)
        if self.dialect.name == "sqlite" and isinstance(column.type, Date | DateTime):
            # pysqlite turns dates into text with its registered adapters while binding; running the
            # same adapters here lets worker processes do it (and pickle text, not date objects).
            return _sqlite_adapt if process is None else lambda value: _sqlite_adapt(process(value))
        return process


def _sqlite_adapt(value: Any) -> Any:
    return sqlite3.adapt(value, sqlite3.PrepareProtocol, value)


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert dict rows (all with the same keys) into `table` inside the connection's transaction."""
    if rows:
        insert_tuples(conn, table, *RowBinder(conn.dialect).bind(table, rows))


def insert_tuples(conn: Connection, table: Table, names: Sequence[str], tuples: Iterable[tuple]) -> None:
    """Insert already bound value tuples (see RowBinder) for the columns `names`."""
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for values in tuples:
                copy.write_row(values)
        return
    placeholders = ", ".join("?" * len(names))
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({placeholders})", tuples)
    finally:
        cursor.close()


def next_ids(conn: Connection, table: Table, count: int) -> range:
    """Reserve `count` primary keys; the caller holds the load lock, so nobody else inserts meanwhile."""
    start = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}")).scalar_one() + 1
    return range(start, start + count)


def sync_id_sequence(conn: Connection, table: Table) -> None:
    """After explicit ids, move PostgreSQL's sequence past them so ordinary inserts keep working."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )
