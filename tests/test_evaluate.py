"""Evaluation: output shape, holdout resolution, and no leakage of anything dated after a held-out pair."""

import json

import pandas as pd
import pytest

from features.sources import Tables
from matcher.config import block_names
from matcher.model.evaluate import BASELINES, run_evaluation

METRICS = {"recall_at_k", "mrr", "ndcg_at_k", "size_matched_fit"}


def _check_block(rep: dict) -> None:
    assert set(rep["baselines"]) == {"random", *BASELINES}
    for metrics in [rep["model"], *rep["baselines"].values(), *rep["presets"].values()]:
        assert METRICS <= set(metrics)
        for key in METRICS:
            lo, hi = metrics[f"{key}_ci"]
            v = metrics[key]
            if v == v:  # size-matched fit is NaN when no pair has size-matched peers
                assert 0 <= v <= 1 and lo <= v + 1e-12 and v <= hi + 1e-12
    assert set(rep["ablations"]) == set(block_names())


def test_evaluate_shape(tables):
    r = run_evaluation(tables, k=3, split_year=2005)
    assert {"k", "n_pairs", "model", "baselines", "pairs", "unresolved", "leave_one_out", "ablations"} <= set(r)
    _check_block(r)
    _check_block(r["leave_one_out"])
    assert r["n_pairs"] == 3  # 2005, 2010 and 2016 signings
    assert all(p["rank"] >= 1 for p in r["pairs"])
    assert r["leave_one_out"]["n_pairs"] == 5
    # Random ranking's expected size-matched fit is exactly 0.5 over the pairs that have size-matched peers.
    with_peers = [p for p in r["pairs"] if p["size_matched_fit"] is not None]
    assert with_peers, "the fixtures must give some held-out pair size-matched peers"
    assert r["baselines"]["random"]["size_matched_fit"] == 0.5


def test_holdout_names_resolve_and_unresolved_are_misses(tables, tmp_path):
    f = tmp_path / "holdout.csv"
    f.write_text("uk,cn\nPortcaster,大连\nNowhereshire,Dalian\n", encoding="utf-8")
    r = run_evaluation(tables, k=3, holdout=f)
    assert r["n_pairs"] == 2
    assert [p["cn"] for p in r["pairs"]] == ["210200"]
    assert r["unresolved"][0]["uk"] == "Nowhereshire"
    assert r["model"]["recall_at_k"] <= 0.5
    _check_block(r)
    _check_block(r["leave_one_out"])  # the same keys as the default protocol
    assert all(p["uk"] != "E08000902" or p["cn"] != "210200" for p in r["leave_one_out"]["pairs"])


def test_holdout_year_must_be_a_year(tables, tmp_path):
    from matcher.model.evaluate import HoldoutError

    f = tmp_path / "holdout.csv"
    f.write_text("uk,cn,year\nPortcaster,Dalian,soon\n", encoding="utf-8")
    with pytest.raises(HoldoutError, match="line 2, column 'year'"):
        run_evaluation(tables, k=3, holdout=f)


def _plant(tables, table: str, row: dict) -> Tables:
    return Tables({**tables.frames, table: pd.concat([tables[table], pd.DataFrame([row])], ignore_index=True)})


def _edu(uk, cn, year):
    return {"uk_id": uk, "cn_id": cn, "uk_institution": "Planted U", "cn_institution": "Planted C",
            "kind": "campus", "year": year, "source": "planted"}


def _pair(report, uk, cn, loo=False):
    rows = report["leave_one_out"]["pairs"] if loo else report["pairs"]
    return next((p["rank"], p["score"]) for p in rows if p["uk"] == uk and p["cn"] == cn)


