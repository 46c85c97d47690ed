"""Reasons and caveats for a pair, computed from the same features and similarities that made its score.

A reason is shown for a block only when it contributed, and says only what that block's features
support. Each reason carries the facts it rests on (`Reason.facts`), so tests can check every claim
against the features: "centre" only above the centre percentile, the tags that weigh most in the score,
the places a link really joins, "estimated" only where a figure was imputed, "active" only for active.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.artifact.model import AnswerModel
from matcher.config import block_names, check_weights
from matcher.model import kernel
from matcher.model.scale import ScaleAssessment, assess

STRENGTH_WORD = {3: "a defining", 2: "a major", 1: "a notable"}
CENTRE = 0.75        # education percentile (within country and tier) from which a place is a "centre"
STRONG = 2 / 3       # sector strength (major or defining) that can serve a partner's priority
MIN_SHOWN = 1e-3     # contributions below this are too small to be a reason
KIND_WORDS = {"sister_city": "sister-city agreement", "friendship": "friendship agreement",
              "economic_partnership": "economic partnership", "mou": "memorandum of understanding"}
GROUP_WORDS = {("GB", "city"): "UK councils", ("GB", "region"): "UK nations, regions and counties",
               ("CN", "city"): "Chinese prefecture-level cities", ("CN", "region"): "Chinese provinces",
               ("CN", "county"): "Chinese county-level cities and districts"}


@dataclass(frozen=True)
class Reason:
    block: str
    text: str
    facts: dict = field(default_factory=dict)


def _short(m: AnswerModel, i: str) -> str:
    return str(m.records_[i]["name"])


def _sector_label(m: AnswerModel, s: str) -> str:
    return str(m.sector_info_[s]["label_en"]).lower()


def _tag_label(m: AnswerModel, t: str) -> str:
    return str(m.tag_info_[t]["label_en"]).lower()


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _year(y) -> str:
    return "" if y is None else f" ({int(y)})"


def _pair_key(m: AnswerModel, a: str, b: str) -> tuple[str, str]:
    return (a, b) if m.country_of(a) == "GB" else (b, a)


def _evidence(m: AnswerModel, i: str, sector: str) -> str | None:
    row = m.industry_evidence_map_.get((i, sector))
    return None if row is None else str(row["evidence"])


def _parent_name(m: AnswerModel, i: str) -> str | None:
    p = m.records_[i]["parent_id"]
    return _short(m, p) if isinstance(p, str) and p in m.records_ else None


def scored_sectors(m: AnswerModel, sensitive: bool) -> set[str]:
    return _memo(m, ("scored_sectors", sensitive), lambda: {
        c.removeprefix("industry__") for c in (m.industry_cols_all_ if sensitive else m.industry_cols_)})


# What a pair's reasons and caveats say depends on the pair alone, never on the weights (those only decide
# which blocks are shown, and in what order): an analyst moving sliders asks for the same pairs again and
# again, so each is worked out once per model. Bounded: the memo starts afresh past MEMO_LIMIT entries.
MEMO_LIMIT = 200_000


def _memo(m: AnswerModel, key: tuple, compute):
    cache = m.__dict__.get("_explain_memo")
    if cache is None or len(cache) >= MEMO_LIMIT:
        cache = m.__dict__["_explain_memo"] = {}
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = compute()
    return hit


# ---- one function per block -------------------------------------------------------------------------
def industry_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    sa, sb = m.sectors_of_[a], m.sectors_of_[b]
    allowed = scored_sectors(m, sensitive)
    # Order by each sector's share of the cosine (product of the two IDF-weighted strengths), as the score
    # weighs them: a shared rare sector before a shared common one.
    idf = m.sector_idf_
    shared = sorted(((sa[s] * sb[s] * idf[s] ** 2, s) for s in sa.keys() & sb.keys() if s in allowed), reverse=True)
    out = []
    for _, s in shared[:3]:
        level = min(sa[s], sb[s])
        word = STRENGTH_WORD[int(round(level * 3))] if all(m.feature_rows_[x]["industry__imputed"] == 0
                                                           for x in (a, b)) else "an"
        ev = [f"{_short(m, x)}: {e}" for x in (a, b) if (e := _evidence(m, x, s))]
        inherited = [x for x in (a, b) if m.feature_rows_[x]["industry__imputed"] == 1]
        via = "".join(f" [inferred for {_short(m, x)} from {_parent_name(m, x) or 'its parent area'}]"
                      for x in inherited)
        note = f" ({'; '.join(ev)})" if ev else ""
        out.append(Reason("industry", f"Both have {_sector_label(m, s)} as {word} industry{note}{via}",
                          {"sector": s, "strength": {a: sa[s], b: sb[s]}, "inherited": inherited}))
    return out


def scale_assessment(m: AnswerModel, a: str, b: str) -> ScaleAssessment:
    gb, cn = _pair_key(m, a, b)
    fg, fc = m.feature_rows_[gb], m.feature_rows_[cn]
    return assess(m.scale_params_, fg["scale__log_population"], fc["scale__log_population"],
                  int(fg["scale__tier"]), int(fc["scale__tier"]), _short(m, gb), _short(m, cn))


def scale_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    s = scale_assessment(m, a, b)
    return [Reason("scale", s.reason, {"kernel": s.kernel, "ratio": s.ratio, "typical": s.typical_ratio})] \
        if s.reason else []


def _education_gap(m: AnswerModel, x: str, group: str) -> str:
    """How a missing education figure was scored (features.blocks.EducationBlock says why)."""
    if m.feature_rows_[x]["education__strength"] == 0:
        return "counted as none (no institution recorded in the lists used)"
    return f"counted at the median of {group}"


def _education_phrase(m: AnswerModel, x: str) -> str:
    row, f = m.records_[x], m.feature_rows_[x]
    group = GROUP_WORDS.get((row["country"], row["tier"]), "places of its kind")
    if f["education__imputed"]:
        return f"{_short(m, x)}: no sourced figure, {_education_gap(m, x, group)}"
    bits = []
    if row["hei_count"] is not None:
        bits.append(_plural(int(row["hei_count"]), "higher-education institution") + _year(row["hei_count__year"]))
    if row["students_from_china"] is not None:
        bits.append(f"{int(row['students_from_china']):,} students from China"
                    + _year(row["students_from_china__year"]))
    pct = f["education__strength"]
    rank = "in the top quarter" if pct >= CENTRE else "above the median" if pct > 0.5 else "below the median"
    return f"{_short(m, x)}: {', '.join(bits) or 'sourced student figures'}, {rank} of {group}"


def education_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    strong = [x for x in (a, b) if m.feature_rows_[x]["education__imputed"] == 0
              and m.feature_rows_[x]["education__strength"] >= CENTRE]
    facts = {"centres": strong, "strength": {x: m.feature_rows_[x]["education__strength"] for x in (a, b)}}
    detail = "; ".join(_education_phrase(m, x) for x in (a, b))
    if len(strong) == 2:
        return [Reason("education", f"Both are higher-education centres ({detail})", facts)]
    return [Reason("education", f"Universities: {detail}", facts)]


def student_link_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    link = m.pairs_.edu_note.get(_pair_key(m, a, b))
    if link is None:
        return []
    facts = {"uk_id": link.uk_id, "cn_id": link.cn_id, "direct": link.direct}
    if link.direct:
        return [Reason("student_links", f"Institutional link: {link.text}", facts)]
    return [Reason("student_links", f"Institutional link through related places: {link.text}, which joins "
                   f"{_short(m, link.uk_id)} and {_short(m, link.cn_id)} (counted at reduced weight)", facts)]


def priority_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    idf = dict(zip((c.removeprefix("priorities__") for c in m.tag_cols_), m.tag_idf_, strict=True))
    shared = sorted((t for t in m.tags_of_[a] if t in m.tags_of_[b]), key=lambda t: (-idf[t], t))
    out = []
    for t in shared[:3]:
        ev = []
        for x in (a, b):
            if (row := m.priority_evidence_map_.get((x, t))) is not None:
                ev.append(f"{_short(m, x)}: {row['evidence']}")
        out.append(Reason("priorities", f"Both list {_tag_label(m, t)} as a priority"
                          + (f" ({'; '.join(ev)})" if ev else ""), {"tag": t, "idf": idf[t]}))
    return out


def _mission_phrase(m: AnswerModel, x: str) -> str | None:
    host = m.pairs_.mission_host.get(x)
    if host is None:
        return None
    sender = "Chinese" if m.country_of(x) == "GB" else "British"
    if host == x:
        return f"{sender} diplomatic mission in {_short(m, x)}"
    if host in m.ancestors_[x]:
        return f"{sender} diplomatic mission in {_short(m, host)}, which includes {_short(m, x)}"
    return f"{sender} diplomatic mission in {_short(m, host)}, part of {_short(m, x)}"


def connectivity_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    key = _pair_key(m, a, b)
    out = []
    if (note := m.pairs_.flight_note.get(key)):
        out.append(Reason("connectivity", f"Direct flight: {note}", {"part": "flight"}))
    if (tie := m.pairs_.ties_note.get(key)):
        out.append(Reason("connectivity", f"Related places are already partnered: {_short(m, tie[0])} – "
                          f"{_short(m, tie[1])} ({KIND_WORDS.get(tie[2], tie[2])})",
                          {"part": "ties", "uk_id": tie[0], "cn_id": tie[1]}))
    phrases = [p for x in (a, b) if (p := _mission_phrase(m, x))]
    if phrases:
        out.append(Reason("connectivity", "Diplomatic presence: " + "; ".join(phrases),
                          {"part": "mission", "hosts": {x: m.pairs_.mission_host.get(x) for x in (a, b)}}))
    return out


def complementarity_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    allowed = scored_sectors(m, sensitive)
    idf = dict(zip((c.removeprefix("priorities__") for c in m.tag_cols_), m.tag_idf_, strict=True))
    out = []
    for x, y in ((a, b), (b, a)):
        for t in sorted(m.tags_of_[y], key=lambda t: (-idf[t], t)):
            strong = [s for s in m.related_.get(t, []) if s in allowed and m.sectors_of_[x].get(s, 0) >= STRONG]
            if strong:
                labels = _join([_sector_label(m, s) for s in strong[:2]])
                noun = "industry" if len(strong[:2]) == 1 else "industries"
                out.append(Reason("complementarity", f"{_short(m, x)}'s {labels} {noun} can serve "
                                  f"{_short(m, y)}'s {_tag_label(m, t)} priority",
                                  {"strong": x, "needs": y, "tag": t, "sectors": strong[:2]}))
                break
    return out


def _mission_words(m: AnswerModel, x: str) -> str:
    """The mission the prior counts: the place's own, or one in the area containing it (or a part of it)."""
    host = m.pairs_.mission_host.get(x)
    if host is None or host == x:
        return "a diplomatic mission of the other country"
    where = "the wider area" if host in m.ancestors_[x] else "a part of it"
    return f"a diplomatic mission of the other country in {where} ({_short(m, host)})"


