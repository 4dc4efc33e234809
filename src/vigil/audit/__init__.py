"""Append-only, hash-chained audit log written by the library for every load, search, view and export."""

from vigil.audit.log import AuditEntry, ChainCheck, PurposeRequired, entries, verify, write

__all__ = ["AuditEntry", "ChainCheck", "PurposeRequired", "entries", "verify", "write"]