@pytest.mark.parametrize("table,row", [
    ("education_links", _edu("E08000902", "210200", 2017)),
    ("consulates", {"host_id": "210200", "sending_country": "GB", "kind": "consulate_general", "year": 2017,
                    "source": "planted"}),
])
def test_temporal_ignores_rows_dated_after_the_split(tables, table, row):
    """Portcaster–Dalian (2016) is a test pair of the 2005 split: a link planted in 2017 cannot move it;
    the same link planted in 2003 (before the split) does, so the test can fail."""
    base = run_evaluation(tables, k=3, split_year=2005, leave_one_out=False)
    after = run_evaluation(_plant(tables, table, row), k=3, split_year=2005, leave_one_out=False)
    assert _pair(after, "E08000902", "210200") == _pair(base, "E08000902", "210200")
    if table == "consulates":  # a mission is reach (prominence), which the default weighting does not serve
        return
    before = run_evaluation(_plant(tables, table, {**row, "year": 2003}), k=3, split_year=2005,
                            leave_one_out=False)
    assert _pair(before, "E08000902", "210200")[1] != _pair(base, "E08000902", "210200")[1]


def test_grouped_cv_slices_each_pair_at_its_year(tables):
    """Steelton–Chengdu (2010): a campus planted in 2011 cannot reach its held-out score; in 2009 it does."""
    base = run_evaluation(tables, k=3, split_year=2005)
    after = run_evaluation(_plant(tables, "education_links", _edu("E08000901", "510100", 2011)), k=3, split_year=2005)
    assert _pair(after, "E08000901", "510100", loo=True) == _pair(base, "E08000901", "510100", loo=True)
    before = run_evaluation(_plant(tables, "education_links", _edu("E08000901", "510100", 2009)), k=3,
                            split_year=2005)
    assert _pair(before, "E08000901", "510100", loo=True)[1] > _pair(base, "E08000901", "510100", loo=True)[1]


def test_holdout_year_slices_side_tables(tables, tmp_path):
    f = tmp_path / "holdout.csv"
    f.write_text("uk,cn,year\nPortcaster,Dalian,2016\n", encoding="utf-8")
    base = run_evaluation(tables, k=3, holdout=f)
    after = run_evaluation(_plant(tables, "education_links", _edu("E08000902", "210200", 2017)), k=3, holdout=f)
    assert _pair(after, "E08000902", "210200") == _pair(base, "E08000902", "210200")
    before = run_evaluation(_plant(tables, "education_links", _edu("E08000902", "210200", 2014)), k=3, holdout=f)
    assert _pair(before, "E08000902", "210200")[1] > _pair(base, "E08000902", "210200")[1]


def test_no_leakage_of_held_out_link(tables, tmp_path):
    """A held-out pair ranks the same whether or not the data also records it as a partnership."""
    f = tmp_path / "holdout.csv"
    f.write_text("uk,cn\nE08000902,210200\n", encoding="utf-8")
    with_link = run_evaluation(tables, k=3, holdout=f)
    parts = tables["partnerships"]
    without = Tables({**tables.frames, "partnerships": parts[~((parts["uk_id"] == "E08000902")
                                                               & (parts["cn_id"] == "210200"))]})
    without_link = run_evaluation(without, k=3, holdout=f)
    assert with_link["pairs"] == without_link["pairs"]
    assert json.dumps(with_link["model"], sort_keys=True) == json.dumps(without_link["model"], sort_keys=True)


def test_planted_partnerships_do_not_reach_held_out_ranking(tables, tmp_path):
    """Plant the held-out link as many partnerships (as if popular); its rank must not change."""
    f = tmp_path / "holdout.csv"
    f.write_text("uk,cn\nE06000904,510100\n", encoding="utf-8")
    base = run_evaluation(tables, k=3, holdout=f)
    plant = pd.DataFrame([{"uk_id": "E06000904", "cn_id": "510100", "kind": k, "year_signed": 2020,
                           "status": "active", "source": "planted", "note": None}
                          for k in ("sister_city", "friendship", "mou")])
    planted = Tables({**tables.frames, "partnerships": pd.concat([tables["partnerships"], plant])})
    assert run_evaluation(planted, k=3, holdout=f)["pairs"] == base["pairs"]


