"""A rootful Podman serving the Docker API on a private socket, with private storage.

The set-up that works on Debian's podman 4.3 (docs/configuration.md, "Podman"): catatonit installed (for
`Init`), default ulimits no higher than this process's hard limits (Podman's defaults are
higher and runc then fails with "error setting rlimits"), and a short exit_command_delay (else
each exec leaves conmon processes behind for 5 minutes). Storage, run state, the config and
the socket all live in one folder.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PodmanService:
    folder: Path
    socket: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def podman(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["podman", "--root", str(self.folder / "root"), "--runroot", str(self.folder / "run"),
                               *args], capture_output=True, text=True, timeout=300, env=self.env)

    @property
    def env(self) -> dict[str, str]:
        return service_env(self.folder)

    def stop(self) -> None:
        self.podman("rm", "--all", "--force", "--time", "0")
        self.podman("volume", "rm", "--all", "--force")
        self.process.terminate()
        self.process.wait(30)
        deadline = time.monotonic() + 30  # conmon's exit commands (`podman container cleanup`) finish
        while subprocess.run(["pgrep", "-f", str(self.folder)], capture_output=True).returncode == 0:
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        # Podman's overlay driver mounts its storage folder on itself; that mount outlives the service.
        for _ in range(5):  # (stacked, when several podman processes set it up)
            if subprocess.run(["umount", "--lazy", str(self.folder / "root" / "overlay")],
                              capture_output=True, timeout=60).returncode:
                break
        shutil.rmtree(self.folder, ignore_errors=True)


def service_env(folder: Path) -> dict[str, str]:
    """This process's environment but TMPDIR: the service outlives the test whose private
    TMPDIR (conftest's agent_sockets) goes with it."""
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    return {**env, "CONTAINERS_CONF": str(folder / "containers.conf")}


def start_podman(folder: Path, images: list[str]) -> PodmanService:
    """The service, with `images` copied in from the Docker Engine (no registry is needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    # Podman 4.3 sets its own process limit to 32768 at start (its /proc/PID/limits show it), and
    # a container may not ask for more than the service has.
    nproc = min(resource.getrlimit(resource.RLIMIT_NPROC)[1], 32768)
    (folder / "containers.conf").write_text(f"""[containers]
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]
[engine]
exit_command_delay = 1
""")
    socket = folder / "podman.sock"
    env = service_env(folder)
    process = subprocess.Popen(["podman", "--root", str(folder / "root"), "--runroot", str(folder / "run"),
                                "system", "service", "--time=0", f"unix://{socket}"], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(folder / "service.log", "wb"))
    service = PodmanService(folder, socket, process)
    deadline = time.monotonic() + 60
    while subprocess.run(["docker", "-H", service.url, "version"], capture_output=True, timeout=30).returncode:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"podman did not answer: {(folder / 'service.log').read_text()[-2000:]}")
        time.sleep(0.3)
    saved = subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE)
    loaded = subprocess.run(["docker", "-H", service.url, "load"], stdin=saved.stdout, capture_output=True,
                            timeout=300)
    saved.wait(60)
    if loaded.returncode:
        raise RuntimeError(f"loading {images} into podman failed: {loaded.stderr.decode()[-500:]}")
    return service
