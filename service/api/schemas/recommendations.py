"""Schemas of /v1/recommendations and /v1/compare: requests here, responses from the client's contract."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher_client.models import Partnership, Recommendations, Result, Review, ReviewedPartner

__all__ = ["CompareRequest", "Name", "Partnership", "RecommendationRequest", "Recommendations", "Result", "Review",
           "ReviewedPartner", "Weights"]

Weights = dict[str, float]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class RecommendationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"locality": "Sheffield", "k": 5, "preset": "industry_trade", "weights": {"scale": 3}}]})
    locality: str = Field(min_length=1, max_length=200)
    k: int = Field(default=10, ge=1, le=100, strict=True)  # strict: JSON true or 2.0 is not a k
    preset: str | None = Field(default=None, max_length=64)
    profile: str | None = Field(default=None, max_length=64)
    weights: Weights = Field(default_factory=dict)
    exclude_partners: bool = False
    levels: list[str] = Field(default_factory=list, max_length=10)
    within: str | None = Field(default=None, max_length=200)
    pop_ratio_min: float | None = Field(default=None, gt=0, lt=1e6)
    pop_ratio_max: float | None = Field(default=None, gt=0, lt=1e6)
    include_sensitive: bool = Field(default=False, description="Let shared sectors in NSI Act core areas "
                                    "(defence, AI, communications, ...) count towards industry fit; off by default")
    lang: Literal["en", "zh"] | None = Field(default=None, description="Language of reasons and caveats (en, zh); "
                                             "without it, from Accept-Language")


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"locality": "Derby", "candidates": ["Xi'an", "Hefei", "Zhejiang"]}]})
    locality: str = Field(min_length=1, max_length=200)
    candidates: list[Name] = Field(min_length=1, max_length=50)
    preset: str | None = Field(default=None, max_length=64)
    weights: Weights = Field(default_factory=dict)