PROMINENCE_WORDS = {
    "capital": lambda m, x: "a provincial capital",
    "log_population": lambda m, x:
        f"a large population ({10 ** m.feature_rows_[x]['scale__log_population'] / 1e6:.1f} million)",
    "log_gdp": lambda m, x: "a large economy",
    "education": lambda m, x: "strong universities",
    "hosts_mission": lambda m, x: _mission_words(m, x),
    "direct_flight": lambda m, x: "a direct flight to the other country",
    "partners_held": lambda m, x:
        f"{_plural(int(m.n_partners_.get(x, 0)), 'partnership')} with the other country already",
    "region_level": lambda m, x: "region-level standing",
}


def prominence_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    """Why the candidate draws partners whatever its fit: the attributes that raise its prior most."""
    cand = b
    prior = m.priors_.get(m.country_of(cand))
    if prior is None:
        return []
    attrs = m.attributes(m.country_of(cand))[m.pos_[m.country_of(cand)][cand]]
    parts, z = prior.contributions(attrs), prior.standardised(attrs)
    # Only what the place has (above the average candidate) and what raises the prior: being *not* a
    # region-level body may raise it too, but "region-level standing" would then be untrue.
    top = [k for k, v in sorted(parts.items(), key=lambda kv: -kv[1])
           if v > 0.05 and z[k] > 0 and k in PROMINENCE_WORDS][:3]
    if not top:
        return []
    words = _join([PROMINENCE_WORDS[k](m, cand) for k in top])
    return [Reason("prominence", f"Prominence, not fit: {_short(m, cand)} draws UK–China partnerships ({words})",
                   {"attributes": top, "contributions": {k: parts[k] for k in top}, "z": {k: z[k] for k in top}})]


