"""A real browser on the incidents page of the scenario: the Leaflet map draws its markers over our own
state outlines (no tile server), and a series opens with its members and map.

Skipped like test_web_browser.py without chromium + chromedriver, and without Leaflet installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_web_browser import PASSWORD, _free_port, _require_browser, _shot, browser  # noqa: F401

from vigil.config import Actor
from vigil.store.db import open_store
from vigil.web import accounts
from vigil.web.mapview import leaflet_available

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_server(demo_store_url: str, tmp_path: Path) -> Iterator[str]:
    """`vigil serve` over a copy of the loaded scenario with one analyst."""
    _require_browser()
    if not leaflet_available():
        pytest.skip("Leaflet is not installed (make setup)")
    engine = open_store(demo_store_url)
    accounts.create_user(engine, Actor("admin"), "ann", PASSWORD, "analyst", "Travis County SO")
    engine.dispose()
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    env = {**os.environ, "VIGIL_SECRET_KEY": "browser-test-key", "VIGIL_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "vigil.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen([*command, "--db", demo_store_url], stdout=log, stderr=subprocess.STDOUT, env=env)
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


def test_incidents_map_and_a_series(demo_server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    query = "from=2024-01-01&to=2026-11-01&purpose=series+review+2026-7"
    browser.get(f"{demo_server}/login?next=%2Fincidents%3F{query.replace('&', '%26').replace('=', '%3D')}")
    browser.find_element(By.NAME, "username").send_keys("ann")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)

    # The map: Leaflet took the container, drew one marker per located incident and the outlines.
    container = browser.find_element(By.CSS_SELECTOR, "#incidents-map.leaflet-container")
    markers = WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#incidents-map path.vigil-marker-incident")
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "#incidents tbody a.result")
    assert len(markers) == len(rows) > 10
    assert int(container.get_attribute("data-markers")) >= len(markers)
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, "#incidents-map .leaflet-pane path:not(.leaflet-interactive)"
        )
    )  # the state outlines, from /api/geo/states.geojson
    assert not browser.find_elements(By.CSS_SELECTOR, "#incidents-map img.leaflet-tile")  # no tiles

    # A marker opens its popup with a link to the incident's record, from the keyboard.
    browser.execute_script("arguments[0].focus()", markers[0])
    assert browser.switch_to.active_element == markers[0]  # markers are keyboard targets
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    popup = browser.find_element(By.CSS_SELECTOR, "#incidents-map .leaflet-popup-content")
    assert (
        popup.find_element(By.CSS_SELECTOR, "a")
        .get_attribute("href")
        .startswith(f"{demo_server}/records/attempted_abductions/")
    )
    _shot(browser, tmp_path, "10-incidents-map")

    # Open a series: its members, its ranked offenders and its own map.
    link = browser.find_element(By.CSS_SELECTOR, "#series-list a.result")
    series_id = link.text
    link.click()
    article = browser.find_element(By.ID, f"series-{series_id}")
    members = article.find_elements(By.CSS_SELECTOR, "table.members tbody tr")
    assert len(members) >= 2
    assert article.find_elements(By.CSS_SELECTOR, "table.offenders")
    series_markers = WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#series-map path.vigil-marker-incident")
    )
    assert len(series_markers) >= len(members)
    assert article.find_element(By.CSS_SELECTOR, "form.decision input[name='reason']")
    _shot(browser, tmp_path, "11-series")
