"""The ranking kernel: every block similarity of one query (or many) against a country's candidates.

Arrays are laid out once at fit time (`Side`), so a query costs one matrix-vector product over a stacked
matrix plus a few length-N vector operations, then `argpartition`: close to the floor of any linear
scorer. The three sector blocks are linear in a per-query vector because
- industry is a cosine: rows and query pre-divided by their norms;
- priorities is an IDF-weighted Ochiai (binary cosine) on the tags: the same, on the weighted tag columns;
- complementarity's "share of needs met" is min(strength, need) summed over sectors, and needs are 0/1
  with strengths in [0, 1], so min(s, n) == s * n exactly (checked at fit time).

`blocks()` returns the per-block similarities in float64 (what scores and explanations read); `top_exact()`
ranks one query from them (what answers use: a few thousand candidates at most, and a query's similarities
do not depend on the weights, so the served model keeps them per query). For much larger candidate sets,
`fused()` returns the weighted sum of the same terms in one pass over a float32 copy (half the memory
traffic), used only to choose which candidates to score block by block; `rank()` widens that choice by the
float32 rounding so the float64 scores alone decide the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matcher.model.scale import ScaleParams

if TYPE_CHECKING:  # the fit builds sides from a frame; serving loads them as arrays, without pandas
    import pandas as pd

# Connectivity counts ties between the two places only: a live partnership of one's parent or child with the
# other's family, and a route from the UK place's own airport. Reach every place shares (any airport within an
# hour, a consulate in the region) says nothing about this pair: it belongs to prominence.
CONNECTIVITY_PARTS = {"flight": 0.3, "ties": 0.7}

# The blocks that measure fit, in block order; each has a column in Side.hub and Side.hub_scale (the correction
# itself is applied to HUB_BLOCKS only). Prominence is a dial of its own and is never corrected.
FIT_BLOCKS = ("industry", "scale", "education", "student_links", "priorities", "connectivity", "complementarity")
# Education is a peer measure: the geometric mean of the two strengths (both strong counts most) times a Gaussian
# in their gap, this wide in percentile points. A product alone makes the strongest university cities every
# place's best match (Cambridge and a one-college town alike), which left the answer to reciprocity: the education
# preset then offered Cambridge the places for which it is the best UK match, places with one college. Universities
# at a similar level are what a committee can build a link on (peer institutions, comparable student numbers).
EDU_PEER_SD = 0.25

# The fit blocks a hub correction applies to. Education is left out: its similarity grows with each side's own
# strength, so a place's closeness to its best matches is mostly its own strength, and taking that off (or dividing
# by it) cancels the block or turns it upside down (centring offered Cambridge places with the weakest
# universities). The peer term above keeps it personal instead.
HUB_BLOCKS = tuple(b for b in FIT_BLOCKS if b != "education")

# Bound on |fused - exact| score: float32 products over <100 terms in [0, 1] err by < 1e-5.
FUSED_TOLERANCE = 1e-4


def _unit_rows(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)


@dataclass(frozen=True)
class Side:
    """One country's candidates as contiguous arrays, in the order of `ids`."""

    ids: np.ndarray
    linear: np.ndarray      # (N, 2*S + T + S): [industry/|industry| | tags/|tags| | needs/sum(needs) | industry]
    linear32: np.ndarray    # the same in float32: half the memory traffic for choosing the top k
    industry: np.ndarray    # (N, S) strengths in [0, 1]
    needs: np.ndarray       # (N, S) 0/1
    tags_unit: np.ndarray   # (N, T)
    edu_sqrt: np.ndarray    # (N,) sqrt of education strength
    log_pop: np.ndarray
    tier: np.ndarray        # (N,) 1 region-level body, 0 city or county-level place
    tier_idx: np.ndarray    # (N,) the same as small ints, for table look-ups
    tier3: np.ndarray       # (N,) 0 city, 1 region-level body, 2 Chinese county-level place
    prominence: np.ndarray  # (N,) the candidate prior scaled to [0, 1], for a query of another tier
    prominence_same: np.ndarray  # (N,) the same for a query of the candidate's own tier
    hub: np.ndarray         # (N, len(FIT_BLOCKS)) what is taken off each fit block for this place (hubness)
    hub_scale: np.ndarray   # (N, len(FIT_BLOCKS)) what each fit block is multiplied by for this place (hubness)

    @classmethod
    def from_features(cls, f: pd.DataFrame, industry_cols: list[str], tag_cols: list[str],
                      needs_cols: list[str], tag_weights: np.ndarray | None = None,
                      sector_weights: np.ndarray | None = None) -> Side:
        ind = f[industry_cols].to_numpy(float)
        needs = f[needs_cols].to_numpy(float)
        tags = (f[tag_cols].to_numpy(float) > 0).astype(float)
        if tag_weights is not None:  # rarer shared priorities say more than ones most places list
            tags = tags * tag_weights
        if ind.min(initial=0) < 0 or ind.max(initial=0) > 1 or not np.isin(needs, (0.0, 1.0)).all():
            raise ValueError("kernel needs industry strengths in [0, 1] and 0/1 needs (min == product)")
        n_needs = needs.sum(axis=1, keepdims=True)
        needs_share = np.divide(needs, n_needs, out=np.zeros_like(needs), where=n_needs > 0)
        # An industry mix borrowed from a parent area is a guess: its cosine counts at the block's confidence
        # (features.blocks.IndustryBlock; a cosine ignores magnitude, so the borrowed strength alone would not
        # discount it).
        confidence = f["industry__confidence"].to_numpy(float)[:, None]
        # Rare sectors (steel, oil, ceramics) say more about a match than ones most places have (tourism,
        # food): the cosine runs on IDF-weighted strengths, as the priorities block does on tags.
        weighted = ind * sector_weights if sector_weights is not None else ind
        linear = np.ascontiguousarray(np.hstack([_unit_rows(weighted) * confidence, _unit_rows(tags), needs_share,
                                                 ind]))
        tier = f["scale__tier"].to_numpy(float)
        if not np.isin(tier, (0.0, 1.0)).all():
            raise ValueError("kernel needs tiers 0 (city) or 1 (region-level body)")
        return cls(ids=f.index.to_numpy(), linear=linear, linear32=linear.astype(np.float32), industry=ind,
                   needs=needs, tags_unit=_unit_rows(tags),
                   edu_sqrt=np.sqrt(f["education__strength"].to_numpy(float)),
                   log_pop=f["scale__log_population"].to_numpy(float),
                   tier=tier, tier_idx=tier.astype(np.intp),
                   tier3=(tier + 2 * f["prominence__county_level"].to_numpy(float)).astype(np.intp),
                   prominence=np.zeros(len(f)), prominence_same=np.zeros(len(f)),
                   hub=np.zeros((len(f), len(FIT_BLOCKS))), hub_scale=np.ones((len(f), len(FIT_BLOCKS))))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_sectors(self) -> int:
        return self.industry.shape[1]

    def query(self, row: int | np.ndarray) -> Side:
        """Row(s) of this side as a query side (same arrays, sliced)."""
        rows = np.atleast_1d(row)
        return Side(**{k: getattr(self, k)[rows] for k in self.__dataclass_fields__})


