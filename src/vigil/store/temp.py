"""Temporary tables for set-based work: join thousands of keys against the index in one statement
instead of thousands of round trips."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table

from vigil.store.bulk import insert_tuples

_counter = itertools.count()
_TYPES = {"int": Integer, "str": String(400)}


@contextmanager
def temp_table(
    conn: Connection,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
    index: Sequence[str] = (),
) -> Iterator[Table]:
    """A session-private table holding `rows`; dropped on exit. columns: (name, "int"|"str")."""
    name = f"tmp_vigil_{next(_counter)}"
    table = Table(name, MetaData(), *(Column(c, _TYPES[kind]) for c, kind in columns), prefixes=["TEMPORARY"])
    table.create(conn)
    try:
        names = [c for c, _ in columns]
        # Plain ints and strings need no bind processing: tuples go to the driver as they are.
        insert_tuples(conn, table, names, (tuple(row) for row in rows))
        if index:
            conn.exec_driver_sql(f"CREATE INDEX ix_{name} ON {name} ({', '.join(index)})")
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {name}")
        yield table
    finally:
        table.drop(conn)


BULK = 1000  # above this many values, join a temporary table instead of binding an IN list


def select_in(conn: Connection, stmt, column, values: Sequence[Any], kind: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Rows of `stmt` where `column` is one of `values`, however many there are."""
    if not values:
        return
    if len(values) <= BULK:
        yield from conn.execute(stmt.where(column.in_(list(values))))
        return
    from sqlalchemy import select

    with temp_table(conn, [("v", kind)], ((v,) for v in values), index=("v",)) as tmp:
        yield from conn.execute(stmt.where(column.in_(select(tmp.c.v))))
