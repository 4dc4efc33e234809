"""Case management of missing-child cases: teams and case managers, continuity, leads, notes, reminders.

No HTTP here (like accounts.py and assistance.py). Cases are the current `missing_case` source
records, named by reference. Three rules:

- Continuity: a child who goes missing again goes to the team (and manager) that had the child's
  earlier case. "The same child" is person resolution's answer for party 0 of the case records
  (vigil.resolve.membership), so a new case under a nickname or a new address still finds the team.
- Lead suggestions: a call-center lead is compared with the open cases by the case numbers it cites,
  the identifiers it shares with a case (phones, plates, e-mails, screen names; identifiers held by
  several cases are hubs, like a shelter's line, and say nothing), the names it mentions against the
  child's and companions' names (phonetic surname, nickname-aware first name), and how far the
  sighting was from where the child went missing. Scores combine as independent evidence.
- Anniversary reminders: open cases missing a year or more remind their manager and team of the
  coming anniversary of the disappearance (publicity, age progression, re-interviews).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, delete, or_, select

from vigil import audit
from vigil.analyze.records import UnknownReference
from vigil.config import Actor
from vigil.normalize.geocode import haversine_miles
from vigil.resolve.membership import members_of, person_of
from vigil.resolve.run import ensure_resolved
from vigil.store import tables as t
from vigil.store.db import write_transaction
from vigil.web.common import audit_write
from vigil.web.notices import notify
from vigil.web.roles import CASE_MANAGER, SUPERVISOR

CLOSED = ("recovered", "closed")
# Evidence weights (chance a lead is about the case given this clue alone).
CITES_CASE_NUMBER = 0.95
SHARED_IDENTIFIER = {"phone": 0.8, "email": 0.85, "screen_name": 0.85, "plate": 0.6, "vin": 0.9}
CHILD_NAME = 0.7
COMPANION_NAME = 0.45
PLACE_RADIUS_MI = 50.0
PLACE_WEIGHT = 0.3
HUB_CASES = 3  # an identifier in more open cases than this is a hub, not evidence
LONG_TERM_DAYS = 365


class CaseError(ValueError):
    """A change that cannot be made (message says why)."""


@dataclass(frozen=True, slots=True)
class Routing:
    team: str | None
    manager: str | None
    rule: str
    previous: str | None = None

    def document(self) -> dict[str, Any]:
        return {"team": self.team, "manager": self.manager, "rule": self.rule, "previous": self.previous}


def _cases():  # type: ignore[no-untyped-def]
    sr, mc = t.source_record, t.missing_case
    return (
        select(
            sr.c.ref,
            sr.c.id.label("record_id"),
            mc.c.case_number,
            mc.c.category,
            mc.c.missing_since,
            mc.c.status,
            mc.c.recovered_on,
            mc.c.agency_name,
            mc.c.team.label("source_team"),
            t.case_assignment.c.team,
            t.case_assignment.c.manager,
            t.case_assignment.c.rule,
        )
        .join(mc, mc.c.record_id == sr.c.id)
        .outerjoin(t.case_assignment, t.case_assignment.c.case_ref == sr.c.ref)
        .where(sr.c.is_current.is_(True))
    )


def _open():  # type: ignore[no-untyped-def]
    return or_(t.missing_case.c.status.is_(None), t.missing_case.c.status.notin_(CLOSED))


def _child_names(conn: Connection, record_ids: list[int]) -> dict[int, str]:
    n = t.name
    out: dict[int, str] = {}
    if not record_ids:
        return out
    rows = conn.execute(
        select(n.c.record_id, n.c.full, n.c.kind)
        .where(n.c.record_id.in_(record_ids), n.c.party == 0)
        .order_by(n.c.record_id, n.c.id)
    )
    for row in rows:
        if row.record_id not in out or row.kind == "primary":
            out.setdefault(row.record_id, row.full)
    return out


def _case_document(row: Any, child: str | None) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "case_number": row.case_number,
        "category": row.category,
        "missing_since": row.missing_since,
        "status": row.status or "open",
        "recovered_on": row.recovered_on,
        "agency": row.agency_name,
        "child": child,
        "source_team": row.source_team,
        "team": row.team,
        "manager": row.manager,
        "rule": row.rule,
    }


def list_cases(
    engine: Engine,
    *,
    status: str = "open",
    team: str | None = None,
    manager: str | None = None,
    unassigned: bool = False,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Cases, longest missing first; `status` open (default), closed or all."""
    stmt = _cases()
    if status == "open":
        stmt = stmt.where(_open())
    elif status == "closed":
        stmt = stmt.where(t.missing_case.c.status.in_(CLOSED))
    if team:
        stmt = stmt.where(t.case_assignment.c.team == team)
    if manager:
        stmt = stmt.where(t.case_assignment.c.manager == manager)
    if unassigned:
        stmt = stmt.where(t.case_assignment.c.case_ref.is_(None))
    stmt = stmt.order_by(t.missing_case.c.missing_since, t.missing_case.c.case_number).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        names = _child_names(conn, [r.record_id for r in rows])
    return [_case_document(r, names.get(r.record_id)) for r in rows]


