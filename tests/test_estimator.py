"""Ranking behaviour, including property tests over arbitrary weights."""

import copy
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from matcher.artifact.model import Filters
from matcher.config import WeightError, block_names, check_weights

GB_QUERIES = ["E08000901", "E08000902", "E06000903", "E06000904"]
weights_st = st.dictionaries(st.sampled_from(block_names()), st.floats(0, 10, allow_nan=False), min_size=1).filter(
    lambda w: sum(check_weights(w).values()) > 0
)


@given(w=weights_st, q=st.sampled_from(GB_QUERIES))
@settings(max_examples=40, deadline=None)
def test_contributions_add_up_and_scores_in_range(matcher, w, q):
    contributions, scores = matcher.score(q, w)
    assert np.allclose(contributions.sum(axis=1), scores, atol=1e-12)
    # Before hub correction every block is in [0, 1], so a weighted mean of them is too.
    raw = matcher.contributions(matcher.raw_block_similarities(q), w).sum(axis=1)
    assert ((raw >= 0) & (raw <= 1 + 1e-12)).all()


@given(w=weights_st, c=st.floats(0.01, 100), q=st.sampled_from(GB_QUERIES))
@settings(max_examples=30, deadline=None)
def test_scaling_all_weights_keeps_order(matcher, w, c, q):
    full = check_weights(w)
    a = matcher.rank(q, full, k=20).index.tolist()
    b = matcher.rank(q, {k: v * c for k, v in full.items()}, k=20).index.tolist()
    assert a == b


@given(block=st.sampled_from(block_names()), q=st.sampled_from(GB_QUERIES))
@settings(max_examples=20, deadline=None)
def test_zero_weight_block_contributes_nothing(matcher, block, q):
    contributions, _ = matcher.score(q, {block: 0.0})
    assert (contributions[block] == 0).all()


@given(block=st.sampled_from(block_names()), q=st.sampled_from(GB_QUERIES), boost=st.floats(1.0, 50.0))
@settings(max_examples=40, deadline=None)
def test_raising_a_weight_never_lowers_the_best_on_that_block(matcher, block, q, boost):
    # Base scores (reciprocity off) are linear in the weights; reciprocity rescales by the other side's view.
    linear = copy.copy(matcher)
    linear.reciprocity_ = 0.0
    sims = linear.block_similarities(q)
    best = sims[block].idxmax()
    base = check_weights({})
    before = linear.rank(q, base, k=100).index.get_loc(best)
    after = linear.rank(q, {**base, block: base[block] * boost + 1}, k=100).index.get_loc(best)
    assert after <= before


def test_never_returns_same_country(matcher):
    assert all(i[0].isdigit() for i in matcher.rank("E08000901", k=50).index)
    assert all(i[0].isalpha() for i in matcher.rank("210300", k=50).index)


def test_existing_partners_marked_and_excludable(matcher):
    ranked = matcher.rank("E08000901", k=50)
    assert "210300" in ranked.index  # already partnered, still listed
    assert matcher.partnership("E08000901", "210300")["status"] == "dormant"
    excluded = matcher.rank("E08000901", k=50, filters=Filters(exclude_partners=True))
    assert "210300" not in excluded.index and "510100" not in excluded.index


def test_level_and_population_filters(matcher):
    provinces = matcher.rank("E08000901", k=50, filters=Filters(levels=("province",)))
    assert set(matcher.frame_.loc[provinces.index, "level"]) == {"province"}
    near = matcher.rank("E08000901", k=50, filters=Filters(pop_ratio=(1, 20)))
    assert set(near.index) == {"210300", "210200", "330200"}


def test_scale_prefers_typical_ratio_and_same_tier(matcher):
    q = "E08000901"
    sims = matcher.raw_block_similarities(q)["scale"]
    f = matcher.features_
    cities = [i for i in sims.index if f.loc[i, "scale__tier"] == f.loc[q, "scale__tier"]]
    log_gb = f.loc[q, "scale__log_population"]
    # The best size match is the city nearest both lines (the mean squared z-score), not the UK line alone.
    z2 = matcher.scale_params_.z2(log_gb, f.loc[cities, "scale__log_population"].to_numpy(), 0, 0)
    assert sims[cities].idxmax() == cities[int(np.argmin(z2))]
    # The same size gap costs more across tiers (a city council with a province).
    regions = [i for i in sims.index if i not in cities]
    assert sims[regions].max() <= 0.5 + 1e-12


