"""matcher audit reads the served answers themselves: its shares must agree with what each answer says."""

from matcher.answers.audit import _queries, audit
from matcher.answers.recommend import recommend, weights_for
from matcher.config import block_names


def test_audit_size_only_share_is_the_share_of_answers_that_say_so(bundle):
    only_scale = dict.fromkeys(block_names(), 0.0) | {"scale": 1.0, "industry": 0.2}
    report = audit(bundle, only_scale, k=5)
    for country, key in (("GB", "uk_queries"), ("CN", "cn_queries")):
        said = total = weak = 0
        queries = _queries(bundle, country)
        for q in queries:
            answer = recommend(bundle, q, k=5, weights=only_scale, mutual=False)
            weak += any("share only size with" in c for c in answer["query_caveats"])
            for r in answer["results"]:
                said += any(c.startswith("only size links") for c in r["caveats"])
                total += 1
        assert total and report[key]["size_only"] == round(said / total, 4)
        assert report[key]["lists_mostly_size_only"] == round(weak / len(queries), 4)
        assert abs(sum(report[key]["first_reason"].values()) - 1) < 1e-3
    assert any(report[k]["size_only"] > 0 for k in report)  # the check can fail: some answers rest on size


def test_overlap_tail_on_a_hand_made_case():
    """Top 4 of three queries: {0,1,2,3}, {0,1,2,3} (the same set, reordered), {0,1,8,9}: the first pair shares
    all four (identical), the other two share two of four (half). So every pair shares half or more, and one
    pair is identical; with a fourth list sharing one place, 3 of 6 pairs share half."""
    from matcher.answers.audit import overlap_tail

    lists = [[0, 1, 2, 3], [3, 2, 1, 0], [0, 1, 8, 9]]
    assert overlap_tail(lists, 4) == {"pairs_sharing_half": 1.0, "identical_pairs": 1}
    assert overlap_tail([*lists, [9, 5, 6, 7]], 4) == {"pairs_sharing_half": 0.5, "identical_pairs": 1}


def test_shipped_lists_stay_personal_and_fit_first(shipped_bundle):
    """On the shipped data, the served default and every preset keep each direction's lists within the limits
    (mean Jaccard and largest share <= 0.15), and the default's prominence carries at most half of its top-10
    scores. A data change that brought back a hub (a place in most lists) or let popularity lead fails here."""
    import numpy as np

    from matcher.config import presets
    from matcher.model.estimator import MAX_PROMINENCE_SHARE
    from matcher.model.personalisation import LIMIT, personalisation, top_lists, within_limits

    m = shipped_bundle.model
    default = weights_for(shipped_bundle, None)
    for name in ["default", *presets()]:
        w = default if name == "default" else weights_for(shipped_bundle, name)
        for qc, queries in m.query_masks().items():
            oc = "CN" if qc == "GB" else "GB"
            lists = top_lists(m.served_matrix(w, qc)[queries], 10, m.live_[oc])
            p = personalisation(lists, len(m.ids_[oc]))
            assert within_limits(p, LIMIT), (name, qc, p)
            assert p["distinct"] > 10 * np.sqrt(queries.sum())  # far more than a shared shortlist
    for qc, queries in m.query_masks().items():
        assert m.prominence_share(default, qc, queries) <= MAX_PROMINENCE_SHARE