def test_reverse_direction_is_scored(tables):
    """Grouped CV also ranks each pair from the Chinese side. With k covering every UK candidate each UK
    partner must be found; with k = 1 the metrics stay in [0, 1]."""
    n_gb = int((tables.localities["country"] == "GB").sum())
    wide = run_evaluation(tables, k=n_gb, split_year=2005)["leave_one_out"]["reverse"]
    assert wide["model"]["recall_at_k"] == 1.0 and wide["random"]["recall_at_k"] == 1.0
    narrow = run_evaluation(tables, k=1, split_year=2005)["leave_one_out"]["reverse"]
    for name in ("model", "candidate_prior", "random"):
        assert all(0 <= v <= 1 for key, v in narrow[name].items() if not key.endswith("_ci"))
    assert {"recall_at_k_delta", "mrr_delta_ci"} <= set(narrow["paired"]["candidate_prior"])


def test_matched_fit_counts_ties_as_one_half():
    """Ties with the matched peers count half (so a ranking that cannot tell them apart scores 0.5; a
    size-only ranking that orders its size peers does not, see the size baselines' own figures), and the
    measure sees a real difference when the target outranks them."""
    import numpy as np

    from matcher.model.evaluate import _size_matched

    scores = np.array([5.0, 5.0, 5.0, 1.0])
    assert _size_matched(scores, 0, np.array([1, 2])) == 0.5
    assert _size_matched(scores, 0, np.array([3])) == 1.0
    assert np.isnan(_size_matched(scores, 0, np.array([], dtype=int)))


def _partnership(uk, cn, year):
    return {"uk_id": uk, "cn_id": cn, "kind": "friendship", "year_signed": year, "status": "active",
            "source": "planted", "note": None}


def _holdout(tmp_path, text):
    f = tmp_path / "holdout.csv"
    f.write_text(text, encoding="utf-8")
    return f


# A held-out pair of each protocol, and another UK body that partners its Chinese partner later.
PROTOCOLS = {
    "temporal": {"pair": ("E08000902", "210200"), "loo": False, "plant": ("E08000901", "210200", 2017)},
    # Testland (the UK body containing Steelton) partnering Chengdu is a tie between the two places' families:
    # dated before the pair, it moves the pair's score (test below).
    "grouped_cv": {"pair": ("E08000901", "510100"), "loo": True, "plant": ("E92000001", "510100", 2012)},
    "grouped_cv_other": {"pair": ("E08000901", "510100"), "loo": True, "plant": ("E06000903", "510100", 2012)},
    "holdout": {"pair": ("E08000902", "210200"), "loo": False, "plant": ("E08000901", "210200", 2017)},
}


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_a_later_partnership_of_the_partner_cannot_move_a_held_out_pair(tables, tmp_path, protocol):
    """Planting a later partnership of a held-out pair's Chinese partner (another UK body choosing it again
    after the pair was signed) leaves the pair's rank and score as they were, in every protocol: the model
    that scores it learned only from pairs signed before it."""
    spec = PROTOCOLS[protocol]
    kw = {"k": 3, "split_year": 2005, "leave_one_out": spec["loo"]}
    if protocol == "holdout":
        kw = {"k": 3, "holdout": _holdout(tmp_path, "uk,cn,year\nPortcaster,Dalian,2016\n"), "leave_one_out": False}
    base = run_evaluation(tables, **kw)
    later = run_evaluation(_plant(tables, "partnerships", _partnership(*spec["plant"])), **kw)
    assert _pair(later, *spec["pair"], loo=spec["loo"]) == _pair(base, *spec["pair"], loo=spec["loo"])


def test_an_earlier_partnership_of_the_partner_can_move_it(tables):
    """The same plant dated before the held-out pair reaches its score (so the test above can fail)."""
    base = run_evaluation(tables, k=3, split_year=2005)
    earlier = run_evaluation(_plant(tables, "partnerships", _partnership("E92000001", "510100", 2008)), k=3,
                             split_year=2005)
    assert _pair(earlier, "E08000901", "510100", loo=True)[1] != _pair(base, "E08000901", "510100", loo=True)[1]


