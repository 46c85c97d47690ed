"""Fuzz every operation against its OpenAPI schema: no 5xx, no response that breaks the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from matcher.paths import FIXTURES_DIR
from service.app import create_app


def _app():
    from features.sources import load_tables
    from matcher.model.build import fit_bundle

    return create_app(bundle=fit_bundle(load_tables(FIXTURES_DIR)))


app = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _lifespan():
    from fastapi.testclient import TestClient

    with TestClient(app):
        yield


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_fuzz(case):
    case.call_and_validate(checks=[schemathesis.checks.not_a_server_error])