REASONERS = {
    "industry": industry_reasons, "scale": scale_reasons, "education": education_reasons,
    "student_links": student_link_reasons, "priorities": priority_reasons,
    "connectivity": connectivity_reasons, "complementarity": complementarity_reasons,
    "prominence": prominence_reasons,
}


def reason_objects(m: AnswerModel, a: str, b: str, contributions: dict[str, float],
                   sensitive: bool = False) -> list[Reason]:
    """Reasons for every block that contributed, biggest contribution first (fit before prominence on ties)."""
    out: list[Reason] = []
    for block in sorted(contributions, key=lambda k: -contributions[k]):
        if contributions[block] > MIN_SHOWN:
            out.extend(_memo(m, (block, a, b, sensitive), lambda blk=block: tuple(REASONERS[blk](m, a, b, sensitive))))
    return out


def reasons(m: AnswerModel, a: str, b: str, contributions: dict[str, float], sensitive: bool = False) -> list[str]:
    return [r.text for r in reason_objects(m, a, b, contributions, sensitive)]


# ---- caveats ----------------------------------------------------------------------------------------
def _estimates(m: AnswerModel, x: str) -> list[str]:
    f, row = m.feature_rows_[x], m.records_[x]
    group = GROUP_WORDS.get((row["country"], row["tier"]), "places of its kind")
    out = []
    if f["scale__population_imputed"]:
        out.append(f"no sourced population for {_short(m, x)}: scored at the median of {group}")
    elif row.get("population__estimate", 0) == 1:
        out.append(f"the population of {_short(m, x)} is an estimate (see the data notes)")
    if f["industry__imputed"]:
        parent = _parent_name(m, x)
        has_parent_mix = bool(m.sectors_of_.get(x))
        out.append(f"no sourced industry mix for {_short(m, x)}: borrowed from {parent}, counted at "
                   f"{f['industry__confidence']:.0%} weight"
                   if has_parent_mix and parent else f"no sourced industry mix for {_short(m, x)}: "
                   "industry blocks score 0 for it")
    if f["education__imputed"]:
        out.append(f"no sourced higher-education figure for {_short(m, x)}: {_education_gap(m, x, group)}")
    return out


