"""Scale fit: how usual a pair's population ratio is for real partner pairs with sides of those sizes.

Real UK–China pairs are far from equal in size (a Chinese prefecture-level "city" counts its rural counties
too), and the ratio grows as the UK side shrinks: a county or a small district partners a Chinese city many
times its size, a nation a province a few times its size. So the typical log ratio is a line in the UK side's
log population, with an offset per tier pair (region-level body or city on each side), learned from the
training pairs.

That line answers "which Chinese size suits a UK place of this size"; read backwards it does not answer "which
UK size suits a Chinese city of this size". Partner sizes are only loosely tied (among city pairs the Chinese side
grows with the UK side's size to the power 0.3), so inverting it sends every small Chinese city to a UK council of
a few thousand people (Shetland topped 56 of 364 Chinese lists). The fit therefore asks both questions: a second
line gives the typical log ratio from the Chinese side's size, and a pair's kernel is a Gaussian in the mean of the
two squared z-scores. It is one number for the pair, whichever side asks, and it is highest where each side is a
usual size for the other.

A Chinese county-level city is a city-tier place like a prefecture-level one, but friendship-city agreements are
mostly made by prefecture-level governments: the tier factor of a county-level place is learned too, as how often
the training pairs' Chinese cities are county-level against how many candidates are (`county_factor`).

`assess()` is the only place a pair's scale fit, its reason and its caveat are computed, so the three can
never disagree; the kernel evaluates the same formula vectorised (`kernel.scale`, both through `ScaleParams.z2`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from matcher.i18n import Msg, msg, render

TIER_MISMATCH = 0.5   # a region-level body with a city: possible, but usually a scale mismatch
UK_CENTRE = 5.5       # log10 population the UK-size slope is measured from (~316k)
CN_CENTRE = 6.5       # and the Chinese-size slope (~3.2m)
GAP_FIT = 0.25        # below this kernel value the ratio is unusual enough for a caveat (RMS z > 1.67)
# "Typical" is said only inside the middle half of real partnerships' size gaps: RMS z <= 0.674, the quartiles of
# a normal spread (sigma is the residuals' robust spread). Outside it the sizes are stated, not praised.
TYPICAL_Z = 0.674
GOOD_FIT = float(np.exp(-0.5 * TYPICAL_Z ** 2))  # ~0.80
# A tier pair with at least this many training pairs gets its own line (offset and slope); the others share the
# slope fitted on every pair. Pooled, the 17 nation-and-province pairs (whose Chinese side hardly grows with the UK
# side) pulled the city pairs' slope from -0.30 to -0.74.
MIN_OWN_SLOPE_PAIRS = 10
# Pseudo-pairs pulling the county-level factor towards "no different from a prefecture-level city" (1): with few
# training pairs the factor stays near 1, with many it follows them.
COUNTY_PRIOR_PAIRS = 2.0


@dataclass(frozen=True)
class SizeLine:
    """log10(CN pop / GB pop) of partner pairs ~ offset[gb tier, cn tier] + slope[gb tier, cn tier] * (x - centre),
    x the log10 population of one side (the UK side's for the UK line, the Chinese side's for the Chinese one).

    Tiers: 0 city (or county-level place), 1 region-level body. `slope` is the shared slope, `slopes` a tier
    pair's own where it had enough pairs. Outside the sizes it was fitted on (`x_min`, `x_max`) the line is held
    flat, never extrapolated (a council of 2,000 people would otherwise "typically" partner a city 5,000 times
    its size)."""

    centre: float = UK_CENTRE
    offset: dict[tuple[int, int], float] = field(default_factory=dict)
    slope: float = 0.0
    slopes: dict[tuple[int, int], float] = field(default_factory=dict)
    sigma: float = 0.5
    offset_default: float = 0.8
    x_min: float = float("-inf")
    x_max: float = float("inf")

    @cached_property
    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """offset and slope indexed [gb tier, cn tier]; built once."""
        off, slope = np.full((2, 2), self.offset_default), np.full((2, 2), self.slope)
        for (g, t), v in self.offset.items():
            off[g, t] = v
        for (g, t), v in self.slopes.items():
            slope[g, t] = v
        return off, slope

    def typical(self, x: np.ndarray | float, gb_tier, cn_tier):
        off, slope = self.tables
        return off[gb_tier, cn_tier] + slope[gb_tier, cn_tier] * (np.clip(np.asarray(x, float), self.x_min,
                                                                          self.x_max) - self.centre)

    def to_json(self) -> dict:
        return {"centre": self.centre, "offset": [[g, t, v] for (g, t), v in self.offset.items()],
                "slope": self.slope, "slopes": [[g, t, v] for (g, t), v in self.slopes.items()],
                "sigma": self.sigma, "offset_default": self.offset_default,
                "x_range": [v if np.isfinite(v) else None for v in (self.x_min, self.x_max)]}

    @classmethod
    def from_json(cls, s: dict) -> SizeLine:
        lo, hi = s["x_range"]
        return cls(centre=s["centre"], offset={(g, t): v for g, t, v in s["offset"]}, slope=s["slope"],
                   slopes={(g, t): v for g, t, v in s["slopes"]}, sigma=s["sigma"],
                   offset_default=s["offset_default"], x_min=float("-inf") if lo is None else lo,
                   x_max=float("inf") if hi is None else hi)


@dataclass(frozen=True)
class ScaleParams:
    """The UK line (typical gap for a UK side of that size) and, once fitted, the Chinese line (for a Chinese side
    of that size); `n_pairs` is what the fit saw. Without a Chinese line the kernel reads the UK line alone."""

    uk: SizeLine = field(default_factory=SizeLine)
    cn: SizeLine | None = None
    n_pairs: int = 0
    # The tier factor of a Chinese county-level place (among city-tier places), learned; 1 = no different from a
    # prefecture-level city. With the counts it came from, so a caveat can say them.
    county_factor: float = 1.0
    county_pairs: int = 0       # training pairs with a Chinese city-tier side that is county-level
    city_pairs: int = 0         # training pairs with a Chinese city-tier side
    county_share: float = 0.0   # share of city-tier Chinese candidates that are county-level

    @cached_property
    def tier_fit(self) -> np.ndarray:
        """The tier factor indexed [gb tier, cn tier]."""
        return np.array([[1.0, TIER_MISMATCH], [TIER_MISMATCH, 1.0]])

    def typical_log_ratio(self, log_gb: np.ndarray | float, gb_tier, cn_tier):
        """The typical log10 ratio for a UK side of this size (the UK line)."""
        return self.uk.typical(log_gb, gb_tier, cn_tier)

    def typical_log_ratio_cn(self, log_cn: np.ndarray | float, gb_tier, cn_tier):
        """The typical log10 ratio for a Chinese side of this size (the Chinese line; None without one)."""
        return None if self.cn is None else self.cn.typical(log_cn, gb_tier, cn_tier)

    def zs(self, log_gb, log_cn, gb_tier, cn_tier) -> tuple[np.ndarray, np.ndarray | None]:
        """The z-scores of the pair's log ratio on the UK line and on the Chinese line (None without one)."""
        d = np.asarray(log_cn, float) - np.asarray(log_gb, float)
        z = (d - self.uk.typical(log_gb, gb_tier, cn_tier)) / self.uk.sigma
        return z, None if self.cn is None else (d - self.cn.typical(log_cn, gb_tier, cn_tier)) / self.cn.sigma

    def z2(self, log_gb, log_cn, gb_tier, cn_tier) -> np.ndarray:
        """The mean squared z-score of the pair's log ratio on the lines (the UK line alone without a Chinese
        one): the one formula `assess` and the kernel share."""
        return _mean_square(*self.zs(log_gb, log_cn, gb_tier, cn_tier))

    def to_json(self) -> dict:
        return {"uk": self.uk.to_json(), "cn": None if self.cn is None else self.cn.to_json(),
                "n_pairs": self.n_pairs,
                "county": [self.county_factor, self.county_pairs, self.city_pairs, self.county_share]}

    @classmethod
    def from_json(cls, s: dict) -> ScaleParams:
        return cls(uk=SizeLine.from_json(s["uk"]), cn=None if s["cn"] is None else SizeLine.from_json(s["cn"]),
                   n_pairs=int(s["n_pairs"]), county_factor=float(s["county"][0]), county_pairs=int(s["county"][1]),
                   city_pairs=int(s["county"][2]), county_share=float(s["county"][3]))


