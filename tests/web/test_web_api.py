"""The REST API on both backends: the same documents as the CLI, audited with user, agency and purpose."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtools import csrf_of, new_client

from samples import PERSON, records, write_jsonl
from vigil import audit
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.web.roles import ADMIN, ANALYST, SUPERVISOR

REF = "registry:TX/TX-004211"


def load_samples(app: FastAPI, tmp_path: Path) -> None:
    ingest_file(app.state.engine, write_jsonl(tmp_path / "samples.jsonl", records()), Actor("loader"))


def wait_for(client: TestClient, job_id: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


def test_stats(web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path) -> None:
    load_samples(web_app, tmp_path)
    stats = client_as(ADMIN).get("/api/stats").json()
    assert stats["records_by_type"]["person"] == 1
    assert stats["registrations_by_state"] == {"TX": {"compliant": 1}}


def test_lookup_needs_a_purpose_and_is_audited(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load_samples(web_app, tmp_path)
    analyst = client_as(ANALYST, agency="Travis County SO")
    missing = analyst.get("/api/lookup", params={"kind": "phone", "value": "(512) 555-0147"})
    assert missing.status_code == 400 and "purpose" in missing.json()["detail"]

    found = analyst.get(
        "/api/lookup", params={"kind": "phone", "value": "(512) 555-0147", "purpose": "case 2026-118"}
    )
    assert found.status_code == 200
    document = found.json()
    assert document["identifier"] == "phone:+15125550147"
    assert [r["ref"] for r in document["results"]] == [REF]

    entry = next(audit.entries(web_app.state.engine, 1, "search"))
    assert (entry.user, entry.agency, entry.purpose) == ("analyst1", "Travis County SO", "case 2026-118")
    assert entry.query == {"kind": "phone", "value": "+15125550147"} and entry.result_refs == [REF]

    bad = analyst.get("/api/lookup", params={"kind": "phone", "value": "call me", "purpose": "x"})
    assert bad.status_code == 400
    unknown = analyst.get("/api/lookup", params={"kind": "shoe_size", "value": "11", "purpose": "x"})
    assert unknown.status_code == 400


def test_record_with_history_is_an_audited_view(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load_samples(web_app, tmp_path)
    changed = {**PERSON, "phones": ["(512) 555-0100"]}
    ingest_file(web_app.state.engine, write_jsonl(tmp_path / "v2.jsonl", [changed]), Actor("loader"))
    analyst = client_as(ANALYST)
    assert analyst.get(f"/api/records/{REF}").status_code == 400  # no purpose, nothing read
    document = analyst.get(f"/api/records/{REF}", params={"purpose": "case 7"}).json()
    assert document["ref"] == REF and document["type"] == "person"
    assert [v["version"] for v in document["versions"]] == [2, 1]
    assert document["versions"][0]["current"] is True and document["versions"][0]["changed"] == ["phones"]
    assert document["versions"][0]["record"]["phones"] == ["(512) 555-0100"]
    current_only = analyst.get(f"/api/records/{REF}", params={"purpose": "case 7", "history": "false"})
    assert len(current_only.json()["versions"]) == 1

    view = next(audit.entries(web_app.state.engine, 1, "view"))
    assert (view.user, view.purpose, view.result_refs) == ("analyst1", "case 7", [REF])
    missing = analyst.get("/api/records/registry:TX/NOPE", params={"purpose": "case 7"})
    assert missing.status_code == 404


def test_upload_runs_as_a_job_with_progress(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    analyst = client_as(ANALYST)
    bad_line = {**PERSON, "id": "TX-BAD", "dob": "1980-02-31"}
    body = write_jsonl(tmp_path / "upload.jsonl", [*records(), bad_line]).read_bytes()
    started = analyst.post(
        "/api/ingest",
        files={"file": ("../../etc/upload.jsonl", body)},
        headers={"X-CSRF-Token": csrf_of(analyst)},
    )
    assert started.status_code == 202, started.text
    job = wait_for(analyst, started.json()["id"])
    assert job["status"] == "done", job
    assert job["done"] == job["total"] == len(body) and job["fraction"] == 1.0
    result = job["result"]
    assert (result["inserted"], result["rejected"], result["committed"]) == (8, 1, True)
    assert result["rejects"][0]["field"] == "dob"
    assert result["file"] == "upload.jsonl"  # the path in the name was dropped
    rejects = analyst.get(job["download"])
    assert rejects.status_code == 200 and b"TX-BAD" in rejects.content

    # Someone else's job is not found; a supervisor may look.
    assert client_as(ANALYST).get(f"/api/jobs/{job['id']}").status_code == 404
    assert client_as(SUPERVISOR).get(f"/api/jobs/{job['id']}").status_code == 200
    load = next(audit.entries(web_app.state.engine, 1, "load"))
    assert load.user == "analyst1"

    stats = client_as(ADMIN).get("/api/stats").json()
    assert stats["records"] == 8


def test_upload_refusals(web_app: FastAPI, client_as: Callable[..., TestClient]) -> None:
    analyst = client_as(ANALYST)
    headers = {"X-CSRF-Token": csrf_of(analyst)}
    exe = analyst.post("/api/ingest", files={"file": ("x.exe", b"MZ")}, headers=headers)
    assert exe.status_code == 400
    sheet = analyst.post("/api/ingest", files={"file": ("reg.csv", b"id,last\n1,X\n")}, headers=headers)
    assert sheet.status_code == 400 and "source" in sheet.json()["detail"]


def test_spreadsheet_upload_with_source_and_mapping(
    web_app: FastAPI, client_as: Callable[..., TestClient]
) -> None:
    analyst = client_as(ANALYST)
    sheet = b"Offender No,Last Name,First Name,DOB\nOK-1,Sample,Ann,1970-01-02\nOK-2,Example,Bo,1971-03-04\n"
    started = analyst.post(
        "/api/ingest",
        files={"file": ("ok.csv", sheet)},
        data={"source": "registry:OK", "map": ["Offender No=id"]},
        headers={"X-CSRF-Token": csrf_of(analyst)},
    )
    assert started.status_code == 202, started.text
    job = wait_for(analyst, started.json()["id"])
    assert job["status"] == "done" and job["result"]["inserted"] == 2, job


def test_audit_list_csv_and_verify(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load_samples(web_app, tmp_path)
    analyst = client_as(ANALYST)
    analyst.get("/api/lookup", params={"kind": "ssn", "value": "912-34-5678", "purpose": "=HYPERLINK(1)"})
    supervisor = client_as(SUPERVISOR)
    listed = supervisor.get("/api/audit", params={"user": "analyst1", "action": "search"}).json()["entries"]
    assert len(listed) == 1 and listed[0]["result_refs"] == [REF]

    assert supervisor.get("/api/audit.csv").status_code == 400  # an export needs a purpose
    export = supervisor.get("/api/audit.csv", params={"purpose": "quarterly review", "user": "analyst1"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert {r["action"] for r in rows} == {"login", "search"}
    search = next(r for r in rows if r["action"] == "search")
    assert search["purpose"] == "'=HYPERLINK(1)"  # a formula is defused for spreadsheet programs
    assert orjson.loads(search["query"]) == {"kind": "ssn", "value": "912345678"}
    exported = next(audit.entries(web_app.state.engine, 1, "export"))
    assert (exported.user, exported.purpose) == ("supervisor1", "quarterly review")

    assert supervisor.get("/api/audit", params={"since": "yesterday"}).status_code == 400
    assert supervisor.get("/api/audit/verify").json()["ok"] is True


def test_public_registry_counts_need_no_login_and_show_no_names(web_app: FastAPI, tmp_path: Path) -> None:
    load_samples(web_app, tmp_path)
    others = [
        {**PERSON, "id": "TX-2", "registration": {**PERSON["registration"], "registrant_id": "TX-2"}},
        {
            **PERSON,
            "id": "TX-3",
            "registration": {**PERSON["registration"], "registrant_id": "TX-3", "status": "deceased"},
        },
        {
            **PERSON,
            "source": "registry:OK",
            "id": "OK-9",
            "as_of": "2026-09-15",
            "registration": {**PERSON["registration"], "registrant_id": "OK-9", "state": "OK"},
        },
    ]
    ingest_file(web_app.state.engine, write_jsonl(tmp_path / "more.jsonl", others), Actor("loader"))
    response = new_client(web_app).get("/public/registry-counts")
    assert response.status_code == 200
    document = response.json()
    assert document["states"] == [
        {"state": "OK", "registered": 1, "as_of": "2026-09-15"},
        {"state": "TX", "registered": 2, "as_of": "2026-10-01"},
    ]
    assert document["total"] == 3 and document["as_of"] == "2026-10-01"
    assert "Testperson" not in response.text and "TX-004211" not in response.text
    page = new_client(web_app).get("/public/counts")
    assert page.status_code == 200 and "as of 2026-10-01" in page.text and "Testperson" not in page.text
