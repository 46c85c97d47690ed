"""Where a recommendations request spends its time: pyinstrument over the real handler, in-process."""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.frame import Frame

ROOT = Path(__file__).resolve().parents[1]
PROFILE_TXT = Path(__file__).with_name("PROFILE-http.txt")
TOP = 5
SERIALISE = "response_model validation + JSON (pydantic; what FastAPI does after the route)"
OWN_CODE = "its own Python"


def _handle(bundle, locality: str, k: int) -> str:
    """What the server does for GET /v1/recommendations on a cache miss: resolve, rank, explain, then
    response model + JSON."""
    from matcher.answers.recommend import recommend
    from service.api.routes.recommendations import resolve_request
    from service.api.schemas.recommendations import RecommendationRequest

    return _serialise(recommend(*resolve_request(bundle, None, RecommendationRequest(locality=locality, k=k))))


def _serialise(payload: dict) -> str:
    from service.api.schemas.recommendations import Recommendations

    return Recommendations.model_validate(payload).model_dump_json()


def _is_ours(frame: Frame) -> bool:
    path = frame.file_path or ""
    return path.startswith(f"{ROOT}/") and not path.startswith(sys.prefix)


def _ours_below(frame: Frame) -> list[Frame]:
    """Nearest project frames under `frame`, looking through library frames."""
    found = []
    for child in frame.children:
        found += [child] if _is_ours(child) else _ours_below(child)
    return found


def _label(frame: Frame) -> str | None:
    """`file:line function` for project code; None for the benchmark's own loop."""
    path = Path(frame.file_path).relative_to(ROOT)
    if path.parts[0] == "bench":
        return SERIALISE if frame.function == "_serialise" else None
    name = frame.function
    if name.startswith("<") and frame.parent is not None and _is_ours(frame.parent):
        name = f"{name} in {frame.parent.function}"  # a comprehension: say whose
    return f"{path}:{frame.line_no} {name}"


def _excluding_ours(frame: Frame) -> float:
    return frame.time - sum(f.time for f in _ours_below(frame))


@dataclass(frozen=True)
class HotSpot:
    label: str
    seconds: float
    share: float
    mostly: str  # the direct callee (or the function's own code) taking most of that time
    mostly_share: float

    def __str__(self) -> str:
        return f"{self.label}: {self.share:.0%} (of which {self.mostly} {self.mostly_share:.0%})"


def hot_spots(root: Frame, total: float, top: int = TOP) -> list[HotSpot]:
    """Project functions ranked by their own time plus the library calls they make directly (not via other
    project functions): the lines to change, rather than pandas internals or the outermost caller."""
    own: Counter = Counter()
    callees: dict[str, Counter] = defaultdict(Counter)
    stack = [root]
    while stack:
        frame = stack.pop()
        stack += frame.children
        label = _label(frame) if _is_ours(frame) else None
        if not label:
            continue
        own[label] += _excluding_ours(frame)
        for child in frame.children:
            if child.is_synthetic:
                callees[label][OWN_CODE] += child.time
            elif not _is_ours(child):
                name = f"{child.class_name}.{child.function}" if child.class_name else child.function
                callees[label][name] += _excluding_ours(child)
    spots = []
    for label, seconds in own.most_common(top):
        mostly, mostly_s = (callees[label].most_common(1) or [(OWN_CODE, seconds)])[0]
        spots.append(HotSpot(label, seconds, seconds / total, mostly, mostly_s / total))
    return spots


def profile_recommendations(localities: list[str], k: int, rounds: int, profile_s: float,
                            write: Path | None = PROFILE_TXT) -> dict:
    """Time `rounds` passes over `localities` unprofiled, then profile passes for at least `profile_s`
    seconds (enough samples to rank hot spots); write the profile to `write` unless None."""
    from matcher.artifact.store import load_bundle
    from matcher.paths import MODELS_DIR

    bundle = load_bundle(MODELS_DIR)
    _handle(bundle, localities[0], k)  # first call pays one-off lazy set-up; keep it out of both numbers
    seconds = []
    for _ in range(rounds):
        for loc in localities:
            start = time.perf_counter()
            _handle(bundle, loc, k)
            seconds.append(time.perf_counter() - start)
    profiler = Profiler(interval=0.001)
    calls, stop = 0, time.perf_counter() + profile_s
    with profiler:
        while time.perf_counter() < stop:
            for loc in localities:
                _handle(bundle, loc, k)
            calls += len(localities)
    session = profiler.last_session
    spots = hot_spots(session.root_frame(), session.duration)
    if write is not None:
        write.write_text(_report(profiler, localities, k, calls, spots))
    return {
        "handler_ms_median": statistics.median(seconds) * 1000,
        "calls": len(seconds),
        "hot_spots": [str(s) for s in spots],
        "profile_path": None if write is None else _shown(write),
    }


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def _report(profiler: Profiler, localities: list[str], k: int, calls: int, spots: list[HotSpot]) -> str:
    total = profiler.last_session.duration
    lines = [f"{s.seconds:7.3f} s {s.share:6.1%}  {s.label}\n{'':18}of which {s.mostly}: {s.mostly_share:.1%}"
             for s in spots]
    return (
        f"Profile of the GET /v1/recommendations handler, in-process: {calls} requests cycling over "
        f"{', '.join(localities)}; k={k}; {total:.2f} s in all.\n"
        "Written by `python -m bench` (bench/hotspots.py); regenerate rather than edit.\n\n"
        f"Top {TOP} project hot spots (own time + library calls made directly from there):\n"
        + "\n".join(lines) + "\n\nCall tree (frames under 1% hidden):\n"
        + profiler.output_text(unicode=True, color=False, processor_options={"filter_threshold": 0.01}))
