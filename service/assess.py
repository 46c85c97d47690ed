"""The two assessments a council brings to committee, built from the model's own answers.

- compare: approaches received ("Xi'an, Hefei, Zhejiang"), side by side, each with where it stands in the full
  ranking (overall rank) and where the council stands in its own (mutual rank);
- review: every existing partner with kind, year, status and its evidence, today's fit, both ranks, and a
  plain summary of those facts. Retain, reinvigorate or let lapse is the council's call; this gives the facts.
"""

from __future__ import annotations

from matcher.answers.explain import explain_pair, query_caveats
from matcher.answers.labels import kind_label
from matcher.answers.recommend import recommend
from matcher.artifact.model import Filters
from matcher.artifact.store import Bundle
from matcher.i18n import DEFAULT, Local, Quote, msg, render, word

COUNTRY = {"GB": "UK", "CN": "Chinese"}


def other_country(bundle: Bundle, qid: str) -> str:
    return bundle.model.other(qid)


def overall_ranks(bundle: Bundle, qid: str, weights: dict[str, float]) -> dict[str, int]:
    """Every candidate's position in the query's unfiltered ranking: the list /v1/recommendations shows,
    continued to the end (same call, same tie-break)."""
    n = len(bundle.model.ids_[other_country(bundle, qid)])
    ids, _ = bundle.model.top(qid, weights, k=n)
    return {c: r for r, c in enumerate(ids, start=1)}


def compare(bundle: Bundle, qid: str, candidates: tuple[str, ...], weights: dict[str, float],
            lang: str = DEFAULT) -> dict:
    """recommend() restricted to the candidates, each with its overall rank."""
    payload = recommend(bundle, qid, k=len(candidates), weights=weights, filters=Filters(only=candidates), lang=lang)
    ranks = overall_ranks(bundle, qid, weights)
    for r in payload["results"]:
        r["overall_rank"] = ranks.get(r["locality"]["id"])
    payload["n_candidates"] = len(ranks)
    return payload


def _partner_rows(bundle: Bundle, qid: str) -> list[dict]:
    out = []
    for r in bundle.model.partnerships_:
        if qid not in (r["uk_id"], r["cn_id"]):
            continue
        note = r.get("note")
        status_year = r.get("status_year")  # the year the status was last evidenced, and where
        status_source = r.get("status_source")
        out.append({"partner": r["cn_id"] if r["uk_id"] == qid else r["uk_id"], "kind": str(r["kind"]),
                    "status": str(r["status"]),
                    "year_signed": None if r["year_signed"] is None else int(r["year_signed"]),
                    "source": str(r["source"]), "note": note if isinstance(note, str) and note else None,
                    "status_year": None if status_year is None else int(status_year),
                    "status_source": status_source if isinstance(status_source, str) and status_source else None})
    return out


def _name(d: dict) -> Local:
    return Local(str(d["name"]), d.get("name_zh") or None)


def changes_since(bundle: Bundle, qid: str, pid: str, year_signed: int | None, lang: str = DEFAULT) -> list[str]:
    """Plants and clusters of either place that closed after the partnership was signed (all closures when the
    year is not recorded), from the closed industry rows, when the model keeps them."""
    rows = [r for r in bundle.model.closed_industry_ if r["id"] in (qid, pid)
            and (not year_signed or r["until"] >= year_signed)]
    names = {x: _name(bundle.resolver.describe(x)) for x in (qid, pid)}
    return [render(msg("review.closed", place=names[r["id"]], evidence=Quote(str(r["evidence"])),
                       year=int(r["until"])), lang)
            for r in sorted(rows, key=lambda r: r["until"])]


def summary(query: dict, partner: dict, row: dict, score: float, rank: int | None, n: int,
            mutual: int | None, n_mutual: int, lang: str = DEFAULT) -> str:
    """The facts in one paragraph a committee report can quote."""
    country = msg(f"review.country_{partner['country']}")
    since = msg("review.signed", year=row["year_signed"]) if row["year_signed"] else msg("review.not_signed")
    status = msg("review.status_unknown") if row["status"] == "unknown" else msg(
        "review.status", status=Local(row["status"], word("status", row["status"], "zh")),
        year=msg("review.in_year", year=row["status_year"]) if row["status_year"] else "")
    kind = Local(kind_label(row["kind"]).capitalize(), kind_label(row["kind"], "zh"))
    parts = [msg("review.partnership", kind=kind, partner=_name(partner), since=since, status=status)]
    where = msg("review.rank", rank=rank, n=n, country=country) if rank else msg("review.unranked")
    parts.append(msg("review.fit", score=score, where=where, query=_name(query)))
    if mutual:
        parts.append(msg("review.mutual", query=_name(query), mutual=mutual, n=n_mutual, partner=_name(partner)))
    if row["note"]:
        parts.append(msg("review.note", note=Quote(row["note"].rstrip("."))))
    if row.get("changes"):
        parts.append(msg("review.changes", changes="; ".join(row["changes"])))
    return str(word("review", "sentence_sep", lang)).join(render(p, lang) for p in parts)


def review(bundle: Bundle, qid: str, weights: dict[str, float], lang: str = DEFAULT) -> dict:
    m = bundle.model
    rows = _partner_rows(bundle, qid)
    partners = list(dict.fromkeys(r["partner"] for r in rows))
    ranks = overall_ranks(bundle, qid, weights)
    mutual = m.mutual_ranks(partners, qid, weights) if partners else {}
    query = bundle.resolver.describe(qid)
    n_mutual = len(m.ids_[m.country_of(qid)])
    out = []
    for row in rows:
        pid = row["partner"]
        row["changes"] = changes_since(bundle, qid, pid, row["year_signed"], lang)
        ex = explain_pair(m, qid, pid, weights, lang=lang)
        partner = bundle.resolver.describe(pid)
        out.append({
            "locality": partner, "kind": row["kind"], "year_signed": row["year_signed"], "status": row["status"],
            "source": row["source"], "note": row["note"], "status_year": row["status_year"],
            "status_source": row["status_source"], "changes": row["changes"], "score": ex["score"],
            "contributions": ex["contributions"], "reasons": ex["reasons"],
            "reason_blocks": ex["reason_blocks"], "fit": ex["fit"], "prominence": ex["prominence"],
            "caveats": ex["caveats"],
            "overall_rank": ranks.get(pid), "mutual_rank": mutual.get(pid),
            "summary": summary(query, partner, row, ex["score"], ranks.get(pid), len(ranks), mutual.get(pid),
                               n_mutual, lang),
        })
    out.sort(key=lambda x: (x["overall_rank"] or 10**9, x["locality"]["id"]))
    return {"query": query, "weights": dict(weights), "n_candidates": len(ranks),
            "query_caveats": query_caveats(m, qid, lang),
            "candidates_country": COUNTRY[other_country(bundle, qid)], "partners": out}
