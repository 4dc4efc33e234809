"""Missing-child case management: cases, teams and managers (continuity), notes, leads, anniversaries.

Working a case is its own purpose: views are audited with the purpose given, else "case management".
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.web import casework
from vigil.web.accounts import SessionInfo
from vigil.web.casework import CaseError
from vigil.web.common import audit_write, engine_of, settings_of
from vigil.web.roles import CASE_ASSIGN, CASES
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["cases"])

DEFAULT_PURPOSE = "case management"
Purpose = Annotated[str, Query(max_length=1000, description="Why (audited); default: case management.")]
CaseRef = Annotated[str, Form(max_length=420, description="the case's record reference SOURCE/ID")]


def _now(request: Request) -> datetime:
    return settings_of(request).clock()


def _actor(who: SessionInfo, purpose: str = ""):  # type: ignore[no-untyped-def]
    return who.actor(purpose.strip() or DEFAULT_PURPOSE)


class Errors:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if isinstance(exc, CaseError):
            raise HTTPException(400, str(exc)) from exc


def _listed(request: Request, who: SessionInfo, purpose: str, what: str, docs: list[dict[str, Any]]) -> None:
    audit_write(engine_of(request), _actor(who, purpose), "view", {"cases": what}, [d["ref"] for d in docs])


# --- API ---


@router.get("/api/cases")
def cases_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
    team: Annotated[str, Query(max_length=100)] = "",
    manager: Annotated[str, Query(max_length=100)] = "",
    unassigned: bool = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Missing-child cases with their team, manager and routing rule, longest missing first."""
    docs = casework.list_cases(
        engine_of(request),
        status=status,
        team=team or None,
        manager=manager or None,
        unassigned=unassigned,
        limit=limit,
    )
    _listed(request, who, purpose, "list", docs)
    return {"cases": docs}


@router.get("/api/cases/reminders")
def reminders_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Long-term missing (a year or more) open cases whose anniversary is within `days`."""
    docs = casework.anniversaries(engine_of(request), _now(request).date(), days)
    _listed(request, who, purpose, "anniversaries", docs)
    return {"reminders": docs}


@router.get("/api/cases/routing")
def routing_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    case: Annotated[str, Query(max_length=420)],
) -> dict[str, Any]:
    """Where a case should go (continuity with the child's earlier case first) and why."""
    return {"case": case, **casework.route_case(engine_of(request), case, who.actor()).document()}


@router.post("/api/cases/route")
def route_api(request: Request, who: Annotated[SessionInfo, allow(CASE_ASSIGN)]) -> dict[str, Any]:
    """Assign every open, unassigned case whose routing finds a team (continuity first)."""
    return {"assigned": casework.route_new_cases(engine_of(request), who.actor(), now=_now(request))}


@router.post("/api/cases/assign")
def assign_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASE_ASSIGN)],
    case: CaseRef,
    team: Annotated[str, Form(max_length=100)] = "",
    manager: Annotated[str, Form(max_length=100)] = "",
) -> dict[str, Any]:
    """Give a case to a team and a case manager (both are notified)."""
    with Errors():
        return casework.assign_case(
            engine_of(request), who.actor(), case, team=team, manager=manager, now=_now(request)
        )


@router.post("/api/cases/notes", status_code=201)
def note_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    case: CaseRef,
    text: Annotated[str, Form(max_length=20_000)],
) -> dict[str, Any]:
    """A note on the case (its manager and team are notified)."""
    with Errors():
        casework.add_note(engine_of(request), who.actor(), case, text, now=_now(request))
    return {"case": case, "added": True}


@router.post("/api/cases/leads", status_code=201)
def attach_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    case: CaseRef,
    lead: Annotated[str, Form(max_length=420, description="the lead's reference call_center/ID")],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> dict[str, Any]:
    """Attach a call-center lead to a case."""
    with Errors():
        casework.attach_lead(engine_of(request), who.actor(), case, lead, note=note, now=_now(request))
    return {"case": case, "lead": lead, "attached": True}


@router.get("/api/cases/{case_ref:path}")
def case_api(
    request: Request, case_ref: str, who: Annotated[SessionInfo, allow(CASES)], purpose: Purpose = ""
) -> dict[str, Any]:
    """A case with team, manager, suggested routing, notes and attached leads."""
    return casework.get_case(engine_of(request), _actor(who, purpose), case_ref)


@router.get("/api/leads")
def leads_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    unattached: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    purpose: Purpose = "",
) -> dict[str, Any]:
    """The newest call-center leads (by default those not attached to any case yet)."""
    docs = casework.list_leads(engine_of(request), unattached=unattached, limit=limit)
    _listed(request, who, purpose, "leads", docs)
    return {"leads": docs}