def caveats(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[str]:
    """What a committee should know before acting on the pair (the query's own caveats: query_caveats)."""
    return list(_memo(m, ("caveats", a, b, sensitive), lambda: tuple(_caveats(m, a, b, sensitive))))


def _caveats(m: AnswerModel, a: str, b: str, sensitive: bool) -> list[str]:
    out: list[str] = []
    if (p := m.partnership(a, b)):
        since = f", signed {p['year_signed']}" if p["year_signed"] else ""
        status = {"active": "active", "dormant": "dormant", "terminated": "ended", "relinquished": "relinquished",
                  "expired": "expired", "lapsed": "lapsed", "unknown": "status not known"}[p["status"]]
        out.append(f"Already partnered: {KIND_WORDS.get(p['kind'], p['kind'])}{since} ({status})")
    n, unknown = m.partner_counts_.get(b, 0), m.partner_counts_unknown_.get(b, 0)
    if n >= m.saturation_at:
        more = f", and {unknown} more of unknown status" if unknown else ""
        out.append(f"{_short(m, b)} already has {n} active partnerships with the other country{more}: "
                   "expect competition for its attention")
    s = scale_assessment(m, a, b)
    if s.caveat:
        out.append(s.caveat)
    # Per pair, only the core areas (defence, military/dual-use, space, computing, AI, communications): the
    # query's wider list (transport, energy, materials, robotics) is said once per answer (query_caveats).
    core = set(m.core_sensitive_)
    shared = [(sec, area) for sec, area in m.sensitive_sectors_[b]
              if sec in dict(m.sensitive_sectors_[a]) and sec in core]
    if shared:
        items = _join([f"{_sector_label(m, sec)} ({area})" for sec, area in shared[:3]])
        out.append(f"Due diligence: both places have {items} industry, in the National Security and "
                   "Investment Act's sensitive areas; take advice before cooperating in these sectors"
                   + ("" if sensitive else "; they are left out of the fit score"))
    own = [(sec, area) for sec, area in m.sensitive_sectors_[b]
           if sec not in dict(m.sensitive_sectors_[a]) and sec in core]
    if own:
        out.append(f"Due diligence: {_short(m, b)} has major {_join([_sector_label(m, s) for s, _ in own[:3]])} "
                   "industry, in the National Security and Investment Act's sensitive areas")
    est = _estimates(m, b)
    if est:
        out.append("Data gap: " + "; ".join(est))
    return out


def query_caveats(m: AnswerModel, q: str) -> list[str]:
    """Said once per answer, not on every result: the query's own sensitive sectors and data gaps."""
    out = []
    if m.sensitive_sectors_[q]:
        items = _join([f"{_sector_label(m, s)} ({area})" for s, area in m.sensitive_sectors_[q][:4]])
        out.append(f"{_short(m, q)} has major industry in the National Security and Investment Act's sensitive "
                   f"areas: {items}. Shared interests there need due diligence; the core areas (defence, "
                   "aerospace, electronics, digital) do not raise fit scores unless included on purpose")
    est = _estimates(m, q)
    if est:
        out.append("Data gap: " + "; ".join(est))
    return out


def explain_pair(m: AnswerModel, a: str, b: str, weights: dict[str, float] | None = None,
                 sensitive: bool = False) -> dict:
    """Score, contributions, reasons and caveats for any GB–CN pair, ranked or not."""
    sims, _ = m.similarities(a, sensitive)
    col = m.pos_[m.other(a)][b]
    at_b = {blk: sims[blk][col] for blk in block_names()}
    w = check_weights(weights or {})
    by_block = dict(zip(w, kernel.contributions(at_b, w).tolist(), strict=True))
    contrib = {blk: by_block[blk] for blk in block_names()}
    return {
        "score": float(np.sum(list(contrib.values()))),
        "contributions": contrib,
        "similarities": {blk: float(v) for blk, v in at_b.items()},
        "reasons": reasons(m, a, b, contrib, sensitive),
        "caveats": caveats(m, a, b, sensitive),
        "partnership": m.partnership(a, b),
    }
