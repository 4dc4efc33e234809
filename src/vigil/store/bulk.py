"""Fast bulk inserts for loads: the driver's executemany (SQLite) or COPY (PostgreSQL).

SQLAlchemy's per-row parameter processing cost more than the database itself at tens of thousands
of rows a second; here each column's bind processor is looked up once per call and rows go to
the driver as tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, text


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert dict rows (all with the same keys) into `table` inside the connection's transaction."""
    if not rows:
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    names = [c.name for c in columns]
    dialect = conn.dialect
    processors: list[Callable[[Any], Any] | None] = [c.type.bind_processor(dialect) for c in columns]
    if any(processors):
        tuples = [
            tuple(p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True)) for row in rows
        ]
    else:
        tuples = [tuple(row[n] for n in names) for row in rows]
    quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    driver = conn.connection.driver_connection
    if dialect.name == "postgresql":
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
