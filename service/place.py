"""A place's profile against its peers: every sourced figure with its source and year, beside the median of the
places of the same country and tier (the Chicago Fed peer-median idea), and its sectors, priorities,
universities, links and partnerships. Served as /place (HTML), /v1/localities/{id}/profile (JSON) and .csv."""

from __future__ import annotations

import statistics

from matcher.answers.labels import level_label
from matcher.artifact.store import Bundle
from matcher.i18n import DEFAULT, table
from service import card as cards

UNIVERSITY_FIGURES = ("hei_count", "students_he", "students_from_china")


def _medians(bundle: Bundle) -> dict[tuple[str, str, str], tuple[float, int]]:
    """(country, tier, figure) -> (median, how many places have the figure), once per model."""
    m = bundle.model
    hit = _MEDIANS.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    values: dict[tuple[str, str, str], list[float]] = {}
    for r in m.records_.values():
        if r.get("abolished"):
            continue
        for f in [*m.figure_names_, "gdp_gbp_m"]:
            v = r.get(f)
            if v is not None:
                values.setdefault((r["country"], r["tier"], f), []).append(float(v))
    out = {k: (float(statistics.median(v)), len(v)) for k, v in values.items()}
    _MEDIANS[id(m)] = (m, out)
    return out


_MEDIANS: dict[int, tuple] = {}


def links(bundle: Bundle, i: str) -> list[dict]:
    """Campuses and joint institutes, direct flights and diplomatic missions that touch the place itself."""
    m, p = bundle.model, bundle.model.pairs_
    out, seen = [], set()
    for (g, c), link in p.edu_note.items():
        if i in (g, c) and link.direct and link.text not in seen:
            seen.add(link.text)
            other = c if g == i else g
            out.append({"kind": "education", "with": bundle.resolver.describe(other)["name"], "text": link.text,
                        "source": "data/raw/education_links.csv (the pair's card quotes the row)"})
    for (g, c), text in p.flight_note.items():
        if i in (g, c) and text not in seen and m.records_[i].get("routes"):
            seen.add(text)
            out.append({"kind": "flight", "with": bundle.resolver.describe(c if g == i else g)["name"],
                        "text": str(text), "source": "data/raw/flights.csv"})
    host = p.mission_host.get(i)
    if host == i:
        out.append({"kind": "mission", "with": None, "text": "hosts the other country's diplomatic mission",
                    "source": "data/raw/consulates.csv"})
    return out


def place_profile(bundle: Bundle, i: str, lang: str = DEFAULT) -> dict:
    """The JSON profile: `figures` each with source, year and the country-and-tier median beside it."""
    m = bundle.model
    row = m.records_[i]
    base = cards.profile(bundle, i)
    med = _medians(bundle)
    groups, labels = table("groups", lang), table("figures", lang)
    group = groups.get(f"{row['country']}_{row['tier']}", groups["other"])
    figures = []
    for f in base["figures"]:
        median, n = med.get((row["country"], row["tier"], f["indicator"]), (None, 0))
        figures.append({**f, "label": labels.get(f["indicator"], f["indicator"]), "median": median,
                        "median_n": n, "median_group": group})
    return {
        **base,
        "level_label": level_label(row["level"], lang),
        "peer_group": group,
        "figures": figures,
        "universities": [f for f in figures if f["indicator"] in UNIVERSITY_FIGURES],
        "links": links(bundle, i),
        "partner_count_active": int(m.partner_counts_.get(i, 0)),
    }


def profile_rows(profile: dict) -> list[list[str]]:
    """The profile as CSV rows (section, item, value, year, source, median, peer group), one per fact."""
    rows = [["section", "item", "value", "year", "source", "median", "peer_group"]]
    for f in profile["figures"]:
        rows.append(["figure", f["label"], f"{f['value']:g}", str(f["year"]), str(f["source"]),
                     "" if f["median"] is None else f"{f['median']:g}", f["median_group"]])
    for s in profile["sectors"]:
        rows.append(["sector", s["sector"], f"strength {s['strength']}/3: {s['evidence']}", str(s["year"]),
                     s["source"], "", ""])
    for s in profile["sectors_history"]:
        rows.append(["sector_history", s["sector"], f"strength {s['strength']}/3 (not used in the score): "
                     f"{s['evidence']}", str(s["year"]), s["source"], "", ""])
    for t in profile["priorities"]:
        rows.append(["priority", t["tag"], t["evidence"], str(t["year"]), t["source"], "", ""])
    for link in profile["links"]:
        rows.append(["link", link["kind"], link["text"], "", link["source"], "", ""])
    for p in profile["partnerships"]:
        rows.append(["partnership", p["partner"]["name"], f"{p['kind']}, {p['status']}",
                     "" if p["year_signed"] is None else str(p["year_signed"]), p["source"], "", ""])
    return rows
