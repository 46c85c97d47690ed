"""PartnerMatcher: fit once on the sourced tables, then rank counterparts for any query without refitting."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from features.frame import FIGURES, locality_frame
from features.pair_types import PairFeatures
from features.pairs import (
    ancestors,
    build_pairs,
    build_ties,
    family,
    family_shares,
    links_before,
    live_partnerships,
    partnerships_before,
)
from features.pipeline import build_pipeline
from features.travel import travel_facts
from matcher.artifact.model import AnswerModel, Filters, Scorer, other_country
from matcher.config import block_names, check_weights
from matcher.model import kernel
from matcher.model.personalisation import LIMIT, MARGIN, personalisation, within_limits
from matcher.model.ranker import PRIOR_FEATURES, Choice, Prior, fit_block_weights, fit_prior
from matcher.model.scale import ScaleParams, fit_scale

if TYPE_CHECKING:  # pandera's import costs start-up time; only build needs it
    from features.sources import Tables


# NSI Act areas whose shared sectors never raise the fit score by default (an analyst may include them):
# military and dual-use, space, computing hardware, AI, communications and data. Transport, energy,
# materials and robotics areas touch whole civil sectors (rail, ports, wind power) that the seeds' best
# partnerships rest on; they stay in the score and still get a due-diligence note.
CORE_SENSITIVE_AREAS = ("defence", "military and dual-use", "satellite and space technologies", "computing hardware",
                        "artificial intelligence", "communications", "data infrastructure", "quantum",
                        "cryptographic authentication")


# Prominence weights tried for the served default, on top of fit weights that sum to 10 (see choose_prominence).
PROMINENCE_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
# Fit first: the served default's prominence may carry at most this share of its top-10 scores (mean over queries,
# each direction), so popularity can lift a place that fits, never stand in for fit.
MAX_PROMINENCE_SHARE = 0.5


# Localities a query can be about but that cannot sign a partnership: England has no government of its own
# (Scotland, Wales and Northern Ireland do), so it is never offered as a candidate.
NOT_PARTNERING = ("E92000001",)


def plain(v):
    """A table cell as a plain Python value (None for any kind of missing)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else float(v)
    return v


def _plain_rows(df: pd.DataFrame) -> list[dict]:
    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict("records")]


# What explanations read of a locality's features (the rest of the features are in the kernel's arrays).
EXPLAINED_FEATURES = ("industry__imputed", "industry__confidence", "education__strength", "education__imputed",
                      "scale__log_population", "scale__tier", "scale__population_imputed")


