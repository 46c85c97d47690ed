"""Schemas of the analysts' routes: presets, saved profiles, ranking diffs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.localities import Locality
from service.api.schemas.recommendations import Weights


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


class Move(BaseModel):
    locality: Locality
    rank_a: int | None
    rank_b: int | None


class Diff(BaseModel):
    query: Locality
    moved_up: list[Move]
    moved_down: list[Move]
    entered: list[Move]
    left: list[Move]
    unchanged: list[Move]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weights: Weights
    description: str = Field(default="", max_length=500)


class Profile(BaseModel):
    name: str
    weights: dict[str, float]
    description: str
    updated_at: str


class Preset(BaseModel):
    name: str
    description: str
    weights: dict[str, float]
