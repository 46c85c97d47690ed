"""What /methodology says: each block in words, how the weights are learned, the evaluation table in words
(with intervals, and where the model loses), data coverage and sources. Every number is read from the served
model, matcher/blocks.toml and models/evaluation.json at request time, never typed in."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from matcher.answers.labels import preset_label
from matcher.answers.recommend import weights_for
from matcher.artifact.store import Bundle
from matcher.config import blocks, presets
from matcher.i18n import DEFAULT, table
from service.downloads import build_id
from service.geo import POINTS_SOURCE, outlines

METRICS = {"recall_at_k": "recall@{k}", "mrr": "mean reciprocal rank", "ndcg_at_k": "nDCG@{k}",
           "size_matched_fit": "size-matched fit"}
METRIC_WORDS = {
    "recall_at_k": "the share of held-out partnerships whose real partner appears in the top {k}",
    "mrr": "the average of 1/rank of the real partner (1 = always first)",
    "ndcg_at_k": "a rank-discounted version of recall@{k}",
    "size_matched_fit": "how often the real partner scores above a stand-in of similar size (0.5 = chance)",
}
BASELINES = {"random": "random order", "population": "largest population first", "popularity": "most partners "
             "already first", "euclidean": "plain distance over all features", "tier_size": "same tier, nearest "
             "size", "candidate_prior": "prominence alone (the candidate prior, blind to the query)"}


def _metric(d: dict, key: str) -> dict:
    ci = d.get(f"{key}_ci")
    return {"value": d.get(key), "low": ci[0] if ci else None, "high": ci[1] if ci else None}


def _table(section: dict, k: int) -> dict:
    """One protocol's rows: the model, then each baseline and preset, each metric with its interval."""
    keys = [m for m in METRICS if m in section.get("model", {})]
    rows: list[dict] = [{"name": "the served model", "metrics": {m: _metric(section["model"], m) for m in keys}}]
    for name, d in section.get("baselines", {}).items():
        rows.append({"name": f"baseline: {BASELINES.get(name, name)}", "metrics": {m: _metric(d, m) for m in keys}})
    for name, d in section.get("presets", {}).items():
        label = preset_label(name.removeprefix("preset:")) if name.startswith("preset:") else name.replace("_", " ")
        rows.append({"name": f"weighting: {label}", "metrics": {m: _metric(d, m) for m in keys}})
    model = section["model"]
    losses = [f"{r['name']} has a higher {METRICS[m].format(k=k)} ({r['metrics'][m]['value']:.3f} against "
              f"{model[m]:.3f})" for r in rows[1:] for m in keys
              if r["metrics"][m]["value"] is not None and r["metrics"][m]["value"] > model[m]]
    ablation_wins = [f"leaving out {b} raises the mean reciprocal rank to {d['mrr']:.3f}"
                     for b, d in section.get("ablations", {}).items() if d.get("mrr", 0) > model.get("mrr", 0)]
    return {"columns": [METRICS[m].format(k=k) for m in keys], "keys": keys, "rows": rows,
            "losses": losses, "ablation_wins": ablation_wins}


def evaluation_words(models_dir: Path) -> dict | None:
    path = models_dir / "evaluation.json"
    if not path.exists():
        return None
    ev = json.loads(path.read_text())
    k = int(ev.get("k", 10))
    out = {"k": k, "protocol": ev.get("protocol"), "n_pairs": ev.get("n_pairs"),
           "n_train_pairs": ev.get("n_train_pairs"), "metric_words": {METRICS[m].format(k=k): w.format(k=k)
                                                                       for m, w in METRIC_WORDS.items()},
           "temporal": _table(ev, k)}
    loo = ev.get("leave_one_out")
    if isinstance(loo, dict) and "model" in loo:
        out["loo"] = {"protocol": loo.get("protocol"), "n_pairs": loo.get("n_pairs"), **_table(loo, k)}
    return out


def coverage(bundle: Bundle, lang: str = DEFAULT) -> list[dict]:
    """How many places of each group carry each figure, and the sources most figures come from."""
    m = bundle.model
    groups_words, labels = table("groups", lang), table("figures", lang)
    groups = Counter((r["country"], r["tier"]) for r in m.records_.values() if not r.get("abolished"))
    rows = []
    for (country, tier), n in sorted(groups.items()):
        have = {f: sum(1 for r in m.records_.values() if r["country"] == country and r["tier"] == tier
                       and not r.get("abolished") and r.get(f) is not None) for f in m.figure_names_}
        rows.append({"group": groups_words.get(f"{country}_{tier}", f"{country} {tier}"), "n": n,
                     "figures": [{"label": labels.get(f, f), "n": c} for f, c in have.items() if c]})
    return rows


def sources(bundle: Bundle, lang: str = DEFAULT) -> list[dict]:
    """Per figure, its most used sources (the profile of each place names each figure's own)."""
    m = bundle.model
    labels = table("figures", lang)
    out = []
    for f in m.figure_names_:
        count = Counter(str(r[f"{f}__source"]) for r in m.records_.values() if r.get(f) is not None)
        if count:
            out.append({"label": labels.get(f, f), "top": [{"source": s, "n": n} for s, n in count.most_common(3)],
                        "others": max(0, len(count) - 3)})
    return out


def context(bundle: Bundle, models_dir: Path, lang: str = DEFAULT) -> dict:
    """The page's facts, with the block, weighting, group and figure names in `lang` (the prose stays English)."""
    served = weights_for(bundle, None)
    total = sum(served.values()) or 1.0
    plain, notes = table("plain", lang), table("preset_notes", lang)
    return {
        "blocks": [{"name": b.name, "label": b.label_zh if lang == "zh" else b.label_en, "label_zh": b.label_zh,
                    "plain": plain.get(b.name, ""),
                    "description": b.description, "weight": served[b.name], "share": served[b.name] / total}
                   for b in blocks()],
        "learned": bool(bundle.fitted_weights),
        "presets": [{"name": n, "label": preset_label(n, lang), "description": notes.get(n, p.description)}
                    for n, p in presets().items()],
        "evaluation": evaluation_words(models_dir),
        "coverage": coverage(bundle, lang), "sources": sources(bundle, lang),
        "n_partnerships": len(bundle.model.partnerships_),
        "map_sources": [outlines("GB")["source"], outlines("CN")["source"], POINTS_SOURCE],
        "build": build_id(bundle),
    }
