import shutil
from pathlib import Path

import pytest

from features.sources import load_tables
from matcher.build import Bundle, fit_bundle
from matcher.paths import FIXTURES_DIR


@pytest.fixture(scope="session")
def tables():
    return load_tables(FIXTURES_DIR)


@pytest.fixture(scope="session")
def bundle(tables) -> Bundle:
    return fit_bundle(tables)


@pytest.fixture(scope="session")
def matcher(bundle):
    return bundle.matcher


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    """A writable copy of the fixture tables, for corrupting."""
    dst = tmp_path / "data"
    shutil.copytree(FIXTURES_DIR, dst)
    return dst
