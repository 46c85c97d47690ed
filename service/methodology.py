"""What /methodology says: each block in words, how the weights are learned, the evaluation table in words
(with intervals, and where the model loses), data coverage and sources. Every number is read from the served
model, matcher/blocks.toml and models/evaluation.json at request time, never typed in."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from markupsafe import Markup, escape

from matcher.answers.labels import preset_label
from matcher.answers.recommend import weights_for
from matcher.artifact.store import Bundle
from matcher.config import blocks, presets
from matcher.i18n import DEFAULT, table, text
from service.geo import POINTS_SOURCE, outlines

METRICS = ("recall_at_k", "mrr", "ndcg_at_k", "size_matched_fit")


def _metric(d: dict, key: str) -> dict:
    ci = d.get(f"{key}_ci")
    return {"value": d.get(key), "low": ci[0] if ci else None, "high": ci[1] if ci else None}


def _row_name(kind: str, name: str, lang: str) -> str:
    """A ranking's name in `lang`: a baseline by what it does, a weighting by its label."""
    if kind == "baseline":
        label = table("method_baselines", lang).get(name, name)
    elif name.startswith("preset:"):
        label = preset_label(name.removeprefix("preset:"), lang)
    else:
        label = table("method_baselines", lang).get(name, name.replace("_", " "))
    return str(text(f"method_text.{kind}", lang)).format(name=label)


def _table(section: dict, k: int, lang: str) -> dict:
    """One protocol's rows: the model, then each baseline and preset, each metric with its interval."""
    names = {m: w.format(k=k) for m, w in table("method_metrics", lang).items()}
    words, block_labels = text("method_text.loss", lang), {b.name: b.label(lang) for b in blocks()}
    keys = [m for m in METRICS if m in section.get("model", {})]
    rows: list[dict] = [{"name": text("method_text.served_model", lang),
                         "metrics": {m: _metric(section["model"], m) for m in keys}}]
    for name, d in section.get("baselines", {}).items():
        rows.append({"name": _row_name("baseline", name, lang), "metrics": {m: _metric(d, m) for m in keys}})
    for name, d in section.get("presets", {}).items():
        rows.append({"name": _row_name("weighting", name, lang), "metrics": {m: _metric(d, m) for m in keys}})
    model = section["model"]
    losses = [words.format(name=r["name"], metric=names[m], theirs=f"{r['metrics'][m]['value']:.3f}",
                           ours=f"{model[m]:.3f}") for r in rows[1:] for m in keys
              if r["metrics"][m]["value"] is not None and r["metrics"][m]["value"] > model[m]]
    ablation_wins = [text("method_text.ablation_win", lang).format(block=block_labels.get(b, b), mrr=f"{d['mrr']:.3f}")
                     for b, d in section.get("ablations", {}).items() if d.get("mrr", 0) > model.get("mrr", 0)]
    return {"columns": [names[m] for m in keys], "keys": keys, "rows": rows,
            "losses": losses, "ablation_wins": ablation_wins}


def _protocol(protocol: str | None, year: object, lang: str) -> str | Markup | None:
    """A protocol in `lang` where it is one of the evaluation's own (its English is the catalog's); any other (a
    holdout file's) is quoted as written."""
    known = {str(text("method_text.protocol_temporal")).format(year=year): "protocol_temporal",
             str(text("method_text.protocol_grouped")): "protocol_grouped"}
    key = known.get(protocol or "")
    return str(text(f"method_text.{key}", lang)).format(year=year) if key else protocol


def evaluation_words(models_dir: Path, lang: str = DEFAULT) -> dict | None:
    path = models_dir / "evaluation.json"
    if not path.exists():
        return None
    ev = json.loads(path.read_text())
    k = int(ev.get("k", 10))
    names, words = table("method_metrics", lang), table("method_metric_words", lang)
    out = {"k": k, "protocol": _protocol(ev.get("protocol"), ev.get("split_year"), lang), "n_pairs": ev.get("n_pairs"),
           "n_train_pairs": ev.get("n_train_pairs"),
           "metric_words": {names[m].format(k=k): words[m].format(k=k) for m in METRICS},
           "temporal": _table(ev, k, lang)}
    loo = ev.get("leave_one_out")
    if isinstance(loo, dict) and "model" in loo:
        out["loo"] = {"protocol": _protocol(loo.get("protocol"), None, lang), "n_pairs": loo.get("n_pairs"),
                      **_table(loo, k, lang)}
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


def _build(bundle: Bundle, lang: str) -> Markup:
    """The artifact the page describes, in `lang` (as `build_id` says it in a download's English header)."""
    m = bundle.manifest or {}
    if not m.get("artifact"):
        return Markup(escape(text("method_text.build_in_process", lang)))
    return Markup(escape(text("method_text.build_saved", lang))).format(
        artifact=Markup("<code>{}</code>").format(m["artifact"]),
        built=str(m.get("built_at", "?"))[:16].replace("T", " "),
        version=m.get("version", "?"))


def context(bundle: Bundle, models_dir: Path, lang: str = DEFAULT) -> dict:
    """The page's facts in `lang`: block, weighting, group and figure names, and the evaluation's words."""
    served = weights_for(bundle, None)
    total = sum(served.values()) or 1.0
    plain, notes = table("plain", lang), table("preset_notes", lang)
    return {
        "blocks": [{"name": b.name, "label": b.label(lang), "label_zh": b.label_zh,
                    "plain": plain.get(b.name, ""),
                    "description": b.describe(lang),
                    "weight": served[b.name], "share": served[b.name] / total}
                   for b in blocks()],
        "learned": bool(bundle.fitted_weights),
        "presets": [{"name": n, "label": preset_label(n, lang), "description": notes.get(n, p.description)}
                    for n, p in presets().items()],
        "evaluation": evaluation_words(models_dir, lang),
        "coverage": coverage(bundle, lang), "sources": sources(bundle, lang),
        "n_partnerships": len(bundle.model.partnerships_),
        "map_sources": [outlines("GB")["source"], outlines("CN")["source"], POINTS_SOURCE],
        "build": _build(bundle, lang),
    }
