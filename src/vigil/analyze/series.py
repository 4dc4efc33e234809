"""Attempted-abduction series: incidents linked by place, time, offender, vehicle, lure and approach.

1. Blocking: only pairs within `max_miles` and `max_days` are compared (k-d tree, spacetime.py).
2. Scoring: each pair gets a weight of evidence in bits, the sum of per-feature weights in the
   Fellegi-Sunter manner: agreement on a value is worth log2(m / u), where m is how often the same
   offender is described alike and u how common the value is among these incidents (a Hispanic
   offender in two reports says more than a white one; "navy" matching "dark blue" counts as agreement).
   Disagreement costs log2((1 - m) / (1 - u)). Unknowns are neutral. The sum becomes a probability
   with a prior; every weight is kept as a reason.
3. Clustering: pairs at or above the link probability form components; within each, average-linkage
   clustering (scipy) keeps a single coincidental link from chaining two series into one.
4. Analysts decide: a "same" decision links a pair with probability 1, a "not_same" one forbids the
   pair from ending up in one series; the newest decision on a pair wins, on every rerun.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import Engine, select

from vigil import audit
from vigil.analyze import descriptions as d
from vigil.analyze.incidents import Incident, load_incidents
from vigil.analyze.spacetime import day_number, haversine_np, pair_slabs
from vigil.config import Actor
from vigil.normalize.geocode import haversine_miles
from vigil.normalize.plates import normalize_plate, plate_matches
from vigil.store import tables as t

DECISIONS = ("same", "not_same")
_KEEP = 0.02  # pairs below this probability are dropped after scoring (distance ~1 in the linkage)
_PLATE_WIDTH = 10


@dataclass(frozen=True, slots=True)
class SeriesParams:
    max_miles: float = 25.0  # blocking: pairs farther apart are never compared
    max_days: float = 90.0
    link_probability: float = 0.5  # a pair at or above this is a candidate link
    cluster_probability: float = 0.35  # mean pairwise probability inside a series, at least
    # Two incidents alone make a series only on stronger evidence: with no third report to back
    # them, one coincidence (same make, same age range) is all it takes for a false pair.
    pair_probability: float = 0.85
    prior_bits: float = -7.0  # log2 prior odds that a compared pair is one offender
    max_component: int = 2500  # average linkage is O(n^2) in memory: larger components are split first


@dataclass(slots=True)
class Link:
    left: str
    right: str
    probability: float
    bits: float
    reasons: list[str]
    decision: str | None = None


@dataclass(slots=True)
class Series:
    series_id: str
    refs: list[str]
    score: float
    reasons: list[str]
    links: list[Link]
    first: datetime | None
    last: datetime | None
    center: tuple[float, float] | None
    radius_mi: float | None
    incidents: list[Incident] = field(default_factory=list)
    # Registered offenders who may be behind the series (series_offenders.attach_offenders), best first.
    offenders: list[dict[str, object]] | None = None
    offenders_considered: int | None = None  # registered offenders scored, shown or not

    def document(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "series_id": self.series_id,
            "refs": self.refs,
            "score": round(self.score, 4),
            "reasons": self.reasons,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "center": {"lat": round(self.center[0], 5), "lon": round(self.center[1], 5)}
            if self.center
            else None,
            "radius_mi": round(self.radius_mi, 2) if self.radius_mi is not None else None,
            "links": [
                {
                    "refs": [link.left, link.right],
                    "score": round(link.probability, 4),
                    "bits": round(link.bits, 2),
                    "reasons": link.reasons,
                    **({"decision": link.decision} if link.decision else {}),
                }
                for link in self.links
            ],
        }
        if self.offenders is not None:
            doc["offenders"] = self.offenders
            doc["offenders_considered"] = self.offenders_considered
        return doc


@dataclass(slots=True)
class SeriesResult:
    series: list[Series]
    incidents: int
    compared_pairs: int
    linked_pairs: int
    seconds: dict[str, float]

    def document(self) -> dict[str, object]:
        return {
            "series": [s.document() for s in self.series],
            "incidents": self.incidents,
            "compared_pairs": self.compared_pairs,
            "linked_pairs": self.linked_pairs,
        }


# ---- feature arrays ---------------------------------------------------------------------------------


class _Codes:
    """Small integer codes for categorical values (0 = unknown) and their frequencies."""

    def __init__(self, values: list[str | None]) -> None:
        self.index: dict[str, int] = {}
        codes = np.zeros(len(values), np.int32)
        for k, value in enumerate(values):
            if value:
                codes[k] = self.index.setdefault(value, len(self.index) + 1)
        self.codes = codes
        counts = np.bincount(codes, minlength=len(self.index) + 1).astype(float)
        known = counts[1:].sum()
        # Add-one smoothing keeps a value seen once from weighing infinitely much.
        self.freq = (counts + 1.0) / (known + len(self.index) + 1.0)
        self.freq[0] = 1.0
        self.u_agree = float(np.sum(self.freq[1:] ** 2)) if known else 0.0

    def matrix(self, m: float, scale: float = 1.0) -> np.ndarray:
        """Weight of every (code, code) pair: one table lookup per pair instead of arithmetic."""
        k = len(self.freq)
        u = min(self.u_agree, 0.98)
        mat = np.full((k, k), math.log2((1 - m) / (1 - u)) * scale, np.float32)
        agree = np.clip(np.log2(m / self.freq), 0.0, _MAX_AGREE) * scale
        mat[np.arange(k), np.arange(k)] = agree
        mat[0, :] = 0.0
        mat[:, 0] = 0.0
        return mat


class _SetCodes:
    """Set-valued features (hair, colour families) as codes of their distinct family sets."""

    def __init__(self, values: list[frozenset[str]], m: float) -> None:
        distinct: dict[frozenset[str], int] = {frozenset(): 0}
        self.codes = np.array([distinct.setdefault(v, len(distinct)) for v in values], np.int32)
        sets = sorted(distinct, key=distinct.__getitem__)
        known = self.codes[self.codes > 0]
        if len(known) >= 2:
            rng = np.random.default_rng(0)
            a = known[rng.integers(0, len(known), 20000)]
            b = known[rng.integers(0, len(known), 20000)]
            inter = np.array([[bool(x & y) for y in sets] for x in sets])
            u = float(np.clip(np.mean(inter[a, b]), 0.02, 0.98))
        else:
            u = 0.5
        agree = min(_MAX_AGREE, max(0.0, math.log2(m / u)))
        disagree = math.log2((1 - m) / (1 - u))
        k = len(sets)
        self.mat = np.zeros((k, k), np.float32)
        for x in range(1, k):
            for y in range(1, k):
                self.mat[x, y] = agree if sets[x] & sets[y] else disagree


def _plate_array(plates: list[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Plates as a byte matrix: chars (0 = none), length, open-ended (may continue), has '*'."""
    chars = np.zeros((len(plates), _PLATE_WIDTH), np.uint8)
    length = np.zeros(len(plates), np.int16)
    open_ended = np.zeros(len(plates), bool)
    star = np.zeros(len(plates), bool)
    for k, plate in enumerate(plates):
        if not plate:
            continue
        value = plate[:_PLATE_WIDTH]
        chars[k, : len(value)] = np.frombuffer(value.encode("ascii", "replace"), np.uint8)
        length[k] = len(value)
        star[k] = "*" in value
        open_ended[k] = _open_ended(value)
    return chars, length, open_ended, star


