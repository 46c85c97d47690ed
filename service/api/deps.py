"""What routes depend on, as `Annotated` aliases: the loaded model, the profile store, the answer cache, the
settings; and the query-parameter types several routes share."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from matcher.artifact.store import Bundle
from matcher.i18n import accept_language
from service.api.errors import problem
from service.cache import AnswerCache
from service.compute import Compute
from service.core.config import Settings
from service.profiles import ProfileStore


# Async on purpose: FastAPI runs plain-def dependencies in the thread pool, a hop per request for a getter.
async def get_bundle(request: Request) -> Bundle:
    return request.app.state.bundle


async def get_store(request: Request) -> ProfileStore:
    return request.app.state.store


async def get_answers(request: Request) -> AnswerCache:
    return request.app.state.answers


async def get_compute(request: Request) -> Compute:
    return request.app.state.compute


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


MatcherDep = Annotated[Bundle, Depends(get_bundle)]
StoreDep = Annotated[ProfileStore, Depends(get_store)]
AnswersDep = Annotated[AnswerCache, Depends(get_answers)]
ComputeDep = Annotated[Compute, Depends(get_compute)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

NameQuery = Annotated[str, Query(min_length=1, max_length=200, description="Id or name (English, pinyin, Chinese)")]
PresetQuery = Annotated[str | None, Query(max_length=64)]


Lang = Literal["en", "zh"]
LangQuery = Annotated[Lang | None, Query(description="Language of reasons, caveats and words: en or zh (简体中文); "
                                         "without it, the first of Accept-Language that has a catalog, else en")]


async def get_lang(request: Request, lang: LangQuery = None) -> str:
    """`?lang=`, else the request's Accept-Language, else English (an unknown `lang` is a 422 naming it)."""
    return lang or accept_language(request.headers.get("accept-language"))


LangDep = Annotated[str, Depends(get_lang)]


def resolve_pair(bundle: Bundle, a: str, b: str, what: str) -> tuple[str, str] | Response:
    """Both ids, or a 422 when they are in the same country (a card pairs a UK and a Chinese locality)."""
    ida, idb = bundle.resolver.resolve(a), bundle.resolver.resolve(b)
    if bundle.model.country_of(ida) == bundle.model.country_of(idb):
        return problem(422, f"{what} needs one UK and one Chinese locality", field="b")
    return ida, idb
