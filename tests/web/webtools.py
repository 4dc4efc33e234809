"""Helpers of the web tests: a movable clock, apps, clients, log-in and accounts; for the headless
Chromium tests, a real `vigil serve`, the driver's log-in and screenshots."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vigil.config import Actor
from vigil.store.db import open_store
from vigil.web import accounts
from vigil.web.app import create_app
from vigil.web.security import CSRF_COOKIE
from vigil.web.settings import WebSettings

PASSWORD = "correct horse battery staple"


@dataclass
class Clock:
    """Wall time the tests can move forward (session idle limits, throttling windows)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def new_client(app: FastAPI, ip: str = "192.0.2.10") -> TestClient:
    return TestClient(app, follow_redirects=False, client=(ip, 50000))


def csrf_of(client: TestClient) -> str:
    """The double-submit token: fetched from any page when the client has none yet."""
    if not client.cookies.get(CSRF_COOKIE):
        client.get("/login")
    return client.cookies[CSRF_COOKIE]


def login(client: TestClient, username: str, password: str = PASSWORD, next: str = "/"):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": next, "csrf_token": csrf_of(client)},
    )


def add_user(app: FastAPI, username: str, role: str, agency: str = "", totp: bool = False) -> str | None:
    """Create an account (password PASSWORD); returns its TOTP secret when asked for one."""
    _, secret = accounts.create_user(
        app.state.engine, Actor("test-admin"), username, PASSWORD, role, agency, totp=totp
    )
    return secret


@contextmanager
def running_app(store_url: str, clock: Clock, tmp_path: Path) -> Iterator[FastAPI]:
    """The web app over `store_url` with its lifespan running (the job pool is shut down at the end)."""
    settings = WebSettings(secret_key="test-secret-key", clock=clock, upload_dir=tmp_path / "uploads")
    app = create_app(store_url, settings)
    with TestClient(app):
        yield app
    app.state.engine.dispose()


# --- a real browser (Debian's headless Chromium) against a real `vigil serve` ----------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
BROWSER_USER = "ann"  # the analyst `vigil_server` creates (password PASSWORD)


def require_browser() -> None:
    """Skip without chromium + chromedriver, unless VIGIL_REQUIRE_BROWSER=1 (CI installs both)."""
    if CHROMIUM and CHROMEDRIVER:
        return
    if os.environ.get("VIGIL_REQUIRE_BROWSER") == "1":
        pytest.fail("VIGIL_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed")
    pytest.skip("no chromium + chromedriver (apt-get install chromium chromium-driver)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def vigil_server(db_url: str, tmp_path: Path) -> Iterator[str]:
    """`vigil serve` on loopback over `db_url` with one analyst (BROWSER_USER); yields its base URL."""
    engine = open_store(db_url)
    accounts.create_user(engine, Actor("admin"), BROWSER_USER, PASSWORD, "analyst", "Travis County SO")
    engine.dispose()
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    env = {**os.environ, "VIGIL_SECRET_KEY": "browser-test-key", "VIGIL_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "vigil.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen([*command, "--db", db_url], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def fill_log_in(driver: Any) -> None:
    """Log in as BROWSER_USER on the log-in page the driver shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.find_element(By.NAME, "username").send_keys(BROWSER_USER)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)


def browser_log_in(driver: Any, base: str, target: str) -> None:
    """Open the log-in page on its way to `target` (a path with its query) and log in as BROWSER_USER."""
    driver.get(f"{base}/login?next={quote(target, safe='')}")
    fill_log_in(driver)


def shot(driver: Any, tmp_path: Path, name: str) -> Path:
    """A screenshot into the test's tmp dir, and also into VIGIL_SCREENSHOT_DIR when set."""
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    if out := os.environ.get("VIGIL_SCREENSHOT_DIR"):
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(out) / path.name)
    return path
