"""Schemas of the analysts' routes: presets, saved profiles, ranking diffs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from matcher_client.models import Diff, Move, Preset, Profile, ProfilePage
from service.api.schemas.recommendations import Weights

__all__ = ["Diff", "DiffRequest", "Move", "Preset", "Profile", "ProfileIn", "ProfilePage", "Weighting"]


class Weighting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preset: str | None = Field(default=None, max_length=64)
    weights: Weights = Field(default_factory=dict)


class DiffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"locality": "Sheffield", "k": 10, "a": {"preset": "balanced"}, "b": {"preset": "education_students"}}]})
    locality: str = Field(min_length=1, max_length=200)
    k: int = Field(default=10, ge=1, le=100, strict=True)  # strict: JSON true or 2.0 is not a k
    a: Weighting
    b: Weighting
    exclude_partners: bool = False


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weights: Weights
    description: str = Field(default="", max_length=500)
