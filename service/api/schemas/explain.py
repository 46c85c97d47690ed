"""Schemas of /v1/explain: the six-section assessment card."""

from __future__ import annotations

from pydantic import BaseModel

from service.api.schemas.localities import Locality


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
