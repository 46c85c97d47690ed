"""Blocks, presets and weights: read once from the TOML files, validated with pydantic."""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from matcher.paths import BLOCKS_TOML, HUMAN_RIGHTS_TOML, PRESETS_TOML

# consulates.csv kinds that are diplomatic missions (the pair features and the resources' missions); the table
# also holds China-Britain Business Council offices, support on the ground but never a mission. Here, on floor 0,
# so the answers read it without importing the schemas (pandera).
MISSION_KINDS = ("embassy", "consulate_general")

# Industry evidence dated before this year is history: shown with its year on a locality's profile, kept out of
# the fit (a sector's strength must rest on a page from this year or later; older rows count once re-confirmed).
INDUSTRY_CURRENT_FROM = 2016

# Education strength is a percentile among the places a partner weighs together. Chinese county-level places
# are ranked with prefecture-level cities: in their own group only a dozen have any college recorded, so one
# college put a county-level city level with Wuhan, and the education preset offered Cambridge such places.
EDUCATION_RANKED_WITH = {("CN", "county"): ("CN", "cities"), ("CN", "city"): ("CN", "cities")}


def education_group(country: str, tier: str) -> tuple[str, str]:
    """The (country, tier) group a place's education figures are ranked in."""
    return EDUCATION_RANKED_WITH.get((country, tier), (country, tier))


class BlockSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    label_en: str
    label_zh: str
    default_weight: float = Field(ge=0)
    description: str
    description_zh: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def describe(self, lang: str) -> str:
        """How the block is computed, in `lang`."""
        return self.description_zh if lang == "zh" else self.description


class Preset(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    description: str
    weights: dict[str, float]


class WeightError(ValueError):
    """Weights a caller gave that cannot be used; `field` names the offending key."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@lru_cache(maxsize=1)
def blocks() -> tuple[BlockSpec, ...]:
    raw = tomllib.loads(BLOCKS_TOML.read_text())
    return tuple(BlockSpec(name=name, **spec) for name, spec in raw.items())


def block_names() -> list[str]:
    return [b.name for b in blocks()]


def default_weights() -> dict[str, float]:
    return {b.name: b.default_weight for b in blocks()}


@lru_cache(maxsize=1)
def human_rights_regions() -> dict[str, dict]:
    """Province code -> {finding, year, source}: human_rights.toml, where the UK government's own statements
    on human rights in a Chinese province are recorded for the due-diligence caveat."""
    raw = tomllib.loads(HUMAN_RIGHTS_TOML.read_text())
    for code, spec in raw.items():
        missing = {"finding", "year", "source"} - set(spec)
        if len(code) != 6 or not code.isdigit() or not code.endswith("0000") or missing:
            raise ValueError(f"{HUMAN_RIGHTS_TOML.name}: [{code}] must be a GB/T 2260 province code with finding, "
                             f"year and source (missing: {sorted(missing)})")
    return raw


@lru_cache(maxsize=1)
def presets() -> dict[str, Preset]:
    raw = tomllib.loads(PRESETS_TOML.read_text())
    out = {}
    for name, spec in raw.items():
        spec = dict(spec)
        description = spec.pop("description")
        if spec.pop("use_defaults", False):
            weights = default_weights()
        else:
            weights = {b: float(spec.get(b, 0.0)) for b in block_names()}
            unknown = set(spec) - set(block_names())
            if unknown:
                raise ValueError(f"presets.toml [{name}]: unknown block(s) {sorted(unknown)}")
        out[name] = Preset(name=name, description=description, weights=weights)
    return out


def check_weights(weights: dict[str, float], base: dict[str, float] | None = None) -> dict[str, float]:
    """Merge `weights` over `base` (defaults if None) and validate: known blocks, finite, >= 0, not all 0."""
    merged = dict(default_weights() if base is None else base)
    names = set(block_names())
    for key, value in weights.items():
        if key not in names:
            raise WeightError(key, f"unknown block '{key}'; known blocks: {', '.join(block_names())}")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise WeightError(key, f"weight for '{key}' must be a number, got {value!r}") from None
        if math.isnan(value) or math.isinf(value):
            raise WeightError(key, f"weight for '{key}' must be finite, got {value}")
        if value < 0:
            raise WeightError(key, f"weight for '{key}' must be >= 0, got {value}")
        merged[key] = value
    total = sum(merged.values())
    if total <= 0:
        raise WeightError("weights", "at least one block needs a positive weight")
    if math.isinf(total):  # score = sum(w s) / sum(w): an infinite sum would silently zero every score
        raise WeightError("weights", "weights are too large: their sum overflows; only their ratios matter, "
                                     "so scale them down (e.g. to 0-10)")
    return merged


def parse_weight_string(text: str) -> dict[str, float]:
    """'industry=2,scale=0.5' -> {'industry': 2.0, 'scale': 0.5} (CLI form)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise WeightError(part, f"'{part}' is not of the form block=weight")
        key, _, value = part.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise WeightError(key.strip(), f"weight for '{key.strip()}' must be a number, got {value!r}") from None
    return out