def get_case(engine: Engine, actor: Actor, case_ref: str) -> dict[str, Any]:
    """A case with its routing, team members, notes and attached leads; the view is audited."""
    with engine.connect() as conn:
        row = conn.execute(_cases().where(t.source_record.c.ref == case_ref)).first()
        if row is None:
            raise UnknownReference(f"no missing-child case {case_ref}")
        child = _child_names(conn, [row.record_id]).get(row.record_id)
        notes = conn.execute(
            select(t.case_note).where(t.case_note.c.case_ref == case_ref).order_by(t.case_note.c.id)
        ).all()
        leads = _attached_leads(conn, case_ref)
        members = _members(conn, row.team) if row.team else []
    audit_write(engine, actor, "view", {"case": case_ref}, [case_ref, *(x["ref"] for x in leads)])
    document = _case_document(row, child)
    document.update(
        child_person=person_of(engine, case_ref, 0),
        team_members=members,
        suggested=None if row.team else route_case(engine, case_ref, actor).document(),
        notes=[{"at": _aware(n.at), "user": n.user, "text": n.text} for n in notes],
        leads=leads,
    )
    return document


# --- routing: continuity ---


def route_case(engine: Engine, case_ref: str, actor: Actor | None = None) -> Routing:
    """Where a case should go: the team of the same child's earlier case, else the team its record names.

    With an actor, person resolution is brought up to date first (never silently stale).
    """
    sr, mc = t.source_record, t.missing_case
    if actor is not None:
        ensure_resolved(engine, actor)
    with engine.connect() as conn:
        this = conn.execute(_cases().where(sr.c.ref == case_ref)).first()
    if this is None:
        raise UnknownReference(f"no missing-child case {case_ref}")
    person_id = person_of(engine, case_ref, 0)
    if person_id:
        others = [m.ref for m in members_of(engine, person_id) if m.party == 0 and m.ref != case_ref]
        if others:
            with engine.connect() as conn:
                earlier = conn.execute(
                    _cases().where(sr.c.ref.in_(others)).order_by(mc.c.missing_since.desc())
                ).all()
            since = this.missing_since or date.max
            # The child's latest case before this one; a later one only when there is no earlier.
            earlier.sort(
                key=lambda c: (c.missing_since is None or c.missing_since > since, _neg(c.missing_since))
            )
            for prior in earlier:
                team = prior.team or prior.source_team
                if team:
                    why = f"continuity: same child as case {prior.case_number} ({prior.ref})"
                    return Routing(team, prior.manager if prior.team else None, why, prior.ref)
    if this.source_team:
        return Routing(this.source_team, None, "team named in the case record")
    return Routing(None, None, "no earlier case of this child and no team named: choose one")


