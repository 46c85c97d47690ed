"""HTML for people: the council page (/), the assessment card (/card) and the embeddable widget (/embed.js)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from matcher.recommend import weights_for
from service import card as cards
from service.api.deps import MatcherDep, NameQuery, PresetQuery, resolve_pair
from service.page import EMBED_JS, render_card, render_index

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(bundle: MatcherDep):
    return render_index(bundle)


@router.get("/card", response_class=HTMLResponse)
def card_page(bundle: MatcherDep, a: NameQuery, b: NameQuery, preset: PresetQuery = None):
    pair = resolve_pair(bundle, a, b, "a card")
    return pair if isinstance(pair, Response) else render_card(cards.card(bundle, *pair, weights_for(bundle, preset)))


@router.get("/embed.js")
def embed_js():
    return Response(EMBED_JS, media_type="application/javascript")
