"""Pair-level connection features between every GB and every CN locality: institutional links, direct
flights, diplomatic presence and ties through related places' partnerships.

Built from the link tables and from the partnerships it is *given*, so an evaluation can pass only
training partnerships and nothing of a held-out pair reaches the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features.pair_types import EduLink, PairFeatures
from features.schemas import PARTNERSHIP_ENDED
from matcher.config import MISSION_KINDS

if TYPE_CHECKING:  # pandera's import costs start-up time; only build needs it
    from features.sources import Tables


EDU_STRENGTH = {"campus": 1.0, "joint_institute": 0.8, "joint_school": 0.8, "joint_programme": 0.5}
# Pair-level tables and the column dating each row: an evaluation slices them to rows dated before a pair.
# A row is dated by its `start_year` (first flight, opening, signing) where given, else by `year` (the latest
# dated report of it, an upper bound on when it began).
DATED_LINKS = {"education_links": "year", "flights": "year", "consulates": "year"}


def _start(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col] if "start_year" not in df.columns else df["start_year"].fillna(df[col])


def links_before(frames: dict[str, pd.DataFrame], year: int | None) -> tuple[dict[str, pd.DataFrame], dict]:
    """The pair-level tables as they stood before `year` (None: everything). Undated rows cannot be shown
    to predate anything, so a sliced view leaves them out; the counts say how many went."""
    if year is None:
        return dict(frames), {}
    out, dropped = dict(frames), {}
    for table, col in DATED_LINKS.items():
        df = frames[table]
        start = _start(df, col)
        keep = start.notna() & (start < year)
        out[table] = df[keep]
        dropped[table] = {"after": int((start.notna() & ~keep).sum()), "undated": int(start.isna().sum())}
    return out, dropped


# Statuses of a partnership that has ended or gone quiet: history, shown with its status in a review, never a
# tie that raises another pair's fit. In a snapshot of an earlier year, a partnership that ended (`ended_year`)
# or was last found dormant (`status_year`) only later was still live then.
NOT_LIVE = frozenset({*PARTNERSHIP_ENDED, "dormant"})


def live_partnerships(partnerships: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Partnerships that were live as of `year` (None: today): neither ended nor dormant, or so only later."""
    ended = partnerships["status"].isin(NOT_LIVE)
    if year is not None:
        when = partnerships["ended_year"] if "ended_year" in partnerships else pd.Series(np.nan, partnerships.index)
        when = when.fillna(partnerships["status_year"]) if "status_year" in partnerships else when
        ended &= ~(when.notna() & (when >= year))
    return partnerships[~ended]


