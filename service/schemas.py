"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Weights = dict[str, float]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Locality(BaseModel):
    id: str = Field(examples=["E08000019"])
    name: str = Field(examples=["Sheffield"])
    name_zh: str | None = Field(default=None, examples=["鞍山市"])
    country: str = Field(examples=["GB"])
    level: str = Field(examples=["metropolitan_district"])


class Partnership(BaseModel):
    kind: str
    year_signed: int | None
    status: str
    source: str


class Result(BaseModel):
    rank: int
    locality: Locality
    score: float
    contributions: dict[str, float]
    reasons: list[str]
    caveats: list[str]
    partnership: Partnership | None = None
    mutual_rank: int | None = None


class Recommendations(BaseModel):
    query: Locality
    weights: dict[str, float]
    results: list[Result]


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


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"locality": "Derby", "candidates": ["Xi'an", "Hefei", "Zhejiang"]}]})
    locality: str = Field(min_length=1, max_length=200)
    candidates: list[Name] = Field(min_length=1, max_length=50)
    preset: str | None = Field(default=None, max_length=64)
    weights: Weights = Field(default_factory=dict)


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


class Section(BaseModel):
    title: str
    items: list[str]
    sources: list[str] = []


class Card(BaseModel):
    a: Locality
    b: Locality
    score: float
    contributions: dict[str, float]
    reasons: list[str]
    caveats: list[str]
    sections: list[Section]
