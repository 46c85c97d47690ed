"""One scikit-learn transformer per feature block. Each reads the wide locality frame (features.frame),
learns what it needs in `fit` (imputation statistics, per-country ranks), and returns numeric columns.

Every block that fills a gap also returns `imputed` flags, so an explanation can say "estimated".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from matcher.config import education_group


class _Block(TransformerMixin, BaseEstimator):
    """Shared plumbing: names out, pandas output, fitted check."""

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "names_")
        return np.asarray(self.names_, dtype=object)

    def _frame(self, X: pd.DataFrame, values: dict[str, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame(values, index=X.index)[self.names_]


def _columns(X: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in X.columns if c.startswith(prefix)]


class IndustryBlock(_Block):
    """Sector strengths on the shared taxonomy, scaled to [0, 1] (3 = defining industry).

    A locality with no sourced sectors borrows its parent's at `inherit` strength, flagged as imputed;
    with no parent data it stays at zero and is flagged too. `confidence` says how much a match on the
    borrowed mix counts: at most `inherit`, and less the smaller the child is within its parent
    (sqrt of its population share), because a nation's steel says little about one of its rural
    councils (Wales' steel is Port Talbot's, not Gwynedd's).
    """

    def __init__(self, inherit: float = 0.5):
        self.inherit = inherit

    def fit(self, X: pd.DataFrame, y=None):
        self.sectors_ = [c.removeprefix("sector__") for c in _columns(X, "sector__")]
        self.names_ = self.sectors_ + ["imputed", "confidence"]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "sectors_")
        cols = [f"sector__{s}" for s in self.sectors_]
        raw = X[cols].astype(float) / 3.0
        missing = raw.isna().all(axis=1)
        by_id = raw.set_axis(X["id"].to_numpy())
        parents = X["parent_id"].where(X["parent_id"].isin(by_id.index))
        filled = raw.copy()
        pop = X["population"].astype(float).set_axis(X["id"].to_numpy())
        confidence = np.where(missing.to_numpy(), 0.0, 1.0)
        for i in np.flatnonzero(missing.to_numpy()):
            parent = parents.iloc[i]
            if isinstance(parent, str) and not by_id.loc[parent].isna().all():
                filled.iloc[i] = by_id.loc[parent].fillna(0.0).to_numpy() * self.inherit
                share = pop.iloc[i] / pop.get(parent, np.nan)
                confidence[i] = self.inherit * (min(1.0, np.sqrt(share)) if np.isfinite(share) else 0.5)
        values = {s: filled[c].fillna(0.0).to_numpy() for s, c in zip(self.sectors_, cols, strict=True)}
        values["imputed"] = missing.astype(float).to_numpy()
        values["confidence"] = confidence
        return self._frame(X, values)


class ScaleBlock(_Block):
    """Size and tier: log10 population, log10 GDP in GBP, and tier (1 = region-level body, 0 = city).

    Gaps are filled with the median of the same country and level, and flagged.
    """

    figures = ("population", "gdp_gbp_m")

    def fit(self, X: pd.DataFrame, y=None):
        logs = np.log10(X[list(self.figures)].astype(float))
        groups = logs.groupby([X["country"], X["level"]])
        self.medians_ = groups.median()
        self.country_medians_ = logs.groupby(X["country"]).median()
        self.names_ = ["log_population", "log_gdp_gbp", "tier", "population_imputed", "gdp_imputed"]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "medians_")
        logs = np.log10(X[list(self.figures)].astype(float))
        out = {}
        for fig, name, flag in zip(self.figures, ["log_population", "log_gdp_gbp"],
                                   ["population_imputed", "gdp_imputed"], strict=True):
            col = logs[fig].copy()
            gap = col.isna()
            for i in np.flatnonzero(gap.to_numpy()):
                key = (X["country"].iloc[i], X["level"].iloc[i])
                med = self.medians_[fig].get(key, np.nan)
                if pd.isna(med):
                    med = self.country_medians_[fig].get(X["country"].iloc[i], np.nan)
                col.iloc[i] = med
            out[name] = col.fillna(0.0).to_numpy()
            out[flag] = gap.astype(float).to_numpy()
        out["tier"] = (X["tier"] == "region").astype(float).to_numpy()
        return self._frame(X, out)


class EducationBlock(_Block):
    """Higher-education strength in [0, 1]: the mean percentile of institutions, students and (GB)
    China-domiciled students among localities of the same country and tier. Percentiles keep the two
    countries comparable despite their size gap; the tier keeps a city from being ranked against provinces.

    A place with no sourced figure is flagged `imputed`. In a group where most places have a figure, a gap
    is a gap in our data, neither strength nor weakness: it gets the group's median. In a group where most
    places have none (UK councils, Chinese county-level cities), the figures come from lists of institutions
    (4icu, the Ministry of Education list), and a place absent from such a list has none recorded: it gets 0.
    """

    MIN_COVERAGE = 0.5

    # born_in_china (GB: Census 2021 residents born in China) is the only council-wide measure of a Chinese
    # community and student presence; the census counts students at their term-time address.
    figures = ("hei_count", "students_he", "students_from_china", "born_in_china")

    def fit(self, X: pd.DataFrame, y=None):
        # Figures are ranked within matcher.config.education_group (a Chinese county-level city among
        # prefecture-level cities); a gap is filled by the place's own group's rule below.
        ranked_in = [education_group(c, t) for c, t in zip(X["country"], X["tier"], strict=True)]
        self.reference_ = {}
        for key, grp in X.groupby(pd.Series(ranked_in, index=X.index)):
            self.reference_[key] = {f: np.sort(grp[f].dropna().astype(float).to_numpy()) for f in self.figures}
        known = self._raw(X)
        groups = pd.Series(known).groupby([X["country"].to_numpy(), X["tier"].to_numpy()])
        coverage = groups.apply(lambda v: v.notna().mean())
        self.medians_ = {k: (float(v) if coverage[k] >= self.MIN_COVERAGE else 0.0)
                         for k, v in groups.median().items() if pd.notna(v)}
        self.names_ = ["strength", "hei_percentile", "china_students", "imputed"]
        return self

    def _pct(self, key: tuple[str, str], fig: str, v: float) -> float:
        ref = self.reference_.get(key, {}).get(fig, np.array([]))
        if np.isnan(v) or ref.size == 0:
            return np.nan
        return float(np.searchsorted(ref, v, side="right")) / ref.size

    def _pcts(self, row) -> list[float]:
        return [self._pct(education_group(row["country"], row["tier"]), f, float(row[f])) for f in self.figures]

    def _raw(self, X: pd.DataFrame) -> np.ndarray:
        out = []
        for _, row in X.iterrows():
            known = [p for p in self._pcts(row) if not np.isnan(p)]
            out.append(float(np.mean(known)) if known else np.nan)
        return np.array(out)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "reference_")
        raw = self._raw(X)
        strength, hei, china, imputed = [], [], [], []
        for (_, row), value in zip(X.iterrows(), raw, strict=True):
            pcts = self._pcts(row)
            missing = np.isnan(value)
            strength.append(self.medians_.get((row["country"], row["tier"]), 0.0) if missing else value)
            hei.append(0.0 if np.isnan(pcts[0]) else pcts[0])
            china.append(0.0 if np.isnan(pcts[2]) else pcts[2])
            imputed.append(1.0 if missing else 0.0)
        return self._frame(X, {"strength": np.array(strength), "hei_percentile": np.array(hei),
                               "china_students": np.array(china), "imputed": np.array(imputed)})


class StudentLinksBlock(_Block):
    """Per-locality side of student and institutional flows: how many campuses/joint institutes it takes
    part in (log-scaled). The pair side (a link between these two places) is in features.pairs."""

    def fit(self, X: pd.DataFrame, y=None):
        self.names_ = ["links"]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "names_")
        return self._frame(X, {"links": np.log1p(X["edu_links"].astype(float).to_numpy())})


class PrioritiesBlock(_Block):
    """Policy-priority tags as 0/1 columns."""

    def fit(self, X: pd.DataFrame, y=None):
        self.tags_ = [c.removeprefix("tag__") for c in _columns(X, "tag__")]
        self.names_ = list(self.tags_)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "tags_")
        return self._frame(X, {t: X[f"tag__{t}"].astype(float).to_numpy() for t in self.tags_})


class NeedsBlock(_Block):
    """What a locality's priorities ask of a partner, as sector demand in [0, 1]: a sector is needed when
    one of the locality's priority tags lists it as related (priority_tags.csv). Feeds complementarity."""

    def __init__(self, related: dict[str, list[str]] | None = None):
        self.related = related

    def fit(self, X: pd.DataFrame, y=None):
        self.sectors_ = [c.removeprefix("sector__") for c in _columns(X, "sector__")]
        self.related_ = dict(self.related or {})
        self.names_ = list(self.sectors_)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "related_")
        needs = {s: np.zeros(len(X)) for s in self.sectors_}
        for tag, sectors in self.related_.items():
            col = f"tag__{tag}"
            if col not in X:
                continue
            has = X[col].astype(float).to_numpy()
            for s in sectors:
                if s in needs:
                    needs[s] = np.maximum(needs[s], has)
        return self._frame(X, needs)


