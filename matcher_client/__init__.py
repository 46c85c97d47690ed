"""A typed HTTP client for the partner-city matchmaker; depends on httpx and pydantic only.

Names are loaded on first use (PEP 562), so the service, which shares the response models
(`matcher_client.models`), does not import httpx and the client at start-up."""

from __future__ import annotations

import importlib

_CLIENT = ("AmbiguousLocality", "InvalidRequest", "LocalityNotFound", "MatcherAPIError", "MatcherClient", "NotAllowed",
           "Unavailable")
_MODELS = ("Card", "Diff", "Locality", "Move", "Partnership", "Preset", "Profile", "ProfilePage", "Recommendations",
           "Result")
__all__ = sorted([*_CLIENT, *_MODELS])


def __getattr__(name: str):
    if name in _CLIENT:
        return getattr(importlib.import_module("matcher_client.client"), name)
    if name in _MODELS:
        return getattr(importlib.import_module("matcher_client.models"), name)
    raise AttributeError(f"module 'matcher_client' has no attribute {name!r}")