def _open_ended(plate: str) -> bool:
    """A witness's partial plate may be just the start ("7K?2", "ABC"): real plates run 5-8 characters."""
    return "?" in plate or len(plate) < 5


class Features:
    """Column arrays over a list of incidents, built once per run."""

    def __init__(self, incidents: list[Incident], reference: list[Incident] | None = None) -> None:
        """`reference`: a wider set (e.g. all incidents) to learn how common each value is from, so a
        narrow window (one state, two weeks) does not make ordinary values look rare."""
        n = len(incidents)
        self.n = n
        nan = float("nan")
        self.lat = np.array([i.lat if i.lat is not None else nan for i in incidents], float)
        self.lon = np.array([i.lon if i.lon is not None else nan for i in incidents], float)
        self.day = np.array([day_number(i.at) if i.at else nan for i in incidents], float)
        self.hour = np.array([i.local_hour if i.local_hour is not None else nan for i in incidents], float)
        self.age_lo = np.array([_num(i.age_min, i.age_max) for i in incidents], float)
        self.age_hi = np.array([_num(i.age_max, i.age_min) for i in incidents], float)
        self.h_lo = np.array([_num(i.height_min, i.height_max) for i in incidents], float)
        self.h_hi = np.array([_num(i.height_max, i.height_min) for i in incidents], float)
        self.child_age = np.array([i.child_age if i.child_age is not None else nan for i in incidents])
        # Categorical features: codes per incident and a weight table per (code, code). Codes and
        # frequencies come from the incidents plus the reference; the run keeps its first n codes.
        if reference:
            mine = {i.ref for i in incidents}
            incidents = incidents + [r for r in reference if r.ref not in mine]
        self.categorical: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        columns = {
            "sex": [i.sex for i in incidents],
            "race": [i.race for i in incidents],
            "facial_hair": [i.facial_hair for i in incidents],
            "make": [i.make for i in incidents],
            "model": [d.model(i.model) for i in incidents],
            "body": [i.body for i in incidents],
            "lure": [i.lure for i in incidents],
            "activity": [i.activity for i in incidents],
            "child_sex": [i.child_sex if i.child_sex in ("M", "F") else None for i in incidents],
        }
        for name, values in columns.items():
            codes = _Codes(values)
            self.categorical[name] = (codes.codes[:n], codes.matrix(M[name], SCALE.get(name, 1.0)))
        for name, sets in (("hair", [i.hair for i in incidents]), ("color", [i.colors for i in incidents])):
            set_codes = _SetCodes(sets, M[name])
            self.categorical[name] = (set_codes.codes[:n], set_codes.mat)
        incidents = incidents[:n]
        build = np.array([b if (b := i.build) is not None else 3 for i in incidents], np.int32)
        self.categorical["build"] = (build, _BUILD)
        self.plate, self.plate_len, self.plate_open, self.plate_star = _plate_array(
            [usable_plate(i.plate) for i in incidents]
        )
        self.has_marks = np.array([bool(i.marks) for i in incidents])


