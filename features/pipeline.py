"""The feature pipeline: one transformer per block, composed in one place from the block list."""

from __future__ import annotations

from sklearn.pipeline import FeatureUnion

from features.blocks import (
    ConnectivityBlock,
    EducationBlock,
    IndustryBlock,
    NeedsBlock,
    PrioritiesBlock,
    ProminenceBlock,
    ScaleBlock,
    StudentLinksBlock,
)
from matcher.config import block_names

# block name (blocks.toml) -> the transformer holding its per-locality features.
TRANSFORMERS = {
    "industry": IndustryBlock,
    "scale": ScaleBlock,
    "education": EducationBlock,
    "student_links": StudentLinksBlock,
    "priorities": PrioritiesBlock,
    "connectivity": ConnectivityBlock,
    "complementarity": NeedsBlock,
    "prominence": ProminenceBlock,
}


def build_pipeline(related_sectors: dict[str, list[str]]) -> FeatureUnion:
    """FeatureUnion over the declared blocks; output columns are named `block__feature`."""
    missing = set(block_names()) ^ set(TRANSFORMERS)
    if missing:
        raise RuntimeError(f"blocks.toml and features.pipeline disagree on {sorted(missing)}")
    steps = []
    for name in block_names():
        cls = TRANSFORMERS[name]
        steps.append((name, cls(related=related_sectors) if cls is NeedsBlock else cls()))
    return FeatureUnion(steps).set_output(transform="pandas")
