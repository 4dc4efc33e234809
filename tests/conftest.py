"""Shared fixtures: every store test runs on the embedded SQLite and on a real PostgreSQL 15.

PostgreSQL comes from VIGIL_TEST_PG_URL (`make test` and `.ci/run` start a throwaway cluster on
loopback with scripts/pg-tmp.sh). Without it the PostgreSQL variants are skipped, unless
VIGIL_REQUIRE_PG=1 (CI), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from vigil.store.db import open_store

PG_URL = os.environ.get("VIGIL_TEST_PG_URL")
# One template per test session: concurrent sessions on one server must not drop each other's.
_TEMPLATE = f"vigil_test_template_{os.getpid()}"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real data dir or embedded store."""
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "vigil-data"))
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("VIGIL_USER", "test-analyst")


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """A migrated template database; each test clones it (CREATE DATABASE ... TEMPLATE is fast)."""
    assert PG_URL
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {_TEMPLATE}"))
    template_url = make_url(PG_URL).set(database=_TEMPLATE).render_as_string(hide_password=False)
    open_store(template_url).dispose()
    yield template_url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE} WITH (FORCE)"))
    admin.dispose()


def _fresh_pg_database(template_url: str) -> Iterator[str]:
    assert PG_URL
    name = f"vigil_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}"))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty, migrated store on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if not PG_URL:
        if os.environ.get("VIGIL_REQUIRE_PG") == "1":
            pytest.fail("VIGIL_REQUIRE_PG=1 but VIGIL_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL (set VIGIL_TEST_PG_URL, or run `make test`)")
    yield from _fresh_pg_database(request.getfixturevalue("_pg_template"))


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    store = open_store(store_url)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def demo_scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The small synthetic scenario (generated once per test session)."""
    from vigil.demo import generate

    return generate(tmp_path_factory.mktemp("scenario") / "small", scale="small", seed=7)


@pytest.fixture(scope="session")
def _demo_db_template(demo_scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """The scenario loaded and resolved once into a SQLite file; tests get copies."""
    from vigil.config import Actor
    from vigil.ingest import ingest_file
    from vigil.resolve.run import resolve_full

    path = tmp_path_factory.mktemp("demo-db") / "demo.db"
    engine = open_store(f"sqlite:///{path}")
    actor = Actor("fixture", "test setup")
    for file in demo_scenario.files:
        ingest_file(engine, file, actor)
    resolve_full(engine, actor)
    engine.dispose()  # the last connection closing checkpoints the WAL into the main file
    return path


@pytest.fixture
def demo_store_url(_demo_db_template: Path, tmp_path: Path) -> str:
    """A private, resolved copy of the loaded small scenario (SQLite)."""
    import shutil

    target = tmp_path / "demo.db"
    for suffix in ("", "-wal"):
        if Path(f"{_demo_db_template}{suffix}").exists():
            shutil.copy(f"{_demo_db_template}{suffix}", f"{target}{suffix}")
    return f"sqlite:///{target}"
