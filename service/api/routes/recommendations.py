"""/v1/recommendations (JSON and CSV), /v1/compare and /v1/review: ranked counterparts, approaches side by side,
existing partners reviewed; each with contributions, reasons and caveats.

GET routes take the page's state parameters: `locality`, `k`, `preset`, `weights` (CLI form
`scale=3,connectivity=0`, over the preset), `exclude_partners`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from matcher.answers.recommend import recommend, weights_for
from matcher.artifact.model import Filters
from matcher.artifact.store import Bundle
from matcher.config import WeightError, parse_weight_string
from service import assess
from service.api.deps import AnswersDep, ComputeDep, LangDep, LangQuery, MatcherDep, NameQuery, PresetQuery, StoreDep
from service.api.schemas.recommendations import CompareRequest, RecommendationRequest, Recommendations, Review
from service.api.security import HeavyDep, limit
from service.cache import AnswerCache
from service.compute import Compute
from service.downloads import csv_response
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
                  req: RecommendationRequest, lang: str) -> Response:
    """The JSON answer in `lang`, from the cache when the same resolved request was answered before.

    A hit is answered on the event loop (no hop) and is not rate-limited. A miss takes a token from the client's
    heavy-request bucket and is computed off the loop (service/compute.py); a saved profile is read in the
    thread pool (SQLAlchemy is synchronous)."""
    if req.profile:
        resolved = await run_in_threadpool(resolve_request, bundle, store, req)
    else:
        resolved = resolve_request(bundle, None, req)
    _, qid, k, w, filters = resolved
    key = (qid, k, tuple(w.items()), filters, lang)
    body = answers.get(key)
    if body is None:
        limit(request, "heavy")
        body = await compute.answer(qid, k, w, filters, lang)
        answers.put(key, body)
    return Response(body, media_type="application/json")


def recommendation_query(
        locality: NameQuery, k: K = 10, preset: PresetQuery = None, profile: PresetQuery = None,
        weights: WeightsQuery = None,
        exclude_partners: bool = False, levels: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
        within: Annotated[str | None, Query(max_length=200)] = None,
        pop_ratio_min: Annotated[float | None, Query(gt=0, lt=1e6)] = None,
        pop_ratio_max: Annotated[float | None, Query(gt=0, lt=1e6)] = None,
        include_sensitive: bool = False, lang: LangQuery = None) -> RecommendationRequest:
    """The GET form of a recommendation request (JSON and CSV take the same parameters as the POST body)."""
    return RecommendationRequest(locality=locality, k=k, preset=preset, profile=profile,
                                 weights=query_weights(weights),
                                 exclude_partners=exclude_partners, levels=levels, within=within,
                                 pop_ratio_min=pop_ratio_min, pop_ratio_max=pop_ratio_max,
                                 include_sensitive=include_sensitive, lang=lang)


QueryDep = Annotated[RecommendationRequest, Depends(recommendation_query)]


@router.get("/recommendations", response_model=Recommendations)
async def get_recommendations(request: Request, bundle: MatcherDep, store: StoreDep, answers: AnswersDep,
                              compute: ComputeDep, req: QueryDep, lang: LangDep):
    """Ranked counterparts in the other country, with contributions, reasons and caveats (in `lang`)."""
    return await _answer(request, bundle, store, answers, compute, req, lang)


@router.post("/recommendations", response_model=Recommendations)
async def post_recommendations(request: Request, bundle: MatcherDep, store: StoreDep, answers: AnswersDep,
                               compute: ComputeDep, body: RecommendationRequest, lang: LangDep):
    """As GET, with custom `weights` (merged over the preset) and filters; `lang` in the body or `?lang=`."""
    return await _answer(request, bundle, store, answers, compute, body, body.lang or lang)


def weighting_words(bundle: Bundle, store: ProfileStore | None, preset: str | None, overrides: dict[str, float],
                    profile: str | None, weights: dict[str, float]) -> str:
    """The weighting a download names: the preset or profile in words, then every weight."""
    from service.page import weighting_label  # the page's own words for it

    label = weighting_label(preset, overrides, resolve_weights(bundle, store, preset, None, profile))
    if profile:
        label = f"saved profile '{profile}'" + (f" ({label})" if overrides else "")
    return label + " (" + ", ".join(f"{b}={v:g}" for b, v in weights.items()) + ")"


def _reasons_cells(r: dict) -> list[str]:
    """Reasons as the answer orders them, and the block each rests on when the answer says."""
    return [" | ".join(r["reasons"]), " | ".join(r.get("reason_blocks") or [])]


def _fit_cells(r: dict) -> list[str]:
    return ["" if r.get("fit") is None else f"{r['fit']:.4f}",
            "" if r.get("prominence") is None else f"{r['prominence']:.4f}"]


@router.get("/recommendations.csv", response_class=PlainTextResponse, dependencies=[HeavyDep])
def recommendations_csv(bundle: MatcherDep, store: StoreDep, req: QueryDep, lang: LangDep):
    """The ranked list as CSV (for the page's download button): the same parameters and filters as GET JSON.
    UTF-8 with BOM; a `#` header block names the weighting, the date and the build."""
    _, qid, k, weights, filters = resolve_request(bundle, store, req)
    payload = recommend(bundle, qid, k, weights, filters, lang=lang)
    blocks_ = list(payload["weights"])
    rows: list[list] = [["rank", "id", "name", "name_zh", "level", "score", "fit", "prominence", *blocks_,
                         "reasons", "reason_blocks", "caveats"]]
    for r in payload["results"]:
        loc = r["locality"]
        rows.append([r["rank"], loc["id"], loc["name"], loc["name_zh"] or "", loc["level"], f"{r['score']:.4f}",
                     *_fit_cells(r), *(f"{r['contributions'][b]:.4f}" for b in blocks_), *_reasons_cells(r),
                     " | ".join(r["caveats"])])
    q = payload["query"]
    words = weighting_words(bundle, store, req.preset, req.weights, req.profile, payload["weights"])
    return csv_response(bundle, rows, f"partners-{q['id']}.csv",
                        f"Suggested partners for {q['name']} ({q['id']}), top {req.k}"
                        + (", existing partners left out" if req.exclude_partners else ""), words)


CandidatesQuery = Annotated[str, Query(min_length=1, max_length=2000, description="Comma-separated ids (or names) "
                                       "of the places that approached the locality", examples=["610100,340100"])]


def _compare_get(bundle: Bundle, locality: str, candidates: str, preset: str | None, weights: str | None,
                 lang: str = "en") -> tuple:
    overrides = query_weights(weights)
    w = weights_for(bundle, preset, overrides)
    names = [c.strip() for c in candidates.split(",") if c.strip()][:50]
    qid = bundle.resolver.resolve(locality)
    other = assess.other_country(bundle, qid)
    ids = tuple(dict.fromkeys(bundle.resolver.resolve(c, country=other) for c in names))
    if not ids:
        raise WeightError("candidates", "name at least one candidate")
    return assess.compare(bundle, qid, ids, w, lang), overrides


@router.get("/compare", response_model=Recommendations)
def compare_get(bundle: MatcherDep, lang: LangDep, locality: NameQuery, candidates: CandidatesQuery,
                preset: PresetQuery = None, weights: WeightsQuery = None):
    """As POST /v1/compare, from a link (the page's "Download JSON" of a comparison), in `lang`."""
    return _compare_get(bundle, locality, candidates, preset, weights, lang)[0]


@router.get("/compare.csv", response_class=PlainTextResponse)
def compare_csv(bundle: MatcherDep, lang: LangDep, locality: NameQuery, candidates: CandidatesQuery,
                preset: PresetQuery = None, weights: WeightsQuery = None):
    """The comparison as CSV: each approach's score, overall and mutual rank, contributions, reasons, caveats (in
    `lang`)."""
    payload, overrides = _compare_get(bundle, locality, candidates, preset, weights, lang)
    blocks_ = list(payload["weights"])
    rows: list[list] = [["id", "name", "name_zh", "score", "fit", "prominence", "overall_rank", "n_candidates",
                         "mutual_rank", *blocks_, "reasons", "reason_blocks", "caveats"]]
    for r in payload["results"]:
        loc = r["locality"]
        rows.append([loc["id"], loc["name"], loc["name_zh"] or "", f"{r['score']:.4f}", *_fit_cells(r),
                     r.get("overall_rank") or "", payload["n_candidates"], r.get("mutual_rank") or "",
                     *(f"{r['contributions'][b]:.4f}" for b in blocks_), *_reasons_cells(r),
                     " | ".join(r["caveats"])])
    q = payload["query"]
    return csv_response(bundle, rows, f"compare-{q['id']}.csv", f"Approaches received by {q['name']} ({q['id']})",
                        weighting_words(bundle, None, preset, overrides, None, payload["weights"]))


@router.post("/compare", response_model=Recommendations, dependencies=[HeavyDep])
def compare(bundle: MatcherDep, body: CompareRequest, lang: LangDep):
    """Rank a given list of candidates (approaches a council has received) for a locality; each result says
    where it stands in the full ranking (`overall_rank` of `n_candidates`) and in its own (`mutual_rank`)."""
    qid = bundle.resolver.resolve(body.locality)
    other = assess.other_country(bundle, qid)
    ids = tuple(dict.fromkeys(bundle.resolver.resolve(c, country=other) for c in body.candidates))
    return assess.compare(bundle, qid, ids, weights_for(bundle, body.preset, body.weights), lang)


@router.get("/review", response_model=Review, dependencies=[HeavyDep])
def review(bundle: MatcherDep, store: StoreDep, lang: LangDep, locality: NameQuery, preset: PresetQuery = None,
           profile: PresetQuery = None, weights: WeightsQuery = None):
    """Every existing partner of a locality in the other country: kind, year, status and its evidence,
    today's fit, overall and mutual rank, and a summary of those facts for a committee."""
    qid = bundle.resolver.resolve(locality)
    return assess.review(bundle, qid, resolve_weights(bundle, store, preset, query_weights(weights), profile), lang)


@router.get("/review.csv", response_class=PlainTextResponse)
def review_csv(bundle: MatcherDep, store: StoreDep, lang: LangDep, locality: NameQuery, preset: PresetQuery = None,
               profile: PresetQuery = None, weights: WeightsQuery = None):
    """The review as CSV: each partner's kind, year, status and evidence, today's fit, ranks and summary."""
    qid = bundle.resolver.resolve(locality)
    overrides = query_weights(weights)
    w = resolve_weights(bundle, store, preset, overrides, profile)
    payload = assess.review(bundle, qid, w, lang)
    blocks_ = list(payload["weights"])
    rows: list[list] = [["id", "name", "name_zh", "kind", "year_signed", "status", "status_year", "score",
                         "overall_rank", "n_candidates", "mutual_rank", *blocks_, "reasons", "reason_blocks",
                         "caveats", "summary", "source", "status_source"]]
    for r in payload["partners"]:
        loc = r["locality"]
        rows.append([loc["id"], loc["name"], loc["name_zh"] or "", r["kind"], r["year_signed"] or "", r["status"],
                     r["status_year"] or "", f"{r['score']:.4f}", r["overall_rank"] or "", payload["n_candidates"],
                     r["mutual_rank"] or "", *(f"{r['contributions'][b]:.4f}" for b in blocks_),
                     *_reasons_cells(r), " | ".join(r["caveats"]), r["summary"], r["source"],
                     r["status_source"] or ""])
    q = payload["query"]
    return csv_response(bundle, rows, f"review-{q['id']}.csv", f"Review of {q['name']}'s partnerships ({q['id']})",
                        weighting_words(bundle, store, preset, overrides, profile, w))
