"""/v1/explain: the assessment card for any UK–China pair."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from matcher.recommend import weights_for
from service import card as cards
from service.api.deps import MatcherDep, NameQuery, PresetQuery, resolve_pair
from service.api.schemas.explain import Card

router = APIRouter(tags=["recommendations"])


@router.get("/explain", response_model=Card)
def explain(bundle: MatcherDep, a: NameQuery, b: NameQuery, preset: PresetQuery = None):
    """The assessment card for any UK–China pair, in the six sections of a council partner-city policy."""
    pair = resolve_pair(bundle, a, b, "explain")
    return pair if isinstance(pair, Response) else cards.card(bundle, *pair, weights_for(bundle, preset))
