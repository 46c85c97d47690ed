"""Where things live. Paths only; everything else is configuration in the TOML files beside this one."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
# Overridable so an installed (non-editable) package, e.g. in the container, finds its data and models.
DATA_DIR = Path(os.environ.get("MATCHER_DATA_DIR", ROOT / "data"))
RAW_DIR = DATA_DIR / "raw"
FIXTURES_DIR = DATA_DIR / "fixtures"
MODELS_DIR = Path(os.environ.get("MATCHER_MODELS_DIR", ROOT / "models"))
BLOCKS_TOML = PACKAGE_DIR / "blocks.toml"
PRESETS_TOML = PACKAGE_DIR / "presets.toml"
INDICATORS_TOML = PACKAGE_DIR / "indicators.toml"
