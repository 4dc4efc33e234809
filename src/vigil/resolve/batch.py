"""Matching thousands of queries at once (quick-hit batches): the candidate keys of every query go
into temporary tables and are joined against the persistent index in a few statements, features
of all candidates are read in bulk, and scoring happens in memory."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, text

from vigil.resolve.candidates import Query, dob_variants, ssn_variants
from vigil.resolve.compare import COMPARISONS, dob_level
from vigil.resolve.features import Key, load_features_packed
from vigil.resolve.match import PersonMatch, fill_refs, group_candidates, owners_of, score_candidates
from vigil.resolve.model import Model
from vigil.store.temp import temp_table

MAX_CANDIDATES = 300  # per query; exact-identifier hits are kept first, then DOB+name, then name-only
MAX_OTHER_YEAR = 20  # name-only candidates whose full DOB is years away from the query's
EXACT, DOB_AND_NAME, NAME_ONLY, NAME_OTHER_YEAR = range(4)  # candidate priorities, strongest first
DOB_DIFFERENT = next(c for c in COMPARISONS if c.name == "dob").levels.index("different")


def full_dob(query: Query) -> str | None:
    """The query's date of birth when it is a whole date (day, month and year)."""
    dob = query.features.dob
    return dob if dob and len(dob) == 10 else None


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
        dob = full_dob(q)
        for n in f.names:
            names.append((qid, n.last_key, n.first_group, n.first_key))
            if dob:
                dobs.extend((qid, d, n.last_key, n.first_group, n.first_key) for d in dob_variants(dob))
    return exact, names, dobs


# Every statement walks the query keys first (CROSS JOIN fixes that order in SQLite; PostgreSQL plans
# it from the temp table's statistics): a thousand keys probe the index, never the other way round.
_EXACT_SQL = """
SELECT q.qid, i.record_id, i.party FROM {q} q
CROSS JOIN identifier i
WHERE i.kind = q.kind AND i.value = q.value AND i.party IS NOT NULL"""
# Name-only candidates come with their date of birth, so the ones born in another year can be put last.
_NAME_SQL = """
SELECT q.qid, n.record_id, n.party, p.dob, p.dob_precision FROM {q} q
CROSS JOIN name n
CROSS JOIN party p
WHERE n.last_key = q.last_key AND n.first_group = q.first_group
AND p.record_id = n.record_id AND p.party = n.party
UNION
SELECT q.qid, n.record_id, n.party, p.dob, p.dob_precision FROM {q} q
CROSS JOIN name n
CROSS JOIN party p
WHERE n.last_key = q.first_key AND n.first_key = q.last_key
AND p.record_id = n.record_id AND p.party = n.party"""
# A date of birth alone is shared by dozens of people in a large store: it nominates a candidate
# only together with some part of the name (covers a typo in the other part, or a maiden name).
_DOB_SQL = """
SELECT q.qid, i.record_id, i.party FROM {q} q
CROSS JOIN identifier i
CROSS JOIN name n
WHERE i.kind = 'dob' AND i.value = q.dob AND n.record_id = i.record_id AND n.party = i.party
AND (n.last_key = q.last_key OR n.first_group = q.first_group OR n.last_key = q.first_key)"""


Found = list[dict[Key, int]]  # per query: candidate key -> priority (lower = stronger)


def _collect(
    conn: Connection,
    found: Found,
    sql: str,
    columns: list[tuple[str, str]],
    rows: list[tuple],  # type: ignore[type-arg]
    index: tuple[str, ...],
    priority: Callable[[int, tuple], int],  # type: ignore[type-arg]
) -> None:
    if not rows:
        return
    with temp_table(conn, columns, rows, index=index) as q:
        for row in conn.execute(text(sql.format(q=q.name))):
            qid, key = row[0], (row[1], row[2])
            rank = priority(qid, row)
            if found[qid].get(key, 99) > rank:
                found[qid][key] = rank


def _strong_candidates(
    conn: Connection,
    found: Found,
    exact: list[tuple],  # type: ignore[type-arg]
    dobs: list[tuple],  # type: ignore[type-arg]
) -> None:
    """Candidates sharing an identifier (SSN within one digit, phone, e-mail...) or a DOB and a name part."""
    _collect(
        conn,
        found,
        _EXACT_SQL,
        [("qid", "int"), ("kind", "str"), ("value", "str")],
        exact,
        ("kind", "value"),
        lambda qid, row: EXACT,
    )
    _collect(
        conn,
        found,
        _DOB_SQL,
        [("qid", "int"), ("dob", "str"), ("last_key", "str"), ("first_group", "str"), ("first_key", "str")],
        dobs,
        ("dob",),
        lambda qid, row: DOB_AND_NAME,
    )


