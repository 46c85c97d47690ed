"""Resources and purpose, in numbers: how far a UK place and a Chinese place are apart, how to fly between
them, what one return trip emits, the time difference, who on the ground can help, and a visit cost where a
source gives one.

Pure (standard library only; the service imports it without pandas or scikit-learn). It reads the travel
facts saved in the answer model (`model.travel_`, built by features.travel from data/raw: airports.csv,
flights.csv, consulates.csv, carbon_factors.csv, visit_costs.csv) and the places' coordinates (`records_`).

Method, said once here and again in every answer's `method`:
- Distance: great-circle (haversine) distance on a sphere of the Earth's mean radius, 6,371.0088 km.
- Route: the UK place's nearest airport with a route flying today (flights.csv, status operating), and the
  Chinese place's nearest airport (airports.csv), or an airport at most 60 km further that the UK airport
  flies to (a city with two airports). Direct when flights.csv has that route operating; otherwise one
  connection, through the Chinese airport served from that UK airport that makes the two flights shortest.
  The connecting flight is not checked against a timetable.
- Travel time (indicative, no timetable read): each flight at 800 km/h plus 30 minutes (taxi, climb,
  descent), and 2 hours per connection; the journeys to and from the airports are not counted.
- Carbon: DESNZ conversion factors for business travel by air, with radiative forcing (RF), per passenger km,
  applied to the great-circle distance of each flight: the UK–China flight at the long-haul to/from UK
  factor, a connection inside China at the international to/from non-UK factor. A return trip is twice
  the one-way flights. Ground travel is not counted.
- Support on the ground (consulates.csv): the British mission and the China-Britain Business Council office
  nearest the Chinese place, and the Chinese mission nearest the UK place.
- Time difference: China Standard Time is UTC+8 all year; the UK is on UTC+0 (GMT) and on UTC+1 (BST) from
  the last Sunday in March to the last Sunday in October, so China is 8 hours ahead in winter and 7 in summer.
"""

from __future__ import annotations

import math

from matcher.config import MISSION_KINDS
from matcher.i18n import DEFAULT, Local, Msg, Quote, Raw, msg, render

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
CRUISE_KMH = 800.0
PER_FLIGHT_HOURS = 0.5
CONNECTION_HOURS = 2.0
RF = "with_rf"
SAME_CITY_KM = 60.0
VISITORS = 4  # the committee sentence's delegation: Derby's 2015 estimate was for four people
TIME_DIFFERENCE_GMT, TIME_DIFFERENCE_BST = 8, 7
TIME_SOURCE = ("China Standard Time UTC+8 all year; UK GMT (UTC+0), British Summer Time (UTC+1) from late March to "
               "late October: China is 8 hours ahead, 7 during BST, as a Chinese country profile of the UK puts it "
               "(我国北京与英国格林威治标准时间相差8小时…每年夏季,从3月底至10月底,英国实行夏时制,"
               "此时与北京时间相差7小时; "
               "read at https://blog.wenxuecity.com/myblog/7846/200702/13007.html)")
METHOD = ("Great-circle (haversine) distances between airports; the UK place's nearest airport with a route "
          "operating today and the Chinese place's nearest airport; direct if the route operates, otherwise one "
          "connection through the Chinese airport that makes the two flights shortest (not checked against a "
          "timetable). Time: 800 km/h plus 30 minutes a flight and 2 hours a connection. Carbon: DESNZ business "
          "travel factors with radiative forcing, per passenger km, for the flights only, there and back.")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def flight_hours(legs_km: list[float]) -> float:
    """Indicative door-of-plane time for consecutive flights: 800 km/h + 30 min each, 2 h per connection."""
    return sum(km / CRUISE_KMH + PER_FLIGHT_HOURS for km in legs_km) + CONNECTION_HOURS * max(0, len(legs_km) - 1)


def factor(travel: dict, haul: str, cabin: str, rf: str = RF) -> dict:
    """The latest DESNZ factor for a haul (long_haul_uk, international_non_uk), cabin and RF choice."""
    rows = [f for f in travel["carbon_factors"] if (f["haul"], f["cabin"], f["rf"]) == (haul, cabin, rf)]
    if not rows:
        raise KeyError(f"no carbon factor for {haul} {cabin} {rf}")
    return max(rows, key=lambda f: f["year"])


def co2e_return_kg(travel: dict, legs: list[dict], cabin: str) -> float:
    """kg CO2e of one traveller's return trip over `legs` (each with km and haul)."""
    return 2 * sum(leg["km"] * factor(travel, leg["haul"], cabin)["kg_per_pkm"] for leg in legs)


