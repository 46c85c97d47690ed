"""Run the service as `matcher serve` does, call every route once, and print (JSON) which third-party
distributions the process imported: what an install for serving must hold (pyproject's `serve` group).

    MATCHER_MODELS_DIR=models python scripts/serve_probe.py       # from a checkout
    docker exec -i CONTAINER python - < scripts/serve_probe.py    # inside the image (scripts/docker-smoke.sh)

The server runs in a thread of this process (uvicorn, through the CLI's `serve` command) and answers with
MATCHER_ANSWER_PROCESSES=0, so every import an answer makes happens here and shows in sys.modules. Modules
loaded before this script's first line (site start-up, .pth files) are not counted. The places asked about are
picked from the artifact's own lists, so any artifact works (fixtures or data/raw). Exits 1 if a request fails;
the report lists the routes not called and the modules no distribution claims. tests/test_serve_deps.py
compares the report with pyproject.toml.
"""

import sys

BASELINE = set(sys.modules)

import importlib.metadata  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402

PROJECT = {"matcher", "features", "service", "matcher_client"}
# Modules no distribution provides: Cython extensions register these at import, and sysconfig's platform data
# is part of the standard library under a platform-dependent name.
NO_DISTRIBUTION = re.compile(r"_cython_\d+_\d+_\d+|_cyutility|cython_runtime|_sysconfigdata_.*")
PROFILE = "serve-probe"


