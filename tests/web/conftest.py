"""Web fixtures: an app on each backend with a movable clock, and logged-in clients per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtools import Clock, add_user, login, new_client

from vigil.web.app import create_app
from vigil.web.settings import WebSettings


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def web_app(store_url: str, clock: Clock, tmp_path: Path) -> Iterator[FastAPI]:
    settings = WebSettings(secret_key="test-secret-key", clock=clock, upload_dir=tmp_path / "uploads")
    app = create_app(store_url, settings)
    with TestClient(app):  # runs the lifespan: the job pool is shut down at the end
        yield app
    app.state.engine.dispose()


@pytest.fixture
def client_as(web_app: FastAPI) -> Callable[..., TestClient]:
    """client_as(role) -> a client logged in as a fresh user of that role (agency "Test PD")."""
    made: dict[str, int] = {}

    def make(role: str, agency: str = "Test PD") -> TestClient:
        made[role] = made.get(role, 0) + 1
        username = f"{role.replace('_', '-')}{made[role]}"
        add_user(web_app, username, role, agency)
        client = new_client(web_app)
        response = login(client, username)
        assert response.status_code == 303, response.text
        return client

    return make
