"""Locality profiles and the pair assessment card, in the six sections a council partner-city policy uses
(location overview, strategic fit, profile, due diligence, connections, resources and purpose)."""

from __future__ import annotations

from matcher.answers import resources as travel
from matcher.answers.explain import explain_pair, scale_assessment
from matcher.answers.labels import kind_label, level_label
from matcher.artifact.store import Bundle
from matcher.config import blocks

# What a block suggests the partnership could be for. Scale is not a purpose: it says whether the sizes fit,
# and the card says that separately, from the figures.
PURPOSE = {
    "industry": "industrial and trade collaboration in shared sectors",
    "education": "university and research collaboration",
    "student_links": "building on existing student and institutional flows",
    "priorities": "policy exchange on shared priorities",
    "connectivity": "using existing direct connections and diplomatic presence",
    "complementarity": "matching one side's strengths to the other's priorities",
}


def figures(bundle: Bundle, i: str) -> list[dict]:
    row = bundle.model.records_[i]
    out = []
    for f in [*bundle.model.figure_names_, "gdp_gbp_m"]:
        value = row.get(f)
        if value is None:
            continue
        if f == "gdp_gbp_m":
            if row["country"] == "GB":
                continue
            out.append({"indicator": f, "value": float(value), "year": int(row["gdp_local_m__year"]),
                        "source": row["gdp_gbp_m__fx"], "estimate": True})
            continue
        out.append({"indicator": f, "value": float(value), "year": int(row[f"{f}__year"]),
                    "source": str(row[f"{f}__source"]), "estimate": bool(row[f"{f}__estimate"])})
    return out


def sectors(bundle: Bundle, i: str) -> list[dict]:
    """The place's sourced sectors, strongest first (table order among equals)."""
    rows = [(s, r) for (x, s), r in bundle.model.industry_evidence_map_.items() if x == i]
    rows.sort(key=lambda sr: -sr[1]["strength"])
    return [{"sector": s, "strength": int(r["strength"]), "evidence": r["evidence"], "source": r["source"],
             "year": int(r["year"])} for s, r in rows]


def priorities(bundle: Bundle, i: str) -> list[dict]:
    return [{"tag": t, "evidence": r["evidence"], "source": r["source"], "year": int(r["year"])}
            for (x, t), r in bundle.model.priority_evidence_map_.items() if x == i]


def partnerships(bundle: Bundle, i: str) -> list[dict]:
    out = []
    for r in bundle.model.partnerships_:
        if i not in (r["uk_id"], r["cn_id"]):
            continue
        other = r["cn_id"] if r["uk_id"] == i else r["uk_id"]
        out.append({"partner": bundle.resolver.describe(other), "kind": r["kind"], "status": r["status"],
                    "year_signed": None if r["year_signed"] is None else int(r["year_signed"]),
                    "source": r["source"]})
    return out


def profile(bundle: Bundle, i: str) -> dict:
    row = bundle.model.records_[i]
    parent = row["parent_id"] if isinstance(row["parent_id"], str) else None
    def text(key: str) -> str | None:
        return row.get(key) if isinstance(row.get(key), str) else None

    return {
        "locality": bundle.resolver.describe(i),
        # Each name with the list it was copied from (a UK place's Chinese name, a Welsh place's Welsh name).
        "name_zh": text("name_zh"), "name_zh_source": text("name_zh_source"),
        "name_cy": text("name_cy"), "name_cy_source": text("name_cy_source"),
        "name_pinyin": text("name_pinyin"),
        "parent": bundle.resolver.describe(parent) if parent and parent in bundle.model.records_ else None,
        "coordinates": None if row["lat"] is None else {"lat": float(row["lat"]), "lon": float(row["lon"])},
        "figures": figures(bundle, i), "sectors": sectors(bundle, i), "priorities": priorities(bundle, i),
        "partnerships": partnerships(bundle, i),
    }


def _fig_line(bundle: Bundle, i: str) -> tuple[list[str], list[str]]:
    items, sources = [], []
    who = bundle.resolver.describe(i)
    # UK output is GVA in pounds, Chinese output GDP in yuan (data/README.md: definitions that differ).
    local = "GVA, £ million" if who["country"] == "GB" else "GDP, ¥ million"
    label = {"population": "population", "gdp_local_m": local, "gdp_gbp_m": "output, £ million"}
    for f in figures(bundle, i):
        if f["indicator"] in label:
            est = " (converted at the HMRC yearly average rate)" if f["indicator"] == "gdp_gbp_m" else \
                " (estimate)" if f["estimate"] else ""
            items.append(f"{who['name']}: {label[f['indicator']]} {f['value']:,.0f} ({f['year']}){est}")
            sources.append(str(f["source"]))
    return items, sources


CLEAR_PURPOSE = 0.25  # a block's similarity from which it suggests a purpose


