"""Evaluate rankings on real partnerships: temporal split (default), leave-one-pair-out, or a holdout file.

For every held-out pair the link is removed from everything the model sees (tie features, partner counts,
the scale prior, learned weights) before its UK side is ranked. Baselines are scored in the same run on the
same candidates: random (expected value), population-nearest, popularity and unweighted z-score Euclidean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from features.sources import Tables
from matcher.build import fit_bundle
from matcher.config import block_names, default_weights, presets
from matcher.estimator import PartnerMatcher
from matcher.resolve import AmbiguousLocality, Resolver, UnknownLocality

MIN_TRAIN_PAIRS = 8


class HoldoutError(ValueError):
    """The holdout file cannot be read."""


@dataclass(frozen=True)
class Case:
    uk: str
    cn: str
    known: frozenset[str]  # candidates excluded when ranking this pair: the query's other positives


# ---- weights learned from history -----------------------------------------------------------------
def _training_rows(m: PartnerMatcher, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, w = [], [], []
    for uk, grp in pairs.groupby("uk_id"):
        sims = m.block_similarities(uk)
        positives = set(grp["cn_id"]) & set(sims.index)
        if not positives:
            continue
        labels = sims.index.isin(positives).astype(float)
        n_pos, n_neg = labels.sum(), len(labels) - labels.sum()
        X.append(sims.to_numpy())
        y.append(labels)
        # Each query counts once; positives and negatives weigh the same within it.
        w.append(np.where(labels == 1, 0.5 / n_pos, 0.5 / max(n_neg, 1)))
    if not X:
        return np.empty((0, len(block_names()))), np.empty(0), np.empty(0)
    return np.vstack(X), np.concatenate(y), np.concatenate(w)


def fit_weights(m: PartnerMatcher, pairs: pd.DataFrame, alpha: float = 0.05) -> dict[str, float] | None:
    """Non-negative ridge of 'is a real partner' on block similarities; scaled to the default total.
    Returns None when there are too few pairs to learn from (callers fall back to the defaults)."""
    pairs = pairs[pairs["uk_id"].isin(m.ids_["GB"]) & pairs["cn_id"].isin(m.ids_["CN"])]
    if len(pairs) < MIN_TRAIN_PAIRS:
        return None
    X, y, w = _training_rows(m, pairs)
    model = Ridge(alpha=alpha, positive=True).fit(X, y, sample_weight=w * len(np.unique(pairs["uk_id"])))
    coef = np.clip(model.coef_, 0, None)
    if coef.sum() <= 0:
        return None
    total = sum(default_weights().values())
    return {b: round(float(c / coef.sum() * total), 4) for b, c in zip(block_names(), coef, strict=True)}


def fit_weights_on_history(tables: Tables) -> dict[str, float] | None:
    bundle = fit_bundle(tables)
    return fit_weights(bundle.matcher, bundle.matcher.partnerships_)


# ---- ranking methods --------------------------------------------------------------------------------
def _rank_of(scores: pd.Series, target: str, exclude: frozenset[str]) -> int:
    """1-based rank of target among candidates, higher score first; ties count against the target."""
    s = scores.drop([i for i in exclude if i in scores.index and i != target])
    return int((s > s[target]).sum() + (s.drop(target) == s[target]).sum() + 1)


def _baseline_scores(m: PartnerMatcher, uk: str, zfeat: pd.DataFrame) -> dict[str, pd.Series]:
    cands = m.ids_["CN"]
    f = m.features_
    pop = -(f.loc[cands, "scale__log_population"] - f.loc[uk, "scale__log_population"]).abs()
    popularity = pd.Series(m.n_partners_.reindex(cands).fillna(0).to_numpy(), index=cands)
    # Tie-break popularity by population so it is a deterministic "big and popular first" ranking.
    popularity = popularity + 1e-3 * f.loc[cands, "scale__log_population"] / 10
    diff = zfeat.loc[cands].to_numpy() - zfeat.loc[uk].to_numpy()
    euclid = pd.Series(-np.sqrt((diff ** 2).sum(axis=1)), index=cands)
    return {"population": pop, "popularity": popularity, "euclidean": euclid}


def _metrics(ranks: list[int], k: int) -> dict[str, float]:
    r = np.asarray(ranks, dtype=float)
    if r.size == 0:
        return {"recall_at_k": 0.0, "mrr": 0.0, "ndcg_at_k": 0.0}
    ndcg = np.where(r <= k, 1.0 / np.log2(r + 1), 0.0)
    return {"recall_at_k": float((r <= k).mean()), "mrr": float((1.0 / r).mean()), "ndcg_at_k": float(ndcg.mean())}


def _random_expected(n_candidates: list[int], k: int) -> dict[str, float]:
    rec, mrr, ndcg = [], [], []
    for n in n_candidates:
        rec.append(min(k, n) / n)
        mrr.append(sum(1.0 / i for i in range(1, n + 1)) / n)
        ndcg.append(sum(1.0 / math.log2(i + 1) for i in range(1, min(k, n) + 1)) / n)
    return {"recall_at_k": float(np.mean(rec)), "mrr": float(np.mean(mrr)), "ndcg_at_k": float(np.mean(ndcg))}


def _zscored(m: PartnerMatcher) -> pd.DataFrame:
    """All features, z-scored over every locality: the CIPFA-style nearest-neighbour baseline."""
    f = m.features_.astype(float)
    return pd.DataFrame(StandardScaler().fit_transform(f), index=f.index, columns=f.columns).fillna(0.0)


def _score_cases(m: PartnerMatcher, cases: list[Case], weights: dict[str, dict[str, float]], k: int,
                 with_baselines: bool = True) -> dict:
    ranks: dict[str, list[int]] = {name: [] for name in weights}
    base: dict[str, list[int]] = {"population": [], "popularity": [], "euclidean": []}
    sizes, pairs = [], []
    z = _zscored(m) if with_baselines else None
    for case in cases:
        for name, w in weights.items():
            _, scores = m.score(case.uk, w)
            ranks[name].append(_rank_of(scores, case.cn, case.known))
        sizes.append(len(m.ids_["CN"]) - len(case.known - {case.cn}))
        if with_baselines:
            for name, s in _baseline_scores(m, case.uk, z).items():
                base[name].append(_rank_of(s, case.cn, case.known))
        pairs.append({"uk": case.uk, "cn": case.cn, "rank": ranks[next(iter(weights))][-1]})
    out = {"methods": {n: _metrics(r, k) for n, r in ranks.items()}, "pairs": pairs}
    if with_baselines:
        out["baselines"] = {"random": _random_expected(sizes, k), **{n: _metrics(r, k) for n, r in base.items()}}
    return out


# ---- protocols ----------------------------------------------------------------------------------------
def _cases(test: pd.DataFrame, train: pd.DataFrame, m: PartnerMatcher) -> list[Case]:
    cases = []
    for uk, grp in test.groupby("uk_id"):
        known = set(train.loc[train["uk_id"] == uk, "cn_id"]) | set(grp["cn_id"])
        for cn in grp["cn_id"]:
            if uk in m.pos_["GB"] and cn in m.pos_["CN"]:
                cases.append(Case(uk, cn, frozenset(known)))
    return cases


def default_split_year(partnerships: pd.DataFrame) -> int:
    """The year from which about a third of dated partnerships were signed."""
    years = partnerships["year_signed"].dropna().astype(int)
    return int(np.quantile(years, 2 / 3)) if len(years) else 2010


def _weight_sets(m: PartnerMatcher, train: pd.DataFrame, preset: str | None) -> dict[str, dict[str, float]]:
    """The weighting under test first (default: balanced, what the service uses), then every other
    preset and the weights fitted on the training split, all scored on the same cases."""
    from matcher.config import WeightError

    learned = fit_weights(m, train) or default_weights()
    known = {**{n: p.weights for n, p in presets().items()}, "fitted": learned}
    main = preset or "balanced"
    if main not in known:
        raise WeightError("preset", f"unknown preset '{main}'; known presets: {', '.join(sorted(known))}")
    return {main: known[main], **{n: w for n, w in known.items() if n != main}}


def _read_holdout(path: Path, resolver: Resolver) -> tuple[pd.DataFrame, list[dict]]:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise HoldoutError(f"cannot read holdout file {path}: {exc}") from None
    missing = {"uk", "cn"} - set(raw.columns)
    if missing:
        raise HoldoutError(f"holdout file {path} lacks column(s) {sorted(missing)}; needs uk, cn (and optional year)")
    rows, unresolved = [], []
    for n, r in raw.iterrows():
        try:
            uk = resolver.resolve(r["uk"], country="GB")
            cn = resolver.resolve(r["cn"], country="CN")
        except (UnknownLocality, AmbiguousLocality) as exc:
            unresolved.append({"line": int(n) + 2, "uk": r["uk"], "cn": r["cn"], "why": str(exc)})
            continue
        rows.append({"uk_id": uk, "cn_id": cn})
    return pd.DataFrame(rows, columns=["uk_id", "cn_id"]), unresolved


def run_evaluation(tables: Tables, k: int = 10, holdout: Path | None = None, split_year: int | None = None,
                   preset: str | None = None, leave_one_out: bool = True) -> dict:
    bundle = fit_bundle(tables)
    full = bundle.matcher
    allp = full.partnerships_
    unresolved: list[dict] = []
    if holdout is not None:
        test, unresolved = _read_holdout(Path(holdout), bundle.resolver)
        key = set(zip(test["uk_id"], test["cn_id"], strict=True))
        train = allp[[(u, c) not in key for u, c in zip(allp["uk_id"], allp["cn_id"], strict=True)]]
        protocol = f"holdout file {Path(holdout).name}"
    else:
        split_year = split_year or default_split_year(allp)
        dated = allp.dropna(subset=["year_signed"])
        train = dated[dated["year_signed"] < split_year]
        test = dated[dated["year_signed"] >= split_year]
        protocol = f"temporal split at {split_year}"
    m = full.with_partnerships(train)
    cases = _cases(test, train, m)
    sets = _weight_sets(m, train, preset)
    scored = _score_cases(m, cases, sets, k)
    main = next(iter(sets))
    n_missing = len(unresolved)
    # Unresolved holdout rows are misses: they lower every method's recall and MRR alike.
    def with_misses(metrics: dict) -> dict:
        n = len(cases) + n_missing
        return {key: (v * len(cases) / n if n else 0.0) for key, v in metrics.items()}

    report = {
        "k": k,
        "protocol": protocol,
        "split_year": split_year,
        "n_pairs": len(cases) + n_missing,
        "n_train_pairs": int(len(train)),
        "weights": sets[main],
        "weights_name": main,
        "model": with_misses(scored["methods"][main]),
        "baselines": {n: with_misses(v) for n, v in scored["baselines"].items()},
        "presets": {n: with_misses(v) for n, v in scored["methods"].items() if n != main},
        "pairs": [{**p, "uk_name": m.frame_.loc[p["uk"], "name"], "cn_name": m.frame_.loc[p["cn"], "name"]}
                  for p in scored["pairs"]],
        "unresolved": unresolved,
    }
    if leave_one_out and holdout is None:
        report["leave_one_out"] = leave_one_pair_out(full, k, sets[main])
    return report


def leave_one_pair_out(full: PartnerMatcher, k: int, weights: dict[str, float]) -> dict:
    """Each partnership in turn: removed from everything, then ranked with `weights` and with weights
    re-learned on the remaining pairs ("fitted")."""
    allp = full.partnerships_
    ranks: list[int] = []
    fitted_ranks: list[int] = []
    reverse_ranks: list[int] = []  # the same pair from the Chinese side: where the UK partner ranks
    base: dict[str, list[int]] = {"population": [], "popularity": [], "euclidean": []}
    sizes, reverse_sizes = [], []
    z = _zscored(full)
    for i, row in allp.iterrows():
        train = allp.drop(index=i)
        train = train[~((train["uk_id"] == row["uk_id"]) & (train["cn_id"] == row["cn_id"]))]
        m = full.with_partnerships(train)
        if row["uk_id"] not in m.pos_["GB"] or row["cn_id"] not in m.pos_["CN"]:
            continue
        learned = fit_weights(m, train) or default_weights()
        known = frozenset(set(train.loc[train["uk_id"] == row["uk_id"], "cn_id"]) | {row["cn_id"]})
        for w, sink in ((weights, ranks), (learned, fitted_ranks)):
            _, scores = m.score(row["uk_id"], w)
            sink.append(_rank_of(scores, row["cn_id"], known))
        sizes.append(len(m.ids_["CN"]) - len(known) + 1)
        for name, s in _baseline_scores(m, row["uk_id"], z).items():
            base[name].append(_rank_of(s, row["cn_id"], known))
        known_uk = frozenset(set(train.loc[train["cn_id"] == row["cn_id"], "uk_id"]) | {row["uk_id"]})
        _, scores = m.score(row["cn_id"], weights)
        reverse_ranks.append(_rank_of(scores, row["uk_id"], known_uk))
        reverse_sizes.append(len(m.ids_["GB"]) - len(known_uk) + 1)
    return {"n_pairs": len(ranks), "model": _metrics(ranks, k), "fitted": _metrics(fitted_ranks, k),
            "baselines": {"random": _random_expected(sizes, k), **{n: _metrics(r, k) for n, r in base.items()}},
            "reverse": {"model": _metrics(reverse_ranks, k), "random": _random_expected(reverse_sizes, k)}}
