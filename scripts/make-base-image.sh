#!/usr/bin/env bash
# Stand-in for the Dockerfile's pinned base (ARG BASE) where Docker Hub cannot be reached: a Debian bookworm base made with
# debootstrap (python3 3.11, pip, venv) and imported under the FROM name the Dockerfile uses.
# Like the official image, `python` and `pip` in /usr/local/bin come first on PATH (here they are a venv
# made at /usr/local, since Debian's own python3 refuses system-wide pip installs, PEP 668).
# Needs root, debootstrap and a Docker daemon (Debian: apt-get install debootstrap docker.io; dockerd &).
# Usage: scripts/make-base-image.sh [NAME]   (default: the Dockerfile's BASE, e.g. python:3.11.14-slim-bookworm)
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-$(sed -n 's/^ARG BASE=//p' Dockerfile)}"
root="$(mktemp -d)/rootfs"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates bookworm "$root" \
  http://deb.debian.org/debian
chroot "$root" /usr/bin/python3 -m venv /usr/local
# The host's CA bundle, so that pip inside builds trusts what the host's pip trusts (PIP_CERT below).
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["python3"]' - "$name"
rm -rf "$(dirname "$root")"
docker image inspect -f '{{.Size}}' "$name" | awk -v n="$name" '{printf "%s: %.0f MB\n", n, $1 / 1e6}'