@dataclass(frozen=True)
class PairRows:
    """Pair features of the queries (rows) against every candidate (columns), each in [0, 1]."""

    edu: np.ndarray
    flight: np.ndarray
    ties: np.ndarray
    mission: np.ndarray

    def columns(self, idx: np.ndarray) -> PairRows:
        return PairRows(self.edu[:, idx], self.flight[:, idx], self.ties[:, idx], self.mission[:, idx])

    def connectivity(self) -> np.ndarray:
        p = CONNECTIVITY_PARTS
        return p["flight"] * self.flight + p["ties"] * self.ties


def education(q_sqrt: np.ndarray, c_sqrt: np.ndarray) -> np.ndarray:
    """(Q, N) education fit from each side's sqrt strength: sqrt(e_q e_c) exp(-(e_q - e_c)^2 / (2 EDU_PEER_SD^2))."""
    out = np.subtract.outer(q_sqrt * q_sqrt, c_sqrt * c_sqrt)  # in place from here: one (Q, N) array, no temporaries
    out *= out
    out *= -0.5 / EDU_PEER_SD ** 2
    np.exp(out, out=out)
    out *= q_sqrt[:, None]
    out *= c_sqrt[None, :]
    return out


def _query_vectors(q: Side, w: dict[str, float]) -> np.ndarray:
    """(Q, linear width): each query's weights on the stacked linear columns.

    The query's own stacked row already holds what is needed, with the two complementarity parts swapped:
    its strengths meet the candidate's needs shares, its needs shares meet the candidate's strengths."""
    S, T = q.n_sectors, q.tags_unit.shape[1]
    swap = np.r_[0:S + T, 2 * S + T:3 * S + T, S + T:2 * S + T]
    scale = np.repeat([w["industry"], w["priorities"], 0.5 * w["complementarity"], 0.5 * w["complementarity"]],
                      [S, T, S, S])
    return q.linear[:, swap] * scale


