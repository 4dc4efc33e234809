"""The audit log is append-only (database triggers) and hash-chained (tampering is detectable)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from vigil import audit
from vigil.config import Actor


def test_entries_chain_and_verify(engine: Engine) -> None:
    analyst = Actor("ana", "case 2026-118", "NCMEC")
    audit.write(engine, analyst, "search", {"name": "Testperson"}, ["registry:TX/TX-1"])
    audit.write(engine, analyst, "view", {"ref": "registry:TX/TX-1"}, ["registry:TX/TX-1"])
    entries = list(audit.entries(engine))
    assert [e.action for e in entries] == ["view", "search"]
    assert entries[1].query == {"name": "Testperson"} and entries[1].result_refs == ["registry:TX/TX-1"]
    assert entries[0].agency == "NCMEC"
    check = audit.verify(engine)
    assert check.ok and check.entries == 2


def test_searches_need_a_purpose(engine: Engine) -> None:
    with pytest.raises(audit.PurposeRequired):
        audit.write(engine, Actor("ana", ""), "search", {"name": "x"})
    audit.write(engine, Actor("ana", ""), "stats")  # aggregate counts need none


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET purpose = 'nothing to see'", "DELETE FROM audit_log"]
)
def test_update_and_delete_are_refused(engine: Engine, statement: str) -> None:
    audit.write(engine, Actor("ana", "p"), "search", {"q": 1})
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert len(list(audit.entries(engine))) == 1


def test_tampering_behind_the_triggers_is_detected(engine: Engine) -> None:
    for i in range(3):
        audit.write(engine, Actor("ana", "p"), "search", {"q": i})
    with engine.begin() as conn:  # an administrator with DDL rights removes the guard and edits
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET \"user\" = 'someone-else' WHERE id = 2"))
    check = audit.verify(engine)
    assert not check.ok and check.first_bad_id == 2
