"""The facts the resources section reads, as plain JSON-ready values: airports with their positions, the routes
flying today, the diplomatic missions, the DESNZ carbon factors and the visit costs a source gives. Built at
training time from the validated tables, saved in the serving artifact, read by matcher.answers.resources."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from features.sources import Tables


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _text(v) -> str | None:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def travel_facts(tables: Tables) -> dict:
    loc = tables.localities.set_index("id")
    airports = {}
    for r in tables["airports"].itertuples(index=False):
        lat, lon = _num(getattr(r, "lat", None)), _num(getattr(r, "lon", None))
        placed = "airport"
        if lat is None or lon is None:  # no position of its own: its locality's principal town
            lat, lon, placed = _num(loc.at[r.locality_id, "lat"]), _num(loc.at[r.locality_id, "lon"]), "locality"
        airports[r.iata] = {"name": str(r.name), "locality_id": str(r.locality_id),
                            "country": str(loc.at[r.locality_id, "country"]), "lat": lat, "lon": lon,
                            "placed": placed, "source": str(r.source)}
    flights = tables["flights"]
    routes = [{"uk": r.uk_iata, "cn": r.cn_iata, "airline": _text(r.airline), "year": int(r.year),
               "source": str(r.source)}
              for r in flights[flights["status"] == "operating"].itertuples(index=False)]
    missions = [{"host_id": str(r.host_id), "sending_country": str(r.sending_country), "kind": str(r.kind),
                 "year": int(r.year), "source": str(r.source)} for r in tables["consulates"].itertuples(index=False)]
    factors = [{"factor_id": str(r.factor_id), "haul": str(r.haul), "cabin": str(r.cabin), "rf": str(r.rf),
                "kg_per_pkm": float(r.kg_co2e_per_passenger_km), "year": int(r.year), "source": str(r.source)}
               for r in tables["carbon_factors"].itertuples(index=False)]
    costs = [{"uk_id": str(r.uk_id), "travellers": int(r.travellers), "nights": int(r.nights),
              "cost_gbp": float(r.cost_gbp), "year": int(r.year), "source": str(r.source), "note": _text(r.note)}
             for r in tables["visit_costs"].itertuples(index=False)]
    return {"airports": airports, "routes": routes, "missions": missions, "carbon_factors": factors,
            "visit_costs": costs}
