"""Person search and the person page on both backends: formats.md `results`, purposes, audit, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from samples import records, write_jsonl
from vigil import audit
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.web.roles import ANALYST, LE_REQUESTER

REF = "registry:TX/TX-004211"
VENDOR = {
    "type": "person",
    "source": "pubrec:acme",
    "id": "A-1",
    "names": ["Bill Testperson"],
    "dob": "1979-04-12",
    "ssn": "912345678",
    "phones": ["512-555-0199"],
    "addresses": [
        {"line1": "9 Pine St", "city": "Tulsa", "state": "OK", "zip": "74103", "from": "2026-01-05"}
    ],
}
OTHER = {
    "type": "person",
    "source": "registry:OK",
    "id": "OK-77",
    "names": [{"first": "Mary", "last": "Otherperson"}],
    "dob": "1990-01-01",
}


def load(app: FastAPI, tmp_path: Path) -> None:
    ingest_file(
        app.state.engine, write_jsonl(tmp_path / "p.jsonl", [*records(), VENDOR, OTHER]), Actor("loader")
    )


def test_search_ranks_persons_with_reasons_and_is_audited(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load(web_app, tmp_path)
    analyst = client_as(ANALYST, agency="Tulsa PD")
    params = {"name": "William Testperson", "dob": "1979-04-12"}
    assert analyst.get("/api/search", params=params).status_code == 400  # no purpose, nothing searched
    assert analyst.get("/api/search", params={"purpose": "x"}).status_code == 400  # no field
    assert analyst.get("/api/search", params={"dob": "31/31/1999", "purpose": "x"}).status_code == 400

    found = analyst.get("/api/search", params={**params, "purpose": "case 2026-7"})
    assert found.status_code == 200, found.text
    results = found.json()["results"]
    best = results[0]
    assert {"person_id", "score", "refs", "name", "dob"} <= set(best)
    assert set(best["refs"]) == {REF, "pubrec:acme/A-1"}  # both records resolved into one person
    assert best["dob"] == "1979-04-12" and best["score"] > 0.9 and best["reasons"]
    assert best["ssn"] == "***-**-5678"
    assert "registry:OK/OK-77" not in best["refs"]

    entry = next(audit.entries(web_app.state.engine, 1, "search"))
    assert (entry.user, entry.agency, entry.purpose) == ("analyst1", "Tulsa PD", "case 2026-7")
    assert REF in entry.result_refs

    by_ssn = analyst.get("/api/search", params={"ssn": "912-34-5678", "purpose": "p", "show_ssn": "true"})
    assert by_ssn.json()["results"][0]["ssn"] == "912345678"  # analysts may unmask when they ask
    assert client_as(LE_REQUESTER).get("/api/search", params={"ssn": "912345678"}).status_code == 403


def test_search_page_links_results_to_person_pages(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load(web_app, tmp_path)
    analyst = client_as(ANALYST)
    form = analyst.get("/search")
    assert form.status_code == 200 and 'id="search-value"' in form.text and 'name="screen_name"' in form.text
    asked = analyst.get("/search", params={"phone": "(512) 555-0147"})
    assert asked.status_code == 400 and "purpose" in asked.text
    page = analyst.get("/search", params={"phone": "(512) 555-0147", "purpose": "tip 9"})
    assert page.status_code == 200 and "WILLIAM ALLEN TESTPERSON" in page.text
    person_id = analyst.get("/api/search", params={"phone": "(512) 555-0147", "purpose": "tip 9"}).json()[
        "results"
    ][0]["person_id"]
    assert f'href="/persons/{person_id}?purpose=tip%209"' in page.text
    assert "phone" in page.text.lower()  # the reasons column names the evidence


def test_person_document_and_page(
    web_app: FastAPI, client_as: Callable[..., TestClient], tmp_path: Path
) -> None:
    load(web_app, tmp_path)
    analyst = client_as(ANALYST)
    person_id = analyst.get("/api/search", params={"ssn": "912345678", "purpose": "p"}).json()["results"][0][
        "person_id"
    ]
    assert analyst.get(f"/api/persons/{REF}").status_code == 400  # a view needs a purpose
    by_ref = analyst.get(f"/api/persons/{REF}", params={"purpose": "case 5", "report": "false"}).json()
    assert by_ref["person_id"] == person_id  # a record's reference opens the person holding it
    assert {m["ref"] for m in by_ref["members"]} == {REF, "pubrec:acme/A-1"}
    facts = by_ref["facts"]
    assert facts["dob"]["value"] == "1979-04-12" and facts["ssn"]["value"] == "***-**-5678"
    assert facts["address"]["ref"] == "pubrec:acme/A-1"  # the newest address, with its source
    assert facts["registration"]["status"] == "compliant" and facts["sources"] == 2
    view = next(audit.entries(web_app.state.engine, 1, "view"))
    assert view.purpose == "case 5" and set(view.result_refs) == {REF, "pubrec:acme/A-1"}
    assert analyst.get("/api/persons/registry:TX/NOPE", params={"purpose": "x"}).status_code == 404

    asks = analyst.get(f"/persons/{person_id}")
    assert asks.status_code == 200 and "Why are you opening this person?" in asks.text
    page = analyst.get(f"/persons/{person_id}", params={"purpose": "case 5"})
    assert page.status_code == 200
    assert "WILLIAM ALLEN TESTPERSON" in page.text and "9 PINE ST, TULSA, OK 74103" in page.text
    assert f'href="/records/{REF}?purpose=case%205"' in page.text
    document = analyst.get(f"/api/persons/{person_id}", params={"purpose": "case 5"}).json()
    if document["report"] is not None:  # the comprehensive report, once built alongside
        assert document["report"]["compliance"]["status"] and "Compliance" in page.text
        report = analyst.get(f"/api/report/{person_id}", params={"purpose": "case 5"})
        assert report.status_code == 200
        assert {
            "person_id",
            "refs",
            "names",
            "dob",
            "current_address",
            "compliance",
            "timeline",
            "links",
        } <= set(report.json())
        pdf = analyst.get(f"/api/report/{REF}", params={"purpose": "case 5", "format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    else:
        assert analyst.get(f"/api/report/{person_id}", params={"purpose": "x"}).status_code == 501
