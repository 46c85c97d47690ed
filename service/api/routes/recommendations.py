"""/v1/recommendations (JSON and CSV), /v1/compare and /v1/review: ranked counterparts, approaches side by side,
existing partners reviewed; each with contributions, reasons and caveats.

GET routes take the page's state parameters: `locality`, `k`, `preset`, `weights` (CLI form
`scale=3,connectivity=0`, over the preset), `exclude_partners`."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from matcher.answers.recommend import recommend, weights_for
from matcher.artifact.model import Filters
from matcher.artifact.store import Bundle
from matcher.config import WeightError, parse_weight_string
from service import assess
from service.api.deps import AnswersDep, ComputeDep, MatcherDep, NameQuery, PresetQuery, StoreDep
from service.api.schemas.recommendations import CompareRequest, RecommendationRequest, Recommendations, Review
from service.api.security import HeavyDep, limit
from service.cache import AnswerCache
from service.compute import Compute
from service.profiles import ProfileStore

router = APIRouter(tags=["recommendations"])
K = Annotated[int, Query(ge=1, le=100)]
WeightsQuery = Annotated[str | None, Query(max_length=500, description="Overrides over the preset, CLI form: "
                                           "`scale=3,connectivity=0`", examples=["scale=3,connectivity=0"])]


def query_weights(weights: str | None) -> dict[str, float]:
    """The `weights` query parameter as a dict; a malformed one is a 422 naming the part (WeightError)."""
    return parse_weight_string(weights) if weights else {}


def resolve_weights(bundle: Bundle, store: ProfileStore | None, preset: str | None, overrides: dict | None,
                    profile: str | None = None) -> dict[str, float]:
    """A saved profile's or a preset's weights, with `overrides` on top (WeightError names a bad one)."""
    if profile:
        saved = store.get(profile) if store else None
        if saved is None:
            raise WeightError("profile", f"no saved profile '{profile}'")
        return weights_for(bundle, None, {**saved["weights"], **(overrides or {})})
    return weights_for(bundle, preset, overrides)


def resolve_request(bundle: Bundle, store: ProfileStore | None, req: RecommendationRequest) -> tuple:
    """(bundle, query id, k, weights, filters): everything a recommendation depends on, all resolved."""
    qid = bundle.resolver.resolve(req.locality)
    w = resolve_weights(bundle, store, req.preset, req.weights, req.profile)
    ratio = None
    if req.pop_ratio_min is not None or req.pop_ratio_max is not None:
        ratio = (req.pop_ratio_min or 0.0, req.pop_ratio_max or float("inf"))
    filters = Filters(levels=tuple(req.levels), exclude_partners=req.exclude_partners, pop_ratio=ratio,
                      within=bundle.resolver.resolve(req.within) if req.within else None,
                      include_sensitive=req.include_sensitive)
    return bundle, qid, req.k, w, filters


async def _answer(request: Request, bundle: Bundle, store: ProfileStore, answers: AnswerCache, compute: Compute,
                  req: RecommendationRequest) -> Response:
    """The JSON answer, from the cache when the same resolved request was answered before.

    A hit is answered on the event loop (no hop) and is not rate-limited. A miss takes a token from the client's
    heavy-request bucket and is computed off the loop (service/compute.py); a saved profile is read in the
    thread pool (SQLAlchemy is synchronous)."""
    if req.profile:
        resolved = await run_in_threadpool(resolve_request, bundle, store, req)
    else:
        resolved = resolve_request(bundle, None, req)
    _, qid, k, w, filters = resolved
    key = (qid, k, tuple(w.items()), filters)
    body = answers.get(key)
    if body is None:
        limit(request, "heavy")
        body = await compute.answer(qid, k, w, filters)
        answers.put(key, body)
    return Response(body, media_type="application/json")


def recommendation_query(
        locality: NameQuery, k: K = 10, preset: PresetQuery = None, profile: PresetQuery = None,
        weights: WeightsQuery = None,
        exclude_partners: bool = False, levels: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
        within: Annotated[str | None, Query(max_length=200)] = None,
        pop_ratio_min: Annotated[float | None, Query(gt=0, lt=1e6)] = None,
        pop_ratio_max: Annotated[float | None, Query(gt=0, lt=1e6)] = None,
        include_sensitive: bool = False) -> RecommendationRequest:
    """The GET form of a recommendation request (JSON and CSV take the same parameters as the POST body)."""
    return RecommendationRequest(locality=locality, k=k, preset=preset, profile=profile,
                                 weights=query_weights(weights),
                                 exclude_partners=exclude_partners, levels=levels, within=within,
                                 pop_ratio_min=pop_ratio_min, pop_ratio_max=pop_ratio_max,
                                 include_sensitive=include_sensitive)


QueryDep = Annotated[RecommendationRequest, Depends(recommendation_query)]


@router.get("/recommendations", response_model=Recommendations)
async def get_recommendations(request: Request, bundle: MatcherDep, store: StoreDep, answers: AnswersDep,
                              compute: ComputeDep, req: QueryDep):
    """Ranked counterparts in the other country, with contributions, reasons and caveats."""
    return await _answer(request, bundle, store, answers, compute, req)


@router.post("/recommendations", response_model=Recommendations)
async def post_recommendations(request: Request, bundle: MatcherDep, store: StoreDep, answers: AnswersDep,
                               compute: ComputeDep, body: RecommendationRequest):
    """As GET, with custom `weights` (merged over the preset) and filters."""
    return await _answer(request, bundle, store, answers, compute, body)


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with ' (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/recommendations.csv", response_class=PlainTextResponse, dependencies=[HeavyDep])
def recommendations_csv(bundle: MatcherDep, store: StoreDep, req: QueryDep):
    """The ranked list as CSV (for the page's download button): the same parameters and filters as GET JSON."""
    payload = recommend(*resolve_request(bundle, store, req))
    buf = io.StringIO()
    blocks_ = list(payload["weights"])
    w = csv.writer(buf)
    w.writerow(["rank", "id", "name", "name_zh", "level", "score", *blocks_, "reasons", "caveats"])
    for r in payload["results"]:
        loc = r["locality"]
        w.writerow([r["rank"], loc["id"], _cell(loc["name"]), _cell(loc["name_zh"] or ""), loc["level"],
                     f"{r['score']:.4f}", *(f"{r['contributions'][b]:.4f}" for b in blocks_),
                     _cell(" | ".join(r["reasons"])), _cell(" | ".join(r["caveats"]))])
    name = f"partners-{payload['query']['id']}.csv"
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/compare", response_model=Recommendations, dependencies=[HeavyDep])
def compare(bundle: MatcherDep, body: CompareRequest):
    """Rank a given list of candidates (approaches a council has received) for a locality; each result says
    where it stands in the full ranking (`overall_rank` of `n_candidates`) and in its own (`mutual_rank`)."""
    qid = bundle.resolver.resolve(body.locality)
    other = assess.other_country(bundle, qid)
    ids = tuple(dict.fromkeys(bundle.resolver.resolve(c, country=other) for c in body.candidates))
    return assess.compare(bundle, qid, ids, weights_for(bundle, body.preset, body.weights))


@router.get("/review", response_model=Review, dependencies=[HeavyDep])
def review(bundle: MatcherDep, store: StoreDep, locality: NameQuery, preset: PresetQuery = None,
           profile: PresetQuery = None, weights: WeightsQuery = None):
    """Every existing partner of a locality in the other country: kind, year, status and its evidence,
    today's fit, overall and mutual rank, and a summary of those facts for a committee."""
    qid = bundle.resolver.resolve(locality)
    return assess.review(bundle, qid, resolve_weights(bundle, store, preset, query_weights(weights), profile))