def _mean_square(z: np.ndarray, zc: np.ndarray | None) -> np.ndarray:
    return z * z if zc is None else 0.5 * (z * z + zc * zc)


def county_factor(county_pairs: int, city_pairs: int, county_share: float,
                  prior_pairs: float = COUNTY_PRIOR_PAIRS) -> float:
    """How much likelier a county-level place is to be the Chinese city of a pair than its share of city-tier
    candidates says, relative to a prefecture-level one (a ratio of lifts), smoothed by `prior_pairs` pseudo-pairs
    spread as the candidates are; capped at 1 (a county-level place is never favoured over a prefecture)."""
    s = county_share
    if not 0 < s < 1 or city_pairs <= 0:
        return 1.0
    county = (county_pairs + prior_pairs * s) / s
    prefecture = (city_pairs - county_pairs + prior_pairs * (1 - s)) / (1 - s)
    return float(min(1.0, county / prefecture))


def fit_line(x: np.ndarray, d: np.ndarray, keys: list[tuple[int, int]], centre: float, sigma_floor: float = 0.3,
             min_per_tier: int = 3, min_own_slope: int = MIN_OWN_SLOPE_PAIRS) -> SizeLine:
    """Least squares of the log ratio `d` on one side's log size `x` with per-tier-pair offsets and a shared slope;
    then a tier pair with at least `min_own_slope` pairs gets its own offset and slope from its pairs alone. The
    spread is the residuals' MAD (robust to a few odd pairs), never below `sigma_floor`."""
    xc = x - centre
    kept = sorted({k for k in keys if keys.count(k) >= min_per_tier})
    # Design: one column per well-populated tier pair, one pooled column for the rest, and the slope.
    cols = [np.array([k == t for k in keys], float) for t in kept]
    rest = np.array([k not in kept for k in keys], float)
    if rest.any():
        cols.append(rest)
    coef, *_ = np.linalg.lstsq(np.column_stack([*cols, xc]), d, rcond=None)
    slope = float(coef[-1])
    offset = {t: float(c) for t, c in zip(kept, coef, strict=False)}
    default = float(coef[len(kept)]) if rest.any() else float(np.median(d - slope * xc))
    slopes = {}
    for t in kept:
        own = np.array([k == t for k in keys])
        if own.sum() >= min_own_slope and np.ptp(xc[own]) > 0:
            (a, b), *_ = np.linalg.lstsq(np.column_stack([np.ones(int(own.sum())), xc[own]]), d[own], rcond=None)
            offset[t], slopes[t] = float(a), float(b)
    line = SizeLine(centre=centre, offset=offset, slope=slope, slopes=slopes, offset_default=default,
                    x_min=float(x.min()), x_max=float(x.max()))
    gt = np.array(keys, int)
    resid = d - line.typical(x, gt[:, 0], gt[:, 1])
    return replace(line, sigma=max(sigma_floor, float(np.median(np.abs(resid - np.median(resid)))) * 1.4826))


