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
