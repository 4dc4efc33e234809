"""`vigil users add/disable/enable/password/list` and `vigil serve`."""

from __future__ import annotations

import logging

import orjson
import pyotp
import pytest
from typer.testing import CliRunner

from vigil import audit
from vigil.cli.main import app
from vigil.store.db import open_store
from vigil.web import accounts
from vigil.web.app import HideQueryStrings
from vigil.web.settings import WebSettings

runner = CliRunner()
PASSWORD = "a long enough password"


def run(*args: str, code: int = 0, password: str | None = PASSWORD) -> str:
    env = {"VIGIL_NEW_PASSWORD": password} if password else {}
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result.stdout + result.stderr


def test_users_add_list_disable(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run("users", "add", "Ann", "--role", "analyst", "--agency", "TX DPS", "--db", store_url)
    out = run("users", "add", "sue", "--role", "supervisor", "--totp", "--db", store_url, "--format", "json")
    sue = orjson.loads(out)
    assert sue["role"] == "supervisor" and sue["totp_uri"].startswith("otpauth://totp/Vigil:sue")
    assert pyotp.TOTP(sue["totp_secret"]).now().isdigit()

    listed = orjson.loads(run("users", "list", "--db", store_url, "--format", "json"))["users"]
    assert [(u["username"], u["role"], u["agency"], u["disabled"]) for u in listed] == [
        ("ann", "analyst", "TX DPS", False),
        ("sue", "supervisor", "", False),
    ]
    engine = open_store(store_url)
    settings = WebSettings(secret_key="k")
    assert accounts.authenticate(engine, "ann", PASSWORD, "192.0.2.1", settings).status == "ok"

    run("users", "disable", "ann", "--db", store_url)
    assert accounts.authenticate(engine, "ann", PASSWORD, "192.0.2.1", settings).status == "failed"
    run("users", "enable", "ann", "--db", store_url)
    run("users", "password", "ann", "--db", store_url, password="another long password")
    assert accounts.authenticate(engine, "ann", "another long password", "192.0.2.1", settings).status == "ok"

    actions = [e.action for e in audit.entries(engine)]
    assert {"user_add", "user_disable", "user_enable", "user_password"} <= set(actions)
    engine.dispose()


def test_users_errors(store_url: str) -> None:
    assert "unknown role" in run("users", "add", "bob", "--role", "root", "--db", store_url, code=1)
    assert "at least 12" in run(
        "users", "add", "bob", "--role", "analyst", "--db", store_url, code=1, password="short"
    )
    assert "no user" in run("users", "disable", "nobody", "--db", store_url, code=1)


def test_serve_is_a_command() -> None:
    out = run("serve", "--help")
    assert "--host" in out and "--port" in out


def test_access_log_hides_query_strings() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/lookup?kind=ssn&value=912345678&purpose=x", "1.1", 200),
        None,
    )
    assert HideQueryStrings().filter(record)
    assert "912345678" not in record.getMessage() and "/api/lookup?..." in record.getMessage()