def _neg(day: date | None) -> int:
    return -(day.toordinal() if day else 0)


def assign_case(
    engine: Engine,
    actor: Actor,
    case_ref: str,
    *,
    team: str | None,
    manager: str | None,
    rule: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Give a case to a team and a case manager; both are told."""
    team = (team or "").strip()[:100] or None
    manager = (manager or "").strip().lower() or None
    if team is None and manager is None:
        raise CaseError("name a team, a case manager or both")
    with write_transaction(engine) as conn:
        case = conn.execute(_cases().where(t.source_record.c.ref == case_ref)).first()
        if case is None:
            raise UnknownReference(f"no missing-child case {case_ref}")
        if manager is not None:
            ok = conn.execute(
                select(t.app_user.c.username).where(
                    t.app_user.c.username == manager,
                    t.app_user.c.role.in_((CASE_MANAGER, SUPERVISOR)),
                    t.app_user.c.disabled.is_(False),
                )
            ).scalar()
            if ok is None:
                raise CaseError(f"{manager!r} is not an active case manager or supervisor")
        values = {
            "team": team,
            "manager": manager,
            "rule": (rule or f"assigned by {actor.user}")[:500],
            "assigned_by": actor.user,
            "assigned_at": now,
        }
        conn.execute(delete(t.case_assignment).where(t.case_assignment.c.case_ref == case_ref))
        conn.execute(t.case_assignment.insert().values(case_ref=case_ref, **values))
        recipients = [manager or "", *(_members(conn, team) if team else [])]
        text = f"Case {case.case_number} assigned to {team or 'no team'}" + (
            f", manager {manager}" if manager else ""
        )
        notify(conn, [u for u in recipients if u != actor.user], "case", text, f"/cases/{case_ref}", at=now)
        audit.write(
            conn, actor, "case_assign", {"case": case_ref, "team": team, "manager": manager}, [case_ref]
        )
    return {"ref": case_ref, **values}


def route_new_cases(engine: Engine, actor: Actor, *, now: datetime) -> list[dict[str, Any]]:
    """Assign every open, unassigned case whose routing finds a team (continuity first)."""
    done = []
    ensure_resolved(engine, actor)
    for case in list_cases(engine, status="open", unassigned=True, limit=100_000):
        routing = route_case(engine, case["ref"])
        if routing.team is None:
            continue
        done.append(
            assign_case(
                engine,
                actor,
                case["ref"],
                team=routing.team,
                manager=routing.manager,
                rule=routing.rule,
                now=now,
            )
        )
    return done


# --- teams ---


def _members(conn: Connection, team: str) -> list[str]:
    m = t.case_team_member
    return list(conn.execute(select(m.c.username).where(m.c.team == team).order_by(m.c.username)).scalars())


def teams(engine: Engine) -> dict[str, list[str]]:
    """Team -> members, for every team with members or cases."""
    m = t.case_team_member
    out: dict[str, list[str]] = defaultdict(list)
    with engine.connect() as conn:
        for row in conn.execute(select(m.c.team, m.c.username).order_by(m.c.team, m.c.username)):
            out[row.team].append(row.username)
        for team in conn.execute(select(t.case_assignment.c.team).distinct()).scalars():
            if team:
                out.setdefault(team, [])
    return dict(sorted(out.items()))


def set_team_member(
    engine: Engine, actor: Actor, team: str, username: str, *, member: bool = True, now: datetime
) -> list[str]:
    team, username = team.strip()[:100], username.strip().lower()
    if not team:
        raise CaseError("a team needs a name")
    m = t.case_team_member
    with write_transaction(engine) as conn:
        if member:
            active = conn.execute(
                select(t.app_user.c.username).where(
                    t.app_user.c.username == username, t.app_user.c.disabled.is_(False)
                )
            ).scalar()
            if active is None:
                raise CaseError(f"no active user {username!r}")
            if not conn.execute(select(m.c.team).where(m.c.team == team, m.c.username == username)).first():
                conn.execute(m.insert().values(team=team, username=username, added_at=now))
                notify(conn, [username], "case", f"You were added to {team}", "/cases?mine=1", at=now)
        else:
            conn.execute(delete(m).where(m.c.team == team, m.c.username == username))
        audit.write(conn, actor, "team_member", {"team": team, "user": username, "member": member})
        return _members(conn, team)


# --- notes ---


def add_note(engine: Engine, actor: Actor, case_ref: str, text: str, *, now: datetime) -> None:
    if not text.strip():
        raise CaseError("a note needs text")
    with write_transaction(engine) as conn:
        case = conn.execute(_cases().where(t.source_record.c.ref == case_ref)).first()
        if case is None:
            raise UnknownReference(f"no missing-child case {case_ref}")
        conn.execute(
            t.case_note.insert().values(case_ref=case_ref, at=now, user=actor.user, text=text.strip())
        )
        recipients = [case.manager or "", *(_members(conn, case.team) if case.team else [])]
        message = f"Note on case {case.case_number} by {actor.user}: {text.strip()[:150]}"
        notify(
            conn, [u for u in recipients if u != actor.user], "case", message, f"/cases/{case_ref}", at=now
        )
        audit.write(conn, actor, "case_note", {"case": case_ref}, [case_ref])


# --- leads ---


def _lead_row(conn: Connection, lead_ref: str) -> Any:
    sr = t.source_record
    row = conn.execute(
        select(sr.c.id, sr.c.ref, sr.c.raw, t.lead.c.received_at)
        .join(t.lead, t.lead.c.record_id == sr.c.id)
        .where(sr.c.ref == lead_ref, sr.c.is_current.is_(True))
    ).first()
    if row is None:
        raise UnknownReference(f"no call-center lead {lead_ref}")
    return row


def _lead_text(raw: str) -> str:
    return str(orjson.loads(raw).get("text") or "")


def attach_lead(
    engine: Engine, actor: Actor, case_ref: str, lead_ref: str, *, note: str = "", now: datetime
) -> None:
    with write_transaction(engine) as conn:
        case = conn.execute(_cases().where(t.source_record.c.ref == case_ref)).first()
        if case is None:
            raise UnknownReference(f"no missing-child case {case_ref}")
        _lead_row(conn, lead_ref)
        cl = t.case_lead
        if conn.execute(
            select(cl.c.case_ref).where(cl.c.case_ref == case_ref, cl.c.lead_ref == lead_ref)
        ).first():
            raise CaseError(f"{lead_ref} is attached to {case_ref} already")
        conn.execute(
            cl.insert().values(
                case_ref=case_ref,
                lead_ref=lead_ref,
                attached_by=actor.user,
                attached_at=now,
                note=note.strip()[:1000],
            )
        )
        recipients = [case.manager or "", *(_members(conn, case.team) if case.team else [])]
        text = f"New lead {lead_ref} on case {case.case_number}"
        notify(conn, [u for u in recipients if u != actor.user], "lead", text, f"/cases/{case_ref}", at=now)
        audit.write(conn, actor, "lead_attach", {"case": case_ref, "lead": lead_ref}, [case_ref, lead_ref])


def _attached_leads(conn: Connection, case_ref: str) -> list[dict[str, Any]]:
    cl, sr = t.case_lead, t.source_record
    rows = conn.execute(
        select(cl, sr.c.raw, t.lead.c.received_at)
        .join(sr, and_(sr.c.ref == cl.c.lead_ref, sr.c.is_current.is_(True)))
        .join(t.lead, t.lead.c.record_id == sr.c.id)
        .where(cl.c.case_ref == case_ref)
        .order_by(t.lead.c.received_at.desc())
    ).all()
    return [
        {
            "ref": r.lead_ref,
            "received_at": _aware(r.received_at) if r.received_at else None,
            "text": _lead_text(r.raw),
            "attached_by": r.attached_by,
            "note": r.note,
        }
        for r in rows
    ]


def list_leads(engine: Engine, *, unattached: bool = True, limit: int = 100) -> list[dict[str, Any]]:
    """Newest leads (only those not yet attached to any case, by default)."""
    sr, cl = t.source_record, t.case_lead
    stmt = (
        select(sr.c.ref, sr.c.raw, t.lead.c.received_at)
        .join(t.lead, t.lead.c.record_id == sr.c.id)
        .where(sr.c.is_current.is_(True))
    )
    if unattached:
        stmt = stmt.where(~select(cl.c.lead_ref).where(cl.c.lead_ref == sr.c.ref).exists())
    with engine.connect() as conn:
        rows = conn.execute(stmt.order_by(t.lead.c.received_at.desc(), sr.c.id.desc()).limit(limit)).all()
    return [
        {
            "ref": r.ref,
            "received_at": _aware(r.received_at) if r.received_at else None,
            "text": _lead_text(r.raw),
        }
        for r in rows
    ]


def suggest_cases(engine: Engine, lead_ref: str, limit: int = 5) -> list[dict[str, Any]]:
    """Open cases this lead may be about, best first, each with its score and reasons."""
    sr, mc, ident, n = t.source_record, t.missing_case, t.identifier, t.name
    evidence: dict[int, list[tuple[float, str]]] = defaultdict(list)
    with engine.connect() as conn:
        lead = _lead_row(conn, lead_ref)
        open_cases = (
            select(sr.c.id).join(mc, mc.c.record_id == sr.c.id).where(sr.c.is_current.is_(True), _open())
        ).subquery()
        # 1. identifiers: case numbers it cites, phones, plates... shared with open cases
        lead_ids = conn.execute(
            select(ident.c.kind, ident.c.value).where(ident.c.record_id == lead.id).distinct()
        ).all()
        for kind, value in lead_ids:
            if kind != "case_number" and kind not in SHARED_IDENTIFIER:
                continue
            holders = list(
                conn.execute(
                    select(ident.c.record_id)
                    .where(
                        ident.c.kind == kind,
                        ident.c.value == value,
                        ident.c.record_id.in_(select(open_cases)),
                    )
                    .distinct()
                ).scalars()
            )
            if kind == "case_number":
                for record_id in holders:
                    evidence[record_id].append((CITES_CASE_NUMBER, f"cites case number {value}"))
            elif 0 < len(holders) <= HUB_CASES:
                for record_id in holders:
                    evidence[record_id].append(
                        (SHARED_IDENTIFIER[kind], f"same {kind.replace('_', ' ')} {value}")
                    )
        # 2. names it mentions against the child's (party 0) and companions' names
        mentioned = conn.execute(
            select(n.c.full, n.c.last_key, n.c.first_key, n.c.first_group).where(n.c.record_id == lead.id)
        ).all()
        for m in mentioned:
            if not m.last_key:
                continue
            first_ok = or_(
                n.c.first_key == m.first_key, and_(n.c.first_group != "", n.c.first_group == m.first_group)
            )
            rows = conn.execute(
                select(n.c.record_id, n.c.party, n.c.full)
                .where(n.c.last_key == m.last_key, first_ok, n.c.record_id.in_(select(open_cases)))
                .limit(200)
            ).all()
            for row in rows:
                if row.party == 0:
                    evidence[row.record_id].append((CHILD_NAME, f"names the child: {m.full} ~ {row.full}"))
                elif row.party is not None:
                    evidence[row.record_id].append(
                        (COMPANION_NAME, f"names a companion or suspect: {row.full}")
                    )
        # 3. the sighting's place against where each child went missing
        sighting = conn.execute(
            select(t.event.c.lat, t.event.c.lon).where(
                t.event.c.record_id == lead.id, t.event.c.lat.is_not(None)
            )
        ).first()
        if sighting is not None:
            box = PLACE_RADIUS_MI / 69.0
            a = t.address
            rows = conn.execute(
                select(a.c.record_id, a.c.lat, a.c.lon).where(
                    a.c.context == "missing_from",
                    a.c.lat.between(sighting.lat - box, sighting.lat + box),
                    a.c.lon.between(sighting.lon - 2 * box, sighting.lon + 2 * box),
                    a.c.record_id.in_(select(open_cases)),
                )
            ).all()
            for row in rows:
                miles = haversine_miles(sighting.lat, sighting.lon, row.lat, row.lon)
                if miles <= PLACE_RADIUS_MI:
                    weight = PLACE_WEIGHT * (1 - miles / PLACE_RADIUS_MI)
                    evidence[row.record_id].append(
                        (weight, f"seen {miles:.1f} mi from where the child went missing")
                    )
        if not evidence:
            return []
        cases = {r.record_id: r for r in conn.execute(_cases().where(sr.c.id.in_(list(evidence))))}
        names = _child_names(conn, list(cases))
    scored = []
    for record_id, clues in evidence.items():
        if record_id not in cases:
            continue
        best: dict[str, float] = {}
        for weight, why in clues:  # one clue counted once, at its strongest
            best[why] = max(best.get(why, 0.0), weight)
        miss = 1.0
        for weight in best.values():
            miss *= 1 - weight
        ordered = sorted(best.items(), key=lambda kv: -kv[1])
        doc = _case_document(cases[record_id], names.get(record_id))
        scored.append({**doc, "score": round(1 - miss, 4), "reasons": [why for why, _ in ordered]})
    scored.sort(key=lambda d: (-d["score"], d["case_number"]))
    return scored[:limit]


# --- anniversaries ---


def anniversaries(engine: Engine, today: date, within_days: int = 30) -> list[dict[str, Any]]:
    """Open cases missing a year or more whose anniversary falls in the next `within_days` days."""
    cutoff = today - timedelta(days=LONG_TERM_DAYS - within_days)
    stmt = _cases().where(
        _open(), t.missing_case.c.missing_since.is_not(None), t.missing_case.c.missing_since <= cutoff
    )
    out = []
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        names = _child_names(conn, [r.record_id for r in rows])
    for row in rows:
        since = row.missing_since
        next_day = _anniversary_on_or_after(since, today)
        years = next_day.year - since.year
        if years >= 1 and (next_day - today).days <= within_days:
            doc = _case_document(row, names.get(row.record_id))
            out.append(
                {**doc, "anniversary": next_day, "years": years, "days_until": (next_day - today).days}
            )
    out.sort(key=lambda d: (d["anniversary"], d["case_number"]))
    return out


def _anniversary_on_or_after(since: date, today: date) -> date:
    for year in (today.year, today.year + 1):
        try:
            day = since.replace(year=year)
        except ValueError:  # 29 February in a common year: the 28th
            day = date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("unreachable")


def remind_anniversaries(engine: Engine, now: datetime, within_days: int = 30) -> int:
    """Notify each due case's manager and team once per anniversary; returns notices written."""
    written = 0
    due = anniversaries(engine, now.date(), within_days)
    if not due:
        return 0
    with write_transaction(engine) as conn:
        for case in due:
            recipients = [case["manager"] or "", *(_members(conn, case["team"]) if case["team"] else [])]
            text = (
                f"{case['years']}-year anniversary of case {case['case_number']}"
                f"{' (' + case['child'] + ')' if case['child'] else ''} on {case['anniversary']:%Y-%m-%d}"
            )
            key = f"anniversary:{case['ref']}:{case['anniversary']:%Y-%m-%d}"
            written += notify(conn, recipients, "anniversary", text, f"/cases/{case['ref']}", at=now, key=key)
    return written


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
