"""Words for the identifiers people read: locality levels, preset names, and what each block asks.

The page, the card, the embed and the CLI's table show these instead of `sub_provincial_city` or
`smart_environment`; the identifiers stay in the API's JSON (contract) and in `--json` output.
"""

from __future__ import annotations

LEVELS = {
    # GB (ONS geography)
    "nation": "nation",
    "region": "region",
    "combined_authority": "combined authority",
    "county": "county council",
    "unitary": "unitary authority",
    "metropolitan_district": "metropolitan borough",
    "non_metropolitan_district": "district council",
    "london_borough": "London borough",
    "scottish_council": "Scottish council area",
    "welsh_principal_area": "Welsh principal area",
    "ni_district": "Northern Ireland district",
    # CN (GB/T 2260)
    "province": "province or autonomous region",
    "municipality": "municipality (a city with province rank)",
    "sub_provincial_city": "sub-provincial city",
    "prefecture_city": "prefecture-level city",
    "prefecture": "prefecture",
    "county_city": "county-level city",
    "district": "city district",
}

KINDS = {
    "sister_city": "sister city",
    "friendship": "friendship city",
    "economic_partnership": "economic partnership (trade and collaboration agreement)",
    "mou": "memorandum of understanding",
}

PRESETS = {
    "balanced": "Learned from history (default)",
    "industry_trade": "Industry and trade",
    "education_students": "Education and students",
    "smart_environment": "Smart city and environment",
    "transport_ports": "Transport and ports",
    "fitted": "Learned from past partnerships",
}

# One plain sentence per block: the question it answers about a pair.
PLAIN = {
    "industry": "Do both places count the same industries among their strengths?",
    "scale": "Is the size gap (population, output) like the gap in real partnerships between places of these "
             "kinds? A Chinese partner city is usually several times larger.",
    "education": "Are both places strong in universities and students, compared with places of their own kind?",
    "student_links": "Is there already a campus, joint institute or joint programme between them (or their "
                     "county, province or cities)?",
    "priorities": "Do both list the same official priorities (smart city, clean air, ports, ...)? A priority few "
                  "places share counts more than a common one.",
    "connectivity": "Are there direct flights, a consulate, or partnerships between related places? The pair's "
                    "own partnership is not counted here: it is shown separately.",
    "complementarity": "Do one side's strong industries serve the other side's priorities?",
    "prominence": "Not fit: does this place draw UK–China partners whatever the match (a capital, direct flights, "
                  "a large economy, universities, partners already)? Learned from past partnerships; turn it down "
                  "to rank on fit alone.",
}

TERMS = {
    "score": "A number from 0 to 1: the weighted average of the measures listed under 'How the score works', each "
             "from 0 (nothing in common) to 1. The coloured bar shows how much each adds; the parts add up to the "
             "score.",
    "rank": "Where this place stands among all candidates in the other country, with the same weights.",
    "mutual": "Where you would stand in their own list of matches in your country: #1 means you are their best "
              "match.",
    "custom": "The weights no longer match a named preset: you moved a slider or loaded a saved profile.",
}


def level_label(level: str) -> str:
    return LEVELS.get(level, level.replace("_", " "))


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " "))


def preset_label(name: str | None) -> str:
    if not name or name == "default":
        return PRESETS["balanced"]
    return PRESETS.get(name, name.replace("_", " "))
