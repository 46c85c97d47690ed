"""One wide row per locality: identity, sourced figures (with year/source beside each), sector strengths,
priority tags and per-locality connection counts. The feature blocks read this frame."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from matcher.config import MISSION_KINDS

if TYPE_CHECKING:  # pandera's import costs start-up time; only build needs it
    from features.sources import Tables


# Localities that act for a region (nation/province) vs a city; partners are usually of the same tier.
REGION_LEVELS = {"nation", "region", "combined_authority", "county", "province", "municipality"}
# Chinese county-level places: compared with each other (education percentiles, prior), not with prefectures.
COUNTY_LEVELS = {"county_city", "district", "county"}
FIGURES = ["population", "gdp_local_m", "gdp_primary_share", "gdp_secondary_share", "gdp_tertiary_share",
           "hei_count", "students_he", "students_from_china", "area_km2", "provincial_capital", "born_in_china",
           "foreign_partners"]


def tier_of(country: str, level: str) -> str:
    """'region' (nation, province, county, combined authority ...), 'county' (a Chinese county-level place)
    or 'city' (a UK council, a Chinese prefecture-level city)."""
    if level in REGION_LEVELS:
        return "region"
    if country == "CN" and level in COUNTY_LEVELS:
        return "county"
    return "city"


def _pick_latest(ind: pd.DataFrame) -> pd.DataFrame:
    """One row per (id, indicator): the most recent year, so a locality's figures are comparable in time."""
    return ind.sort_values("year").groupby(["id", "indicator"], as_index=False).last()


def _fx_for(fx: pd.DataFrame, year: float) -> tuple[float, int, str] | None:
    cny = fx[fx["currency"] == "CNY"]
    if cny.empty or pd.isna(year):
        return None
    row = cny.iloc[(cny["year"] - year).abs().argsort().iloc[0]]
    return float(row["per_gbp"]), int(row["year"]), str(row["source"])


def locality_frame(tables: Tables) -> pd.DataFrame:
    loc = tables.localities
    frame = loc[["id", "country", "level", "name", "name_zh", "name_zh_source", "name_cy", "name_cy_source",
                 "name_pinyin", "parent_id", "lat", "lon"]].copy()
    # Abolished bodies (e.g. a combined authority merged away) stay resolvable but are never candidates.
    frame["abolished"] = (loc["status"].astype(object) == "abolished").to_numpy() if "status" in loc.columns \
        else np.zeros(len(loc), dtype=bool)
    frame["tier"] = [tier_of(c, lv) for c, lv in zip(frame["country"], frame["level"], strict=True)]

    latest = _pick_latest(tables["indicators"])
    for name in FIGURES:
        sub = latest[latest["indicator"] == name].set_index("id")
        frame[name] = frame["id"].map(sub["value"]).astype(float)
        frame[f"{name}__year"] = frame["id"].map(sub["year"]).astype("Int64")
        frame[f"{name}__source"] = frame["id"].map(sub["source"])
        frame[f"{name}__estimate"] = frame["id"].map(sub["estimate"]).fillna(0).astype(int)

    # GDP in GBP so the two countries compare; the rate and its source travel with the figure.
    gbp: list[float] = []
    fx_note: list[str | None] = []
    for _, row in frame.iterrows():
        if pd.isna(row["gdp_local_m"]):
            gbp.append(np.nan)
            fx_note.append(None)
        elif row["country"] == "GB":
            gbp.append(row["gdp_local_m"])
            fx_note.append(None)
        else:
            fx = _fx_for(tables["fx"], row["gdp_local_m__year"])
            gbp.append(row["gdp_local_m"] / fx[0] if fx else np.nan)
            fx_note.append(f"converted at {fx[0]:.3f} CNY/GBP ({fx[1]}; {fx[2]})" if fx else None)
    frame["gdp_gbp_m"] = gbp
    frame["gdp_gbp_m__fx"] = fx_note

    sectors = tables["sectors"]["sector"].tolist()
    industry = tables["industry"]
    if "status" in industry.columns:  # closed plants are history, not a current strength
        industry = industry[industry["status"].fillna("current") != "closed"]
    ind = industry.pivot_table(index="id", columns="sector", values="strength", aggfunc="max")
    for s in sectors:
        col = ind[s] if s in ind.columns else pd.Series(dtype=float)
        frame[f"sector__{s}"] = frame["id"].map(col).astype(float)
    has_industry = frame["id"].isin(ind.index)
    for s in sectors:  # a locality with some sector rows has 0 for the rest; one with none stays missing
        frame.loc[has_industry, f"sector__{s}"] = frame.loc[has_industry, f"sector__{s}"].fillna(0.0)

    tags = tables["priority_tags"]["tag"].tolist()
    pri = tables["priorities"]
    for t in tags:
        frame[f"tag__{t}"] = frame["id"].isin(pri.loc[pri["tag"] == t, "id"]).astype(float)

    edu = tables["education_links"]
    counts = pd.concat([edu["uk_id"], edu["cn_id"]]).value_counts()
    frame["edu_links"] = frame["id"].map(counts).fillna(0).astype(float)

    airports = tables["airports"].set_index("iata")["locality_id"]
    flights = tables["flights"][tables["flights"]["status"] == "operating"]
    ends = pd.concat([flights["uk_iata"].map(airports), flights["cn_iata"].map(airports)])
    frame["routes"] = frame["id"].map(ends.value_counts()).fillna(0).astype(float)

    cons = tables["consulates"]
    missions = cons.loc[cons["kind"].isin(MISSION_KINDS), "host_id"]  # not the CBBC offices
    frame["hosts_mission"] = frame["id"].isin(missions).astype(float)
    return frame.reset_index(drop=True)
