"""How personal a recommender's lists are: a list that everyone gets is broken, however well it predicts history.

Three numbers over a set of queries' top-k lists (numpy only, so the served model and the evaluation share them):
- mean Jaccard of two different queries' lists (0: nothing in common; 1: the same list for everyone);
- max share: the largest share of queries whose list holds any one candidate;
- distinct: how many candidates appear in some list.
"""

from __future__ import annotations

import numpy as np

# The limits a served weighting must keep (issue 17): lists that share at most 15% on average, and no candidate
# in more than 15% of them. Choices made at build time keep a margin below them, so a small change in the data
# does not tip the served default over.
LIMIT = 0.15
MARGIN = 0.03


def top_lists(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """(Q, k) column indices of each row's k best scores among `allowed` columns (ties by position)."""
    s = scores if allowed is None else np.where(allowed[None, :], scores, -np.inf)
    k = min(k, s.shape[1] if allowed is None else int(allowed.sum()))
    part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(-s, part, axis=1).argsort(axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def personalisation(lists: np.ndarray, n_candidates: int) -> dict[str, float | int]:
    """mean_jaccard, max_share and distinct of (Q, k) candidate-index lists."""
    q = len(lists)
    if q == 0:
        return {"mean_jaccard": 0.0, "max_share": 0.0, "distinct": 0}
    member = np.zeros((q, n_candidates), dtype=np.float64)
    np.put_along_axis(member, lists, 1.0, axis=1)
    sizes = member.sum(axis=1)
    inter = member @ member.T
    union = sizes[:, None] + sizes[None, :] - inter
    jac = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    off = ~np.eye(q, dtype=bool)
    held = member.sum(axis=0)
    return {"mean_jaccard": float(jac[off].mean()) if q > 1 else 0.0,
            "max_share": float(held.max() / q),
            "distinct": int((held > 0).sum())}


def carried_share(part: np.ndarray, total: np.ndarray) -> np.ndarray:
    """The share of each score `total` that its `part` carries, within [0, 1]; 1 where the total is not positive
    (nothing else carries it). How much of a served result prominence carries, read by the estimator's dial
    (Scorer.prominence_share) and by the audit alike."""
    share = np.divide(part, total, out=np.ones_like(part, dtype=float), where=total > 0)
    return np.clip(share, 0.0, 1.0)


def within_limits(p: dict, limit: float = LIMIT) -> bool:
    return p["mean_jaccard"] <= limit and p["max_share"] <= limit
