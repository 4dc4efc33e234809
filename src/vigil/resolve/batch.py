"""Matching thousands of queries at once (quick-hit batches): the candidate keys of every query go
into temporary tables and are joined against the persistent index in a few statements, features
of all candidates are read in bulk, and scoring happens in memory."""

from __future__ import annotations

from sqlalchemy import Connection, text

from vigil.resolve.candidates import Query, dob_variants, ssn_variants
from vigil.resolve.features import Key, load_features_packed
from vigil.resolve.match import PersonMatch, fill_refs, group_candidates, owners_of, score_candidates
from vigil.resolve.model import Model
from vigil.store.temp import temp_table

MAX_CANDIDATES = 300  # per query; exact-identifier hits are kept first, then DOB+name, then name-only


def _keys(queries: list[Query]) -> tuple[list[tuple], list[tuple], list[tuple]]:  # type: ignore[type-arg]
    exact, names, dobs = [], [], []
    for qid, q in enumerate(queries):
        f = q.features
        plates = {p for p in f.plates if "?" not in p and "*" not in p}
        for kind, values in (
            ("phone", f.phones),
            ("email", f.emails),
            ("registrant_id", f.registrant_ids),
            ("plate", plates),
            ("screen_name", f.screen_names),
        ):
            exact.extend((qid, kind, v) for v in values)
        for ssn in f.ssns:
            exact.extend((qid, "ssn", v) for v in ssn_variants(ssn))
        for n in f.names:
            names.append((qid, n.last_key, n.first_group, n.first_key))
            if f.dob and len(f.dob) == 10:
                dobs.extend((qid, d, n.last_key, n.first_group, n.first_key) for d in dob_variants(f.dob))
    return exact, names, dobs


# Every statement walks the query keys first (CROSS JOIN fixes that order in SQLite; PostgreSQL plans
# it from the temp table's statistics): a thousand keys probe the index, never the other way round.
_EXACT_SQL = """
SELECT q.qid, i.record_id, i.party FROM {q} q
CROSS JOIN identifier i
WHERE i.kind = q.kind AND i.value = q.value AND i.party IS NOT NULL"""
_NAME_SQL = """
SELECT q.qid, n.record_id, n.party FROM {q} q
CROSS JOIN name n
WHERE n.last_key = q.last_key AND n.first_group = q.first_group
UNION
SELECT q.qid, n.record_id, n.party FROM {q} q
CROSS JOIN name n
WHERE n.last_key = q.first_key AND n.first_key = q.last_key"""
# A date of birth alone is shared by dozens of people in a large store: it nominates a candidate
# only together with some part of the name (covers a typo in the other part, or a maiden name).
_DOB_SQL = """
SELECT q.qid, i.record_id, i.party FROM {q} q
CROSS JOIN identifier i
CROSS JOIN name n
WHERE i.kind = 'dob' AND i.value = q.dob AND n.record_id = i.record_id AND n.party = i.party
AND (n.last_key = q.last_key OR n.first_group = q.first_group OR n.last_key = q.first_key)"""


def candidate_keys_many(conn: Connection, queries: list[Query]) -> list[list[Key]]:
    exact, names, dobs = _keys(queries)
    found: list[dict[Key, int]] = [{} for _ in queries]  # key -> priority (lower = stronger)

    def collect(
        sql: str,
        columns: list[tuple[str, str]],
        rows: list[tuple],
        index: tuple[str, ...],  # type: ignore[type-arg]
        priority: int,
    ) -> None:
        if not rows:
            return
        with temp_table(conn, columns, rows, index=index) as q:
            for qid, record_id, party in conn.execute(text(sql.format(q=q.name))):
                key = (record_id, party)
                if found[qid].get(key, 99) > priority:
                    found[qid][key] = priority

    collect(_EXACT_SQL, [("qid", "int"), ("kind", "str"), ("value", "str")], exact, ("kind", "value"), 0)
    collect(
        _DOB_SQL,
        [("qid", "int"), ("dob", "str"), ("last_key", "str"), ("first_group", "str"), ("first_key", "str")],
        dobs,
        ("dob",),
        1,
    )
    collect(
        _NAME_SQL,
        [("qid", "int"), ("last_key", "str"), ("first_group", "str"), ("first_key", "str")],
        names,
        ("last_key",),
        2,
    )
    return [sorted(keys, key=lambda k, keys=keys: (keys[k], k))[:MAX_CANDIDATES] for keys in found]


def match_many(
    conn: Connection, model: Model, queries: list[Query], keep: int = 5
) -> list[list[PersonMatch]]:
    """For each query, its best `keep` persons (with member refs), best first."""
    per_query = candidate_keys_many(conn, queries)
    features = load_features_packed(conn, {key[0] for keys in per_query for key in keys})
    scored = [
        score_candidates(model, q.features, (features[k] for k in keys if k in features))
        for q, keys in zip(queries, per_query, strict=True)
    ]
    owners = owners_of(conn, [c for group in scored for c in group])
    results = [group_candidates(group, owners)[:keep] for group in scored]
    fill_refs(conn, [m for matches in results for m in matches])
    return results
