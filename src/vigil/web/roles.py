"""The five roles and the groups of them that routes allow (deny by default: a route names its roles)."""

from __future__ import annotations

ANALYST = "analyst"
CASE_MANAGER = "case_manager"
LE_REQUESTER = "le_requester"  # law-enforcement requester: only its own agency's requests and deliverables
SUPERVISOR = "supervisor"
ADMIN = "admin"

ROLES: tuple[str, ...] = (ANALYST, CASE_MANAGER, LE_REQUESTER, SUPERVISOR, ADMIN)

# Pseudo-role for the few routes anyone may call (login, health, public statistics).
PUBLIC = "public"

# Groups used by the routes. Admins run the system (accounts, loads, audit) but do not read people's
# records; LE requesters see only what is delivered to their agency.
EVERYONE: frozenset[str] = frozenset(ROLES)
READ_RECORDS: frozenset[str] = frozenset({ANALYST, CASE_MANAGER, SUPERVISOR})
INGEST: frozenset[str] = frozenset({ANALYST, SUPERVISOR, ADMIN})
AUDIT_REVIEW: frozenset[str] = frozenset({SUPERVISOR, ADMIN})
STORE_STATS: frozenset[str] = READ_RECORDS | {ADMIN}
QUICKHIT: frozenset[str] = READ_RECORDS
# Technical-assistance requests: LE requesters file them (and see their agency's), supervisors triage
# and assign, analysts work the ones assigned to them.
REQUESTS: frozenset[str] = frozenset({LE_REQUESTER, ANALYST, SUPERVISOR})
REQUEST_SUBMIT: frozenset[str] = frozenset({LE_REQUESTER})
REQUEST_TRIAGE: frozenset[str] = frozenset({SUPERVISOR})
REQUEST_WORK: frozenset[str] = frozenset({ANALYST, SUPERVISOR})
REQUEST_CLOSE: frozenset[str] = frozenset({LE_REQUESTER, SUPERVISOR})
# Missing-child case management: everyone who reads records works cases; routing cases to teams and
# managers, and team membership, belong to case managers and supervisors.
CASES: frozenset[str] = READ_RECORDS
CASE_ASSIGN: frozenset[str] = frozenset({CASE_MANAGER, SUPERVISOR})
# Link and case analysis (tips, incidents and series, watches and alerts): whoever reads records.
# Deciding that two incidents are (not) one series changes what every later run shows: analysts and
# supervisors, as on the command line's `vigil series confirm/reject`.
ANALYSIS: frozenset[str] = READ_RECORDS
SERIES_DECIDE: frozenset[str] = frozenset({ANALYST, SUPERVISOR})
WATCHES: frozenset[str] = READ_RECORDS
