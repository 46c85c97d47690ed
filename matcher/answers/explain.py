"""Reasons and caveats for a pair, computed from the same features and similarities that made its score.

A reason is shown for a block only when it contributed, and says only what that block's features
support. Each reason carries the facts it rests on (`Reason.facts`), so tests can check every claim
against the features: "centre" only above the centre percentile, the tags that weigh most in the score,
the places a link really joins, "estimated" only where a figure was imputed, "active" only for active.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from matcher.artifact.model import AnswerModel
from matcher.config import (
    INDUSTRY_CURRENT_FROM,
    block_names,
    check_weights,
    education_group,
    human_rights_regions,
)
from matcher.i18n import DEFAULT, Join, Local, Msg, Quote, msg, render, table
from matcher.model.kernel import EDU_PEER_SD
from matcher.model.ranker import PRIOR_FEATURES
from matcher.model.scale import ScaleAssessment, assess

PEER_FLOOR = 0.5     # education percentile from which two places of a similar level are called peers
CENTRE = 0.75        # education percentile (within country and tier) from which a place is a "centre"
STRONG = 2 / 3       # sector strength (major or defining) that can serve a partner's priority
# A block is a reason when its contribution is at least this share of what the pair's positive contributions add
# up to. Relative, because the reciprocity factor scales every block of a pair alike: a pair far down the other
# side's list has small contributions, but which blocks carry it does not change.
MIN_SHARE = 0.02
STATUS_WORDS = table("status")           # English words; every language's are in its catalog
KIND_WORDS = table("kinds_agreement")
GROUP_WORDS = table("groups")            # "GB_city": "UK councils", ...; "other" for any other kind


def shown_blocks(contributions: dict[str, float]) -> set[str]:
    """The blocks whose contribution is large enough to be a reason (MIN_SHARE of the positive total)."""
    positive = sum(v for v in contributions.values() if v > 0)
    return {b for b, v in contributions.items() if v > 0 and v >= MIN_SHARE * positive}


@dataclass(frozen=True)
class Reason:
    """A reason: its block, its English text, the facts it rests on, and the catalog message it was rendered
    from (`msg`; any language: `Reason.render(lang)`)."""

    block: str
    text: str
    facts: dict = field(default_factory=dict)
    msg: Msg | None = None

    def render(self, lang: str = DEFAULT, markup: bool = False) -> str:
        if (lang == DEFAULT and not markup) or self.msg is None:
            return self.text if not markup else render(self.text, lang, markup)
        return render(self.msg, lang, markup)


def _reason(block: str, message: Msg, facts: dict) -> Reason:
    return Reason(block, render(message), facts, message)


def _short(m: AnswerModel, i: str) -> str:
    return str(m.records_[i]["name"])


def _name(m: AnswerModel, i: str) -> Local:
    """A place's name in each language: its Chinese name where it has one, else the English."""
    row = m.records_[i]
    zh = row.get("name_zh")
    return Local(str(row["name"]), zh if isinstance(zh, str) and zh else None)


def _sector_label(m: AnswerModel, s: str) -> Local:
    info = m.sector_info_[s]
    return Local(str(info["label_en"]).lower(), info.get("label_zh") or None)


def _tag_label(m: AnswerModel, t: str) -> Local:
    info = m.tag_info_[t]
    return Local(str(info["label_en"]).lower(), info.get("label_zh") or None)


def _join(items: list) -> Join:
    return Join(items)


def _plural(n: int, key: str) -> Msg:
    return msg(f"{key}_one" if n == 1 else f"{key}_many", n=n)


def _year(y) -> Msg | str:
    return "" if y is None else msg("words.year_in_brackets", year=int(y))


def _pair_key(m: AnswerModel, a: str, b: str) -> tuple[str, str]:
    return (a, b) if m.country_of(a) == "GB" else (b, a)


# Evidence dated before this year is quoted with its year: it describes the place as it was then (policy lists;
# industry rows that old are history, kept out of the fit by load_tables, so never quoted as a reason).
DATED_BEFORE = 2016


def _evidence(m: AnswerModel, i: str, sector: str) -> dict | None:
    return m.industry_evidence_map_.get((i, sector))


