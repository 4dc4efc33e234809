"""Job retention: jobs that ended more than VIGIL_JOB_RETENTION_DAYS ago go with their files, from the
scheduler's sweep and from `vigil jobs prune`; running and queued jobs never do; the prune is audited."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from vigil import audit
from vigil.cli.main import app as cli
from vigil.config import Actor
from vigil.store.db import write_transaction
from vigil.store.tables import job as job_table
from vigil.web.jobs import Job, JobRunner, _row, prune_jobs
from vigil.web.scheduler import SWEEP_ACTOR, NoticeScheduler
from vigil.web.settings import WebSettings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BOSS = Actor("sue", "job retention", role="supervisor")


def old_job(
    engine: Engine, folder: Path, status: str, days_ago: float, with_file: bool = True, ended: bool = True
) -> str:
    """A job row as the runner leaves it, `days_ago` old, with its kept file under `folder/<id>/`."""
    at = NOW - timedelta(days=days_ago)
    job = Job(
        id=f"{status[:4]}{int(days_ago * 10):04d}{'f' if with_file else 'n'}",
        kind="quickhit",
        owner="ann",
        agency="",
    )
    job.status, job.created_at = status, at - timedelta(minutes=5)
    job.finished_at = at if ended else None
    if with_file:
        target = folder / job.id / "out.csv"
        target.parent.mkdir(parents=True)
        target.write_text("id\n1\n")
        job.download, job.download_name = target, "out.csv"
    with write_transaction(engine) as conn:
        conn.execute(job_table.insert().values(**_row(job)))
    return job.id


def ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(job_table.c.id)).scalars())


@pytest.fixture
def jobs(engine: Engine, tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "jobs"
    folder.mkdir()
    made = {
        "done_old": old_job(engine, folder, "done", 45),
        "failed_old": old_job(engine, folder, "failed", 31, with_file=False),
        # an interrupted job the restart marked without an end time: it counts from its creation
        "interrupted_old": old_job(engine, folder, "interrupted", 60, ended=False),
        "done_recent": old_job(engine, folder, "done", 5),
        # a job a dead process left running long ago, and one still queued: never pruned
        "running_old": old_job(engine, folder, "running", 90, ended=False),
        "queued_old": old_job(engine, folder, "queued", 90, with_file=False, ended=False),
    }
    return {"folder": folder, **made}


def test_prune_deletes_ended_jobs_and_their_files_only(engine: Engine, jobs: dict[str, Any]) -> None:
    folder = jobs["folder"]
    result = prune_jobs(engine, folder, 30, NOW, BOSS)
    gone = {jobs["done_old"], jobs["failed_old"], jobs["interrupted_old"]}
    assert set(result["ids"]) == gone and result["pruned"] == 3 and result["files"] == 2
    assert ids(engine) == {jobs["done_recent"], jobs["running_old"], jobs["queued_old"]}
    assert not any((folder / i).exists() for i in gone)
    assert (folder / jobs["done_recent"] / "out.csv").is_file()
    assert (folder / jobs["running_old"] / "out.csv").is_file()
    # audited: who, how many, which
    entry = next(audit.entries(engine, limit=1, action="job_prune"))
    assert entry.user == "sue" and entry.query["pruned"] == 3 and entry.query["older_than_days"] == 30
    assert sorted(entry.result_refs) == sorted(f"job/{i}" for i in gone)
    # a second run has nothing left to do and writes no audit entry
    assert prune_jobs(engine, folder, 30, NOW, BOSS)["pruned"] == 0
    assert len(list(audit.entries(engine, action="job_prune"))) == 1


def test_zero_days_keeps_everything(engine: Engine, jobs: dict[str, Any]) -> None:
    before = ids(engine)
    assert prune_jobs(engine, jobs["folder"], 0, NOW, BOSS)["pruned"] == 0
    assert ids(engine) == before and not list(audit.entries(engine, action="job_prune"))


def test_a_finished_runner_job_is_pruned_with_its_kept_file(engine: Engine, tmp_path: Path) -> None:
    runner = JobRunner(engine, tmp_path / "jobs")
    try:
        upload = tmp_path / "uploads" / "u1"
        upload.mkdir(parents=True)

        def work(job: Job) -> dict[str, Any]:
            out = upload / "answers.csv"
            out.write_text("id\n1\n")
            job.download, job.download_name = out, "answers.csv"
            return {"rows": 1}

        job = runner.submit("quickhit", "ann", "Test PD", work)
        deadline = time.monotonic() + 30
        while (found := runner.get(job.id)) is None or found.active:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        kept = found.download
        assert kept is not None and kept.is_file()
        # not yet old enough, then old enough
        assert prune_jobs(engine, tmp_path / "jobs", 1, datetime.now(UTC), BOSS)["pruned"] == 0
        later = datetime.now(UTC) + timedelta(days=2)
        assert prune_jobs(engine, tmp_path / "jobs", 1, later, BOSS)["ids"] == [job.id]
        assert not kept.exists() and runner.get(job.id) is None
    finally:
        runner.shutdown()


def test_the_sweep_applies_the_retention(engine: Engine, jobs: dict[str, Any]) -> None:
    off = NoticeScheduler(engine, 0, lambda: NOW, jobs["folder"], 0)
    off.run_once()
    assert off.last_prune is None and len(ids(engine)) == 6
    sweep = NoticeScheduler(engine, 0, lambda: NOW, jobs["folder"], 40)
    sweep.run_once()
    assert sweep.runs == 1 and sweep.last_prune is not None
    assert set(sweep.last_prune["ids"]) == {jobs["done_old"], jobs["interrupted_old"]}
    entry = next(audit.entries(engine, limit=1, action="job_prune"))
    assert entry.user == SWEEP_ACTOR.user and entry.query["pruned"] == 2


def test_retention_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIL_JOB_RETENTION_DAYS", raising=False)
    assert WebSettings(secret_key="k").job_retention_days == 30
    monkeypatch.setenv("VIGIL_JOB_RETENTION_DAYS", "0")
    assert WebSettings(secret_key="k").job_retention_days == 0
    monkeypatch.setenv("VIGIL_JOB_RETENTION_DAYS", "7.5")
    assert WebSettings(secret_key="k").job_retention_days == 7.5
    monkeypatch.setenv("VIGIL_JOB_RETENTION_DAYS", "a week")
    assert WebSettings(secret_key="k").job_retention_days == 30


def test_cli_prune(engine: Engine, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    folder = data / "jobs"
    folder.mkdir(parents=True)
    now = datetime.now(UTC)  # the CLI prunes against the real clock
    monkeypatch.setenv("VIGIL_DATA_DIR", str(data))
    monkeypatch.setenv("VIGIL_JOB_RETENTION_DAYS", "10")
    old = _job_at(engine, folder, "done", now - timedelta(days=20))
    new = _job_at(engine, folder, "done", now - timedelta(days=3))
    running = _job_at(engine, folder, "running", now - timedelta(days=300))
    runner = CliRunner()
    result = runner.invoke(cli, ["jobs", "prune", "--db", store_url, "--user", "ops", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = orjson.loads(result.stdout)
    assert document["ids"] == [old] and document["older_than_days"] == 10 and document["files"] == 1
    assert ids(engine) == {new, running} and not (folder / old).exists()
    entry = next(audit.entries(engine, limit=1, action="job_prune"))
    assert entry.user == "ops" and entry.query["pruned"] == 1

    result = runner.invoke(cli, ["jobs", "prune", "--older-than", "1", "--db", store_url, "--user", "ops"])
    assert result.exit_code == 0 and "1 job(s)" in result.output, result.output
    assert ids(engine) == {running}
    result = runner.invoke(cli, ["jobs", "prune", "--older-than", "0", "--db", store_url])
    assert result.exit_code == 0 and "nothing pruned" in result.output and ids(engine) == {running}


def _job_at(engine: Engine, folder: Path, status: str, at: datetime) -> str:
    job = Job(id=f"{status[:4]}{int(at.timestamp())}", kind="ingest", owner="ann", agency="")
    job.status, job.created_at = status, at
    job.finished_at = at if status not in ("queued", "running") else None
    target = folder / job.id / "rejects.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text("{}\n")
    job.download = target
    with write_transaction(engine) as conn:
        conn.execute(job_table.insert().values(**_row(job)))
    return job.id
