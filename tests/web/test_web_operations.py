"""Compliance operations from the web: upload a list, a background job with progress, the zip bundle."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtools import csrf_of

from vigil import audit
from vigil.web.roles import ANALYST, LE_REQUESTER

PURPOSE = "compliance operation 2026-11"


@pytest.fixture
def web_app(demo_web_app: FastAPI) -> FastAPI:
    """The web app over a private copy of the resolved small scenario (overrides conftest's empty store)."""
    return demo_web_app


def operation_list(demo_scenario: Any) -> tuple[bytes, list[str], str]:
    """Four rows of the scenario's request list, one of them a planted absconder: (CSV, row ids, as-of)."""
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    absconders = {a["registry_ref"] for a in truth["absconders"]}
    expected = list(csv.DictReader((demo_scenario.out_dir / "quickhit_truth.csv").open(encoding="utf-8")))
    wanted = [next(r["row_id"] for r in expected if r["registry_ref"] in absconders)]
    wanted += [r["row_id"] for r in expected if r["row_id"] not in wanted][:3]
    with (demo_scenario.out_dir / "quickhit_request.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["row_id"] in wanted]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue().encode(), [r["row_id"] for r in rows], truth["now"]


def wait_for(client: TestClient, job_id: str, seconds: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    stages = set()
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        stages.add(job["stage"])
        if job["status"] in ("done", "failed"):
            job["_stages"] = stages | {job["stage"]}
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


def test_operation_job_produces_the_bundle(
    web_app: FastAPI, client_as: Callable[..., TestClient], demo_scenario: Any
) -> None:
    sheet, row_ids, now = operation_list(demo_scenario)
    analyst = client_as(ANALYST, agency="Travis County SO")
    headers = {"X-CSRF-Token": csrf_of(analyst)}
    files = {"file": ("operation.csv", sheet)}
    no_purpose = analyst.post("/api/operations", files=files, headers=headers)
    assert no_purpose.status_code == 400 and "purpose" in no_purpose.json()["detail"]
    bad = analyst.post(
        "/api/operations", files=files, data={"purpose": PURPOSE, "statuses": "lost"}, headers=headers
    )
    assert bad.status_code == 400 and "lost" in bad.json()["detail"]
    bad_day = analyst.post(
        "/api/operations", files=files, data={"purpose": PURPOSE, "as_of": "11/2026"}, headers=headers
    )
    assert bad_day.status_code == 400
    refused = client_as(LE_REQUESTER)
    assert (
        refused.post("/api/operations", files=files, headers={"X-CSRF-Token": csrf_of(refused)}).status_code
        == 403
    )

    started = analyst.post(
        "/api/operations",
        files=files,
        data={"purpose": PURPOSE, "as_of": now, "title": "Operation Sweep"},
        headers=headers,
    )
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == "operation" and started.json()["total"] == len(row_ids)
    job = wait_for(analyst, started.json()["id"])
    assert job["status"] == "done", job["error"]
    result = job["result"]
    assert result["rows"] == len(row_ids) and result["flagged"] >= 1  # the planted absconder at least
    assert result["flagged"] == len(result["reports"])
    assert job["_stages"] & {"quick-hit", "screening", "reporting", "writing the bundle", "done"}
    assert job["download"] == f"/api/jobs/{job['id']}/download"
    # only its owner (and supervisors) may see it
    assert client_as(ANALYST).get(f"/api/jobs/{job['id']}").status_code == 404

    download = analyst.get(job["download"])
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as bundle:
        names = set(bundle.namelist())
        assert {"summary.pdf", "index.csv", "index.xlsx", "reports.json"} <= names
        pdfs = sorted(n for n in names if n.startswith("reports/") and n.endswith(".pdf"))
        assert pdfs == sorted(r["file"] for r in result["reports"])
        assert all(bundle.read(n).startswith(b"%PDF") for n in [*pdfs, "summary.pdf"])
        index = list(csv.DictReader(io.StringIO(bundle.read("index.csv").decode("utf-8-sig"))))
        assert [r["row_id"] for r in index] == row_ids
        assert {r["report_file"] for r in index if r["report_file"]} == set(pdfs)
        reports = orjson.loads(bundle.read("reports.json"))
        assert reports["summary"]["purpose"] == PURPOSE and len(reports["reports"]) == len(pdfs)
    # the list itself is not kept
    assert not list((Path(web_app.state.settings.uploads())).rglob("operation.csv"))

    engine = web_app.state.engine
    export = next(e for e in audit.entries(engine, 50, "export") if e.query.get("operation"))
    assert (export.user, export.agency, export.purpose) == ("analyst1", "Travis County SO", PURPOSE)
    assert export.result_refs
    assert any(e.user == "analyst1" for e in audit.entries(engine, 50, "download"))


def test_operation_pages(web_app: FastAPI, client_as: Callable[..., TestClient], demo_scenario: Any) -> None:
    sheet, _, now = operation_list(demo_scenario)
    analyst = client_as(ANALYST)
    form = analyst.get("/operations")
    assert form.status_code == 200 and 'id="operation-file"' in form.text
    assert 'value="absconded" id="status-absconded" checked' in form.text
    assert 'value="compliant" id="status-compliant" >' in form.text
    assert 'href="/operations"' in analyst.get("/quickhit").text
    token = csrf_of(analyst)
    missing = analyst.post(
        "/operations",
        files={"file": ("list.csv", sheet)},
        data={"csrf_token": token, "statuses": "absconded"},
    )
    assert missing.status_code == 400 and "purpose" in missing.text
    assert 'value="absconded" id="status-absconded" checked' in missing.text
    assert 'value="noncompliant" id="status-noncompliant" >' in missing.text  # the choice is kept
    run = analyst.post(
        "/operations",
        files={"file": ("list.csv", sheet)},
        data={
            "csrf_token": token,
            "purpose": PURPOSE,
            "as_of": now,
            "statuses": ["absconded", "noncompliant"],
        },
    )
    assert run.status_code == 303 and run.headers["location"].startswith("/jobs/")
    job_id = run.headers["location"].rsplit("/", 1)[1]
    job = wait_for(analyst, job_id)
    assert job["status"] == "done", job["error"]
    assert job["result"]["statuses_reported"] == ["absconded", "noncompliant"]
    page = analyst.get(f"/jobs/{job_id}")
    assert "Download the bundle (zip)" in page.text and 'id="flagged"' in page.text
