"""Locality profiles and the pair assessment card, in the six sections a council partner-city policy uses
(location overview, strategic fit, profile, due diligence, connections, resources and purpose)."""

from __future__ import annotations

import pandas as pd

from features.frame import FIGURES
from matcher.build import Bundle
from matcher.config import blocks
from matcher.explain import explain_pair

PURPOSE = {
    "industry": "industrial and trade collaboration in shared sectors",
    "scale": "a partnership between places of comparable standing",
    "education": "university and research collaboration",
    "student_links": "building on existing student and institutional flows",
    "priorities": "policy exchange on shared priorities",
    "connectivity": "using existing direct connections and diplomatic presence",
    "complementarity": "matching one side's strengths to the other's priorities",
}


def figures(bundle: Bundle, i: str) -> list[dict]:
    row = bundle.matcher.frame_.loc[i]
    out = []
    for f in [*FIGURES, "gdp_gbp_m"]:
        value = row.get(f)
        if value is None or pd.isna(value):
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
    ev = bundle.matcher.industry_evidence_
    if i not in ev.index.get_level_values(0):
        return []
    rows = ev.loc[i].reset_index().sort_values("strength", ascending=False)
    return [{"sector": r.sector, "strength": int(r.strength), "evidence": r.evidence, "source": r.source,
             "year": int(r.year)} for r in rows.itertuples()]


def priorities(bundle: Bundle, i: str) -> list[dict]:
    ev = bundle.matcher.priority_evidence_
    if i not in ev.index.get_level_values(0):
        return []
    return [{"tag": r.tag, "evidence": r.evidence, "source": r.source, "year": int(r.year)}
            for r in ev.loc[i].reset_index().itertuples()]


def partnerships(bundle: Bundle, i: str) -> list[dict]:
    p = bundle.matcher.partnerships_
    rows = p[(p["uk_id"] == i) | (p["cn_id"] == i)]
    out = []
    for r in rows.itertuples():
        other = r.cn_id if r.uk_id == i else r.uk_id
        out.append({"partner": bundle.resolver.describe(other), "kind": r.kind, "status": r.status,
                    "year_signed": None if pd.isna(r.year_signed) else int(r.year_signed), "source": r.source})
    return out


def profile(bundle: Bundle, i: str) -> dict:
    row = bundle.matcher.frame_.loc[i]
    parent = row["parent_id"] if isinstance(row["parent_id"], str) else None
    return {
        "locality": bundle.resolver.describe(i),
        "name_pinyin": row["name_pinyin"] if isinstance(row["name_pinyin"], str) else None,
        "parent": bundle.resolver.describe(parent) if parent and parent in bundle.matcher.frame_.index else None,
        "coordinates": None if pd.isna(row["lat"]) else {"lat": float(row["lat"]), "lon": float(row["lon"])},
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


def card(bundle: Bundle, a: str, b: str, weights: dict[str, float]) -> dict:
    m = bundle.matcher
    ex = explain_pair(m, a, b, weights)
    contrib = ex["contributions"]
    overview, ov_src = [], []
    for x in (a, b):
        d = bundle.resolver.describe(x)
        overview.append(f"{d['name']}{' ' + d['name_zh'] if d['name_zh'] else ''}: {d['level'].replace('_', ' ')} "
                        f"({d['country']}, {d['id']})")
        items, src = _fig_line(bundle, x)
        overview += items
        ov_src += src
    fit_blocks = ("industry", "priorities", "complementarity", "scale", "education")
    from matcher.explain import REASONERS

    strategic = [r for blk in fit_blocks if contrib[blk] > 0 for r in REASONERS[blk](m, a, b)]
    prof, prof_src = [], []
    for x in (a, b):
        for s in sectors(bundle, x)[:5]:
            prof.append(f"{bundle.resolver.describe(x)['name']}: {s['sector'].replace('_', ' ')} "
                        f"(strength {s['strength']}/3): {s['evidence']} ({s['year']})")
            prof_src.append(s["source"])
    connections = [r for blk in ("student_links", "connectivity") for r in REASONERS[blk](m, a, b)]
    if ex["partnership"]:
        p = ex["partnership"]
        connections.insert(0, f"Existing {p['kind'].replace('_', ' ')} ({p['year_signed'] or 'year unknown'}), "
                              f"status {p['status']}")
    top = sorted(contrib, key=lambda k: -contrib[k])[:2]
    labels = {blk.name: blk.label_en for blk in blocks()}
    purpose = [f"Suggested purpose: {PURPOSE[t]} ({labels[t]} contributes {contrib[t]:.3f} of {ex['score']:.3f})"
               for t in top if contrib[t] > 0]
    n_b = m.partner_counts_.get(b, 0)
    purpose.append(f"{bundle.resolver.describe(b)['name']} has {n_b} active partnership(s) with the other country")
    return {
        "a": bundle.resolver.describe(a), "b": bundle.resolver.describe(b), "score": ex["score"],
        "contributions": contrib, "reasons": ex["reasons"], "caveats": ex["caveats"],
        "sections": [
            {"title": "Location overview", "items": overview, "sources": sorted(set(ov_src))},
            {"title": "Strategic fit", "items": strategic, "sources": []},
            {"title": "Profile", "items": prof, "sources": sorted(set(prof_src))},
            {"title": "Due diligence considerations", "items": ex["caveats"], "sources": []},
            {"title": "Connections", "items": connections, "sources": []},
            {"title": "Resources and purpose", "items": purpose, "sources": []},
        ],
    }