class PartnerMatcher(BaseEstimator, Scorer):
    """Scores every counterpart in the other country for a query locality.

    score = sum_b w_b * s_b / sum_b w_b with s_b in [0, 1] (see matcher.model.kernel); the contributions
    w_b * s_b / sum(w) are returned with every score and add up to it.

    Three kinds of state: what places are (features, fitted once); what links existed (`snapshot`: pair
    tables and partnerships as of a year, so an evaluation never shows a pair anything dated after it); and
    what is learned from history (`learn`: the scale prior, the prominence prior and default weights).
    """

    # Fitted state whose type its first assignment does not tell the type checker.
    partners_: dict[str, set[str]]
    _attr_cache: dict
    prominence_choice_: list[dict]

    def __init__(self, saturation_at: int = 3, prior_l2: float = 0.1, weights_l2: float = 0.1,
                 learn_weights: bool = True, industry_idf: bool = True, prior_offset: bool = True,
                 hub_strength: float = 2.0, hub_k: int = 50, hub_form: str = "centre", reciprocity: float = 1.0,
                 reciprocity_top: int = 30, personal_limit: float = LIMIT - MARGIN):
        self.saturation_at = saturation_at
        self.prior_l2 = prior_l2
        self.weights_l2 = weights_l2
        self.learn_weights = learn_weights
        self.industry_idf = industry_idf
        self.prior_offset = prior_offset
        self.hub_strength = hub_strength
        self.hub_k = hub_k
        self.hub_form = hub_form  # "centre" (kernel.hub_terms) or "scale" (kernel.hub_scales)
        self.reciprocity = reciprocity
        self.reciprocity_top = reciprocity_top
        self.personal_limit = personal_limit

    # ---- fitting -------------------------------------------------------------------------------
    def fit(self, tables: Tables, partnerships: pd.DataFrame | None = None):
        """Learn features from `tables`; `partnerships` (default: all) is all the link history the model
        may see and learn from. An evaluation passes the training split only."""
        parts = tables["partnerships"] if partnerships is None else partnerships
        frame = locality_frame(tables)
        related = {r.tag: r.related_sectors.split("|") for r in tables["priority_tags"].itertuples()}
        self.pipeline_ = build_pipeline(related).fit(frame)
        features = self.pipeline_.transform(frame)
        features.index = frame["id"].to_numpy()
        self.frame_ = frame.set_index("id", drop=False)
        self.features_ = features
        self.feature_names_ = list(features.columns)
        self.link_frames_ = {t: tables[t] for t in ("education_links", "flights", "consulates", "airports")}
        self.travel_ = travel_facts(tables)  # airports, routes, missions, carbon factors: the resources section
        self.ancestors_ = ancestors(frame)
        self.family_ = family(frame)
        gb = frame.loc[frame["country"] == "GB", "id"].tolist()
        cn = frame.loc[frame["country"] == "CN", "id"].tolist()
        self.ids_ = {"GB": gb, "CN": cn}
        self.pos_ = {"GB": {g: i for i, g in enumerate(gb)}, "CN": {c: i for i, c in enumerate(cn)}}
        by_country = {c: self.frame_.loc[ids] for c, ids in self.ids_.items()}
        # Candidates that can sign a partnership: not abolished, not England.
        self.live_ = {c: ~f["abolished"].to_numpy(bool) & ~f.index.isin(NOT_PARTNERING) for c, f in by_country.items()}
        self.levels_ = {c: f["level"].to_numpy(object) for c, f in by_country.items()}
        self.parents_ = {c: np.array([p if isinstance(p, str) else None for p in f["parent_id"]], dtype=object)
                         for c, f in by_country.items()}
        self.tiers_ = {c: f["tier"].to_numpy() for c, f in by_country.items()}
        self._tie_shares = {i: v for c in ("GB", "CN") for i, v in
                            family_shares(self.ids_[c], self.family_, self.ancestors_, self.pos_[c]).items()}
        self._pair_cache: dict = {}
        self._static_attr_cache: dict = {}
        self.sectors_ = tables["sectors"].set_index("sector")
        self.tags_ = tables["priority_tags"].set_index("tag")
        self.related_ = related
        evidence = ["strength", "evidence", "source", "year"]
        self.industry_evidence_ = tables["industry"].set_index(["id", "sector"])[evidence]
        self.priority_evidence_ = tables["priorities"].set_index(["id", "tag"])[["evidence", "source", "year"]]
        # Closed plants and clusters: history for the review of existing partnerships, never a current feature.
        closed = tables.frames.get("industry_closed")
        self.closed_industry_ = (closed[["id", "sector", "evidence", "until", "source"]].reset_index(drop=True)
                                 if closed is not None else pd.DataFrame(columns=["id", "sector", "evidence", "until",
                                                                                  "source"]))
        # Evidence older than INDUSTRY_CURRENT_FROM, never re-confirmed: a profile shows it, dated; the fit does not.
        historic = tables.frames.get("industry_historic")
        self.historic_industry_ = (historic[["id", "sector", *evidence]].reset_index(drop=True)
                                   if historic is not None else pd.DataFrame(columns=["id", "sector", *evidence]))
        self._cache_blocks()
        self._cache_lookups(tables)
        self.scale_params_ = ScaleParams()
        self.priors_: dict[str, Prior | None] = {"GB": None, "CN": None}
        self.weights_: dict[str, float] | None = None
        self._set_history(parts, None)
        self.learn(parts)
        return self

    def _pairs_as_of(self, year: int | None) -> PairFeatures:
        """Pair tables (education links, flights, missions) as they stood before `year`; cached per year."""
        if year not in self._pair_cache:
            self._pair_cache[year] = build_pairs(links_before(self.link_frames_, year)[0],
                                                 self.frame_.reset_index(drop=True))
        return self._pair_cache[year]

    def _set_history(self, partnerships: pd.DataFrame, year: int | None) -> None:
        """Everything that depends on which links existed: pair tables, ties, partner counts."""
        self._attr_cache = {}
        parts = partnerships_before(partnerships, year).reset_index(drop=True)
        ties, note = build_ties(live_partnerships(parts, year), self.ids_["GB"], self.ids_["CN"], self._tie_shares)
        self.pairs_ = replace(self._pairs_as_of(year), ties=ties, ties_note=note)
        self.partnerships_ = parts
        self.as_of_ = year
        self.n_partners_ = {i: int(n) for i, n in pd.concat([parts["uk_id"], parts["cn_id"]]).value_counts().items()}
        self.partners_ = {}
        for a, b in zip(parts["uk_id"], parts["cn_id"], strict=True):
            self.partners_.setdefault(a, set()).add(b)
            self.partners_.setdefault(b, set()).add(a)
        active = parts[parts["status"] == "active"]
        self.partner_counts_ = {i: int(n) for i, n in
                                pd.concat([active["uk_id"], active["cn_id"]]).value_counts().items()}
        self.partner_counts_unknown_ = {i: int(n) for i, n in pd.concat(
            [parts.loc[parts["status"] == "unknown", c] for c in ("uk_id", "cn_id")]).value_counts().items()}
        first = parts.sort_values("year_signed", kind="stable").drop_duplicates(["uk_id", "cn_id"])
        self.partnership_map_ = {(r.uk_id, r.cn_id): {
            "kind": r.kind, "year_signed": None if pd.isna(r.year_signed) else int(r.year_signed),
            "status": r.status, "source": plain(r.source)} for r in first.itertuples()}
        self._apply_priors()

    def snapshot(self, partnerships: pd.DataFrame, year: int | None = None) -> PartnerMatcher:
        """A copy that has seen only `partnerships` signed before `year`, and pair tables dated before it
        (None: all of them). Features of places, and everything learned, are shared with self."""
        check_is_fitted(self, "features_")
        clone = copy.copy(self)
        clone._set_history(partnerships, year)
        return clone

    def with_partnerships(self, partnerships: pd.DataFrame) -> PartnerMatcher:
        """A copy that has seen and learned from only `partnerships` (all pair tables kept)."""
        clone = copy.copy(self)
        clone._set_history(partnerships, None)  # first: learning reads today's attributes for its scale
        clone.learn(partnerships)
        return clone

    # ---- learning ------------------------------------------------------------------------------
    def attributes(self, country: str) -> np.ndarray:
        """(N, len(PRIOR_FEATURES)) candidate attributes of one country as of this snapshot (cached: a
        snapshot never changes once made)."""
        cache = self.__dict__.setdefault("_attr_cache", {})
        if country not in cache:
            ids = self.ids_[country]
            static = self._static_attributes(country)
            axis = 1 if country == "GB" else 0
            partners = np.array([self.n_partners_.get(i, 0) for i in ids], float)
            dynamic = {"hosts_mission": np.array([float(i in self.pairs_.mission_host) for i in ids]),
                       "direct_flight": self.pairs_.flight.max(axis=axis),
                       "partners_held": np.log1p(partners)}
            cache[country] = np.column_stack([dynamic[c] if c in dynamic else static[c] for c in PRIOR_FEATURES])
        return cache[country]

    def _static_attributes(self, country: str) -> dict[str, np.ndarray]:
        cache = self.__dict__.setdefault("_static_attr_cache", {})
        if country not in cache:
            f = self.features_.loc[self.ids_[country]]
            cols = {"log_population": "scale__log_population", "population_missing": "scale__population_imputed",
                    "log_gdp": "scale__log_gdp_gbp", "gdp_missing": "scale__gdp_imputed",
                    "region_level": "scale__tier", "county_level": "prominence__county_level",
                    "capital": "prominence__capital", "education": "education__strength",
                    "education_missing": "education__imputed", "foreign_partners": "prominence__foreign_partners"}
            cache[country] = {k: f[c].to_numpy(float) for k, c in cols.items()}
        return cache[country]

    def tier_array(self, country: str) -> np.ndarray:
        """'region' / 'city' / 'county' of each candidate of `country`, in candidate order."""
        return self.tiers_[country]

    def prior_scores(self, query: str) -> np.ndarray:
        """The full candidate prior for `query`'s candidates: prominence logit plus the same-tier term.
        Knows nothing of the query beyond its tier (the `candidate_prior` baseline)."""
        other = self.other(query)
        prior = self.priors_.get(other)
        if prior is None:
            return np.zeros(len(self.ids_[other]))
        same = (self.tier_array(other) == self.frame_.at[query, "tier"]).astype(float)
        return prior.logit(self.attributes(other)) + prior.tier_coef * same

    def _apply_priors(self) -> None:
        """Prominence of every candidate as of this snapshot (new dicts: copies never share them)."""
        prom = {}
        for country in ("GB", "CN"):
            prior, zeros = self.priors_.get(country), np.zeros(len(self.ids_[country]))
            if prior is None:
                prom[country] = {"prominence": zeros, "prominence_same": zeros}
            else:
                A = self.attributes(country)
                prom[country] = {"prominence": prior.scaled(A), "prominence_same": prior.scaled(A, same_tier=True)}
        self.sides_ = {c: replace(s, **prom[c]) for c, s in self.sides_.items()}
        self.sides_sensitive_ = {c: replace(s, **prom[c]) for c, s in self.sides_sensitive_.items()}
        self._apply_hubs()

    def _pair_rows(self) -> kernel.PairRows:
        p = self.pairs_
        return kernel.PairRows(edu=p.edu, flight=p.flight, ties=p.ties, mission=p.mission)

    def _apply_hubs(self) -> None:
        """Each place's hub correction per fit block, from this snapshot's features and links: a term taken off
        (kernel.hub_terms) or a factor (kernel.hub_scales), as `hub_form` says."""
        if self.hub_form not in ("centre", "scale"):
            raise ValueError(f"hub_form must be 'centre' or 'scale', not {self.hub_form!r}")
        for name in ("sides_", "sides_sensitive_"):
            sides = getattr(self, name)
            raw = {c: replace(s, hub=np.zeros_like(s.hub), hub_scale=np.ones_like(s.hub)) for c, s in sides.items()}
            how = kernel.hub_terms if self.hub_form == "centre" else kernel.hub_scales
            gb, cn = how(raw["GB"], raw["CN"], self._pair_rows(), self.scale_params_,
                         self.live_["GB"], self.live_["CN"], self.hub_strength, self.hub_k)
            field = "hub" if self.hub_form == "centre" else "hub_scale"
            setattr(self, name, {"GB": replace(raw["GB"], **{field: gb}), "CN": replace(raw["CN"], **{field: cn})})
        self._fresh_caches()
        self.reciprocity_ = float(self.reciprocity)
        self.reciprocity_top_ = int(self.reciprocity_top)

    def _lists(self, weights: dict[str, float], k: int = 10) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per query country: who asks (`query_masks`) and their served top-k lists under `weights`."""
        return {qc: (mask, self.served_lists(weights, qc, mask, k)) for qc, mask in self.query_masks().items()}

    def personalisation(self, weights: dict[str, float], k: int = 10,
                        lists: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> dict[str, dict]:
        """How personal the top-k lists are under `weights` (matcher.model.personalisation), both ways
        (`query_masks`); `lists`: what `_lists` gives, when the caller has it already."""
        lists = lists or self._lists(weights, k)
        return {"uk_queries" if qc == "GB" else "cn_queries": personalisation(top, len(self.ids_[other_country(qc)]))
                for qc, (_, top) in lists.items()}

    def choose_prominence(self, fit_weights: dict[str, float], grid=PROMINENCE_GRID) -> tuple[float, list[dict]]:
        """The largest prominence weight (on top of fit weights summing to 10) whose lists stay personal in
        both directions (mean Jaccard and max share within `personal_limit`) and rest on fit first: prominence
        carries at most `MAX_PROMINENCE_SHARE` of the served top-10 scores, on average, each way. 0 when none
        does. Uses no labels: it is a limit on how alike everyone's list may be and on how much of it popularity
        may decide, not a fit to history."""
        tried, chosen = [], 0.0
        for p in grid:
            w = {**fit_weights, "prominence": p}
            lists = self._lists(w)  # one served matrix per direction, read by both measures
            pers = self.personalisation(w, lists=lists)
            share = {qc: self.prominence_share(w, qc, mask, top=top) for qc, (mask, top) in lists.items()}
            ok = all(within_limits(v, self.personal_limit) for v in pers.values()) \
                and max(share.values()) <= MAX_PROMINENCE_SHARE
            tried.append({"prominence": p, "ok": ok, **pers,
                          "prominence_share": {"uk_queries": share["GB"], "cn_queries": share["CN"]}})
            if ok:
                chosen = p
            else:
                break  # more prominence only makes lists more alike, and more of them popularity's
        return chosen, tried

    def learn(self, partnerships: pd.DataFrame) -> PartnerMatcher:
        """Fit the scale prior, the prominence priors (both directions) and default block weights from
        `partnerships`, each pair described as of its own signing year (undated pairs: as of today)."""
        p = partnerships[partnerships["uk_id"].isin(self.pos_["GB"]) & partnerships["cn_id"].isin(self.pos_["CN"])]
        p = p.sort_values("year_signed", kind="stable").drop_duplicates(["uk_id", "cn_id"]).reset_index(drop=True)
        self.scale_params_ = self._fit_scale(p)
        # Priors and weights learn from dated pairs only: an undated pair has no "before" to describe it by,
        # and describing it as of today would let its own partnership count towards its prominence.
        self.n_learn_undated_ = int(p["year_signed"].isna().sum())
        p = p.dropna(subset=["year_signed"]).reset_index(drop=True)
        self.priors_ = {"GB": None, "CN": None}
        self.weights_ = None
        snaps: dict = {}

        def snap(year):
            y = int(year)
            if y not in snaps:
                snaps[y] = self.snapshot(partnerships, y)
            return snaps[y]

        prior_sets: dict[str, list] = {"CN": [], "GB": []}
        for r in p.itertuples():
            s = snap(r.year_signed)
            for cand_country, query, target, key in (("CN", r.uk_id, r.cn_id, "uk_id"),
                                                     ("GB", r.cn_id, r.uk_id, "cn_id")):
                other = "cn_id" if key == "uk_id" else "uk_id"
                known = set(p.loc[p[key] == query, other]) - {target}
                keep = np.array([i not in known for i in self.ids_[cand_country]])
                A = s.attributes(cand_country)[keep]
                same = (self.tier_array(cand_country) == self.frame_.at[query, "tier"])[keep].astype(float)
                pos = int(np.flatnonzero(np.array(self.ids_[cand_country])[keep] == target)[0])
                prior_sets[cand_country].append((A, same, pos))
        for country in ("CN", "GB"):
            self.priors_[country] = fit_prior(prior_sets[country], self.attributes(country), l2=self.prior_l2)
        self._apply_priors()
        if self.learn_weights:
            choices = []
            names = block_names()
            for s in snaps.values():  # the same snapshots, now with prominence from the fitted priors
                s.priors_ = self.priors_
                s._apply_priors()
            for r in p.itertuples():
                s = snap(r.year_signed)
                sims = s.block_similarities(r.uk_id)
                known = set(p.loc[p["uk_id"] == r.uk_id, "cn_id"]) - {r.cn_id}
                sims = sims.drop(index=[i for i in known if i in sims.index])
                choices.append(Choice(sims[names].to_numpy(), int(sims.index.get_loc(r.cn_id))))
            prior = self.priors_["CN"]
            fixed = ("prominence", prior.hi - prior.lo) if (self.prior_offset and prior is not None) else None
            learned = fit_block_weights(choices, names, l2=self.weights_l2, fixed=fixed)
            self.weights_ = self._served_mix(learned)
        return self

    def _served_mix(self, learned: dict[str, float] | None) -> dict[str, float] | None:
        """The learned fit blocks' mix, summing to 10, plus the prominence dial chosen under the personalisation
        limits. The fit mix is learned beside prominence (so it says what fit adds to it); prominence's own
        learned weight is not served, because it would put the same popular places in everyone's list."""
        self.prominence_choice_ = []
        if learned is None:
            return None
        fit = {b: v for b, v in learned.items() if b != "prominence"}
        total = sum(fit.values())
        if total <= 0:
            return None
        fit = {b: round(v / total * 10, 2) for b, v in fit.items()}
        p, self.prominence_choice_ = self.choose_prominence(fit)
        return {**fit, "prominence": p}

    def _fit_scale(self, p: pd.DataFrame) -> ScaleParams:
        f = self.features_
        # Scale is learned from links that lasted: dormant/terminated ones are the mismatches to avoid.
        p = p[p["status"].isin(["active", "unknown"])]
        known = f["scale__population_imputed"] == 0
        p = p[p["uk_id"].map(known).astype(bool) & p["cn_id"].map(known).astype(bool)]
        # The county-level factor compares the pairs with the city-tier Chinese candidates a query could choose.
        cn = f.loc[np.asarray(self.ids_["CN"], dtype=object)[self.live_["CN"]]]
        city = cn[cn["scale__tier"] == 0]
        share = float(city["prominence__county_level"].mean()) if len(city) else 0.0
        return fit_scale(f.loc[p["uk_id"], "scale__log_population"].to_numpy(),
                         f.loc[p["cn_id"], "scale__log_population"].to_numpy(),
                         f.loc[p["uk_id"], "scale__tier"].to_numpy().astype(int),
                         f.loc[p["cn_id"], "scale__tier"].to_numpy().astype(int),
                         cn_county=f.loc[p["cn_id"], "prominence__county_level"].to_numpy() > 0,
                         county_share=share)

    def _cache_lookups(self, tables: Tables) -> None:
        """Plain dicts for the per-pair look-ups explanations make (a pandas .loc per fact is ~100x slower)."""
        # Plain Python values with None for a gap: what the served artifact stores, so answers read the same
        # values whether they come from this estimator or from the artifact.
        self.records_ = {i: {k: plain(v) for k, v in row.items()} for i, row in self.frame_.to_dict("index").items()}
        self.feature_rows_ = self.features_.to_dict("index")
        def plain_map(df: pd.DataFrame) -> dict:
            return {k: {c: plain(v) for c, v in row.items()} for k, row in df.to_dict("index").items()}

        self.sector_info_ = plain_map(self.sectors_)
        self.tag_info_ = plain_map(self.tags_)
        self.industry_evidence_map_ = plain_map(self.industry_evidence_)
        self.priority_evidence_map_ = plain_map(self.priority_evidence_)
        # Per locality, in column order: sectors with a strength, and priority tags held (what reasons read).
        sectors = {c: c.removeprefix("industry__") for c in self.industry_cols_all_}
        tags = {c: c.removeprefix("priorities__") for c in self.tag_cols_}
        self.sectors_of_ = {i: {s: float(row[c]) for c, s in sectors.items() if row[c] > 0}
                            for i, row in self.feature_rows_.items()}
        self.tags_of_ = {i: [t for c, t in tags.items() if row[c] > 0] for i, row in self.feature_rows_.items()}
        # Strong (>= 2/3) sectors in the National Security and Investment Act's areas: a due-diligence caveat.
        self.sensitive_sectors_ = {
            i: [(s, self.nsi_areas_[s]) for c in self.industry_cols_all_ if (s := c.removeprefix("industry__"))
                in self.nsi_areas_ and row[c] >= 2 / 3] for i, row in self.feature_rows_.items()}

    def _cache_blocks(self) -> None:
        f = self.features_
        cols = {b: [c for c in self.feature_names_ if c.startswith(b + "__")] for b in block_names()}
        self.industry_cols_all_ = [c for c in cols["industry"]
                                   if c not in ("industry__imputed", "industry__confidence")]
        self.nsi_areas_ = {s: str(info["nsi_area"]) for s, info in self.sectors_.iterrows()
                           if isinstance(info["nsi_area"], str) and info["nsi_area"].strip()}
        self.core_sensitive_ = sorted(s for s, area in self.nsi_areas_.items()
                                      if any(a.strip() in CORE_SENSITIVE_AREAS for a in area.split(";")))
        self.industry_cols_ = [c for c in self.industry_cols_all_
                               if c.removeprefix("industry__") not in self.core_sensitive_]
        self.needs_cols_ = cols["complementarity"]
        self.tag_cols_ = cols["priorities"]
        # Inverse document frequency of each priority tag over all localities (smoothed, as in TF-IDF).
        held = (f[self.tag_cols_] > 0).sum(axis=0).to_numpy(float)
        self.tag_idf_ = np.log((1 + len(f)) / (1 + held)) + 1
        needs_all = self.needs_cols_
        needs_safe = [c for c in needs_all if c.removeprefix("complementarity__") not in self.core_sensitive_]

        def idf(cols):  # smoothed IDF of each sector over all localities (1 everywhere when switched off)
            held = (f[cols] > 0).sum(axis=0).to_numpy(float)
            return np.log((1 + len(f)) / (1 + held)) + 1 if self.industry_idf else np.ones(len(cols))

        self.sector_idf_ = dict(zip((c.removeprefix("industry__") for c in self.industry_cols_all_),
                                    idf(self.industry_cols_all_), strict=True))

        def side(c, ind, needs):
            return kernel.Side.from_features(f.loc[self.ids_[c]], ind, self.tag_cols_, needs, self.tag_idf_,
                                             sector_weights=idf(ind))

        self.needs_cols_safe_ = needs_safe
        self.sides_ = {c: side(c, self.industry_cols_, needs_safe) for c in ("GB", "CN")}
        self.sides_sensitive_ = {c: side(c, self.industry_cols_all_, needs_all) for c in ("GB", "CN")}

    # ---- scoring -------------------------------------------------------------------------------
    def country_of(self, locality_id: str) -> str:
        try:
            return self.records_[locality_id]["country"]
        except AttributeError:
            check_is_fitted(self, "records_")  # raises sklearn's NotFittedError with its usual message
            raise

    def export(self) -> AnswerModel:
        """Today's answer model: the arrays and lookups serving reads, as plain values (no pandas)."""
        check_is_fitted(self, "features_")
        return AnswerModel(
            ids_={c: list(ids) for c, ids in self.ids_.items()}, sides_=dict(self.sides_),
            sides_sensitive_=dict(self.sides_sensitive_), pairs_=self.pairs_, scale_params_=self.scale_params_,
            live_=dict(self.live_), levels_=dict(self.levels_), parents_=dict(self.parents_),
            # The sector__/tag__ columns are features, already in sectors_of_ and tags_of_.
            records_={i: {k: v for k, v in r.items() if not k.startswith(("sector__", "tag__"))}
                      for i, r in self.records_.items()},
            feature_rows_={i: {c: float(row[c]) for c in EXPLAINED_FEATURES} for i, row in self.feature_rows_.items()},
            figure_names_=list(FIGURES),
            sector_info_=self.sector_info_, tag_info_=self.tag_info_,
            industry_evidence_map_=self.industry_evidence_map_, priority_evidence_map_=self.priority_evidence_map_,
            sectors_of_=self.sectors_of_, tags_of_=self.tags_of_, sensitive_sectors_=self.sensitive_sectors_,
            core_sensitive_=list(self.core_sensitive_), industry_cols_=list(self.industry_cols_),
            industry_cols_all_=list(self.industry_cols_all_), tag_cols_=list(self.tag_cols_),
            tag_idf_=self.tag_idf_, sector_idf_={s: float(v) for s, v in self.sector_idf_.items()},
            related_=self.related_, ancestors_=self.ancestors_,
            priors_=dict(self.priors_), attributes_={c: self.attributes(c) for c in ("GB", "CN")},
            n_partners_=dict(self.n_partners_), partner_counts_=dict(self.partner_counts_),
            partner_counts_unknown_=dict(self.partner_counts_unknown_), partnership_map_=self.partnership_map_,
            partners_={i: sorted(v) for i, v in self.partners_.items()},
            partnerships_=_plain_rows(self.partnerships_), closed_industry_=_plain_rows(self.closed_industry_),
            historic_industry_=_plain_rows(self.historic_industry_),
            saturation_at=self.saturation_at, reciprocity_=self.reciprocity_,
            reciprocity_top_=self.reciprocity_top_, travel_=self.travel_)

    def block_similarities(self, query: str, sensitive: bool = False) -> pd.DataFrame:
        """(candidates x blocks) similarities of `query` against every locality of the other country."""
        sims, ids = self.similarities(query, sensitive)
        return pd.DataFrame(sims, index=pd.Index(ids, name=None))[block_names()]

    def raw_block_similarities(self, query: str, sensitive: bool = False) -> pd.DataFrame:
        """The same before hub correction: each block by its definition, in [0, 1] (what reasons' facts are)."""
        q, c, pairs, is_gb = self._sides([query], sensitive)
        sims = kernel.blocks(q, c, pairs, self.scale_params_, is_gb, corrected=False)
        return pd.DataFrame({b: v[0] for b, v in sims.items()}, index=pd.Index(c.ids, name=None))[block_names()]

    def score(self, query: str, weights: dict[str, float] | None = None,
              sensitive: bool = False) -> tuple[pd.DataFrame, pd.Series]:
        """Contributions (candidates x blocks) and scores; scores are the row sums of contributions."""
        contributions = self.contributions(self.block_similarities(query, sensitive), weights)
        return contributions, pd.Series(kernel.total(contributions.to_numpy()), index=contributions.index)

    @staticmethod
    def contributions(sims: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
        """w_b * s_b / sum(w), per candidate and block (kernel.contributions on a table)."""
        w = check_weights(weights or {})
        return pd.DataFrame(kernel.contributions({b: sims[b].to_numpy() for b in w}, w),
                            index=sims.index, columns=list(w))

    def drop_history_cache(self) -> None:
        """Forget the per-year snapshots kept for learning: a served model needs only today's."""
        self._pair_cache = {None: self._pair_cache[None]} if None in self._pair_cache else {}

    def rank(self, query: str, weights: dict[str, float] | None = None, k: int = 10,
             filters: Filters | None = None) -> pd.DataFrame:
        """Top-k candidates with score and per-block contributions, best first (ties broken by id)."""
        w = check_weights(weights or {})
        ids, contributions = self.top(query, w, k, filters)
        table = pd.DataFrame(contributions, index=pd.Index(ids, name="id"), columns=list(w))
        return table.assign(score=kernel.total(contributions))