def _parent_name(m: AnswerModel, i: str) -> Local | None:
    p = m.records_[i]["parent_id"]
    return _name(m, p) if isinstance(p, str) and p in m.records_ else None


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
        word = msg(f"strength.{int(round(level * 3))}") if all(m.feature_rows_[x]["industry__imputed"] == 0
                                                               for x in (a, b)) else msg("strength.imputed")
        ev = [_evidence_item(m, x, e) for x in (a, b) if (e := _evidence(m, x, s)) is not None]
        inherited = [x for x in (a, b) if m.feature_rows_[x]["industry__imputed"] == 1]
        via = Join([msg("reason.inferred", place=_name(m, x), parent=_parent_name(m, x) or msg("words.its_parent"))
                    for x in inherited], "concat")
        out.append(_reason("industry", msg("reason.industry", sector=_sector_label(m, s), strength=word,
                                           note=_note(ev), via=via),
                           {"sector": s, "strength": {a: sa[s], b: sb[s]}, "inherited": inherited}))
    return out


def _evidence_item(m: AnswerModel, x: str, row: dict) -> Msg:
    """'Place: evidence', with 'as of YEAR' when the evidence is older than DATED_BEFORE."""
    year = float(row["year"]) if isinstance(row.get("year"), numbers.Real) else float("nan")
    if year < DATED_BEFORE:  # False for a missing year (NaN)
        return msg("reason.evidence_item_dated", place=_name(m, x), evidence=Quote(str(row["evidence"])),
                   year=int(year))
    return msg("reason.evidence_item", place=_name(m, x), evidence=Quote(str(row["evidence"])))


def _note(items: list[Msg]) -> Msg | str:
    """' (A: evidence; B: evidence)' after a reason, or nothing."""
    return msg("reason.evidence_note", items=Join(items, "list")) if items else ""


def scale_assessment(m: AnswerModel, a: str, b: str) -> ScaleAssessment:
    gb, cn = _pair_key(m, a, b)
    fg, fc = m.feature_rows_[gb], m.feature_rows_[cn]
    return assess(m.scale_params_, fg["scale__log_population"], fc["scale__log_population"],
                  int(fg["scale__tier"]), int(fc["scale__tier"]), _name(m, gb), _name(m, cn),
                  cn_county=bool(m.sides_["CN"].tier3[m.pos_["CN"][cn]] == 2))


def scale_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    s = scale_assessment(m, a, b)
    return [_reason("scale", s.reason_msg, {"kernel": s.kernel, "ratio": s.ratio, "typical": s.typical_ratio})] \
        if s.reason_msg else []


def _education_gap(m: AnswerModel, x: str, group: Msg) -> Msg:
    """How a missing education figure was scored (features.blocks.EducationBlock says why)."""
    if m.feature_rows_[x]["education__strength"] == 0:
        return msg("education.counted_none")
    return msg("education.counted_median", group=group)


def _group(row: dict, key: tuple[str, str] | None = None) -> Msg:
    """The words for a place's (country, tier) group, or for `key`."""
    name = "_".join(key or (row["country"], row["tier"]))
    return msg(f"groups.{name}" if name in GROUP_WORDS else "groups.other")


def education_ranks(m: AnswerModel) -> dict[str, tuple[int, int]]:
    """Each place with a sourced education figure: (its rank, the number ranked) by education strength among
    the places of its education group (matcher.config.education_group) that have one. A phrase about a rank
    is a rank in exactly this group."""
    def compute():
        groups: dict[tuple, list[tuple[float, str]]] = {}
        for i, f in m.feature_rows_.items():
            if not f["education__imputed"]:
                row = m.records_[i]
                groups.setdefault(education_group(row["country"], row["tier"]), []).append(
                    (f["education__strength"], i))
        out = {}
        for members in groups.values():
            members.sort(key=lambda t: (-t[0], t[1]))
            first: dict[float, int] = {}
            for n, (value, i) in enumerate(members):
                # Places with the same strength share the best rank among them.
                out[i] = (first.setdefault(value, n) + 1, len(members))
        return out
    return _memo(m, ("education_ranks",), compute)


def _education_phrase(m: AnswerModel, x: str) -> Msg:
    row, f = m.records_[x], m.feature_rows_[x]
    group = _group(row)
    if f["education__imputed"]:
        return msg("education.no_figure", place=_name(m, x), gap=_education_gap(m, x, group))
    bits: list[Msg] = []
    if row["hei_count"] is not None:
        bits.append(msg("education.hei", count=_plural(int(row["hei_count"]), "education.institutions"),
                        year=_year(row["hei_count__year"])))
    if row["students_from_china"] is not None:
        bits.append(msg("education.students", n=int(row["students_from_china"]),
                        year=_year(row["students_from_china__year"])))
    if row.get("born_in_china") is not None:
        bits.append(msg("education.born", n=int(row["born_in_china"]), year=_year(row["born_in_china__year"])))
    rank, n = education_ranks(m)[x]
    return msg("education.phrase", place=_name(m, x),
               figures=Join(bits, "comma") if bits else msg("education.sourced_figures"),
               rank=rank, n=n, group=_group(row, education_group(row["country"], row["tier"])))