def position(records: dict, i: str) -> tuple[float, float] | None:
    """A place's coordinates, or its parent's when it has none (a district listed without its own)."""
    seen = set()
    while i and i in records and i not in seen:
        seen.add(i)
        r = records[i]
        if r.get("lat") is not None and r.get("lon") is not None:
            return float(r["lat"]), float(r["lon"])
        i = r.get("parent_id")
    return None


def _nearest(points: dict, lat: float, lon: float) -> tuple[str, float] | None:
    best = min(points, key=lambda k: (haversine_km(lat, lon, points[k]["lat"], points[k]["lon"]), k), default=None)
    return None if best is None else (best, haversine_km(lat, lon, points[best]["lat"], points[best]["lon"]))


def _km(airports: dict, a: str, b: str) -> float:
    return haversine_km(airports[a]["lat"], airports[a]["lon"], airports[b]["lat"], airports[b]["lon"])


def plan_route(travel: dict, uk_at: tuple[float, float], cn_at: tuple[float, float]) -> dict | None:
    """The UK airport, the Chinese airport and the flights between them (direct, or via one Chinese hub)."""
    airports = {k: a for k, a in travel["airports"].items() if a["lat"] is not None and a["lon"] is not None}
    routes = [r for r in travel["routes"] if r["uk"] in airports and r["cn"] in airports]
    uk_side = _nearest({r["uk"]: airports[r["uk"]] for r in routes}, *uk_at)
    cn_airports = {k: a for k, a in airports.items() if a["country"] == "CN"}
    cn_side = _nearest(cn_airports, *cn_at)
    if uk_side is None or cn_side is None:
        return None
    (uk, uk_ground), (cn, cn_ground) = uk_side, cn_side
    # A city with two airports (Shanghai, Beijing): land at whichever of them the UK airport flies to, if it is
    # about as near (within SAME_CITY_KM more than the nearest), rather than connect between the two.
    near = {k: km for k, a in cn_airports.items()
            if (km := haversine_km(*cn_at, a["lat"], a["lon"])) <= cn_ground + SAME_CITY_KM}
    flown = sorted((near[r["cn"]], r["cn"]) for r in routes if r["uk"] == uk and r["cn"] in near)
    if flown:
        cn_ground, cn = flown[0]
    def latest(to: str) -> list[dict]:  # the UK airport's operating routes to `to`, latest report first
        return sorted((r for r in routes if r["uk"] == uk and r["cn"] == to),
                      key=lambda r: (-r["year"], r["airline"] or ""))

    direct = latest(cn)
    if direct:
        hub, first = None, direct[0]
    else:
        served = sorted({r["cn"] for r in routes if r["uk"] == uk})
        hub = min(served, key=lambda h: (_km(airports, uk, h) + _km(airports, h, cn), h))
        first = latest(hub)[0]
    legs = [{"from": uk, "to": hub or cn, "km": _km(airports, uk, hub or cn), "haul": "long_haul_uk",
             "airline": first["airline"], "year": first["year"], "source": first["source"]}]
    if hub:
        legs.append({"from": hub, "to": cn, "km": _km(airports, hub, cn), "haul": "international_non_uk",
                     "airline": None, "year": None, "source": "connection inside China: not in the data, assumed"})
    return {"uk_airport": uk, "cn_airport": cn, "hub": hub, "direct": hub is None, "legs": legs,
            "uk_ground_km": uk_ground, "cn_ground_km": cn_ground}


def _airport_label(travel: dict, iata: str, names: dict | None = None) -> str:
    """'Taoxian Airport (SHE, Shenyang)': the airport's name, code, and its city when the name does not say it."""
    a = travel["airports"][iata]
    city = (names or {}).get(a["locality_id"], "")
    city = city.split(",")[0] if city else ""
    return f"{a['name']} ({iata}{', ' + city if city and city not in a['name'] else ''})"


def route_message(travel: dict, route: dict, names: dict | None = None) -> Msg:
    """The route in words (airports are named as the airports table names them, in English: proper nouns)."""
    first = route["legs"][0]
    reported = msg("resources.reported", year=first["year"])
    airline = msg("resources.airline", airline=Quote(first["airline"]), reported=reported) if first["airline"] \
        else reported
    text = msg("resources.flight", origin=Quote(_airport_label(travel, route["uk_airport"], names)),
               to=Quote(_airport_label(travel, route["legs"][0]["to"], names)), airline=airline)
    if route["hub"]:
        return msg("resources.route_hub", flight=text,
                   to=Quote(_airport_label(travel, route["cn_airport"], names)))
    return msg("resources.route_direct", flight=text)


def route_text(travel: dict, route: dict, names: dict | None = None, lang: str = DEFAULT) -> str:
    return render(route_message(travel, route, names), lang)


