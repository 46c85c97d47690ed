"""Evaluate rankings on real partnerships, so that nothing can flatter the model.

- **Time-sliced.** A held-out pair is scored from a snapshot of the links as they stood before it:
  partnerships, education links, flights and missions dated before its signing year (temporal protocol:
  before the split year). Undated side-table rows are left out of every snapshot (counted in the report);
  undated pairs cannot be held out honestly and are counted, not scored. Locality attributes (population,
  industry, priorities, universities) are as of today.
- **Learned per fold.** The scale prior, the prominence prior and the default weights are re-learned from
  the training pairs only, each described as of its own year (matcher.model.ranker).
- **Strong baselines on the same candidates:** random (expected), population-nearest, popularity,
  CIPFA-style Euclidean, and two priors that know nothing of the query beyond its tier: `tier_size`
  (same tier first, then the largest) and `candidate_prior` (prominence alone, fitted on the training pairs).
- **Size-matched fit:** the share of same-tier candidates of similar population (|d log10| <= 0.15) that
  the real partner outranks. Anything that only knows size scores 0.5.
- **Grouped CV by UK query** (`leave_one_out`): no query's pairs are in both train and test.
- **Intervals:** 95% bootstrap over UK queries (pairs of one query move together).
- **Validation:** the L2 strength of the weights is chosen on a split inside the temporal training set,
  never on the test pairs; ablations drop each block in turn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.pairs import links_before
from features.resolve import AmbiguousLocality, Resolver, UnknownLocality
from features.sources import Tables
from matcher.config import block_names, default_weights, presets
from matcher.model import kernel
from matcher.model.build import fit_bundle
from matcher.model.estimator import PartnerMatcher

Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None when unknown)
SIZE_BAND = 0.15          # |d log10 population| for "similar size"
L2_GRID = tuple((p, w) for p in (0.01, 0.1, 1.0) for w in (0.003, 0.03, 0.3))  # (prior, weights)
N_BOOT = 1000
BASELINES = ("population", "popularity", "euclidean", "tier_size", "candidate_prior")


class HoldoutError(ValueError):
    """The holdout file cannot be read."""


@dataclass(frozen=True)
class Case:
    uk: str
    cn: str
    year: int | None          # the snapshot: links dated before this year (None: all, for undated holdouts)
    known: frozenset[str]     # the query's other partners: left out of its candidates


# ---- per-case scoring -------------------------------------------------------------------------------
def _rank(scores: np.ndarray, target: int, keep: np.ndarray) -> int:
    """1-based rank of target among kept candidates; ties count against the target."""
    s, t = scores[keep], scores[target]
    return int((s > t).sum() + (s == t).sum())  # the target itself is one of the ties


def _size_matched(scores: np.ndarray, target: int, peers: np.ndarray) -> float:
    if not len(peers):
        return float("nan")
    t, p = scores[target], scores[peers]
    return float(((t > p).sum() + 0.5 * (t == p).sum()) / len(p))


class _Scorer:
    """Scores for one snapshot and query: the model under any weights, and every baseline."""

    def __init__(self, m: PartnerMatcher, uk: str, z: pd.DataFrame):
        self.m, self.uk = m, uk
        self.cands = m.ids_["CN"]
        self.sims = m.block_similarities(uk)
        f = m.features_
        self.log_pop = f.loc[self.cands, "scale__log_population"].to_numpy()
        tiers = m.frame_.loc[self.cands, "tier"].to_numpy()
        self.tiers = tiers
        self.z = z
        self.q_tier = m.frame_.loc[uk, "tier"]

    def model(self, w: dict[str, float]) -> np.ndarray:
        """Scores under `w` (blocks it leaves out weigh 0), summed as the served ones are (kernel.scores)."""
        w = {b: w.get(b, 0.0) for b in block_names()}
        if not sum(w.values()):
            return np.zeros(len(self.cands))
        return kernel.scores({b: self.sims[b].to_numpy() for b in w}, w)

    def baselines(self) -> dict[str, np.ndarray]:
        m, f = self.m, self.m.features_
        q_pop = f.loc[self.uk, "scale__log_population"]
        popularity = np.array([m.n_partners_.get(c, 0) for c in self.cands], float) + 1e-4 * self.log_pop
        diff = self.z.loc[self.cands].to_numpy() - self.z.loc[self.uk].to_numpy()
        return {
            "population": -np.abs(self.log_pop - q_pop),
            "popularity": popularity,
            "euclidean": -np.sqrt((diff ** 2).sum(axis=1)),
            "tier_size": (self.tiers == self.q_tier) * 100.0 + self.log_pop,
            "candidate_prior": m.prior_scores(self.uk) + 1e-6 * self.log_pop,
        }


def _static_z(m: PartnerMatcher) -> pd.DataFrame:
    """Attributes of places only (no link counts, nothing dated), z-scored: the CIPFA-style baseline."""
    f = m.features_
    cols = [c for c in f.columns if c.split("__")[0] in ("industry", "scale", "education", "priorities")
            and not c.endswith("imputed")]
    x = f[cols].astype(float)
    return ((x - x.mean()) / x.std(ddof=0).replace(0, 1)).fillna(0.0)


@dataclass
class Outcome:
    uk: str
    cn: str
    year: int | None
    ranks: dict[str, int]
    fits: dict[str, float]
    n_candidates: int
    n_peers: int
    score: float = float("nan")  # the main method's score of the real partner


def _score_case(m: PartnerMatcher, case: Case, weight_sets: dict[str, dict[str, float]], z: pd.DataFrame,
                ablate: dict[str, float] | None) -> Outcome:
    sc = _Scorer(m, case.uk, z)
    ids = np.array(sc.cands)
    target = int(np.flatnonzero(ids == case.cn)[0])
    keep = ~np.isin(ids, list(case.known - {case.cn}))
    imputed = m.features_.loc[sc.cands, "scale__population_imputed"].to_numpy() > 0
    peers = np.flatnonzero(keep & ~imputed & (sc.tiers == sc.tiers[target])
                           & (np.abs(sc.log_pop - sc.log_pop[target]) <= SIZE_BAND))
    peers = peers[peers != target]
    methods = {name: sc.model(w) for name, w in weight_sets.items()}
    methods.update(sc.baselines())
    if ablate:
        for b in block_names():
            methods[f"ablate:{b}"] = sc.model({**ablate, b: 0.0})
    main = next(iter(weight_sets))
    return Outcome(case.uk, case.cn, case.year,
                   {n: _rank(s, target, keep) for n, s in methods.items()},
                   {n: _size_matched(s, target, peers) for n, s in methods.items()},
                   int(keep.sum()), len(peers), float(methods[main][target]))


# ---- metrics and intervals --------------------------------------------------------------------------
def _per_pair(ranks: np.ndarray, k: int) -> dict[str, np.ndarray]:
    r = ranks.astype(float)
    return {"recall_at_k": (r <= k).astype(float), "mrr": 1.0 / r,
            "ndcg_at_k": np.where(r <= k, 1.0 / np.log2(r + 1), 0.0)}


def _random_per_pair(sizes: np.ndarray, k: int) -> dict[str, np.ndarray]:
    rec = np.minimum(k, sizes) / sizes
    mrr = np.array([sum(1.0 / i for i in range(1, n + 1)) / n for n in sizes])
    ndcg = np.array([sum(1.0 / math.log2(i + 1) for i in range(1, min(k, n) + 1)) / n for n in sizes])
    return {"recall_at_k": rec, "mrr": mrr, "ndcg_at_k": ndcg}


def _summarise(values: dict[str, np.ndarray], groups: np.ndarray, rng: np.random.Generator,
               n_missing: int = 0) -> dict[str, float | list[float]]:
    """Means (unresolved holdout rows count as misses) with 95% bootstrap intervals over query groups."""
    uniq = np.unique(groups)
    idx = {g: np.flatnonzero(groups == g) for g in uniq}
    draws = [np.concatenate([idx[g] for g in rng.choice(uniq, len(uniq))]) for _ in range(N_BOOT)] if len(uniq) else []
    out: dict[str, float | list[float]] = {}
    for key, v in values.items():
        pad = 0 if key == "size_matched_fit" else n_missing
        ok = ~np.isnan(v)

        def mean(sel, v=v, ok=ok, pad=pad):
            sel = sel[ok[sel]]
            return float(v[sel].sum() / (len(sel) + pad)) if len(sel) + pad else float("nan")

        out[key] = mean(np.arange(len(v)))
        boots = [mean(d) for d in draws]
        boots = [b for b in boots if not math.isnan(b)]
        out[f"{key}_ci"] = ([float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))]
                            if boots else [float("nan"), float("nan")])
    return out


def _report(outcomes: list[Outcome], k: int, names: list[str], n_missing: int = 0, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    groups = np.array([o.uk for o in outcomes])
    res: dict[str, dict] = {}
    for n in names:
        ranks = np.array([o.ranks[n] for o in outcomes]) if outcomes else np.array([])
        vals = _per_pair(ranks, k) if outcomes else {}
        vals["size_matched_fit"] = np.array([o.fits[n] for o in outcomes])
        res[n] = _summarise(vals, groups, rng, n_missing)
    sizes = np.array([o.n_candidates for o in outcomes])
    rand = _random_per_pair(sizes, k) if outcomes else {}
    rand["size_matched_fit"] = np.array([0.5 if o.n_peers else np.nan for o in outcomes])
    res["random"] = _summarise(rand, groups, rng, n_missing)
    return res


# ---- training with choices made on validation ----------------------------------------------------------
def learned(full: PartnerMatcher, train: pd.DataFrame, l2: tuple[float, float] | None = None) -> PartnerMatcher:
    """A copy of `full` that learned its priors and weights from `train` only (with the given L2s)."""
    import copy

    m = copy.copy(full)
    if l2 is not None:
        m.prior_l2, m.weights_l2 = l2
    return m.with_partnerships(train)


def _weights(m: PartnerMatcher) -> dict[str, float]:
    return dict(m.weights_) if m.weights_ else default_weights()


def choose_l2(full: PartnerMatcher, train: pd.DataFrame, k: int) -> tuple[tuple[float, float], dict]:
    """The (prior, weights) L2 strengths with the best validation MRR: train on the earlier two thirds of
    the training pairs, validate on the rest (time-sliced like the test)."""
    dated = train.dropna(subset=["year_signed"])
    if len(dated) < 12:
        return (full.prior_l2, full.weights_l2), {"note": "too few pairs to validate; defaults kept"}
    cut = int(np.quantile(dated["year_signed"].astype(int), 2 / 3))
    inner, val = dated[dated["year_signed"] < cut], dated[dated["year_signed"] >= cut]
    scores = {}
    z = _static_z(full)
    for l2 in L2_GRID:
        m = learned(full, inner, l2)
        w = {"model": _weights(m)}
        outs = [_score_case(m.snapshot(inner, cut), c, w, z, None) for c in _cases(val, inner, m, lambda r: cut)]
        scores[l2] = float(np.mean([1.0 / o.ranks["model"] for o in outs])) if outs else 0.0
    best = max(scores, key=lambda v: (scores[v], v))  # on a tie, the stronger penalty
    return best, {"split_year": cut, "n_train": int(len(inner)), "n_val": int(len(val)),
                  "mrr_by_l2": {f"prior {a}, weights {b}": s for (a, b), s in scores.items()},
                  "chosen_l2": {"prior": best[0], "weights": best[1]}}


def _cases(test: pd.DataFrame, train: pd.DataFrame, m: PartnerMatcher, year_of) -> list[Case]:
    cases = []
    for uk, grp in test.groupby("uk_id"):
        known = set(train.loc[train["uk_id"] == uk, "cn_id"]) | set(grp["cn_id"])
        for r in grp.drop_duplicates(["uk_id", "cn_id"]).itertuples():
            if uk in m.pos_["GB"] and r.cn_id in m.pos_["CN"]:
                cases.append(Case(uk, r.cn_id, year_of(r), frozenset(known)))
    return cases


def _snapshot_counts(m: PartnerMatcher, year: int | None) -> dict:
    return links_before(m.link_frames_, year)[1]


def default_split_year(partnerships: pd.DataFrame) -> int:
    """The year from which about a third of dated partnerships were signed."""
    years = partnerships["year_signed"].dropna().astype(int)
    return int(np.quantile(years, 2 / 3)) if len(years) else 2010


def _served_weights(full: PartnerMatcher, allp: pd.DataFrame, k: int) -> dict[str, float]:
    """What `matcher build` serves: weights learned from every pair, L2 chosen on validation as it does."""
    l2, _ = choose_l2(full, allp, k)
    return _weights(learned(full, allp, l2))


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
        year = str(r.get("year", "")).strip()
        if year and not year.isdigit():
            raise HoldoutError(f"holdout file {path}, line {int(n) + 2}, column 'year': '{year}' is not a year")
        rows.append({"uk_id": uk, "cn_id": cn, "year_signed": float(year) if year else np.nan})
    return pd.DataFrame(rows, columns=["uk_id", "cn_id", "year_signed"]), unresolved


def _method_sets(m: PartnerMatcher, preset: str | None) -> tuple[str, dict[str, dict[str, float]]]:
    from matcher.config import WeightError

    model = _weights(m)
    known = {"model": model, "fit_only": {**model, "prominence": 0.0},
             **{f"preset:{n}": p.weights for n, p in presets().items() if n != "balanced"},
             "hand_set_defaults": default_weights()}
    if preset in (None, "", "balanced", "fitted"):
        return "model", known  # "model" is first: _score_case reports its score
    if f"preset:{preset}" not in known:
        raise WeightError("preset", f"unknown preset '{preset}'; known presets: "
                                    f"{', '.join(sorted([*presets(), 'fitted']))}")
    main = f"preset:{preset}"
    return main, {main: known[main], **{n: w for n, w in known.items() if n != main}}


def _pairs(outcomes: list[Outcome], main: str, m: PartnerMatcher) -> list[dict]:
    return [{"uk": o.uk, "cn": o.cn, "year": o.year, "rank": o.ranks[main], "score": o.score,
             "rank_candidate_prior": o.ranks["candidate_prior"], "rank_tier_size": o.ranks["tier_size"],
             "size_matched_fit": None if math.isnan(o.fits[main]) else o.fits[main],
             "uk_name": m.frame_.loc[o.uk, "name"], "cn_name": m.frame_.loc[o.cn, "name"]} for o in outcomes]


def _assemble(outcomes: list[Outcome], k: int, main: str, sets: dict, n_missing: int = 0) -> dict:
    names = list(sets) + list(BASELINES) + [f"ablate:{b}" for b in block_names()]
    rep = _report(outcomes, k, names, n_missing)
    return {
        "n_pairs": len(outcomes) + n_missing,
        "model": rep[main],
        "baselines": {"random": rep["random"], **{b: rep[b] for b in BASELINES}},
        "presets": {n: rep[n] for n in sets if n != main},
        "ablations": {b: {key: v for key, v in rep[f"ablate:{b}"].items() if not key.endswith("_ci")}
                      for b in block_names()},
    }


def _no_progress(stage: str, done: int, total: int | None) -> None:
    pass


def run_evaluation(tables: Tables, k: int = 10, holdout: Path | None = None, split_year: int | None = None,
                   preset: str | None = None, leave_one_out: bool = True, progress: Progress | None = None) -> dict:
    """`progress(stage, done, total)` is called as the work goes (total None: a step of unknown length)."""
    tick = progress or _no_progress
    tick("fitting the model on all the data", 0, None)
    bundle = fit_bundle(tables)
    full = bundle.estimator
    allp = tables["partnerships"]
    allp = allp[allp["uk_id"].isin(full.pos_["GB"]) & allp["cn_id"].isin(full.pos_["CN"])]
    unresolved: list[dict] = []
    z = _static_z(full)
    tick("learning weights on the training pairs", 0, None)
    if holdout is not None:
        test, unresolved = _read_holdout(Path(holdout), bundle.resolver)
        key = set(zip(test["uk_id"], test["cn_id"], strict=True))
        train = allp[[(u, c) not in key for u, c in zip(allp["uk_id"], allp["cn_id"], strict=True)]]
        protocol = f"holdout file {Path(holdout).name}: each pair sliced at its year where given"
        l2, validation = choose_l2(full, train, k)
        m = learned(full, train, l2)
        cases = _cases(test, train, m, lambda r: None if pd.isna(r.year_signed) else int(r.year_signed))
    else:
        split_year = split_year or default_split_year(allp)
        dated = allp.dropna(subset=["year_signed"])
        train = dated[dated["year_signed"] < split_year]
        test = dated[dated["year_signed"] >= split_year]
        protocol = f"temporal split at {split_year}: trained on pairs signed before it, all links sliced at it"
        l2, validation = choose_l2(full, train, k)
        m = learned(full, train, l2)
        cases = _cases(test, train, m, lambda r: split_year)
    main, sets = _method_sets(m, preset)
    outcomes = []
    for i, c in enumerate(cases):
        tick("held-out pairs", i, len(cases))
        outcomes.append(_score_case(m.snapshot(train, c.year), c, sets, z, sets[main]))
    tick("held-out pairs", len(cases), len(cases))
    report = {
        "k": k, "protocol": protocol, "split_year": split_year,
        "served_weights": _served_weights(full, allp, k),
        "n_train_pairs": int(len(train)), "weights": sets[main], "weights_name": main,
        **_assemble(outcomes, k, main, sets, len(unresolved)),
        "pairs": _pairs(outcomes, main, full),
        "unresolved": unresolved,
        "validation": validation,
        "snapshot": {"sliced_at": split_year if holdout is None else "each pair's year",
                     "rows_left_out": _snapshot_counts(full, split_year) if holdout is None else None,
                     "undated_pairs_not_held_out": int(allp["year_signed"].isna().sum())},
    }
    if leave_one_out:
        # With a holdout file, the grouped CV runs on the other pairs only: no holdout pair is seen.
        report["leave_one_out"] = grouped_cv(full, allp if holdout is None else train, k, l2, preset, z, progress)
    return report


def grouped_cv(full: PartnerMatcher, allp: pd.DataFrame, k: int, l2: tuple[float, float], preset: str | None,
               z: pd.DataFrame, progress: Progress | None = None) -> dict:
    """Leave one UK query out: learn from every other query's pairs, score each of its dated pairs from a
    snapshot at that pair's year; also rank the UK partner from the Chinese side (reverse)."""
    outcomes, reverse, reverse_sizes, reverse_groups = [], [], [], []
    main = "model"
    sets: dict[str, dict[str, float]] = {}
    tick, n_queries = progress or _no_progress, allp["uk_id"].nunique()
    for i, (uk, grp) in enumerate(allp.groupby("uk_id")):
        tick("grouped cross-validation, by UK query", i, n_queries)
        train = allp[allp["uk_id"] != uk]
        m = learned(full, train, l2)
        main, sets = _method_sets(m, preset)
        for c in _cases(grp.dropna(subset=["year_signed"]), train, m, lambda r: int(r.year_signed)):
            snap = m.snapshot(train, c.year)
            outcomes.append(_score_case(snap, c, sets, z, sets[main]))
            _, scores = snap.score(c.cn, sets[main])
            known_uk = set(train.loc[train["cn_id"] == c.cn, "uk_id"]) | {c.uk}
            keep = ~scores.index.isin(list(known_uk - {c.uk}))
            reverse.append(_rank(scores.to_numpy(), int(scores.index.get_loc(c.uk)), keep))
            reverse_sizes.append(int(keep.sum()))
            reverse_groups.append(c.uk)
    tick("grouped cross-validation, by UK query", n_queries, n_queries)
    out = {"protocol": "grouped cross-validation by UK query (leave one query out), each pair sliced at its year",
           "n_undated_pairs_not_scored": int(allp["year_signed"].isna().sum()),
           **_assemble(outcomes, k, main, sets), "pairs": _pairs(outcomes, main, full)}
    rng = np.random.default_rng(1)
    g = np.array(reverse_groups)
    rv = _per_pair(np.array(reverse), k) if reverse else {}
    out["reverse"] = {"model": _summarise(rv, g, rng) if reverse else {},
                      "random": _summarise(_random_per_pair(np.array(reverse_sizes), k), g, rng) if reverse else {}}
    return out
