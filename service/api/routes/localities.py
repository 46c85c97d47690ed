"""/v1/localities: type-ahead search and a locality's sourced profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from features.resolve import fold
from service import card as cards
from service.api.deps import MatcherDep
from service.api.schemas.localities import Locality
from service.downloads import csv_response
from service.place import place_profile, profile_rows

router = APIRouter(prefix="/localities", tags=["localities"])


@router.get("", response_model=list[Locality])
def search_localities(bundle: MatcherDep, q: Annotated[str, Query(max_length=200)] = "",
                      country: Annotated[str | None, Query(pattern="^(GB|CN)$")] = None,
                      level: Annotated[str | None, Query(max_length=40)] = None,
                      limit: Annotated[int, Query(ge=1, le=100)] = 20):
    """Search by English, pinyin or Chinese name (type-ahead)."""
    resolver = bundle.resolver
    listed = [d["id"] for d in resolver.described.values()
              if (not country or d["country"] == country) and (not level or d["level"] == level)]
    key = fold(q)
    allowed = set(listed)
    if key:
        exact = [i for i in resolver.index.get(key, set()) if i in allowed]
        starts = [i for i in listed if any(a.startswith(key) for a in resolver.aliases[i])]
        ids = list(dict.fromkeys(exact + starts))
        if len(ids) < limit:
            ids += [s["id"] for s in resolver.suggest(q, limit=limit, country=country)
                    if s["id"] in allowed and s["id"] not in ids]
    else:
        ids = listed
    return [resolver.describe(i) for i in ids[:limit]]


@router.get("/{locality_id}")
def get_locality(bundle: MatcherDep, locality_id: Annotated[str, Path(max_length=200)]) -> dict:
    """A locality's profile: every figure with its source and year, sectors, priorities, partnerships."""
    return cards.profile(bundle, bundle.resolver.resolve(locality_id))


@router.get("/{locality_id}/profile")
def get_locality_profile(bundle: MatcherDep, locality_id: Annotated[str, Path(max_length=200)]) -> dict:
    """A place's profile against its peers: every figure with `source` and `year` and, beside each, the median
    of the places of the same country and tier (`median`, over `median_n` places); its sectors, priorities,
    universities, links (campuses, flights, missions) and partnerships. As CSV: `/profile.csv`."""
    return place_profile(bundle, bundle.resolver.resolve(locality_id))


@router.get("/{locality_id}/profile.csv", response_class=PlainTextResponse)
def get_locality_profile_csv(bundle: MatcherDep, locality_id: Annotated[str, Path(max_length=200)]):
    """The profile as CSV (UTF-8 with BOM, a `#` header block naming date and build)."""
    i = bundle.resolver.resolve(locality_id)
    prof = place_profile(bundle, i)
    return csv_response(bundle, profile_rows(prof), f"profile-{i}.csv",
                        f"Profile of {prof['locality']['name']} ({i}) against the medians of {prof['peer_group']}",
                        None)
