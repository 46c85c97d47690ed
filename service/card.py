"""Locality profiles and the pair assessment card, in the six sections a council partner-city policy uses
(location overview, strategic fit, profile, due diligence, connections, resources and purpose)."""

from __future__ import annotations

from matcher.answers import resources as travel
from matcher.answers.explain import REASONERS, caveat_messages, explain_pair, scale_assessment
from matcher.answers.labels import kind_label, level_label
from matcher.artifact.store import Bundle
from matcher.config import blocks
from matcher.i18n import DEFAULT, Local, Quote, msg, render, table

# What a block suggests the partnership could be for (catalog table `purpose`). Scale is not a purpose: it says
# whether the sizes fit, and the card says that separately, from the figures.
PURPOSE = table("purpose")


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


def _sector_item(sector: str, r: dict) -> dict:
    return {"sector": sector, "strength": int(r["strength"]), "evidence": r["evidence"], "source": r["source"],
            "year": int(r["year"])}


def sectors(bundle: Bundle, i: str) -> list[dict]:
    """The place's sourced sectors, strongest first (table order among equals)."""
    rows = [(s, r) for (x, s), r in bundle.model.industry_evidence_map_.items() if x == i]
    rows.sort(key=lambda sr: -sr[1]["strength"])
    return [_sector_item(s, r) for s, r in rows]


def sectors_history(bundle: Bundle, i: str) -> list[dict]:
    """The place's sector evidence dated before INDUSTRY_CURRENT_FROM and not re-confirmed: history, not fitted."""
    rows = [r for r in bundle.model.historic_industry_ if r["id"] == i]
    rows.sort(key=lambda r: (-int(r["year"]), -int(r["strength"])))
    return [_sector_item(r["sector"], r) for r in rows]


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
        "figures": figures(bundle, i), "sectors": sectors(bundle, i), "sectors_history": sectors_history(bundle, i),
        "priorities": priorities(bundle, i),
        "partnerships": partnerships(bundle, i),
    }


def _name(d: dict) -> Local:
    return Local(str(d["name"]), d.get("name_zh") or None)


def _fig_line(bundle: Bundle, i: str, lang: str = DEFAULT, markup: bool = False) -> tuple[list[str], list[str]]:
    items, sources = [], []
    who = bundle.resolver.describe(i)
    # UK output is GVA in pounds, Chinese output GDP in yuan (data/README.md: definitions that differ).
    label = {"population": "card.population", "gdp_local_m": f"card.gdp_local_{who['country']}",
             "gdp_gbp_m": "card.gdp_gbp"}
    for f in figures(bundle, i):
        if f["indicator"] in label:
            est = msg("card.converted") if f["indicator"] == "gdp_gbp_m" else msg("card.estimate") if f["estimate"] \
                else ""
            items.append(render(msg("card.figure", place=_name(who), label=msg(label[f["indicator"]]),
                                    value=f["value"], year=f["year"], estimate=est), lang, markup))
            sources.append(str(f["source"]))
    return items, sources


CLEAR_PURPOSE = 0.25  # a block's similarity from which it suggests a purpose


def purpose(bundle: Bundle, a: str, b: str, ex: dict, rank: int | None, n: int, lang: str = DEFAULT,
            markup: bool = False) -> list[str]:
    """Resources and purpose: what the data suggest the partnership could be for, and whether the sizes and
    the overall standing support it. Never 'comparable standing' for a pair the figures call a stretch."""
    contrib, sims, score = ex["contributions"], ex["similarities"], ex["score"]
    labels = {blk.name: Local(blk.label_en, blk.label_zh) for blk in blocks()}
    name_a, name_b = (_name(bundle.resolver.describe(x)) for x in (a, b))
    out = []
    where = msg("card.ranked", rank=rank, n=n, place=name_a) if rank else msg("card.unranked", place=name_a)
    out.append(msg("card.overall", score=score, where=where))
    useful = [t for t in sorted(PURPOSE, key=lambda k: -contrib.get(k, 0.0))
              if contrib.get(t, 0.0) > 0 and sims.get(t, 0.0) >= CLEAR_PURPOSE][:2]
    for t in useful:
        out.append(msg("card.suggested", purpose=msg(f"purpose.{t}"), block=labels[t], part=contrib[t], score=score))
    if not useful:
        out.append(msg("card.no_purpose", threshold=CLEAR_PURPOSE))
    # The scale sentence comes from the same assessment as the scale block, its reason and its caveat.
    s = scale_assessment(bundle.model, a, b)
    if s.reason_msg and s.same_tier:  # across tiers the sizes are a reason but the tiers a caveat: not "usual"
        out.append(msg("card.sizes_usual", size=s.size_msg, usual=s.usual_msg))
    elif s.caveat_msg:
        out.append(msg("card.sizes_stretch", caveat=s.caveat_msg))
    else:
        out.append(msg("card.sizes_neither", similarity=sims.get("scale", 0.0)))
    n_b = bundle.model.partner_counts_.get(b, 0)
    out.append(msg("card.partners_one" if n_b == 1 else "card.partners_many", place=name_b, n=n_b))
    return [render(x, lang, markup) for x in out]