def _num(x: float | None, fallback: float | None) -> float:
    value = x if x is not None else fallback
    return float(value) if value is not None else float("nan")


def usable_plate(value: str | None) -> str | None:
    """A reported plate normalized, or None when it is missing, unreadable or under two known characters."""
    if not value:
        return None
    try:
        plate = normalize_plate(value).value
    except ValueError:
        return None
    return plate if sum(ch.isalnum() for ch in plate) >= 2 else None


# ---- pair weights (bits) ------------------------------------------------------------------------------
# m: how often two reports of the same offender agree on the feature when both give it. Witness
# descriptions are noisy, so none is near 1; the clip bounds keep one rare value from deciding alone.
M = {
    "sex": 0.95,
    "race": 0.85,
    "facial_hair": 0.75,
    "hair": 0.8,
    "lure": 0.7,
    "activity": 0.35,
    "child_sex": 0.75,
    "make": 0.9,
    "model": 0.85,
    "body": 0.85,
    "color": 0.9,
}
_MAX_AGREE = 4.0
SCALE = {"child_sex": 0.5}  # the victim's sex is a weak preference signal, not a description
# Build on an ordinal scale thin/medium/heavy (3 = unknown): same +0.8, adjacent 0, opposite -1.2.
_BUILD = np.array(
    [[0.8, 0.0, -1.2, 0.0], [0.0, 0.8, 0.0, 0.0], [-1.2, 0.0, 0.8, 0.0], [0.0, 0.0, 0.0, 0.0]], np.float32
)


def _steps(x: np.ndarray, edges: list[float], weights: list[float]) -> np.ndarray:
    """Piecewise-constant weight: x <= edges[k] gets weights[k]; beyond the last edge, weights[-1]."""
    idx = np.searchsorted(np.asarray(edges), x, side="left")
    w = np.asarray(weights)[np.minimum(idx, len(weights) - 1)]
    return np.where(np.isnan(x), 0.0, w)


def _ranges(
    lo: np.ndarray, hi: np.ndarray, i: np.ndarray, j: np.ndarray, steps: tuple[list[float], list[float]]
) -> np.ndarray:
    """Witness ranges (age, height): a witness brackets what he saw, so the centres of two reports
    of one man lie close together; how close is worth more than whether the ranges merely touch."""
    centre = np.abs((lo[i] + hi[i]) - (lo[j] + hi[j])) / 2
    return _steps(centre, *steps)


