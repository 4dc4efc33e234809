"""Technical-assistance requests: submit, triage, assign, work, deliver, close; agency isolation; SLA."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtools import Clock, csrf_of

from vigil import audit
from vigil.web.roles import ANALYST, LE_REQUESTER, SUPERVISOR

# Friday 2026-11-20 22:00 in New York: outside office hours.
LATE_FRIDAY = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
# Monday 2026-11-23 10:00 in New York.
MONDAY_MORNING = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def post(client: TestClient, url: str, **kwargs):  # type: ignore[no-untyped-def]
    return client.post(url, headers={"X-CSRF-Token": csrf_of(client)}, **kwargs)


def tick(clock: Clock, hours: float, *clients: TestClient) -> None:
    """Move time on in steps shorter than the session idle limit, the users staying active."""
    steps = int(hours * 3)
    for _ in range(steps):
        clock.advance(minutes=20)
        for client in clients:
            assert client.get("/api/me").status_code == 200


def unread(client: TestClient) -> list[str]:
    return [n["text"] for n in client.get("/api/notifications").json()["notifications"] if not n["seen"]]


def test_request_lifecycle_and_agency_isolation(
    web_app: FastAPI, client_as: Callable[..., TestClient], clock: Clock
) -> None:
    clock.now = LATE_FRIDAY
    supervisor = client_as(SUPERVISOR, agency="Analytical Unit")
    analyst = client_as(ANALYST, agency="Analytical Unit")
    other_analyst = client_as(ANALYST, agency="Analytical Unit")
    officer = client_as(LE_REQUESTER, agency="Travis County SO")
    colleague = client_as(LE_REQUESTER, agency="Travis County SO")
    outsider = client_as(LE_REQUESTER, agency="Tulsa PD")

    made = post(
        officer,
        "/api/requests",
        data={
            "kind": "comprehensive_report",
            "title": "Warrant prep: TX-004211",
            "details": "Need current address before Monday",
            "subject": "registry:TX/TX-004211",
            "urgency": "urgent",
            "contact": "555-0100",
        },
        files=[("files", ("warrant.txt", b"synthetic warrant text", "text/plain"))],
    )
    assert made.status_code == 201, made.text
    req = made.json()
    rid = req["id"]
    assert (req["status"], req["agency"], req["requester"]) == (
        "submitted",
        "Travis County SO",
        "le-requester1",
    )
    assert req["after_hours"] is True and req["urgency"] == "urgent"
    assert req["sla"]["state"] == "running" and req["sla"]["seconds_left"] == 4 * 3600
    assert [f["name"] for f in req["files"]] == ["warrant.txt"] and req["files"][0]["role"] == "attachment"
    assert any("URGENT, AFTER HOURS" in text for text in unread(supervisor))

    # Only its own agency sees it: the other agency's officer gets "not found" everywhere.
    assert [r["id"] for r in colleague.get("/api/requests").json()["requests"]] == [rid]
    assert outsider.get("/api/requests").json()["requests"] == []
    assert outsider.get(f"/api/requests/{rid}").status_code == 404
    attachment = req["files"][0]["url"]
    assert outsider.get(attachment).status_code == 404
    assert post(outsider, f"/api/requests/{rid}/notes", data={"note": "hi"}).status_code == 404
    assert post(outsider, f"/api/requests/{rid}/close").status_code == 404
    assert outsider.get(f"/requests/{rid}").status_code == 404
    assert colleague.get(attachment).content == b"synthetic warrant text"
    # Analysts see what is assigned to them, nothing else; officers cannot triage.
    assert analyst.get(f"/api/requests/{rid}").status_code == 404
    assert post(officer, f"/api/requests/{rid}/triage").status_code == 403

    triaged = post(supervisor, f"/api/requests/{rid}/triage", data={"decision": "accept", "note": "on call"})
    assert triaged.json()["status"] == "triaged" and triaged.json()["triaged_by"] == "supervisor1"
    assert (
        post(supervisor, f"/api/requests/{rid}/assign", data={"assignee": "le-requester1"}).status_code == 400
    )
    assigned = post(supervisor, f"/api/requests/{rid}/assign", data={"assignee": "analyst1"})
    assert assigned.json()["status"] == "assigned" and assigned.json()["assignee"] == "analyst1"
    assert any(f"Request #{rid} assigned to you" in text for text in unread(analyst))
    assert other_analyst.get(f"/api/requests/{rid}").status_code == 404
    assert post(other_analyst, f"/api/requests/{rid}/start").status_code == 404

    tick(clock, 1, supervisor, analyst, officer, colleague, outsider)
    assert post(analyst, f"/api/requests/{rid}/start").json()["status"] == "in_progress"
    assert post(analyst, f"/api/requests/{rid}/deliver", data={"note": "no file"}).status_code == 400
    tick(clock, 2, supervisor, analyst, officer, colleague, outsider)
    delivered = post(
        analyst,
        f"/api/requests/{rid}/deliver",
        data={"note": "report attached"},
        files=[("files", ("report-TX-004211.pdf", b"%PDF-1.4 synthetic", "application/pdf"))],
    )
    assert delivered.status_code == 200, delivered.text
    doc = delivered.json()
    assert doc["status"] == "delivered" and doc["sla"]["state"] == "met"
    deliverable = next(f for f in doc["files"] if f["role"] == "deliverable")
    assert any("Deliverable ready" in text for text in unread(officer))

    # The deliverable goes to the requesting agency only.
    got = colleague.get(deliverable["url"])
    assert got.status_code == 200 and got.content == b"%PDF-1.4 synthetic"
    assert "attachment" in got.headers["content-disposition"]
    assert outsider.get(deliverable["url"]).status_code == 404
    assert outsider.get(f"/api/requests/{rid}/files/{deliverable['id']}").status_code == 404
    download = next(audit.entries(web_app.state.engine, 1, "download"))
    assert (download.user, download.agency) == ("le-requester2", "Travis County SO")

    closed = post(officer, f"/api/requests/{rid}/close", data={"note": "received, thanks"})
    assert closed.json()["status"] == "closed"
    actions = [h["action"] for h in closed.json()["history"]]
    assert actions == ["submitted", "triaged", "assigned", "started", "delivered", "closed"]
    assert post(analyst, f"/api/requests/{rid}/close").status_code == 403  # analysts do not close
    submitted = next(audit.entries(web_app.state.engine, action="request_submit"))
    assert submitted.user == "le-requester1" and submitted.result_refs == [f"request/{rid}"]


def test_sla_clock_office_hours_and_decline(
    web_app: FastAPI, client_as: Callable[..., TestClient], clock: Clock
) -> None:
    clock.now = MONDAY_MORNING
    supervisor = client_as(SUPERVISOR)
    officer = client_as(LE_REQUESTER, agency="Tulsa PD")
    urgent = post(
        officer, "/api/requests", data={"kind": "rfi", "title": "Who owns this phone", "urgency": "urgent"}
    )
    assert urgent.json()["after_hours"] is False  # urgent, but in office hours
    routine = post(officer, "/api/requests", data={"kind": "quickhit_batch", "title": "Monthly list"}).json()
    assert routine["urgency"] == "routine" and routine["sla"]["seconds_left"] == 5 * 86400
    assert post(officer, "/api/requests", data={"kind": "pizza", "title": "x"}).status_code == 400
    assert post(supervisor, "/api/requests", data={"kind": "rfi", "title": "x"}).status_code == 403

    tick(clock, 5, supervisor, officer)
    listed = officer.get("/api/requests").json()["requests"]
    assert listed[0]["id"] == urgent.json()["id"]  # open requests first, by due time
    assert listed[0]["sla"]["state"] == "overdue" and listed[0]["sla"]["seconds_left"] == -3600
    # Triage may change the urgency: the deadline follows from the submission time.
    raised = post(supervisor, f"/api/requests/{routine['id']}/triage", data={"urgency": "priority"}).json()
    assert raised["urgency"] == "priority" and raised["sla"]["seconds_left"] == 19 * 3600

    no_reason = post(supervisor, f"/api/requests/{urgent.json()['id']}/triage", data={"decision": "decline"})
    assert no_reason.status_code == 400
    declined = post(
        supervisor,
        f"/api/requests/{urgent.json()['id']}/triage",
        data={"decision": "decline", "note": "send the subpoena return first"},
    ).json()
    assert declined["status"] == "declined" and declined["sla"]["state"] == "stopped"
    assert any("declined" in text for text in unread(officer))
    marked = post(officer, "/api/notifications/seen").json()["marked"]
    assert marked >= 1 and unread(officer) == []


def test_request_pages(web_app: FastAPI, client_as: Callable[..., TestClient], clock: Clock) -> None:
    clock.now = MONDAY_MORNING
    supervisor = client_as(SUPERVISOR)
    client_as(ANALYST)
    officer = client_as(LE_REQUESTER, agency="Travis County SO")
    token = csrf_of(officer)
    assert "New request" in officer.get("/").text
    form = officer.get("/requests/new")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    bad = officer.post("/requests/new", data={"csrf_token": token, "kind": "rfi", "title": " "})
    assert bad.status_code == 400 and "needs a title" in bad.text
    made = officer.post(
        "/requests/new",
        data={
            "csrf_token": token,
            "kind": "custom_hybrid",
            "title": "<b>Hybrid</b> for op",
            "urgency": "priority",
        },
        files=[("files", ("list.csv", b"a,b\n1,2\n", "text/csv"))],
    )
    assert made.status_code == 303
    location = made.headers["location"]
    page = officer.get(location)
    assert page.status_code == 200 and "&lt;b&gt;Hybrid&lt;/b&gt;" in page.text and "list.csv" in page.text
    assert "Triage" not in page.text  # officers get no supervisor controls
    rid = location.rsplit("/", 1)[1]
    s_token = csrf_of(supervisor)
    assert "Triage" in supervisor.get(location).text
    triaged = supervisor.post(
        f"/requests/{rid}/triage", data={"csrf_token": s_token, "decision": "accept", "assignee": "analyst1"}
    )
    assert triaged.status_code == 303
    listing = supervisor.get("/requests")
    assert "assigned" in listing.text and "analyst1" in listing.text
    notes = officer.post(f"/requests/{rid}/notes", data={"csrf_token": token, "note": "any news?"})
    assert notes.status_code == 303
    assert "any news?" in officer.get(location).text
    assert "Notifications" in officer.get("/notifications").text