def test_undated_pairs_are_counted(tables):
    undated = _plant(tables, "partnerships", _partnership("E06000904", "330000", None))
    r = run_evaluation(undated, k=3, split_year=2005)
    for rep in (r, r["leave_one_out"]):
        assert rep["undated"]["pairs"] == 1 and rep["undated"]["held_out"] == 0
        assert rep["undated"]["in_training"] == 0  # it may postdate any pair: no time-consistent model learns it
    assert all(p["cn"] != "330000" for p in r["leave_one_out"]["pairs"])


def test_personalisation_on_a_hand_made_case():
    """Three queries, top 2 of five candidates: {0,1}, {0,1}, {0,2}. Jaccard: 1, 1/3, 1/3 -> 5/9; candidate
    0 is in every list (share 1); three distinct candidates. Without candidate 0 (not allowed), every list
    is {1, 2}."""
    import numpy as np

    from matcher.model.evaluate import personalisation

    s = np.array([[5, 4, 1, 0, 0], [5, 4, 3, 0, 0], [5, 1, 4, 0, 0]], float)
    p = personalisation(s, k=2)
    assert p["mean_jaccard"] == pytest.approx(5 / 9)
    assert p["max_share"] == 1.0 and p["distinct"] == 3
    q = personalisation(s, allowed=np.array([False, True, True, True, True]), k=2)
    assert q == {"mean_jaccard": 1.0, "max_share": 1.0, "distinct": 2}  # every list is then {1, 2}


def test_paired_interval_excludes_zero_only_for_a_real_difference():
    """Model minus baseline, bootstrap over queries: a model one rank better on every pair is "ahead" (the
    interval excludes 0); a model better on half the queries and worse on the others is "level"."""
    import numpy as np

    from matcher.model.evaluate import _per_pair, paired

    groups = np.repeat([f"q{i}" for i in range(20)], 2)
    base = _per_pair(np.full(40, 3), k=2)
    better = paired(_per_pair(np.full(40, 2), k=2), base, groups, np.random.default_rng(0))
    assert better["mrr_delta"] == pytest.approx(1 / 2 - 1 / 3) and better["mrr_delta_ci"][0] > 0
    assert better["mrr_delta_verdict"] == "ahead" and better["recall_at_k_delta_verdict"] == "ahead"
    wins = (np.arange(40) % 4 < 2).astype(float)  # the model finds the partner for every other query only
    mixed = paired({"recall_at_k": wins, "mrr": wins}, {"recall_at_k": 1 - wins, "mrr": 1 - wins}, groups,
                   np.random.default_rng(0))
    lo, hi = mixed["recall_at_k_delta_ci"]
    assert mixed["recall_at_k_delta"] == 0 and lo < 0 < hi and mixed["recall_at_k_delta_verdict"] == "level"
    worse = paired(base, _per_pair(np.full(40, 2), k=2), groups, np.random.default_rng(0))
    assert worse["mrr_delta_ci"][1] < 0 and worse["mrr_delta_verdict"] == "behind"


def test_nested_choices_see_only_training_pairs(tables, monkeypatch):
    """Every method choice is made on pairs that train the model of each pair it serves: signed before it
    and, in grouped CV, of other queries; never a protocol's test pair."""
    import matcher.model.evaluate as ev

    seen = []
    real = ev.choose

    def spy(full, train, k=10):
        seen.append(train.copy())
        return real(full, train, k)

    monkeypatch.setattr(ev, "choose", spy)
    r = ev.run_evaluation(tables, k=3, split_year=2005)
    temporal, served = seen[0], seen[1]
    assert (temporal["year_signed"] < 2005).all()
    assert len(served) == len(tables["partnerships"])  # what build serves: every pair
    choice_sets = seen[2:]
    loo = r["leave_one_out"]
    assert len(choice_sets) == len(loo["choices"])
    by_bucket = dict(zip(loo["choices"], choice_sets, strict=True))
    for p in loo["pairs"]:
        chosen_on = by_bucket[p["choice"]]
        assert (chosen_on["year_signed"] < p["year"]).all()
        assert p["uk"] not in set(chosen_on["uk_id"])