def fit_scale(log_gb: np.ndarray, log_cn: np.ndarray, gb_tier: np.ndarray, cn_tier: np.ndarray,
              sigma_floor: float = 0.3, min_per_tier: int = 3, cn_county: np.ndarray | None = None,
              county_share: float = 0.0, min_own_slope: int = MIN_OWN_SLOPE_PAIRS) -> ScaleParams:
    """Both lines (`fit_line`) from the training pairs. With `cn_county` (each pair's Chinese side county-level or
    not) and `county_share` (of city-tier Chinese candidates), the county-level tier factor is learned as well."""
    log_gb, log_cn = np.asarray(log_gb, float), np.asarray(log_cn, float)
    d = log_cn - log_gb
    n = len(d)
    city = np.asarray(cn_tier, int) == 0
    county = np.zeros(n, bool) if cn_county is None else np.asarray(cn_county, bool)
    k, m = int((county & city).sum()), int(city.sum())
    tiers = ScaleParams(county_factor=county_factor(k, m, county_share), county_pairs=k, city_pairs=m,
                        county_share=float(county_share))
    if n < 3:
        return replace(tiers, n_pairs=n)
    keys = list(zip(np.asarray(gb_tier, int).tolist(), np.asarray(cn_tier, int).tolist(), strict=True))
    def line(x, centre):
        return fit_line(x, d, keys, centre, sigma_floor, min_per_tier, min_own_slope)

    return replace(tiers, uk=line(log_gb, UK_CENTRE), cn=line(log_cn, CN_CENTRE), n_pairs=n)


