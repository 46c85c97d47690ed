"""Reasons and caveats for a pair, computed from the same features and similarities that made its score.

A reason is shown for every block that contributed; each names the figures or facts behind it and,
where the data has it, the evidence (employer, programme) and source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.config import block_names
from matcher.estimator import PartnerMatcher

STRENGTH_WORD = {3: "a defining", 2: "a major", 1: "a notable"}
LARGE_GAP = 15.0  # population ratio beyond which a scale gap is worth a caveat


def _name(m: PartnerMatcher, i: str) -> str:
    row = m.records_[i]
    return f"{row['name']} ({row['name_zh']})" if isinstance(row["name_zh"], str) else str(row["name"])


def _short(m: PartnerMatcher, i: str) -> str:
    return str(m.records_[i]["name"])


def _millions(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x < 1e7 else f"{x / 1e6:.1f}M"


def _sector_label(m: PartnerMatcher, s: str) -> str:
    return str(m.sector_info_[s]["label_en"]).lower()


def _evidence(m: PartnerMatcher, i: str, sector: str) -> str | None:
    row = m.industry_evidence_map_.get((i, sector))
    return None if row is None else str(row["evidence"])


def industry_reasons(m: PartnerMatcher, a: str, b: str) -> list[str]:
    sa, sb = m.sectors_of_[a], m.sectors_of_[b]
    shared = [(min(sa[s], sb[s]), s) for s in sa.keys() & sb.keys()]
    out = []
    for level, s in sorted(shared, reverse=True)[:3]:
        word = STRENGTH_WORD.get(round(level * 3), "an")
        ev = [f"{_short(m, x)}: {e}" for x in (a, b) if (e := _evidence(m, x, s))]
        inherited = [_short(m, x) for x in (a, b) if m.feature_rows_[x]["industry__imputed"] == 1]
        note = f" ({'; '.join(ev)})" if ev else ""
        via = f" [inferred for {', '.join(inherited)} from its parent area]" if inherited else ""
        out.append(f"Both have {_sector_label(m, s)} as {word} industry{note}{via}")
    return out


def scale_reasons(m: PartnerMatcher, a: str, b: str) -> list[str]:
    pa_, pb = (10 ** m.feature_rows_[x]["scale__log_population"] for x in (a, b))
    gb, cn = (a, b) if m.country_of(a) == "GB" else (b, a)
    ratio = 10 ** (m.feature_rows_[cn]["scale__log_population"] - m.feature_rows_[gb]["scale__log_population"])
    tier = (m.feature_rows_[gb]["scale__tier"], m.feature_rows_[cn]["scale__tier"])
    typical = 10 ** m.scale_params_.mu.get(tier, m.scale_params_.mu_default)
    est = [_short(m, x) for x in (a, b) if m.feature_rows_[x]["scale__population_imputed"] == 1]
    tail = f"; estimated for {', '.join(est)}" if est else ""
    text = (f"Population {_millions(pa_)} ({_short(m, a)}) vs {_millions(pb)} ({_short(m, b)}): "
            f"{_short(m, cn)} is {ratio:.1f}x {_short(m, gb)}; real partner pairs of this kind are typically "
            f"{typical:.1f}x{tail}")
    out = [text]
    if tier[0] != tier[1]:
        out.append("Different tiers: one is a region-level body, the other a city")
    return out


def education_reasons(m: PartnerMatcher, a: str, b: str) -> list[str]:
    parts = []
    for x in (a, b):
        row = m.records_[x]
        bits = []
        if pd.notna(row["hei_count"]):
            bits.append(f"{int(row['hei_count'])} higher-education institutions ({int(row['hei_count__year'])})")
        if pd.notna(row["students_he"]):
            bits.append(f"{int(row['students_he']):,} students ({int(row['students_he__year'])})")
        if pd.notna(row["students_from_china"]):
            bits.append(f"{int(row['students_from_china']):,} China-domiciled students "
                        f"({int(row['students_from_china__year'])})")
        if bits:
            parts.append(f"{_short(m, x)}: {', '.join(bits)}")
    return ["Both are higher-education centres" + (f" ({'; '.join(parts)})" if parts else "")]


def _pair_key(m: PartnerMatcher, a: str, b: str) -> tuple[str, str]:
    return (a, b) if m.country_of(a) == "GB" else (b, a)


def _pair_value(m: PartnerMatcher, matrix: np.ndarray, a: str, b: str) -> float:
    g, c = _pair_key(m, a, b)
    return float(matrix[m.pos_["GB"][g], m.pos_["CN"][c]])


def student_link_reasons(m: PartnerMatcher, a: str, b: str) -> list[str]:
    key = _pair_key(m, a, b)
    note = m.pairs_.edu_note.get(key)
    return [f"Institutional link: {note}"] if note else []


def priority_reasons(m: PartnerMatcher, a: str, b: str) -> list[str]:
    shared = [t for t in m.tags_of_[a] if t in m.tags_of_[b]]
    out = []
    for t in shared[:3]:
        ev = []
        for x in (a, b):
            if (row := m.priority_evidence_map_.get((x, t))) is not None:
                ev.append(f"{_short(m, x)}: {row['evidence']} ({int(row['year'])})")
        out.append(f"Both list {str(m.tag_info_[t]['label_en']).lower()} as a priority"
                   + (f" ({'; '.join(ev)})" if ev else ""))
    return out


def connectivity_reasons(m: PartnerMatcher, a: str, b: str) -> list[str]:
    key = _pair_key(m, a, b)
    out = []
    if (note := m.pairs_.flight_note.get(key)):
        out.append(f"Direct flight: {note}")
    if (tie := m.pairs_.ties_note.get(key)):
        out.append(f"Related places are already partnered: {_short(m, tie[0])} – {_short(m, tie[1])} "
                   f"({tie[2].replace('_', ' ')})")
    if _pair_value(m, m.pairs_.mission, a, b) > 0:
        hosts = [_short(m, x) for x in (a, b)
                 if m.feature_rows_[x]["connectivity__hosts_mission"] > 0]
        where = f" in {', '.join(hosts)}" if hosts else " in a parent or neighbouring area"
        out.append(f"Diplomatic presence of the other country{where}")
    return out


def complementarity_reasons(m: PartnerMatcher, a: str, b: str) -> list[str]:
    out = []
    for x, y in ((a, b), (b, a)):
        for t in m.tags_of_[y]:
            strong = [s for s in m.related_.get(t, []) if s in m.sectors_of_[x]]
            if strong:
                labels = ", ".join(_sector_label(m, s) for s in strong[:2])
                out.append(f"{_short(m, x)}'s strength in {labels} serves {_short(m, y)}'s "
                           f"{str(m.tag_info_[t]['label_en']).lower()} priority")
                break
    return out


REASONERS = {
    "industry": industry_reasons, "scale": scale_reasons, "education": education_reasons,
    "student_links": student_link_reasons, "priorities": priority_reasons,
    "connectivity": connectivity_reasons, "complementarity": complementarity_reasons,
}


def reasons(m: PartnerMatcher, a: str, b: str, contributions: dict[str, float]) -> list[str]:
    """Sentences for every block that contributed, biggest contribution first."""
    out: list[str] = []
    for block in sorted(contributions, key=lambda k: -contributions[k]):
        if contributions[block] > 1e-12:
            out.extend(REASONERS[block](m, a, b))
    return out


def caveats(m: PartnerMatcher, a: str, b: str) -> list[str]:
    out: list[str] = []
    if (p := m.partnership(a, b)):
        since = f" since {p['year_signed']}" if p["year_signed"] else ""
        out.append(f"Already partnered: {p['kind'].replace('_', ' ')}{since} (status: {p['status']})")
    n = m.partner_counts_.get(b, 0)
    if n >= m.saturation_at:
        out.append(f"{_short(m, b)} already has {n} active partnerships with the other country: "
                   "expect competition for its attention")
    gb, cn = _pair_key(m, a, b)
    ratio = 10 ** (m.feature_rows_[cn]["scale__log_population"] - m.feature_rows_[gb]["scale__log_population"])
    if ratio > LARGE_GAP or ratio < 1 / LARGE_GAP:
        out.append(f"Large scale gap: {_short(m, cn)} has {ratio:.0f}x the population of {_short(m, gb)}"
                   if ratio > 1 else f"Large scale gap: {_short(m, gb)} has {1 / ratio:.0f}x the population of "
                   f"{_short(m, cn)}")
    sensitive = list(dict.fromkeys(m.sensitive_sectors_[a] + m.sensitive_sectors_[b]))
    if sensitive:
        items = "; ".join(f"{_sector_label(m, s)} ({area})" for s, area in sensitive[:4])
        out.append(f"Due diligence: sectors in the National Security and Investment Act's sensitive areas: {items}")
    for x in (a, b):
        est = []
        f = m.feature_rows_[x]
        if f["scale__population_imputed"]:
            est.append("population")
        if f["industry__imputed"]:
            est.append("industry mix")
        if f["education__imputed"]:
            est.append("higher education")
        if est:
            out.append(f"Estimated for {_short(m, x)} (no sourced figure): {', '.join(est)}")
    return out


def explain_pair(m: PartnerMatcher, a: str, b: str, weights: dict[str, float] | None = None) -> dict:
    """Score, contributions, reasons and caveats for any GB–CN pair, ranked or not."""
    sims = m.block_similarities(a)
    row = m.contributions(sims, weights).loc[b]
    contrib = {blk: float(row[blk]) for blk in block_names()}
    return {
        "score": float(sum(contrib.values())),
        "contributions": contrib,
        "similarities": {blk: float(v) for blk, v in sims.loc[b].items()},
        "reasons": reasons(m, a, b, contrib),
        "caveats": caveats(m, a, b),
        "partnership": m.partnership(a, b),
    }


