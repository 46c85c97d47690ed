"""The answer model: everything ranking and explaining read, as numpy arrays and plain lookups.

`Scorer` is the one implementation of "rank a query's counterparts": the fitted estimator (training,
evaluation) and the `AnswerModel` loaded from the serving artifact both inherit it, so the service answers
with the very code the evaluation measured. Nothing here imports pandas or scikit-learn: the service loads
an `AnswerModel` without them (matcher.artifact.store).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from features.pair_types import PairFeatures
from matcher.config import check_weights
from matcher.model import kernel
from matcher.model.personalisation import carried_share, top_lists
from matcher.model.ranker import PRIOR_FEATURES, Prior
from matcher.model.scale import ScaleParams


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on candidates; exclusions are explicit and tested, never silent."""

    levels: tuple[str, ...] = ()
    within: str | None = None            # a parent id: only candidates inside it (e.g. a province)
    exclude_partners: bool = False
    pop_ratio: tuple[float, float] | None = None  # candidate/query population ratio range
    only: tuple[str, ...] = ()           # rank just these candidate ids (compare)
    include_sensitive: bool = False      # let NSI-sensitive shared sectors count towards industry fit


def other_country(country: str) -> str:
    return "CN" if country == "GB" else "GB"


BLOCKS = (*kernel.FIT_BLOCKS, "prominence")  # the cube's block axis: block_names() order (a test holds them equal)
# Scores closer than this are a tie in a mutual rank: the same weights scaled by a constant give the same scores
# only to rounding, and a rounding difference must not move a place past its equal in a candidate's list.
TIE = 1e-9
GATE = 0.25     # what is left of a candidate's score beyond its own `reciprocity_top` best places
# Float32 base scores within this of the query's own are compared again in float64 (mutual ranks): float32
# sums of eight terms of size <= ~2 err by < 1e-6, so an order read outside the band is the float64 one.
EXACT_BAND = 1e-5
BASE_CACHE = 8  # weightings whose all-pairs base scores are kept (an analyst's last few slider positions)

# Beyond this many candidates a query's top k is chosen by the fused float32 pass first (kernel.rank); up to
# it, from the exact similarities, which cost less than the two passes at this size.
EXACT_UP_TO = 5000


