#!/usr/bin/env bash
# Prints the name of a local Python base image for the tests, making one if needed.
# Order: $MSC_BASE_IMAGE if it is a local image; python:3.11-slim if present; the cached
# msc-test-base:bookworm; python:3.11-slim pulled (never under CI=true: CI contacts no
# registry); else a Debian bookworm minbase built with debootstrap and `docker import`,
# cached as msc-test-base:bookworm so later runs reuse it.
set -euo pipefail
log() { echo "base-image: $*" >&2; }

if [ -n "${MSC_BASE_IMAGE:-}" ]; then
  if docker image inspect "$MSC_BASE_IMAGE" >/dev/null 2>&1; then echo "$MSC_BASE_IMAGE"; exit 0; fi
  log "MSC_BASE_IMAGE=$MSC_BASE_IMAGE is not a local image; looking for another"
fi
if docker image inspect python:3.11-slim >/dev/null 2>&1; then echo python:3.11-slim; exit 0; fi
cached=msc-test-base:bookworm
if docker image inspect "$cached" >/dev/null 2>&1; then echo "$cached"; exit 0; fi
if [ "${CI:-}" != true ] && timeout 60 docker pull -q python:3.11-slim >/dev/null 2>&1; then
  echo python:3.11-slim; exit 0
fi

if ! command -v debootstrap >/dev/null; then
  [ "$(id -u)" = 0 ] || { log "debootstrap is missing; install it (apt-get install debootstrap) or set MSC_BASE_IMAGE"; exit 1; }
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
log "debootstrap bookworm into $root (about a minute)"
debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
  bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1 || { tail -5 "$root.log" >&2; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import -c 'CMD ["python3"]' - "$cached" >/dev/null
rm -f "$root.log"
log "built $cached"
echo "$cached"
