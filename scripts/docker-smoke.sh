#!/usr/bin/env bash
# Build the image, run it read-only (--read-only --tmpfs /tmp), wait until Docker reports it healthy, call three
# endpoints and save a profile with an analyst token (it lands on the /data volume), then run
# scripts/serve_probe.py inside it (every route, in the image's own Python: a package the `serve` group lacks
# fails here), check that the training stack and the estimator file are not in it, print size and memory.
# Last, start it read-only with the profiles database pointed at a place it cannot write: it must exit with
# one line naming MATCHER_PROFILES_DB.
# Usage: scripts/docker-smoke.sh [TAG]   (needs a Docker daemon; see README "The image")
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-matcher:smoke}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

start=$(date +%s)
docker build -t "$tag" .
echo "built $tag in $(( $(date +%s) - start )) s"

ran=$(python3 -c "import time; print(time.time())")
token=smoke-analyst-token
cid="$(docker run -d --read-only --tmpfs /tmp -e MATCHER_ANALYST_TOKENS="{\"smoke\": \"$token\"}" \
  -p "127.0.0.1:${port}:8000" "$tag")"
trap 'docker logs "$cid" > /tmp/docker-smoke-$$.log 2>&1 || true; docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT

ready=no
for _ in $(seq 1 600); do  # time to the first answer, polled every 0.1 s (Docker's health checks run every 10 s)
  curl -fsS -o /dev/null "http://127.0.0.1:${port}/readyz" 2>/dev/null && { ready=yes; break; }
  sleep 0.1
done
[ "$ready" = no ] || echo "answers /readyz $(python3 -c "import time; print(f'{time.time() - $ran:.1f}')") s after docker run"
status=starting
for _ in $(seq 1 90); do
  status="$(docker inspect -f '{{.State.Health.Status}}' "$cid")"
  [ "$status" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$cid")" = true ] || { docker logs "$cid"; echo "container exited" >&2; exit 1; }
  sleep 2
done
[ "$status" = healthy ] || { docker logs "$cid"; echo "not healthy after 180 s (status: $status)" >&2; exit 1; }
echo "healthy $(python3 -c "import time; print(round(time.time() - $ran))") s after docker run"

base="http://127.0.0.1:${port}"
check() {  # URL, then a Python expression over the decoded JSON `d` that must be true
  local body
  body="$(curl -fsS "$base$1")" || { echo "FAIL $1" >&2; exit 1; }
  python3 -c "import json, sys; d = json.loads(sys.argv[1]); assert $2, sys.argv[1][:300]" "$body" \
    || { echo "FAIL $1: $2" >&2; exit 1; }
  echo "ok   $1"
}
check /readyz 'd["status"] == "ready"'
check "/v1/recommendations?locality=Sheffield&k=3" 'd["query"]["name"] == "Sheffield" and len(d["results"]) == 3'
check /v1/evaluation 'isinstance(d, dict) and d'
user="$(docker exec "$cid" id -u)"
[ "$user" = 10001 ] || { echo "FAIL: serving as uid $user, not 10001" >&2; exit 1; }
echo "ok   runs as uid $user"
owner="$(docker exec "$cid" stat -c %u /data)"
[ "$owner" = 10001 ] || { echo "FAIL: /data is owned by uid $owner: profiles.db cannot be written" >&2; exit 1; }
code="$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'content-type: application/json' \
  -d '{"weights": {"industry": 2}}' "$base/v1/profiles/smoke")"
[ "$code" = 401 ] || { echo "FAIL: a write without a token answered $code, not 401" >&2; exit 1; }
curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"weights": {"industry": 2}}' "$base/v1/profiles/smoke" || { echo "FAIL: PUT with the token" >&2; exit 1; }
check /v1/profiles 'd["total"] == 1 and d["items"][0]["name"] == "smoke"'
docker exec "$cid" test -s /data/profiles.db || { echo "FAIL: no /data/profiles.db" >&2; exit 1; }
echo "ok   read-only root filesystem: serves, 401 without a token, the profile saved on the /data volume"
probe=/tmp/docker-smoke-probe-$$
docker exec -i "$cid" python - < scripts/serve_probe.py > "$probe.json" 2> "$probe.log" \
  || { cat "$probe.json" "$probe.log"; echo "FAIL: serve_probe.py inside the image" >&2; exit 1; }
python3 -c "import json, sys; d = json.load(open(sys.argv[1]))
assert not d['routes_not_called'] and not d['unknown_modules'], (d['routes_not_called'], d['unknown_modules'])
print('ok   every route answers inside the image;', len(d['distributions']), 'distributions imported:',
      ' '.join(sorted(d['distributions'])))" "$probe.json" || { echo "FAIL: serve_probe.py report" >&2; exit 1; }
present="$(docker exec "$cid" python -c "import importlib.util as u
print(' '.join(m for m in ('sklearn', 'scipy', 'pandas', 'pandera', 'joblib', 'pypinyin') if u.find_spec(m)))")"
[ -z "$present" ] || { echo "FAIL: training packages in the image: $present" >&2; exit 1; }
echo "ok   no scikit-learn, scipy, pandas, pandera, joblib or pypinyin in the image"
if docker exec "$cid" sh -c 'ls /app/models' | grep -q '^estimator-'; then
  echo "FAIL: the training-only estimator file is in the image" >&2; exit 1
fi
echo "ok   models/: $(docker exec "$cid" sh -c 'ls /app/models' | tr '\n' ' ')"
docker stats --no-stream --format 'memory: {{.MemUsage}}' "$cid"
docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "image size: %.0f MB\n", $1 / 1e6}'
set +e
refused="$(timeout 120 docker run --rm --read-only --tmpfs /tmp -e MATCHER_PROFILES_DB=/app/models/profiles.db "$tag" 2>&1)"
code=$?
set -e
lines="$(printf '%s\n' "$refused" | grep -c .)"
if [ "$code" = 0 ] || [ "$lines" != 1 ] || ! printf '%s' "$refused" | grep -q MATCHER_PROFILES_DB; then
  printf '%s\n' "$refused" | head -20
  echo "FAIL: an unwritable profiles database should stop start-up with one line naming MATCHER_PROFILES_DB" >&2
  exit 1
fi
echo "ok   unwritable database: exits $code with one line: $refused"
