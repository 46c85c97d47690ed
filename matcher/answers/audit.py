"""How personal the served lists are, and what leads them: every UK place's answer (and every Chinese place's at
prefecture level or above, the reverse), as the service gives it, reduced to the numbers issue 17 asks for.

A recommender that gives everyone the same list is broken however well it predicts history, and a list that
leads with prominence answers another question than "which places fit us". This reads the answers themselves
(ranking and reasons), not a re-implementation of them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from matcher.answers.explain import SPECIFIC, mostly_size_only, reasons_with_blocks, size_only
from matcher.answers.recommend import weights_for
from matcher.artifact.store import Bundle
from matcher.config import presets
from matcher.model.personalisation import carried_share, personalisation


def _queries(bundle: Bundle, country: str) -> list[str]:
    keep = bundle.model.query_masks()[country]
    return [i for i, ok in zip(bundle.model.ids_[country], keep, strict=True) if ok]


def overlap_tail(lists: list[list[int]], k: int) -> dict[str, float | int]:
    """Beyond the mean: the share of query pairs whose top-k lists share half or more of their places, and how
    many pairs get the same set (places our data cannot tell apart get the same answer)."""
    member = np.zeros((len(lists), 1 + max((max(x) for x in lists if x), default=0)))
    for i, x in enumerate(lists):
        member[i, x] = 1.0
    inter = member @ member.T
    upper = inter[np.triu_indices(len(lists), 1)]
    sizes = member.sum(axis=1)
    same = (inter == sizes[:, None]) & (inter == sizes[None, :])
    return {"pairs_sharing_half": round(float((upper >= k / 2).mean()), 4) if len(upper) else 0.0,
            "identical_pairs": int(np.triu(same, 1).sum())}


def audit(bundle: Bundle, weights: dict[str, float], k: int = 10) -> dict:
    """Personalisation of the top-k lists both ways (with the tail of the overlap), which block each result's first
    reason rests on, and the mean share of a result's score that prominence carries."""
    m = bundle.model
    out = {}
    for country, key in (("GB", "uk_queries"), ("CN", "cn_queries")):
        other = "CN" if country == "GB" else "GB"
        pos = m.pos_[other]
        lists: list[list[int]] = []
        first: Counter[str] = Counter()
        n = size_alone = weak_lists = 0
        prom_part: list[float] = []
        prom_total: list[float] = []
        for q in _queries(bundle, country):
            ids, contrib = m.top(q, weights, k)
            lists.append([pos[c] for c in ids])
            answer: list[dict[str, float]] = []
            for cid, row in zip(ids, contrib, strict=True):
                by_block = dict(zip(weights, row.tolist(), strict=True))
                answer.append(by_block)
                prom_part.append(by_block["prominence"])
                prom_total.append(sum(by_block.values()))
                _, blocks = reasons_with_blocks(m, q, cid, by_block)
                first[blocks[0] if blocks else "none"] += 1
                size_alone += size_only(by_block)  # the results whose first caveat says only size links them
                n += 1
            weak_lists += mostly_size_only(answer)  # answers that say so of themselves (list_caveats)
        report: dict[str, Any] = personalisation(np.array(lists), len(m.ids_[other]))
        report.update(overlap_tail(lists, k))
        report["prominence_share"] = round(float(carried_share(np.array(prom_part), np.array(prom_total)).mean()),
                                           4) if prom_part else 0.0
        report["first_reason"] = {b: round(v / n, 4) for b, v in sorted(first.items())} if n else {}
        report["first_reason_fit"] = round(sum(v for b, v in first.items() if b not in ("prominence", "none"))
                                           / max(n, 1), 4)
        report["first_reason_specific"] = round(sum(v for b, v in first.items() if b in SPECIFIC) / max(n, 1), 4)
        report["size_only"] = round(size_alone / max(n, 1), 4)
        report["lists_mostly_size_only"] = round(weak_lists / max(len(lists), 1), 4)
        report["n_queries"] = len(lists)
        out[key] = report
    return out


def audit_all(bundle: Bundle, k: int = 10) -> dict:
    """The audit for the served default and for every preset."""
    names = ["default", *presets()]
    return {name: audit(bundle, weights_for(bundle, None if name == "default" else name), k) for name in names}
