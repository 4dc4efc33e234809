"""Durable background jobs: rows in the store, files under the jobs folder, throttled progress writes,
interrupted at restart, the /jobs listing, and a restart of the web application on the same store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from webtools import add_user, csrf_of, login, new_client

from samples import PERSON, write_jsonl
from vigil import audit
from vigil.store.tables import job as job_table
from vigil.web.app import create_app
from vigil.web.jobs import FLUSH_SECONDS, Job, JobRunner
from vigil.web.roles import ANALYST, LE_REQUESTER, SUPERVISOR
from vigil.web.settings import WebSettings


def wait_done(runner: JobRunner, job_id: str, seconds: float = 30) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = runner.get(job_id)
        if job is not None and not job.active:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


@pytest.fixture
def runner(engine: Engine, tmp_path: Path) -> Iterator[JobRunner]:
    jobs = JobRunner(engine, tmp_path / "jobs")
    yield jobs
    jobs.shutdown()


def test_a_job_is_kept_in_the_store_with_its_file(engine: Engine, runner: JobRunner, tmp_path: Path) -> None:
    upload = tmp_path / "uploads" / "u1"
    upload.mkdir(parents=True)

    def work(job: Job) -> dict[str, Any]:
        job.begin_stage("counting", 3)
        for _ in range(3):
            job.advance(1)
        out = upload / "answers.csv"
        out.write_text("id,match\n1,yes\n")
        job.download, job.download_name = out, "answers.csv"
        return {"rows": 3, "when": time.gmtime(0).tm_year}

    started = runner.submit("quickhit", "ann", "Test PD", work, total=3, owner_role=ANALYST)
    assert started.status in ("queued", "running", "done")
    done = wait_done(runner, started.id)
    assert done.status == "done" and done.result == {"rows": 3, "when": 1970}

    # A runner of another process reads the same job back from the store.
    other = JobRunner(engine, tmp_path / "jobs")
    try:
        stored = other.get(started.id)
        assert stored is not None and stored is not done
        assert (stored.status, stored.stage, stored.done, stored.total) == ("done", "counting", 3, 3)
        assert stored.result == {"rows": 3, "when": 1970}
        assert (stored.kind, stored.owner, stored.agency, stored.owner_role) == (
            "quickhit",
            "ann",
            "Test PD",
            ANALYST,
        )
        assert stored.started_at is not None and stored.finished_at is not None
        assert stored.started_at <= stored.finished_at and stored.created_at.tzinfo is not None
        # The file moved out of the upload folder (now gone, it was empty) into the jobs folder.
        assert stored.download == tmp_path / "jobs" / started.id / "answers.csv"
        assert stored.download.read_text() == "id,match\n1,yes\n"
        assert stored.download_type == "text/csv" and stored.download_name == "answers.csv"
        assert not upload.exists()
        doc = stored.document()
        assert doc["download"] == f"/api/jobs/{started.id}/download" and doc["fraction"] == 1.0
        assert other.get("0" * 32) is None and other.get("x" * 40) is None
    finally:
        other.shutdown()


def test_a_failed_job_says_why(runner: JobRunner) -> None:
    def work(job: Job) -> dict[str, Any]:
        job.advance(2)
        raise ValueError("the sheet has no id column")

    job = wait_done(runner, runner.submit("ingest", "ann", "", work).id)
    with runner.engine.connect() as conn:
        row = conn.execute(select(job_table).where(job_table.c.id == job.id)).one()
    assert (row.status, row.error, row.done) == ("failed", "ValueError: the sheet has no id column", 2)
    assert row.finished_at is not None and row.download_path is None


def test_progress_is_written_at_most_every_half_second(engine: Engine, runner: JobRunner) -> None:
    updates: list[float] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE JOB"):
            updates.append(time.monotonic())

    event.listen(engine, "before_cursor_execute", count)
    try:
        steps = 200

        def work(job: Job) -> dict[str, Any]:
            for _ in range(steps):
                job.advance(1)
                time.sleep(0.01)  # two seconds of work, 200 progress reports
            return {}

        started = time.monotonic()
        job = wait_done(runner, runner.submit("ingest", "ann", "", work, total=steps).id)
        elapsed = time.monotonic() - started
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert job.status == "done" and job.done == steps
    # At least one progress write while it ran, at most one per flush interval (plus the final write).
    assert 2 <= len(updates) <= elapsed / FLUSH_SECONDS + 2, (len(updates), elapsed)
    with engine.connect() as conn:
        assert conn.execute(select(job_table.c.done).where(job_table.c.id == job.id)).scalar_one() == steps


def test_progress_reaches_the_store_while_the_job_runs(engine: Engine, runner: JobRunner) -> None:
    release = threading.Event()

    def work(job: Job) -> dict[str, Any]:
        job.begin_stage("screening", 10)
        job.done, job.total = 4, 10  # set directly, as the operations route does
        release.wait(30)
        return {}

    job = runner.submit("operation", "ann", "", work, total=10)
    try:
        deadline = time.monotonic() + 10
        row = None
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                row = conn.execute(select(job_table).where(job_table.c.id == job.id)).one()
            if row.done == 4:
                break
            time.sleep(0.05)
        assert row is not None and (row.status, row.stage, row.done, row.total) == (
            "running",
            "screening",
            4,
            10,
        )
    finally:
        release.set()
    assert wait_done(runner, job.id).status == "done"


def test_a_restart_marks_unfinished_jobs_interrupted(engine: Engine, tmp_path: Path) -> None:
    first = JobRunner(engine, tmp_path / "jobs", workers=1)
    release = threading.Event()
    try:
        running = first.submit("ingest", "ann", "", lambda job: {"ok": release.wait(30)})
        queued = first.submit("ingest", "ann", "", lambda job: {"ok": True})  # waits for the only worker
        # The server dies; a new one starts on the same store.
        second = JobRunner(engine, tmp_path / "jobs")
        assert second.recover() == 2
        for job_id in (running.id, queued.id):
            job = second.get(job_id)
            assert job is not None and job.status == "interrupted" and "server stopped" in (job.error or "")
            assert job.finished_at is not None
        second.shutdown()
    finally:
        release.set()
        first.shutdown()
    # The old process's worker finishing late does not bring the job back to life.
    with engine.connect() as conn:
        statuses = set(conn.execute(select(job_table.c.status)).scalars())
    assert statuses == {"interrupted"}


def test_who_sees_which_job(runner: JobRunner) -> None:
    def nothing(job: Job) -> dict[str, Any]:
        return {}

    mine = runner.submit("quickhit", "ann", "Test PD", nothing, owner_role=ANALYST)
    peer = runner.submit("ingest", "bob", "Test PD", nothing, owner_role=ANALYST)
    le_own = runner.submit("ingest", "officer1", "Tulsa PD", nothing, owner_role=LE_REQUESTER)
    le_colleague = runner.submit("ingest", "officer2", "Tulsa PD", nothing, owner_role=LE_REQUESTER)
    le_elsewhere = runner.submit("ingest", "officer3", "Other PD", nothing, owner_role=LE_REQUESTER)
    analyst_same_agency = runner.submit("ingest", "carl", "Tulsa PD", nothing, owner_role=ANALYST)
    everything = [mine, peer, le_own, le_colleague, le_elsewhere, analyst_same_agency]
    for job in everything:
        wait_done(runner, job.id)

    def listed(user: str, role: str, agency: str) -> set[str]:
        return {j.id for j in runner.listing(user, role, agency)}

    assert listed("ann", ANALYST, "Test PD") == {mine.id}
    assert listed("officer1", LE_REQUESTER, "Tulsa PD") == {le_own.id, le_colleague.id}
    assert listed("officer9", LE_REQUESTER, "") == set()  # no agency: nobody's but its own
    assert listed("sue", SUPERVISOR, "") == {j.id for j in everything}
    # The single-job check agrees with the listing.
    for user, role, agency in (("ann", ANALYST, "Test PD"), ("officer1", LE_REQUESTER, "Tulsa PD")):
        seen = {j.id for j in everything if runner.get(j.id).visible_to(user, role, agency)}  # type: ignore[union-attr]
        assert seen == listed(user, role, agency)
    newest_first = runner.listing("sue", SUPERVISOR, "", limit=2)
    assert len(newest_first) == 2
    assert newest_first[0].created_at >= newest_first[1].created_at


# --- the web application on the same store, restarted ---


@pytest.fixture
def make_app(store_url: str, tmp_path: Path) -> Iterator[Callable[..., FastAPI]]:
    apps: list[FastAPI] = []

    def make(**settings: Any) -> FastAPI:
        settings.setdefault("notice_interval", 0)
        app = create_app(
            store_url, WebSettings(secret_key="test-secret-key", upload_dir=tmp_path / "uploads", **settings)
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.engine.dispose()


def logged_in(app: FastAPI, username: str) -> TestClient:
    client = new_client(app)
    assert login(client, username).status_code == 303
    return client


def wait_api(client: TestClient, job_id: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


def test_jobs_survive_a_restart_of_the_server(make_app: Callable[..., FastAPI], tmp_path: Path) -> None:
    body = write_jsonl(tmp_path / "load.jsonl", [PERSON, "this is not json"]).read_bytes()
    first = make_app()
    with TestClient(first):
        add_user(first, "ann", ANALYST, "Test PD")
        add_user(first, "sue", SUPERVISOR, "State")
        add_user(first, "bob", ANALYST, "Test PD")
        ann = logged_in(first, "ann")
        started = ann.post(
            "/api/ingest", files={"file": ("load.jsonl", body)}, headers={"X-CSRF-Token": csrf_of(ann)}
        )
        assert started.status_code == 202, started.text
        done = wait_api(ann, started.json()["id"])
        assert done["status"] == "done" and done["result"]["rejected"] == 1
        before = ann.get(done["download"]).content
        # One that is still running when the server stops dead (its worker never reports back).
        release = threading.Event()
        stuck = first.state.jobs.submit("quickhit", "ann", "Test PD", lambda job: {"x": release.wait(30)})

        second = make_app()
        with TestClient(second):  # the new server's start marks what was running interrupted
            ann2 = logged_in(second, "ann")
            listing = ann2.get("/api/jobs").json()["jobs"]
            assert [(j["id"], j["status"]) for j in listing] == [
                (stuck.id, "interrupted"),
                (done["id"], "done"),
            ]
            again = ann2.get(f"/api/jobs/{done['id']}").json()
            assert again["result"] == done["result"] and again["done"] == done["done"]
            download = ann2.get(done["download"])
            assert (
                download.status_code == 200 and download.content == before and b"not json" in download.content
            )
            assert download.headers["content-type"] == "application/x-ndjson"
            assert "load.jsonl.rejects.jsonl" in download.headers["content-disposition"]
            entry = next(audit.entries(second.state.engine, 1, "download"))
            assert (entry.user, entry.query["job"]) == ("ann", done["id"])
            # Still owner-scoped after the restart; a supervisor sees everyone's.
            bob = logged_in(second, "bob")
            assert bob.get(f"/api/jobs/{done['id']}").status_code == 404
            assert bob.get(done["download"]).status_code == 404
            assert bob.get("/api/jobs").json()["jobs"] == []
            sue = logged_in(second, "sue")
            assert {j["id"] for j in sue.get("/api/jobs").json()["jobs"]} == {done["id"], stuck.id}
            page = ann2.get("/jobs")
            assert page.status_code == 200
            assert f'href="/jobs/{done["id"]}"' in page.text and "interrupted" in page.text
            assert f'href="{done["download"]}"' in page.text
            stuck_page = ann2.get(f"/jobs/{stuck.id}")
            assert stuck_page.status_code == 200 and "server stopped" in stuck_page.text
        release.set()