def scale(q: Side, c: Side, params: ScaleParams, query_is_gb: bool) -> np.ndarray:
    """(Q, N) scale fit: the formula of matcher.model.scale.assess, vectorised (a test holds them equal)."""
    qi, ci = q.tier_idx[:, None], c.tier_idx[None, :]
    g, t = (qi, ci) if query_is_gb else (ci, qi)
    gb, cn = (q, c) if query_is_gb else (c, q)
    log_gb = gb.log_pop[:, None] if query_is_gb else gb.log_pop[None, :]
    log_cn = cn.log_pop[None, :] if query_is_gb else cn.log_pop[:, None]
    cn3 = c.tier3[None, :] if query_is_gb else q.tier3[:, None]
    county = np.where(cn3 == 2, min(params.county_factor, 1.0), 1.0)
    return np.exp(-0.5 * params.z2(log_gb, log_cn, g, t)) * params.tier_fit[g, t] * county


def prominence(q: Side, c: Side) -> np.ndarray:
    """(Q, N) the prominence block: the candidate's prior, with its same-tier term where tiers match."""
    same = q.tier3[:, None] == c.tier3[None, :]
    return np.where(same, c.prominence_same[None, :], c.prominence[None, :])


def fused(q: Side, c: Side, pairs: PairRows, w: dict[str, float], params: ScaleParams,
          query_is_gb: bool) -> np.ndarray:
    """(Q, N) scores sum_b w_b s_b / sum(w) in one pass; `w` must already be checked and complete."""
    total = sum(w.values())
    w = {b: v / total for b, v in w.items()}
    qv, cl = _query_vectors(q, w), c.linear32
    scaled = bool((q.hub_scale != 1).any() or (c.hub_scale != 1).any())
    if scaled:  # each linear block's columns times each side's factor: s(q, c) f(q) f(c) stays one product
        qv, cl = qv * _linear_factors(q), cl * _linear_factors(c).astype(np.float32)
    out = (qv.astype(np.float32) @ cl.T).astype(np.float64)

    def add(block: str, sims: np.ndarray) -> None:
        j = FIT_BLOCKS.index(block)
        out[...] += w[block] * (sims * np.outer(q.hub_scale[:, j], c.hub_scale[:, j]) if scaled else sims)

    if w["education"]:
        # float32 like the linear part: this path only chooses which candidates to score exactly.
        add("education", education(q.edu_sqrt.astype(np.float32), c.edu_sqrt.astype(np.float32)))
    if w["scale"]:
        add("scale", scale(q, c, params, query_is_gb))
    if w["student_links"]:
        add("student_links", pairs.edu)
    if w["connectivity"]:
        add("connectivity", pairs.connectivity())
    if w["prominence"]:
        out += w["prominence"] * prominence(q, c)
    wh = np.array([w[b] for b in FIT_BLOCKS])
    out -= (c.hub @ wh)[None, :]  # the candidates' hub terms only: the query's own is left out (`blocks`)
    return out


