"""What the store holds: counts by record type, source, identifier kind and registration status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from vigil.resolve.run import unresolved_record_ids
from vigil.store import tables as t
from vigil.store.db import current_revision


def store_stats(engine: Engine) -> dict[str, Any]:
    sr = t.source_record
    current = sr.c.is_current.is_(True)
    with engine.connect() as conn:
        by_type = dict(conn.execute(select(sr.c.type, func.count()).where(current).group_by(sr.c.type)).all())
        by_source = dict(
            conn.execute(select(sr.c.source, func.count()).where(current).group_by(sr.c.source)).all()
        )
        versions = conn.execute(select(func.count()).select_from(sr)).scalar_one()
        identifiers = dict(
            conn.execute(select(t.identifier.c.kind, func.count()).group_by(t.identifier.c.kind)).all()
        )
        registrations: dict[str, dict[str, int]] = {}
        reg = t.registration
        for state, status, count in conn.execute(
            select(reg.c.state, reg.c.status, func.count()).group_by(reg.c.state, reg.c.status)
        ):
            registrations.setdefault(state, {})[status] = count
        geocoded = dict(
            conn.execute(
                select(t.address.c.geo_precision, func.count()).group_by(t.address.c.geo_precision)
            ).all()
        )
        loads = conn.execute(select(func.count()).select_from(t.load)).scalar_one()
        persons = conn.execute(select(func.count()).select_from(t.person)).scalar_one()
        unresolved = len(unresolved_record_ids(conn))
        audit_entries = conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one()
    return {
        "schema_revision": current_revision(engine),
        "records": sum(by_type.values()),
        "records_by_type": dict(sorted(by_type.items())),
        "records_by_source": dict(sorted(by_source.items())),
        "versions": versions,
        "identifiers_by_kind": dict(sorted(identifiers.items())),
        "registrations_by_state": dict(sorted(registrations.items())),
        "addresses_by_geo_precision": {
            str(k): v for k, v in sorted(geocoded.items(), key=lambda kv: str(kv[0]))
        },
        "persons": persons,
        "records_not_yet_resolved": unresolved,  # the next search or `vigil resolve` places them
        "loads": loads,
        "audit_entries": audit_entries,
    }
