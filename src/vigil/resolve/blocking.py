"""Blocking: which pairs of parties are worth comparing. Keys are chosen so each of the scenario's
kinds of noise (nicknames, swapped names, day/month swaps, typos, maiden names, missing SSNs) still
shares at least one key with the truth; a key shared by too many parties (a hub) blocks nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from vigil.resolve.features import PartyFeatures

MAX_BLOCK = 300


def _dob_swap_invariant(dob: str) -> str | None:
    if len(dob) != 10:
        return None
    month, day = dob[5:7], dob[8:10]
    return dob[:4] + min(month, day) + max(month, day)


def blocking_keys(p: PartyFeatures) -> set[str]:
    keys: set[str] = set()
    keys.update(f"ssn:{s}" for s in p.ssns)
    # One key per masked digit: a one-digit SSN error still shares eight of the nine.
    keys.update(f"sm:{i}:{s[:i]}{s[i + 1 :]}" for s in p.ssns for i in range(len(s)))
    # ... and an adjacent transposition shares the number with that digit pair put in order.
    keys.update(
        f"st:{i}:{s[:i]}{min(s[i : i + 2])}{max(s[i : i + 2])}{s[i + 2 :]}"
        for s in p.ssns
        for i in range(len(s) - 1)
        if s[i] != s[i + 1]
    )
    keys.update(f"ph:{x}" for x in p.phones)
    keys.update(f"em:{x}" for x in p.emails)
    keys.update(f"rid:{x}" for x in p.registrant_ids)
    dob_key = _dob_swap_invariant(p.dob) if p.dob else None
    for n in p.names:
        if n.last_key and n.first_group:
            keys.add(f"nm:{n.last_key}|{n.first_group}")
        if n.first_key and n.last_key:
            keys.add("sw:" + "|".join(sorted((n.first_key, n.last_key))))
        if dob_key:
            if n.last_key:
                keys.add(f"dl:{dob_key}|{n.last_key[:3]}")
            if n.first_group:
                keys.add(f"df:{dob_key}|{n.first_group}")
        for z in p.zips:
            if n.first_group:
                keys.add(f"zf:{z}|{n.first_group}")
            if n.last_key:
                keys.add(f"zl:{z}|{n.last_key}")  # a given name missing or replaced
    if dob_key:
        keys.update(f"dz:{dob_key}|{z}" for z in p.zips)  # every name part changed, DOB and ZIP kept
    keys.update(f"ad:{line}" for line in p.lines)  # one door: names and DOB both garbled
    return keys


def candidate_pairs(parties: Sequence[PartyFeatures], max_block: int = MAX_BLOCK) -> np.ndarray:
    """Unique (i, j), i < j, index pairs into `parties` sharing at least one usable key."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(parties):
        for key in blocking_keys(p):
            blocks[key].append(i)
    encoded: list[np.ndarray] = []
    n = len(parties)
    for members in blocks.values():
        if 1 < len(members) <= max_block:
            idx = np.asarray(members, dtype=np.int64)
            left, right = np.triu_indices(len(idx), k=1)
            encoded.append(idx[left] * n + idx[right])
    if not encoded:
        return np.empty((0, 2), dtype=np.int64)
    unique = np.unique(np.concatenate(encoded))
    return np.stack([unique // n, unique % n], axis=1)


def random_pairs(n: int, count: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    left = rng.integers(0, n, size=count)
    right = rng.integers(0, n, size=count)
    keep = left != right
    return np.stack([left[keep], right[keep]], axis=1)


def iter_blocks(parties: Iterable[PartyFeatures]) -> Iterator[tuple[str, PartyFeatures]]:
    for p in parties:
        for key in blocking_keys(p):
            yield key, p