@router.get("/api/leads/suggestions")
def suggestions_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    lead: Annotated[str, Query(max_length=420)],
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Open cases this lead may be about (case numbers, identifiers, names, places), best first."""
    docs = casework.suggest_cases(engine_of(request), lead, limit)
    audit_write(
        engine_of(request), _actor(who, purpose), "search", {"lead": lead}, [lead, *(d["ref"] for d in docs)]
    )
    return {"lead": lead, "candidates": docs}


@router.get("/api/teams")
def teams_api(request: Request, who: Annotated[SessionInfo, allow(CASES)]) -> dict[str, Any]:
    """Case-management teams and their members."""
    return {"teams": casework.teams(engine_of(request))}


@router.post("/api/teams/members")
def member_api(
    request: Request,
    who: Annotated[SessionInfo, allow(CASE_ASSIGN)],
    team: Annotated[str, Form(max_length=100)],
    username: Annotated[str, Form(max_length=100)],
    member: Annotated[bool, Form(description="false removes")] = True,
) -> dict[str, Any]:
    """Add a user to a team (or remove with member=false)."""
    with Errors():
        members = casework.set_team_member(
            engine_of(request), who.actor(), team, username, member=member, now=_now(request)
        )
    return {"team": team, "members": members}


# --- pages ---


@router.get("/cases", include_in_schema=False)
def cases_page(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
    team: Annotated[str, Query(max_length=100)] = "",
    mine: bool = False,
    unassigned: bool = False,
) -> Response:
    engine = engine_of(request)
    docs = casework.list_cases(
        engine,
        status=status,
        team=team or None,
        manager=who.user.username if mine else None,
        unassigned=unassigned,
    )
    reminders = casework.anniversaries(engine, _now(request).date())
    _listed(request, who, "", "list", docs)
    return render(
        request,
        "cases.html",
        who,
        cases=docs,
        reminders=reminders,
        status=status,
        team=team,
        mine=mine,
        unassigned=unassigned,
    )


@router.get("/leads", include_in_schema=False)
def leads_page(request: Request, who: Annotated[SessionInfo, allow(CASES)]) -> Response:
    engine = engine_of(request)
    leads = casework.list_leads(engine, unattached=True, limit=25)
    for lead in leads:
        lead["candidates"] = casework.suggest_cases(engine, lead["ref"], 3)
    refs = [x["ref"] for x in leads] + [c["ref"] for x in leads for c in x["candidates"]]
    audit_write(engine, _actor(who), "view", {"leads": "unattached"}, refs)
    return render(request, "leads.html", who, leads=leads)


@router.get("/teams", include_in_schema=False)
def teams_page(request: Request, who: Annotated[SessionInfo, allow(CASES)]) -> Response:
    return render(request, "teams.html", who, teams=casework.teams(engine_of(request)))


@router.post("/teams", include_in_schema=False)
def teams_form(
    request: Request,
    who: Annotated[SessionInfo, allow(CASE_ASSIGN)],
    team: Annotated[str, Form(max_length=100)],
    username: Annotated[str, Form(max_length=100)],
    member: Annotated[bool, Form()] = True,
) -> Response:
    member_api(request, who, team, username, member)
    return RedirectResponse("/teams", status_code=303)


@router.post("/cases/route", include_in_schema=False)
def route_form(request: Request, who: Annotated[SessionInfo, allow(CASE_ASSIGN)]) -> Response:
    route_api(request, who)
    return RedirectResponse("/cases", status_code=303)


@router.post("/cases/assign", include_in_schema=False)
def assign_form(
    request: Request,
    who: Annotated[SessionInfo, allow(CASE_ASSIGN)],
    case: CaseRef,
    team: Annotated[str, Form(max_length=100)] = "",
    manager: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    assign_api(request, who, case, team, manager)
    return RedirectResponse(f"/cases/{quote(case, safe='/:@')}", status_code=303)


@router.post("/cases/notes", include_in_schema=False)
def note_form(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    case: CaseRef,
    text: Annotated[str, Form(max_length=20_000)],
) -> Response:
    note_api(request, who, case, text)
    return RedirectResponse(f"/cases/{quote(case, safe='/:@')}", status_code=303)


@router.post("/cases/leads", include_in_schema=False)
def attach_form(
    request: Request,
    who: Annotated[SessionInfo, allow(CASES)],
    case: CaseRef,
    lead: Annotated[str, Form(max_length=420)],
    note: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    attach_api(request, who, case, lead, note)
    target = "/leads" if back == "leads" else f"/cases/{quote(case, safe='/:@')}"
    return RedirectResponse(target, status_code=303)


@router.get("/cases/{case_ref:path}", include_in_schema=False)
def case_page(
    request: Request, case_ref: str, who: Annotated[SessionInfo, allow(CASES)], purpose: Purpose = ""
) -> Response:
    engine = engine_of(request)
    document = casework.get_case(engine, _actor(who, purpose), case_ref)
    teams = casework.teams(engine) if who.user.role in CASE_ASSIGN else {}
    return render(request, "case.html", who, case=document, teams=teams)
