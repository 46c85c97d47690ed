"""Evaluation: output shape, holdout resolution, and no leakage of anything dated after a held-out pair."""

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
    assert with_link["model"] == without_link["model"]


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
    for metrics in narrow.values():
        assert all(0 <= v <= 1 for key, v in metrics.items() if not key.endswith("_ci"))


def test_size_matched_fit_of_a_size_only_ranking_is_one_half():
    """A ranking that only knows size scores 0.5 against size-matched peers (ties count half), and the
    measure sees a real difference when the target outranks them."""
    import numpy as np

    from matcher.model.evaluate import _size_matched

    scores = np.array([5.0, 5.0, 5.0, 1.0])
    assert _size_matched(scores, 0, np.array([1, 2])) == 0.5
    assert _size_matched(scores, 0, np.array([3])) == 1.0
    assert np.isnan(_size_matched(scores, 0, np.array([], dtype=int)))
