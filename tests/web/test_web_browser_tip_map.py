"""A real browser on a tip page of the scenario: the Leaflet map draws the reported and potential
location and the linked records' markers, whose popups link to their pages; the link chart page draws
its Cytoscape chart.

Skipped like test_web_browser.py without chromium + chromedriver, and without Leaflet installed.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from webtools import browser_log_in, shot

from vigil.web.person_charts import vendor_assets

pytestmark = pytest.mark.slow


def test_tip_map_draws_markers(demo_server: str, demo_scenario, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    tip = next(r for r in truth["tip_chains"][0]["refs"] if r.startswith("cybertipline/"))
    browser_log_in(browser, demo_server, f"/tips/{tip}?purpose=tip+review+2026-7")

    # One marker per row of the places table: reported, potential, the linked records with a place.
    container = browser.find_element(By.CSS_SELECTOR, "#tip-map.leaflet-container")
    rows = browser.find_elements(By.CSS_SELECTOR, "#tip-places tbody tr td a")
    assert len(rows) >= 3
    markers = WebDriverWait(browser, 20).until(
        lambda d: (found := d.find_elements(By.CSS_SELECTOR, "#tip-map path.vigil-marker")) and found
    )
    assert len(markers) == len(rows) == int(container.get_attribute("data-markers"))
    for category in ("reported", "potential"):
        assert browser.find_elements(By.CSS_SELECTOR, f"#tip-map path.vigil-marker-{category}")
    assert not browser.find_elements(By.CSS_SELECTOR, "#tip-map img.leaflet-tile")  # no tiles

    # A linked record's marker opens its popup with a link to its page.
    linked = [
        m
        for m in markers
        if "vigil-marker-reported" not in m.get_attribute("class")
        and "vigil-marker-potential" not in m.get_attribute("class")
    ]
    assert linked
    browser.execute_script("arguments[0].focus()", linked[-1])
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    popup = browser.find_element(By.CSS_SELECTOR, "#tip-map .leaflet-popup-content")
    href = popup.find_element(By.CSS_SELECTOR, "a").get_attribute("href")
    assert href.startswith(f"{demo_server}/") and "purpose=" in href
    shot(browser, tmp_path, "20-tip-map")

    # The tip's link chart.
    browser.find_element(By.ID, "tip-neighbours").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#neighbours tbody tr")
    assert len(rows) > 2
    if vendor_assets()["cytoscape_js"]:
        box = WebDriverWait(browser, 20).until(
            lambda d: (b := d.find_element(By.ID, "links-graph")).get_attribute("data-nodes") and b
        )
        assert int(box.get_attribute("data-nodes")) == len(rows)
        assert browser.find_elements(By.CSS_SELECTOR, "#links-graph canvas")
        shot(browser, tmp_path, "21-link-chart")