def _plates(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Plate evidence, vectorised: positionwise match with '?' on either side; open-ended partials
    may be the start of a longer plate. '*' plates go through normalize.plates.plate_matches."""
    w = np.zeros(len(i))
    both = (f.plate_len[i] > 0) & (f.plate_len[j] > 0)
    if not both.any():
        return w
    ii, jj = i[both], j[both]
    a, b = f.plate[ii], f.plate[jj]
    la, lb = f.plate_len[ii], f.plate_len[jj]
    q = ord("?")
    pos = np.arange(_PLATE_WIDTH)
    short = np.minimum(la, lb)[:, None]
    in_short = pos[None, :] < short
    compatible = (a == b) | (a == q) | (b == q)
    prefix_ok = np.all(compatible | ~in_short, axis=1)
    known_equal = np.sum((a == b) & (a != q) & in_short, axis=1)
    exact = prefix_ok & (la == lb)
    shorter_open = np.where(la < lb, f.plate_open[ii], f.plate_open[jj])
    prefix = prefix_ok & (la != lb) & shorter_open
    both_full = ~f.plate_open[ii] & ~f.plate_open[jj]
    sw = np.where(exact, np.minimum(8.0, 1.5 * known_equal), 0.0)
    sw = np.where(prefix, np.minimum(6.0, 1.3 * known_equal), sw)
    sw = np.where((exact | prefix) & (known_equal <= 1), 0.5, sw)
    sw = np.where(~(exact | prefix), np.where(both_full & (la == lb), -4.0, -2.5), sw)
    star = f.plate_star[ii] | f.plate_star[jj]
    for k in np.flatnonzero(star):
        pa = bytes(a[k, : la[k]]).decode()
        pb = bytes(b[k, : lb[k]]).decode()
        known = min(sum(c.isalnum() for c in pa), sum(c.isalnum() for c in pb))
        sw[k] = min(6.0, 1.3 * known) if plate_matches(pa, pb) else -2.5
    w[both] = sw
    return w


def _marks(incidents: list[Incident], i: np.ndarray, j: np.ndarray, f: Features) -> np.ndarray:
    w = np.zeros(len(i))
    for k in np.flatnonzero(f.has_marks[i] & f.has_marks[j]):
        w[k] = _mark_weight(incidents[i[k]], incidents[j[k]])[0]
    return w


def _mark_weight(a: Incident, b: Incident) -> tuple[float, str | None]:
    best, label = 0.0, None
    for ma in a.marks:
        for mb in b.marks:
            if ma.kind != mb.kind or d.body_part(ma.location) != d.body_part(mb.location):
                continue
            sa, sb = d.side(ma.location), d.side(mb.location)
            if sa and sb and sa != sb:
                continue
            w = 2.5 + (1.5 if d.mark_words(ma.description) & d.mark_words(mb.description) else 0.0)
            if w > best:
                best, label = w, mb.label
    return best, label


# Distance and time: series offenders work a neighbourhood over weeks; the steps say how much
# nearer and sooner is worth, relative to the blocking window.
_MILES = ([2.0, 5.0, 10.0, 15.0, 20.0], [2.0, 1.5, 1.0, 0.3, -0.5, -1.5])
_DAYS = ([7.0, 21.0, 45.0, 75.0], [1.5, 1.0, 0.5, 0.0, -0.5])
# Centres of two witnesses' ranges: years of age, inches of height.
_AGE = ([3.0, 6.0, 10.0, 15.0], [1.5, 0.8, -0.5, -1.5, -3.0])
_HEIGHT = ([1.0, 2.0, 3.5, 5.0], [1.5, 0.8, 0.0, -1.0, -2.5])


def _feature_weights(
    f: Features, incidents: list[Incident], i: np.ndarray, j: np.ndarray
) -> Iterator[tuple[str, np.ndarray]]:
    """(feature, weight in bits) for the pairs (i[k], j[k]); `_miles`/`_days` carry the raw gaps."""
    miles = haversine_np(f.lat[i], f.lon[i], f.lat[j], f.lon[j])
    days = np.abs(f.day[i] - f.day[j])
    yield "_miles", miles
    yield "_days", days
    yield "distance", _steps(miles, *_MILES)
    yield "time", _steps(days, *_DAYS)
    hour_gap = np.abs(f.hour[i] - f.hour[j])
    hour_gap = np.minimum(hour_gap, 24 - hour_gap)
    yield "time_of_day", _steps(hour_gap, [1.5, 5.0], [0.4, 0.0, -0.3])
    yield "age", _ranges(f.age_lo, f.age_hi, i, j, _AGE)
    yield "height", _ranges(f.h_lo, f.h_hi, i, j, _HEIGHT)
    for name, (codes, table) in f.categorical.items():
        yield name, table[codes[i], codes[j]]
    yield "marks", _marks(incidents, i, j, f)
    yield "plate", _plates(f, i, j)
    yield "child_age", _steps(np.abs(f.child_age[i] - f.child_age[j]), [2.0], [0.3, 0.0])


def pair_weights(
    f: Features, incidents: list[Incident], i: np.ndarray, j: np.ndarray
) -> dict[str, np.ndarray]:
    """Each feature's weight (bits) for the pairs (i[k], j[k])."""
    return dict(_feature_weights(f, incidents, i, j))


def pair_bits(f: Features, incidents: list[Incident], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The summed weight of evidence per pair, without keeping each feature's array."""
    total = np.zeros(len(i), np.float32)
    for name, w in _feature_weights(f, incidents, i, j):
        if not name.startswith("_"):
            total += w
    return total


def _reason(feature: str, w: float, a: Incident, b: Incident, miles: float, days: float) -> str | None:
    """A sentence for one feature's weight on one pair (None when it said nothing)."""
    if abs(w) < 0.05 and feature not in ("distance", "time"):
        return None
    sign = f"{w:+.1f}"
    agree = w > 0
    if feature == "distance":
        return f"{miles:.1f} mi apart ({sign})"
    if feature == "time":
        return f"{days:.0f} days apart ({sign})"
    if feature == "time_of_day":
        return f"{'similar' if agree else 'different'} time of day ({sign})"
    if feature == "sex":
        return f"offender sex {a.sex} / {b.sex} ({sign})"
    if feature == "race":
        return f"offender race {(a.race or '').lower()} / {(b.race or '').lower()} ({sign})"
    if feature == "age":
        return f"offender age {_rng(a.age_min, a.age_max)} / {_rng(b.age_min, b.age_max)} ({sign})"
    if feature == "height":
        heights = f"{_rng(a.height_min, a.height_max)} / {_rng(b.height_min, b.height_max)}"
        return f"offender height {heights} in ({sign})"
    if feature == "hair":
        return f"hair {_low(a.hair_text)} / {_low(b.hair_text)} ({sign})"
    if feature == "facial_hair":
        return f"facial hair {_low(a.facial_hair)} / {_low(b.facial_hair)} ({sign})"
    if feature == "build":
        return f"build {_low(a.build_text)} / {_low(b.build_text)} ({sign})"
    if feature == "marks":
        return f"both saw a {_mark_weight(a, b)[1]} ({sign})"
    if feature == "plate":
        verb = "fits" if agree else "does not fit"
        return f"plate {a.plate} {verb} {b.plate} ({sign})"
    if feature == "make":
        return f"vehicle make {a.make} / {b.make} ({sign})"
    if feature == "model":
        return f"vehicle model {a.model} / {b.model} ({sign})"
    if feature == "color":
        return f"vehicle colour {_low(a.color_text)} / {_low(b.color_text)} ({sign})"
    if feature == "body":
        return f"vehicle body {_low(a.body)} / {_low(b.body)} ({sign})"
    if feature == "lure":
        return f"lure {a.lure} / {b.lure} ({sign})"
    if feature == "activity":
        return f"child {_act(a.activity)} / {_act(b.activity)} ({sign})"
    if feature == "child_sex":
        return f"child sex {a.child_sex} / {b.child_sex} ({sign})"
    if feature == "child_age":
        return f"child ages {a.child_age} / {b.child_age} ({sign})"
    return None


def _rng(lo: float | None, hi: float | None) -> str:
    return f"{'?' if lo is None else f'{lo:g}'}-{'?' if hi is None else f'{hi:g}'}"


def _low(x: str | None) -> str:
    return x.lower() if x else "?"


def _act(x: str | None) -> str:
    return (x or "?").replace("_", " ")


def probability(bits: np.ndarray | float, prior_bits: float) -> np.ndarray:
    return 1.0 / (1.0 + np.power(2.0, -(np.asarray(bits) + prior_bits)))


def explain(incidents: list[Incident], f: Features, i: np.ndarray, j: np.ndarray) -> list[list[str]]:
    """Reasons for each pair, strongest first."""
    weights = pair_weights(f, incidents, i, j)
    out: list[list[str]] = []
    for k in range(len(i)):
        a, b = incidents[i[k]], incidents[j[k]]
        parts = []
        for feature, w in weights.items():
            if feature.startswith("_"):
                continue
            text = _reason(
                feature, float(w[k]), a, b, float(weights["_miles"][k]), float(weights["_days"][k])
            )
            if text:
                parts.append((abs(float(w[k])), text))
        out.append([text for _, text in sorted(parts, key=lambda p: -p[0])])
    return out


# ---- analysts' decisions ---------------------------------------------------------------------------


class DecisionError(ValueError):
    pass


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def decide(engine: Engine, actor: Actor, a: str, b: str, decision: str, reason: str) -> None:
    """Record that incidents a and b are ("same") or are not ("not_same") one series."""
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}")
    if a == b:
        raise DecisionError("a decision needs two different incidents")
    if not reason.strip():
        raise DecisionError("a decision needs a reason")
    left, right = _ordered(a, b)
    sr = t.source_record
    with engine.begin() as conn:
        known = set(
            conn.execute(
                select(sr.c.ref).where(
                    sr.c.ref.in_([left, right]), sr.c.is_current.is_(True), sr.c.type == "incident"
                )
            ).scalars()
        )
        missing = [r for r in (left, right) if r not in known]
        if missing:
            raise DecisionError(f"not an incident in the store: {', '.join(missing)}")
        conn.execute(
            t.series_decision.insert().values(
                left_ref=left,
                right_ref=right,
                decision=decision,
                reason=reason.strip(),
                user=actor.user,
                at=datetime.now(UTC),
            )
        )
        audit.write(
            conn,
            actor,
            "decide",
            {"what": "series", "refs": [left, right], "decision": decision},
            [left, right],
        )


def current_decisions(engine: Engine) -> dict[tuple[str, str], str]:
    """The newest decision on each pair."""
    sd = t.series_decision
    out: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        for left, right, decision in conn.execute(
            select(sd.c.left_ref, sd.c.right_ref, sd.c.decision).order_by(sd.c.at, sd.c.id)
        ):
            out[(left, right)] = decision
    return out


# ---- clustering --------------------------------------------------------------------------------------


def _clusters(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    p: np.ndarray,
    params: SeriesParams,
    forbidden: set[tuple[int, int]],
) -> list[np.ndarray]:
    """Groups of incident indexes (size >= 2) by components, then average linkage inside each."""
    keep = p >= params.link_probability
    if not keep.any():
        return []
    graph = coo_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    members_by_label = _group(labels, np.flatnonzero(sizes[labels] >= 2))
    out: list[np.ndarray] = []
    # Only pairs inside one component matter to the linkage; tiny probabilities are distance ~1 anyway.
    inside = (labels[i] == labels[j]) & (sizes[labels[i]] >= 2)
    pair_p = {(int(a), int(b)): float(q) for a, b, q in zip(i[inside], j[inside], p[inside], strict=True)}
    for members in members_by_label:
        out.extend(_split(members, pair_p, params, forbidden, params.link_probability))
    return out


def _group(labels: np.ndarray, idx: np.ndarray) -> list[np.ndarray]:
    if not len(idx):
        return []
    order = idx[np.argsort(labels[idx], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, cuts)


def _split(
    members: np.ndarray,
    pair_p: dict[tuple[int, int], float],
    params: SeriesParams,
    forbidden: set[tuple[int, int]],
    edge_floor: float,
) -> list[np.ndarray]:
    m = len(members)
    if m == 2:
        return [members] if _pair_ok(members, pair_p, params, forbidden) else []
    if m > params.max_component:
        # Too big for a dense distance matrix: raise the bar for a link until it falls apart.
        floor = edge_floor + (1.0 - edge_floor) / 2
        local = {int(x): k for k, x in enumerate(members)}
        rows, cols = [], []
        for (a, b), q in pair_p.items():
            if q >= floor and a in local and b in local:
                rows.append(local[a])
                cols.append(local[b])
        graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, m))
        _, labels = connected_components(graph, directed=False)
        sizes = np.bincount(labels)
        out: list[np.ndarray] = []
        for group in _group(labels, np.flatnonzero(sizes[labels] >= 2)):
            out.extend(_split(members[group], pair_p, params, forbidden, floor))
        return out
    # Distances 1 - p; pairs never compared or below the bar are 1; forbidden pairs are so far
    # apart that no average containing them can come under the cut.
    dist = np.ones((m, m))
    for x in range(m):
        a = int(members[x])
        for y in range(x + 1, m):
            b = int(members[y])
            key = (a, b) if a < b else (b, a)
            q = pair_p.get(key)
            if key in forbidden:
                dist[x, y] = dist[y, x] = 1e12
            elif q is not None:
                dist[x, y] = dist[y, x] = 1.0 - q
    np.fill_diagonal(dist, 0.0)
    condensed = dist[np.triu_indices(m, 1)]
    tree = linkage(condensed, method="average")
    labels = fcluster(tree, t=1.0 - params.cluster_probability, criterion="distance")
    groups = [members[g] for g in _group(labels, np.arange(m)) if len(g) >= 2]
    return [g for g in groups if len(g) > 2 or _pair_ok(g, pair_p, params, forbidden)]


