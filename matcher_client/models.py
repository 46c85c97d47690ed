"""The API's response types: the contract between the service and its clients.

Plain pydantic models with no dependency on the server or the model, so a back end can install the client
alone. The service declares its responses with these same classes (service/api/schemas/), so the two cannot
drift apart.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Locality(BaseModel):
    id: str = Field(examples=["E08000019"])
    name: str = Field(examples=["Sheffield"])
    name_zh: str | None = Field(default=None, examples=["鞍山市"])
    name_cy: str | None = Field(default=None, examples=["Caerdydd"],
                                description="The Welsh name (ONS), given for Welsh localities")
    country: str = Field(examples=["GB"])
    level: str = Field(examples=["metropolitan_district"])
    qualified: str | None = Field(default=None, examples=["Suzhou, Anhui"],
                                  description="Name with its province, given when another locality has the name")


class Partnership(BaseModel):
    kind: str
    year_signed: int | None
    status: str
    source: str


class Result(BaseModel):
    rank: int
    locality: Locality
    score: float
    fit: float = Field(description="What the fit blocks add up to (score minus the prominence contribution)")
    prominence: float = Field(description="The candidate's capacity to engage in [0, 1] (its prior: how much it "
                              "draws UK–China partners whatever the match); not fit")
    contributions: dict[str, float] = Field(description="Per block, adding up to score")
    reasons: list[str] = Field(description="Fit reasons first, strongest first; prominence last")
    reason_blocks: list[str] = Field(description="The block each reason rests on, same length and order as reasons")
    caveats: list[str]
    partnership: Partnership | None = None
    mutual_rank: int | None = Field(default=None, description="Where the query stands in this place's own list "
                                    "(1 = its best match); the ranking's reciprocity reads it")
    overall_rank: int | None = Field(default=None, description="Position in the full ranking (compare answers)")


class Recommendations(BaseModel):
    query: Locality
    weights: dict[str, float]
    results: list[Result]
    n_candidates: int | None = Field(default=None, description="How many candidates the full ranking has "
                                                               "(compare answers)")
    query_caveats: list[str] = Field(default_factory=list, description="Caveats about the query itself (its "
                                     "own sensitive sectors, its data gaps), said once per answer")


class ReviewedPartner(BaseModel):
    locality: Locality
    kind: str
    year_signed: int | None
    status: str
    source: str
    note: str | None = Field(description="What the data records about the partnership since signing")
    status_year: int | None = Field(default=None, description="When the status was last evidenced")
    status_source: str | None = Field(default=None, description="The evidence for the status")
    changes: list[str] = Field(default_factory=list, description="What the data records as changed since signing "
                                                                 "(plants and clusters of either place that closed)")
    score: float
    contributions: dict[str, float]
    reasons: list[str]
    reason_blocks: list[str] = Field(default_factory=list, description="The block each reason rests on")
    fit: float | None = None
    prominence: float | None = Field(default=None, description="Worked out as if this partnership did not exist")
    caveats: list[str]
    overall_rank: int | None
    mutual_rank: int | None
    summary: str = Field(description="The facts above in one paragraph a committee report can quote")


class Review(BaseModel):
    """A locality's existing partners in the other country, each with today's fit (GET /v1/review)."""

    query: Locality
    weights: dict[str, float]
    n_candidates: int
    candidates_country: str
    partners: list[ReviewedPartner]
    query_caveats: list[str] = Field(default_factory=list, description="Caveats about the query itself, said once")


class Section(BaseModel):
    title: str
    items: list[str]
    sources: list[str] = []


class Support(BaseModel):
    kind: str = Field(examples=["british_consulate_general", "cbbc_office"])
    host_id: str
    host: str
    distance_km: float
    in_place: bool
    text: str
    year: int | None = None
    source: str


class Resources(BaseModel):
    """What a visit takes: route, distance, carbon, time difference, support on the ground (method in `method`)."""

    route: str = Field(description="The UK place's nearest airport with a route flying today, and the flight(s) "
                                   "to the Chinese place's nearest airport: direct, or one connection via a hub")
    distance_km: float = Field(description="Great-circle (haversine) km of the flights, one way")
    co2e_kg_return_economy: float = Field(description="kg CO2e of one traveller's return trip in economy")
    co2e_kg_return_business: float = Field(description="kg CO2e of one traveller's return trip in business class")
    factor_source: str = Field(description="The DESNZ conversion factors used, with their year and IDs")
    time_difference_hours: int = Field(description="Hours China is ahead of the UK on GMT (one fewer during BST)")
    support: list[Support] = Field(description="The British mission and the China-Britain Business Council "
                                               "office nearest the Chinese place, the Chinese mission nearest the "
                                               "UK place")
    time_difference_hours_bst: int | None = None
    time_difference: str | None = None
    travel_hours: float | None = Field(default=None, description="Indicative hours each way (see method)")
    direct: bool | None = None
    hub: str | None = None
    visit_cost: dict | None = Field(default=None, description="A visit cost where a source gives one, dated")
    committee_sentence: str | None = None
    method: str | None = None
    model_config = {"extra": "allow"}


class Card(BaseModel):
    a: Locality
    b: Locality
    score: float
    fit: float | None = Field(default=None, description="What the fit blocks add up to")
    prominence: float | None = Field(default=None, description="b's capacity to engage in [0, 1] (not fit); "
                                     "worked out without an existing partnership between a and b")
    contributions: dict[str, float]
    reasons: list[str]
    reason_blocks: list[str] = Field(default_factory=list, description="The block each reason rests on")
    caveats: list[str]
    sections: list[Section]
    weights: dict[str, float] | None = Field(default=None, description="The weights the score was made with")
    weighting: str | None = Field(default=None, description="Those weights in words (preset or custom)")
    partnership: Partnership | None = None
    overall_rank: int | None = Field(default=None, description="b's position in a's full ranking")
    n_candidates: int | None = None
    resources: Resources | None = Field(default=None, description="Resources and purpose in numbers: route, "
                                        "distance, carbon, time difference, support on the ground")


class Move(BaseModel):
    locality: Locality
    rank_a: int | None
    rank_b: int | None


class Diff(BaseModel):
    query: Locality
    moved_up: list[Move]
    moved_down: list[Move]
    entered: list[Move]
    left: list[Move]
    unchanged: list[Move]


class Profile(BaseModel):
    name: str
    weights: dict[str, float]
    description: str
    updated_at: str


class ProfilePage(BaseModel):
    """A page of saved profiles, by name: `total` of them in all, `items` from `offset`."""
    total: int
    limit: int
    offset: int
    items: list[Profile]


class Preset(BaseModel):
    name: str
    description: str
    weights: dict[str, float]
