"""The serving artifact: an answer model as one .npz of arrays and one .json of lookups, named in a manifest
with their SHA-256, loaded back without pandas, scikit-learn or pickle.

JSON keeps every float exactly (Python writes the shortest repr that reads back to the same double), and
the arrays are stored as they are, so a loaded model answers byte for byte as the one that was saved.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from features.pair_types import EduLink, PairFeatures
from features.resolve import Resolver
from matcher.artifact.model import AnswerModel
from matcher.model import kernel
from matcher.model.ranker import Prior
from matcher.model.scale import ScaleParams
from matcher.paths import MODELS_DIR

MANIFEST = "manifest.json"
# Bump when what is saved changes, so a stale artifact is rebuilt rather than half-read.
ARTIFACT_FORMAT = 14  # 14: two size lines (UK and Chinese side)
# 13: historic industry rows (shown, not fitted); 12: county-level tier factor; 11: hub factors
COUNTRIES = ("GB", "CN")
PAIR_ARRAYS = ("edu", "flight", "mission", "ties")


class ArtifactError(RuntimeError):
    """The artifact is missing, corrupt or does not match its manifest."""


class StaleArtifact(ArtifactError):
    """A sound artifact from an older layout: rebuilding from the data fixes it."""


@dataclass
class Bundle:
    """What the CLI and the service answer from: the answer model, the name resolver, the manifest and the
    learned default weights. `estimator` is the fitted PartnerMatcher when the bundle was fitted in this
    process (tests, evaluation); it is never saved, and serving never needs it."""

    model: AnswerModel
    resolver: Resolver
    manifest: dict
    fitted_weights: dict[str, float] | None = None
    estimator: Any = None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- encoding ------------------------------------------------------------------------------------------
def _key(pair: tuple[str, str]) -> str:
    return "|".join(pair)


def _unkey(key: str) -> tuple[str, str]:
    a, b = key.split("|")
    return a, b


def _prior_json(p: Prior | None) -> dict | None:
    if p is None:
        return None
    return {"mean": p.mean.tolist(), "std": p.std.tolist(), "coef": p.coef.tolist(), "lo": float(p.lo),
            "hi": float(p.hi), "n_pairs": int(p.n_pairs), "tier_coef": float(p.tier_coef)}


def _prior(d: dict | None) -> Prior | None:
    if d is None:
        return None
    return Prior(mean=np.array(d["mean"]), std=np.array(d["std"]), coef=np.array(d["coef"]), lo=d["lo"],
                 hi=d["hi"], n_pairs=d["n_pairs"], tier_coef=d["tier_coef"])


def _json_default(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, set | tuple):
        return sorted(v) if isinstance(v, set) else list(v)
    raise TypeError(f"cannot store {type(v).__name__} in the artifact's JSON")


def dump(model: AnswerModel, resolver: Resolver, fitted_weights: dict | None) -> tuple[bytes, bytes]:
    """(npz bytes, json bytes) for one answer model and its resolver."""
    arrays: dict[str, np.ndarray] = {}
    for name in ("sides_", "sides_sensitive_"):
        for c, side in getattr(model, name).items():
            for f in fields(side):
                value = getattr(side, f.name)
                arrays[f"{name}{c}.{f.name}"] = value.astype(str) if f.name == "ids" else value
    for a in PAIR_ARRAYS:
        arrays[f"pairs.{a}"] = getattr(model.pairs_, a)
    for c in COUNTRIES:
        arrays[f"attributes.{c}"] = model.attributes_[c]
        arrays[f"live.{c}"] = model.live_[c]
    arrays["tag_idf"] = model.tag_idf_
    buf = io.BytesIO()
    np.savez_compressed(buf, allow_pickle=False, **arrays)
    p = model.pairs_
    sp = model.scale_params_
    tables = {
        "ids": model.ids_,
        "levels": {c: model.levels_[c].tolist() for c in COUNTRIES},
        "parents": {c: model.parents_[c].tolist() for c in COUNTRIES},
        "pairs": {"gb_ids": p.gb_ids, "cn_ids": p.cn_ids,
                  "edu_note": {_key(k): [v.uk_id, v.cn_id, v.text, v.direct] for k, v in p.edu_note.items()},
                  "flight_note": {_key(k): v for k, v in p.flight_note.items()},
                  "mission_host": p.mission_host,
                  "ties_note": {_key(k): list(v) for k, v in p.ties_note.items()}},
        "scale": sp.to_json(),
        "priors": {c: _prior_json(model.priors_.get(c)) for c in COUNTRIES},
        "records": model.records_, "feature_rows": model.feature_rows_, "figure_names": model.figure_names_,
        "sector_info": model.sector_info_, "tag_info": model.tag_info_,
        "industry_evidence": {_key(k): v for k, v in model.industry_evidence_map_.items()},
        "priority_evidence": {_key(k): v for k, v in model.priority_evidence_map_.items()},
        "sectors_of": model.sectors_of_, "tags_of": model.tags_of_, "sensitive_sectors": model.sensitive_sectors_,
        "core_sensitive": model.core_sensitive_, "industry_cols": model.industry_cols_,
        "industry_cols_all": model.industry_cols_all_, "tag_cols": model.tag_cols_, "sector_idf": model.sector_idf_,
        "related": model.related_, "ancestors": model.ancestors_, "n_partners": model.n_partners_,
        "partner_counts": model.partner_counts_, "partner_counts_unknown": model.partner_counts_unknown_,
        "partnership_map": {_key(k): v for k, v in model.partnership_map_.items()},
        "partners": model.partners_, "partnerships": model.partnerships_, "closed_industry": model.closed_industry_,
        "historic_industry": model.historic_industry_,
        "saturation_at": model.saturation_at, "reciprocity": model.reciprocity_,
        "reciprocity_top": model.reciprocity_top_, "travel": model.travel_,
        "resolver": resolver.state(), "fitted_weights": fitted_weights,
    }
    text = json.dumps(tables, ensure_ascii=False, sort_keys=False, default=_json_default, allow_nan=False)
    return buf.getvalue(), text.encode()


def load(npz: bytes, tables_json: bytes) -> tuple[AnswerModel, Resolver, dict | None]:
    """The answer model, resolver and fitted weights saved by `dump`."""
    with np.load(io.BytesIO(npz), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    t = json.loads(tables_json)

    def sides(name):
        out = {}
        for c in COUNTRIES:
            parts = {f.name: arrays[f"{name}{c}.{f.name}"] for f in fields(kernel.Side)}
            parts["ids"] = parts["ids"].astype(object)
            out[c] = kernel.Side(**parts)
        return out

    p = t["pairs"]
    pairs = PairFeatures(
        gb_ids=p["gb_ids"], cn_ids=p["cn_ids"],
        edu=arrays["pairs.edu"], edu_note={_unkey(k): EduLink(*v) for k, v in p["edu_note"].items()},
        flight=arrays["pairs.flight"], flight_note={_unkey(k): v for k, v in p["flight_note"].items()},
        mission=arrays["pairs.mission"], mission_host=p["mission_host"],
        ties=arrays["pairs.ties"], ties_note={_unkey(k): tuple(v) for k, v in p["ties_note"].items()})
    scale = ScaleParams.from_json(t["scale"])
    model = AnswerModel(
        ids_=t["ids"], sides_=sides("sides_"), sides_sensitive_=sides("sides_sensitive_"), pairs_=pairs,
        scale_params_=scale, live_={c: arrays[f"live.{c}"] for c in COUNTRIES},
        levels_={c: np.array(t["levels"][c], dtype=object) for c in COUNTRIES},
        parents_={c: np.array(t["parents"][c], dtype=object) for c in COUNTRIES},
        records_=t["records"], feature_rows_=t["feature_rows"], figure_names_=t["figure_names"],
        sector_info_=t["sector_info"], tag_info_=t["tag_info"],
        industry_evidence_map_={_unkey(k): v for k, v in t["industry_evidence"].items()},
        priority_evidence_map_={_unkey(k): v for k, v in t["priority_evidence"].items()},
        sectors_of_=t["sectors_of"], tags_of_=t["tags_of"],
        sensitive_sectors_={i: [tuple(x) for x in v] for i, v in t["sensitive_sectors"].items()},
        core_sensitive_=t["core_sensitive"], industry_cols_=t["industry_cols"],
        industry_cols_all_=t["industry_cols_all"], tag_cols_=t["tag_cols"], tag_idf_=arrays["tag_idf"],
        sector_idf_=t["sector_idf"], related_=t["related"], ancestors_={i: set(v) for i, v in t["ancestors"].items()},
        priors_={c: _prior(t["priors"][c]) for c in COUNTRIES},
        attributes_={c: arrays[f"attributes.{c}"] for c in COUNTRIES},
        n_partners_=t["n_partners"], partner_counts_=t["partner_counts"],
        partner_counts_unknown_=t["partner_counts_unknown"],
        partnership_map_={_unkey(k): v for k, v in t["partnership_map"].items()}, partners_=t["partners"],
        partnerships_=t["partnerships"], closed_industry_=t["closed_industry"],
        historic_industry_=t["historic_industry"], saturation_at=t["saturation_at"],
        reciprocity_=t["reciprocity"], reciprocity_top_=t["reciprocity_top"], travel_=t["travel"])
    return model, Resolver.from_state(t["resolver"]), t["fitted_weights"]


# ---- the manifest ---------------------------------------------------------------------------------------
def load_bundle(models_dir: Path = MODELS_DIR) -> Bundle:
    """Load the files named in the manifest after checking each one's SHA-256; refuse anything else."""
    manifest_path = models_dir / MANIFEST
    if not manifest_path.exists():
        raise ArtifactError(f"no model artifact in {models_dir}: run `matcher build` first")
    manifest = None
    try:
        manifest = json.loads(manifest_path.read_text())
        files = {part: str(manifest["files"][part]["name"]) for part in ("arrays", "tables")}
        expected = {part: str(manifest["files"][part]["sha256"]) for part in files}
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(manifest, dict) and manifest.get("format") != ARTIFACT_FORMAT:
            raise StaleArtifact(_stale(manifest)) from None
        raise ArtifactError(f"{manifest_path} is not a valid manifest ({exc!r}); run `matcher build`") from None
    if manifest.get("format") != ARTIFACT_FORMAT:
        raise StaleArtifact(_stale(manifest))
    payload = {}
    for part, name in files.items():
        path = models_dir / name
        if not path.exists():
            raise ArtifactError(f"artifact {name} named in {manifest_path} is missing; run `matcher build`")
        data = path.read_bytes()
        actual = sha256_bytes(data)
        if actual != expected[part]:
            raise ArtifactError(f"artifact {name} fails its checksum (manifest {expected[part][:12]}…, file "
                                f"{actual[:12]}…): it is corrupt or was replaced; run `matcher build`")
        payload[part] = data
    try:
        model, resolver, fitted = load(payload["arrays"], payload["tables"])
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise ArtifactError(f"artifact {files['tables']} does not hold an answer model ({exc!r}); "
                            "run `matcher build`") from None
    return Bundle(model=model, resolver=resolver, manifest=manifest, fitted_weights=fitted)


def _stale(manifest: dict) -> str:
    return (f"the artifact was built by an older matcher (format {manifest.get('format', 1)}, this code reads "
            f"{ARTIFACT_FORMAT}); run `matcher build`")
