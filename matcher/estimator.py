"""PartnerMatcher: fit once on the sourced tables, then rank counterparts for any query without refitting."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from features.frame import locality_frame
from features.pairs import build_pairs, build_ties
from features.pipeline import build_pipeline
from matcher import kernel
from matcher import similarity as sim
from matcher.config import block_names, check_weights

if TYPE_CHECKING:  # pandera's import costs start-up time; only build needs it
    from features.sources import Tables


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on candidates; exclusions are explicit and tested, never silent."""

    levels: tuple[str, ...] = ()
    within: str | None = None            # a parent id: only candidates inside it (e.g. a province)
    exclude_partners: bool = False
    pop_ratio: tuple[float, float] | None = None  # candidate/query population ratio range
    only: tuple[str, ...] = ()           # rank just these candidate ids (compare)


class PartnerMatcher(BaseEstimator):
    """Scores every counterpart in the other country for a query locality.

    score = sum_b w_b * s_b / sum_b w_b with s_b in [0, 1] from matcher.similarity; the contributions
    w_b * s_b / sum(w) are returned with every score and add up to it.
    """

    def __init__(self, scale_sigma_floor: float = 0.35, saturation_at: int = 3):
        self.scale_sigma_floor = scale_sigma_floor
        self.saturation_at = saturation_at

    # ---- fitting -------------------------------------------------------------------------------
    def fit(self, tables: Tables, partnerships: pd.DataFrame | None = None):
        """Learn features from `tables`; `partnerships` (default: all) is all the link history the model
        may see. An evaluation passes the training split only."""
        parts = tables["partnerships"] if partnerships is None else partnerships
        frame = locality_frame(tables)
        related = {r.tag: r.related_sectors.split("|") for r in tables["priority_tags"].itertuples()}
        self.pipeline_ = build_pipeline(related).fit(frame)
        features = self.pipeline_.transform(frame)
        features.index = frame["id"].to_numpy()
        self.frame_ = frame.set_index("id", drop=False)
        self.features_ = features
        self.feature_names_ = list(features.columns)
        self.pairs_ = build_pairs(tables, frame, parts.iloc[0:0])
        self.ids_ = {"GB": self.pairs_.gb_ids, "CN": self.pairs_.cn_ids}
        self.pos_ = {"GB": {g: i for i, g in enumerate(self.pairs_.gb_ids)},
                     "CN": {c: i for i, c in enumerate(self.pairs_.cn_ids)}}
        self.sectors_ = tables["sectors"].set_index("sector")
        self.tags_ = tables["priority_tags"].set_index("tag")
        self.related_ = related
        evidence = ["strength", "evidence", "source", "year"]
        self.industry_evidence_ = tables["industry"].set_index(["id", "sector"])[evidence]
        self.priority_evidence_ = tables["priorities"].set_index(["id", "tag"])[["evidence", "source", "year"]]
        self._cache_blocks()
        self._cache_lookups(tables)
        self._fit_links(parts)
        return self

    def _fit_links(self, partnerships: pd.DataFrame) -> None:
        """Everything learned from partnership history: ties, partner counts, typical scale ratio."""
        self.partnerships_ = partnerships.reset_index(drop=True)
        ties, note = build_ties(self.frame_.reset_index(drop=True), self.partnerships_,
                                self.pos_["GB"], self.pos_["CN"])
        self.pairs_ = replace(self.pairs_, ties=ties, ties_note=note)
        live = self.partnerships_[self.partnerships_["status"].isin(["active", "unknown"])]
        self.n_partners_ = pd.concat([live["uk_id"], live["cn_id"]]).value_counts()
        self.partner_counts_ = {i: int(n) for i, n in self.n_partners_.items()}
        first = self.partnerships_.sort_values("year_signed", kind="stable").drop_duplicates(["uk_id", "cn_id"])
        self.partnership_map_ = {(r.uk_id, r.cn_id): {
            "kind": r.kind, "year_signed": None if pd.isna(r.year_signed) else int(r.year_signed),
            "status": r.status, "source": r.source} for r in first.itertuples()}
        self.scale_params_ = self._fit_scale()

    def _cache_lookups(self, tables: Tables) -> None:
        """Plain dicts for the per-pair look-ups explanations make (a pandas .loc per fact is ~100x slower)."""
        self.records_ = self.frame_.to_dict("index")
        self.feature_rows_ = self.features_.to_dict("index")
        self.sector_info_ = self.sectors_.to_dict("index")
        self.tag_info_ = self.tags_.to_dict("index")
        self.industry_evidence_map_ = self.industry_evidence_.to_dict("index")
        self.priority_evidence_map_ = self.priority_evidence_.to_dict("index")
        # Per locality, in column order: sectors with a strength, and priority tags held (what reasons read).
        sectors = {c: c.removeprefix("industry__") for c in self.industry_cols_}
        tags = {c: c.removeprefix("priorities__") for c in self.tag_cols_}
        self.sectors_of_ = {i: {s: float(row[c]) for c, s in sectors.items() if row[c] > 0}
                            for i, row in self.feature_rows_.items()}
        self.tags_of_ = {i: [t for c, t in tags.items() if row[c] > 0] for i, row in self.feature_rows_.items()}
        # Strong (>= 2/3) sectors in the National Security and Investment Act's areas: a due-diligence caveat.
        nsi = {s: info["nsi_area"] for s, info in self.sector_info_.items() if isinstance(info["nsi_area"], str)}
        self.sensitive_sectors_ = {
            i: [(s, nsi[s]) for c in self.industry_cols_ if (s := c.removeprefix("industry__")) in nsi
                and row[c] >= 2 / 3] for i, row in self.feature_rows_.items()}

    def with_partnerships(self, partnerships: pd.DataFrame) -> PartnerMatcher:
        """A copy that has seen only `partnerships` (features of places are unchanged): used to hold pairs
        out without refitting the pipelines. The copy shares read-only feature arrays with self."""
        check_is_fitted(self, "features_")
        clone = copy.copy(self)
        clone._fit_links(partnerships)
        return clone

    def _fit_scale(self) -> sim.ScaleParams:
        f = self.features_
        p = self.partnerships_
        # Scale is learned from links that lasted: dormant/terminated ones are the mismatches to avoid.
        p = p[p["status"].isin(["active", "unknown"]) & p["uk_id"].isin(f.index) & p["cn_id"].isin(f.index)]
        known = (f["scale__population_imputed"] == 0)
        p = p[p["uk_id"].map(known).astype(bool) & p["cn_id"].map(known).astype(bool)]
        d = (f.loc[p["cn_id"], "scale__log_population"].to_numpy()
             - f.loc[p["uk_id"], "scale__log_population"].to_numpy())
        tiers = list(zip(f.loc[p["uk_id"], "scale__tier"], f.loc[p["cn_id"], "scale__tier"], strict=True))
        mu, sigma = {}, {}
        frame = pd.DataFrame({"d": d, "tier": tiers})
        for tier, grp in frame.groupby("tier"):
            if len(grp) >= 3:  # too few pairs for a tier combination: use the pooled value
                mu[tier] = float(grp["d"].median())
                mad = float((grp["d"] - grp["d"].median()).abs().median()) * 1.4826
                sigma[tier] = max(self.scale_sigma_floor, mad)
        if len(frame) >= 3:
            mu_all = float(frame["d"].median())
            sd_all = max(self.scale_sigma_floor, float((frame["d"] - mu_all).abs().median()) * 1.4826)
        else:
            mu_all, sd_all = 0.8, 0.5
        return sim.ScaleParams(mu=mu, sigma=sigma, mu_default=mu_all, sigma_default=sd_all)

    def _cache_blocks(self) -> None:
        f = self.features_
        cols = {b: [c for c in self.feature_names_ if c.startswith(b + "__")] for b in block_names()}
        self.industry_cols_ = [c for c in cols["industry"] if c != "industry__imputed"]
        self.needs_cols_ = cols["complementarity"]
        self.tag_cols_ = cols["priorities"]
        # Inverse document frequency of each priority tag over all localities (smoothed, as in TF-IDF).
        held = (f[self.tag_cols_] > 0).sum(axis=0).to_numpy(float)
        self.tag_idf_ = np.log((1 + len(f)) / (1 + held)) + 1
        self.sides_ = {c: kernel.Side.from_features(f.loc[self.ids_[c]], self.industry_cols_, self.tag_cols_,
                                                    self.needs_cols_, self.tag_idf_) for c in ("GB", "CN")}

    # ---- scoring -------------------------------------------------------------------------------
    def country_of(self, locality_id: str) -> str:
        try:
            return self.records_[locality_id]["country"]
        except AttributeError:
            check_is_fitted(self, "records_")  # raises sklearn's NotFittedError with its usual message
            raise

    def _sides(self, queries: list[str]) -> tuple[kernel.Side, kernel.Side, kernel.PairRows, bool]:
        """Query rows, the other country's candidates, and the queries' pair-feature rows."""
        qc = self.country_of(queries[0])
        rows = np.array([self.pos_[qc][q] for q in queries])
        pick = (lambda m: m[rows, :]) if qc == "GB" else (lambda m: m[:, rows].T)
        pairs = kernel.PairRows(edu=pick(self.pairs_.edu), flight=pick(self.pairs_.flight),
                                ties=pick(self.pairs_.ties), mission=pick(self.pairs_.mission))
        other = "CN" if qc == "GB" else "GB"
        return self.sides_[qc].query(rows), self.sides_[other], pairs, qc == "GB"

    def block_similarities(self, query: str) -> pd.DataFrame:
        """(candidates x blocks) similarities of `query` against every locality of the other country."""
        q, c, pairs, is_gb = self._sides([query])
        sims = kernel.blocks(q, c, pairs, self.scale_params_, is_gb)
        return pd.DataFrame({b: v[0] for b, v in sims.items()}, index=pd.Index(c.ids, name=None))[block_names()]

    def score(self, query: str, weights: dict[str, float] | None = None) -> tuple[pd.DataFrame, pd.Series]:
        """Contributions (candidates x blocks) and scores; scores are the row sums of contributions."""
        contributions = self.contributions(self.block_similarities(query), weights)
        return contributions, contributions.sum(axis=1)

    @staticmethod
    def contributions(sims: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
        """w_b * s_b / sum(w), per candidate and block (kernel.contributions on a table)."""
        w = check_weights(weights or {})
        return pd.DataFrame(kernel.contributions({b: sims[b].to_numpy() for b in w}, w),
                            index=sims.index, columns=list(w))

    def partnership(self, a: str, b: str) -> dict | None:
        """The existing partnership between a and b (either order, earliest signed), as the model knows it."""
        hit = self.partnership_map_.get((a, b)) or self.partnership_map_.get((b, a))
        return dict(hit) if hit else None

    def allowed(self, query: str, filters: Filters) -> np.ndarray | None:
        """Boolean mask over the other country's candidates, or None when nothing is filtered out."""
        if filters == Filters():
            return None
        qc = self.country_of(query)
        other = "CN" if qc == "GB" else "GB"
        frame = self.frame_.loc[self.ids_[other]]
        keep = np.ones(len(frame), dtype=bool)
        if filters.only:
            keep &= frame.index.isin(filters.only)
        if filters.levels:
            keep &= frame["level"].isin(filters.levels).to_numpy()
        if filters.within:
            keep &= ((frame["parent_id"] == filters.within) | (frame.index == filters.within)).to_numpy()
        if filters.exclude_partners:
            p = self.partnerships_
            partners = set(p.loc[p["uk_id"] == query, "cn_id"]) | set(p.loc[p["cn_id"] == query, "uk_id"])
            keep &= ~frame.index.isin(partners)
        if filters.pop_ratio:
            lo, hi = filters.pop_ratio
            side, q = self.sides_[other], self.sides_[qc].query(self.pos_[qc][query])
            ratio = 10 ** (side.log_pop - q.log_pop[0])
            keep &= (ratio >= lo) & (ratio <= hi)
        return keep

    def top(self, query: str, weights: dict[str, float], k: int = 10,
            filters: Filters | None = None) -> tuple[list[str], np.ndarray]:
        """Top-k ids, best first (ties by id), and their (k x blocks) contributions; `weights` checked."""
        q, c, pairs, is_gb = self._sides([query])
        pick, contributions = kernel.rank(q, c, pairs, weights, self.scale_params_, is_gb, k,
                                          self.allowed(query, filters or Filters()))
        return c.ids[pick].tolist(), contributions

    def rank(self, query: str, weights: dict[str, float] | None = None, k: int = 10,
             filters: Filters | None = None) -> pd.DataFrame:
        """Top-k candidates with score and per-block contributions, best first (ties broken by id)."""
        w = check_weights(weights or {})
        ids, contributions = self.top(query, w, k, filters)
        table = pd.DataFrame(contributions, index=pd.Index(ids, name="id"), columns=list(w))
        return table.assign(score=table.sum(axis=1))

    def exact_scores(self, queries: list[str],
                     weights: dict[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(queries x candidates) scores as sums of block contributions, and the candidate ids (columns)."""
        w = check_weights(weights or {})
        q, c, pairs, is_gb = self._sides(queries)
        sims = kernel.blocks(q, c, pairs, self.scale_params_, is_gb)
        return kernel.contributions(sims, w).sum(axis=-1), c.ids

    def score_queries(self, queries: list[str], weights: dict[str, float] | None = None) -> np.ndarray:
        """Fused (queries x candidates) scores in one matrix product: the batch path (all UK x all CN)."""
        w = check_weights(weights or {})
        q, c, pairs, is_gb = self._sides(queries)
        return kernel.fused(q, c, pairs, w, self.scale_params_, is_gb)