def _local_names(records: dict) -> dict[str, Local]:
    return {i: Local(str(r["name"]), r.get("name_zh") if isinstance(r.get("name_zh"), str) else None)
            for i, r in records.items()}


CBBC_OFFICE = "cbbc_office"  # a China-Britain Business Council office (consulates.csv), support but not a mission


def _nearest_row(records: dict, place: str, at: tuple[float, float], rows: list[dict]) -> tuple[float, dict] | None:
    """The row whose host is nearest the place (0 km when the place itself hosts it; ties by host id)."""
    best = None
    for m in rows:
        if (host := position(records, m["host_id"])) is None:
            continue
        km = 0.0 if m["host_id"] == place else haversine_km(*at, *host)
        if best is None or (km, m["host_id"]) < (best[0], best[1]["host_id"]):
            best = (km, m)
    return best


def _support_item(records: dict, local: dict[str, Local], names: dict, place: str, found: tuple[float, dict],
                  kind: str, key: str, lang: str, markup: bool) -> dict:
    km, m = found
    host_name = local.get(m["host_id"], Local(m["host_id"]))
    inside = km < 1 or _within(records, place, m["host_id"])
    where = msg("resources.mission_in", host=host_name) if inside else \
        msg("resources.mission_near", host=host_name, km=km, place=local.get(place, Local(place)))
    return {"kind": kind, "host_id": m["host_id"], "host": names.get(m["host_id"], m["host_id"]),
            "distance_km": round(0.0 if inside else km, 1), "in_place": inside,
            "text": render(msg(f"resources.{key}", where=where, year=int(m["year"])), lang, markup), "year": m["year"],
            "source": m["source"]}


def support(travel: dict, records: dict, uk_id: str, cn_id: str, names: dict, lang: str = DEFAULT,
            markup: bool = False) -> list[dict]:
    """Who on the ground can help (consulates.csv): the British mission nearest the Chinese place, the
    China-Britain Business Council office nearest it, and the Chinese mission nearest the UK place, each in the
    place or at its distance."""
    out, local = [], _local_names(records)
    for place, sending in ((cn_id, "GB"), (uk_id, "CN")):
        at = position(records, place)
        if at is None:
            continue
        who = "british" if sending == "GB" else "chinese"
        missions = [m for m in travel["missions"] if m["sending_country"] == sending and m["kind"] in MISSION_KINDS]
        if found := _nearest_row(records, place, at, missions):
            key = f"{who}_{'embassy' if found[1]['kind'] == 'embassy' else 'consulate'}"
            out.append(_support_item(records, local, names, place, found, f"{who}_{found[1]['kind']}", key, lang,
                                     markup))
        offices = [m for m in travel["missions"] if m["kind"] == CBBC_OFFICE] if sending == "GB" else []
        if found := _nearest_row(records, place, at, offices):
            out.append(_support_item(records, local, names, place, found, CBBC_OFFICE, CBBC_OFFICE, lang, markup))
    return out


def _within(records: dict, place: str, host: str) -> bool:
    """Whether the mission's host is the place or one of its parents (a consulate in the province capital
    does not count as 'in' another city of the province)."""
    i, seen = place, set()
    while i and i in records and i not in seen:
        if i == host:
            return True
        seen.add(i)
        i = records[i].get("parent_id")
    return False


def visit_cost(travel: dict, uk_id: str, names: dict, lang: str = DEFAULT, records: dict | None = None,
               markup: bool = False) -> dict | None:
    """A visit cost only where a source gives one: the UK place's own estimate, else the one estimate the data
    hold, quoted as that council's, dated, never adjusted."""
    costs = travel.get("visit_costs", [])
    own = [c for c in costs if c["uk_id"] == uk_id]
    pick = max(own or costs, key=lambda c: c["year"], default=None)
    if pick is None:
        return None
    who = names.get(pick["uk_id"], pick["uk_id"])
    by = _local_names(records).get(pick["uk_id"], Local(who)) if records else Local(who)
    text = msg("resources.visit_cost", reference="" if own else msg("resources.for_reference"), by=by,
               year=pick["year"], travellers=pick["travellers"], nights=pick["nights"], cost=pick["cost_gbp"])
    return {**pick, "by": who, "own_estimate": bool(own), "text": render(text, lang, markup)}


