"""The answer model: everything ranking and explaining read, as numpy arrays and plain lookups.

`Scorer` is the one implementation of "rank a query's counterparts": the fitted estimator (training,
evaluation) and the `AnswerModel` loaded from the serving artifact both inherit it, so the service answers
with the very code the evaluation measured. Nothing here imports pandas or scikit-learn: the service loads
an `AnswerModel` without them (matcher.artifact.store).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np

from features.pair_types import PairFeatures
from matcher.config import check_weights
from matcher.model import kernel
from matcher.model.ranker import Prior
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


# Beyond this many candidates a query's top k is chosen by the fused float32 pass first (kernel.rank); up to
# it, from the exact similarities, which cost less than the two passes at this size.
EXACT_UP_TO = 5000


class RowMemo:
    """A query's block similarities against every candidate, kept per (query, sensitive), least recently used
    first out. They do not depend on the weights, so an analyst moving sliders, or a council's list and its
    candidates' own lists (mutual ranks), reuse them. Bounded: `limit` rows of at most 8 x N floats."""

    def __init__(self, limit: int = 256):
        self.limit = limit
        self._rows: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            row = self._rows.get(key)
            if row is not None:
                self._rows.move_to_end(key)
            return row

    def put(self, key, row) -> None:
        with self._lock:
            self._rows[key] = row
            while len(self._rows) > self.limit:
                self._rows.popitem(last=False)


class Scorer:
    """Ranking over the kernel's arrays. Reads: `records_` (id -> record with "country"), `ids_`, `pos_`,
    `sides_`/`sides_sensitive_` (kernel.Side per country), `pairs_`, `scale_params_`, `live_` (candidates
    that can sign, per country), `levels_`/`parents_` (per country, in candidate order), `partners_` (id ->
    ids it is partnered with) and `partnership_map_` ((uk, cn) -> the earliest partnership)."""

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
        """Every block's similarity of `query` against each candidate (block -> (N,)), and the candidate ids.
        A model with a `row_memo_` (the served one) keeps them; an estimator does not (its time snapshots
        share attributes, so a memo there could serve one year's links to another)."""
        names, matrix = self._similarity_rows(query, sensitive)
        return dict(zip(names, matrix, strict=True)), self.sides_[self.other(query)].ids

    def _similarity_rows(self, query: str, sensitive: bool) -> tuple[tuple[str, ...], np.ndarray]:
        """The block names and a read-only (blocks x N) matrix of `query`'s similarities, kept when memoised."""
        memo = self.__dict__.get("row_memo_")
        key = (query, sensitive)
        row = memo.get(key) if memo is not None else None
        if row is None:
            q, c, pairs, is_gb = self._sides([query], sensitive)
            sims = kernel.blocks(q, c, pairs, self.scale_params_, is_gb)
            row = (tuple(sims), np.vstack([v[0] for v in sims.values()]))
            row[1].flags.writeable = False  # shared by every later answer
            if memo is not None:
                memo.put(key, row)
        return row

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
        allowed = self.allowed(query, replace(filters, include_sensitive=False))
        if len(self.sides_[self.other(query)]) > EXACT_UP_TO:
            q, c, pairs, is_gb = self._sides([query], filters.include_sensitive)
            pick, contributions = kernel.rank(q, c, pairs, weights, self.scale_params_, is_gb, k, allowed)
            return c.ids[pick].tolist(), contributions
        sims, ids = self.similarities(query, filters.include_sensitive)
        pick, contributions = kernel.top_exact(sims, weights, ids, k, allowed)
        return ids[pick].tolist(), contributions

    def mutual_ranks(self, candidates: list[str], query: str, weights: dict[str, float],
                     sensitive: bool = False) -> dict[str, int]:
        """Where `query` stands in each candidate's own ranking under the same weights (1 = its best match):
        the places that can partner and score above it, plus those tied with it whose id comes first, as
        `top` orders that candidate's list."""
        if not candidates:
            return {}
        w = check_weights(weights)
        country = self.country_of(query)
        ids, live, col = self.sides_[country].ids, self.live_[country], self.pos_[country][query]
        rows = [self._similarity_rows(c, sensitive) for c in candidates]
        names = rows[0][0]
        # Every candidate's scores at once: the products and the order of kernel.scores, on (rows x N) arrays.
        stacked = np.stack([m for _, m in rows])
        s = kernel.scores({b: stacked[:, i, :] for i, b in enumerate(names)}, w)
        mine = s[:, col:col + 1]
        ahead = ((s > mine) & live).sum(axis=1) + ((s == mine) & live & (ids < query)).sum(axis=1)
        return {c: int(a) + 1 for c, a in zip(candidates, ahead, strict=True)}

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
    saturation_at: int = 3
    pos_: dict[str, dict[str, int]] = field(init=False)
    row_memo_: RowMemo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.pos_ = {c: {i: n for n, i in enumerate(ids)} for c, ids in self.ids_.items()}
        self.row_memo_ = RowMemo()

    def attributes(self, country: str) -> np.ndarray:
        return self.attributes_[country]
