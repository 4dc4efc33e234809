"""Which resolved person holds a record, and which records make up a person.

Before resolution has run (or for a record it has not reached yet) a record stands alone: callers
get None and should treat the record reference itself as the subject.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from vigil.store import tables as t


@dataclass(frozen=True, slots=True)
class Member:
    ref: str
    party: int


def split_member(text: str) -> tuple[str, int]:
    """ "SOURCE/ID#2" -> ("SOURCE/ID", 2); without "#N" the record's subject, party 0."""
    ref, _, party = text.partition("#")
    return ref, int(party) if party.isdigit() else 0


def person_of(engine: Engine, ref: str, party: int = 0) -> str | None:
    pm = t.person_member
    with engine.connect() as conn:
        return conn.execute(
            select(pm.c.person_id).where(pm.c.ref == ref, pm.c.party == party)
        ).scalar_one_or_none()


def members_of(engine: Engine, person_id: str) -> list[Member]:
    pm = t.person_member
    with engine.connect() as conn:
        rows = conn.execute(
            select(pm.c.ref, pm.c.party).where(pm.c.person_id == person_id).order_by(pm.c.ref, pm.c.party)
        ).all()
    return [Member(ref, party) for ref, party in rows]


def resolve_subject(engine: Engine, text: str) -> tuple[str | None, list[Member]]:
    """A person_id or a record reference ("SOURCE/ID" or "SOURCE/ID#party") -> (person_id, members).

    A record not yet in any person is returned as a one-member subject with person_id None.
    """
    with engine.connect() as conn:
        known = conn.execute(select(t.person.c.person_id).where(t.person.c.person_id == text)).scalar()
    if known:
        return known, members_of(engine, known)
    ref, party = split_member(text)
    person_id = person_of(engine, ref, party)
    if person_id:
        return person_id, members_of(engine, person_id)
    return None, [Member(ref, party)]
