"""In-app notifications: one row per recipient, shown with an unread badge and on /notifications.

No HTTP here: requests and case management call `notify` inside their own transactions, so a change
and the notices about it are written together or not at all. A `key` makes a notice idempotent (the
same anniversary reminder is never sent twice to one user).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from vigil.store.db import write_transaction
from vigil.store.tables import app_user, notification


def notify(
    conn: Connection,
    users: Iterable[str],
    kind: str,
    text: str,
    link: str = "",
    *,
    at: datetime,
    key: str | None = None,
) -> int:
    """Tell each user (once per key when a key is given); returns how many notices were written."""
    written = 0
    for user in dict.fromkeys(u for u in users if u):
        values = {"user": user, "at": at, "kind": kind, "text": text[:1000], "link": link[:500], "key": key}
        if key is None:
            conn.execute(notification.insert().values(**values))
            written += 1
            continue
        # The unique (user, key) constraint is the guard: two sweeps at once (the server's scheduler and
        # a cron `vigil notices run`) cannot both write the notice; the loser's insert does nothing.
        stmt = _insert_once(conn).values(**values).returning(notification.c.id)
        written += conn.execute(stmt).first() is not None
    return written


def _insert_once(conn: Connection):  # type: ignore[no-untyped-def]
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return pg_insert(notification).on_conflict_do_nothing(index_elements=["user", "key"])
    if dialect == "sqlite":
        return sqlite_insert(notification).on_conflict_do_nothing(index_elements=["user", "key"])
    raise NotImplementedError(f"notifications on {dialect}")


def users_with_role(conn: Connection, *roles: str, agency: str | None = None) -> list[str]:
    """Active accounts of these roles (of one agency when given): the recipients of role-wide notices."""
    stmt = select(app_user.c.username).where(app_user.c.role.in_(roles), app_user.c.disabled.is_(False))
    if agency is not None:
        stmt = stmt.where(app_user.c.agency == agency)
    return list(conn.execute(stmt.order_by(app_user.c.username)).scalars())


def unread(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(notification.c.user == username, notification.c.seen_at.is_(None))
        ).scalar_one()


def listing(engine: Engine, username: str, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(notification)
            .where(notification.c.user == username)
            .order_by(notification.c.id.desc())
            .limit(limit)
        ).all()
    return [
        {
            "id": r.id,
            "at": r.at,
            "kind": r.kind,
            "text": r.text,
            "link": r.link,
            "seen": r.seen_at is not None,
        }
        for r in rows
    ]


def mark_seen(engine: Engine, username: str, now: datetime, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (all, or the given ids); only ever the user's own."""
    stmt = update(notification).where(notification.c.user == username, notification.c.seen_at.is_(None))
    if ids is not None:
        stmt = stmt.where(notification.c.id.in_(list(ids)))
    with write_transaction(engine) as conn:
        return conn.execute(stmt.values(seen_at=now)).rowcount