def card(bundle: Bundle, a: str, b: str, weights: dict[str, float], weighting: str | None = None,
         ranks: dict[str, int] | None = None, lang: str = DEFAULT, markup: bool = False) -> dict:
    """The six-section card for a pair under `weights` (the list's weights, so the card's score is the list's);
    `weighting` names them for the reader, `ranks` (a's overall ranking) places b in it. Its words are in `lang`;
    with `markup` the sections' items are HTML (quoted evidence marked with its language), for the page."""
    m = bundle.model
    ex = explain_pair(m, a, b, weights, lang=lang)
    contrib = ex["contributions"]
    overview, ov_src = [], []
    for x in (a, b):
        d = bundle.resolver.describe(x)
        overview.append(render(msg("card.place", name=Quote(d["name"]), name_zh=f" {d['name_zh']}" if d["name_zh"]
                                   else "", level=level_label(d["level"], lang), country=d["country"], id=d["id"]),
                               lang, markup))
        items, src = _fig_line(bundle, x, lang, markup)
        overview += items
        ov_src += src
    fit_blocks = ("industry", "priorities", "complementarity", "scale", "education")
    strategic = [r.render(lang, markup) for blk in fit_blocks if contrib[blk] > 0 for r in REASONERS[blk](m, a, b)]
    prof, prof_src = [], []
    for x in (a, b):
        for s in sectors(bundle, x)[:5]:
            info = m.sector_info_.get(s["sector"], {})
            label = Local(str(info.get("label_en", s["sector"].replace("_", " "))).lower(), info.get("label_zh"))
            prof.append(render(msg("card.sector", place=_name(bundle.resolver.describe(x)), sector=label,
                                   strength=s["strength"], evidence=Quote(str(s["evidence"])), year=s["year"]),
                               lang, markup))
            prof_src.append(s["source"])
    connections = [r.render(lang, markup) for blk in ("student_links", "connectivity") for r in REASONERS[blk](m, a, b)]
    if ex["partnership"]:
        p = ex["partnership"]
        year = msg("card.year", year=p["year_signed"]) if p["year_signed"] else msg("card.year_unknown")
        connections.insert(0, render(msg("card.existing", kind=kind_label(p["kind"], lang), year=year,
                                         status=Local(str(p["status"]), table("status", "zh").get(str(p["status"])))),
                                     lang, markup))
    rank = ranks.get(b) if ranks else None
    res = travel.resources(m, a, b, lang)
    shown = travel.resources(m, a, b, lang, markup=True) if markup else res
    res_items, res_src = travel.sentences(shown, lang, markup) if shown else ([], [])
    due = [render(c, lang, markup) for c in caveat_messages(m, a, b)] if markup else ex["caveats"]
    # Prominence is not fit: the card shows it as its own figure, "capacity to engage", never as a fit reason.
    capacity = {"contribution": contrib.get("prominence", 0.0),
                "reasons": [r.render(lang, markup) for r in REASONERS["prominence"](m, a, b)]}

    def title(key: str) -> str:
        return render(msg(f"card.title_{key}"), lang)

    return {
        "capacity": capacity, "markup": markup,
        "a": bundle.resolver.describe(a), "b": bundle.resolver.describe(b), "score": ex["score"],
        "scored_without_partnership": ex["scored_without_partnership"],
        "contributions": contrib, "reasons": ex["reasons"], "reason_blocks": ex["reason_blocks"],
        "fit": ex["fit"], "prominence": ex["prominence"], "caveats": ex["caveats"],
        "weights": dict(weights), "weighting": weighting, "partnership": ex["partnership"],
        "overall_rank": rank, "n_candidates": len(ranks) if ranks else None, "resources": res,
        "sections": [
            {"title": title("overview"), "items": overview, "sources": sorted(set(ov_src))},
            {"title": title("strategic"), "items": strategic, "sources": []},
            {"title": title("profile"), "items": prof, "sources": sorted(set(prof_src))},
            {"title": title("due_diligence"), "items": due, "sources": []},
            {"title": title("connections"), "items": connections, "sources": []},
            {"title": title("resources"),
             "items": purpose(bundle, a, b, ex, rank, len(ranks or {}), lang, markup) + res_items,
             "sources": list(dict.fromkeys(res_src))},
        ],
    }