def test_scale_prior_depends_on_uk_size():
    """The typical ratio is a line in the UK side's size: fitted on pairs where small places partner
    relatively larger ones, a smaller UK place expects a larger ratio."""
    from matcher.model.scale import fit_scale

    log_gb = np.array([5.0, 5.2, 5.4, 6.0, 6.2, 6.4])
    log_cn = log_gb + np.array([1.6, 1.5, 1.4, 1.0, 0.9, 0.8])  # ratio shrinks as the UK side grows
    p = fit_scale(log_gb, log_cn, np.zeros(6, int), np.zeros(6, int))
    assert p.uk.slope < -0.3
    assert p.typical_log_ratio(5.0, 0, 0) > p.typical_log_ratio(6.4, 0, 0) + 0.5


def test_tier_pair_with_enough_pairs_gets_its_own_line():
    """Hand-worked: 12 city pairs whose ratio falls by 0.3 per decade of UK size and 12 region pairs whose
    ratio falls by 1.5: pooled, one slope would sit between them; each tier pair with >= 10 pairs gets its own
    exactly, and the few pairs of a third tier pair share the pooled slope."""
    from matcher.model.scale import UK_CENTRE, fit_scale

    x = np.linspace(5.0, 6.1, 12)
    gb = np.r_[x, x + 0.8, [5.2, 5.6, 6.0]]
    d = np.r_[1.2 - 0.3 * (x - UK_CENTRE), 2.0 - 1.5 * (x + 0.8 - UK_CENTRE), [2.0, 1.9, 1.7]]
    g = np.r_[np.zeros(12, int), np.ones(12, int), np.zeros(3, int)]
    t = np.r_[np.zeros(12, int), np.ones(12, int), np.ones(3, int)]
    p = fit_scale(gb, gb + d, g, t)
    assert p.uk.slopes[(0, 0)] == pytest.approx(-0.3) and p.uk.slopes[(1, 1)] == pytest.approx(-1.5)
    assert (0, 1) not in p.uk.slopes and -1.5 < p.uk.slope < -0.3
    assert p.typical_log_ratio(5.0, 0, 0) == pytest.approx(1.2 - 0.3 * (5.0 - UK_CENTRE))


def _sides_of(*logs: np.ndarray):
    """Stand-ins for kernel.Side with what the scale kernel reads: city tier, sizes."""
    return [SimpleNamespace(log_pop=x, tier_idx=np.zeros(len(x), int), tier3=np.zeros(len(x), int)) for x in logs]


def test_scale_reads_both_lines_so_small_uk_places_are_not_every_small_citys_match():
    """Partner sizes only loosely tied: the Chinese side hardly grows with the UK side. Inverting the UK line
    alone would send a small Chinese city to the smallest UK council; with the Chinese line, the best UK size for
    it is a usual partner size. The kernel is the same number whichever side asks."""
    from matcher.model.kernel import scale as kernel_scale
    from matcher.model.scale import fit_scale

    rng = np.random.default_rng(0)
    gb = rng.normal(5.4, 0.3, 60)
    cn = 6.7 + 0.3 * (gb - 5.4) + rng.normal(0, 0.3, 60)  # the Chinese side grows with the UK side^0.3
    zeros = np.zeros(60, int)
    both = fit_scale(gb, cn, zeros, zeros)
    uk_only = replace(both, cn=None)
    uk_sizes = np.linspace(4.0, 6.5, 251)
    small_city = 6.0

    def best_uk_size(p):
        return uk_sizes[np.argmax(np.exp(-0.5 * p.z2(uk_sizes, small_city, 0, 0)))]

    assert best_uk_size(uk_only) < 4.6  # the UK line read backwards: a council of a few tens of thousands
    assert 4.9 < best_uk_size(both) < 5.6  # both lines: a usual partner size
    q, c = _sides_of(np.array([5.0, 5.5]), np.array([6.0, 7.0]))
    assert np.allclose(kernel_scale(q, c, both, True), kernel_scale(c, q, both, False).T)


