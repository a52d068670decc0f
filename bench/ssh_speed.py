"""DOCKER_HOST=ssh:// against the local socket, same engine, side by side (needs root and
openssh-server: an sshd of its own on a loopback port, see tests/ssh_box.py).

Targets (any-engine issue): a whole `msc run` over ssh:// at most 2x the same run over the local
socket; an API rerun at most 1.5x. Both CLI paths are shown: through the run agent (the
default, which keeps its SSH connection) and without it (a handshake per command).
    python bench/ssh_speed.py [rounds]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import interleaved, median_ms, private_home, stop_agents

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from msc_tui import DockerManager  # noqa: E402
from tests.ssh_box import ALIAS, start_ssh_box  # noqa: E402

CODE = "print(1)"


def measure(rounds: int, box) -> dict[str, list[float]]:
    local = {**os.environ}
    local.pop("DOCKER_HOST", None)
    remote = {**os.environ, "DOCKER_HOST": f"ssh://{ALIAS}", "HOME": str(box.home)}
    made = subprocess.run([sys.executable, "-m", "msc_tui", "run", "--new", "--json", "-"], input=CODE, text=True,
                          capture_output=True, check=True, env={**local, "MSC_AGENT": "0"})
    sid = __import__("json").loads(made.stdout)["session"]
    cli = [sys.executable, "-m", "msc_tui", "run", "-s", sid, "-"]

    def run(env):
        return lambda: subprocess.run(cli, input=CODE, text=True, capture_output=True, check=True, env=env)

    os.environ.update(DOCKER_HOST=f"ssh://{ALIAS}", HOME=str(box.home))
    over_ssh = DockerManager()
    os.environ.pop("DOCKER_HOST")
    os.environ["HOME"] = local.get("HOME", "/root")
    here = DockerManager()
    name = f"msc-dev-session-{sid}"
    paths = {
        "cli-local": run({**local, "MSC_AGENT": "0"}), "cli-ssh": run({**remote, "MSC_AGENT": "0"}),
        "agent-local": run(local), "agent-ssh": run(remote),
        "api-local": lambda: here.execute_in_container(name, CODE),
        "api-ssh": lambda: over_ssh.execute_in_container(name, CODE),
    }
    try:
        return interleaved(paths, rounds)
    finally:
        here.close()
        over_ssh.close()


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with private_home() as home, tempfile.TemporaryDirectory(prefix="mscs") as folder:
        os.environ.pop("XDG_RUNTIME_DIR", None)  # the run agents' sockets in MSC_HOME: private to this benchmark
        box = start_ssh_box(Path(folder))
        try:
            samples = measure(rounds, box)
        finally:
            box.stop()
            stop_agents(home)
    m = {name: median_ms(s) for name, s in samples.items()}
    print(f"medians of {rounds} interleaved rounds, print(1), one session, the same engine")
    for kind, label in (("cli", "`msc run -s S -`, MSC_AGENT=0 (a handshake per command)"),
                        ("agent", "`msc run -s S -` through the run agent"),
                        ("api", "DockerManager.execute_in_container (warm)")):
        print(f"{label}: local {m[kind + '-local']:6.1f} ms, ssh:// {m[kind + '-ssh']:6.1f} ms, "
              f"ratio {m[kind + '-ssh'] / m[kind + '-local']:.2f}x")
