"""A rootful Podman serving the Docker API on a private socket, with private storage.

The set-up that works on Debian's podman 4.3 (docs/configuration.md, "Podman"): catatonit installed (for
`Init`), default ulimits no higher than this process's hard limits (Podman's defaults are
higher and runc then fails with "error setting rlimits"), and a short exit_command_delay (else
each exec leaves conmon processes behind for 5 minutes). Run state, the config and the socket
live in one folder, removed afterwards. The image storage is kept in ~/.cache/msc-test/podman
for the next run (copying msc's 700 MB image in took 10-20 s of CPU every run), as Docker's
images are; a second suite on the machine meanwhile gets storage of its own. Podman's database
remembers its folders, so the kept storage always comes with the same run folder.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.kept import take

KEPT_RUN = Path("/tmp/msc-podman-kept")  # Podman refuses a run folder over 50 characters


@dataclass
class PodmanService:
    folder: Path
    root: Path  # the image storage: in `folder`, or kept (then `lock` holds it for this service)
    process: subprocess.Popen
    lock: IO | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "podman.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def podman(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(podman_argv(self.root, self.folder, *args), capture_output=True, text=True,
                              timeout=300, env=self.env)

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
        unmount(self.root)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.lock is not None:
            self.lock.close()  # (the storage stays, for the next run)


def unmount(root: Path) -> None:
    """Podman's overlay driver mounts its storage folder on itself; that mount outlives the service."""
    for _ in range(5):  # (stacked, when several podman processes set it up)
        if subprocess.run(["umount", "--lazy", str(root / "overlay")], capture_output=True, timeout=60).returncode:
            break


def podman_argv(root: Path, folder: Path, *args: str) -> list[str]:
    return ["podman", "--root", str(root), "--runroot", str(folder / "run"), *args]


def service_env(folder: Path) -> dict[str, str]:
    """This process's environment but TMPDIR: the service outlives the test whose private
    TMPDIR (conftest's agent_sockets) goes with it."""
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    return {**env, "CONTAINERS_CONF": str(folder / "containers.conf")}


def start_podman(images: list[str]) -> PodmanService:
    """The service, with `images` copied in from the Docker Engine (no registry is needed) unless
    the kept storage has them already."""
    cache, lock = take("podman")
    if lock is None:  # another suite's: storage of our own
        folder = Path(tempfile.mkdtemp(prefix="msc-podman-", dir="/tmp"))
        return _started(folder, folder / "root", None, images)
    shutil.rmtree(KEPT_RUN, ignore_errors=True)  # (a run that was killed)
    try:
        return _started(KEPT_RUN, cache / "root", lock, images)
    except RuntimeError:  # storage an older Podman or a killed run left unusable: made again
        unmount(cache / "root")
        shutil.rmtree(cache / "root", ignore_errors=True)
        shutil.rmtree(KEPT_RUN, ignore_errors=True)
        return _started(KEPT_RUN, cache / "root", lock, images)


def _started(folder: Path, root: Path, lock, images: list[str]) -> PodmanService:
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
    process = subprocess.Popen(podman_argv(root, folder, "system", "service", "--time=0", f"unix://{folder}/podman.sock"),
                               env=service_env(folder), stdout=subprocess.DEVNULL,
                               stderr=open(folder / "service.log", "wb"))
    service = PodmanService(folder, root, process, lock)
    deadline = time.monotonic() + 60
    while subprocess.run(["docker", "-H", service.url, "version"], capture_output=True, timeout=30).returncode:
        if process.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                process.kill()
                process.wait(30)
            raise RuntimeError(f"podman did not answer: {(folder / 'service.log').read_text()[-2000:]}")
        time.sleep(0.3)
    missing = [image for image in images if not _has(service, image)]
    if missing:
        saved = subprocess.Popen(["docker", "save", *missing], stdout=subprocess.PIPE)
        loaded = subprocess.run(["docker", "-H", service.url, "load"], stdin=saved.stdout, capture_output=True,
                                timeout=300)
        saved.wait(60)
        if loaded.returncode:
            process.kill()
            process.wait(30)
            raise RuntimeError(f"loading {missing} into podman failed: {loaded.stderr.decode()[-500:]}")
        service.podman("image", "prune", "--force")  # the versions they replace
    return service


def _has(service: PodmanService, image: str) -> bool:
    """Whether Podman's storage has the Docker Engine's image of that name (the same ID)."""
    ours = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image], capture_output=True,
                          text=True, timeout=60).stdout.strip().removeprefix("sha256:")
    theirs = service.podman("image", "inspect", "--format", "{{.Id}}", image)
    return theirs.returncode == 0 and theirs.stdout.strip().removeprefix("sha256:") == ours != ""