def test_county_level_factor_is_a_ratio_of_lifts():
    """Hand-worked: 10 city-tier pairs, half the candidates county-level, two pseudo-pairs spread as the
    candidates are. None of the pairs county-level: (0 + 1) / 0.5 against (10 + 1) / 0.5, 1/11. As many
    county-level pairs as prefecture-level ones: no difference, 1. More than that: capped at 1."""
    from matcher.model.scale import county_factor, fit_scale

    assert county_factor(0, 10, 0.5) == pytest.approx(1 / 11)
    assert county_factor(5, 10, 0.5) == pytest.approx(1.0)
    assert county_factor(8, 10, 0.5) == 1.0
    assert county_factor(0, 0, 0.5) == 1.0 and county_factor(0, 10, 0.0) == 1.0  # nothing to learn from
    # fit_scale counts only pairs whose Chinese side is city-tier (tier 0): the region-level pair is not one
    log_gb = np.array([5.0, 5.2, 5.4, 6.0, 6.2, 6.4])
    p = fit_scale(log_gb, log_gb + 1, np.zeros(6, int), np.array([0, 0, 0, 0, 0, 1]),
                  cn_county=np.array([1, 0, 0, 0, 0, 0]), county_share=0.5)
    assert (p.county_pairs, p.city_pairs) == (1, 5)
    assert p.county_factor == pytest.approx(county_factor(1, 5, 0.5))


def test_county_level_factor_scales_the_fit_and_says_so():
    """assess applies the factor to a county-level city only, and its caveat states the counts it came from."""
    from matcher.i18n import render
    from matcher.model.scale import ScaleParams, SizeLine, assess

    p = ScaleParams(uk=SizeLine(offset={(0, 0): 1.0}), county_factor=0.2, county_pairs=3, city_pairs=40,
                    county_share=0.5)
    city = assess(p, 5.5, 6.5, 0, 0, "Here", "There")
    county = assess(p, 5.5, 6.5, 0, 0, "Here", "There", cn_county=True)
    assert county.kernel == city.kernel and county.fit == pytest.approx(0.2 * city.fit)
    assert city.caveat_msg is None
    words = render(county.caveat_msg)
    assert "3 of the 40" in words and "50%" in words and "20%" in words


def test_estimator_clones(matcher):
    assert clone(matcher).get_params() == matcher.get_params()


def test_bad_weights_are_named():
    with pytest.raises(WeightError) as e:
        check_weights({"industri": 1})
    assert e.value.field == "industri"
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(WeightError):
            check_weights({"scale": bad})
    with pytest.raises(WeightError):
        check_weights(dict.fromkeys(block_names(), 0.0))
    with pytest.raises(WeightError, match="overflows"):  # each finite, the sum not: scores would all be 0
        check_weights({"scale": 1e308, "industry": 1e308})


def test_row_order_irrelevant(tables):
    from features.sources import Tables
    from matcher.model.estimator import PartnerMatcher

    shuffled = Tables({k: v.sample(frac=1.0, random_state=3) for k, v in tables.frames.items()})
    a = PartnerMatcher().fit(tables).score("E08000901")[1].sort_index()
    b = PartnerMatcher().fit(shuffled).score("E08000901")[1].sort_index()
    pd.testing.assert_series_equal(a, b)


# ---- the same invariants for any valid weights, in both directions -------------------------------------------
# The properties above draw partial weights in [0, 10] for UK queries. Below: every block set, magnitudes from
# 1e-100 to 1e100 (plus exact zeros), Chinese queries too (the scale block computes them differently), and the
# score checked against an independent weighted mean rather than against the row sums that define it.

ALL_QUERIES = GB_QUERIES + ["E92000001", "210000", "210300", "210200", "330000", "330200", "310000", "510100",
                            "510000"]
magnitude = st.one_of(st.just(0.0), st.integers(1, 1000).map(float), st.floats(1e-100, 1e100))
any_weights_st = st.fixed_dictionaries(dict.fromkeys(block_names(), magnitude)).filter(
    lambda w: sum(w.values()) > 0)


