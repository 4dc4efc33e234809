"""Quick-hit in the API and the browser pages: mapping preview, corrections, background job, download."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from webtools import csrf_of

from samples import records, write_jsonl
from vigil import audit
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.web.roles import ANALYST, SUPERVISOR

REF = "registry:TX/TX-004211"
SHEET = (
    b"Offender No,Surname,Given,DOB,SSN,Notes\n"
    b"Q-1,Testperson,William,04/12/1979,912-34-5678,seen at work\n"
    b"Q-2,Nobodyhere,Zed,1950-01-01,,\n"
)


def load(app: FastAPI, tmp_path: Path) -> None:
    ingest_file(app.state.engine, write_jsonl(tmp_path / "s.jsonl", records()), Actor("loader"))


def wait_for(client: TestClient, job_id: str, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


def test_preview_then_run_with_corrected_mapping_and_download(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load(web_app, tmp_path)
    analyst = client_as(ANALYST, agency="Travis County SO")
    headers = {"X-CSRF-Token": csrf_of(analyst)}
    preview = analyst.post("/api/quickhit/preview", files={"file": ("list.csv", SHEET)}, headers=headers)
    assert preview.status_code == 200, preview.text
    doc = preview.json()
    assert doc["headers"] == ["Offender No", "Surname", "Given", "DOB", "SSN", "Notes"]
    assert doc["mapping"] == {"Surname": "last_name", "DOB": "dob", "SSN": "ssn"}
    assert doc["unmapped"] == ["Offender No", "Given", "Notes"]
    assert doc["sample"][0]["Surname"] == "Testperson" and len(doc["sample"]) == 2

    bad = analyst.post(
        "/api/quickhit",
        data={"upload": doc["upload"], "purpose": "op 1", "map": ["Given=shoe_size"]},
        headers=headers,
    )
    assert bad.status_code == 400 and "shoe_size" in bad.json()["detail"]
    twice = analyst.post(
        "/api/quickhit",
        data={"upload": doc["upload"], "purpose": "op 1", "map": ["Given=last_name"]},
        headers=headers,
    )
    assert twice.status_code == 400 and "both map to last_name" in twice.json()["detail"]
    no_purpose = analyst.post("/api/quickhit", data={"upload": doc["upload"]}, headers=headers)
    assert no_purpose.status_code == 400 and "purpose" in no_purpose.json()["detail"]
    # Another user cannot run (or learn of) this upload.
    other = client_as(ANALYST)
    stolen = other.post(
        "/api/quickhit",
        data={"upload": doc["upload"], "purpose": "x"},
        headers={"X-CSRF-Token": csrf_of(other)},
    )
    assert stolen.status_code == 404

    started = analyst.post(
        "/api/quickhit",
        data={
            "upload": doc["upload"],
            "purpose": "operation 2026-11",
            "format": "csv",
            "map": ["Offender No=id", "Given=first_name"],
        },
        headers=headers,
    )
    assert started.status_code == 202, started.text
    job = wait_for(analyst, started.json()["id"])
    assert job["status"] == "done", job
    assert job["done"] == job["total"] == 2 and job["kind"] == "quickhit"
    assert job["result"]["rows"] == 2 and job["result"]["matched"] == 1 and job["result"]["no_match"] == 1
    download = analyst.get(job["download"])
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [r["row_id"] for r in rows] == ["Q-1", "Q-2"]  # the sheet's own ids, same order
    assert rows[0]["match_status"] == "matched" and REF in rows[0]["refs"].split(";")
    assert rows[0]["ssn"] == "***-**-5678" and rows[0]["dob"] == "1979-04-12"
    assert rows[1]["match_status"] == "no_match"

    entry = next(audit.entries(web_app.state.engine, 1, "quickhit"))
    assert (entry.user, entry.agency, entry.purpose) == ("analyst1", "Travis County SO", "operation 2026-11")
    # The sheet itself is gone once read; the upload id cannot be run again.
    again = analyst.post("/api/quickhit", data={"upload": doc["upload"], "purpose": "x"}, headers=headers)
    assert again.status_code == 404
    assert other.get(f"/api/jobs/{job['id']}").status_code == 404
    assert client_as(SUPERVISOR).get(job["download"]).status_code == 200


def test_direct_upload_to_xlsx_with_unmasked_ssn(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load(web_app, tmp_path)
    analyst = client_as(ANALYST)
    headers = {"X-CSRF-Token": csrf_of(analyst)}
    started = analyst.post(
        "/api/quickhit",
        files={"file": ("list.csv", SHEET)},
        data={"purpose": "op 3", "format": "xlsx", "show_ssn": "true", "map": ["Given=first_name"]},
        headers=headers,
    )
    assert started.status_code == 202, started.text
    job = wait_for(analyst, started.json()["id"])
    assert job["status"] == "done", job
    book = load_workbook(io.BytesIO(analyst.get(job["download"]).content), read_only=True)
    values = list(book.active.iter_rows(values_only=True))
    header, first = values[0], dict(zip(values[0], values[1], strict=True))
    assert header[:3] == ("row_id", "match_status", "confidence")
    assert first["row_id"] == "1" and first["match_status"] == "matched"  # no id column: row numbers
    assert first["ssn"] == "912345678"
    refused = analyst.post(
        "/api/quickhit", files={"file": ("x.txt", b"a,b\n")}, data={"purpose": "p"}, headers=headers
    )
    assert refused.status_code == 400
    nothing = analyst.post("/api/quickhit", data={"purpose": "p"}, headers=headers)
    assert nothing.status_code == 400


def test_quickhit_pages_upload_map_run(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load(web_app, tmp_path)
    analyst = client_as(ANALYST)
    token = csrf_of(analyst)
    assert 'enctype="multipart/form-data"' in analyst.get("/quickhit").text
    mapped = analyst.post("/quickhit", files={"file": ("list.csv", SHEET)}, data={"csrf_token": token})
    assert mapped.status_code == 200
    page = mapped.text
    assert '<option value="Surname=last_name" selected>' in page  # the automatic mapping, preselected
    assert '<option value="Given=" selected>(ignore)</option>' in page
    upload = page.split('name="upload" value="', 1)[1].split('"', 1)[0]
    form = {
        "csrf_token": token,
        "upload": upload,
        "purpose": "",
        "format": "csv",
        "map": ["Offender No=id", "Surname=last_name", "Given=first_name", "DOB=dob", "SSN=ssn", "Notes="],
    }
    asked = analyst.post("/quickhit/run", data=form)
    assert asked.status_code == 400 and "purpose" in asked.text.lower()
    ran = analyst.post("/quickhit/run", data={**form, "purpose": "op 4"})
    assert ran.status_code == 303 and ran.headers["location"].startswith("/jobs/")
    job_id = ran.headers["location"].rsplit("/", 1)[1]
    wait_for(analyst, job_id)
    done = analyst.get(ran.headers["location"])
    assert "Quickhit job: done" in done.text and "Download results" in done.text