@dataclass(frozen=True)
class ScaleAssessment:
    """Everything said about one pair's scale, from one computation: the sentences as catalog messages (`*_msg`,
    rendered in any language with matcher.i18n.render) and, for English readers and tests, their English text."""

    fit: float            # the block's similarity: kernel x tier factor, in [0, 1]
    kernel: float         # the kernel alone
    ratio: float          # CN population / GB population
    typical_ratio: float  # what partner pairs with a UK side of this size and tier typically have
    typical_ratio_cn: float | None  # and those with a Chinese side of this size (None without a Chinese line)
    same_tier: bool
    size_msg: Msg         # "Nanjing has 16x the population of Sheffield"
    usual_msg: Msg        # what partner pairs with a UK side of this size typically have
    reason_msg: Msg | None  # not a gap; "typical" only for the same tier within the middle half (kernel >= GOOD_FIT)
    caveat_msg: Msg | None  # only when the ratio is unusual (kernel < GAP_FIT) or the tiers differ

    @property
    def size_text(self) -> str:
        return render(self.size_msg)

    @property
    def usual_text(self) -> str:
        return render(self.usual_msg)

    @property
    def reason(self) -> str | None:
        return None if self.reason_msg is None else render(self.reason_msg)

    @property
    def caveat(self) -> str | None:
        return None if self.caveat_msg is None else render(self.caveat_msg)


def _ratio_words(r: float) -> Msg:
    return msg("scale.ratio_small", r=r) if r < 10 else msg("scale.ratio_large", r=r)


def assess(p: ScaleParams, log_gb: float, log_cn: float, gb_tier: int, cn_tier: int,
           gb_name: object, cn_name: object, cn_county: bool = False) -> ScaleAssessment:
    """The pair's scale fit and what is said about it; names are strings or i18n.Local (a name per language)."""
    mu = float(p.typical_log_ratio(log_gb, gb_tier, cn_tier))
    mu_cn = p.typical_log_ratio_cn(log_cn, gb_tier, cn_tier)
    d = log_cn - log_gb
    z, zc = p.zs(log_gb, log_cn, gb_tier, cn_tier)
    kernel = float(np.exp(-0.5 * _mean_square(z, zc)))
    same = gb_tier == cn_tier
    county = bool(cn_county) and p.county_factor < 1.0
    fit = kernel * (1.0 if same else TIER_MISMATCH) * (p.county_factor if county else 1.0)
    ratio, typical = 10 ** d, 10 ** mu
    typical_cn = None if mu_cn is None else float(10 ** mu_cn)
    bigger, smaller, times = (cn_name, gb_name, ratio) if ratio >= 1 else (gb_name, cn_name, 1 / ratio)
    size = msg("scale.size", bigger=bigger, smaller=smaller, times=_ratio_words(times))
    usual = msg("scale.usual", typical=_ratio_words(typical)) if typical_cn is None else \
        msg("scale.usual_both", typical=_ratio_words(typical), typical_cn=_ratio_words(typical_cn))
    # Larger or smaller than usual: the sign of the mean z over the lines.
    off_line = float(z) + (0.0 if zc is None else float(zc))
    reason = caveat = None
    # "typical" only for the same tier inside the middle half; otherwise the sizes as they are, so a block that
    # adds to the score always has its sentence (different tiers also get their caveat below).
    if same and kernel >= GOOD_FIT:
        reason = msg("scale.reason_typical", size=size, usual=usual)
    elif kernel >= GAP_FIT:
        reason = msg("scale.reason_sizes", size=size, usual=usual)
    if kernel < GAP_FIT:
        direction = msg("scale.larger") if off_line > 0 else msg("scale.smaller")
        caveat = msg("scale.caveat_gap", size=size, direction=direction, usual=usual)
    if not same:
        level = msg("scale.gb_region") if gb_tier else msg("scale.gb_city")
        other = msg("scale.cn_region") if cn_tier else msg("scale.cn_city")
        tier = msg("scale.tiers", gb=gb_name, cn=cn_name, level=level, other=other)
        caveat = msg("scale.gap_and_tiers", gap=caveat, tiers=tier) if caveat else tier
    if county:
        note = msg("scale.county", cn=cn_name, k=p.county_pairs, n=p.city_pairs, share=round(100 * p.county_share),
                   factor=round(100 * p.county_factor))
        caveat = msg("scale.gap_and_tiers", gap=caveat, tiers=note) if caveat else note
    return ScaleAssessment(fit=fit, kernel=kernel, ratio=ratio, typical_ratio=typical, typical_ratio_cn=typical_cn,
                           same_tier=same,
                           size_msg=size, usual_msg=usual, reason_msg=reason, caveat_msg=caveat)
