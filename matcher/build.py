"""Fit on the shipped data and write a versioned artifact plus manifest, atomically; load it back verified."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
import pandas as pd

from matcher import __version__
from matcher.config import block_names
from matcher.estimator import PartnerMatcher
from matcher.paths import MODELS_DIR, RAW_DIR
from matcher.resolve import Resolver

if TYPE_CHECKING:  # the service only loads artifacts: no need to import the validators
    from features.sources import Tables

MANIFEST = "manifest.json"


class ArtifactError(RuntimeError):
    """The artifact is missing, corrupt or does not match its manifest."""


class StaleArtifact(ArtifactError):
    """A sound artifact from an older layout: rebuilding from the data fixes it."""


@dataclass
class Bundle:
    """What the CLI and the service load: the fitted matcher, the name resolver and the manifest."""

    matcher: PartnerMatcher
    resolver: Resolver
    manifest: dict
    fitted_weights: dict[str, float] | None = None


# Bump when the pickled estimator's layout changes, so a stale artifact is rebuilt rather than half-read.
ARTIFACT_FORMAT = 7


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename: readers see old or new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp makes 0600; the service may run as another user
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fit_bundle(tables: Tables, partnerships: pd.DataFrame | None = None, learn_weights: bool = True) -> Bundle:
    """Fit features and learn from the partnership history; the learned weights are the served default."""
    matcher = PartnerMatcher(learn_weights=learn_weights).fit(tables, partnerships)
    frame = matcher.frame_[["id", "name", "name_zh", "name_pinyin", "country", "level"]].reset_index(drop=True)
    former = tables.frames.get("former_councils")
    former = {} if former is None else dict(zip(former["former_name"], former["successor_id"], strict=True))
    return Bundle(matcher=matcher, resolver=Resolver(frame, former=former), manifest={},
                  fitted_weights=matcher.weights_)


def build(data_dir: Path = RAW_DIR, models_dir: Path = MODELS_DIR, progress=None,
          learn_weights: bool = True) -> Path:
    """Validate, fit, and write `matcher-<data hash>.joblib` + manifest.json. Returns the artifact path."""
    step = progress or (lambda msg: None)
    from features.sources import load_tables

    step("validating data")
    tables = load_tables(data_dir)
    step("fitting feature pipelines and pair features; learning priors and weights from partnership history")
    bundle = fit_bundle(tables, learn_weights=learn_weights)
    validation = None
    if learn_weights:
        from matcher.evaluate import choose_l2, learned  # training-side; imports this module

        step("choosing the L2 strengths on a validation split of the partnership history")
        parts = tables["partnerships"]
        l2, validation = choose_l2(bundle.matcher, parts, k=10)
        bundle.matcher = learned(bundle.matcher, parts, l2)
        bundle.fitted_weights = bundle.matcher.weights_
    bundle.matcher.drop_history_cache()  # the per-year snapshots learning used are not served
    fitted_weights = bundle.fitted_weights
    data_hash = sha256_bytes(json.dumps(tables.checksums, sort_keys=True).encode())[:12]
    models_dir.mkdir(parents=True, exist_ok=True)
    for stale in models_dir.glob(".*.tmp"):  # left by a build killed mid-write (not one running now)
        if time.time() - stale.stat().st_mtime > 600:
            stale.unlink(missing_ok=True)
    name = f"matcher-{data_hash}.joblib"
    step(f"writing {name}")
    with tempfile.TemporaryFile() as buf:
        joblib.dump(bundle, buf, compress=3)
        buf.seek(0)
        payload = buf.read()
    _atomic_write(models_dir / name, payload)
    manifest = {
        "artifact": name,
        "sha256": sha256_bytes(payload),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "format": ARTIFACT_FORMAT,
        "data_checksums": tables.checksums,
        "blocks": block_names(),
        "feature_names": bundle.matcher.feature_names_,
        "n_localities": {c: len(ids) for c, ids in bundle.matcher.ids_.items()},
        "n_partnerships": int(len(tables["partnerships"])),
        "fitted_weights": fitted_weights,
        "weights_validation": validation,
    }
    # Manifest last: until it is replaced, readers keep loading the previous, complete artifact.
    _atomic_write(models_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return models_dir / name


def load_bundle(models_dir: Path = MODELS_DIR) -> Bundle:
    """Load the artifact named in the manifest after checking its SHA-256; refuse anything else."""
    manifest_path = models_dir / MANIFEST
    if not manifest_path.exists():
        raise ArtifactError(f"no model artifact in {models_dir}: run `matcher build` first")
    try:
        manifest = json.loads(manifest_path.read_text())
        path = models_dir / manifest["artifact"]
        expected = manifest["sha256"]
    except (ValueError, KeyError) as exc:
        raise ArtifactError(f"{manifest_path} is not a valid manifest ({exc}); run `matcher build`") from None
    if not path.exists():
        raise ArtifactError(f"artifact {path.name} named in {manifest_path} is missing; run `matcher build`")
    if manifest.get("format") != ARTIFACT_FORMAT:
        raise StaleArtifact(f"{path.name} was built by an older matcher (artifact format "
                            f"{manifest.get('format', 1)}, this code reads {ARTIFACT_FORMAT}); run `matcher build`")
    payload = path.read_bytes()
    actual = sha256_bytes(payload)
    if actual != expected:
        raise ArtifactError(f"artifact {path.name} fails its checksum (manifest {expected[:12]}…, file "
                            f"{actual[:12]}…): it is corrupt or was replaced; run `matcher build`")
    bundle = joblib.load(io.BytesIO(payload))
    if not isinstance(bundle, Bundle):
        raise ArtifactError(f"{path.name} does not hold a matcher bundle")
    bundle.manifest = manifest
    return bundle