def test_chosen_params_do_not_move_when_test_pairs_change(tables, monkeypatch):
    """With a grid small enough to run on the fixtures, the temporal choice (and what it tried) is the same
    whether the test pairs are the real ones or others."""
    import json

    import matcher.model.evaluate as ev

    monkeypatch.setattr(ev, "MIN_CHOICE_PAIRS", 3)
    monkeypatch.setattr(ev, "CHOICES", {"prior_l2": (0.01, 1.0), "weights_l2": (0.03,)})
    parts = tables["partnerships"]
    base = ev.run_evaluation(tables, k=3, split_year=2010, leave_one_out=False)
    assert base["validation"].get("tried"), "the fixture choice must run, not fall back to defaults"
    moved = parts.copy()
    test = moved["year_signed"] >= 2010
    moved.loc[test, "cn_id"] = "330000"  # every test pair now names another Chinese partner
    other = ev.run_evaluation(Tables({**tables.frames, "partnerships": moved}), k=3, split_year=2010,
                              leave_one_out=False)
    assert json.dumps(other["validation"], sort_keys=True) == json.dumps(base["validation"], sort_keys=True)
    assert other["pairs"] != base["pairs"]


def test_cli_json_keeps_its_keys_and_adds_the_new_ones():
    """`matcher evaluate --json`: the old keys stay; personalisation (both directions) on the model, every
    baseline and preset, prominence-matched fit beside size-matched fit, and paired differences against
    every baseline, in the temporal split and under leave_one_out. The table form prints them too."""
    from typer.testing import CliRunner

    from matcher.cli import app
    from matcher.paths import FIXTURES_DIR

    runner = CliRunner()
    res = runner.invoke(app, ["evaluate", "--k", "3", "--json", "--split-year", "2005", "--data", str(FIXTURES_DIR)])
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert {"k", "protocol", "split_year", "served_weights", "n_train_pairs", "weights", "weights_name", "n_pairs",
            "model", "baselines", "presets", "ablations", "pairs", "unresolved", "validation", "snapshot",
            "leave_one_out"} <= set(r)
    for rep in (r, r["leave_one_out"]):
        for m in [rep["model"], *rep["baselines"].values(), *rep["presets"].values()]:
            assert {"size_matched_fit", "prominence_matched_fit"} <= set(m)
            for key in ("personalisation", "personalisation_reverse"):
                assert set(m[key]) == {"mean_jaccard", "max_share", "distinct"}
        assert set(rep["paired"]) == {"random", *BASELINES} and rep["model"]["paired"] == rep["paired"]
        for d in rep["paired"].values():
            assert {"recall_at_k_delta", "recall_at_k_delta_ci", "mrr_delta", "mrr_delta_ci"} <= set(d)
        assert rep["choices"] and rep["undated"]["pairs"] == 0
    text = runner.invoke(app, ["evaluate", "--k", "3", "--split-year", "2005", "--data", str(FIXTURES_DIR)])
    assert text.exit_code == 0 and "paired" in text.output and "candidate_prior" in text.output


def test_model_card_and_readme_are_written_from_the_report(tables, tmp_path):
    """The card and the README's evaluation block come from the report: its paired table, personalisation per
    method and where the model loses; the README's text outside the markers stays as it was."""
    from matcher.model.model_card import README_END, README_START, write_model_card

    report = run_evaluation(tables, k=3, split_year=2005)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{README_START}\nstale 0.999\n{README_END}\nafter\n", encoding="utf-8")
    write_model_card(tables, tmp_path / "MODEL_CARD.md", k=3, report=report, readme=readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nbefore\n") and text.endswith(f"{README_END}\nafter\n")
    assert "stale 0.999" not in text
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    for doc in (text, card):
        assert "| candidate_prior |" in doc and "Where the model loses" in doc
        assert f"{report['model']['paired']['candidate_prior']['mrr_delta']:+.3f}" in doc
        p = report["model"]["personalisation"]
        assert f"{p['mean_jaccard']:.2f} / {p['max_share']:.2f} / {p['distinct']}" in doc
    from matcher.model.model_card import _rounded

    # Written with floats cut to 9 decimals, so the same data and code give the same bytes.
    assert json.loads((tmp_path / "evaluation.json").read_text()) == json.loads(json.dumps(_rounded(report)))
