"""A real browser on the incidents page of the scenario: the Leaflet map draws its markers over our own
state outlines (no tile server), and a series opens with its members and map.

Skipped like test_web_browser.py without chromium + chromedriver, and without Leaflet installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from webtools import browser_log_in, shot

pytestmark = pytest.mark.slow


def test_incidents_map_and_a_series(demo_server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser_log_in(
        browser, demo_server, "/incidents?from=2024-01-01&to=2026-11-01&purpose=series+review+2026-7"
    )

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
    shot(browser, tmp_path, "10-incidents-map")

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
    shot(browser, tmp_path, "11-series")