def resources(model, a: str, b: str, lang: str = DEFAULT, markup: bool = False) -> dict | None:
    """The resources object for a pair (either order: the UK place and the Chinese place are told apart by
    their records), or None when the data cannot place both ends. Its sentences are in `lang`; with `markup`
    they are HTML, quoted names marked with their language (for a page; the API's JSON is plain text)."""
    travel, records = getattr(model, "travel_", None) or {}, model.records_
    if not travel.get("airports") or not travel.get("carbon_factors"):
        return None
    uk_id, cn_id = (a, b) if records[a]["country"] == "GB" else (b, a)
    uk_at, cn_at = position(records, uk_id), position(records, cn_id)
    if uk_at is None or cn_at is None:
        return None
    route = plan_route(travel, uk_at, cn_at)
    if route is None:
        return None
    names = {i: r["name"] for i, r in records.items()}
    km = sum(leg["km"] for leg in route["legs"])
    econ, bus = co2e_return_kg(travel, route["legs"], "economy"), co2e_return_kg(travel, route["legs"], "business")
    hours = flight_hours([leg["km"] for leg in route["legs"]])
    used = {f["factor_id"]: f for leg in route["legs"] for cabin in ("economy", "business")
            for f in [factor(travel, leg["haul"], cabin)]}
    years = sorted({f["year"] for f in used.values()})
    factor_source = (f"UK Government (DESNZ) greenhouse gas conversion factors {'/'.join(map(str, years))}, business "
                     f"travel by air, with radiative forcing: " + "; ".join(
                         f"{f['haul'].replace('_', ' ')} {f['cabin']} {f['kg_per_pkm']} kg CO2e per passenger km "
                         f"(ID {f['factor_id']})" for f in used.values()))
    route_msg = route_message(travel, route, names)
    group_t = VISITORS * econ / 1000
    sentence = msg("resources.committee", visitors=VISITORS, economy_t=group_t, business_t=group_t * bus / econ,
                   route=route_msg, km=km, hours=hours)
    return {
        "route": render(route_msg, lang, markup),
        "route_legs": [{k: leg[k] for k in ("from", "to", "km", "haul", "airline", "year", "source")}
                       for leg in route["legs"]],
        "uk_airport": route["uk_airport"], "cn_airport": route["cn_airport"], "hub": route["hub"],
        "hub_name": _airport_label(travel, route["hub"], names) if route["hub"] else None,
        "direct": route["direct"],
        "uk_airport_km": round(route["uk_ground_km"], 1), "cn_airport_km": round(route["cn_ground_km"], 1),
        "distance_km": round(km, 1),
        "place_distance_km": round(haversine_km(*uk_at, *cn_at), 1),
        "travel_hours": round(hours, 1),
        "co2e_kg_return_economy": round(econ, 1), "co2e_kg_return_business": round(bus, 1),
        "factor_source": factor_source,
        "time_difference_hours": TIME_DIFFERENCE_GMT, "time_difference_hours_bst": TIME_DIFFERENCE_BST,
        "time_difference": render(msg("resources.time_difference", gmt=TIME_DIFFERENCE_GMT,
                                      bst=TIME_DIFFERENCE_BST), lang, markup),
        "time_source": TIME_SOURCE,
        "support": support(travel, records, uk_id, cn_id, names, lang, markup),
        "visit_cost": visit_cost(travel, uk_id, names, lang, records, markup),
        "committee_sentence": render(sentence, lang, markup),
        "method": METHOD,
    }


def sentences(res: dict, lang: str = DEFAULT, markup: bool = False) -> tuple[list[str], list[str]]:
    """The resources object in plain words for the card (in `lang`: the object's own texts are already in it,
    and HTML where it was made with `markup`), and the sources it quotes."""
    def say(key: str, **facts) -> str:
        facts = {k: Raw(v) if markup and isinstance(v, str) else v for k, v in facts.items()}
        return render(msg(key, **facts), lang, markup)

    legs = res["route_legs"]
    connection = msg("resources.direct") if res["direct"] else \
        msg("resources.one_connection", hub=Quote(res["hub_name"]))
    items = [
        say("resources.getting_there", route=res["route"], km=res["distance_km"], connection=connection,
            hours=res["travel_hours"], apart=res["place_distance_km"], uk_km=res["uk_airport_km"],
            cn_km=res["cn_airport_km"]),
        say("resources.carbon", economy=res["co2e_kg_return_economy"], business=res["co2e_kg_return_business"]),
        res["time_difference"],
    ]
    items += [s["text"] for s in res["support"]] or [say("resources.no_mission")]
    if res["visit_cost"]:
        items.append(say("resources.visit_cost_item", text=res["visit_cost"]["text"]))
    else:
        items.append(say("resources.no_visit_cost"))
    items.append(res["committee_sentence"])
    sources = [res["factor_source"], res["time_source"], *(leg["source"] for leg in legs if leg["year"]),
               *(s["source"] for s in res["support"])]
    if res["visit_cost"]:
        sources.append(res["visit_cost"]["source"])
    return items, sources
