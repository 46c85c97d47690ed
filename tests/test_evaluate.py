"""Evaluation: output shape, holdout resolution, and no leakage of held-out links."""

import pandas as pd

from features.sources import Tables
from matcher.evaluate import run_evaluation


def test_evaluate_shape(tables):
    r = run_evaluation(tables, k=3, split_year=2005)
    assert {"k", "n_pairs", "model", "baselines", "pairs", "unresolved"} <= set(r)
    assert set(r["baselines"]) == {"random", "population", "popularity", "euclidean"}
    for metrics in [r["model"], *r["baselines"].values()]:
        assert set(metrics) == {"recall_at_k", "mrr", "ndcg_at_k"}
        assert all(0 <= v <= 1 for v in metrics.values())
    assert r["n_pairs"] == 3  # 2005, 2010 and 2016 signings
    assert all(p["rank"] >= 1 for p in r["pairs"])
    assert r["leave_one_out"]["n_pairs"] == 5


def test_holdout_names_resolve_and_unresolved_are_misses(tables, tmp_path):
    f = tmp_path / "holdout.csv"
    f.write_text("uk,cn\nPortcaster,大连\nNowhereshire,Dalian\n", encoding="utf-8")
    r = run_evaluation(tables, k=3, holdout=f)
    assert r["n_pairs"] == 2
    assert [p["cn"] for p in r["pairs"]] == ["210200"]
    assert r["unresolved"][0]["uk"] == "Nowhereshire"
    assert r["model"]["recall_at_k"] <= 0.5


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


def test_planted_link_does_not_reach_held_out_ranking(tables, tmp_path):
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
    """Leave-one-out also ranks each pair from the Chinese side. With k covering every UK candidate each UK
    partner must be found; with k = 1 the metrics stay in [0, 1] and some partner is ranked."""
    n_gb = int((tables.localities["country"] == "GB").sum())
    wide = run_evaluation(tables, k=n_gb, split_year=2005)["leave_one_out"]["reverse"]
    assert wide["model"]["recall_at_k"] == 1.0 and wide["random"]["recall_at_k"] == 1.0
    narrow = run_evaluation(tables, k=1, split_year=2005)["leave_one_out"]["reverse"]
    for metrics in narrow.values():
        assert all(0 <= v <= 1 for v in metrics.values())
    assert narrow["model"]["mrr"] > 0