def _pair_ok(
    members: np.ndarray,
    pair_p: dict[tuple[int, int], float],
    params: SeriesParams,
    forbidden: set[tuple[int, int]],
) -> bool:
    a, b = sorted((int(members[0]), int(members[1])))
    return (a, b) not in forbidden and pair_p.get((a, b), 0.0) >= params.pair_probability


# ---- the whole run -------------------------------------------------------------------------------------


def find_series(
    engine: Engine,
    actor: Actor,
    start: date | None = None,
    end: date | None = None,
    region: str | None = None,
    params: SeriesParams | None = None,
    involving: list[str] | None = None,
) -> SeriesResult:
    """Series among current incidents in [start, end] (and a state); audited as a search.

    `involving` keeps only series that contain one of those incident references.
    """
    audit.write(
        engine,
        actor,
        "search",
        {
            "what": "series",
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "region": region,
        },
    )
    incidents = load_incidents(engine, start, end, region)
    # Value frequencies from every incident when the run is narrowed (see Features).
    reference = load_incidents(engine) if (start or end or region) else None
    return series_of(incidents, current_decisions(engine), params, involving, reference=reference)


def series_of(
    incidents: list[Incident],
    decisions: dict[tuple[str, str], str] | None = None,
    params: SeriesParams | None = None,
    involving: list[str] | None = None,
    clock: Callable[[], float] | None = None,
    reference: list[Incident] | None = None,
) -> SeriesResult:
    """Series among the given incidents (no store access: the bench and tests call this directly)."""
    import time

    params = params or SeriesParams()
    clock = clock or time.perf_counter
    decisions = decisions or {}
    seconds: dict[str, float] = {}
    t0 = clock()
    f = Features(incidents, reference)
    seconds["features"] = clock() - t0
    t0 = clock()
    # Score slab by slab and keep only pairs that could matter: memory follows the links, not the
    # (possibly tens of millions of) compared pairs.
    floor = math.log2(_KEEP / (1 - _KEEP)) - params.prior_bits
    kept_i, kept_j, kept_bits = [], [], []
    compared = 0
    scoring = 0.0
    for ci, cj in pair_slabs(f.lat, f.lon, f.day, params.max_miles, params.max_days):
        compared += len(ci)
        s0 = clock()
        cb = pair_bits(f, incidents, ci, cj)
        keep = cb >= floor
        kept_i.append(ci[keep])
        kept_j.append(cj[keep])
        kept_bits.append(cb[keep].astype(float))
        scoring += clock() - s0
    i = np.concatenate(kept_i) if kept_i else np.empty(0, np.int64)
    j = np.concatenate(kept_j) if kept_j else np.empty(0, np.int64)
    bits = np.concatenate(kept_bits) if kept_bits else np.empty(0)
    p = probability(bits, params.prior_bits) if len(i) else np.zeros(0)
    seconds["scoring"] = scoring
    seconds["blocking"] = clock() - t0 - scoring
    t0 = clock()
    index = {inc.ref: k for k, inc in enumerate(incidents)}
    decided: dict[tuple[int, int], str] = {}
    for (left, right), decision in decisions.items():
        if left in index and right in index:
            a, b = index[left], index[right]
            decided[(min(a, b), max(a, b))] = decision
    if decided:
        i, j, bits, p = _apply_decisions(i, j, bits, p, decided)
    forbidden = {pair for pair, dec in decided.items() if dec == "not_same"}
    groups = _clusters(len(incidents), i, j, p, params, forbidden)
    seconds["clustering"] = clock() - t0
    t0 = clock()
    pair_at = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(i, j, strict=True))}
    plans = [_plan(f, g, p, pair_at, decided) for g in groups]
    # Reasons for every link of every series in one vectorised pass.
    all_links = np.asarray([k for _, _, links in plans for k in links], np.int64)
    reasons = explain(incidents, f, i[all_links], j[all_links]) if len(all_links) else []
    reasons_of = dict(zip(all_links.tolist(), reasons, strict=True))
    out = [
        _series(incidents, members, score, links, i, j, bits, p, reasons_of, decided)
        for members, score, links in plans
    ]
    if involving:
        wanted = set(involving)
        out = [s for s in out if wanted & set(s.refs)]
    out.sort(key=lambda s: (-s.score, -len(s.refs), s.series_id))
    seconds["reasons"] = clock() - t0
    return SeriesResult(out, len(incidents), compared, int(np.sum(p >= params.link_probability)), seconds)


