"""/v1/explain: the assessment card for any UK–China pair."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from service import assess
from service import card as cards
from service.api.deps import LangDep, MatcherDep, NameQuery, PresetQuery, StoreDep, resolve_pair
from service.api.routes.recommendations import WeightsQuery, query_weights, resolve_weights
from service.api.schemas.explain import Card
from service.api.security import HeavyDep
from service.page import weighting_label

router = APIRouter(tags=["recommendations"])


@router.get("/explain", response_model=Card, dependencies=[HeavyDep])
def explain(bundle: MatcherDep, store: StoreDep, lang: LangDep, a: NameQuery, b: NameQuery, preset: PresetQuery = None,
            profile: PresetQuery = None, weights: WeightsQuery = None):
    """The assessment card for any UK–China pair, in the six sections of a council partner-city policy, under
    the same weighting parameters as /v1/recommendations (so its score is the list's)."""
    pair = resolve_pair(bundle, a, b, "explain")
    if isinstance(pair, Response):
        return pair
    overrides = query_weights(weights)
    w = resolve_weights(bundle, store, preset, overrides, profile)
    label = weighting_label(preset, overrides, resolve_weights(bundle, store, preset, None, profile))
    return cards.card(bundle, *pair, w, label, assess.overall_ranks(bundle, pair[0], w), lang)
