"""The JSON documents the API returns (the same as `vigil ... --format json`), built from library calls."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from vigil import audit
from vigil.analyze.records import changed_fields, lookup_identifier, normalize_query, record_history
from vigil.config import Actor

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
    audit.write(engine, actor, "view", {"ref": ref}, [ref])
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
    audit.write(engine, actor, "search", {"kind": kind, "value": normalized}, [h.ref for h in hits])
    return {
        "identifier": f"{kind}:{normalized}",
        "results": [{"ref": h.ref, "type": h.type, "party": h.party, "detail": h.detail} for h in hits],
    }