def _apply_decisions(
    i: np.ndarray, j: np.ndarray, bits: np.ndarray, p: np.ndarray, decided: dict[tuple[int, int], str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pos = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(i, j, strict=True))}
    extra_i, extra_j = [], []
    p = p.copy()
    for (a, b), decision in decided.items():
        k = pos.get((a, b))
        if k is None:
            if decision == "same":  # confirmed outside the blocking window: add the pair
                extra_i.append(a)
                extra_j.append(b)
            continue
        p[k] = 1.0 if decision == "same" else 0.0
    if extra_i:
        i = np.concatenate([i, np.asarray(extra_i, i.dtype)])
        j = np.concatenate([j, np.asarray(extra_j, j.dtype)])
        bits = np.concatenate([bits, np.full(len(extra_i), np.nan)])
        p = np.concatenate([p, np.ones(len(extra_i))])
    return i, j, bits, p


def series_id_for(refs: list[str]) -> str:
    """Stable for the same first incident: an analyst's note on "SER-1a2b3c4d" keeps meaning it."""
    return "SER-" + hashlib.sha1(refs[0].encode()).hexdigest()[:8]


def _plan(
    f: Features,
    group: np.ndarray,
    p: np.ndarray,
    pair_at: dict[tuple[int, int], int],
    decided: dict[tuple[int, int], str],
) -> tuple[list[int], float, list[int]]:
    """Members in time order, the series score (mean pairwise probability) and its link pair indexes."""
    members = sorted((int(x) for x in group), key=lambda k: (f.day[k] if not np.isnan(f.day[k]) else 0, k))
    total, count = 0.0, 0
    link_idx: list[int] = []
    for x, a in enumerate(members):
        for b in members[x + 1 :]:
            key = (min(a, b), max(a, b))
            k = pair_at.get(key)
            count += 1
            if k is not None:
                total += float(p[k])
                if p[k] >= 0.5 or decided.get(key) == "same":
                    link_idx.append(k)
    return members, (total / count if count else 0.0), link_idx


