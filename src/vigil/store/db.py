"""Opening the store: engine settings per backend and migrations to the newest schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from vigil.config import default_database_url

_MIGRATIONS = Path(__file__).parent / "migrations"


def open_store(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the store at `url` (default: the embedded SQLite file), migrated to head."""
    engine = _engine(url or default_database_url())
    if migrate and not is_current(engine):
        upgrade(engine)
    return engine


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN until the first write; take control.
        # Writers that read-then-write (a load reserving ids) ask for the write lock up front.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("vigil_write") else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement (SQLite: BEGIN IMMEDIATE)."""
    with engine.connect() as conn:
        conn.execution_options(vigil_write=True)
        with conn.begin():
            yield conn


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None  # BEGIN is issued by the "begin" listener above
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-200000")  # 200 MB page cache: bulk loads and index builds
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


@cache
def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision(s); capabilities developed side by side may leave several heads."""
    return ",".join(sorted(ScriptDirectory.from_config(_alembic_config()).get_heads()))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def upgrade(engine: Engine, revision: str = "heads") -> None:
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    config.attributes.pop("connection", None)


def downgrade(engine: Engine, revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    config.attributes.pop("connection", None)


def analyze(engine: Engine) -> None:
    """Refresh the query planner's statistics after bulk changes.

    Without them SQLite picks the identifier (kind, value) index for "this record's phones" and
    scans every phone in the store: a search went from ~600 ms to ~20 ms on 120k parties.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.connection.driver_connection.autocommit = True  # type: ignore[union-attr]
            try:
                conn.exec_driver_sql("ANALYZE")
            finally:
                conn.connection.driver_connection.autocommit = False  # type: ignore[union-attr]
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
