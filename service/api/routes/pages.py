"""HTML for people: the council page (/), the assessment card (/card) and the embeddable widget (/embed.js).

A bad page link (unknown or ambiguous place, missing half of a pair, bad weights) answers a readable page
saying what is wrong, with links to what the person may have meant, never raw JSON.
"""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from features.resolve import AmbiguousLocality, UnknownLocality
from matcher.config import WeightError
from matcher.i18n import DEFAULT, LANGS, Msg, Quote, Raw, msg, render, table
from service import assess, methodology
from service import card as cards
from service.api.deps import LangDep, MatcherDep, SettingsDep, StoreDep
from service.api.routes.recommendations import query_weights, resolve_weights
from service.geo import map_data
from service.page import (
    EMBED_JS,
    render_card,
    render_error,
    render_index,
    render_methodology,
    render_place,
    state_query,
    weighting_label,
)
from service.place import place_profile

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, bundle: MatcherDep, settings: SettingsDep, lang: LangDep):
    return render_index(bundle, writes_enabled=bool(settings.analyst_tokens), lang=lang, switch=switch_links(request),
                        sticky=asked(request))


def asked(request: Request) -> bool:
    """Whether the URL names its language (then every link keeps it, English too)."""
    return "lang" in request.query_params


def switch_links(request: Request) -> dict[str, str]:
    """The language switch: this page, with the same state, in each language (`lang` in the URL's query)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return {code: request.url.path + "?" + urlencode([*kept, ("lang", code)]) for code in LANGS}


def _error(status: int, title: str, detail: Msg | str, options: list[dict] | None = None,
           lang: str = DEFAULT) -> HTMLResponse:
    """An error page in `lang`: `title` names a [page_error] entry of the catalog, `detail` is a message from it
    (quoted input marked with its own language on a Chinese page) or a sentence as it is."""
    shown: str = detail if isinstance(detail, str) else \
        Markup(render(detail, lang, markup=True)) if lang != DEFAULT else render(detail, lang)
    return HTMLResponse(render_error(table("page_error", lang)[title], shown, options, lang), status_code=status)


def _link_with(params: dict[str, str], key: str, value: str) -> str:
    return "/card?" + urlencode({**params, key: value})


def card_or_error(bundle, store, params: dict[str, str], lang: str = "en",
                  switch: dict[str, str] | None = None, sticky: bool = False) -> HTMLResponse:
    """The card for the pair and weighting in `params`, or a readable error page."""
    a, b = params.get("a", "").strip(), params.get("b", "").strip()
    if not a or not b:
        return _error(400, "card_incomplete_title",
                      msg("page_error.card_incomplete", example=_code("/card?a=Sheffield&b=Chengdu", lang)), lang=lang)
    if len(a) > 200 or len(b) > 200 or len(params.get("weights", "")) > 500:
        return _error(400, "too_long_title", msg("page_error.too_long"), lang=lang)
    ids = {}
    for key, name in (("a", a), ("b", b)):
        try:
            ids[key] = bundle.resolver.resolve(name)
        except (UnknownLocality, AmbiguousLocality) as exc:
            # Offer only places that make a UK–China pair with the other half, when that one is clear.
            other = _country_or_none(bundle, b if key == "a" else a)
            unknown = isinstance(exc, UnknownLocality)
            found = exc.suggestions if isinstance(exc, UnknownLocality) else exc.candidates
            options = [_option(_link_with(params, key, c["id"]), c, lang) for c in found
                       if other is None or c["country"] != other]
            return _error(404 if unknown else 409, "no_such_place" if unknown else "which_place",
                          msg("page_error.no_match" if unknown else "page_error.several", name=Quote(name)),
                          options, lang)
    if bundle.model.country_of(ids["a"]) == bundle.model.country_of(ids["b"]):
        return _error(422, "same_country_title", msg("page_error.same_country"), lang=lang)
    preset, profile = params.get("preset") or None, params.get("profile") or None
    try:
        overrides = query_weights(params.get("weights"))
        w = resolve_weights(bundle, store, preset, overrides, profile)
        base = resolve_weights(bundle, store, preset, None, profile)
    except WeightError as exc:
        return _error(422, "bad_weighting_title", msg("page_error.bad_weighting", reason=Quote(str(exc))), lang=lang)
    label = weighting_label(preset, overrides, base, lang)
    if profile:
        label = render(msg("page_error.saved_profile_with", profile=Quote(profile), label=label) if overrides
                       else msg("page_error.saved_profile", profile=Quote(profile)), lang)
    card = cards.card(bundle, ids["a"], ids["b"], w, label, assess.overall_ranks(bundle, ids["a"], w), lang,
                      markup=lang != "en")
    back = "/?" + state_query(ids["a"], preset, overrides, params.get("exclude_partners") == "true", None,
                              **{key: params[key] for key in ("profile", "mode", "candidates") if params.get(key)})
    if lang != "en" or sticky:
        back += f"&lang={lang}"
    return HTMLResponse(render_card(card, back, lang, switch, sticky))


def _country_or_none(bundle, name: str) -> str | None:
    try:
        return bundle.model.country_of(bundle.resolver.resolve(name))
    except (UnknownLocality, AmbiguousLocality):
        return None


def _code(link: str, lang: str) -> Raw | str:
    """An example link in a sentence: as it is in English, as <code> (no language) on a Chinese page."""
    return link if lang == DEFAULT else Raw(f"<code>{html.escape(link)}</code>")


def _option(href: str, d: dict, lang: str) -> dict:
    """A place an error page offers: its link (in the page's language), names, level and id."""
    from matcher.answers.labels import level_label

    return {"href": href + ("" if lang == DEFAULT else f"&lang={lang}"), "name": d.get("qualified") or d["name"],
            "name_zh": d["name_zh"], "level": level_label(d["level"], lang), "id": d["id"]}


@router.get("/card", response_class=HTMLResponse)
def card_page(request: Request, bundle: MatcherDep, store: StoreDep, lang: LangDep, a: str = "", b: str = "",
              preset: str = "", profile: str = "", weights: str = "", exclude_partners: str = "", k: str = "",
              mode: str = "", candidates: str = ""):
    """The card takes the page's state (preset, weights, exclude_partners, k) so its score is the list's; mode
    and candidates only ride along to the link back."""
    params = {key: v for key, v in (("a", a), ("b", b), ("preset", preset), ("profile", profile),
                                    ("weights", weights), ("exclude_partners", exclude_partners), ("k", k),
                                    ("mode", mode), ("candidates", candidates)) if v}
    return card_or_error(bundle, store, params, lang, switch_links(request), asked(request))


@router.get("/embed.js")
def embed_js():
    return Response(EMBED_JS, media_type="application/javascript")


@router.get("/place", response_class=HTMLResponse)
def place_page(request: Request, bundle: MatcherDep, lang: LangDep, id: str = ""):
    """A place's profile against the medians of its country and tier (JSON twin: /v1/localities/{id}/profile)."""
    if not id.strip() or len(id) > 200:
        return _error(400, "which_place", msg("page_error.place_needs_id", param="id=…", ons="ONS", gbt="GB/T 2260",
                                                       example=_code("/place?id=E08000019", lang)), lang=lang)
    try:
        i = bundle.resolver.resolve(id.strip())
    except (UnknownLocality, AmbiguousLocality) as exc:
        found = exc.suggestions if isinstance(exc, UnknownLocality) else exc.candidates
        unknown = isinstance(exc, UnknownLocality)
        # In English the resolver's own sentence (it names the closest places too); in Chinese the catalog's.
        detail: Msg | str = str(exc) if lang == DEFAULT else \
            msg("page_error.no_match" if unknown else "page_error.several", name=Quote(id.strip()))
        return _error(404 if unknown else 409, "no_such_place" if unknown else "which_place", detail,
                      [_option("/place?" + urlencode({"id": c["id"]}), c, lang) for c in found], lang)
    return HTMLResponse(render_place(bundle, place_profile(bundle, i, lang), lang, switch_links(request),
                                     asked(request)))


@router.get("/methodology", response_class=HTMLResponse)
def methodology_page(request: Request, bundle: MatcherDep, settings: SettingsDep, lang: LangDep):
    """What each block measures, how the weights are learned, the evaluation in words, coverage and sources."""
    return render_methodology(methodology.context(bundle, settings.models_dir, lang), lang,
                              switch_links(request), asked(request))


@router.get("/map/{country}.json")
def map_json(bundle: MatcherDep, country: str):
    """The page's map of one country: outlines (UK) or background points (China), every locality's position."""
    if country not in ("GB", "CN"):
        return _error(404, "no_such_map", "Maps: /map/GB.json, /map/CN.json.")
    return Response(json.dumps(map_data(bundle, country), ensure_ascii=False, separators=(",", ":")),
                    media_type="application/json", headers={"Cache-Control": "public, max-age=3600"})
