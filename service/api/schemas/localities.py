"""Schemas of /v1/localities (and the locality every other answer names)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Locality(BaseModel):
    id: str = Field(examples=["E08000019"])
    name: str = Field(examples=["Sheffield"])
    name_zh: str | None = Field(default=None, examples=["鞍山市"])
    country: str = Field(examples=["GB"])
    level: str = Field(examples=["metropolitan_district"])
