"""Scale fit: how usual a pair's population ratio is for real partner pairs with a UK side of that size.

Real UK–China pairs are far from equal in size (a Chinese prefecture-level "city" counts its rural counties
too), and the ratio grows as the UK side shrinks: a county or a small district partners a Chinese city many
times its size, a nation a province a few times its size. So the typical log ratio is a line in the UK side's
log population, with an offset per tier pair (region-level body or city on each side), learned from the
training pairs; the fit is a Gaussian kernel around that line.

A Chinese county-level city is a city-tier place like a prefecture-level one, but friendship-city agreements are
mostly made by prefecture-level governments: the tier factor of a county-level place is learned too, as how often
the training pairs' Chinese cities are county-level against how many candidates are (`county_factor`).

`assess()` is the only place a pair's scale fit, its reason and its caveat are computed, so the three can
never disagree; the kernel evaluates the same formula vectorised (`kernel.scale`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from matcher.i18n import Msg, msg, render

TIER_MISMATCH = 0.5   # a region-level body with a city: possible, but usually a scale mismatch
UK_CENTRE = 5.5       # log10 population the UK-size slope is measured from (~316k)
GAP_FIT = 0.25        # below this kernel value the ratio is unusual enough for a caveat (|z| > 1.67)
# "Typical" is said only inside the middle half of real partnerships' size gaps: |z| <= 0.674, the quartiles of
# a normal spread (sigma is the residuals' robust spread). Outside it the sizes are stated, not praised.
TYPICAL_Z = 0.674
GOOD_FIT = float(np.exp(-0.5 * TYPICAL_Z ** 2))  # ~0.80
# Pseudo-pairs pulling the county-level factor towards "no different from a prefecture-level city" (1): with few
# training pairs the factor stays near 1, with many it follows them.
COUNTY_PRIOR_PAIRS = 2.0


@dataclass(frozen=True)
class ScaleParams:
    """log10(CN pop / GB pop) of partner pairs ~ offset[gb tier, cn tier] + slope * (log10 GB pop - UK_CENTRE).

    Tiers: 0 city (or county-level place), 1 region-level body. `n_pairs` is what the fit saw."""

    offset: dict[tuple[int, int], float] = field(default_factory=dict)
    slope: float = 0.0
    sigma: float = 0.5
    offset_default: float = 0.8
    n_pairs: int = 0
    # The UK sizes (log10) the line was fitted on: outside them it is held flat, never extrapolated (a council of
    # 2,000 people would otherwise "typically" partner a city 5,000 times its size).
    log_gb_min: float = float("-inf")
    log_gb_max: float = float("inf")
    # The tier factor of a Chinese county-level place (among city-tier places), learned; 1 = no different from a
    # prefecture-level city. With the counts it came from, so a caveat can say them.
    county_factor: float = 1.0
    county_pairs: int = 0       # training pairs with a Chinese city-tier side that is county-level
    city_pairs: int = 0         # training pairs with a Chinese city-tier side
    county_share: float = 0.0   # share of city-tier Chinese candidates that are county-level

    @cached_property
    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """offset and tier-fit factor indexed [gb tier, cn tier]; built once."""
        off = np.full((2, 2), self.offset_default)
        for (g, t), v in self.offset.items():
            off[g, t] = v
        fit = np.array([[1.0, TIER_MISMATCH], [TIER_MISMATCH, 1.0]])
        return off, fit

    def typical_log_ratio(self, log_gb: np.ndarray | float, gb_tier, cn_tier):
        off, _ = self.tables
        return off[gb_tier, cn_tier] + self.slope * (self.clamp(log_gb) - UK_CENTRE)

    def clamp(self, log_gb):
        return np.clip(np.asarray(log_gb, float), self.log_gb_min, self.log_gb_max)


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


def fit_scale(log_gb: np.ndarray, log_cn: np.ndarray, gb_tier: np.ndarray, cn_tier: np.ndarray,
              sigma_floor: float = 0.3, min_per_tier: int = 3, cn_county: np.ndarray | None = None,
              county_share: float = 0.0) -> ScaleParams:
    """Least squares of the log ratio on the UK side's log size with per-tier-pair offsets; the spread is
    the residuals' MAD (robust to a few odd pairs), never below `sigma_floor`. With `cn_county` (each pair's
    Chinese side county-level or not) and `county_share` (of city-tier Chinese candidates), the county-level tier
    factor is learned as well."""
    d = np.asarray(log_cn, float) - np.asarray(log_gb, float)
    n = len(d)
    city = np.asarray(cn_tier, int) == 0
    county = np.zeros(n, bool) if cn_county is None else np.asarray(cn_county, bool)
    k, m = int((county & city).sum()), int(city.sum())
    tiers = ScaleParams(county_factor=county_factor(k, m, county_share), county_pairs=k, city_pairs=m,
                        county_share=float(county_share))
    if n < 3:
        return replace(tiers, n_pairs=n)
    x = np.asarray(log_gb, float) - UK_CENTRE
    keys = list(zip(np.asarray(gb_tier, int).tolist(), np.asarray(cn_tier, int).tolist(), strict=True))
    kept = sorted({k for k in keys if keys.count(k) >= min_per_tier})
    # Design: one column per well-populated tier pair, one pooled column for the rest, and the slope.
    cols = [np.array([k == t for k in keys], float) for t in kept]
    rest = np.array([k not in kept for k in keys], float)
    if rest.any():
        cols.append(rest)
    X = np.column_stack([*cols, x])
    coef, *_ = np.linalg.lstsq(X, d, rcond=None)
    resid = d - X @ coef
    sigma = max(sigma_floor, float(np.median(np.abs(resid - np.median(resid)))) * 1.4826)
    slope = float(coef[-1])
    offset = {t: float(c) for t, c in zip(kept, coef, strict=False)}
    default = float(coef[len(kept)]) if rest.any() else float(np.median(d - slope * x))
    lg = np.asarray(log_gb, float)
    return replace(tiers, offset=offset, slope=slope, sigma=sigma, offset_default=default, n_pairs=n,
                   log_gb_min=float(lg.min()), log_gb_max=float(lg.max()))


@dataclass(frozen=True)
class ScaleAssessment:
    """Everything said about one pair's scale, from one computation: the sentences as catalog messages (`*_msg`,
    rendered in any language with matcher.i18n.render) and, for English readers and tests, their English text."""

    fit: float            # the block's similarity: kernel x tier factor, in [0, 1]
    kernel: float         # the kernel alone
    ratio: float          # CN population / GB population
    typical_ratio: float  # what partner pairs with a UK side of this size and tier typically have
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
    d = log_cn - log_gb
    kernel = float(np.exp(-0.5 * ((d - mu) / p.sigma) ** 2))
    same = gb_tier == cn_tier
    county = bool(cn_county) and p.county_factor < 1.0
    fit = kernel * (1.0 if same else TIER_MISMATCH) * (p.county_factor if county else 1.0)
    ratio, typical = 10 ** d, 10 ** mu
    bigger, smaller, times = (cn_name, gb_name, ratio) if ratio >= 1 else (gb_name, cn_name, 1 / ratio)
    size = msg("scale.size", bigger=bigger, smaller=smaller, times=_ratio_words(times))
    usual = msg("scale.usual", typical=_ratio_words(typical))
    reason = caveat = None
    # "typical" only for the same tier inside the middle half; otherwise the sizes as they are, so a block that
    # adds to the score always has its sentence (different tiers also get their caveat below).
    if same and kernel >= GOOD_FIT:
        reason = msg("scale.reason_typical", size=size, usual=usual)
    elif kernel >= GAP_FIT:
        reason = msg("scale.reason_sizes", size=size, usual=usual)
    if kernel < GAP_FIT:
        direction = msg("scale.larger") if d > mu else msg("scale.smaller")
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
    return ScaleAssessment(fit=fit, kernel=kernel, ratio=ratio, typical_ratio=typical, same_tier=same,
                           size_msg=size, usual_msg=usual, reason_msg=reason, caveat_msg=caveat)