def _series(
    incidents: list[Incident],
    members: list[int],
    score: float,
    link_idx: list[int],
    i: np.ndarray,
    j: np.ndarray,
    bits: np.ndarray,
    p: np.ndarray,
    reasons_of: dict[int, list[str]],
    decided: dict[tuple[int, int], str],
) -> Series:
    refs = [incidents[k].ref for k in members]
    links = []
    for k in link_idx:
        a, b = int(i[k]), int(j[k])
        decision = decided.get((a, b))
        reasons = reasons_of[k]
        if decision == "same":
            reasons = ["confirmed by an analyst", *reasons]
        links.append(
            Link(
                incidents[a].ref,
                incidents[b].ref,
                float(p[k]),
                float(bits[k]) if not np.isnan(bits[k]) else float("nan"),
                reasons,
                decision,
            )
        )
    links.sort(key=lambda link: -link.probability)
    chosen = [incidents[k] for k in members]
    located = [x for x in chosen if x.lat is not None and x.lon is not None]
    center = radius = None
    if located:
        center = (
            float(np.mean([x.lat for x in located])),
            float(np.mean([x.lon for x in located])),
        )
        radius = max(haversine_miles(center[0], center[1], x.lat, x.lon) for x in located)  # type: ignore[arg-type]
    dated = [x.at for x in chosen if x.at]
    return Series(
        series_id=series_id_for(refs),
        refs=refs,
        score=score,
        reasons=_summarise(chosen, links, radius),
        links=links,
        first=min(dated) if dated else None,
        last=max(dated) if dated else None,
        center=center,
        radius_mi=radius,
        incidents=chosen,
    )