def blocks(q: Side, c: Side, pairs: PairRows, params: ScaleParams, query_is_gb: bool,
           corrected: bool = True) -> dict[str, np.ndarray]:
    """Per-block similarities (Q, N): what the explanations and contributions read. Raw, each is in [0, 1];
    `corrected` (the default, what scores use) scales every fit block by both sides' hub factors and takes the
    candidate's hub term off it. The query's own hub term is left out: it is the same for all of a query's
    candidates, so it could never reorder them (nor a candidate's own list, in which the candidate is the query),
    but taking it off pulled every score of a query close to many places below zero (under the smart-city
    preset, 16% of UK and 36% of Chinese queries' top-10 suggestions scored at or under 0)."""
    raw = raw_blocks(q, c, pairs, params, query_is_gb)
    if corrected:
        for j, b in enumerate(FIT_BLOCKS):
            raw[b] = raw[b] * (q.hub_scale[:, j][:, None] * c.hub_scale[:, j][None, :]) - c.hub[:, j][None, :]
    return raw


def _linear_factors(s: Side) -> np.ndarray:
    """(N, linear width): each place's hub factor of the block each stacked linear column belongs to
    (industry, priorities, then both complementarity halves)."""
    S, T = s.n_sectors, s.tags_unit.shape[1]
    cols = [FIT_BLOCKS.index(b) for b in ("industry", "priorities", "complementarity", "complementarity")]
    return np.repeat(s.hub_scale[:, cols], [S, T, S, S], axis=1)


def _neighbourhoods(gb: Side, cn: Side, pairs: PairRows, params: ScaleParams, live_gb: np.ndarray,
                    live_cn: np.ndarray, k: int):
    """Per hub-corrected block (HUB_BLOCKS; j its index in FIT_BLOCKS): r(g), each UK place's mean raw similarity
    to its k best live Chinese places, and r(c), each Chinese place's to its k best live UK places (k = 0: every
    place), with the live places' means."""
    raw = raw_blocks(gb, cn, pairs, params, True)
    k = int(k)
    kg = min(k, int(live_cn.sum())) if k > 0 else int(live_cn.sum())
    kc = min(k, int(live_gb.sum())) if k > 0 else int(live_gb.sum())
    for j, b in enumerate(FIT_BLOCKS):
        if b not in HUB_BLOCKS:
            continue
        m = raw[b]
        r_gb = -np.partition(-m[:, live_cn], kg - 1, axis=1)[:, :kg].mean(axis=1)
        r_cn = -np.partition(-m[live_gb, :], kc - 1, axis=0)[:kc, :].mean(axis=0)
        yield j, r_gb, r_gb[live_gb].mean(), r_cn, r_cn[live_cn].mean()