@given(w=any_weights_st, q=st.sampled_from(ALL_QUERIES))
@settings(max_examples=60, deadline=None)
def test_score_is_the_weighted_mean_in_unit_interval(matcher, w, q):
    sims = matcher.block_similarities(q)
    contributions, scores = matcher.score(q, w)
    wv = np.array([w[b] for b in block_names()])
    expected = sims[block_names()].to_numpy() @ (wv / wv.sum())
    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores.to_numpy(), expected, rtol=1e-9, atol=1e-15)
    # What callers see: every ranked row's contributions add up to its score.
    table = matcher.rank(q, w, k=100)
    np.testing.assert_allclose(table[block_names()].sum(axis=1), table["score"], rtol=0, atol=1e-12)
    assert table["score"].is_monotonic_decreasing


@given(w=any_weights_st, c=st.one_of(st.floats(1e-6, 1e6), st.sampled_from([1e-3, 3.0, 1e3])),
       q=st.sampled_from(ALL_QUERIES))
@settings(max_examples=60, deadline=None)
def test_scaling_any_weights_keeps_scores_and_order(matcher, w, c, q):
    a = matcher.rank(q, w, k=100)
    b = matcher.rank(q, {k: v * c for k, v in w.items()}, k=100)
    np.testing.assert_allclose(b["score"].to_numpy(), a["score"].to_numpy(), rtol=1e-12, atol=1e-15)
    assert a.index.tolist() == b.index.tolist()


def test_recommend_completes_partial_weights(bundle):
    """A caller may give some weights; the rest come from the defaults and every block is labelled."""
    from matcher.answers.recommend import recommend

    out = recommend(bundle, "E08000901", k=3, weights={"industry": 5})
    assert out["weights"]["industry"] == 5 and list(out["weights"]) == block_names()
    expected = bundle.estimator.rank("E08000901", {"industry": 5}, k=3)
    for r, (cid, row) in zip(out["results"], expected.iterrows(), strict=True):
        assert r["locality"]["id"] == cid
        assert r["contributions"] == pytest.approx({b: row[b] for b in block_names()})


def test_prominence_share_is_what_prominence_adds_to_the_served_top_10(matcher):
    """Hand-checked against the answer's own contributions: for one query, the prominence share of each top-10
    result is its prominence contribution over its score; the method averages that over queries."""
    masks = matcher.query_masks()
    w = {**matcher.weights_, "prominence": 2.0}
    q = next(i for i, ok in zip(matcher.ids_["GB"], masks["GB"], strict=True) if ok)
    only = np.array([i == q for i in matcher.ids_["GB"]])
    ids, contrib = matcher.top(q, w, 10)
    total = contrib.sum(axis=1)
    expected = np.clip(np.where(total > 0, contrib[:, -1] / np.where(total > 0, total, 1), 1.0), 0, 1).mean()
    assert matcher.prominence_share(w, "GB", only) == pytest.approx(expected)
    assert matcher.prominence_share({**w, "prominence": 0.0}, "GB", masks["GB"]) == 0.0
    more = matcher.prominence_share({**w, "prominence": 8.0}, "GB", masks["GB"])
    assert matcher.prominence_share(w, "GB", masks["GB"]) < more <= 1.0


def test_prominence_dial_keeps_fit_first(matcher):
    """With the personalisation limits out of the way, the dial is the largest value of the grid whose top-10
    scores prominence carries at most half of, and the next value carries more."""
    from matcher.model.estimator import MAX_PROMINENCE_SHARE, PROMINENCE_GRID

    m = copy.copy(matcher)
    m.personal_limit = 1.0
    fit = {b: v for b, v in matcher.weights_.items() if b != "prominence"}
    chosen, tried = m.choose_prominence(fit)
    shares = {t["prominence"]: max(t["prominence_share"].values()) for t in tried}
    assert all(shares[p] <= MAX_PROMINENCE_SHARE for p in PROMINENCE_GRID if p <= chosen)
    after = [p for p in PROMINENCE_GRID if p > chosen]
    assert not after or shares[after[0]] > MAX_PROMINENCE_SHARE
    assert chosen > 0  # the fixture's fit leaves room for some prominence: the test is not vacuous
