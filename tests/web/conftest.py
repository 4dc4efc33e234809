"""Web fixtures: an app on each backend with a movable clock, and logged-in clients per role; for the
headless Chromium tests, the driver and `vigil serve` over the scenario."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtools import (
    CHROMEDRIVER,
    CHROMIUM,
    Clock,
    add_user,
    login,
    new_client,
    require_browser,
    running_app,
    vigil_server,
)

from vigil.web.mapview import leaflet_available


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def web_app(store_url: str, clock: Clock, tmp_path: Path) -> Iterator[FastAPI]:
    with running_app(store_url, clock, tmp_path) as app:
        yield app


@pytest.fixture
def demo_web_app(demo_store_url: str, clock: Clock, tmp_path: Path) -> Iterator[FastAPI]:
    """The web app over a private copy of the resolved small scenario (a module overriding `web_app`
    with it sees the scenario instead of an empty store)."""
    with running_app(demo_store_url, clock, tmp_path) as app:
        yield app


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


@pytest.fixture
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Headless Chromium through chromedriver (skipped without them, see webtools.require_browser);
    downloads go to tmp_path / "downloads"."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(10)  # find_element waits for the next page after a submit
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def demo_server(demo_store_url: str, tmp_path: Path) -> Iterator[str]:
    """`vigil serve` over a copy of the loaded scenario with one analyst (skipped without Leaflet)."""
    require_browser()
    if not leaflet_available():
        pytest.skip("Leaflet is not installed (make setup)")
    with vigil_server(demo_store_url, tmp_path) as base:
        yield base
