"""A real browser (Debian's headless Chromium) against a real `vigil serve`: log in, look up, open a record.

Skipped when chromium or chromedriver is missing, unless VIGIL_REQUIRE_BROWSER=1 (CI installs both).
Screenshots go to the test's tmp dir, and also to VIGIL_SCREENSHOT_DIR when set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from webtools import browser_log_in, fill_log_in, require_browser, shot, vigil_server

from samples import records, write_jsonl
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.store.db import open_store

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`vigil serve` on loopback over a SQLite store holding the sample records and one analyst."""
    require_browser()
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = open_store(url)
    ingest_file(engine, write_jsonl(tmp_path / "s.jsonl", records()), Actor("loader"))
    engine.dispose()
    with vigil_server(url, tmp_path) as base:
        yield base


def test_log_in_look_up_and_open_a_record(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def wait_for_url(fragment: str) -> None:
        WebDriverWait(browser, 10).until(EC.url_contains(fragment))

    browser.get(f"{server}/")
    assert "/login" in browser.current_url  # not logged in: sent to the log-in page
    shot(browser, tmp_path, "01-login")
    fill_log_in(browser)
    browser.find_element(By.ID, "search-value")  # the home page's lookup form
    wait_for_url(f"{server}/")
    assert "/login" not in browser.current_url

    Select(browser.find_element(By.ID, "kind")).select_by_value("phone")
    browser.find_element(By.ID, "search-value").send_keys("(512) 555-0147")
    browser.find_element(By.ID, "purpose").send_keys("case 2026-118" + Keys.ENTER)
    link = browser.find_element(By.LINK_TEXT, "registry:TX/TX-004211")
    assert "phone:+15125550147" in browser.find_element(By.TAG_NAME, "h2").text
    shot(browser, tmp_path, "02-lookup")

    link.click()
    assert "Testperson" in browser.find_element(By.CSS_SELECTOR, "pre.record").text
    assert "purpose: case 2026-118" in browser.page_source
    shot(browser, tmp_path, "03-record")

    # Keyboard: "/" jumps to the search box from anywhere on a page that has one.
    browser.get(f"{server}/")
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "search-value"

    # Log out: the session is gone, pages send the browser back to the log-in page.
    browser.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    wait_for_url("/login")
    browser.get(f"{server}/lookup")
    wait_for_url("/login?next=%2Flookup")


def test_upload_a_quickhit_map_columns_and_download_the_result(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    sheet = tmp_path / "registrants.csv"
    sheet.write_text(
        "Offender No,Surname,Given,DOB\nQ-1,Testperson,William,04/12/1979\nQ-2,Nobodyhere,Zed,1950-01-01\n"
    )
    browser_log_in(browser, server, "/quickhit")
    browser.find_element(By.ID, "quickhit-file").send_keys(str(sheet))
    browser.find_element(By.CSS_SELECTOR, "form[action='/quickhit'] button").click()

    # The mapping preview: "Given" was not recognised; the analyst maps it and names the row id.
    given = Select(browser.find_element(By.ID, "map-3"))
    assert given.first_selected_option.text == "(ignore)"
    given.select_by_value("Given=first_name")
    Select(browser.find_element(By.ID, "map-1")).select_by_value("Offender No=id")
    assert Select(browser.find_element(By.ID, "map-2")).first_selected_option.text == "last name"
    browser.find_element(By.ID, "purpose").send_keys("compliance sweep 2026-11")
    shot(browser, tmp_path, "04-quickhit-mapping")
    browser.find_element(By.ID, "run-quickhit").click()

    # The job page refreshes itself until the batch is done, then offers the download.
    link = WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "download"))[0]
    assert browser.find_element(By.ID, "matched").text == "1"
    shot(browser, tmp_path, "05-quickhit-done")
    link.click()
    downloads = tmp_path / "downloads"
    done = WebDriverWait(browser, 30).until(
        lambda _d: [p for p in downloads.glob("*.csv") if not p.name.endswith(".crdownload")]
    )
    text = done[0].read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("row_id,match_status,confidence,person_id,refs")
    assert lines[1].startswith("Q-1,matched,") and "registry:TX/TX-004211" in lines[1]
    assert lines[2].startswith("Q-2,no_match,")
