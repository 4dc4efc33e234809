"""The JSON documents the API returns (the same as `vigil ... --format json`), built from library calls."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from vigil import audit
from vigil.analyze.facts import person_facts
from vigil.analyze.records import (
    UnknownReference,
    changed_fields,
    lookup_identifier,
    normalize_query,
    record_history,
)
from vigil.analyze.search import search
from vigil.config import Actor
from vigil.normalize.ssn import mask_ssn
from vigil.resolve.membership import resolve_subject
from vigil.store import tables as t
from vigil.web.common import audit_write

# Kinds of the identifier index (docs/DEVELOPING.md), offered by the lookup form.
IDENTIFIER_KINDS: tuple[str, ...] = (
    "phone",
    "email",
    "ssn",
    "dob",
    "screen_name",
    "plate",
    "vin",
    "ip",
    "registrant_id",
    "case_number",
    "photo_hash",
    "file_hash",
    "ori",
)


def record_document(engine: Engine, actor: Actor, ref: str, history: bool = True) -> dict[str, Any]:
    """A record as it came, with its versions; the view is audited before anything is read."""
    audit_write(engine, actor, "view", {"ref": ref}, [ref])
    versions = record_history(engine, ref)
    shown = versions if history else versions[:1]
    return {
        "ref": ref,
        "type": versions[0].type,
        "versions": [
            {
                "version": v.version,
                "current": v.is_current,
                "as_of": v.as_of,
                "loaded_at": v.loaded_at,
                "load_id": v.load_id,
                "line": v.line_no,
                "changed": changed_fields(versions[i + 1].record, v.record) if i + 1 < len(versions) else [],
                "record": v.record,
            }
            for i, v in enumerate(shown)
        ],
    }


def lookup_document(engine: Engine, actor: Actor, kind: str, value: str) -> dict[str, Any]:
    """Records holding an identifier. Raises ValueError for an unknown kind or a value that is not one."""
    if kind not in IDENTIFIER_KINDS:
        raise ValueError(f"unknown identifier kind {kind!r}")
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for search")
    normalized = normalize_query(kind, value)
    hits = lookup_identifier(engine, kind, normalized)
    audit_write(engine, actor, "search", {"kind": kind, "value": normalized}, [h.ref for h in hits])
    return {
        "identifier": f"{kind}:{normalized}",
        "results": [{"ref": h.ref, "type": h.type, "party": h.party, "detail": h.detail} for h in hits],
    }


# --- persons: search and the person page ---

SEARCH_FIELDS: tuple[str, ...] = ("name", "dob", "ssn", "phone", "email", "screen_name", "plate")


def search_document(
    engine: Engine, actor: Actor, fields: dict[str, str], limit: int = 20, show_ssn: bool = False
) -> dict[str, Any]:
    """`vigil search --format json`. Raises ValueError (BadQuery) for a field it cannot read."""
    asked = {k: v.strip() for k, v in fields.items() if k in SEARCH_FIELDS and v and v.strip()}
    return search(engine, actor, limit=limit, show_ssn=show_ssn, **asked)


def report_builder() -> Callable[..., dict[str, Any]] | None:
    """The comprehensive report's entry point once `vigil.analyze.report` exists (built alongside)."""
    try:
        module = importlib.import_module("vigil.analyze.report")
    except ImportError:
        return None
    for name in ("report_document", "build_report", "comprehensive_report", "report"):
        candidate = getattr(module, name, None)
        if callable(candidate):
            return candidate
    return None


def person_document(engine: Engine, actor: Actor, subject: str, with_report: bool = True) -> dict[str, Any]:
    """A resolved person (or a lone record) with its current facts and member records; an audited view.

    `subject` is a person_id or a record reference (`SOURCE/ID`, optionally `#party`). The comprehensive
    report's sections are added when that module is installed; its failure never hides the facts.
    """
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required to open a person")
    person_id, members = resolve_subject(engine, subject)
    refs = [m.ref for m in members]
    sr = t.source_record
    with engine.connect() as conn:
        rows = {
            r.ref: r
            for r in conn.execute(
                select(sr.c.ref, sr.c.type, sr.c.source, sr.c.as_of).where(
                    sr.c.ref.in_(sorted(set(refs))), sr.c.is_current.is_(True)
                )
            )
        }
        if not rows:
            raise UnknownReference(f"no person or record {subject}")
        facts = person_facts(conn, [(m.ref, m.party) for m in members])
    audit_write(engine, actor, "view", {"person": subject}, refs)
    ssn = facts.ssn.value if facts.ssn else None
    document: dict[str, Any] = {
        "person_id": person_id,
        "subject": subject,
        "refs": [m.ref if m.party == 0 else f"{m.ref}#{m.party}" for m in members],
        "members": [
            {
                "ref": m.ref,
                "party": m.party,
                "type": rows[m.ref].type if m.ref in rows else None,
                "source": rows[m.ref].source if m.ref in rows else None,
                "as_of": rows[m.ref].as_of if m.ref in rows else None,
            }
            for m in members
        ],
        "facts": {
            "name": facts.name.document() if facts.name else None,
            "dob": facts.dob.document() if facts.dob else None,
            "ssn": {**facts.ssn.document(), "value": mask_ssn(ssn)} if facts.ssn and ssn else None,
            "address": facts.address.document() if facts.address else None,
            "phone": facts.phone.document() if facts.phone else None,
            "registration": facts.registration,
            "deceased": facts.deceased,
            "sources": facts.sources,
            "conflicts": facts.conflicts,
        },
        "report": None,
        "report_error": None,
    }
    builder = report_builder() if with_report else None
    if builder is not None:
        try:
            document["report"] = builder(engine, actor, person_id or subject)
        except Exception as exc:  # the report is extra: the page still shows the facts
            document["report_error"] = f"{type(exc).__name__}: {exc}"
    return document