def is_centre(m: AnswerModel, x: str) -> bool:
    """In the top quarter of its group's places with a sourced education figure."""
    hit = education_ranks(m).get(x)
    return hit is not None and hit[0] <= max(1, hit[1] // 4)


def education_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    strong = [x for x in (a, b) if is_centre(m, x)]
    ranks = education_ranks(m)
    facts = {"centres": strong, "ranks": {x: ranks.get(x) for x in (a, b)}}
    # A place without a sourced figure is said to be counted at its group's median (or as none): the block
    # still adds to the score, so its sentence says on what.
    detail = Join([_education_phrase(m, x) for x in (a, b)], "list")
    if len(strong) == 2:
        return [_reason("education", msg("reason.education_centres", detail=detail), facts)]
    if are_peers(m, a, b):
        return [_reason("education", msg("reason.education_peers", detail=detail), facts)]
    return [_reason("education", msg("reason.education", detail=detail), facts)]


def are_peers(m: AnswerModel, a: str, b: str) -> bool:
    """Both have a sourced figure, both are at least at their group's median (two places with almost no
    universities are alike, but that is nothing to build a link on), and their strengths differ by at most
    kernel.EDU_PEER_SD: where the block's peer term is near its peak."""
    f = m.feature_rows_
    e = [f[x]["education__strength"] for x in (a, b)]
    return (not f[a]["education__imputed"] and not f[b]["education__imputed"] and min(e) >= PEER_FLOOR
            and abs(e[0] - e[1]) <= EDU_PEER_SD)


def student_link_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    link = m.pairs_.edu_note.get(_pair_key(m, a, b))
    if link is None:
        return []
    facts = {"uk_id": link.uk_id, "cn_id": link.cn_id, "direct": link.direct}
    if link.direct:
        return [_reason("student_links", msg("reason.link", link=Quote(link.text)), facts)]
    return [_reason("student_links", msg("reason.link_related", link=Quote(link.text), uk=_name(m, link.uk_id),
                                         cn=_name(m, link.cn_id)), facts)]


def priority_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    idf = dict(zip((c.removeprefix("priorities__") for c in m.tag_cols_), m.tag_idf_, strict=True))
    shared = sorted((t for t in m.tags_of_[a] if t in m.tags_of_[b]), key=lambda t: (-idf[t], t))
    out = []
    for t in shared[:3]:
        ev = [_evidence_item(m, x, row) for x in (a, b)
              if (row := m.priority_evidence_map_.get((x, t))) is not None]
        out.append(_reason("priorities", msg("reason.priority", tag=_tag_label(m, t), note=_note(ev)),
                           {"tag": t, "idf": idf[t]}))
    return out


def connectivity_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    """Ties between the two places only (kernel.CONNECTIVITY_PARTS): a live partnership between their
    families, and a route between their own airports. Reach shared by every nearby place is prominence."""
    key = _pair_key(m, a, b)
    out = []
    if (tie := m.pairs_.ties_note.get(key)):
        p = m.partnership(tie[0], tie[1]) or {}
        out.append(_reason("connectivity", msg("reason.tie", uk=_name(m, tie[0]), cn=_name(m, tie[1]),
                                               kind=_kind(tie[2]), year=_year(p.get("year_signed")),
                                               status=_status(p.get("status"), "unknown")),
                           {"part": "ties", "uk_id": tie[0], "cn_id": tie[1], "status": p.get("status")}))
    if (note := m.pairs_.flight_note.get(key)):
        operating = note.endswith("operating")
        route, _, status = note.rpartition(", ")
        out.append(_reason("connectivity", msg("reason.flight_operating" if operating else "reason.flight_route",
                                               route=Quote(route), status=_flight_status(status)),
                           {"part": "flight", "operating": operating}))
    return out


def _kind(kind: str) -> Msg | str:
    return msg(f"kinds_agreement.{kind}") if kind in KIND_WORDS else kind


def _status(status: object, fallback: str | None = None) -> Msg | str:
    """A partnership status in words; an unrecorded one as `fallback`'s words, or as it is."""
    key = str(status)
    if key in STATUS_WORDS:
        return msg(f"status.{key}")
    return msg(f"status.{fallback}") if fallback else key


def _flight_status(status: str) -> Msg | str:
    return msg(f"flight_status.{status}") if status in FLIGHT_STATUSES else status


FLIGHT_STATUSES = ("operating", "suspended", "ended", "planned", "announced", "seasonal")


def complementarity_reasons(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> list[Reason]:
    allowed = scored_sectors(m, sensitive)
    idf = dict(zip((c.removeprefix("priorities__") for c in m.tag_cols_), m.tag_idf_, strict=True))
    out = []
    for x, y in ((a, b), (b, a)):
        for t in sorted(m.tags_of_[y], key=lambda t: (-idf[t], t)):
            strong = [s for s in m.related_.get(t, []) if s in allowed and m.sectors_of_[x].get(s, 0) >= STRONG]
            if strong:
                labels = _join([_sector_label(m, s) for s in strong[:2]])
                key = "reason.complement_one" if len(strong[:2]) == 1 else "reason.complement_many"
                out.append(_reason("complementarity", msg(key, strong=_name(m, x), sectors=labels, needs=_name(m, y),
                                                          tag=_tag_label(m, t)),
                                   {"strong": x, "needs": y, "tag": t, "sectors": strong[:2]}))
                break
    if out:
        return out
    # None strong enough to serve a priority: the score still counts weaker related sectors, so say which one
    # (the strongest), with its strength, as related to the priority rather than serving it.
    weak = [(m.sectors_of_[x][s], s, x, y, t) for x, y in ((a, b), (b, a)) for t in m.tags_of_[y]
            for s in m.related_.get(t, []) if s in allowed and m.sectors_of_[x].get(s, 0) > 0]
    if not weak:
        return []
    level, s, x, y, t = max(weak, key=lambda w: (w[0], idf[w[4]], w[1], w[4]))
    # A borrowed (imputed) mix has no strength of its own to name, as in industry_reasons.
    word = msg("strength.imputed") if m.feature_rows_[x]["industry__imputed"] == 1 \
        else msg(f"strength.{int(round(level * 3))}")
    return [_reason("complementarity", msg("reason.complement_some", strong=_name(m, x), sectors=_sector_label(m, s),
                                           strength=word, needs=_name(m, y), tag=_tag_label(m, t)),
                    {"strong": x, "needs": y, "tag": t, "sectors": [s], "weak": True})]


def _mission_words(m: AnswerModel, x: str) -> Msg:
    """The mission the prior counts: the place's own, or one in the area containing it (or a part of it)."""
    host = m.pairs_.mission_host.get(x)
    if host is None or host == x:
        return msg("prominence.mission")
    where = msg("prominence.wider_area") if host in m.ancestors_[x] else msg("prominence.part_of_it")
    return msg("prominence.mission_in", where=where, host=_name(m, host))


PROMINENCE_WORDS = {
    "capital": lambda m, x: msg("prominence.capital"),
    "log_population": lambda m, x: msg("prominence.population",
                                       population=10 ** m.feature_rows_[x]["scale__log_population"]),
    "log_gdp": lambda m, x: msg("prominence.economy"),
    "education": lambda m, x: msg("prominence.universities"),
    "hosts_mission": lambda m, x: _mission_words(m, x),
    "direct_flight": lambda m, x: msg("prominence.direct_flight"),
    "partners_held": lambda m, x: msg("prominence.partners_held",
                                      partners=_plural(int(m.n_partners_.get(x, 0)), "prominence.partnerships")),
    "region_level": lambda m, x: msg("prominence.region_level"),
    "foreign_partners": lambda m, x: msg("prominence.foreign_partners", partners=_plural(
        int(m.records_[x]["foreign_partners"] or 0), "prominence.twin_cities")),
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
    return [_reason("prominence", msg("reason.prominence", place=_name(m, cand), words=words),
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


def reasons(m: AnswerModel, a: str, b: str, contributions: dict[str, float], sensitive: bool = False,
            lang: str = DEFAULT) -> list[str]:
    return [r.render(lang) for r in reason_objects(m, a, b, contributions, sensitive)]


def reasons_with_blocks(m: AnswerModel, a: str, b: str, contributions: dict[str, float],
                        sensitive: bool = False, lang: str = DEFAULT) -> tuple[list[str], list[str]]:
    """The reasons' texts in `lang` and, in the same order, the block each rests on (an answer's
    `reason_blocks`)."""
    objs = reason_objects(m, a, b, contributions, sensitive)
    return [r.render(lang) for r in objs], [r.block for r in objs]


# ---- caveats ----------------------------------------------------------------------------------------
def _estimates(m: AnswerModel, x: str) -> list[Msg]:
    f, row = m.feature_rows_[x], m.records_[x]
    group = _group(row)
    name = _name(m, x)
    out = []
    if f["scale__population_imputed"]:
        out.append(msg("caveat.no_population", place=name, group=group))
    elif row.get("population__estimate", 0) == 1:
        out.append(msg("caveat.population_estimate", place=name))
    if f["industry__imputed"]:
        parent = _parent_name(m, x)
        has_parent_mix = bool(m.sectors_of_.get(x))
        # A place whose only rows are older than INDUSTRY_CURRENT_FROM has evidence, just not current evidence.
        old = "_historic" if x in _historic_places(m) else ""
        out.append(msg(f"caveat.industry{old}_borrowed", place=name, parent=parent, share=f["industry__confidence"],
                       year=INDUSTRY_CURRENT_FROM)
                   if has_parent_mix and parent else msg(f"caveat.industry{old}_none", place=name,
                                                         year=INDUSTRY_CURRENT_FROM))
    if f["education__imputed"]:
        out.append(msg("caveat.no_education", place=name, gap=_education_gap(m, x, group)))
    return out


def _historic_places(m: AnswerModel) -> frozenset[str]:
    return _memo(m, ("historic_places",), lambda: frozenset(r["id"] for r in m.historic_industry_))


def size_only(contributions: dict[str, float]) -> bool:
    """True when size is the only fit a pair is shown for: scale is a reason and every other fit block adds less
    than MIN_SHARE of the score's positive part (too little to be a reason)."""
    return shown_blocks(contributions) - {"prominence"} == {"scale"}


def pair_caveats(m: AnswerModel, a: str, b: str, contributions: dict[str, float], sensitive: bool = False,
                 lang: str = DEFAULT) -> list[str]:
    """`caveats`, led by one the contributions call for: a result that rests on size alone says so."""
    lead = [render(msg("caveat.size_only", a=_name(m, a), b=_name(m, b), share=MIN_SHARE), lang)] \
        if size_only(contributions) else []
    return lead + caveats(m, a, b, sensitive, lang)


def mostly_size_only(contributions: list[dict[str, float]]) -> bool:
    """True when half or more of a list's results rest on size alone (`size_only`)."""
    return bool(contributions) and 2 * sum(size_only(c) for c in contributions) >= len(contributions)


def list_caveats(m: AnswerModel, q: str, contributions: list[dict[str, float]], lang: str = DEFAULT) -> list[str]:
    """What a whole answer should say about itself: when half or more of its results rest on size alone, the list
    is one of places of a suitable size, not of shared interests, and the officer should read it so."""
    if not mostly_size_only(contributions):
        return []
    alone = sum(size_only(c) for c in contributions)
    return [render(msg("caveat.list_size_only", place=_name(m, q), n=alone, k=len(contributions)), lang)]


def caveats(m: AnswerModel, a: str, b: str, sensitive: bool = False, lang: str = DEFAULT) -> list[str]:
    """What a committee should know before acting on the pair (the query's own caveats: query_caveats)."""
    return list(_memo(m, ("caveat_texts", a, b, sensitive, lang),
                      lambda: tuple(render(c, lang) for c in caveat_messages(m, a, b, sensitive))))


def caveat_messages(m: AnswerModel, a: str, b: str, sensitive: bool = False) -> tuple[Msg, ...]:
    return _memo(m, ("caveats", a, b, sensitive), lambda: tuple(_caveats(m, a, b, sensitive)))


def _sensitive_items(m: AnswerModel, pairs: list[tuple[str, str]]) -> Join:
    return _join([msg("caveat.sector_area", sector=_sector_label(m, sec), area=_nsi_area(area)) for sec, area in pairs])


def _nsi_area(area: str) -> Join:
    """The National Security and Investment Act areas a sector falls in ('energy; civil nuclear'), each a catalog
    word (nsi.*) where the catalog has it."""
    return Join([msg(f"nsi.{key}") if (key := part.replace(" ", "_").replace("-", "_")) in NSI_AREAS else part
                 for part in area.split("; ")], "list")


NSI_AREAS = ("advanced_materials", "advanced_robotics", "artificial_intelligence", "civil_nuclear", "communications",
             "computing_hardware", "critical_suppliers_to_government", "cryptographic_authentication",
             "data_infrastructure", "defence", "energy", "military_and_dual_use", "quantum_technologies",
             "satellite_and_space_technologies", "suppliers_to_the_emergency_services", "synthetic_biology",
             "transport")


def _caveats(m: AnswerModel, a: str, b: str, sensitive: bool) -> list[Msg]:
    out: list[Msg] = []
    if (p := m.partnership(a, b)):
        since = msg("caveat.signed", year=p["year_signed"]) if p["year_signed"] else ""
        out.append(msg("caveat.partnered", kind=_kind(p["kind"]), since=since, status=_status(p["status"])))
    n, unknown = m.partner_counts_.get(b, 0), m.partner_counts_unknown_.get(b, 0)
    if n >= m.saturation_at:
        more = msg("caveat.more_unknown", n=unknown) if unknown else ""
        out.append(msg("caveat.saturated", place=_name(m, b), n=n, more=more))
    s = scale_assessment(m, a, b)
    if s.caveat_msg:
        out.append(s.caveat_msg)
    # Every NSI Act area both places are strong in gets a per-pair due-diligence caveat. The core areas
    # (defence, military/dual-use, space, computing, AI, communications) are left out of the fit score by
    # default; the others (transport, energy, materials, robotics, ...) count towards it, and say so.
    core = set(m.core_sensitive_)
    mine = dict(m.sensitive_sectors_[a])
    shared = [(sec, area) for sec, area in m.sensitive_sectors_[b] if sec in mine]
    shared_core = [(sec, area) for sec, area in shared if sec in core]
    shared_other = [(sec, area) for sec, area in shared if sec not in core]
    if shared_core:
        out.append(msg("caveat.dd_core", items=_sensitive_items(m, shared_core[:3]),
                       unscored="" if sensitive else msg("caveat.dd_unscored")))
    if shared_other:
        out.append(msg("caveat.dd_other", items=_sensitive_items(m, shared_other[:3])))
    own = [(sec, area) for sec, area in m.sensitive_sectors_[b] if sec not in mine and sec in core]
    if own:
        out.append(msg("caveat.dd_own", place=_name(m, b), sectors=_join([_sector_label(m, s) for s, _ in own[:3]])))
    est = _estimates(m, b)
    if est:
        out.append(msg("caveat.data_gap", items=Join(est, "list")))
    out.extend(human_rights_caveats(m, a, b))
    return out


def human_rights_caveats(m: AnswerModel, a: str, b: str) -> list[Msg]:
    """For the Chinese side of a pair in a province where the UK government has stated human-rights concerns
    (matcher/human_rights.toml): what the statement says, cited, and that partnership there needs human-rights
    due diligence. Never part of the score."""
    regions = human_rights_regions()
    out = []
    for x in (a, b):
        province = f"{x[:2]}0000" if m.country_of(x) == "CN" else None
        if province in regions and province in m.records_:
            spec = regions[province]
            out.append(msg("caveat.human_rights", place=_name(m, x), region=_name(m, province),
                           finding=msg(f"caveat.hr_{spec['finding']}"),
                           cite=msg(f"caveat.hr_{spec['finding']}_cite")))
    return out


def query_caveats(m: AnswerModel, q: str, lang: str = DEFAULT) -> list[str]:
    """Said once per answer, not on every result: the query's own sensitive sectors and data gaps."""
    out = []
    if m.sensitive_sectors_[q]:
        out.append(msg("caveat.query_sensitive", place=_name(m, q),
                       items=_sensitive_items(m, m.sensitive_sectors_[q][:4])))
    est = _estimates(m, q)
    if est:
        out.append(msg("caveat.data_gap", items=Join(est, "list")))
    return [render(c, lang) for c in out]


def explain_pair(m: AnswerModel, a: str, b: str, weights: dict[str, float] | None = None,
                 sensitive: bool = False, lang: str = DEFAULT) -> dict:
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
    texts, blocks = reasons_with_blocks(m, a, b, contrib, sensitive, lang)
    return {
        "score": float(np.sum(list(contrib.values()))),
        "fit": float(sum(v for k, v in contrib.items() if k != "prominence")),
        "prominence": at_b["prominence"],
        "reciprocity": float(factor[col]),
        "contributions": contrib,
        "similarities": at_b,
        "reasons": texts,
        "reason_blocks": blocks,
        "caveats": pair_caveats(m, a, b, contrib, sensitive, lang),
        "partnership": m.partnership(a, b),
        "scored_without_partnership": without is not None,
    }
