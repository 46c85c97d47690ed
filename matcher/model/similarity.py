"""Per-block similarity of one query against every candidate, each in [0, 1].

All functions are vectorised over candidates and read only the fitted feature matrix and pair features,
so the explanation of a pair (matcher.answers.explain) is computed from exactly what produced its score.
"""

from __future__ import annotations

import numpy as np


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
