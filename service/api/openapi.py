"""The OpenAPI document says what the service really does:

- every error response is the problem+json the handlers write (service/api/errors.py), not FastAPI's default
  `HTTPValidationError` (`detail[loc, msg]`), which this service never returns;
- `preset` (query parameter or body field) lists its allowed values, each with its description.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from matcher.config import presets
from service.api.schemas.problem import Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ERRORS = {"404": "No such locality or profile (`suggestions` lists near names)", "409": "Ambiguous name "
          "(`candidates` lists the places it matches)", "422": "Invalid input (`errors` names each field)"}


def preset_schema() -> dict:
    names = list(presets())
    words = "; ".join(f"`{n}`: {p.description}" for n, p in presets().items())
    return {"type": "string", "enum": names, "description": f"A named weighting. {words}"}


def _problem_content() -> dict:
    return {"application/problem+json": {"schema": PROBLEM_REF}}


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        comps = doc.setdefault("components", {}).setdefault("schemas", {})
        comps.pop("HTTPValidationError", None)
        comps.pop("ValidationError", None)
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        comps.update(problem.pop("$defs", {}))
        comps["Problem"] = problem
        for path in doc.get("paths", {}).values():
            for op in path.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                if "parameters" in op or "requestBody" in op:
                    for code, text in ERRORS.items():
                        op["responses"][code] = {"description": text, "content": _problem_content()}
                for p in op.get("parameters", []):
                    if p.get("name") == "preset":
                        p["schema"] = preset_schema()
        for schema in comps.values():
            prop = schema.get("properties", {}).get("preset") if isinstance(schema, dict) else None
            if prop is not None:
                schema["properties"]["preset"] = {"anyOf": [preset_schema(), {"type": "null"}], "default": None}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
