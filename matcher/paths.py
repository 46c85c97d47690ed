"""Where things live: the one place path settings are read from the environment (floor 0).

`Paths` declares the two overridable folders (MATCHER_DATA_DIR, MATCHER_MODELS_DIR) so that an installed,
non-editable package (e.g. in the container) finds its data and models. The service's Settings
(service/core/config.py) inherits these fields rather than declaring them again.
"""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
# In a source checkout (editable install) data/ and models/ sit beside the package; an installed copy in
# site-packages looks in the current folder, unless MATCHER_DATA_DIR / MATCHER_MODELS_DIR say where.
ROOT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").exists() else Path.cwd()


class Paths(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="ignore")

    data_dir: Path = ROOT / "data"  # the folder above raw/ and fixtures/
    models_dir: Path = ROOT / "models"


PATHS = Paths()
DATA_DIR = PATHS.data_dir
RAW_DIR = DATA_DIR / "raw"
FIXTURES_DIR = DATA_DIR / "fixtures"
MODELS_DIR = PATHS.models_dir
BLOCKS_TOML = PACKAGE_DIR / "blocks.toml"
HUMAN_RIGHTS_TOML = PACKAGE_DIR / "human_rights.toml"
PRESETS_TOML = PACKAGE_DIR / "presets.toml"
INDICATORS_TOML = PACKAGE_DIR / "indicators.toml"
