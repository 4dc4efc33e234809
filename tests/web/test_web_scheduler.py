"""The due-notice sweep: SLA warnings (nearing, overdue) and case anniversaries, each written once however
often the sweep runs; the web application's scheduler thread; `vigil notices run` for cron."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from samples import write_jsonl
from vigil.cli.main import app as cli
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.store.tables import notification
from vigil.web import accounts, assistance, casework
from vigil.web.app import create_app
from vigil.web.roles import ANALYST, CASE_MANAGER, LE_REQUESTER, SUPERVISOR
from vigil.web.scheduler import run_due_notices
from vigil.web.settings import WebSettings

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday, in office hours
ADMIN = Actor("test-admin")
OFFICER = Actor("officer1", agency="Tulsa PD", role=LE_REQUESTER)
BOSS = Actor("sue", agency="State", role=SUPERVISOR)
CASE = {
    "type": "missing_case",
    "source": "missing_cases",
    "id": "MC-9",
    "case_number": "MC-2024-0099",
    "category": "endangered_runaway",
    "child": {"names": [{"first": "Cleo", "last": "Samplekid"}], "dob": "2011-03-20", "sex": "F"},
    "missing_since": "2024-03-20",
    "missing_from": {"city": "Tulsa", "state": "OK", "zip": "74103"},
    "status": "open",
    "team": "Team 1",
}


def accounts_for(engine: Engine) -> None:
    for username, role, agency in (
        ("officer1", LE_REQUESTER, "Tulsa PD"),
        ("sue", SUPERVISOR, "State"),
        ("ann", ANALYST, "State"),
        ("carla", CASE_MANAGER, "State"),
    ):
        accounts.create_user(engine, ADMIN, username, "correct horse battery staple", role, agency)


def notices(engine: Engine, kind: str | None = None) -> list[tuple[str, str]]:
    stmt = select(notification.c.user, notification.c.text).order_by(notification.c.id)
    if kind:
        stmt = stmt.where(notification.c.kind == kind)
    with engine.connect() as conn:
        return [(r.user, r.text) for r in conn.execute(stmt)]


def test_sla_warnings_are_written_once(engine: Engine) -> None:
    accounts_for(engine)
    urgent = assistance.submit(
        engine, OFFICER, kind="rfi", title="Phone subscriber", urgency="urgent", now=T0
    )
    assistance.triage(engine, BOSS, urgent, now=T0)
    assistance.assign(engine, BOSS, urgent, "ann", now=T0)
    routine = assistance.submit(engine, OFFICER, kind="rfi", title="Old address", urgency="routine", now=T0)
    delivered = assistance.submit(engine, OFFICER, kind="rfi", title="Done soon", urgency="urgent", now=T0)
    assistance.triage(engine, BOSS, delivered, now=T0)
    assistance.assign(engine, BOSS, delivered, "ann", now=T0)
    assistance.deliver(
        engine,
        Actor("ann", agency="State", role=ANALYST),
        delivered,
        files=[assistance.FileIn("answer.txt", "text/plain", b"subscriber: none")],
        now=T0 + timedelta(hours=1),
    )

    # Two hours into a four-hour SLA: nothing is due.
    assert run_due_notices(engine, T0 + timedelta(hours=2))["written"] == 0
    # In its last hour the urgent request warns its analyst, once however often the sweep runs.
    nearing = T0 + timedelta(hours=3, minutes=10)
    first = run_due_notices(engine, nearing)
    assert (first["sla_nearing"], first["sla_overdue"], first["written"]) == (1, 0, 1)
    for minutes in (0, 5, 40):
        assert run_due_notices(engine, nearing + timedelta(minutes=minutes))["written"] == 0
    assert notices(engine, "sla") == [
        ("ann", f"Request #{urgent} is due in 0.8 h (2026-03-02 18:00 UTC, urgent): Phone subscriber")
    ]

    # Overdue: the analyst and the supervisors, once that day, again the next day while it stays open.
    late = T0 + timedelta(hours=5)
    assert run_due_notices(engine, late)["sla_overdue"] == 2
    assert run_due_notices(engine, late + timedelta(hours=2))["written"] == 0
    overdue = [n for n in notices(engine, "sla") if "overdue" in n[1]]
    assert sorted(user for user, _ in overdue) == ["ann", "sue"]
    assert run_due_notices(engine, late + timedelta(days=1))["sla_overdue"] == 2
    assert run_due_notices(engine, late + timedelta(days=1, hours=1))["sla_overdue"] == 0

    # The routine request (five days, unassigned) warns the supervisors in its last 30 hours; the
    # delivered one never warns anyone.
    day4 = T0 + timedelta(days=4)
    counts = run_due_notices(engine, day4)
    assert counts["sla_nearing"] == 1 and counts["sla_overdue"] == 2  # (the urgent one's daily reminder)
    assert run_due_notices(engine, day4 + timedelta(hours=1))["written"] == 0
    texts = [text for _, text in notices(engine, "sla")]
    assert any(t.startswith(f"Request #{routine} is due in 24.0 h") for t in texts)
    assert not any(f"#{delivered} " in t for t in texts)


def test_anniversary_reminders_are_written_once(engine: Engine, tmp_path: Path) -> None:
    accounts_for(engine)
    ingest_file(engine, write_jsonl(tmp_path / "case.jsonl", [CASE]), Actor("loader", "test"))
    ref = "missing_cases/MC-9"
    casework.assign_case(engine, BOSS, ref, team=None, manager="carla", now=T0)
    # Two years missing on 2026-03-20, eighteen days after T0.
    first = run_due_notices(engine, T0)
    assert first["anniversaries"] == 1
    for hours in (1, 24, 24 * 10):
        assert run_due_notices(engine, T0 + timedelta(hours=hours))["anniversaries"] == 0
    assert notices(engine, "anniversary") == [
        ("carla", "2-year anniversary of case MC-2024-0099 (CLEO SAMPLEKID) on 2026-03-20")
    ]
    # Next year's anniversary is a new reminder.
    assert run_due_notices(engine, T0 + timedelta(days=365))["anniversaries"] == 1


def test_the_server_runs_the_sweep_on_its_own(store_url: str, tmp_path: Path) -> None:
    clock_at = [T0]
    settings = WebSettings(
        secret_key="k", upload_dir=tmp_path / "uploads", notice_interval=0.05, clock=lambda: clock_at[0]
    )
    app = create_app(store_url, settings)
    engine = app.state.engine
    accounts_for(engine)
    request_id = assistance.submit(engine, OFFICER, kind="rfi", title="Plate", urgency="urgent", now=T0)
    try:
        with TestClient(app):
            scheduler = app.state.notices
            assert scheduler.running
            deadline = time.monotonic() + 20
            while scheduler.runs < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert scheduler.runs >= 3
            assert notices(engine, "sla") == []  # not due yet
            clock_at[0] = T0 + timedelta(hours=6)
            runs = scheduler.runs
            while (scheduler.runs < runs + 3) and time.monotonic() < deadline + 20:
                time.sleep(0.02)
            overdue = notices(engine, "sla")
            assert [user for user, _ in overdue] == ["sue"]  # once, after several sweeps
            assert f"#{request_id} is overdue" in overdue[0][1]
        assert not scheduler.running  # stopped with the server
    finally:
        engine.dispose()

    off = create_app(
        store_url, WebSettings(secret_key="k", upload_dir=tmp_path / "uploads", notice_interval=0)
    )
    try:
        with TestClient(off):
            assert not off.state.notices.enabled and not off.state.notices.running
    finally:
        off.state.engine.dispose()


def test_vigil_notices_run(store_url: str, engine: Engine, tmp_path: Path) -> None:
    accounts_for(engine)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    assistance.submit(engine, OFFICER, kind="rfi", title="Vehicle", urgency="priority", now=long_ago)
    runner = CliRunner()
    first = runner.invoke(cli, ["notices", "run", "--db", store_url, "--format", "json"])
    assert first.exit_code == 0, first.output
    document = orjson.loads(first.stdout)
    assert (document["sla_overdue"], document["written"]) == (1, 1)
    again = runner.invoke(cli, ["notices", "run", "--db", store_url])
    assert again.exit_code == 0 and "0 notice(s) written" in again.stdout
