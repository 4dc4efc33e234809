"""Migrations: a new store reaches head, the schema matches the declared tables, and downgrade works."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from vigil.store import db
from vigil.store.tables import metadata


def test_new_store_is_at_head(engine: Engine) -> None:
    assert db.current_revision(engine) == db.head_revision()
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_downgrade_to_nothing_and_back(engine: Engine) -> None:
    db.downgrade(engine, "base")
    assert "source_record" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert db.is_current(engine)
