"""What the pair-level features hold, as plain arrays and notes: built by features.pairs (with pandas), read by
the ranking kernel and the explanations, and saved in the serving artifact (which loads without pandas)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EduLink:
    """One campus/joint institute behind a pair's student-links value."""

    uk_id: str
    cn_id: str
    text: str      # "University of X – Y University (joint institute, 2015)"
    direct: bool   # False when it joins a parent or child of the pair's places (counted at RELATED_SHARE)


@dataclass
class PairFeatures:
    gb_ids: list[str]
    cn_ids: list[str]
    edu: np.ndarray          # (n_gb, n_cn) strongest institutional link, in [0, 1]
    edu_note: dict           # (gb, cn) -> EduLink: the link behind the value, and whether it joins g and c directly
    flight: np.ndarray       # (n_gb, n_cn) 1 operating direct route, 0.5 suspended one
    flight_note: dict
    mission: np.ndarray      # (n_gb, n_cn) mean of "hosts the other side's mission" on each side, in [0, 1]
    mission_host: dict       # locality -> the place in its family hosting the other country's mission
    ties: np.ndarray         # (n_gb, n_cn) 1 when related places are already partnered
    ties_note: dict
