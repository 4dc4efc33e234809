"""Helpers of the web tests: a movable clock, clients, log-in and accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from vigil.config import Actor
from vigil.web import accounts
from vigil.web.security import CSRF_COOKIE

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
