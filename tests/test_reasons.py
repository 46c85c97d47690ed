"""Every reason and caveat says only what the features behind the score support.

For every query in both directions, its top 10 under the learned weights and every preset: each reason's
recorded facts are checked against the fitted features (not against the reason code's own thresholds
alone), and the text against the facts.
"""

import re

import pytest

from features.pairs import NOT_LIVE
from matcher.answers import explain
from matcher.answers.explain import STRONG, Reason, caveats, reason_objects, scale_assessment
from matcher.answers.recommend import weights_for
from matcher.artifact.model import Filters
from matcher.config import block_names, presets
from matcher.model import kernel
from matcher.model.ranker import PRIOR_FEATURES
from matcher.model.scale import GAP_FIT, GOOD_FIT


def _weightings(bundle):
    return {"learned": weights_for(bundle, None), **{n: weights_for(bundle, n) for n in presets()}}


def _top(bundle, q, w, k=10, sensitive=False):
    m = bundle.model
    ids, contrib = m.top(q, w, k, Filters(include_sensitive=sensitive))
    return [(c, dict(zip(w, row.tolist(), strict=True))) for c, row in zip(ids, contrib, strict=True)]


def check_reason(bundle, a, b, r, sims, sensitive=False):
    """Reasons come from the answer model; the truth they are checked against is the fitted estimator's."""
    m, e = bundle.model, bundle.estimator
    f = e.feature_rows_
    if r.block == "industry":
        s = r.facts["sector"]
        assert s in m.sectors_of_[a] and s in m.sectors_of_[b], r.text
        if not sensitive:
            assert s not in m.core_sensitive_, f"sensitive sector given as a reason: {r.text}"
        inherited = [x for x in (a, b) if f[x]["industry__imputed"] == 1]
        assert r.facts["inherited"] == inherited
        for x in inherited:
            assert f"inferred for {m.records_[x]['name']}" in r.text
        if "defining" in r.text.split("(")[0]:
            assert min(m.sectors_of_[a][s], m.sectors_of_[b][s]) == 1.0 and not inherited
    elif r.block == "scale":
        s = scale_assessment(m, a, b)
        assert s.kernel >= GAP_FIT, r.text
        # "like those of the middle half" only for the same tier inside the middle half of real pairs' gaps
        # (|z| <= 0.674); across tiers the sizes are stated and the tiers are a caveat.
        assert ("middle half" in r.text) == (s.same_tier and s.kernel >= GOOD_FIT), r.text
        if not s.same_tier:
            assert r.text.startswith("Sizes:"), r.text
        assert s.fit == pytest.approx(sims["scale"], abs=1e-9)
        assert "population" in r.text  # it quotes population, the only figure the block uses
    elif r.block == "education":
        ranks = explain.education_ranks(m)
        if r.text.startswith("Both are higher-education centres"):
            for x in (a, b):
                assert f[x]["education__imputed"] == 0 and ranks[x][0] <= max(1, ranks[x][1] // 4), r.text
        # "a similar level" only for two sourced strengths within the peer term's width.
        if r.text.startswith("Universities at a similar level"):
            assert f[a]["education__imputed"] == f[b]["education__imputed"] == 0, r.text
            assert abs(f[a]["education__strength"] - f[b]["education__strength"]) <= kernel.EDU_PEER_SD, r.text
            assert min(f[a]["education__strength"], f[b]["education__strength"]) >= explain.PEER_FLOOR, r.text
        # Every rank quoted is the place's rank among the places of its group with a sourced figure.
        for x in (a, b):
            if x in ranks:
                name = m.records_[x]["name"]
                hit = re.search(re.escape(name) + r": [^;]*?, (\d+)(?:st|nd|rd|th) of the (\d+) ", r.text)
                assert hit and (int(hit.group(1)), int(hit.group(2))) == ranks[x], r.text
        for x in (a, b):
            if f[x]["education__imputed"]:
                expected = "counted as none" if f[x]["education__strength"] == 0 else "counted at the median"
                assert expected in r.text
    elif r.block == "student_links":
        link = m.pairs_.edu_note[(a, b) if m.country_of(a) == "GB" else (b, a)]
        assert (r.facts["uk_id"], r.facts["cn_id"]) == (link.uk_id, link.cn_id)
        gb, cn = (a, b) if m.country_of(a) == "GB" else (b, a)
        direct = (link.uk_id, link.cn_id) == (gb, cn)
        assert r.facts["direct"] == direct
        assert ("through related places" in r.text) == (not direct), r.text
    elif r.block == "priorities":
        t = r.facts["tag"]
        assert t in m.tags_of_[a] and t in m.tags_of_[b]
    elif r.block == "connectivity":
        assert r.facts["part"] in ("ties", "flight"), r.text  # reach (missions, nearby airports) is prominence
        if r.facts["part"] == "ties":
            assert (r.facts["uk_id"], r.facts["cn_id"]) != ((a, b) if m.country_of(a) == "GB" else (b, a))
            # An ended or dormant partnership is history, never a reason to partner.
            assert r.facts["status"] not in NOT_LIVE, r.text
        else:
            assert r.text.startswith("Direct flight") == r.facts["operating"], r.text
    elif r.block == "complementarity":
        x, y, t = r.facts["strong"], r.facts["needs"], r.facts["tag"]
        assert t in m.tags_of_[y]
        for s in r.facts["sectors"]:
            # "can serve" only from a major or defining sector; a weaker one is only "related to" the priority.
            assert s in m.related_[t] and (m.sectors_of_[x][s] >= STRONG) != r.facts.get("weak", False)
            assert ("can serve" in r.text) == (not r.facts.get("weak", False)), r.text
            if not sensitive:
                assert s not in m.core_sensitive_
    elif r.block == "prominence":
        assert all(v > 0 for v in r.facts["contributions"].values())
        # Every attribute named is one the place has above the average candidate (not the absence of one).
        assert all(v > 0 for v in r.facts["z"].values()), r.text
        if "region-level standing" in r.text:
            assert f[b]["scale__tier"] == 1
        if "provincial capital" in r.text:
            assert f[b]["prominence__capital"] == 1
        if "hosts_mission" in r.facts["attributes"]:  # its own mission only when it hosts one itself
            host = e.pairs_.mission_host[b]
            assert ("in the wider area" in r.text or "in a part of it" in r.text) == (host != b), r.text
        assert r.text.startswith("Capacity to engage (not fit)")
        attrs = dict(zip(PRIOR_FEATURES, m.attributes(m.country_of(b))[m.pos_[m.country_of(b)][b]].tolist(),
                         strict=True))
        if "a large economy" in r.text:  # never from an imputed GDP
            assert attrs["gdp_missing"] == 0, r.text
        if "large population" in r.text:
            assert attrs["population_missing"] == 0 and not f[b]["scale__population_imputed"], r.text
        if "universities" in r.text:
            rank = explain.education_ranks(m).get(b)
            assert rank is not None and rank[0] <= max(1, rank[1] // 2), r.text
    else:
        pytest.fail(f"unknown block {r.block}")


def check_caveats(bundle, a, b, texts):
    m, e = bundle.model, bundle.estimator
    p = e.partnership(a, b)
    partnered = [t for t in texts if t.startswith("Already partnered")]
    assert bool(partnered) == bool(p)
    if p:
        assert partnered[0].endswith(f"({explain.STATUS_WORDS[p['status']]})")
    for t in texts:
        if (hit := re.search(r"already has (\d+) active partnerships", t)):
            p = e.partnerships_
            active = p[(p["status"] == "active") & ((p["uk_id"] == b) | (p["cn_id"] == b))]
            assert int(hit.group(1)) == len(active), t
        if t.startswith("Scale gap"):
            assert scale_assessment(m, a, b).kernel < GAP_FIT
        if t.startswith("Data gap"):
            f, row = e.feature_rows_[b], e.frame_.loc[b]
            if "no sourced population" in t:
                assert f["scale__population_imputed"] == 1
            if "population of" in t and "is an estimate" in t:
                assert row["population__estimate"] == 1
            if "higher-education" in t:
                assert f["education__imputed"] == 1
            if "industry mix" in t:
                assert f["industry__imputed"] == 1


def _check_every_query(bundle, direction) -> int:
    m = bundle.model
    checked = 0
    for name, w in _weightings(bundle).items():
        for q in m.ids_[direction]:
            sims_all = bundle.estimator.raw_block_similarities(q)
            for cid, contrib in _top(bundle, q, w):
                rs = reason_objects(m, q, cid, contrib)
                shown = {r.block for r in rs}
                # Fit reasons lead: prominence never comes before a fit reason, generic before specific never.
                blocks = [r.block for r in rs]
                if "prominence" in blocks:
                    assert all(b == "prominence" for b in blocks[blocks.index("prominence"):]), blocks
                tiers = [0 if b in explain.SPECIFIC else 1 if b != "prominence" else 2 for b in blocks]
                assert tiers == sorted(tiers), blocks
                for r in rs:
                    assert r.block in explain.shown_blocks(contrib), f"{name}: reason for a block that did not count"
                    positive = sum(v for v in contrib.values() if v > 0)
                    assert contrib[r.block] >= explain.MIN_SHARE * positive > 0
                    check_reason(bundle, q, cid, r, sims_all.loc[cid])
                    checked += 1
                # A block that contributed and has a reason to give is never silently dropped.
                assert shown <= set(block_names())
                # A result the score puts forward says why: at least one reason, unless all it has (beyond
                # MIN_SHARE) is a size outside the usual range, which its caveat says, and a candidate prior with
                # nothing above the average candidate to name (every place has some prominence).
                if sum(contrib.values()) > 0 and not rs:
                    gap = scale_assessment(m, q, cid).kernel < GAP_FIT
                    shown = explain.shown_blocks(contrib)
                    assert gap and shown - {"prominence"} <= {"scale"}, \
                        f"{name}: {q} -> {cid} has no reason ({contrib})"
                    assert "prominence" not in shown or not explain.prominence_reasons(m, q, cid)
                    if "scale" in shown:
                        assert explain.size_only(contrib)  # the answer leads its caveats with "only size"
                check_caveats(bundle, q, cid, caveats(m, q, cid))
    return checked


@pytest.mark.parametrize("direction", ["GB", "CN"])
def test_every_reason_and_caveat_is_true(bundle, direction):
    assert _check_every_query(bundle, direction) > 0


@pytest.mark.parametrize("direction", ["GB", "CN"])
def test_every_reason_and_caveat_is_true_on_the_shipped_data(shipped_bundle, direction):
    """The same check on the real data: every UK and Chinese query's top 10 under the learned weights and
    every preset (thousands of reasons, each against the features it cites)."""
    assert _check_every_query(shipped_bundle, direction) > 1000


def test_priority_reasons_cite_the_tags_that_weigh_most(bundle):
    """The (at most three) tags named are the highest-IDF shared tags: those that drive the score."""
    m = bundle.model
    idf = dict(zip((c.removeprefix("priorities__") for c in m.tag_cols_), m.tag_idf_, strict=True))
    seen = 0
    for q in m.ids_["GB"]:
        for c in m.ids_["CN"]:
            shared = set(m.tags_of_[q]) & set(m.tags_of_[c])
            if not shared:
                continue
            cited = [r.facts["tag"] for r in explain.priority_reasons(m, q, c)]
            best = sorted(shared, key=lambda t: (-idf[t], t))[:3]
            assert cited == best
            seen += 1
    assert seen > 0


def test_sensitive_sectors_never_raise_default_fit_and_are_due_diligence(tables):
    """Plant defence as a defining industry on both Steelton and Anshan: by default the pair's industry and
    complementarity similarities are unchanged, no reason names defence, and a due-diligence caveat does;
    the query's own sensitive sectors are stated once per answer; an analyst who includes them sees them count."""
    import pandas as pd

    from features.sources import Tables
    from matcher.answers.recommend import recommend
    from matcher.model.build import fit_bundle

    plant = pd.DataFrame([{"id": i, "sector": "defence", "strength": 3, "evidence": "planted", "source": "planted",
                           "year": 2024} for i in ("E08000901", "210300")])
    planted = Tables({**tables.frames, "industry": pd.concat([tables["industry"], plant], ignore_index=True)})
    base, test = fit_bundle(tables, learn_weights=False), fit_bundle(planted, learn_weights=False)
    a, b = "E08000901", "210300"
    for block in ("industry", "complementarity"):
        assert test.estimator.block_similarities(a)[block][b] == pytest.approx(
            base.estimator.block_similarities(a)[block][b])
    assert (test.estimator.block_similarities(a, sensitive=True)["industry"][b]
            > base.estimator.block_similarities(a)["industry"][b])
    m = test.model
    w = dict.fromkeys(block_names(), 1.0)
    assert not any("defence" in r.text.lower() for r in reason_objects(m, a, b, dict.fromkeys(block_names(), 1.0)))
    assert any(t.startswith("Due diligence: both places have defence") for t in caveats(m, a, b))
    with_sensitive = [r.text for r in reason_objects(m, a, b, dict.fromkeys(block_names(), 1.0), sensitive=True)]
    assert any("defence" in t.lower() for t in with_sensitive)
    answer = recommend(test, a, k=3, weights=w)
    assert sum("National Security and Investment Act" in t and "defence" in t for t in answer["query_caveats"]) == 1
    for r in answer["results"]:  # the query's own list is not repeated on every result
        assert not any(t.startswith("Steelton has major industry") for t in r["caveats"])


def test_indirect_link_is_not_called_direct(bundle):
    m = bundle.model
    found = 0
    for (g, c), link in m.pairs_.edu_note.items():
        r = explain.student_link_reasons(m, g, c)[0]
        assert ("through related places" in r.text) == (not link.direct)
        assert link.direct == ((link.uk_id, link.cn_id) == (g, c))
        found += not link.direct
    assert found > 0, "the fixtures must hold a link reaching a pair through a parent or child"


# ---- planted overstatements: each one the reason check must catch ----------------------------------------
def _first(ids, cond):
    hit = next((i for i in ids if cond(i)), None)
    assert hit is not None, "the shipped data has no place to plant this on"
    return hit


def _pair_with(m, cond):
    for g in m.ids_["GB"]:
        for c in m.ids_["CN"]:
            if cond(g, c):
                return g, c
    raise AssertionError("the shipped data has no pair to plant this on")


def _attrs(m, x):
    country = m.country_of(x)
    return dict(zip(PRIOR_FEATURES, m.attributes(country)[m.pos_[country][x]].tolist(), strict=True))


def _planted(shipped_bundle):
    """(name, uk, cn, Reason) for each overstatement issue 17 found, planted on a pair where it is false."""
    m = shipped_bundle.model
    gb = m.ids_["GB"][0]
    ranks = explain.education_ranks(m)
    no_gdp = _first(m.ids_["CN"], lambda c: _attrs(m, c)["gdp_missing"] == 1)
    no_edu = _first(m.ids_["CN"], lambda c: c not in ranks)
    ended = next(p for p in m.partnerships_ if p["status"] in NOT_LIVE)
    g, c = _pair_with(m, lambda g, c: scale_assessment(m, g, c).same_tier
                      and GAP_FIT <= scale_assessment(m, g, c).kernel < GOOD_FIT)
    wrong_rank = _first(m.ids_["GB"], lambda x: x in ranks and ranks[x][0] > 1)
    strong_auto = _first(m.ids_["GB"], lambda x: m.sectors_of_[x].get("automotive", 0) >= explain.STRONG)
    air = _first(m.ids_["CN"], lambda x: "air_quality" in m.tags_of_[x])
    f = m.feature_rows_
    far = _pair_with(m, lambda g, c: not f[g]["education__imputed"] and not f[c]["education__imputed"]
                     and abs(f[g]["education__strength"] - f[c]["education__strength"]) > 2 * kernel.EDU_PEER_SD)
    prom = {"attributes": ["log_gdp"], "contributions": {"log_gdp": 0.5}, "z": {"log_gdp": 1.0}}
    return [
        ("a large economy from an imputed GDP", gb, no_gdp,
         Reason("prominence", "Capacity to engage (not fit): X draws UK–China partnerships (a large economy)", prom)),
        ("strong universities with no education figure", gb, no_edu,
         Reason("prominence", "Capacity to engage (not fit): X draws UK–China partnerships (universities ranked "
                "in the top half of its group)", {**prom, "attributes": ["education"]})),
        ("a tie through an ended partnership", gb, m.ids_["CN"][1],
         Reason("connectivity", "Related places are already partnered", {"part": "ties", "uk_id": ended["uk_id"],
                "cn_id": ended["cn_id"], "status": ended["status"]})),
        ("a direct flight that is not operating", gb, m.ids_["CN"][0],
         Reason("connectivity", "Direct flight between their own airports: LHR–PKX, suspended",
                {"part": "flight", "operating": False})),
        ("a typical size gap outside the middle half", g, c,
         Reason("scale", f"A size gap like those of the middle half of real partnerships: "
                f"{scale_assessment(m, g, c).size_text}", {})),
        ("a rank that is not the rank in the group named", wrong_rank, no_edu,
         Reason("education", f"Universities: {m.records_[wrong_rank]['name']}: 3 higher-education institutions, "
                f"1st of the {ranks[wrong_rank][1]} UK councils with a sourced figure", {})),
        ("a similar level of universities between far-apart strengths", far[0], far[1],
         Reason("education", "Universities at a similar level, compared with places of their own kind (X; Y)", {})),
        ("automotive serving air quality", strong_auto, air,
         Reason("complementarity", "X's automotive industry can serve Y's air quality priority",
                {"strong": strong_auto, "needs": air, "tag": "air_quality", "sectors": ["automotive"]})),
    ]


def test_each_planted_overstatement_fails_the_reason_check(shipped_bundle):
    """The check that passes every real reason (above) must fail each overstatement issue 17 listed: a test
    of signs alone passed all of them."""
    planted = _planted(shipped_bundle)
    for name, a, b, r in planted:
        sims = shipped_bundle.estimator.raw_block_similarities(a).loc[b]
        with pytest.raises(AssertionError):
            check_reason(shipped_bundle, a, b, r, sims)
            raise RuntimeError(f"not caught: {name}")  # a RuntimeError fails pytest.raises(AssertionError)
    assert len(planted) == 8


def test_evidence_older_than_2016_is_quoted_with_its_year(bundle):
    """A sector or priority quoted from a source dated before 2016 describes the place as it was then: the reason
    says 'as of YEAR'; newer or undated evidence is quoted as it stands."""
    from matcher.i18n import render

    m = bundle.model
    place = next(iter(m.records_))
    old = render(explain._evidence_item(m, place, {"evidence": "a steelworks", "year": 2012}))
    new = render(explain._evidence_item(m, place, {"evidence": "a steelworks", "year": 2020}))
    undated = render(explain._evidence_item(m, place, {"evidence": "a steelworks", "year": None}))
    assert old.endswith("(as of 2012)") and "a steelworks" in old
    assert "as of" not in new and "as of" not in undated
    assert "2012年资料" in render(explain._evidence_item(m, place, {"evidence": "x", "year": 2012.0}), "zh")
    # Planted: one side's evidence for a shared sector redated to 2010; the industry reason now says so.
    import copy

    pair = next((q, c) for q in m.ids_["GB"] for c in m.ids_["CN"] if explain.industry_reasons(m, q, c))
    sector = explain.industry_reasons(m, *pair)[0].facts["sector"]
    assert "as of" not in explain.industry_reasons(m, *pair)[0].text
    planted = copy.copy(m)
    planted.industry_evidence_map_ = dict(m.industry_evidence_map_)
    key = next(k for k in ((pair[0], sector), (pair[1], sector)) if k in m.industry_evidence_map_)
    planted.industry_evidence_map_[key] = {**m.industry_evidence_map_[key], "year": 2010}
    planted.__dict__.pop("_explain_memo", None)
    assert "(as of 2010)" in explain.industry_reasons(planted, *pair)[0].text


def test_size_only_caveat_leads_exactly_the_results_that_rest_on_size(bundle):
    """A result whose fit is size alone says so first; one that shares anything else never does."""
    from matcher.answers.recommend import recommend

    assert explain.size_only({"scale": 0.1, "industry": 0.0, "prominence": 0.3})
    assert not explain.size_only({"scale": 0.1, "industry": 0.01, "prominence": 0.0})
    assert not explain.size_only({"scale": 0.0, "industry": 0.0, "prominence": 0.3})
    assert explain.size_only({"scale": 0.1, "complementarity": 0.1 * explain.MIN_SHARE / 2})  # too little to say
    text = "only size links"
    only_scale = dict.fromkeys(block_names(), 0.0) | {"scale": 1.0}
    answer = recommend(bundle, "E08000901", k=5, weights=only_scale)
    scored = [r for r in answer["results"] if r["contributions"]["scale"] > 0]
    assert scored and all(r["caveats"][0].startswith(text) for r in scored)
    for r in recommend(bundle, "E08000901", k=10, weights=weights_for(bundle))["results"]:
        assert any(c.startswith(text) for c in r["caveats"]) == explain.size_only(r["contributions"])
    zh = recommend(bundle, "E08000901", k=5, weights=only_scale, lang="zh")["results"]
    assert all("仅规模相近" in r["caveats"][0] for r in zh if r["contributions"]["scale"] > 0)


def test_a_list_mostly_resting_on_size_says_so_once(bundle):
    """Half or more of the results size-only: the answer's own caveats lead with how many; otherwise nothing."""
    from matcher.answers.recommend import recommend

    only_scale = dict.fromkeys(block_names(), 0.0) | {"scale": 1.0}
    for lang, words in (("en", "share only size with"), ("zh", "仅规模相近")):
        answer = recommend(bundle, "E08000901", k=5, weights=only_scale, lang=lang)
        alone = sum(explain.size_only(r["contributions"]) for r in answer["results"])
        assert 2 * alone >= len(answer["results"]) > 0
        assert words in answer["query_caveats"][0] and str(alone) in answer["query_caveats"][0]
    default = recommend(bundle, "E08000901", k=5, weights=weights_for(bundle))
    alone = sum(explain.size_only(r["contributions"]) for r in default["results"])
    assert any("share only size with" in c for c in default["query_caveats"]) == (2 * alone >= len(default["results"]))


def test_human_rights_caveat_only_in_listed_provinces_and_cited(shipped_bundle):
    """A pair whose Chinese side is in a province of matcher/human_rights.toml, and only such a pair, gets the
    human-rights caveat, naming the place, its province and the dated statement, in both languages."""
    from matcher.config import human_rights_regions

    m = shipped_bundle.model
    regions = human_rights_regions()
    assert regions and all(code in m.records_ for code in regions)  # every listed province is a locality
    gb = m.ids_["GB"][0]
    flagged = 0
    for c in m.ids_["CN"]:
        hr = [t for t in caveats(m, gb, c) if t.startswith("Human-rights due diligence")]
        province = f"{c[:2]}0000"
        assert len(hr) == (province in regions), c
        if hr:
            flagged += 1
            assert m.records_[c]["name"] in hr[0] and m.records_[province]["name"] in hr[0], hr[0]
            assert "not part of the fit score" in hr[0] and ("2021" in hr[0] or "2023" in hr[0]), hr[0]
            zh = [t for t in caveats(m, c, gb, lang="zh") if t.startswith("人权尽职调查")]
            assert len(zh) == 1 and m.records_[c]["name_zh"] in zh[0], zh
    assert flagged > len(regions)  # provinces and the places in them


def test_human_rights_regions_refuse_a_bad_entry(tmp_path, monkeypatch):
    from matcher import config

    bad = tmp_path / "human_rights.toml"
    bad.write_text('[6501]\nfinding = "xinjiang"\nyear = 2021\n')
    monkeypatch.setattr(config, "HUMAN_RIGHTS_TOML", bad)
    config.human_rights_regions.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"human_rights\.toml: \[6501\].*source"):
            config.human_rights_regions()
    finally:
        config.human_rights_regions.cache_clear()