class Scorer:
    """Ranking over the kernel's arrays. Reads: `records_` (id -> record with "country"), `ids_`, `pos_`,
    `sides_`/`sides_sensitive_` (kernel.Side per country), `pairs_`, `scale_params_`, `live_` (candidates
    that can sign, per country), `levels_`/`parents_` (per country, in candidate order), `partners_` (id ->
    ids it is partnered with) and `partnership_map_` ((uk, cn) -> the earliest partnership)."""

    # What a subclass provides (AnswerModel's fields, PartnerMatcher's fitted state): declared for the checker.
    records_: dict[str, dict]
    ids_: dict[str, list[str]]
    pos_: dict[str, dict[str, int]]
    sides_: dict[str, kernel.Side]
    sides_sensitive_: dict[str, kernel.Side]
    pairs_: PairFeatures
    scale_params_: ScaleParams
    live_: dict[str, np.ndarray]
    levels_: dict[str, np.ndarray]
    parents_: dict[str, np.ndarray]
    partners_: Mapping[str, Collection[str]]
    partnership_map_: dict[tuple[str, str], dict]
    priors_: dict[str, Prior | None]
    attributes: Callable[[str], np.ndarray]
    # Computed from the above on first use (`_fresh_caches` empties them).
    _cube_cache: dict
    _cube32_cache: dict
    _base_cache: OrderedDict
    _base32_cache: OrderedDict
    _mutual_cache: OrderedDict

    def country_of(self, locality_id: str) -> str:
        return self.records_[locality_id]["country"]

    def other(self, locality_id: str) -> str:
        """The country whose places are `locality_id`'s candidates."""
        return other_country(self.country_of(locality_id))

    def _sides(self, queries: list[str], sensitive: bool = False
               ) -> tuple[kernel.Side, kernel.Side, kernel.PairRows, bool]:
        """Query rows, the other country's candidates, and the queries' pair-feature rows."""
        sides = self.sides_sensitive_ if sensitive else self.sides_
        qc = self.country_of(queries[0])
        rows = np.array([self.pos_[qc][q] for q in queries])
        pick = (lambda m: m[rows, :]) if qc == "GB" else (lambda m: m[:, rows].T)
        pairs = kernel.PairRows(edu=pick(self.pairs_.edu), flight=pick(self.pairs_.flight),
                                ties=pick(self.pairs_.ties), mission=pick(self.pairs_.mission))
        return sides[qc].query(rows), sides[other_country(qc)], pairs, qc == "GB"

    def similarities(self, query: str, sensitive: bool = False) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Every block's (hub-corrected) similarity of `query` against each candidate (block -> (N,)), and the
        candidate ids: a row of the all-pairs cube (`_cube`), read-only."""
        cube, prom_rev = self._cube(sensitive)
        i = self.pos_[self.country_of(query)][query]
        if self.country_of(query) == "GB":
            rows = {b: cube[j, i, :] for j, b in enumerate(BLOCKS)}
        else:  # the cube's fit planes take the Chinese side's hub terms off: swap in the UK candidates'
            hub_gb, hub_cn = self._hubs(sensitive)
            rows = {b: cube[j, :, i] + (hub_cn[i, j] - hub_gb[:, j]) for j, b in enumerate(kernel.FIT_BLOCKS)}
            rows["prominence"] = prom_rev[:, i]
            for v in rows.values():
                v.flags.writeable = False
        return rows, self.sides_[self.other(query)].ids

    def _hubs(self, sensitive: bool) -> tuple[np.ndarray, np.ndarray]:
        """(GB, FIT_BLOCKS) and (CN, FIT_BLOCKS) hub terms (kernel.Side.hub; zero under local scaling)."""
        sides = self.sides_sensitive_ if sensitive else self.sides_
        return sides["GB"].hub, sides["CN"].hub

    def _cube(self, sensitive: bool) -> tuple[np.ndarray, np.ndarray]:
        """(blocks, GB, CN) similarities of every pair, hub-corrected, for UK queries (less the Chinese
        candidates' hub terms, kernel.blocks); and the prominence plane
        for Chinese queries (UK candidates' prominence), (GB, CN). Built once per model (~20 MB): every
        answer, mutual rank and reciprocity reads it."""
        cache = self.__dict__.setdefault("_cube_cache", {})
        hit = cache.get(sensitive)
        if hit is None:
            sides = self.sides_sensitive_ if sensitive else self.sides_
            p = self.pairs_
            pairs = kernel.PairRows(edu=p.edu, flight=p.flight, ties=p.ties, mission=p.mission)
            sims = kernel.blocks(sides["GB"], sides["CN"], pairs, self.scale_params_, True)
            cube = np.stack([sims[b] for b in BLOCKS])
            prom_rev = kernel.prominence(sides["CN"], sides["GB"]).T.copy()
            cube.flags.writeable = prom_rev.flags.writeable = False
            hit = cache[sensitive] = (cube, prom_rev)
        return hit

    def base_scores(self, weights: dict[str, float], query_country: str, sensitive: bool = False) -> np.ndarray:
        """(GB, CN) fit-and-prominence scores before reciprocity, for queries of `query_country` (entry [g, c]
        is the score of the pair in that direction: prominence is the candidate's). Kept per weighting."""
        w = check_weights(weights)

        return self._kept("_base_cache", (tuple(w.values()), query_country, sensitive),
                          lambda: self._weighted(self._cube(sensitive), self._coef(w), query_country, sensitive))

    def _weighted(self, cube_and_prom: tuple[np.ndarray, np.ndarray], coef: np.ndarray, query_country: str,
                  sensitive: bool) -> np.ndarray:
        """(GB, CN) base scores from the cube (float64 or its float32 copy, whose dtype the result keeps) and the
        normalised weights `coef`, for queries of `query_country`."""
        # One pass over the stacked planes (half the time of adding them plane by plane, which every
        # fresh-weights answer pays for its mutual ranks). einsum, not a BLAS product: BLAS would run it on
        # every core and leave its threads spinning, which under load cost the server more CPU than it saved.
        # The sum's order differs from kernel.total's in the last bit; these scores only rank places against
        # each other (mutual ranks, within TIE), never stand beside an answer's reported score.
        cube, prom_rev = cube_and_prom
        coef = coef.astype(cube.dtype)
        if query_country == "GB":
            return np.einsum("b,bgc->gc", coef, cube)
        out = np.einsum("b,bgc->gc", coef[:-1], cube[:-1])  # prominence is the last plane: the other side's
        out += coef[-1] * prom_rev
        hub_gb, hub_cn = self._hubs(sensitive)  # candidates are UK places: their hub terms, not the query's
        out += (hub_cn @ coef[:-1]).astype(cube.dtype)[None, :]
        out -= (hub_gb @ coef[:-1]).astype(cube.dtype)[:, None]
        return out

    def _fresh_caches(self) -> None:
        """New, empty caches of everything computed from the sides and pair tables (the cubes, base scores and
        mutual ranks, float64 and float32): to call whenever those change. New dicts, never cleared in place: a
        snapshot is a shallow copy and must not share its parent's."""
        self._cube_cache, self._cube32_cache = {}, {}
        self._base_cache, self._base32_cache, self._mutual_cache = OrderedDict(), OrderedDict(), OrderedDict()

    def _kept(self, name: str, key: tuple, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """`compute()`, kept read-only in the cache `name` for the last BASE_CACHE keys."""
        cache = self.__dict__.setdefault(name, OrderedDict())
        hit = cache.get(key)
        if hit is None:
            hit = compute()
            hit.flags.writeable = False
            cache[key] = hit
            while len(cache) > BASE_CACHE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return hit

    def mutual_all(self, query: str, weights: dict[str, float], sensitive: bool = False) -> np.ndarray:
        """Where `query` stands in each candidate's own list (1 = its best match), for every candidate: the
        places of the query's country that can partner and score above it in that candidate's base scores,
        plus those tied with it (within TIE) whose id comes first. Reciprocity and the `mutual_rank` column read
        this. Kept for the last few (query, weights): an answer reads it twice (scores, then its column), and it
        was half of an uncached answer's time."""
        w = check_weights(weights)
        return self._kept("_mutual_cache", (query, tuple(w.values()), sensitive),
                          lambda: self._mutual_all(query, w, sensitive))

    def _mutual_all(self, query: str, weights: dict[str, float], sensitive: bool) -> np.ndarray:
        # Compared in float32 (half the memory traffic of the all-pairs pass every fresh weighting pays for);
        # the entries within float32 rounding of the query's own score are decided again in float64, so the
        # ranks are those of the float64 base scores (ties within TIE broken by id).
        qc = self.country_of(query)
        i = self.pos_[qc][query]
        live, ids = self.live_[qc], self.sides_[qc].ids
        direction = other_country(qc)  # the candidates' own lists: base scores of queries of their country
        theirs = self._base32(weights, direction, sensitive)
        # Rows: places of the query's country; columns: the candidates, each column its own list.
        lists = theirs if qc == "GB" else theirs.T
        diff = lists - lists[i][None, :]
        keep = live[:, None]
        ahead = np.count_nonzero((diff > EXACT_BAND) & keep, axis=0)
        rows, cols = np.nonzero((np.abs(diff) <= EXACT_BAND) & keep)
        rows, cols = rows[rows != i], cols[rows != i]
        me = np.full(len(rows), i)
        g, c, g_me, c_me = (rows, cols, me, cols) if qc == "GB" else (cols, rows, cols, me)
        exact = self._base_at(weights, direction, g, c, sensitive)
        mine = self._base_at(weights, direction, g_me, c_me, sensitive)
        ahead = ahead + np.bincount(cols[exact > mine + TIE], minlength=lists.shape[1])
        tied = np.bincount(cols[(np.abs(exact - mine) <= TIE) & (ids[rows] < query)], minlength=lists.shape[1])
        return ahead + tied + 1

    def _coef(self, weights: dict[str, float]) -> np.ndarray:
        t = sum(weights.values())
        return np.array([weights[b] / t for b in BLOCKS])

    def _base_at(self, weights: dict[str, float], direction: str, g: np.ndarray, c: np.ndarray,
                 sensitive: bool) -> np.ndarray:
        """`base_scores(weights, direction)[g, c]` for index arrays g, c, in float64, without the full matrix."""
        cube, prom_rev = self._cube(sensitive)
        coef = self._coef(weights)
        out = coef[:-1] @ cube[:-1, g, c]
        if direction == "GB":
            return out + coef[-1] * cube[-1, g, c]
        hub_gb, hub_cn = self._hubs(sensitive)
        return out + coef[-1] * prom_rev[g, c] + hub_cn[c] @ coef[:-1] - hub_gb[g] @ coef[:-1]

    def _base32(self, weights: dict[str, float], direction: str, sensitive: bool) -> np.ndarray:
        """`base_scores` in float32 (from a float32 copy of the cube, kept beside it): for mutual ranks only."""
        w = check_weights(weights)
        return self._kept("_base32_cache", (tuple(w.values()), direction, sensitive),
                          lambda: self._weighted(self._cube32(sensitive), self._coef(w), direction, sensitive))

    def _cube32(self, sensitive: bool) -> tuple[np.ndarray, np.ndarray]:
        cache = self.__dict__.setdefault("_cube32_cache", {})
        hit = cache.get(sensitive)
        if hit is None:
            cube, prom_rev = self._cube(sensitive)
            hit = cache[sensitive] = (cube.astype(np.float32), prom_rev.astype(np.float32))
            for a in hit:
                a.flags.writeable = False
        return hit

    def answer_contributions(self, query: str, weights: dict[str, float], sensitive: bool = False
                             ) -> tuple[np.ndarray, np.ndarray]:
        """(N, blocks) contributions of every candidate as served, and the reciprocity factor applied to them.

        A partnership needs both sides: each candidate's contributions are scaled by a factor that falls with
        the query's place in the candidate's own list (mutual rank m, `relative_rank`): 1 / (1 + rho log2 m),
        so a place that is the query's good fit but has many better fits of its own is offered less. Scaling
        every block by the same factor keeps contributions adding up to the score (a negative total is scaled
        by 2 - factor, so a worse mutual rank always lowers the score)."""
        w = check_weights(weights)
        sims, _ = self.similarities(query, sensitive)
        contrib = kernel.contributions(sims, w)
        rho = float(getattr(self, "reciprocity_", 0.0))
        if rho <= 0:
            return contrib, np.ones(len(contrib))
        m = self.mutual_all(query, w, sensitive)
        f = self.reciprocity_factor(m, self.country_of(query))
        f = np.where(kernel.total(contrib) >= 0, f, 2.0 - f)
        return contrib * f[:, None], f

    def served_matrix(self, weights: dict[str, float], query_country: str = "GB",
                      sensitive: bool = False) -> np.ndarray:
        """Served scores of every pair at once, (queries of `query_country`) x (candidates): the batch twin of
        `full_scores` for measuring whole rankings (personalisation). Exact ties in a mutual rank are not
        broken by id here, and the base scores are summed in another order (`base_scores`), so a score can
        differ from `full_scores` in that rare case and in the last bit."""
        w = check_weights(weights)
        mine = self.base_scores(w, query_country, sensitive)
        theirs = self.base_scores(w, other_country(query_country), sensitive)
        if query_country == "CN":
            mine, theirs = mine.T, theirs.T  # rows: queries; columns: candidates
        live = self.live_[query_country]
        rho = float(getattr(self, "reciprocity_", 0.0))
        if rho <= 0:
            return np.array(mine)
        # theirs[q, c] is q's score in c's own list; mutual rank = 1 + live places of q's country above it.
        m = np.empty_like(mine)
        for j in range(mine.shape[1]):
            col = np.sort(theirs[live, j])
            m[:, j] = len(col) - np.searchsorted(col, theirs[:, j] + TIE, side="right") + 1
        f = self.reciprocity_factor(m, query_country)
        return np.where(mine >= 0, mine * f, mine * (2.0 - f))

    def query_masks(self) -> dict[str, np.ndarray]:
        """Who asks, per country, when lists are measured: every UK place that can partner, and every Chinese
        place at prefecture level or above."""
        cn = self.live_["CN"] & ~np.isin(self.levels_["CN"], ("county_city", "district"))
        return {"GB": self.live_["GB"].copy(), "CN": cn}

    def served_lists(self, weights: dict[str, float], query_country: str, queries: np.ndarray,
                     k: int = 10) -> np.ndarray:
        """(queries, k) positions of each query's served top k (`served_matrix`), `queries` a mask over
        `query_country`'s places."""
        return top_lists(self.served_matrix(weights, query_country)[queries], k,
                         self.live_[other_country(query_country)])

    def prominence_share(self, weights: dict[str, float], query_country: str, queries: np.ndarray,
                         k: int = 10, top: np.ndarray | None = None) -> float:
        """The mean share of the served top-k scores that prominence carries, over `queries` (a mask over
        `query_country`'s places): 0 without a prominence weight. Reciprocity scales every block of a result
        alike, so the share is read off the scores before it. `top`: the lists `served_lists` gives, when the
        caller has them already."""
        w = check_weights(weights)
        if not w["prominence"]:
            return 0.0
        cube, prom_rev = self._cube(False)
        base = self.base_scores(w, query_country)
        prom = prom_rev if query_country == "CN" else cube[BLOCKS.index("prominence")]
        if query_country == "CN":
            base, prom = base.T, prom.T  # rows: queries
        base, prom = base[queries], prom[queries]
        if top is None:
            top = self.served_lists(w, query_country, queries, k)
        part = w["prominence"] / sum(w.values()) * np.take_along_axis(prom, top, axis=1)
        total = np.take_along_axis(base, top, axis=1)
        return float(carried_share(part, total).mean())

    def relative_rank(self, mutual: np.ndarray, list_country: str) -> np.ndarray:
        """A mutual rank in a list of `list_country`'s places, on the scale of the shorter country's list:
        first stays first and last becomes the shorter list's last, linearly between. A UK place's list of
        Chinese places is about twice as long as a Chinese place's list of UK places, so about 57th in the
        first and 30th in the second are the same standing; read as plain ranks, a Chinese query's candidates
        were gated and discounted about twice as hard as a UK query's, and Chinese queries' lists were scored
        near zero. A UK query's ranks (in lists of UK places, the shorter) are unchanged."""
        lengths = {c: int(np.count_nonzero(v)) for c, v in self.live_.items()}
        short, mine = min(lengths.values()), lengths[list_country]
        return 1.0 + (np.asarray(mutual, dtype=float) - 1.0) * ((short - 1) / max(mine - 1, 1))

    def reciprocity_factor(self, mutual: np.ndarray, list_country: str) -> np.ndarray:
        """1 / (1 + rho log2 m) for a query at mutual rank m in the candidate's own list (a list of
        `list_country`'s places; m relative to the shorter list, `relative_rank`), times GATE beyond the
        candidate's `reciprocity_top` best places: a candidate is offered in full only to the places it fits
        best (reciprocal-recommender practice), so no place can top most lists, even among queries our data
        cannot tell apart."""
        rho = float(getattr(self, "reciprocity_", 0.0))
        mutual = self.relative_rank(mutual, list_country)
        f = 1.0 / (1.0 + rho * np.log2(mutual))
        top = int(getattr(self, "reciprocity_top_", 0))
        return np.where(mutual <= top, f, f * GATE) if top > 0 else f

    def full_scores(self, query: str, weights: dict[str, float], sensitive: bool = False) -> np.ndarray:
        """The served score of every candidate for `query` (what `top` orders by)."""
        return kernel.total(self.answer_contributions(query, weights, sensitive)[0])

    def prominence_without_partnership(self, query: str, cand: str) -> float | None:
        """`cand`'s prominence as if its partnership with `query` did not exist (None when there is none): the
        prior's `partners_held` counts it, and a review must not score a partner with its own partnership."""
        if self.partnership(query, cand) is None:
            return None
        country = self.country_of(cand)
        prior = self.priors_.get(country)
        if prior is None:
            return 0.0
        attrs = np.array(self.attributes(country)[self.pos_[country][cand]], dtype=np.float64)
        j = PRIOR_FEATURES.index("partners_held")
        attrs[j] = np.log1p(max(np.expm1(attrs[j]) - 1, 0.0))
        qc = self.country_of(query)
        same = self.sides_[qc].tier3[self.pos_[qc][query]] == self.sides_[country].tier3[self.pos_[country][cand]]
        return float(prior.scaled(attrs[None, :], same_tier=bool(same))[0])

    def partnership(self, a: str, b: str) -> dict | None:
        """The existing partnership between a and b (either order, earliest signed), as the model knows it."""
        hit = self.partnership_map_.get((a, b)) or self.partnership_map_.get((b, a))
        return dict(hit) if hit else None

    def allowed(self, query: str, filters: Filters) -> np.ndarray | None:
        """Boolean mask over the other country's candidates, or None when nothing is filtered out.
        Abolished bodies are never candidates."""
        other = self.other(query)
        live = self.live_[other]
        if filters == Filters():
            return None if live.all() else live
        ids = self.sides_[other].ids
        keep = live.copy()
        if filters.only:
            keep &= np.isin(ids, list(filters.only))
        if filters.levels:
            keep &= np.isin(self.levels_[other], list(filters.levels))
        if filters.within:
            keep &= (self.parents_[other] == filters.within) | (ids == filters.within)
        if filters.exclude_partners:
            keep &= ~np.isin(ids, sorted(self.partners_.get(query, ())))
        if filters.pop_ratio:
            lo, hi = filters.pop_ratio
            qc = self.country_of(query)
            side, q = self.sides_[other], self.sides_[qc].query(self.pos_[qc][query])
            ratio = 10 ** (side.log_pop - q.log_pop[0])
            keep &= (ratio >= lo) & (ratio <= hi)
        return keep

    def top(self, query: str, weights: dict[str, float], k: int = 10,
            filters: Filters | None = None) -> tuple[list[str], np.ndarray]:
        """Top-k ids, best first (ties by id), and their (k x blocks) contributions; `weights` checked."""
        filters = filters or Filters()
        w = check_weights(weights)
        allowed = self.allowed(query, replace(filters, include_sensitive=False))
        if len(self.sides_[self.other(query)]) > EXACT_UP_TO:  # the large-N path (bench): no reciprocity
            q, c, pairs, is_gb = self._sides([query], filters.include_sensitive)
            pick, contributions = kernel.rank(q, c, pairs, w, self.scale_params_, is_gb, k, allowed)
            return c.ids[pick].tolist(), contributions
        contrib, _ = self.answer_contributions(query, w, filters.include_sensitive)
        ids = self.sides_[self.other(query)].ids
        pick = kernel.top_by_total(contrib, ids, k, allowed)
        return ids[pick].tolist(), contrib[pick]

    def mutual_ranks(self, candidates: list[str], query: str, weights: dict[str, float],
                     sensitive: bool = False) -> dict[str, int]:
        """Where `query` stands in each candidate's own list (1 = its best match): see `mutual_all`."""
        if not candidates:
            return {}
        m = self.mutual_all(query, weights, sensitive)
        pos = self.pos_[self.other(query)]
        return {c: int(m[pos[c]]) for c in candidates}

    def exact_scores(self, queries: list[str], weights: dict[str, float] | None = None,
                     sensitive: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(queries x candidates) scores as sums of block contributions, and the candidate ids (columns)."""
        w = check_weights(weights or {})
        q, c, pairs, is_gb = self._sides(queries, sensitive)
        sims = kernel.blocks(q, c, pairs, self.scale_params_, is_gb)
        return kernel.scores(sims, w), c.ids

    def score_queries(self, queries: list[str], weights: dict[str, float] | None = None) -> np.ndarray:
        """Fused (queries x candidates) scores in one matrix product: the batch path (all UK x all CN)."""
        w = check_weights(weights or {})
        q, c, pairs, is_gb = self._sides(queries)
        return kernel.fused(q, c, pairs, w, self.scale_params_, is_gb)


@dataclass
class AnswerModel(Scorer):
    """What a served answer reads: the scorer's arrays, and the facts reasons, caveats and cards quote.

    Records and feature rows are plain dicts with None for a missing value; pair keys are (uk id, cn id)."""

    # ranking
    ids_: dict[str, list[str]]
    sides_: dict[str, kernel.Side]
    sides_sensitive_: dict[str, kernel.Side]
    pairs_: PairFeatures
    scale_params_: ScaleParams
    live_: dict[str, np.ndarray]
    levels_: dict[str, np.ndarray]
    parents_: dict[str, np.ndarray]
    # what the places are
    records_: dict[str, dict]            # the locality frame's row per id: names, figures with year and source
    feature_rows_: dict[str, dict]       # the feature values reasons test (imputation flags, strengths)
    figure_names_: list[str]             # record fields that are sourced figures, in display order
    sector_info_: dict[str, dict]
    tag_info_: dict[str, dict]
    industry_evidence_map_: dict[tuple[str, str], dict]
    priority_evidence_map_: dict[tuple[str, str], dict]
    sectors_of_: dict[str, dict[str, float]]
    tags_of_: dict[str, list[str]]
    sensitive_sectors_: dict[str, list[tuple[str, str]]]
    core_sensitive_: list[str]
    industry_cols_: list[str]
    industry_cols_all_: list[str]
    tag_cols_: list[str]
    tag_idf_: np.ndarray
    sector_idf_: dict[str, float]
    related_: dict[str, list[str]]
    ancestors_: dict[str, set[str]]
    # what is learned and what links exist
    priors_: dict[str, Prior | None]
    attributes_: dict[str, np.ndarray]   # (N, PRIOR_FEATURES) per country, what the prominence prior read
    n_partners_: dict[str, int]
    partner_counts_: dict[str, int]
    partner_counts_unknown_: dict[str, int]
    partnership_map_: dict[tuple[str, str], dict]
    partners_: dict[str, list[str]]
    partnerships_: list[dict]            # every partnership row the model knows, in table order
    closed_industry_: list[dict]         # closed plants and clusters (id, sector, evidence, until, source)
    historic_industry_: list[dict]       # rows dated before INDUSTRY_CURRENT_FROM: shown, never fitted
    saturation_at: int = 3
    reciprocity_: float = 0.0            # rho of the reciprocity factor (Scorer.reciprocity_factor)
    reciprocity_top_: int = 0            # places a candidate is offered to in full (0: no gate)
    # airports, routes flying today, missions, DESNZ carbon factors, visit costs (features.travel): what the
    # resources section of a card reads (matcher.answers.resources)
    travel_: dict = field(default_factory=dict)
    pos_: dict[str, dict[str, int]] = field(init=False)

    def __post_init__(self) -> None:
        self.pos_ = {c: {i: n for n, i in enumerate(ids)} for c, ids in self.ids_.items()}

    def attributes(self, country: str) -> np.ndarray:
        return self.attributes_[country]