def hub_terms(gb: Side, cn: Side, pairs: PairRows, params: ScaleParams, live_gb: np.ndarray,
              live_cn: np.ndarray, strength: float, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Each place's hub term per fit block (0 outside HUB_BLOCKS), for Side.hub: (strength / 2) x (its mean similarity
    to its k best matches in the other country, minus the average of that over the places that can partner). k
    must be wide enough for smooth blocks (a city of the usual partner size has ten perfect scale matches, like
    every other city; what sets it apart is how many places it fits at all) and narrow enough for sparse ones (a
    tag held by a hundred places and one council); k = 0 takes the mean over every place of the other country.

    This is the cross-domain similarity local scaling (CSLS) of bilingual word retrieval, per block: a pair's
    corrected similarity is s(g, c) - strength/2 (r(g) + r(c)) + constants; the query's own term is the same for
    all its candidates, so a query's scores leave it out (`blocks`) and rank exactly as CSLS would. A
    place that is close to everything (a large hub city, a place with every priority tag) is pulled down by how
    close it is to its own best matches, so it ranks high only for places it fits better than it fits most; a
    place ranked first for a query must be among that place's own better matches (reciprocity). Centring by the
    average keeps an ordinary place's similarity where it was, and a place closer to the other country than
    average is the only kind corrected."""
    hub_gb, hub_cn = np.zeros((len(gb), len(FIT_BLOCKS))), np.zeros((len(cn), len(FIT_BLOCKS)))
    if strength == 0 or not live_gb.any() or not live_cn.any():
        return hub_gb, hub_cn
    for j, r_gb, mean_gb, r_cn, mean_cn in _neighbourhoods(gb, cn, pairs, params, live_gb, live_cn, k):
        # Only above-average closeness is taken off: raising a place that is close to nothing (a tiny island
        # council, a place with no data) would make it the new hub of every list.
        hub_gb[:, j] = strength / 2 * np.maximum(r_gb - mean_gb, 0.0)
        hub_cn[:, j] = strength / 2 * np.maximum(r_cn - mean_cn, 0.0)
    return hub_gb, hub_cn


def hub_scales(gb: Side, cn: Side, pairs: PairRows, params: ScaleParams, live_gb: np.ndarray,
               live_cn: np.ndarray, strength: float, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Each place's hub factor per fit block (1 outside HUB_BLOCKS), for Side.hub_scale: (mean / max(r, mean)) **
    (strength / 2), r as in `hub_terms`. A pair's corrected similarity is s(g, c) f(g) f(c), the same number from
    either side.

    This is the local scaling of hubness reduction (a similarity divided by each side's neighbourhood radius),
    kept to places closer to the other country than average. Unlike the centring of `hub_terms` it never turns a
    block negative: a block on which a query has no data (no priority tags, no links) scores 0 for every
    candidate, so it cannot reorder them; centring takes a rich candidate's hub term off even there. Which form
    serves is chosen on validation (matcher.model.evaluate.CHOICES)."""
    f_gb, f_cn = np.ones((len(gb), len(FIT_BLOCKS))), np.ones((len(cn), len(FIT_BLOCKS)))
    if strength == 0 or not live_gb.any() or not live_cn.any():
        return f_gb, f_cn
    for j, r_gb, mean_gb, r_cn, mean_cn in _neighbourhoods(gb, cn, pairs, params, live_gb, live_cn, k):
        if mean_gb > 0:
            f_gb[:, j] = (mean_gb / np.maximum(r_gb, mean_gb)) ** (strength / 2)
        if mean_cn > 0:
            f_cn[:, j] = (mean_cn / np.maximum(r_cn, mean_cn)) ** (strength / 2)
    return f_gb, f_cn


