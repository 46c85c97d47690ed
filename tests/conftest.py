import shutil
from pathlib import Path

import pytest

from features.sources import load_tables
from matcher.artifact.store import Bundle
from matcher.model.build import fit_bundle
from matcher.paths import FIXTURES_DIR


@pytest.fixture(scope="session")
def tables():
    return load_tables(FIXTURES_DIR)


@pytest.fixture(scope="session")
def bundle(tables) -> Bundle:
    return fit_bundle(tables)


@pytest.fixture(scope="session")
def shipped_bundle() -> Bundle:
    """Fitted on the shipped data (data/raw), once per run."""
    from matcher.paths import RAW_DIR

    return fit_bundle(load_tables(RAW_DIR))


@pytest.fixture(scope="session")
def matcher(bundle):
    return bundle.estimator


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    """A writable copy of the fixture tables, for corrupting."""
    dst = tmp_path / "data"
    shutil.copytree(FIXTURES_DIR, dst)
    return dst


@pytest.fixture(scope="module")
def fixture_client(bundle, tmp_path_factory):
    """The service over the fixture bundle, with a throwaway models folder and profile store."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.core.config import Settings

    tmp = tmp_path_factory.mktemp("svc")
    with TestClient(create_app(bundle=bundle, settings=Settings(models_dir=tmp,
                                                                database_url=f"sqlite:///{tmp}/p.db"))) as c:
        yield c
