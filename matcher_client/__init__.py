"""A typed HTTP client for the partner-city matchmaker; depends on httpx and pydantic only."""

from matcher_client.client import (
    AmbiguousLocality,
    InvalidRequest,
    LocalityNotFound,
    MatcherAPIError,
    MatcherClient,
)
from matcher_client.models import Card, Diff, Locality, Move, Partnership, Preset, Profile, Recommendations, Result

__all__ = ["AmbiguousLocality", "Card", "Diff", "InvalidRequest", "Locality", "LocalityNotFound", "MatcherAPIError",
           "MatcherClient", "Move", "Partnership", "Preset", "Profile", "Recommendations", "Result"]
