"""Fork of a session with pandas installed, to the first run in the fork that imports pandas,
beside `docker commit` (no pause) + `docker run` of the same session, in the same run:

- msc fork (CLI): `msc fork SESSION --json`, then `msc run -s FORK -` of `import pandas`;
- fork_session (API): DockerManager.fork_session, then execute_in_container of the same code;
- docker commit + run: `docker commit -p=false`, then `docker run --rm` of the image with that code
  (the image removed after, untimed).

Goals (issue 26): at most 1.5 s to that first run, and at most 0.6x the commit-and-run route.
    python bench/fork_speed.py [rounds]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from common import median_ms, private_home, stop_agents

CODE = "import pandas\nprint('ready', pandas.__version__)\n"


def msc(*args: str, input: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "msc_tui", *args], input=input, capture_output=True, text=True,
                          env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    return done.stdout


def timed_cli(source: str) -> tuple[float, str]:
    started = time.perf_counter()
    fork = json.loads(msc("fork", source, "--json"))["session"]
    assert msc("run", "-s", fork, "-", input=CODE).startswith("ready")
    return time.perf_counter() - started, fork


def timed_api(dm, source: str, parts: dict[str, list[float]]) -> tuple[float, str]:
    started = time.perf_counter()
    fork = dm.fork_session(source)
    forked = time.perf_counter()
    assert dm.execute_in_container(fork, CODE)["stdout"].startswith("ready")
    ended = time.perf_counter()
    parts["fork"].append(forked - started)
    parts["run"].append(ended - forked)
    return ended - started, fork


def timed_commit(source: str, round_: int, parts: dict[str, list[float]]) -> float:
    image = f"msc-bench-fork-commit:{os.getpid()}-{round_}"
    started = time.perf_counter()
    subprocess.run(["docker", "commit", "-p=false", source, image], check=True, capture_output=True)
    committed = time.perf_counter()
    ran = subprocess.run(["docker", "run", "--rm", "--user", "appuser", image, "python", "-c", CODE],
                         check=True, capture_output=True, text=True)
    ended = time.perf_counter()
    assert ran.stdout.startswith("ready")
    subprocess.run(["docker", "rmi", image], check=True, capture_output=True)
    parts["commit"].append(committed - started)
    parts["docker run"].append(ended - committed)
    return ended - started


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with private_home() as home:
        from msc_tui import DockerManager

        os.environ.pop("XDG_RUNTIME_DIR", None)  # the run agent's socket in MSC_HOME, so stop_agents finds it

        source = json.loads(msc("run", "--new", "--app-type", "basic_app", "--json", "-", input="print(1)"))
        name = source["container_name"]
        msc("install", name, "pandas")
        samples: dict[str, list[float]] = {"cli": [], "api": [], "commit": []}
        parts: dict[str, list[float]] = {"fork": [], "run": [], "commit": [], "docker run": []}
        with DockerManager() as dm:
            for i in range(rounds + 1):  # the first round warms the page cache and the agent: not counted
                cli, cli_fork = timed_cli(name)
                api, api_fork = timed_api(dm, name, parts)
                commit = timed_commit(name, i, parts)
                if i:
                    for kind, value in (("cli", cli), ("api", api), ("commit", commit)):
                        samples[kind].append(value)
                for fork in (cli_fork, api_fork):
                    dm.remove_container(fork)
        stop_agents(home)  # the run agent `msc run -s` started
    c, a, b = (median_ms(samples[k]) for k in ("cli", "api", "commit"))
    half = {k: median_ms(v[1:]) for k, v in parts.items()}  # (round 0 not counted)
    print(f"docker commit + docker run (import pandas): {b:6.0f} ms (median of {rounds})")
    print(f"  of which docker commit {half['commit']:.0f} ms, docker run {half['docker run']:.0f} ms")
    print(f"msc fork + msc run -s (CLI):                {c:6.0f} ms  ratio {c / b:.2f}x  goals: 1500 ms, 0.6x")
    print(f"fork_session + execute_in_container (API):  {a:6.0f} ms  ratio {a / b:.2f}x")
    print(f"  of which fork_session {half['fork']:.0f} ms, the first run {half['run']:.0f} ms")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
