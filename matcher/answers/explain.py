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
from matcher.model.ranker import PRIOR_FEATURES
from matcher.model.scale import ScaleAssessment, assess

STRENGTH_WORD = {3: "a defining", 2: "a major", 1: "a notable"}
CENTRE = 0.75        # education percentile (within country and tier) from which a place is a "centre"
STRONG = 2 / 3       # sector strength (major or defining) that can serve a partner's priority
# A block is a reason when its contribution is at least this share of what the pair's positive contributions add
# up to. Relative, because the reciprocity factor scales every block of a pair alike: a pair far down the other
# side's list has small contributions, but which blocks carry it does not change.
MIN_SHARE = 0.02


def shown_blocks(contributions: dict[str, float]) -> set[str]:
    """The blocks whose contribution is large enough to be a reason (MIN_SHARE of the positive total)."""
    positive = sum(v for v in contributions.values() if v > 0)
    return {b for b, v in contributions.items() if v > 0 and v >= MIN_SHARE * positive}
STATUS_WORDS = {"active": "active", "unknown": "status not known", "dormant": "dormant",
                "terminated": "ended", "relinquished": "relinquished", "expired": "expired", "lapsed": "lapsed"}
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


def education_ranks(m: AnswerModel) -> dict[str, tuple[int, int]]:
    """Each place with a sourced education figure: (its rank, the number ranked) by education strength among
    the places of its country and tier that have one. A phrase about a rank is a rank in exactly this group."""
    def compute():
        groups: dict[tuple, list[tuple[float, str]]] = {}
        for i, f in m.feature_rows_.items():
            if not f["education__imputed"]:
                row = m.records_[i]
                groups.setdefault((row["country"], row["tier"]), []).append((f["education__strength"], i))
        out = {}
        for members in groups.values():
            members.sort(key=lambda t: (-t[0], t[1]))
            first: dict[float, int] = {}
            for n, (value, i) in enumerate(members):
                # Places with the same strength share the best rank among them.
                out[i] = (first.setdefault(value, n) + 1, len(members))
        return out
    return _memo(m, ("education_ranks",), compute)


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
    if row.get("born_in_china") is not None:
        census = _year(row["born_in_china__year"])
        bits.append(f"{int(row['born_in_china']):,} residents born in China (census{census}, students counted at "
                    "term-time address)")
    rank, n = education_ranks(m)[x]
    return f"{_short(m, x)}: {', '.join(bits) or 'sourced student figures'}, {_ordinal(rank)} of the {n} {group} " \
           "with a sourced figure"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def is_centre(m: AnswerModel, x: str) -> bool:
    """In the top quarter of its group's places with a sourced education figure."""
    hit = education_ranks(m).get(x)
    return hit is not None and hit[0] <= max(1, hit[1] // 4)


def education_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    strong = [x for x in (a, b) if is_centre(m, x)]
    ranks = education_ranks(m)
    facts = {"centres": strong, "ranks": {x: ranks.get(x) for x in (a, b)}}
    # Only sourced figures are a reason; a place scored at its group's median is a data gap (a caveat).
    sourced = [x for x in (a, b) if x in ranks]
    if not sourced:
        return []
    detail = "; ".join(_education_phrase(m, x) for x in (a, b))
    if len(strong) == 2:
        return [Reason("education", f"Both are higher-education centres, in the top quarter of their groups "
                       f"({detail})", facts)]
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


def connectivity_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    """Ties between the two places only (kernel.CONNECTIVITY_PARTS): a live partnership between their
    families, and a route between their own airports. Reach shared by every nearby place is prominence."""
    key = _pair_key(m, a, b)
    out = []
    if (tie := m.pairs_.ties_note.get(key)):
        p = m.partnership(tie[0], tie[1]) or {}
        status = STATUS_WORDS.get(str(p.get("status")), "status not known")
        out.append(Reason("connectivity", f"Related places are already partnered: {_short(m, tie[0])} – "
                          f"{_short(m, tie[1])} ({KIND_WORDS.get(tie[2], tie[2])}{_year(p.get('year_signed'))}, "
                          f"{status})", {"part": "ties", "uk_id": tie[0], "cn_id": tie[1], "status": p.get("status")}))
    if (note := m.pairs_.flight_note.get(key)):
        operating = note.endswith("operating")
        what = "Direct flight between their own airports" if operating else "A route between their own airports"
        out.append(Reason("connectivity", f"{what}: {note}", {"part": "flight", "operating": operating}))
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
    "education": lambda m, x: "universities ranked in the top half of its group",
    "hosts_mission": lambda m, x: _mission_words(m, x),
    "direct_flight": lambda m, x: "a direct flight to the other country",
    "partners_held": lambda m, x:
        f"{_plural(int(m.n_partners_.get(x, 0)), 'partnership')} with the other country already",
    "region_level": lambda m, x: "region-level standing",
    "foreign_partners": lambda m, x:
        f"{_plural(int(m.records_[x]['foreign_partners'] or 0), 'twin city')} in other countries (undated list)",
}
# An attribute is named only where its figure is sourced: an imputed GDP is no evidence of "a large economy".
MISSING_FLAG = {"log_population": "population_missing", "log_gdp": "gdp_missing", "education": "education_missing"}


