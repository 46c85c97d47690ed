"""The one recommendation routine the CLI, the API, the page and the embed all call."""

from __future__ import annotations

from matcher.answers.explain import list_caveats, pair_caveats, query_caveats, reasons_with_blocks
from matcher.artifact.model import Filters
from matcher.artifact.store import Bundle
from matcher.config import WeightError, check_weights, default_weights, presets
from matcher.i18n import DEFAULT


def weights_for(bundle: Bundle, preset: str | None = None,
                overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Preset (or defaults) with per-request overrides on top; raises WeightError naming the bad field."""
    if preset in (None, "", "default", "balanced"):
        # The served default is the mix learned from partnership history; the hand-set values in
        # blocks.toml only stand in when the artifact has too little history to learn from.
        base = dict(bundle.fitted_weights) if bundle.fitted_weights else default_weights()
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
              filters: Filters | None = None, mutual: bool = True, lang: str = DEFAULT) -> dict:
    """The ranked answer; reasons and caveats in `lang` (a catalog in matcher/messages)."""
    m = bundle.model
    w = check_weights(weights or {})  # complete and in block order: contributions are labelled by it
    filters = filters or Filters()
    sensitive = filters.include_sensitive
    ids, contributions = m.top(query_id, w, k=k, filters=filters)
    mutual_of = m.mutual_ranks(ids, query_id, w, sensitive) if (mutual and ids) else {}
    sims, _ = m.similarities(query_id, sensitive)
    pos = m.pos_[m.other(query_id)]
    results, contribs = [], []
    for n, (cid, row) in enumerate(zip(ids, contributions, strict=True), start=1):
        contrib = dict(zip(w, row.tolist(), strict=True))
        contribs.append(contrib)
        texts, blocks = reasons_with_blocks(m, query_id, cid, contrib, sensitive, lang)
        result = {
            "rank": n,
            "locality": bundle.resolver.describe(cid),
            "score": float(sum(contrib.values())),
            # fit: what the fit blocks add up to; prominence: the candidate's capacity to engage in [0, 1]
            # (its prior, whatever the weights), shown beside fit and weighted only by its own dial.
            "fit": float(sum(v for b, v in contrib.items() if b != "prominence")),
            "prominence": float(sims["prominence"][pos[cid]]),
            "contributions": contrib,
            "reasons": texts,
            "reason_blocks": blocks,
            "caveats": pair_caveats(m, query_id, cid, contrib, sensitive, lang),
            "partnership": m.partnership(query_id, cid),
        }
        if cid in mutual_of:
            result["mutual_rank"] = mutual_of[cid]
        results.append(result)
    # Caveats about the query itself (its own sensitive sectors, its data gaps) and about the list as a whole (most
    # of it resting on size alone) are said once, here.
    said = list_caveats(m, query_id, contribs, lang) + query_caveats(m, query_id, lang)
    return {"query": bundle.resolver.describe(query_id), "weights": w, "results": results, "query_caveats": said}
