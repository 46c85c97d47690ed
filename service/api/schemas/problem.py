"""The one error shape every route answers with (application/problem+json, RFC 9457), as OpenAPI documents it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    field: str = Field(description="The parameter or body field, dotted (`weights.scale`); `body` for the body")
    message: str


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"type": "about:blank", "title": "Invalid input", "status": 422, "detail": "k: Input should be less than "
         "or equal to 100", "errors": [{"field": "k", "message": "Input should be less than or equal to 100"}]}]})
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(default=None, description="Validation errors, one per field (422)")
    field: str | None = Field(default=None, description="The field a weight or preset error is about")
    suggestions: list[dict] | None = Field(default=None, description="Places the name may have meant (404)")
    candidates: list[dict] | None = Field(default=None, description="Places an ambiguous name matches (409)")
