"""Speed and memory as ratios to a floor measured in the same run: `python -m bench [--quick] [--json]`.

Each benchmark is a module `bench/<name>.py` listed in `bench.__main__.SECTIONS` with

    def run(quick: bool) -> dict[str, dict]:   # section name -> section; one module may return several

and every section is a plain JSON-able dict of this shape (bench/report.py renders any of them):

    {
        "section": "http",                     # same as its key
        "target": ">= 0.8x /healthz throughput",  # what "good" means, in words; "" if report-only
        "met": False,                          # True / False, or None when there is no target
        "rows": [                              # one table; keys are the column headers, in order
            {"what": "/healthz (floor)", "kind": "absolute", "throughput_rps": 950.0, "p99_ms": 41.0},
            {"what": "recommendations / healthz", "kind": "ratio", "throughput_rps": 0.004},
        ],
        "notes": ["loadgen: 32 connections for 10 s from a second process"],  # free text, one line each
    }

Conventions for rows: start with "what" (the thing measured) and "kind" ("absolute" for a measured number,
"ratio" for measured / floor, so >1 means more than the floor); put the unit in the key (`_ms`, `_rps`,
`_s`, `_mb`); a ratio row may reuse the absolute rows' keys (measured / floor, column by column) or
have its own ratio column. Missing keys render as blanks; floats in ratio rows get an "x".
"""
