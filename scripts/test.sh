#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a warm one:
# a virtual environment with the project and its test extras, a Docker Engine that answers,
# a local base image, the host's CA bundle for containers, then pytest (arguments pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MSC_TEST_VENV:-.venv}
say() { echo "test.sh: $*" >&2; }
# Bytecode is cached (some environments set PYTHONDONTWRITEBYTECODE): else each of the suite's
# processes compiles again every module it imports that has no .pyc yet (the tests' assertion
# rewriting, docker-py, asyncssh, msc itself), 1-4 s of CPU per pytest worker and more per msc.
unset PYTHONDONTWRITEBYTECODE

# A Docker Engine that answers.
engine_started=
engine_answers() { timeout 10 docker info >/dev/null 2>&1; }
if ! engine_answers; then
  endpoint=${DOCKER_HOST:-unix:///var/run/docker.sock}
  if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && [ -z "${DOCKER_HOST:-}" ]; then
    if ! command -v dockerd >/dev/null; then
      say "no engine at $endpoint; installing Debian's docker.io"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    fi
    say "starting dockerd (log: /tmp/msc-dockerd.log)"
    nohup dockerd >/tmp/msc-dockerd.log 2>&1 &
    engine_started=1  # (it starts while the environment below is made)
  else
    say "no Docker Engine answers at $endpoint: start dockerd (or point DOCKER_HOST at one) and run again"
    exit 1
  fi
fi

# The project and its test extras exactly as uv.lock pins them (never resolved afresh here);
# uv itself, pinned, lives in a folder of its own. `uv lock` refreshes the lock (CONTRIBUTING.md).
uv_version=0.13.8
uv_home=${XDG_CACHE_HOME:-$HOME/.cache}/msc-test/uv-$uv_version
if [ ! -x "$uv_home/bin/uv" ]; then
  rm -rf "$uv_home" && python3 -m venv "$uv_home"
  # (filtering pip's warnings about this machine's own pip configuration, not ours)
  "$uv_home/bin/python" -m pip install -q --disable-pip-version-check "uv==$uv_version" 2>&1 \
    | { grep -v "^WARNING: Location .* is ignored" || true; }
fi
UV_PROJECT_ENVIRONMENT=$venv "$uv_home/bin/uv" sync -q --locked --extra test
export MSC_TEST_UV=$uv_home/bin/uv  # (the wheel test installs with it)

if [ -n "$engine_started" ]; then
  for _ in $(seq 60); do engine_answers && break; sleep 1; done
  engine_answers || { say "dockerd did not answer within 60 s; see /tmp/msc-dockerd.log"; exit 1; }
fi

MSC_BASE_IMAGE=$(bash scripts/base-image.sh)
export MSC_BASE_IMAGE
# Containers reach package indexes through the same TLS setup as this host.
if [ -z "${MSC_CA_BUNDLE:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export MSC_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
fi
# Tests that touch the machine beyond their own objects (restarting dockerd, starting an sshd
# or a Podman service of their own, on a loopback port or a private socket, adding a Unix user)
# run only on CI.
debian_install() {  # package...: from the cached lists, else after an update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}
if [ "${CI:-}" = true ]; then
  export MSC_TEST_RESTART_ENGINE=1
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    if [ ! -x /usr/sbin/sshd ]; then
      say "installing Debian's openssh-server for the ssh:// engine test"
      debian_install openssh-server
    fi
    if ! command -v podman >/dev/null || ! dpkg -s catatonit >/dev/null 2>&1; then
      say "installing Debian's podman and catatonit for the Podman engine test"
      debian_install podman catatonit
    fi
    export MSC_TEST_SSHD=1 MSC_TEST_PODMAN=1
    # a second Unix user (useradd, removed after) and fs.protected_symlinks lowered for one test
    export MSC_TEST_UNIX_USERS=1
  fi
fi
say "engine: $(docker version --format '{{.Server.Version}}'), base image: $MSC_BASE_IMAGE"
if [ $# -gt 0 ]; then exec "$venv/bin/python" -m pytest "$@"; fi
# The whole suite: most tests side by side (they wait on the engine, the index and subprocesses
# more than on the CPU), then those marked `alone` (one lowers a sysctl every process shares).
jobs=${MSC_TEST_JOBS:-4}  # (2 cores: the workers wait on the engine and each other much of the time)
status=0
"$venv/bin/python" -m pytest -n "$jobs" --dist loadgroup -m "not alone" || status=$?
"$venv/bin/python" -m pytest -m alone || { rc=$?; [ "$rc" = 5 ] || status=$rc; }  # 5: none collected
exit "$status"
