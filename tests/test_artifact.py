"""The serving artifact answers byte for byte as the estimator it was exported from.

Every query of both countries is answered twice: from the fitted estimator's in-memory export, and from the
artifact written by `dump` and read back by `load` (no pandas, no pickle). The JSON bodies must be equal
bytes, and the ranking must be the training-time ranker's (`PartnerMatcher.rank`, what the evaluation
scores): same ids in the same order, same contributions to the last bit.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from matcher.answers.recommend import weights_for
from matcher.artifact.model import Filters
from matcher.artifact.store import Bundle, dump, load
from matcher.config import block_names, check_weights
from service.compute import answer_bytes


def reloaded(bundle: Bundle) -> Bundle:
    arrays, tables = dump(bundle.model, bundle.resolver, bundle.fitted_weights)
    model, resolver, fitted = load(arrays, tables)
    return Bundle(model=model, resolver=resolver, manifest={}, fitted_weights=fitted)


def weightings(bundle: Bundle, n_random: int) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(13)
    out = {"learned": weights_for(bundle, None)}
    for n in range(n_random):
        out[f"random{n}"] = check_weights({b: float(v) for b, v in zip(block_names(), rng.uniform(0, 3, 8),
                                                                        strict=True)})
    return out


def assert_same_answers(bundle: Bundle, served: Bundle, queries: list[str], ks: tuple[int, ...], n_random: int,
                        filters: tuple[Filters, ...] = (Filters(),)) -> int:
    est = bundle.estimator
    n = 0
    for name, w in weightings(bundle, n_random).items():
        for q in queries:
            for k in ks:
                for f in filters:
                    trained, loaded = answer_bytes(bundle, q, k, w, f), answer_bytes(served, q, k, w, f)
                    assert trained == loaded, f"{q} {name} k={k} {f}: the artifact answers differently"
                    n += 1
                # The served order and scores are the training-time ranker's (the one the evaluation measures).
                table = est.rank(q, w, k=k)
                ids, contrib = served.model.top(q, w, k=k)
                assert ids == table.index.tolist(), (q, name, k)
                assert np.array_equal(contrib, table[list(w)].to_numpy()), (q, name, k)  # every block, every bit
    return n


def test_artifact_answers_every_fixture_query_byte_for_byte(bundle):
    served = reloaded(bundle)
    queries = [*bundle.model.ids_["GB"], *bundle.model.ids_["CN"]]
    filters = (Filters(), Filters(exclude_partners=True), Filters(include_sensitive=True),
               Filters(pop_ratio=(1.0, 50.0)))
    assert assert_same_answers(bundle, served, queries, (10, 100), n_random=3, filters=filters) > 100


def test_artifact_answers_every_shipped_query_byte_for_byte(shipped_bundle):
    """All 1,100+ real queries at k=10 (learned weights and one random weighting), and a sample at k=100."""
    served = reloaded(shipped_bundle)
    queries = [*shipped_bundle.model.ids_["GB"], *shipped_bundle.model.ids_["CN"]]
    assert assert_same_answers(shipped_bundle, served, queries, (10,), n_random=1) == 2 * len(queries)
    sample = queries[:: max(1, len(queries) // 12)]
    assert assert_same_answers(shipped_bundle, served, sample, (100,), n_random=1,
                               filters=(Filters(exclude_partners=True), Filters(include_sensitive=True)))


def test_a_changed_array_changes_the_answer(bundle):
    """The comparison can fail: nudging one stored similarity input changes the bytes."""
    served = reloaded(bundle)
    side = served.model.sides_["CN"]
    side.log_pop[:] = side.log_pop + 0.3  # every Chinese place 2x larger: scale fit moves
    w = weights_for(bundle, None)
    assert answer_bytes(bundle, "E08000901", 10, w, Filters()) != answer_bytes(served, "E08000901", 10, w, Filters())


def test_the_loaded_resolver_resolves_as_the_built_one(bundle):
    served = reloaded(bundle)
    for i, d in bundle.resolver.described.items():
        for name in (i, d["name"], d["name_zh"]):
            if name:
                try:
                    expected = bundle.resolver.resolve(name)
                except LookupError as exc:
                    with pytest.raises(type(exc)):
                        served.resolver.resolve(name)
                else:
                    assert served.resolver.resolve(name) == expected
    assert served.resolver.suggest("Steeltn") == bundle.resolver.suggest("Steeltn")


def test_a_built_artifact_answers_as_the_estimator_built_with_it(tmp_path):
    """`matcher build` end to end: the files the service loads answer as the fitted estimator saved beside
    them (learned on validation-chosen L2 strengths, as served), for every fixture query."""
    from matcher.artifact.store import load_bundle
    from matcher.model.build import answers, build, load_estimator
    from matcher.paths import FIXTURES_DIR

    build(FIXTURES_DIR, tmp_path)
    served = load_bundle(tmp_path)
    trained = answers(load_estimator(tmp_path), served.resolver)
    assert trained.fitted_weights == served.fitted_weights
    queries = [*served.model.ids_["GB"], *served.model.ids_["CN"]]
    assert assert_same_answers(trained, served, queries, (10,), n_random=1) == 2 * len(queries)


@pytest.mark.parametrize("which", ["bundle", "shipped_bundle"])
def test_mutual_rank_is_the_place_in_the_candidates_own_list(which, request):
    """For every result, `mutual_rank` is where the query stands in that candidate's own full list under the
    same weights before reciprocity (the base list the reciprocity factor reads; ties by id, only places that
    can partner)."""
    b = request.getfixturevalue(which)
    served = reloaded(b)
    base = copy.copy(served.model)
    base.reciprocity_ = 0.0
    queries = [*served.model.ids_["GB"], *served.model.ids_["CN"]]
    queries = queries[:: max(1, len(queries) // 40)]
    checked = 0
    for name, w in weightings(b, 2).items():
        for q in queries:
            ids, _ = served.model.top(q, w, k=5)
            for cand, mutual in served.model.mutual_ranks(ids, q, w).items():
                full, _ = base.top(cand, w, k=len(served.model.ids_[served.model.country_of(q)]))
                if q in full:
                    assert mutual == full.index(q) + 1, (name, q, cand)
                    checked += 1
    assert checked > 20
