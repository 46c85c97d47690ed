"""The one recommendation routine the CLI, the API, the page and the embed all call."""

from __future__ import annotations

from matcher.build import Bundle
from matcher.config import WeightError, check_weights, default_weights, presets
from matcher.estimator import Filters
from matcher.explain import caveats, reasons

MAX_K = 200


def weights_for(bundle: Bundle, preset: str | None = None,
                overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Preset (or defaults) with per-request overrides on top; raises WeightError naming the bad field."""
    if preset in (None, "", "default"):
        base = default_weights()
    elif preset == "fitted":
        if not bundle.fitted_weights:
            raise WeightError("preset", "no fitted weights in this artifact; run `matcher build --fit-weights`")
        base = dict(bundle.fitted_weights)
    elif preset in presets():
        base = dict(presets()[preset].weights)
    else:
        names = sorted([*presets(), "fitted"])
        raise WeightError("preset", f"unknown preset '{preset}'; known presets: {', '.join(names)}")
    return check_weights(overrides or {}, base=base)


def recommend(bundle: Bundle, query_id: str, k: int = 10, weights: dict[str, float] | None = None,
              filters: Filters | None = None, mutual: bool = True) -> dict:
    m = bundle.matcher
    w = weights or default_weights()
    table = m.rank(query_id, w, k=k, filters=filters)
    ids = table.index.tolist()
    mutual = mutual_ranks(bundle, ids, query_id, w) if (mutual and ids) else {}
    results = []
    for n, (cid, row) in enumerate(table.iterrows(), start=1):
        contrib = {b: float(row[b]) for b in w}
        result = {
            "rank": n,
            "locality": bundle.resolver.describe(cid),
            "score": float(sum(contrib.values())),
            "contributions": contrib,
            "reasons": reasons(m, query_id, cid, contrib),
            "caveats": caveats(m, query_id, cid),
            "partnership": m.partnership(query_id, cid),
        }
        if cid in mutual:
            result["mutual_rank"] = mutual[cid]
        results.append(result)
    return {"query": bundle.resolver.describe(query_id), "weights": w, "results": results}


def mutual_ranks(bundle: Bundle, candidates: list[str], query: str, weights: dict[str, float]) -> dict[str, int]:
    """Where the query would appear in each candidate's own ranking (1 = its best match), ties by id."""
    scores = bundle.matcher.exact_scores(candidates, weights)
    mine = scores[query]
    ahead = scores.gt(mine, axis=0).sum(axis=1) + scores.loc[:, scores.columns < query].eq(mine, axis=0).sum(axis=1)
    return {c: int(ahead[c]) + 1 for c in candidates}
