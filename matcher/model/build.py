"""Fit on the shipped data and write a versioned artifact plus manifest, atomically; load it back verified."""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
import pandas as pd

from features.resolve import COLUMNS, Resolver
from matcher import __version__
from matcher.artifact.store import ARTIFACT_FORMAT, MANIFEST, ArtifactError, Bundle, dump, sha256_bytes
from matcher.config import block_names
from matcher.model.estimator import PartnerMatcher
from matcher.paths import MODELS_DIR, RAW_DIR

if TYPE_CHECKING:  # the service only loads artifacts: no need to import the validators
    from features.sources import Tables


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


def answers(matcher: PartnerMatcher, resolver: Resolver, manifest: dict | None = None) -> Bundle:
    """The bundle served from a fitted estimator: its answer model and learned weights (estimator kept)."""
    return Bundle(model=matcher.export(), resolver=resolver, manifest=manifest or {},
                  fitted_weights=matcher.weights_, estimator=matcher)


def fit_bundle(tables: Tables, partnerships: pd.DataFrame | None = None, learn_weights: bool = True) -> Bundle:
    """Fit features and learn from the partnership history; the learned weights are the served default."""
    matcher = PartnerMatcher(learn_weights=learn_weights).fit(tables, partnerships)
    former = tables.frames.get("former_councils")
    former = {} if former is None else dict(zip(former["former_name"], former["successor_id"], strict=True))
    return answers(matcher, Resolver(matcher.frame_[list(COLUMNS)], former=former))


def build(data_dir: Path = RAW_DIR, models_dir: Path = MODELS_DIR, progress=None,
          learn_weights: bool = True) -> Path:
    """Validate, fit, and write the served artifact (`answers-<data hash>.npz` + `.json`), the fitted estimator
    (`estimator-<data hash>.joblib`, training side only) and manifest.json. Returns the .json path."""
    step = progress or (lambda msg: None)
    from features.sources import load_tables

    step("validating data")
    tables = load_tables(data_dir)
    step("fitting feature pipelines and pair features; learning priors and weights from partnership history")
    bundle = fit_bundle(tables, learn_weights=learn_weights)
    validation = None
    if learn_weights:
        from matcher.model.evaluate import choose_l2, learned  # training-side; imports this module

        step("choosing the L2 strengths on a validation split of the partnership history")
        parts = tables["partnerships"]
        l2, validation = choose_l2(bundle.estimator, parts, k=10)
        bundle = answers(learned(bundle.estimator, parts, l2), bundle.resolver)
    fitted_weights = bundle.fitted_weights
    data_hash = sha256_bytes(json.dumps(tables.checksums, sort_keys=True).encode())[:12]
    models_dir.mkdir(parents=True, exist_ok=True)
    for stale in models_dir.glob(".*.tmp"):  # left by a build killed mid-write (not one running now)
        if time.time() - stale.stat().st_mtime > 600:
            stale.unlink(missing_ok=True)
    arrays, tables_json = dump(bundle.model, bundle.resolver, fitted_weights)
    bundle.estimator.drop_history_cache()  # the per-year snapshots learning used are not kept
    with io.BytesIO() as buf:
        joblib.dump(bundle.estimator, buf, compress=3)
        estimator = buf.getvalue()
    files = {}
    for part, name, payload in (("arrays", f"answers-{data_hash}.npz", arrays),
                                ("tables", f"answers-{data_hash}.json", tables_json),
                                ("estimator", f"estimator-{data_hash}.joblib", estimator)):
        step(f"writing {name}")
        _atomic_write(models_dir / name, payload)
        files[part] = {"name": name, "sha256": sha256_bytes(payload)}
    manifest = {
        "artifact": f"answers-{data_hash}",
        "files": files,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "format": ARTIFACT_FORMAT,
        "data_checksums": tables.checksums,
        "blocks": block_names(),
        "feature_names": bundle.estimator.feature_names_,
        "n_localities": {c: len(ids) for c, ids in bundle.model.ids_.items()},
        "n_partnerships": int(len(tables["partnerships"])),
        "fitted_weights": fitted_weights,
        "weights_validation": validation,
    }
    # Manifest last: until it is replaced, readers keep loading the previous, complete artifact.
    _atomic_write(models_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return models_dir / files["tables"]["name"]


def load_estimator(models_dir: Path = MODELS_DIR) -> PartnerMatcher:
    """The fitted estimator the served answers were exported from, for analysts' notebooks and retraining
    (frames, block_similarities, snapshots). It is a pickle: load only artifacts you built, and the manifest's
    checksum is verified first. The service never reads it."""
    manifest = json.loads((models_dir / MANIFEST).read_text())
    entry = manifest["files"]["estimator"]
    payload = (models_dir / entry["name"]).read_bytes()
    if sha256_bytes(payload) != entry["sha256"]:
        raise ArtifactError(f"artifact {entry['name']} fails its checksum; run `matcher build`")
    estimator = joblib.load(io.BytesIO(payload))
    if not isinstance(estimator, PartnerMatcher):
        raise ArtifactError(f"{entry['name']} does not hold a PartnerMatcher")
    return estimator
