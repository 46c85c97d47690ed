"""Schemas of the raw tables, checked on every load.

Column checks are pandera schemas; checks across rows or tables (duplicate keys, unknown ids,
figures without provenance) are written here too so that every failure has the same shape:
file, CSV line number (header = line 1) and column.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import pandera.pandas as pa
from pandera import Check

from matcher.config import MISSION_KINDS
from matcher.paths import INDICATORS_TOML

GSS = r"^[ENSWK]\d{8}$"
GBT2260 = r"^[1-8]\d{5}$"
ANY_ID = r"^([ENSWK]\d{8}|[1-8]\d{5})$"
YEAR = Check.in_range(1950, 2030)
NONBLANK = Check.str_length(min_value=3)

GB_LEVELS = [
    "nation", "region", "combined_authority", "county", "unitary", "metropolitan_district",
    "london_borough", "non_metropolitan_district", "scottish_council", "welsh_principal_area", "ni_district",
]
CN_LEVELS = ["province", "municipality", "sub_provincial_city", "prefecture_city", "prefecture",
             "county_city", "district"]  # 县级市 and 市辖区: parent_id is the prefecture (or province/municipality)
PARTNERSHIP_KINDS = ["sister_city", "friendship", "economic_partnership", "mou"]
# active: dated activity found; dormant: still on the books, no activity; ended, with `ended_year`: relinquished (the
# council resolved to give the link up), expired (a fixed-term agreement ran out), lapsed (not renewed or
# re-initiated, without a decision to end it), terminated (cut by a decision, e.g. a council motion); unknown: no
# dated evidence after signing.
PARTNERSHIP_STATUS = ["active", "dormant", "relinquished", "expired", "lapsed", "terminated", "unknown"]
PARTNERSHIP_ENDED = ["relinquished", "expired", "lapsed", "terminated"]
INDUSTRY_STATUS = ["current", "closed"]
EDU_KINDS = ["campus", "joint_institute", "joint_school", "joint_programme"]
# consulates.csv kinds: the diplomatic missions (matcher.config.MISSION_KINDS), and the China-Britain Business
# Council's offices (support on the ground for the resources section, never a mission).
SUPPORT_KINDS = [*MISSION_KINDS, "cbbc_office"]
CARBON_HAULS = ["long_haul_uk", "international_non_uk"]  # DESNZ: long-haul to/from the UK; flights outside the UK
CARBON_CABINS = ["economy", "business"]

INDICATORS: dict[str, dict] = tomllib.loads(INDICATORS_TOML.read_text())


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located precisely enough to fix by hand."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = (self.file + (f", line {self.line}" if self.line else "")
                 + (f", column '{self.column}'" if self.column else ""))
        return f"{where}: {self.message}"


def _str(**kw) -> pa.Column:
    return pa.Column(str, **kw)


def _num(checks=None, nullable=True) -> pa.Column:
    return pa.Column(float, checks=checks or [], nullable=nullable, coerce=True)


def _year(nullable=False, required=True) -> pa.Column:
    return pa.Column("Int64", checks=[YEAR], nullable=nullable, coerce=True, required=required)


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "localities_cn": pa.DataFrameSchema({
        "id": _str(checks=Check.str_matches(GBT2260)),
        "name_en": _str(checks=Check.str_length(min_value=2)),
        "name_zh": _str(checks=Check.str_matches(r"[\u4e00-\u9fff]")),
        "name_pinyin": _str(),
        "level": _str(checks=Check.isin(CN_LEVELS)),
        "parent_id": _str(nullable=True, checks=Check.str_matches(GBT2260)),
        "lat": _num([Check.in_range(15, 55)]),
        "lon": _num([Check.in_range(70, 140)]),
        "names_source": _str(checks=NONBLANK),
        "coord_source": _str(nullable=True),
    }, strict=True),
    "localities_gb": pa.DataFrameSchema({
        "id": _str(checks=Check.str_matches(GSS)),
        "name": _str(checks=Check.str_length(min_value=2)),
        # Optional: the Chinese name and the Welsh name (ONS) of the place, each with the source it was copied
        # from (publisher first, then the copy read); a name without its source is an error (features.sources).
        "name_zh": pa.Column(str, checks=Check.str_matches(r"[\u4e00-\u9fff]"), nullable=True, required=False),
        "name_zh_source": pa.Column(str, checks=NONBLANK, nullable=True, required=False),
        "name_cy": pa.Column(str, checks=Check.str_length(min_value=2), nullable=True, required=False),
        "name_cy_source": pa.Column(str, checks=NONBLANK, nullable=True, required=False),
        "level": _str(checks=Check.isin(GB_LEVELS)),
        "parent_id": _str(nullable=True, checks=Check.str_matches(GSS)),
        "lat": _num([Check.in_range(49, 61)]),
        "lon": _num([Check.in_range(-9, 2)]),
        "names_source": _str(checks=NONBLANK),
        "coord_source": _str(nullable=True),
        # A body that no longer exists stays only while other tables link to it: status=abolished, until=year.
        "status": pa.Column(str, checks=Check.isin(["current", "abolished"]), nullable=True, required=False),
        "until": pa.Column("Int64", checks=[YEAR], nullable=True, coerce=True, required=False),
    }, strict=True),
    "indicators": pa.DataFrameSchema({
        "id": _str(checks=Check.str_matches(ANY_ID)),
        "indicator": _str(checks=Check.isin(sorted(INDICATORS))),
        "value": _num(nullable=False),
        "year": _year(),
        "source": _str(checks=NONBLANK),
        "estimate": pa.Column("Int64", checks=Check.isin([0, 1]), coerce=True, nullable=True),
        "note": _str(nullable=True),
    }, strict=True),
    "sectors": pa.DataFrameSchema({
        "sector": _str(checks=Check.str_matches(r"^[a-z_]+$")),
        "label_en": _str(), "label_zh": _str(), "nsi_area": _str(nullable=True),
    }, strict=True),
    "industry": pa.DataFrameSchema({
        "id": _str(checks=Check.str_matches(ANY_ID)),
        "sector": _str(),
        "strength": pa.Column("Int64", checks=Check.isin([1, 2, 3]), coerce=True),
        "evidence": _str(checks=NONBLANK),
        "source": _str(checks=NONBLANK),
        "year": _year(),
        # Optional: a plant or cluster that has ended stays as history with status 'closed' and the year
        # it ended; rows without status are current.
        "status": _str(nullable=True, required=False, checks=Check.isin(INDUSTRY_STATUS)),
        "until": _year(nullable=True, required=False),
    }, strict=True),
    "priority_tags": pa.DataFrameSchema({
        "tag": _str(checks=Check.str_matches(r"^[a-z_]+$")),
        "label_en": _str(), "label_zh": _str(), "related_sectors": _str(),
    }, strict=True),
    "priorities": pa.DataFrameSchema({
        "id": _str(checks=Check.str_matches(ANY_ID)),
        "tag": _str(),
        "evidence": _str(checks=NONBLANK),
        "source": _str(checks=NONBLANK),
        "year": _year(),
        # Optional: 'partial' when the listed pilot is only part of the locality (a district or county of
        # the city that carries the row); empty or 'whole' when the listing names the locality itself.
        "scope": _str(nullable=True, required=False, checks=Check.isin(["whole", "partial"])),
    }, strict=True),
    "partnerships": pa.DataFrameSchema({
        "uk_id": _str(checks=Check.str_matches(GSS)),
        "cn_id": _str(checks=Check.str_matches(GBT2260)),
        "kind": _str(checks=Check.isin(PARTNERSHIP_KINDS)),
        "year_signed": _year(nullable=True),
        "status": _str(checks=Check.isin(PARTNERSHIP_STATUS)),
        "source": _str(checks=NONBLANK),
        "note": _str(nullable=True),
        # Optional: the year of the latest dated evidence for the status, and that evidence (a page
        # read); every status other than 'unknown' needs both (checked in features.sources).
        "status_year": _year(nullable=True, required=False),
        "status_source": _str(nullable=True, required=False),
        "ended_year": _year(nullable=True, required=False),  # the year an ended link ended
    }, strict=True),
    "education_links": pa.DataFrameSchema({
        "uk_id": _str(checks=Check.str_matches(GSS)),
        "cn_id": _str(checks=Check.str_matches(GBT2260)),
        "uk_institution": _str(), "cn_institution": _str(),
        "kind": _str(checks=Check.isin(EDU_KINDS)),
        "year": _year(nullable=True),
        "source": _str(checks=NONBLANK),
        # `year` is the year the link began (approval, signing, opening); optional `last_confirmed_year` is the
        # year of the latest dated page showing it still runs.
        "last_confirmed_year": _year(nullable=True, required=False),
    }, strict=True),
    "airports": pa.DataFrameSchema({
        "iata": _str(checks=Check.str_matches(r"^[A-Z]{3}$")),
        "name": _str(),
        "locality_id": _str(checks=Check.str_matches(ANY_ID)),
        # Optional: the airport's own position (else its locality's), for the distances of the resources section.
        "lat": pa.Column(float, checks=[Check.in_range(-90, 90)], nullable=True, coerce=True, required=False),
        "lon": pa.Column(float, checks=[Check.in_range(-180, 180)], nullable=True, coerce=True, required=False),
        "source": _str(checks=NONBLANK),
    }, strict=True),
    "flights": pa.DataFrameSchema({
        "uk_iata": _str(checks=Check.str_matches(r"^[A-Z]{3}$")),
        "cn_iata": _str(checks=Check.str_matches(r"^[A-Z]{3}$")),
        "airline": _str(nullable=True),
        "year": _year(),  # the latest dated report read for the route (its last-confirmed year)
        "status": _str(checks=Check.isin(["operating", "suspended"])),
        "source": _str(checks=NONBLANK),
        "start_year": _year(nullable=True, required=False),  # first operation of the route by that airline
    }, strict=True),
    "consulates": pa.DataFrameSchema({
        "host_id": _str(checks=Check.str_matches(ANY_ID)),
        "sending_country": _str(checks=Check.isin(["CN", "GB"])),
        "kind": _str(checks=Check.isin(SUPPORT_KINDS)),
        "year": _year(),  # the year of the latest dated page read about the mission (last confirmed)
        "source": _str(checks=NONBLANK),
        "start_year": _year(nullable=True, required=False),  # the year the mission opened
        "start_source": _str(nullable=True, required=False),
    }, strict=True),
    "former_councils": pa.DataFrameSchema({
        "former_id": _str(checks=Check.str_matches(GSS)),
        "former_name": _str(checks=Check.str_length(min_value=2)),
        "successor_id": _str(checks=Check.str_matches(GSS)),
        "until": _year(),
        "source": _str(checks=NONBLANK),
    }, strict=True),
    # UK government (DESNZ) greenhouse-gas conversion factors for business air travel, per passenger km.
    "carbon_factors": pa.DataFrameSchema({
        "factor_id": _str(),
        "haul": _str(checks=Check.isin(CARBON_HAULS)),
        "cabin": _str(checks=Check.isin(CARBON_CABINS)),
        "rf": _str(checks=Check.isin(["with_rf", "without_rf"])),
        "kg_co2e_per_passenger_km": _num([Check.in_range(0.001, 2.0)], nullable=False),
        "year": _year(),
        "source": _str(checks=NONBLANK),
    }, strict=True),
    # What a visit costs, only where a source gives a figure (a council's own estimate, dated).
    "visit_costs": pa.DataFrameSchema({
        "uk_id": _str(checks=Check.str_matches(GSS)),
        "travellers": pa.Column("Int64", checks=Check.in_range(1, 100), coerce=True),
        "nights": pa.Column("Int64", checks=Check.in_range(0, 60), coerce=True),
        "cost_gbp": _num([Check.gt(0)], nullable=False),
        "year": _year(),
        "source": _str(checks=NONBLANK),
        "note": _str(nullable=True),
    }, strict=True),
    "fx": pa.DataFrameSchema({
        "currency": _str(),
        "per_gbp": _num([Check.gt(0)], nullable=False),
        "year": _year(),
        "source": _str(checks=NONBLANK),
    }, strict=True),
}

# Optional columns, added empty to a table whose files all leave them out, so code can rely on them.
OPTIONAL_COLUMNS: dict[str, list[str]] = {
    "industry": ["status", "until"], "partnerships": ["status_year", "status_source", "ended_year"],
    "priorities": ["scope"], "flights": ["start_year"], "consulates": ["start_year", "start_source"],
    "education_links": ["last_confirmed_year"],
    "localities_gb": ["name_zh", "name_zh_source", "name_cy", "name_cy_source"],
}

# Which columns make a row unique, per table.
KEYS: dict[str, list[str]] = {
    "localities_cn": ["id"], "localities_gb": ["id"], "indicators": ["id", "indicator", "year"],
    "sectors": ["sector"], "industry": ["id", "sector", "status"], "priority_tags": ["tag"],
    "priorities": ["id", "tag"], "partnerships": ["uk_id", "cn_id", "kind"],
    "education_links": ["uk_id", "cn_id", "uk_institution", "cn_institution"],
    "airports": ["iata"], "flights": ["uk_iata", "cn_iata", "airline"],
    "consulates": ["host_id", "sending_country", "kind"], "fx": ["currency", "year"],
    "former_councils": ["former_id"], "carbon_factors": ["haul", "cabin", "rf", "year"],
    "visit_costs": ["uk_id", "year"],
}
