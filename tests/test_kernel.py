"""The fast kernel equals the textbook definitions of each block, and its top k equals a full sort."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.config import block_names, default_weights
from matcher.model import kernel
from matcher.model import similarity as sim
from matcher.model.scale import assess


def reference_blocks(m, query: str) -> dict[str, np.ndarray]:
    """Each block straight from its definition, on the fitted feature table: cosine, Ochiai and cover from
    matcher.model.similarity, scale from matcher.model.scale.assess (the function reasons and caveats also read)."""
    qc = m.country_of(query)
    other = "CN" if qc == "GB" else "GB"
    f = m.features_
    q, C = f.loc[query], f.loc[m.ids_[other]]
    scale = []
    for _, c in C.iterrows():
        g, n = (q, c) if qc == "GB" else (c, q)
        scale.append(assess(m.scale_params_, g["scale__log_population"], n["scale__log_population"],
                            int(g["scale__tier"]), int(n["scale__tier"]), "a", "b",
                            cn_county=bool(n["prominence__county_level"])).fit)
    row = m.pos_[qc][query]
    pick = (lambda a: a[row, :]) if qc == "GB" else (lambda a: a[:, row])
    parts = kernel.CONNECTIVITY_PARTS
    qi, Ci = q[m.industry_cols_].to_numpy(float), C[m.industry_cols_].to_numpy(float)
    idf = np.array([m.sector_idf_[c.removeprefix("industry__")] for c in m.industry_cols_])
    qn, Cn = q[m.needs_cols_safe_].to_numpy(float), C[m.needs_cols_safe_].to_numpy(float)
    # A borrowed (imputed) industry mix counts at its confidence on either side.
    conf = C["industry__confidence"].to_numpy() * q["industry__confidence"]
    return {
        "industry": sim.cosine(qi * idf, Ci * idf) * conf,
        "scale": np.array(scale),
        # Both strong counts most, and a peer (a similar strength) more than a much stronger place.
        "education": np.sqrt(q["education__strength"] * C["education__strength"].to_numpy())
        * np.exp(-0.5 * ((q["education__strength"] - C["education__strength"].to_numpy()) / kernel.EDU_PEER_SD) ** 2),
        "student_links": pick(m.pairs_.edu),
        "priorities": sim.ochiai(q[m.tag_cols_].to_numpy(float), C[m.tag_cols_].to_numpy(float), m.tag_idf_),
        "connectivity": parts["flight"] * pick(m.pairs_.flight) + parts["ties"] * pick(m.pairs_.ties),
        "complementarity": 0.5 * (sim.cover(np.repeat(qi[None, :], len(C), 0), Cn)
                                  + sim.cover(Ci, np.repeat(qn[None, :], len(C), 0))),
        # The candidate prior, with its same-tier term where the candidate is of the query's tier.
        "prominence": np.where(m.frame_.loc[m.ids_[other], "tier"].to_numpy() == m.frame_.loc[query, "tier"],
                               m.sides_[other].prominence_same, m.sides_[other].prominence),
    }


def hub_reference(m, country: str) -> np.ndarray:
    """Each place's hub term by its definition: strength/2 x (mean raw similarity to its hub_k best places of
    the other country that can partner, minus the mean of that over its own country's places that can
    partner), never below 0."""
    other = "CN" if country == "GB" else "GB"
    raw = np.array([[reference_blocks(m, q)[b] for b in kernel.FIT_BLOCKS] for q in m.ids_[country]])
    live = raw[:, :, m.live_[other]]
    k = m.hub_k if 0 < m.hub_k < live.shape[2] else live.shape[2]
    r = np.sort(live, axis=2)[:, :, ::-1][:, :, :k].mean(axis=2)  # (places, blocks): mean of the k best
    corrected = np.isin(kernel.FIT_BLOCKS, kernel.HUB_BLOCKS)
    return m.hub_strength / 2 * np.maximum(r - r[m.live_[country]].mean(axis=0), 0.0) * corrected


def hub_scale_reference(m, country: str) -> np.ndarray:
    """Each place's hub factor by its definition: (mean / max(r, mean)) ** (strength / 2), r and mean as in
    hub_reference."""
    other = "CN" if country == "GB" else "GB"
    raw = np.array([[reference_blocks(m, q)[b] for b in kernel.FIT_BLOCKS] for q in m.ids_[country]])
    live = raw[:, :, m.live_[other]]
    k = m.hub_k if 0 < m.hub_k < live.shape[2] else live.shape[2]
    r = np.sort(live, axis=2)[:, :, ::-1][:, :, :k].mean(axis=2)
    mean = r[m.live_[country]].mean(axis=0)
    corrected = np.isin(kernel.FIT_BLOCKS, kernel.HUB_BLOCKS)
    return np.where((mean > 0) & corrected, (mean / np.maximum(r, mean)) ** (m.hub_strength / 2), 1.0)


@pytest.fixture(scope="module")
def scaled(matcher):
    """The fixture model with its hubs corrected by local scaling rather than centring."""
    import copy

    m = copy.copy(matcher)
    m.set_params(hub_form="scale")
    m._apply_hubs()
    return m


def test_hub_scaling_equals_its_definition_and_never_turns_a_block_negative(scaled):
    for c in ("GB", "CN"):
        np.testing.assert_allclose(scaled.sides_[c].hub_scale, hub_scale_reference(scaled, c), atol=1e-12)
        assert (scaled.sides_[c].hub == 0).all()
        assert (scaled.sides_[c].hub_scale < 1).any()  # the fixture has hubs: the check can fail
    other = {"GB": "CN", "CN": "GB"}
    for query in [*scaled.ids_["GB"], *scaled.ids_["CN"]]:
        qc = scaled.country_of(query)
        fast, ref = scaled.block_similarities(query), reference_blocks(scaled, query)
        f_q = scaled.sides_[qc].hub_scale[scaled.pos_[qc][query]]
        for j, b in enumerate(kernel.FIT_BLOCKS):
            want = ref[b] * f_q[j] * scaled.sides_[other[qc]].hub_scale[:, j]
            np.testing.assert_allclose(fast[b].to_numpy(), want, atol=1e-12, err_msg=f"{query} {b}")
            assert (fast[b].to_numpy() >= 0).all()
            # A block on which the query has no data scores 0 for every candidate: it cannot reorder them.
            if not ref[b].any():
                assert not fast[b].to_numpy().any()


def test_fused_scores_equal_exact_ones_under_hub_scaling(scaled):
    ids = list(scaled.ids_["GB"])
    batch = scaled.score_queries(ids, default_weights())
    exact, _ = scaled.exact_scores(ids, default_weights())
    np.testing.assert_allclose(batch, exact, atol=kernel.FUSED_TOLERANCE / 10)


def test_fused_scores_equal_exact_ones_under_centring(matcher):
    assert any((matcher.sides_[c].hub > 0).any() for c in ("GB", "CN"))  # the fixture has hubs to centre
    for country in ("GB", "CN"):
        ids = list(matcher.ids_[country])
        batch = matcher.score_queries(ids, default_weights())
        exact, _ = matcher.exact_scores(ids, default_weights())
        np.testing.assert_allclose(batch, exact, atol=kernel.FUSED_TOLERANCE / 10)


def test_kernel_blocks_equal_their_definitions(matcher):
    hubs = {c: hub_reference(matcher, c) for c in ("GB", "CN")}
    for c in ("GB", "CN"):
        np.testing.assert_allclose(matcher.sides_[c].hub, hubs[c], atol=1e-12)
    for query in [*matcher.ids_["GB"], *matcher.ids_["CN"]]:
        fast = matcher.block_similarities(query)
        ref = reference_blocks(matcher, query)
        qc = matcher.country_of(query)
        other = "CN" if qc == "GB" else "GB"
        for j, b in enumerate(block_names()):
            want = ref[b]
            if b in kernel.FIT_BLOCKS:  # the hub-corrected similarity the scores read: the candidate's term off
                want = want - hubs[other][:, j]
            np.testing.assert_allclose(fast[b].to_numpy(), want, atol=1e-12, err_msg=f"{query} {b}")


@pytest.mark.parametrize("form", ["centre", "scale"])
def test_education_matches_peers_and_is_never_hub_corrected(matcher, form):
    """On the education block a place's best matches are places of about its own strength: a strong university
    place's are strong, a weak one's are not the strongest. A hub correction ranked Cambridge's upside down (the
    weakest first), and a product alone gave every place the same strongest cities."""
    import copy

    m = copy.copy(matcher)
    m.set_params(hub_form=form, hub_strength=3.0)
    m._apply_hubs()
    j = kernel.FIT_BLOCKS.index("education")
    assert all((m.sides_[c].hub[:, j] == 0).all() and (m.sides_[c].hub_scale[:, j] == 1).all() for c in ("GB", "CN"))
    other = {"GB": "CN", "CN": "GB"}
    checked = 0
    for query in [*m.ids_["GB"], *m.ids_["CN"]]:
        qc = m.country_of(query)
        mine = m.sides_[qc].edu_sqrt[m.pos_[qc][query]] ** 2
        theirs = m.sides_[other[qc]].edu_sqrt ** 2
        if mine == 0 or theirs.max() == 0:
            continue
        edu = m.block_similarities(query)["education"].to_numpy()
        best = theirs[np.argmax(edu)]
        # The best match is at least as near the query's own strength as the other country's strongest place.
        assert abs(best - mine) <= abs(theirs.max() - mine) + 1e-12, query
        weak = theirs < mine / 2
        if weak.any() and (theirs >= mine).any():  # a place at least as strong beats a much weaker one
            assert edu[theirs >= mine].max() > edu[weak].max(), query
        checked += 1
    assert checked  # the fixture has places with universities: the check ran


weights_st = st.fixed_dictionaries({b: st.floats(0, 10) for b in block_names()}).filter(
    lambda w: sum(w.values()) > 0.1)


@settings(max_examples=40, deadline=None)
@given(weights=weights_st, seed=st.integers(0, 2**16), k=st.integers(1, 40))
def test_kernel_top_k_equals_full_sort(matcher, weights, seed, k):
    """Over many synthetic candidates (with deliberate exact ties), the kernel's top k is the exact
    float64 order of a full sort, ties broken by id (up to the few ulps a matrix product can add)."""
    rng = np.random.default_rng(seed)
    side = matcher.sides_["CN"]
    rows = rng.integers(0, len(side), 3000)  # resampling real rows makes many exact ties
    c = side.query(rows)
    c = kernel.Side(**{**c.__dict__, "ids": np.array([f"S{i:05d}" for i in rng.permutation(len(rows))],
                                                     dtype=object)})
    pairs = kernel.PairRows(*(rng.random((1, len(rows))) * (rng.random((1, len(rows))) < 0.02) for _ in range(4)))
    q, _, _, is_gb = matcher._sides(["E08000901"])
    pick, contrib = kernel.rank(q, c, pairs, weights, matcher.scale_params_, is_gb, k)

    full = kernel.blocks(q, c, pairs, matcher.scale_params_, is_gb)
    total = sum(weights.values())
    exact = sum(full[b][0] * (weights[b] / total) for b in block_names())
    expected = np.lexsort((c.ids, -exact))[:k]
    # The top k's scores are the full sort's best k. A resampled row's score can come out of the full product and
    # the top k's own a few ulps apart (where it sits in a matrix product changes its rounding), so two such
    # rows may swap there: positions must agree wherever the full sort's scores are not within that noise.
    np.testing.assert_allclose(exact[pick], exact[expected], rtol=0, atol=1e-12)
    gaps = np.diff(exact[np.lexsort((c.ids, -exact))[:k + 1]]) < -1e-12  # each of the k against the next
    clear = gaps[:k] & np.r_[True, gaps[:k - 1]]
    assert pick[clear].tolist() == expected[clear].tolist()
    np.testing.assert_allclose(contrib.sum(axis=-1), exact[pick], atol=1e-15)  # scores are their sums
    fused = kernel.fused(q, c, pairs, weights, matcher.scale_params_, is_gb)[0]
    assert np.abs(fused - exact).max() < kernel.FUSED_TOLERANCE / 10


def test_kernel_refuses_features_it_cannot_linearise(matcher):
    f = matcher.features_.loc[matcher.ids_["GB"]].copy()
    f[matcher.needs_cols_[0]] = 0.5  # a fractional need would make min(s, n) != s * n
    with pytest.raises(ValueError, match="0/1 needs"):
        kernel.Side.from_features(f, matcher.industry_cols_, matcher.tag_cols_, matcher.needs_cols_)


def test_batch_scores_equal_single_queries(matcher):
    ids = list(matcher.ids_["GB"])
    batch = matcher.score_queries(ids, default_weights())
    exact, cn_ids = matcher.exact_scores(ids, default_weights())
    np.testing.assert_allclose(batch, exact, atol=kernel.FUSED_TOLERANCE / 10)
    col = {c: j for j, c in enumerate(cn_ids)}
    for i, g in enumerate(ids):
        top = matcher.rank(g, default_weights(), k=3)
        # Served scores are the base scores times each candidate's reciprocity factor.
        served = matcher.full_scores(g, default_weights())
        np.testing.assert_allclose(top["score"].to_numpy(), served[[col[c] for c in top.index]], atol=1e-15)
        m = matcher.mutual_all(g, default_weights())
        f = 1 / (1 + matcher.reciprocity_ * np.log2(m))
        base = exact[i]
        np.testing.assert_allclose(served, np.where(base >= 0, base * f, base * (2 - f)), atol=1e-12)


def test_reciprocity_reads_a_standing_the_same_in_either_countrys_list(matcher):
    """A Chinese place's list of UK places is shorter than a UK place's list of Chinese places, so a mutual rank
    is read relative to the shorter list: first is first and last is last in both, and a Chinese query's
    candidates are discounted by the factor of their relative standing (it fails on plain ranks, which discount
    them harder than a UK query's at the same standing)."""
    n = {c: int(np.count_nonzero(matcher.live_[c])) for c in ("GB", "CN")}
    short = min(n.values())
    for country in ("GB", "CN"):
        rel = matcher.relative_rank(np.array([1, n[country]]), country)
        np.testing.assert_allclose(rel, [1.0, short])
    longer = max(n, key=n.get)
    if n["GB"] != n["CN"]:
        # The same standing (the middle of the list) gets the same factor from either country's list.
        mid = {c: 1 + (n[c] - 1) / 2 for c in ("GB", "CN")}
        f = {c: matcher.reciprocity_factor(np.array([mid[c]]), c)[0] for c in ("GB", "CN")}
        assert f["GB"] == pytest.approx(f["CN"])
        assert matcher.reciprocity_factor(np.array([mid[longer]]), longer)[0] > \
            matcher.reciprocity_factor(np.array([mid[longer]]), "GB" if longer == "CN" else "CN")[0]
    # A Chinese query as served: base scores times the factor of each candidate's relative mutual rank.
    q = next(iter(matcher.ids_["CN"]))
    w = default_weights()
    contrib, factor = matcher.answer_contributions(q, w)
    expected = matcher.reciprocity_factor(matcher.mutual_all(q, w), "CN")
    base = kernel.total(kernel.contributions(matcher.similarities(q)[0], w))
    np.testing.assert_allclose(factor, np.where(base >= 0, expected, 2 - expected), atol=1e-12)


def test_mutual_ranks_read_in_float32_equal_the_float64_ones(matcher):
    """Mutual ranks compare float32 base scores and decide the entries within EXACT_BAND of the query's own
    again in float64: they equal ranks read from the float64 base scores directly (ties within TIE by id),
    and the fixture has such entries besides the query itself, so the second reading is exercised."""
    from matcher.artifact.model import EXACT_BAND, TIE

    banded = 0
    for w in (default_weights(), {**dict.fromkeys(block_names(), 0.0), "scale": 1.0},
              {**default_weights(), "prominence": 0.0, "industry": 3.0}):
        for query in [*matcher.ids_["GB"], *matcher.ids_["CN"]]:
            qc = matcher.country_of(query)
            i, live, ids = matcher.pos_[qc][query], matcher.live_[qc], matcher.sides_[qc].ids
            theirs = matcher.base_scores(w, "CN" if qc == "GB" else "GB")
            if qc == "CN":
                theirs = theirs.T  # rows: places of the query's country; columns: the lists' owners
            mine = theirs[i, :]
            ahead = ((theirs > mine + TIE) & live[:, None]).sum(axis=0)
            tied = ((np.abs(theirs - mine) <= TIE) & (live & (ids < query))[:, None]).sum(axis=0)
            np.testing.assert_array_equal(matcher.mutual_all(query, w), ahead + tied + 1, err_msg=query)
            banded += int(((np.abs(theirs - mine) <= EXACT_BAND) & live[:, None]).sum()) - theirs.shape[1] * live[i]
    assert banded > 0


def test_a_copy_with_other_hubs_never_reads_its_parents_cubes(matcher):
    """Snapshots and validation trials are shallow copies whose hubs (and pair tables) differ from their
    parent's: every cache built from them, float32 included, starts empty, so a copy's mutual ranks are read
    from its own scores."""
    import copy

    from matcher.artifact.model import EXACT_BAND

    w = default_weights()
    for country in ("GB", "CN"):
        matcher.base_scores(w, country)
        matcher._base32(w, country, False)  # fills the parent's caches, float64 and float32
    other = copy.copy(matcher)
    other.set_params(hub_strength=matcher.hub_strength + 2.0)
    other._apply_hubs()
    assert any((other.sides_[c].hub != matcher.sides_[c].hub).any() for c in ("GB", "CN"))
    for country in ("GB", "CN"):
        fresh = other.base_scores(w, country)
        assert np.abs(fresh - matcher.base_scores(w, country)).max() > EXACT_BAND  # the check can fail
        assert np.abs(other._base32(w, country, False) - fresh).max() < EXACT_BAND
