"""PartnerMatcher: fit once on the sourced tables, then rank counterparts for any query without refitting."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from features.frame import locality_frame
from features.pairs import build_pairs, build_ties
from features.pipeline import build_pipeline
from features.sources import Tables
from matcher import similarity as sim
from matcher.config import block_names, check_weights


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
        self.industry_evidence_ = tables["industry"].set_index(["id", "sector"])[["strength", "evidence", "source", "year"]]
        self.priority_evidence_ = tables["priorities"].set_index(["id", "tag"])[["evidence", "source", "year"]]
        self._cache_blocks()
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
        self.scale_params_ = self._fit_scale()

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
        self.matrix_ = {c: f.loc[self.ids_[c]] for c in ("GB", "CN")}

    # ---- scoring -------------------------------------------------------------------------------
    def country_of(self, locality_id: str) -> str:
        check_is_fitted(self, "frame_")
        return str(self.frame_.loc[locality_id, "country"])

    def block_similarities(self, query: str) -> pd.DataFrame:
        """(candidates x blocks) similarities of `query` against every locality of the other country."""
        check_is_fitted(self, "features_")
        qc = self.country_of(query)
        other = "CN" if qc == "GB" else "GB"
        C = self.matrix_[other]
        q = self.features_.loc[query]
        out: dict[str, np.ndarray] = {}

        out["industry"] = sim.cosine(q[self.industry_cols_].to_numpy(float), C[self.industry_cols_].to_numpy(float))

        gb_tier, cn_tier = (q["scale__tier"], C["scale__tier"].to_numpy()) if qc == "GB" else \
            (C["scale__tier"].to_numpy(), np.full(len(C), q["scale__tier"]))
        if qc == "GB":
            mu, sigma = self.scale_params_.lookup(float(gb_tier), cn_tier)
            sign = 1.0
        else:
            pairs = [self.scale_params_.lookup(float(t), np.array([q["scale__tier"]])) for t in gb_tier]
            mu = np.array([m[0] for m, _ in pairs])
            sigma = np.array([s[0] for _, s in pairs])
            sign = -1.0
        d_pop = sign * (C["scale__log_population"].to_numpy() - q["scale__log_population"])
        k_pop = sim.scale_kernel(d_pop, mu, sigma)
        # GDP joins only where both sides have a sourced figure; its typical ratio is the population one's.
        d_gdp = sign * (C["scale__log_gdp_gbp"].to_numpy() - q["scale__log_gdp_gbp"])
        both_gdp = (C["scale__gdp_imputed"].to_numpy() == 0) & (q["scale__gdp_imputed"] == 0)
        k_gdp = sim.scale_kernel(d_gdp, mu, sigma)
        k = np.where(both_gdp, (k_pop + k_gdp) / 2, k_pop)
        tier_fit = np.where(C["scale__tier"].to_numpy() == q["scale__tier"], 1.0, sim.TIER_MISMATCH)
        out["scale"] = k * tier_fit

        out["education"] = np.sqrt(q["education__strength"] * C["education__strength"].to_numpy())

        row = self.pos_[qc][query]
        pick = (lambda m: m[row, :]) if qc == "GB" else (lambda m: m[:, row])
        out["student_links"] = pick(self.pairs_.edu)

        out["priorities"] = sim.ochiai(q[self.tag_cols_].to_numpy(float), C[self.tag_cols_].to_numpy(float))

        parts = sim.CONNECTIVITY_PARTS
        out["connectivity"] = (parts["flight"] * pick(self.pairs_.flight) + parts["ties"] * pick(self.pairs_.ties)
                               + parts["mission"] * pick(self.pairs_.mission))

        qi = q[self.industry_cols_].to_numpy(float)[None, :]
        qn = q[self.needs_cols_].to_numpy(float)[None, :]
        Ci = C[self.industry_cols_].to_numpy(float)
        Cn = C[self.needs_cols_].to_numpy(float)
        out["complementarity"] = 0.5 * (sim.cover(np.repeat(qi, len(C), 0), Cn) + sim.cover(Ci, np.repeat(qn, len(C), 0)))
        return pd.DataFrame(out, index=C.index)[block_names()]

    def score(self, query: str, weights: dict[str, float] | None = None) -> tuple[pd.DataFrame, pd.Series]:
        """Contributions (candidates x blocks) and scores; scores are the row sums of contributions."""
        contributions = self.contributions(self.block_similarities(query), weights)
        return contributions, contributions.sum(axis=1)

    @staticmethod
    def contributions(sims: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
        """w_b * s_b / sum(w), per candidate and block: the one place a weight turns into a score."""
        w = check_weights(weights or {})
        wv = np.array([w[b] for b in block_names()])
        return sims * (wv / wv.sum())

    def partnership(self, a: str, b: str) -> dict | None:
        """The existing partnership between a and b (either order), as the model knows it."""
        p = self.partnerships_
        hit = p[((p["uk_id"] == a) & (p["cn_id"] == b)) | ((p["uk_id"] == b) & (p["cn_id"] == a))]
        if hit.empty:
            return None
        row = hit.sort_values("year_signed").iloc[0]
        year = None if pd.isna(row["year_signed"]) else int(row["year_signed"])
        return {"kind": row["kind"], "year_signed": year, "status": row["status"], "source": row["source"]}

    def candidates(self, query: str, filters: Filters) -> pd.Index:
        qc = self.country_of(query)
        other = "CN" if qc == "GB" else "GB"
        frame = self.frame_.loc[self.ids_[other]]
        keep = pd.Series(True, index=frame.index)
        if filters.only:
            keep &= frame.index.isin(filters.only)
        if filters.levels:
            keep &= frame["level"].isin(filters.levels)
        if filters.within:
            keep &= (frame["parent_id"] == filters.within) | (frame.index == filters.within)
        if filters.exclude_partners:
            p = self.partnerships_
            partners = set(p.loc[p["uk_id"] == query, "cn_id"]) | set(p.loc[p["cn_id"] == query, "uk_id"])
            keep &= ~frame.index.isin(partners)
        if filters.pop_ratio:
            lo, hi = filters.pop_ratio
            ratio = 10 ** (self.features_.loc[frame.index, "scale__log_population"]
                           - self.features_.loc[query, "scale__log_population"])
            keep &= (ratio >= lo) & (ratio <= hi)
        return frame.index[keep.to_numpy()]

    def rank(self, query: str, weights: dict[str, float] | None = None, k: int = 10,
             filters: Filters | None = None) -> pd.DataFrame:
        """Top-k candidates with score and per-block contributions, best first (ties broken by id)."""
        contributions, scores = self.score(query, weights)
        allowed = self.candidates(query, filters or Filters())
        table = contributions.loc[allowed].assign(score=scores.loc[allowed])
        table = table.rename_axis("id").reset_index().sort_values(["score", "id"], ascending=[False, True])
        return table.head(k).set_index("id")
