"""Per-block similarity of one query against every candidate, each in [0, 1].

All functions are vectorised over candidates and read only the fitted feature matrix and pair features,
so the explanation of a pair (matcher.explain) is computed from exactly what produced its score.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

TIER_MISMATCH = 0.5  # a region-level body with a city: possible, but usually a scale mismatch
CONNECTIVITY_PARTS = {"flight": 0.5, "ties": 0.3, "mission": 0.2}


@dataclass(frozen=True)
class ScaleParams:
    """Typical log10 population ratio (CN over GB) of real partner pairs, per tier pair, and its spread."""

    mu: dict[tuple[float, float], float]
    sigma: dict[tuple[float, float], float]
    mu_default: float = 0.8
    sigma_default: float = 0.5

    @cached_property
    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """mu, 1/sigma and tier-fit factor indexed [gb tier, cn tier] (0 city, 1 region-level body); built once."""
        mu = np.full((2, 2), self.mu_default)
        inv_sigma = np.full((2, 2), 1 / self.sigma_default)
        for (g, t), m in self.mu.items():
            mu[int(g), int(t)], inv_sigma[int(g), int(t)] = m, 1 / self.sigma[(g, t)]
        fit = np.array([[1.0, TIER_MISMATCH], [TIER_MISMATCH, 1.0]])
        return mu, inv_sigma, fit


def cosine(q: np.ndarray, C: np.ndarray) -> np.ndarray:
    qn = np.linalg.norm(q)
    cn = np.linalg.norm(C, axis=1)
    denom = qn * cn
    return np.divide(C @ q, denom, out=np.zeros(len(C)), where=denom > 0)


def ochiai(q: np.ndarray, C: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Binary cosine: shared tags over the geometric mean of tag counts; with `weights` (IDF), each tag
    counts by its weight, so a rare shared priority says more than one most places list."""
    w = np.ones(q.shape[-1]) if weights is None else weights
    return cosine((q > 0) * w, (C > 0) * w)


def cover(strengths: np.ndarray, needs: np.ndarray) -> np.ndarray:
    """Share of one side's needed sectors met by the other's strengths (row-wise)."""
    met = np.minimum(strengths, needs).sum(axis=1)
    total = needs.sum(axis=1)
    return np.divide(met, total, out=np.zeros(len(met)), where=total > 0)


def scale_kernel(log_ratio: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * ((log_ratio - mu) / sigma) ** 2)
