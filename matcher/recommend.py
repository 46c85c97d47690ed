"""The one recommendation routine the CLI, the API, the page and the embed all call."""

from __future__ import annotations

from matcher.build import Bundle
from matcher.config import WeightError, check_weights, default_weights, presets
from matcher.estimator import Filters
from matcher.explain import caveats, reasons

MAX_K = 200


def weights_for(bundle: Bundle, preset: str | None = None, overrides: dict[str, float] | None = None) -> dict[str, float]:
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
        if mutual:
            result["mutual_rank"] = mutual_rank(bundle, cid, query_id, w)
        results.append(result)
    return {"query": bundle.resolver.describe(query_id), "weights": w, "results": results}


def mutual_rank(bundle: Bundle, candidate: str, query: str, weights: dict[str, float]) -> int:
    """Where the query would appear in the candidate's own ranking (1 = its best match)."""
    _, scores = bundle.matcher.score(candidate, weights)
    ordered = scores.rename("score").rename_axis("id").reset_index().sort_values(["score", "id"], ascending=[False, True])
    return int(ordered["id"].tolist().index(query)) + 1