def partnerships_before(partnerships: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Partnerships signed before `year` (undated ones are left out of a sliced view)."""
    if year is None:
        return partnerships
    y = partnerships["year_signed"]
    return partnerships[y.notna() & (y < year)]
RELATED_SHARE = 0.6  # a link held by a place's parent or child counts this much


def ancestors(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Each locality with the places that contain it (itself included)."""
    parent = dict(zip(frame["id"], frame["parent_id"], strict=True))
    out: dict[str, set[str]] = {}
    for i in frame["id"]:
        chain, p = {i}, parent.get(i)
        while isinstance(p, str) and p in parent and p not in chain:
            chain.add(p)
            p = parent.get(p)
        out[i] = chain
    return out


def family(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Each locality with its ancestors and descendants (the places whose links reflect on it)."""
    up = ancestors(frame)
    fam = {i: set(chain) for i, chain in up.items()}
    for i, chain in up.items():
        for a in chain:
            fam[a].add(i)
    return fam


def _served_by(frame: pd.DataFrame, airports: pd.DataFrame, fam: dict[str, set[str]]) -> dict[str, set[str]]:
    """Airports that are a locality's own: in the place itself, or in its parent or child areas. An airport an
    hour's drive away serves every place around it alike, so it says nothing about one pair (prominence
    counts that reach); a place's own airport is a tie of its own."""
    served: dict[str, set[str]] = {i: set() for i in frame["id"]}
    for home, code in zip(airports["locality_id"], airports["iata"], strict=True):
        for i in fam.get(home, ()):
            served[i].add(code)
    return served


def build_pairs(tables: Tables | Mapping[str, pd.DataFrame], frame: pd.DataFrame) -> PairFeatures:
    """Pair features from the link tables given (already sliced to a date where needed). Ties between related
    places depend on which partnerships are known, so they start empty: see `build_ties`."""
    gb_ids = frame.loc[frame["country"] == "GB", "id"].tolist()
    cn_ids = frame.loc[frame["country"] == "CN", "id"].tolist()
    gi = {g: n for n, g in enumerate(gb_ids)}
    ci = {c: n for n, c in enumerate(cn_ids)}
    fam = family(frame)
    shape = (len(gb_ids), len(cn_ids))

    edu, edu_note = np.zeros(shape), {}
    # A campus or joint institute belongs to its places and to the areas containing them (Nottingham's
    # Ningbo campus is also Zhejiang's), never to the places they contain (it is not in Cixi).
    up = ancestors(frame)
    for _, link in tables["education_links"].iterrows():
        base = EDU_STRENGTH[link["kind"]]
        year = "" if pd.isna(link["year"]) else f", {int(link['year'])}"
        text = f"{link['uk_institution']} – {link['cn_institution']} ({link['kind'].replace('_', ' ')}{year})"
        for g in up.get(link["uk_id"], ()):
            for c in up.get(link["cn_id"], ()):
                direct = g == link["uk_id"] and c == link["cn_id"]
                value = base if direct else base * RELATED_SHARE
                if g in gi and c in ci and value > edu[gi[g], ci[c]]:
                    edu[gi[g], ci[c]] = value
                    edu_note[(g, c)] = EduLink(link["uk_id"], link["cn_id"], text, direct)

    flight, flight_note = np.zeros(shape), {}
    serves: dict[str, list[str]] = {}
    for place, codes in _served_by(frame, tables["airports"], fam).items():
        for code in codes:
            serves.setdefault(code, []).append(place)
    # Operating routes first, so a suspended one never overwrites them.
    for _, r in tables["flights"].sort_values("status").iterrows():
        value = 1.0 if r["status"] == "operating" else 0.5
        airline = f" ({r['airline']}, {int(r['year'])})" if isinstance(r["airline"], str) else ""
        for g in serves.get(r["uk_iata"], ()):
            for c in serves.get(r["cn_iata"], ()):
                if g in gi and c in ci and value > flight[gi[g], ci[c]]:
                    flight[gi[g], ci[c]] = value
                    flight_note[(g, c)] = f"{r['uk_iata']}–{r['cn_iata']}{airline}, {r['status']}"

    cons = tables["consulates"]
    hosts = set(cons.loc[cons["kind"].isin(MISSION_KINDS), "host_id"])  # missions only, not CBBC offices
    # The host itself if it hosts, else the nearest ancestor, else a descendant (sorted: deterministic).
    mission_host = {}
    for i in frame["id"]:
        found = sorted(fam[i] & hosts, key=lambda h: (h != i, h))
        if found:
            mission_host[i] = found[0]
    has_mission = {i: float(i in mission_host) for i in frame["id"]}
    mission = (np.array([has_mission[g] for g in gb_ids])[:, None]
               + np.array([has_mission[c] for c in cn_ids])[None, :]) / 2.0

    return PairFeatures(gb_ids, cn_ids, edu, edu_note, flight, flight_note, mission, mission_host,
                        np.zeros(shape), {})


# How much a partnership says about a pair it does not join, by where each of the pair's places stands to the
# partnership's own place on its side: the place itself, an area containing it (a province engaged through its
# city), or a place inside it (a county of a partnered city, a council of a partnered nation).
TIE_SHARE = {"self": 1.0, "ancestor": 0.6, "descendant": 0.3}


def family_shares(ids: list[str], family: dict[str, set[str]], up: dict[str, set[str]], pos: dict[str, int]
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each locality i: the positions (in `pos`) of its family and each one's TIE_SHARE relative to i."""
    out = {}
    for i in ids:
        members = sorted(x for x in family.get(i, {i}) if x in pos)
        share = [TIE_SHARE["self"] if x == i else TIE_SHARE["ancestor"] if x in up.get(i, ()) else
                 TIE_SHARE["descendant"] for x in members]
        out[i] = (np.array([pos[x] for x in members], dtype=np.intp), np.array(share, float))
    return out


def build_ties(partnerships: pd.DataFrame, gb_ids: list[str], cn_ids: list[str],
               shares: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, dict]:
    """For each (g, c): the strongest tie another partnership gives it, the product of both sides' TIE_SHARE
    (Belfast–Anshan through Northern Ireland–Liaoning: 0.3 x 0.3), never the (g, c) partnership itself, which
    is a flag and never evidence of its own fit. Notes name the partnership behind each tie (the first in table
    order among equally strong ones)."""
    gi = {g: n for n, g in enumerate(gb_ids)}
    ci = {c: n for n, c in enumerate(cn_ids)}
    ties = np.zeros((len(gb_ids), len(cn_ids)))
    notes: dict = {}
    for uk, cn, kind in zip(partnerships["uk_id"], partnerships["cn_id"], partnerships["kind"], strict=True):
        if uk not in gi or cn not in ci:
            continue
        (g_idx, g_share), (c_idx, c_share) = shares[uk], shares[cn]
        block = np.outer(g_share, c_share)
        block[(g_idx == gi[uk])[:, None] & (c_idx == ci[cn])[None, :]] = 0.0
        current = ties[np.ix_(g_idx, c_idx)]
        better = block > current
        ties[np.ix_(g_idx, c_idx)] = np.where(better, block, current)
        for a, b in zip(*np.nonzero(better), strict=True):
            notes[(gb_ids[g_idx[a]], cn_ids[c_idx[b]])] = (uk, cn, kind)
    return ties, notes