def raw_blocks(q: Side, c: Side, pairs: PairRows, params: ScaleParams, query_is_gb: bool) -> dict[str, np.ndarray]:
    """Per-block similarities (Q, N), each in [0, 1], before any hub correction."""
    S, T = q.n_sectors, q.tags_unit.shape[1]
    n_needs = q.needs.sum(axis=1)
    meets_query = np.divide(q.needs @ c.industry.T, n_needs[:, None], out=np.zeros((len(q), len(c))),
                            where=n_needs[:, None] > 0)
    return {
        "industry": q.linear[:, :S] @ c.linear[:, :S].T,
        "scale": scale(q, c, params, query_is_gb),
        "education": education(q.edu_sqrt, c.edu_sqrt),
        "student_links": pairs.edu,
        "priorities": q.tags_unit @ c.linear[:, S:S + T].T,
        "connectivity": pairs.connectivity(),
        "complementarity": 0.5 * (q.industry @ c.linear[:, S + T:2 * S + T].T + meets_query),
        "prominence": prominence(q, c),
    }


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k best scores (unordered), among `allowed` when given: O(N) argpartition."""
    if allowed is not None:
        idx = np.flatnonzero(allowed)
        if k >= len(idx):
            return idx
        return idx[np.argpartition(-scores[idx], k - 1)[:k]]
    if k >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(-scores, k - 1)[:k]


def contributions(sims: dict[str, np.ndarray], w: dict[str, float]) -> np.ndarray:
    """w_b * s_b / sum(w), stacked on a last axis in the order of `w`: the one place a weight turns into a
    score. A score is the sum of its contributions over that axis (`total`)."""
    total = sum(w.values())
    return np.stack([sims[b] * (v / total) for b, v in w.items()], axis=-1)


def total(contrib: np.ndarray) -> np.ndarray:
    """Scores from contributions: added in block order, one block at a time. That is, to the last bit, the
    sum an answer reports (Python's sum() of its contributions), so the order never disagrees with the
    scores shown; numpy's .sum(axis=-1) adds pairwise and can differ in the last bit."""
    out = contrib[..., 0].copy()
    for j in range(1, contrib.shape[-1]):
        out += contrib[..., j]
    return out


def scores(sims: dict[str, np.ndarray], w: dict[str, float]) -> np.ndarray:
    """total(contributions(sims, w)) without stacking them: the same products, added in the same order."""
    t = sum(w.values())
    (first, v), *rest = w.items()
    out = sims[first] * (v / t)
    for b, v in rest:
        out += sims[b] * (v / t)
    return out


def top_exact(sims: dict[str, np.ndarray], w: dict[str, float], ids: np.ndarray, k: int,
              allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One query's top k from its exact block similarities against every candidate: positions, best first
    (exact ties by id), and their (k x blocks) contributions, whose sums are the scores that ordered them."""
    score = scores(sims, w)
    pick = top_k(score, k, allowed)
    if len(pick):  # everything tied with the k-th joins, so ties are decided by id, never by argpartition
        near = score >= score[pick].min()
        pick = np.flatnonzero(near if allowed is None else near & allowed)
    pick = pick[np.lexsort((ids[pick], -score[pick]))[:k]]
    return pick, contributions({b: sims[b][pick] for b in w}, w)


def top_by_total(contrib: np.ndarray, ids: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Positions of the k best candidates by the sum of their contributions (`total`), best first, exact ties
    by id: the order never disagrees with the scores an answer reports."""
    score = total(contrib)
    pick = top_k(score, k, allowed)
    if len(pick):  # everything tied with the k-th joins, so ties are decided by id, never by argpartition
        near = score >= score[pick].min()
        pick = np.flatnonzero(near if allowed is None else near & allowed)
    return pick[np.lexsort((ids[pick], -score[pick]))[:k]]


def rank(q: Side, c: Side, pairs: PairRows, w: dict[str, float], params: ScaleParams, query_is_gb: bool,
         k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One query's top k: candidate positions, best first, and their (k x blocks) contributions.

    The fused scores pick the top k in O(N); only those, and anything within rounding of the k-th, are
    scored block by block, and the order is by the sum of the contributions (the reported score), then id.
    """
    fused_ = fused(q, c, pairs, w, params, query_is_gb)[0]
    pick = top_k(fused_, k, allowed)
    if len(pick):
        # Everything within the fused scores' rounding (float32) of the k-th joins, so the exact
        # float64 scores decide the order and exact ties go by id, never by chance.
        near = fused_ >= fused_[pick].min() - FUSED_TOLERANCE
        pick = np.flatnonzero(near if allowed is None else near & allowed)
    contrib = contributions(blocks(q, c.query(pick), pairs.columns(pick), params, query_is_gb), w)[0]
    order = np.lexsort((c.ids[pick], -total(contrib)))[:k]
    return pick[order], contrib[order]
