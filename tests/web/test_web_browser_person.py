"""A real browser on a person of the scenario: the interactive timeline, map and link chart are drawn
(their DOM elements counted against the JSON the page embeds) and work from the keyboard.

Skipped like test_web_browser.py without chromium + chromedriver, and without the npm assets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_web_person_charts import absconder_ref
from webtools import browser_log_in, require_browser, shot, vigil_server

from vigil.store.db import open_store
from vigil.web.person_charts import vendor_assets

pytestmark = pytest.mark.slow


@pytest.fixture
def person_server(demo_store_url: str, tmp_path: Path) -> Iterator[str]:
    """`vigil serve` over a copy of the loaded scenario with one analyst."""
    require_browser()
    missing = [name for name, href in vendor_assets().items() if href is None]
    if missing:
        pytest.skip(f"front-end assets not installed (make setup): {', '.join(missing)}")
    with vigil_server(demo_store_url, tmp_path) as base:
        yield base


def test_person_page_draws_timeline_map_and_link_chart(  # type: ignore[no-untyped-def]
    person_server: str,
    browser,
    demo_scenario,
    demo_store_url: str,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    engine = open_store(demo_store_url)
    ref = absconder_ref(engine, demo_scenario)  # one with incidents near him: more to draw
    engine.dispose()
    browser.set_window_size(1280, 2400)
    browser_log_in(browser, person_server, f"/persons/{ref}?purpose=sweep+2026-11")
    browser.find_element(By.ID, "person-page")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return !!(window.vigilPersonCharts||{}).ready")
    )

    def data(element_id: str):  # type: ignore[no-untyped-def]
        return json.loads(browser.find_element(By.ID, element_id).get_attribute("textContent"))

    def count(selector: str) -> int:
        return len(browser.find_elements(By.CSS_SELECTOR, selector))

    # Timeline: one bar or point per dated item, one row per kind.
    timeline = data("person-timeline-data")
    dated = [
        t
        for t in timeline
        if t.get("from") or (t["kind"] in ("residence", "employment") and t.get("last_seen"))
    ]
    assert dated
    WebDriverWait(browser, 10).until(
        lambda d: (
            len(
                d.find_elements(
                    By.CSS_SELECTOR,
                    "#person-timeline .vis-item.vis-range, #person-timeline .vis-item.vis-point",
                )
            )
            == len(dated)
        )
    )
    ranges = [t for t in dated if t["kind"] in ("residence", "employment") and t.get("from")]
    assert count("#person-timeline .vis-item.vis-range") <= len(ranges)
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('#person-timeline .vis-labelset .vis-label'))"
        ".map(e => e.textContent.trim())"
    )
    assert "Residences" in labels and len(labels) == len({t["kind"] for t in dated})

    # Map: a marker per located item, over the state outlines.
    points = [f for f in data("person-map-data")["features"] if f["geometry"]["type"] == "Point"]
    assert count("#person-map path.vigil-marker") == len(points) > 0
    WebDriverWait(browser, 10).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#person-map path")) > 100
    )

    # Link chart: every node drawn by Cytoscape and listed for the keyboard.
    graph = data("person-graph-data")
    assert count("#person-graph-list button") == len(graph["nodes"]) > 0
    assert browser.execute_script("return window.vigilPersonCharts.graph.nodes().length") == len(
        graph["nodes"]
    )
    assert browser.execute_script("return window.vigilPersonCharts.graph.edges().length") == len(
        graph["edges"]
    )
    shot(browser, tmp_path, "10-person-charts")

    # Keyboard: the timeline steps through its items and names their sources ...
    box = browser.find_element(By.ID, "person-timeline")
    box.send_keys(Keys.ARROW_RIGHT)
    first = min(dated, key=lambda t: t.get("from") or t.get("last_seen"))
    detail = browser.find_element(By.ID, "person-timeline-detail")
    WebDriverWait(browser, 5).until(lambda _d: first["label"] in detail.text)
    assert first["ref"] in [a.text for a in detail.find_elements(By.TAG_NAME, "a")]
    box.send_keys(Keys.ENTER)
    link = browser.switch_to.active_element  # Enter: on to the item's first source record
    assert link.tag_name == "a" and "/records/" in link.get_attribute("href")
    assert link.get_attribute("href").endswith("?purpose=sweep%202026-11")
    # ... a map marker opens its popup with its source records ...
    marker = browser.find_element(By.CSS_SELECTOR, "#person-map path.vigil-marker")
    assert marker.get_attribute("tabindex") == "0" and marker.get_attribute("aria-label")
    browser.execute_script("arguments[0].focus()", marker)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    popup = WebDriverWait(browser, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")
    )[0]
    assert popup.find_elements(By.CSS_SELECTOR, "a[href^='/records/']")
    # ... and the link chart's list selects nodes one by one.
    buttons = browser.find_elements(By.CSS_SELECTOR, "#person-graph-list button")
    browser.execute_script("arguments[0].focus()", buttons[0])
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element == buttons[1]
    assert buttons[1].get_attribute("aria-pressed") == "true"
    selected = browser.execute_script(
        "return window.vigilPersonCharts.graph.nodes(':selected').map(n => n.id())"
    )
    assert selected == [buttons[1].get_attribute("data-id")]
    assert browser.find_element(By.ID, "person-graph-detail").text
    shot(browser, tmp_path, "11-person-keyboard")