def _supported(m: AnswerModel, x: str, attr: str, attrs: dict[str, float]) -> bool:
    if attrs.get(MISSING_FLAG.get(attr, ""), 0) > 0:
        return False
    if attr == "education":
        hit = education_ranks(m).get(x)
        return hit is not None and hit[0] <= max(1, hit[1] // 2)
    if attr == "log_population":
        return not m.feature_rows_[x]["scale__population_imputed"]
    return True


def prominence_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    """Why the candidate draws partners whatever its fit (its capacity to engage): the attributes that raise its
    prior most, among those it really has (above the average candidate, from a sourced figure)."""
    cand = b
    country = m.country_of(cand)
    prior = m.priors_.get(country)
    if prior is None:
        return []
    attrs = m.attributes(country)[m.pos_[country][cand]]
    named = dict(zip(PRIOR_FEATURES, attrs.tolist(), strict=True))
    parts, z = prior.contributions(attrs), prior.standardised(attrs)
    # Only what the place has (above the average candidate) and what raises the prior: being *not* a
    # region-level body may raise it too, but "region-level standing" would then be untrue.
    top = [k for k, v in sorted(parts.items(), key=lambda kv: -kv[1])
           if v > 0.05 and z[k] > 0 and k in PROMINENCE_WORDS and _supported(m, cand, k, named)][:3]
    if not top:
        return []
    words = _join([PROMINENCE_WORDS[k](m, cand) for k in top])
    return [Reason("prominence", f"Capacity to engage (not fit): {_short(m, cand)} draws UK–China partnerships "
                   f"({words})",
                   {"attributes": top, "contributions": {k: parts[k] for k in top}, "z": {k: z[k] for k in top}})]


REASONERS = {
    "industry": industry_reasons, "scale": scale_reasons, "education": education_reasons,
    "student_links": student_link_reasons, "priorities": priority_reasons,
    "connectivity": connectivity_reasons, "complementarity": complementarity_reasons,
    "prominence": prominence_reasons,
}


# Blocks whose reasons name something the two places share or a tie between them. Scale and education say
# something true of the pair too, but of many pairs alike: they never lead where a specific reason exists.
SPECIFIC = ("industry", "student_links", "priorities", "connectivity", "complementarity")


def reason_objects(m: AnswerModel, a: str, b: str, contributions: dict[str, float],
                   sensitive: bool = False) -> list[Reason]:
    """Reasons for every block that contributed: specific fit reasons first, biggest contribution first; then
    the generic fit reasons (scale, education); prominence last, always (it is capacity, not fit)."""
    def rank(block: str) -> tuple:
        tier = 2 if block == "prominence" else 0 if block in SPECIFIC else 1
        return tier, -contributions[block], block

    out: list[Reason] = []
    shown = shown_blocks(contributions)
    for block in sorted(contributions, key=rank):
        if block in shown:
            out.extend(_memo(m, (block, a, b, sensitive), lambda blk=block: tuple(REASONERS[blk](m, a, b, sensitive))))
    return out


def reasons(m: AnswerModel, a: str, b: str, contributions: dict[str, float], sensitive: bool = False) -> list[str]:
    return [r.text for r in reason_objects(m, a, b, contributions, sensitive)]


def reasons_with_blocks(m: AnswerModel, a: str, b: str, contributions: dict[str, float],
                        sensitive: bool = False) -> tuple[list[str], list[str]]:
    """The reasons' texts and, in the same order, the block each rests on (an answer's `reason_blocks`)."""
    objs = reason_objects(m, a, b, contributions, sensitive)
    return [r.text for r in objs], [r.block for r in objs]


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
        status = STATUS_WORDS.get(p["status"], str(p["status"]))
        out.append(f"Already partnered: {KIND_WORDS.get(p['kind'], p['kind'])}{since} ({status})")
    n, unknown = m.partner_counts_.get(b, 0), m.partner_counts_unknown_.get(b, 0)
    if n >= m.saturation_at:
        more = f", and {unknown} more of unknown status" if unknown else ""
        out.append(f"{_short(m, b)} already has {n} active partnerships with the other country{more}: "
                   "expect competition for its attention")
    s = scale_assessment(m, a, b)
    if s.caveat:
        out.append(s.caveat)
    # Every NSI Act area both places are strong in gets a per-pair due-diligence caveat. The core areas
    # (defence, military/dual-use, space, computing, AI, communications) are left out of the fit score by
    # default; the others (transport, energy, materials, robotics, ...) count towards it, and say so.
    core = set(m.core_sensitive_)
    mine = dict(m.sensitive_sectors_[a])
    shared = [(sec, area) for sec, area in m.sensitive_sectors_[b] if sec in mine]
    shared_core = [(sec, area) for sec, area in shared if sec in core]
    shared_other = [(sec, area) for sec, area in shared if sec not in core]
    if shared_core:
        items = _join([f"{_sector_label(m, sec)} ({area})" for sec, area in shared_core[:3]])
        out.append(f"Due diligence: both places have {items} industry, in the National Security and "
                   "Investment Act's core sensitive areas; take advice before cooperating in these sectors"
                   + ("" if sensitive else "; they are left out of the fit score"))
    if shared_other:
        items = _join([f"{_sector_label(m, sec)} ({area})" for sec, area in shared_other[:3]])
        out.append(f"Due diligence: both places have {items} industry, in areas the National Security and "
                   "Investment Act lists; cooperation there needs the usual checks (these shared sectors count "
                   "towards the fit score)")
    own = [(sec, area) for sec, area in m.sensitive_sectors_[b] if sec not in mine and sec in core]
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
    """Score, contributions, reasons and caveats for any GB–CN pair, ranked or not: the numbers `a`'s list
    gives `b`, reciprocity included. An existing partnership between them is scored as if it did not exist:
    its own tie is never counted (features.pairs.build_ties) and `b`'s prominence is worked out without it."""
    w = check_weights(weights or {})
    col = m.pos_[m.other(a)][b]
    contrib_all, factor = m.answer_contributions(a, w, sensitive)
    sims, _ = m.similarities(a, sensitive)
    at_b = {blk: float(sims[blk][col]) for blk in block_names()}
    by_block = dict(zip(w, contrib_all[col].tolist(), strict=True))
    without = m.prominence_without_partnership(a, b)
    if without is not None and w["prominence"]:
        at_b["prominence"] = without
        by_block["prominence"] = float(factor[col] * without * w["prominence"] / sum(w.values()))
    contrib = {blk: by_block[blk] for blk in block_names()}
    texts, blocks = reasons_with_blocks(m, a, b, contrib, sensitive)
    return {
        "score": float(np.sum(list(contrib.values()))),
        "fit": float(sum(v for k, v in contrib.items() if k != "prominence")),
        "prominence": at_b["prominence"],
        "reciprocity": float(factor[col]),
        "contributions": contrib,
        "similarities": at_b,
        "reasons": texts,
        "reason_blocks": blocks,
        "caveats": caveats(m, a, b, sensitive),
        "partnership": m.partnership(a, b),
        "scored_without_partnership": without is not None,
    }
