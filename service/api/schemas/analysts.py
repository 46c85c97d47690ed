"""Schemas of the analysts' routes: presets, saved profiles, ranking diffs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from matcher_client.models import Diff, Move, Preset, Profile, ProfilePage
from service.api.schemas.recommendations import Weights

__all__ = ["CrossValidation", "Diff", "DiffRequest", "Evaluation", "Metrics", "Move", "Preset", "Profile", "ProfileIn",
           "ProfilePage", "Weighting"]


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


class Metrics(BaseModel):
    """One ranking's scores over the held-out partnerships; `*_ci` are 95% bootstrap intervals [low, high]."""
    model_config = ConfigDict(extra="allow")
    recall_at_k: float | None = Field(default=None, description="Share of held-out partners in the top k")
    recall_at_k_ci: list[float] | None = None
    mrr: float | None = Field(default=None, description="Mean reciprocal rank of the held-out partner")
    mrr_ci: list[float] | None = None
    ndcg_at_k: float | None = None
    ndcg_at_k_ci: list[float] | None = None
    size_matched_fit: float | None = Field(default=None, description="How often the real partner scores above a "
                                           "size-matched stand-in (0.5 = chance)")
    size_matched_fit_ci: list[float] | None = None


class CrossValidation(BaseModel):
    model_config = ConfigDict(extra="allow")
    protocol: str | None = None
    n_pairs: int | None = None
    model: Metrics | None = None
    baselines: dict[str, Metrics] | None = None


class Evaluation(BaseModel):
    """models/evaluation.json, written by `matcher model-card`: the served model against baselines on
    partnerships held out by date (and by UK query in `leave_one_out`). Extra keys a later build adds pass
    through."""
    model_config = ConfigDict(extra="allow")
    k: int = Field(description="The list length recall and nDCG are measured at")
    protocol: str = Field(description="How pairs were held out")
    split_year: int | None = None
    n_pairs: int = Field(description="Held-out partnerships scored")
    n_train_pairs: int | None = None
    weights_name: str | None = None
    weights: dict[str, float] | None = Field(default=None, description="Weights learned before the split")
    served_weights: dict[str, float] | None = Field(default=None, description="Weights the service uses")
    model: Metrics
    baselines: dict[str, Metrics] = Field(default_factory=dict)
    presets: dict[str, Metrics] = Field(default_factory=dict)
    ablations: dict[str, Metrics] = Field(default_factory=dict, description="The model with one block removed")
    pairs: list[dict] = Field(default_factory=list, description="Each held-out pair with its rank")
    unresolved: list = Field(default_factory=list)
    validation: dict | None = None
    snapshot: dict | None = None
    leave_one_out: CrossValidation | None = None