def purpose(bundle: Bundle, a: str, b: str, ex: dict, rank: int | None, n: int) -> list[str]:
    """Resources and purpose: what the data suggest the partnership could be for, and whether the sizes and
    the overall standing support it. Never 'comparable standing' for a pair the figures call a stretch."""
    contrib, sims, score = ex["contributions"], ex["similarities"], ex["score"]
    labels = {blk.name: blk.label_en for blk in blocks()}
    names = {x: bundle.resolver.describe(x)["name"] for x in (a, b)}
    name_a, name_b = names[a], names[b]
    out = []
    where = f"#{rank} of {n} candidates for {name_a}" if rank else f"not among {name_a}'s ranked candidates"
    out.append(f"Overall fit {score:.3f}, {where} with this weighting.")
    useful = [t for t in sorted(PURPOSE, key=lambda k: -contrib.get(k, 0.0))
              if contrib.get(t, 0.0) > 0 and sims.get(t, 0.0) >= CLEAR_PURPOSE][:2]
    for t in useful:
        out.append(f"Suggested purpose: {PURPOSE[t]} ({labels[t]} contributes {contrib[t]:.3f} of {score:.3f}).")
    if not useful:
        out.append(f"No clear purpose in the data: no block other than scale reaches a similarity of "
                   f"{CLEAR_PURPOSE} for this pair.")
    # The scale sentence comes from the same assessment as the scale block, its reason and its caveat.
    s = scale_assessment(bundle.model, a, b)
    if s.reason:
        out.append(f"Sizes are usual for a partnership of this kind: {s.size_text}; {s.usual_text}.")
    elif s.caveat:
        out.append(f"Sizes are a stretch for a partnership of this kind. {s.caveat}.")
    else:
        out.append(f"Sizes are neither a reason nor a warning here (scale similarity {sims.get('scale', 0.0):.2f}).")
    n_b = bundle.model.partner_counts_.get(b, 0)
    out.append(f"{name_b} has {n_b} active {'partnership' if n_b == 1 else 'partnerships'} with the other country.")
    return out


def card(bundle: Bundle, a: str, b: str, weights: dict[str, float], weighting: str | None = None,
         ranks: dict[str, int] | None = None) -> dict:
    """The six-section card for a pair under `weights` (the list's weights, so the card's score is the list's);
    `weighting` names them for the reader, `ranks` (a's overall ranking) places b in it."""
    m = bundle.model
    ex = explain_pair(m, a, b, weights)
    contrib = ex["contributions"]
    overview, ov_src = [], []
    for x in (a, b):
        d = bundle.resolver.describe(x)
        overview.append(f"{d['name']}{' ' + d['name_zh'] if d['name_zh'] else ''}: {level_label(d['level'])} "
                        f"({d['country']}, {d['id']})")
        items, src = _fig_line(bundle, x)
        overview += items
        ov_src += src
    fit_blocks = ("industry", "priorities", "complementarity", "scale", "education")
    from matcher.answers.explain import REASONERS

    strategic = [r.text for blk in fit_blocks if contrib[blk] > 0 for r in REASONERS[blk](m, a, b)]
    prof, prof_src = [], []
    for x in (a, b):
        for s in sectors(bundle, x)[:5]:
            label = str(m.sector_info_.get(s["sector"], {}).get("label_en", s["sector"].replace("_", " "))).lower()
            prof.append(f"{bundle.resolver.describe(x)['name']}: {label} "
                        f"(strength {s['strength']}/3): {s['evidence']} ({s['year']})")
            prof_src.append(s["source"])
    connections = [r.text for blk in ("student_links", "connectivity") for r in REASONERS[blk](m, a, b)]
    if ex["partnership"]:
        p = ex["partnership"]
        connections.insert(0, f"Existing {kind_label(p['kind'])} ({p['year_signed'] or 'year unknown'}), "
                              f"status {p['status']}. The score measures fit as if this partnership did not exist: "
                              "it is not counted in Connections (live partnerships between related places and "
                              "routes between the two places' own airports), nor in the partner's prominence.")
    rank = ranks.get(b) if ranks else None
    res = travel.resources(m, a, b)
    res_items, res_src = travel.sentences(res) if res else ([], [])
    # Prominence is not fit: the card shows it as its own figure, "capacity to engage", never as a fit reason.
    capacity = {"contribution": contrib.get("prominence", 0.0),
                "reasons": [r.text for r in REASONERS["prominence"](m, a, b)] if "prominence" in REASONERS else []}
    return {
        "capacity": capacity,
        "a": bundle.resolver.describe(a), "b": bundle.resolver.describe(b), "score": ex["score"],
        "contributions": contrib, "reasons": ex["reasons"], "reason_blocks": ex["reason_blocks"],
        "fit": ex["fit"], "prominence": ex["prominence"], "caveats": ex["caveats"],
        "weights": dict(weights), "weighting": weighting, "partnership": ex["partnership"],
        "overall_rank": rank, "n_candidates": len(ranks) if ranks else None, "resources": res,
        "sections": [
            {"title": "Location overview", "items": overview, "sources": sorted(set(ov_src))},
            {"title": "Strategic fit", "items": strategic, "sources": []},
            {"title": "Profile", "items": prof, "sources": sorted(set(prof_src))},
            {"title": "Due diligence considerations", "items": ex["caveats"], "sources": []},
            {"title": "Connections", "items": connections, "sources": []},
            {"title": "Resources and purpose", "items": purpose(bundle, a, b, ex, rank, len(ranks or {})) + res_items,
             "sources": list(dict.fromkeys(res_src))},
        ],
    }