class ConnectivityBlock(_Block):
    """Per-locality connectivity to the other country: direct routes (log-scaled) and whether it hosts
    the other country's embassy or consulate. Pair-level ties are in features.pairs."""

    def fit(self, X: pd.DataFrame, y=None):
        self.names_ = ["routes", "hosts_mission"]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "names_")
        return self._frame(X, {"routes": np.log1p(X["routes"].astype(float).to_numpy()),
                               "hosts_mission": X["hosts_mission"].astype(float).to_numpy()})


class ProminenceBlock(_Block):
    """Static per-locality attributes of the prominence prior that no other block carries: provincial
    capital status and the county level. Link-derived attributes (flights, missions, partners held) are
    added per time slice by the estimator, never from today's tables."""

    def fit(self, X: pd.DataFrame, y=None):
        self.names_ = ["capital", "county_level", "foreign_partners"]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "names_")
        capital = X["provincial_capital"].astype(float).fillna(0.0).to_numpy() if "provincial_capital" in X \
            else np.zeros(len(X))
        # Twin cities outside the UK (an undated 2026 list: it looks ahead of any past snapshot): openness to
        # foreign partners, whatever the match. A place the list does not name has none recorded.
        foreign = np.log1p(X["foreign_partners"].astype(float).fillna(0.0).to_numpy()) if "foreign_partners" in X \
            else np.zeros(len(X))
        return self._frame(X, {"capital": capital, "county_level": (X["tier"] == "county").astype(float).to_numpy(),
                               "foreign_partners": foreign})