def _summarise(chosen: list[Incident], links: list[Link], radius: float | None) -> list[str]:
    """What the incidents of a series share, in words an analyst can check against the reports."""
    n = len(chosen)
    out = []
    dated = sorted(x.at for x in chosen if x.at)
    if dated and radius is not None:
        span = (dated[-1] - dated[0]).total_seconds() / 86400
        out.append(f"{n} incidents within {radius:.1f} mi of their centre over {span:.0f} days")

    def common(label: str, values: list[str | None], minimum: int = 2) -> None:
        counts = Counter(v for v in values if v)
        if counts:
            value, k = counts.most_common(1)[0]
            if k >= minimum:
                out.append(f"{label} {value} in {k} of {n}")

    common("offender sex", [x.sex for x in chosen])
    common("offender race", [x.race.lower() if x.race else None for x in chosen])
    common("facial hair", [x.facial_hair.lower() if x.facial_hair else None for x in chosen])
    hair_fams = Counter(fam for x in chosen for fam in x.hair)
    if hair_fams and hair_fams.most_common(1)[0][1] >= 2:
        fam, k = hair_fams.most_common(1)[0]
        said = _said([x.hair_text for x in chosen if fam in x.hair])
        out.append(f"hair {fam.lower()} (as said: {said}) in {k} of {n}")
    ages = [(x.age_min, x.age_max) for x in chosen if x.age_min is not None and x.age_max is not None]
    if len(ages) >= 2:
        lo, hi = max(a for a, _ in ages), min(b for _, b in ages)
        if lo <= hi:
            out.append(f"offender age ranges all include {lo:g}-{hi:g}")
    colors = Counter(fam for x in chosen for fam in x.colors)
    if colors and colors.most_common(1)[0][1] >= 2:
        fam, k = colors.most_common(1)[0]
        said = _said([x.color_text for x in chosen if fam in x.colors])
        out.append(f"vehicle colour {fam.lower()} (as said: {said}) in {k} of {n}")
    common("vehicle make", [x.make for x in chosen])
    common("vehicle body", [x.body.lower() if x.body else None for x in chosen])
    plates = [x.plate for x in chosen if x.plate]
    if len(plates) >= 2:
        out.append(f"plates reported: {', '.join(plates)}")
    common("lure", [x.lure for x in chosen])
    common("child activity", [_act(x.activity) if x.activity else None for x in chosen])
    marks = [m.label for x in chosen for m in x.marks]
    if marks:
        out.append(f"marks seen: {'; '.join(sorted(set(marks)))}")
    confirmed = sum(1 for link in links if link.decision == "same")
    if confirmed:
        out.append(f"{confirmed} link(s) confirmed by an analyst")
    return out


def _said(values: list[str | None]) -> str:
    return "/".join(sorted({v.lower() for v in values if v}))


# ---- evaluation helpers (bench and tests) -----------------------------------------------------------


def pairwise_scores(predicted: list[list[str]], truth: list[list[str]]) -> tuple[float, float]:
    """Pairwise precision and recall of predicted groups against true groups."""

    def pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
        out = set()
        for g in groups:
            s = sorted(set(g))
            out.update((s[x], s[y]) for x in range(len(s)) for y in range(x + 1, len(s)))
        return out

    got, want = pairs(predicted), pairs(truth)
    tp = len(got & want)
    precision = tp / len(got) if got else 1.0
    recall = tp / len(want) if want else 1.0
    return precision, recall


def window(end: date, days: int) -> tuple[date, date]:
    return end - timedelta(days=days), end