def _name_candidates(
    conn: Connection,
    found: Found,
    names: list[tuple],  # type: ignore[type-arg]
    query_dobs: list[str | None],
) -> None:
    """Candidates sharing only the name (surname key and first-name group, or the two swapped)."""

    def name_priority(qid: int, row: tuple) -> int:  # type: ignore[type-arg]
        query_dob, dob = query_dobs[qid], row[3]
        if query_dob and dob and row[4] in (None, "day") and _far_apart(query_dob, str(dob)[:10]):
            return NAME_OTHER_YEAR
        return NAME_ONLY

    _collect(
        conn,
        found,
        _NAME_SQL,
        [("qid", "int"), ("last_key", "str"), ("first_group", "str"), ("first_key", "str")],
        names,
        ("last_key",),
        name_priority,
    )


def _ranked(keys: dict[Key, int]) -> list[Key]:
    ranked = sorted(keys, key=lambda k: (keys[k], k))[:MAX_CANDIDATES]
    # A namesake born in another year is worth a look only in small numbers: the person sought is
    # found through any one of his records, and a common name brings hundreds of these.
    other_year = [k for k in ranked if keys[k] == NAME_OTHER_YEAR]
    return [k for k in ranked if keys[k] != NAME_OTHER_YEAR] + other_year[:MAX_OTHER_YEAR]


# Comparisons on which a candidate found only by name cannot agree: agreement would have found it
# through the identifier index (SSN within one digit, phone, e-mail, screen name, registrant id).
_FOUND_BY_IDENTIFIER = frozenset({"ssn", "phone", "email", "screen_name", "registrant_id"})


def name_only_ceiling(model: Model, with_full_dob: bool) -> float:
    """The most weight a candidate found only by name can reach against a query (bits); it depends on
    the query only through whether it gives a whole date of birth."""
    total = model.weight([-1] * len(COMPARISONS))  # the prior
    for k, comparison in enumerate(COMPARISONS):
        levels = list(range(len(comparison.levels)))
        if comparison.name in _FOUND_BY_IDENTIFIER:
            levels = levels[-1:]
        elif comparison.name == "dob" and with_full_dob:
            levels = levels[2:]  # the same DOB, or day and month swapped, pairs with a name part
        total += max(0.0, *(model.level_bits(k, level) for level in levels))
    return total


def _far_apart(x: str, y: str) -> bool:
    """Dates of birth no keying error explains (not a day/month swap, one digit, or the same year)."""
    return x[:4] != y[:4] and dob_level(x, y) >= DOB_DIFFERENT  # the same year is never far: skip the work


def match_many(
    conn: Connection, model: Model, queries: list[Query], keep: int = 5, settled_margin: float | None = None
) -> list[list[PersonMatch]]:
    """For each query, its best `keep` persons (with member refs), best first.

    With `settled_margin`, a query whose best candidate by identifier or DOB already outweighs, by that
    many bits, anything a candidate found only by name could reach skips the name-only search: no
    namesake could beat or rival it. At 1M records that search brings nine candidates in ten."""
    exact, names, dobs = _keys(queries)
    query_dobs = [full_dob(q) for q in queries]
    found: Found = [{} for _ in queries]
    _strong_candidates(conn, found, exact, dobs)
    per_query = [_ranked(keys) for keys in found]
    features = load_features_packed(conn, {key[0] for keys in per_query for key in keys})
    scored = [
        score_candidates(model, q.features, (features[k] for k in keys if k in features))
        for q, keys in zip(queries, per_query, strict=True)
    ]
    ceiling = {flag: name_only_ceiling(model, flag) for flag in (False, True)}
    unsettled = {
        qid
        for qid, group in enumerate(scored)
        if settled_margin is None
        or not group
        or max(c.weight for c in group) - ceiling[query_dobs[qid] is not None] < settled_margin
    }
    if unsettled:
        _name_candidates(conn, found, [row for row in names if row[0] in unsettled], query_dobs)
        more = {}
        for qid in unsettled:
            seen = set(per_query[qid])
            more[qid] = [k for k in _ranked(found[qid]) if k not in seen]
        features = load_features_packed(conn, {key[0] for keys in more.values() for key in keys})
        for qid, keys in more.items():
            scored[qid].extend(
                score_candidates(model, queries[qid].features, (features[k] for k in keys if k in features))
            )
    owners = owners_of(conn, [c for group in scored for c in group])
    results = [group_candidates(group, owners)[:keep] for group in scored]
    fill_refs(conn, [m for matches in results for m in matches])
    return results
