"""Server-rendered pages: lookup, record, audit, upload, errors; escaping and security headers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtools import csrf_of, new_client

from samples import PERSON, records, write_jsonl
from vigil import audit
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.web.roles import ANALYST, SUPERVISOR
from vigil.web.templating import PICO_CSS, STATIC_DIR

REF = "registry:TX/TX-004211"


def test_lookup_page_lists_records_linking_to_record_pages(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    ingest_file(web_app.state.engine, write_jsonl(tmp_path / "s.jsonl", records()), Actor("loader"))
    analyst = client_as(ANALYST)
    home = analyst.get("/")
    assert 'name="purpose"' in home.text and 'id="search-value"' in home.text

    no_purpose = analyst.get("/lookup", params={"kind": "screen_name", "value": "kik/xx_dan"})
    assert no_purpose.status_code == 400 and "purpose" in no_purpose.text

    page = analyst.get("/lookup", params={"kind": "screen_name", "value": "kik/xx_dan", "purpose": "tip 118"})
    assert page.status_code == 200
    assert "screen_name:kik/xx_dan" in page.text
    assert f'href="/records/{REF}?purpose=tip%20118"' in page.text
    # The purpose given is offered again on the next page (still sent, still audited each time).
    assert 'value="tip 118"' in analyst.get("/").text

    record = analyst.get(f"/records/{REF}", params={"purpose": "tip 118"})
    assert record.status_code == 200 and "Testperson" in record.text and "Version 1 (current)" in record.text
    view = next(audit.entries(web_app.state.engine, 1, "view"))
    assert (view.user, view.purpose) == ("analyst1", "tip 118")


def test_record_page_asks_why_before_reading(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    ingest_file(web_app.state.engine, write_jsonl(tmp_path / "s.jsonl", records()), Actor("loader"))
    analyst = client_as(ANALYST)
    views_before = len(list(audit.entries(web_app.state.engine, action="view")))
    page = analyst.get(f"/records/{REF}")
    assert page.status_code == 200 and "Why are you opening this record?" in page.text
    assert "Testperson" not in page.text
    assert len(list(audit.entries(web_app.state.engine, action="view"))) == views_before
    missing = analyst.get("/records/registry:TX/NOPE", params={"purpose": "x"})
    assert missing.status_code == 404 and "<html" in missing.text


def test_record_content_is_escaped(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    hostile = {**PERSON, "id": "TX-XSS", "names": ["<script>alert(1)</script> Smith"]}
    ingest_file(web_app.state.engine, write_jsonl(tmp_path / "x.jsonl", [hostile]), Actor("loader"))
    page = client_as(ANALYST).get("/records/registry:TX/TX-XSS", params={"purpose": "<b>why</b>"})
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert "<b>why</b>" not in page.text


def test_audit_page_for_supervisors(web_app: FastAPI, client_as: Callable[..., TestClient]) -> None:
    client_as(ANALYST).get("/api/lookup", params={"kind": "phone", "value": "5125550147", "purpose": "p1"})
    supervisor = client_as(SUPERVISOR)
    page = supervisor.get("/audit", params={"user": "analyst1", "since": "", "until": ""})
    assert page.status_code == 200
    assert "analyst1" in page.text and "value=+15125550147" in page.text
    assert 'action="/api/audit.csv"' in page.text
    forbidden = client_as(ANALYST).get("/audit")
    assert forbidden.status_code == 403 and "Not allowed" in forbidden.text


def test_upload_form_then_job_page(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    analyst = client_as(ANALYST)
    assert 'enctype="multipart/form-data"' in analyst.get("/ingest").text
    body = write_jsonl(tmp_path / "u.jsonl", records()).read_bytes()
    response = analyst.post(
        "/ingest", files={"file": ("u.jsonl", body)}, data={"csrf_token": csrf_of(analyst), "map": ""}
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/jobs/")
    for _ in range(600):
        page = analyst.get(response.headers["location"])
        if "ingest job: done" in page.text.lower():
            break
        assert 'http-equiv="refresh"' in page.text  # the page refreshes itself while running
        time.sleep(0.05)
    assert "Ingest job: done" in page.text and 'http-equiv="refresh"' not in page.text
    bad = analyst.post("/ingest", files={"file": ("u.txt", b"x")}, data={"csrf_token": csrf_of(analyst)})
    assert bad.status_code == 400 and "upload a" in bad.text


def test_login_page_and_security_headers(web_app: FastAPI) -> None:
    client = new_client(web_app)
    page = client.get("/login")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    # The stylesheet from the npm registry is linked only when `make setup` installed it.
    assert ("pico.min.css" in page.text) == (STATIC_DIR / PICO_CSS).is_file()
