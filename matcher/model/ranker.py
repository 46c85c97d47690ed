"""What is learned from partnership history: a candidate prior ("prominence") and the block weights.

Both are conditional logits: for each real pair (UK query q, Chinese partner c) the model is asked to pick c
out of every candidate q could have chosen (its other partners left out), with probability
softmax(score). With ~50-100 positives this is the classic discrete-choice fit: few parameters, an L2 penalty,
and one softmax per pair. Two stages keep fit and prominence apart:

1. **Prominence** uses candidate attributes only (size, tier, capital status, universities, flights, missions,
   partners already held): it is the strongest prior that knows nothing about the query, and a baseline
   of its own (`candidate_prior` in the evaluation).
2. **Weights**: the score is sum_b w_b s_b over the block similarities, prominence included; the w_b are
   fitted non-negative, so the learned score keeps the additive form analysts tune with sliders, and a
   weight still means "more of this block".

Every training pair is described as of its own signing year (see PartnerMatcher.snapshot), so the
model learns from what was visible when the choice was made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRIOR_FEATURES = ["log_population", "population_missing", "log_gdp", "gdp_missing", "region_level",
                  "county_level", "capital", "education", "education_missing", "hosts_mission", "direct_flight",
                  "partners_held", "foreign_partners"]


@dataclass(frozen=True)
class Choice:
    """One training pair: the candidates' features (n x d), the position of the real partner, and an
    optional fixed part of each candidate's score (an offset the coefficients add to)."""

    X: np.ndarray
    positive: int
    offset: np.ndarray | None = None


def _loss(beta: np.ndarray, choices: list[Choice], l2: float) -> tuple[float, np.ndarray]:
    total, grad = 0.0, np.zeros_like(beta)
    for ch in choices:
        s = ch.X @ beta if ch.offset is None else ch.X @ beta + ch.offset
        top = s.max()
        e = np.exp(s - top)
        z = e.sum()
        total += top + np.log(z) - s[ch.positive]  # log-sum-exp minus the partner's score
        grad += (e / z) @ ch.X - ch.X[ch.positive]
    n = max(len(choices), 1)
    return total / n + 0.5 * l2 * beta @ beta, grad / n + l2 * beta


def fit_conditional_logit(choices: list[Choice], l2: float = 1.0, nonnegative: bool = False) -> np.ndarray:
    """Coefficients maximising the mean log-probability of each real partner among its candidates."""
    d = choices[0].X.shape[1]
    bounds = [(0.0, None)] * d if nonnegative else None
    from scipy.optimize import minimize  # training only: serving reads fitted priors, never fits

    res = minimize(_loss, np.zeros(d), args=(choices, l2), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x


@dataclass(frozen=True)
class Prior:
    """Prominence: a linear logit over standardised candidate attributes, squashed to [0, 1] by the logit
    range seen at fit time (a monotone map: the order is the logit's).

    It is fitted with one query-dependent column, "same tier as the query" (`tier_coef`), so the
    attribute coefficients are not confounded by tier; the prominence block itself is the candidate-only
    part (the scale block already scores tier fit)."""

    mean: np.ndarray
    std: np.ndarray
    coef: np.ndarray
    lo: float
    hi: float
    n_pairs: int
    tier_coef: float = 0.0

    def logit(self, A: np.ndarray) -> np.ndarray:
        return ((A - self.mean) / self.std) @ self.coef

    def scaled(self, A: np.ndarray, same_tier: bool = False) -> np.ndarray:
        """The logit (plus the same-tier term when asked) mapped onto [0, 1] by the range seen at fit."""
        raw = self.logit(A) + (self.tier_coef if same_tier else 0.0)
        return np.clip((raw - self.lo) / max(self.hi - self.lo, 1e-9), 0.0, 1.0)

    def standardised(self, a: np.ndarray) -> dict[str, float]:
        """One candidate's attributes as z-scores against the training candidates."""
        return dict(zip(PRIOR_FEATURES, ((a - self.mean) / self.std).tolist(), strict=True))

    def contributions(self, a: np.ndarray) -> dict[str, float]:
        """Each attribute's share of one candidate's logit (relative to an average candidate)."""
        z = (a - self.mean) / self.std
        return dict(zip(PRIOR_FEATURES, (z * self.coef).tolist(), strict=True))


def fit_prior(attribute_sets: list[tuple[np.ndarray, np.ndarray, int]], reference: np.ndarray,
              l2: float = 1.0) -> Prior | None:
    """`attribute_sets`: per training pair, the candidates' attributes as of its year, whether each is of
    the query's tier, and the partner's position; `reference`: attributes of today's candidates, whose
    logit range fixes the [0, 1] scale."""
    if len(attribute_sets) < 3:
        return None
    pooled = np.vstack([A for A, _, _ in attribute_sets])
    mean = pooled.mean(axis=0)
    std = pooled.std(axis=0)
    std[std == 0] = 1.0
    choices = [Choice(np.column_stack([(A - mean) / std, same]), pos) for A, same, pos in attribute_sets]
    coef = fit_conditional_logit(choices, l2=l2)
    logits = ((reference - mean) / std) @ coef[:-1]
    both = np.concatenate([logits, logits + coef[-1]])
    lo, hi = both.min(), both.max()
    return Prior(mean=mean, std=std, coef=coef[:-1], lo=float(lo), hi=float(hi), n_pairs=len(attribute_sets),
                 tier_coef=float(coef[-1]))


def fit_block_weights(choices: list[Choice], names: list[str], l2: float = 0.1, total: float = 10.0,
                      fixed: tuple[str, float] | None = None) -> dict[str, float] | None:
    """Non-negative block weights from the choices (columns = block similarities in `names` order), scaled
    to sum to `total` so they read like the hand-set ones. Ranking is unchanged by that scaling.

    `fixed = (block, weight)` holds one block's weight where its own fit put it (prominence: the prior's
    logit range), and the others are learned on top of it. Then the L2 penalty shrinks the fit blocks
    towards "the prior alone" rather than shrinking the prior itself, so a block gets weight only where it
    ranks real partners above what prominence already explains."""
    if len(choices) < 3:
        return None
    if fixed is None:
        beta = fit_conditional_logit(choices, l2=l2, nonnegative=True)
    else:
        j = names.index(fixed[0])
        rest = [i for i in range(len(names)) if i != j]
        inner = [Choice(c.X[:, rest], c.positive, fixed[1] * c.X[:, j]) for c in choices]
        beta = np.insert(fit_conditional_logit(inner, l2=l2, nonnegative=True), j, fixed[1])
    if beta.sum() <= 0:
        return None
    # Two decimals: what a slider (step 0.01) can show and send back exactly.
    return {b: round(float(v / beta.sum() * total), 2) for b, v in zip(names, beta, strict=True)}
