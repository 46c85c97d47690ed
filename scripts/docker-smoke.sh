#!/usr/bin/env bash
# Build the image, run it, wait until Docker reports it healthy, call three endpoints, print the image size.
# Usage: scripts/docker-smoke.sh [TAG]   (needs a Docker daemon; see README "The image")
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-matcher:smoke}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

start=$(date +%s)
docker build -t "$tag" .
echo "built $tag in $(( $(date +%s) - start )) s"

cid="$(docker run -d -p "127.0.0.1:${port}:8000" "$tag")"
trap 'docker logs "$cid" > /tmp/docker-smoke-$$.log 2>&1 || true; docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT

status=starting
for _ in $(seq 1 90); do
  status="$(docker inspect -f '{{.State.Health.Status}}' "$cid")"
  [ "$status" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$cid")" = true ] || { docker logs "$cid"; echo "container exited" >&2; exit 1; }
  sleep 2
done
[ "$status" = healthy ] || { docker logs "$cid"; echo "not healthy after 180 s (status: $status)" >&2; exit 1; }
echo "healthy after $(( $(date +%s) - start )) s since the build started"

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
docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "image size: %.0f MB\n", $1 / 1e6}'
