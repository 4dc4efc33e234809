"""The Fellegi-Sunter model: m and u probabilities per comparison level, trained without labels.

u (how often a level occurs between two *different* people) comes from random pairs; m (how often
it occurs between two records of the *same* person) and the prior are fitted by expectation-
maximisation on the blocked candidate pairs - the approach Splink takes, here over comparison
vectors computed in process so that one model serves batch resolution and millisecond queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from vigil.resolve.compare import COMPARISONS

# Informative priors, not learned: EM on a store full of fathers and sons with one name at one
# address would otherwise learn that a generation apart is what matches look like (Splink's
# fix_m_probabilities plays the same role).
FIXED_M: dict[str, dict[str, float]] = {
    "dob": {"different": 0.03, "decade_apart": 0.002},
    "generation": {"conflict": 0.003},
    # Housemates share a surname, a landline and an address: without these, EM learns from them that
    # a different SSN or sex is no evidence against a match.
    "ssn": {"different": 0.01},
    "sex": {"different": 0.005},
}


@dataclass
class Model:
    m: list[list[float]]
    u: list[list[float]]
    prior: float  # probability that a candidate pair is a match, before looking at it
    threshold: float = 0.99  # match probability at or above which two parties are joined
    iterations: int = 0

    def __post_init__(self) -> None:
        self._bits = [np.log2(np.asarray(m) / np.asarray(u)) for m, u in zip(self.m, self.u, strict=True)]
        self._prior_bits = math.log2(self.prior / (1 - self.prior))
        # Plain floats for scoring one pair at a time (a quick-hit scores millions): numpy scalars
        # cost more to index and add than the arithmetic itself.
        self._bits_py = [[float(b) for b in bits] for bits in self._bits]

    def level_bits(self, comparison: int, level: int) -> float:
        return 0.0 if level < 0 else self._bits_py[comparison][level]

    def weight(self, g: list[int]) -> float:
        total = self._prior_bits
        for bits, level in zip(self._bits_py, g, strict=True):
            if level >= 0:
                total += bits[level]
        return total

    def weights(self, gammas: np.ndarray) -> np.ndarray:
        """Match weight (bits) of each row of a gamma matrix."""
        total = np.full(len(gammas), self._prior_bits)
        for k, bits in enumerate(self._bits):
            column = gammas[:, k]
            known = column >= 0
            total[known] += bits[column[known]]
        return total

    @staticmethod
    def probability(weight: float | np.ndarray) -> Any:
        return (
            1.0 / (1.0 + np.power(2.0, -np.asarray(weight)))
            if isinstance(weight, np.ndarray)
            else (1.0 / (1.0 + 2.0 ** (-weight)))
        )

    def evidence(self, g: list[int]) -> list[dict[str, Any]]:
        """Per comparison: the level reached and its weight in bits (the waterfall's bars)."""
        rows: list[dict[str, Any]] = [{"field": "prior", "level": "", "weight": round(self._prior_bits, 3)}]
        for k, comparison in enumerate(COMPARISONS):
            level = g[k]
            rows.append(
                {
                    "field": comparison.name,
                    "level": "no data" if level < 0 else comparison.levels[level],
                    "weight": round(self.level_bits(k, level), 3),
                }
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "m": self.m,
            "u": self.u,
            "prior": self.prior,
            "threshold": self.threshold,
            "iterations": self.iterations,
            "comparisons": [[c.name, list(c.levels)] for c in COMPARISONS],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        expected = [[c.name, list(c.levels)] for c in COMPARISONS]
        if data.get("comparisons") != expected:
            raise ValueError(
                "the stored model was trained with other comparisons; run `vigil resolve --full`"
            )
        return cls(
            m=data["m"],
            u=data["u"],
            prior=data["prior"],
            threshold=data["threshold"],
            iterations=data.get("iterations", 0),
        )


def level_frequencies(gammas: np.ndarray, weights: np.ndarray | None = None) -> list[list[float]]:
    """Smoothed share of each level per comparison among rows with data (weighted rows for EM)."""
    out = []
    for k, comparison in enumerate(COMPARISONS):
        column = gammas[:, k]
        known = column >= 0
        w = None if weights is None else weights[known]
        counts = np.bincount(column[known], weights=w, minlength=len(comparison.levels)).astype(float)
        counts += 0.5  # Laplace-style smoothing: no level is ever impossible
        out.append((counts / counts.sum()).tolist())
    return out


def _fix_m(m: list[list[float]]) -> list[list[float]]:
    out = []
    for comparison, levels in zip(COMPARISONS, m, strict=True):
        fixed = {comparison.levels.index(k): v for k, v in FIXED_M.get(comparison.name, {}).items()}
        if not fixed:
            out.append(levels)
            continue
        free = sum(p for i, p in enumerate(levels) if i not in fixed)
        scale = (1 - sum(fixed.values())) / free if free else 0.0
        out.append([fixed.get(i, p * scale) for i, p in enumerate(levels)])
    return out


def _initial_m() -> list[list[float]]:
    out = []
    for comparison in COMPARISONS:
        n = len(comparison.levels)
        raw = np.array([0.8 * (0.3**i) for i in range(n - 1)] + [0.02])
        out.append((raw / raw.sum()).tolist())
    return _fix_m(out)


def train(
    candidates: np.ndarray,
    random_pairs: np.ndarray,
    total_pairs: float,
    iterations: int = 40,
    threshold: float = 0.9,
    prior: float = 0.1,
) -> Model:
    """EM for m and the prior on candidate pairs; u from random pairs (fixed, as in Splink).

    EM runs among candidates, where matches are common. The returned model's prior is the chance
    that two parties drawn from *all* pairs match (expected matches / total_pairs): sharing a
    blocking key is not evidence of its own, or a shared phone would be counted twice.
    """
    u = level_frequencies(random_pairs)
    model = Model(m=_initial_m(), u=u, prior=prior, threshold=threshold)
    for i in range(iterations):
        p = model.probability(model.weights(candidates))
        new_prior = float(np.clip(p.mean(), 1e-4, 0.99))
        new_m = _fix_m(level_frequencies(candidates, p))
        change = abs(new_prior - model.prior) + max(
            float(np.abs(np.asarray(a) - np.asarray(b)).max()) for a, b in zip(new_m, model.m, strict=True)
        )
        model = Model(m=new_m, u=u, prior=new_prior, threshold=threshold, iterations=i + 1)
        if change < 1e-5:
            break
    expected_matches = model.prior * len(candidates)
    global_prior = float(np.clip(expected_matches / max(total_pairs, 1.0), 1e-12, 0.5))
    return Model(m=model.m, u=u, prior=global_prior, threshold=threshold, iterations=model.iterations)