TOKEN = "serve-probe-analyst-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Probe:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.called: set[tuple[str, str]] = set()  # (method, route template)

    def call(self, method: str, route: str, path: str | None = None, params: dict | None = None,
             body: object = None, expect: int = 200) -> bytes:
        url = self.base + (path or route) + ("?" + urllib.parse.urlencode(params) if params else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {TOKEN}", **({"content-type": "application/json"} if data else {})}
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        if status != expect:
            sys.exit(f"{method} {url}: {status}, expected {expect}: {payload[:300]!r}")
        self.called.add((method, route))
        return payload

    def json(self, method: str, route: str, **kw) -> object:
        return json.loads(self.call(method, route, **kw))


def wait_until_up(probe: Probe, server: threading.Thread) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not server.is_alive():
            sys.exit("the server thread ended before answering /healthz")
        try:
            with urllib.request.urlopen(probe.base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit("no answer from /healthz after 120 s")


def call_every_route(p: Probe) -> None:
    p.call("GET", "/healthz")
    p.call("GET", "/readyz")
    gb = p.json("GET", "/v1/localities", params={"country": "GB", "limit": 100})
    cn = p.json("GET", "/v1/localities", params={"country": "CN", "limit": 5})
    p.json("GET", "/v1/localities", params={"q": gb[0]["name"][:3]})
    # A place with partners, so the review and the profile show partnerships and their evidence.
    query = gb[0]["id"]
    for loc in gb:
        if p.json("GET", "/v1/localities/{locality_id}", path=f"/v1/localities/{loc['id']}").get("partnerships"):
            query = loc["id"]
            break
    other = cn[0]["id"]
    weights = {"industry": 3}
    for how in ("GET", "POST"):  # twice each: an uncached answer, then the cached one
        for _ in range(2):
            if how == "GET":
                p.call("GET", "/v1/recommendations", params={"locality": query, "k": 5, "exclude_partners": "true"})
            else:
                p.call("POST", "/v1/recommendations", body={"locality": query, "k": 5, "weights": weights})
    p.call("GET", "/v1/recommendations.csv", params={"locality": query, "k": 5})
    p.call("GET", "/v1/explain", params={"a": query, "b": other})
    p.call("GET", "/v1/review", params={"locality": query})
    p.call("GET", "/v1/review.csv", params={"locality": query})
    p.call("GET", "/v1/compare", params={"locality": query, "candidates": ",".join(c["id"] for c in cn[:3])})
    p.call("GET", "/v1/compare.csv", params={"locality": query, "candidates": ",".join(c["id"] for c in cn[:3])})
    p.call("GET", "/v1/localities/{locality_id}/profile", path=f"/v1/localities/{query}/profile")
    p.call("GET", "/v1/localities/{locality_id}/profile.csv", path=f"/v1/localities/{query}/profile.csv")
    p.call("POST", "/v1/compare", body={"locality": query, "candidates": [c["id"] for c in cn[:3]]})
    p.call("POST", "/v1/rankings/diff", body={"locality": query, "k": 5, "a": {"preset": "balanced"},
                                              "b": {"weights": weights}})
    p.call("GET", "/v1/presets")
    p.call("PUT", "/v1/profiles/{name}", path=f"/v1/profiles/{PROFILE}", body={"weights": weights})
    p.call("GET", "/v1/profiles")
    p.call("GET", "/v1/profiles/{name}", path=f"/v1/profiles/{PROFILE}")
    p.call("POST", "/v1/recommendations", body={"locality": query, "k": 3, "profile": PROFILE})
    p.call("DELETE", "/v1/profiles/{name}", path=f"/v1/profiles/{PROFILE}", expect=204)
    p.call("GET", "/v1/evaluation")
    p.call("GET", "/")
    p.call("GET", "/card", params={"a": query, "b": other})
    p.call("GET", "/embed.js")
    p.call("GET", "/place", params={"id": query})
    p.call("GET", "/methodology")
    p.call("GET", "/map/{country}.json", path="/map/GB.json")
    p.call("GET", "/map/{country}.json", path="/map/CN.json")
    p.call("GET", "/openapi.json")
    p.call("GET", "/redoc")
    p.call("GET", "/docs/oauth2-redirect")
    docs = p.call("GET", "/docs").decode()
    for asset in re.findall(r'(?:src|href)="(/static-offline-docs/[^"]+)"', docs):
        p.call("GET", "/static-offline-docs/{path}", path=asset)


def routes_not_called(p: Probe) -> list[str]:
    """Every route the app has (its OpenAPI paths, the pages, the docs) that the probe did not call."""
    from service.api.routes import pages  # already imported by the server

    schema = json.loads(p.call("GET", "/openapi.json"))
    routes = {(m.upper(), path) for path, ops in schema["paths"].items() for m in ops}
    routes |= {(m, r.path) for r in pages.router.routes for m in r.methods}
    routes |= {("GET", r) for r in ("/docs", "/redoc", "/docs/oauth2-redirect", "/openapi.json",
                                     "/static-offline-docs/{path}")}
    return sorted(f"{m} {r}" for m, r in routes - p.called)


def imported_distributions(modules: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Top-level names of the modules loaded since start-up, by the distribution that provides them."""
    tops = {m.split(".")[0] for m in modules} - PROJECT - set(sys.stdlib_module_names) \
        - set(sys.builtin_module_names) - {"__main__", "__mp_main__"}
    tops = {t for t in tops if not NO_DISTRIBUTION.fullmatch(t)}
    owners = importlib.metadata.packages_distributions()
    found: dict[str, list[str]] = {}
    unknown = []
    for top in sorted(tops):
        for dist in owners.get(top, []):
            found.setdefault(dist, []).append(top)
        if top not in owners:
            unknown.append(top)
    return found, unknown


def main() -> None:
    os.environ["MATCHER_ANSWER_PROCESSES"] = "0"  # answers computed in this process, so their imports show here
    os.environ["MATCHER_ANALYST_TOKENS"] = json.dumps({"probe": TOKEN})  # so the profile writes are called too
    from matcher.cli import app

    port = free_port()
    server = threading.Thread(target=app, daemon=True,
                              kwargs={"args": ["serve", "--port", str(port)], "standalone_mode": False})
    server.start()
    probe = Probe(port)
    wait_until_up(probe, server)
    call_every_route(probe)
    loaded = set(sys.modules) - BASELINE
    missed = routes_not_called(probe)
    found, unknown = imported_distributions(loaded)
    project = sorted(m for m in loaded if m.split(".")[0] in PROJECT)
    code = os.path.dirname(os.path.dirname(sys.modules["service"].__file__))  # which checkout was served
    print(json.dumps({"distributions": found, "unknown_modules": unknown, "routes_not_called": missed,
                      "project_modules": project, "code": code}, indent=1, sort_keys=True))
    sys.stdout.flush()
    os._exit(0)  # the server thread is not stopped: leave without joining it


if __name__ == "__main__":
    main()
