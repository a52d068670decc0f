"""A dockerd of the tests' own, to stop, freeze and restart while the rest of the suite runs.

Its socket, exec root (and so its containerd), pid file, log and bridge are its own, under one
short folder in /tmp; it sets up no iptables rules and no NAT, so the machine's engine and its
containers never notice it. It has no network to the outside: the images its tests use are
copied in from the machine's engine. Its data root is kept in ~/.cache/msc-test/private-engine
for the next run, so those images (700 MB) are copied once, as Docker's own are kept; a second
suite on the machine meanwhile gets a data root of its own. Needs root (dockerd, and `ip` for
the bridge).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.kept import take

KEPT = Path("/tmp/msc-engine-kept")  # the folder beside a kept data root (a socket path must be short)


@dataclass
class PrivateEngine:
    folder: Path
    bridge: str
    data: Path  # its data root: in `folder`, or kept (then `lock` holds it for this engine)
    lock: IO | None = None
    argv: list[str] = field(default_factory=list)
    base_image: str = ""  # the tests' base image, once copied in
    process: subprocess.Popen | None = None  # (this process's child: waited for, never left a zombie)

    @property
    def url(self) -> str:
        return f"unix://{self.folder / 'docker.sock'}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def docker(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", "-H", self.url, *args], capture_output=True, timeout=120, **kwargs)

    def answers(self) -> bool:
        return self.docker("info").returncode == 0

    def start(self) -> None:
        # its own environment: not a test's private TMPDIR (it outlives the test), nor its DOCKER_HOST
        env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "DOCKER_HOST", "DOCKER_CONTEXT")}
        with open(self.folder / "dockerd.log", "ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=log, start_new_session=True, env=env)
        deadline = time.monotonic() + 60
        while not self.answers():
            if time.monotonic() > deadline:
                raise AssertionError(f"the private dockerd did not answer within 60 s: {self.folder}/dockerd.log")
            time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """As an engine stops (SIGTERM: its containers stop with it); returns once it has exited."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)  # (a frozen one cannot act on SIGTERM)
        self.process.send_signal(sig)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(60)

    def restart(self) -> None:
        self.stop()
        self.start()

    def load(self, *images: str) -> None:
        """Copy images from the machine's engine (this one has no registry and no network), those
        its kept data root does not have already."""
        images = tuple(image for image in images if self._id(image, self.url) != self._id(image, None))
        if not images:
            return
        saved = subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE)
        loaded = self.docker("load", stdin=saved.stdout)
        saved.wait(300)
        if loaded.returncode or saved.returncode:
            raise AssertionError(f"copying {images} into the private engine failed: {loaded.stderr[-500:]!r}")
        self.docker("image", "prune", "--force")  # the versions they replace

    @staticmethod
    def _id(image: str, url: str | None) -> str | None:
        where = ["-H", url] if url else []
        done = subprocess.run(["docker", *where, "image", "inspect", "--format", "{{.Id}}", image],
                              capture_output=True, text=True, timeout=60)
        return done.stdout.strip() if done.returncode == 0 else None

    def remove(self) -> None:
        self.stop()
        _clear(self.folder, self.data, self.bridge)
        if self.lock is not None:
            self.lock.close()  # (the data root stays, for the next run)
        else:
            subprocess.run(["rm", "-rf", str(self.data)], capture_output=True, timeout=300)


def _clear(folder: Path, data: Path, bridge: str) -> None:
    """What an engine leaves or a killed one left: its mounts, its bridge, its folder."""
    for mount in reversed(Path("/proc/mounts").read_text().splitlines()):
        point = mount.split()[1]
        if point.startswith((f"{folder}/", f"{data}/")):
            subprocess.run(["umount", "--lazy", point], capture_output=True, timeout=60)
    subprocess.run(["ip", "link", "delete", bridge], capture_output=True, timeout=60)
    subprocess.run(["rm", "-rf", str(folder)], capture_output=True, timeout=300)


def start_private_engine() -> PrivateEngine:
    cache, lock = take("private-engine")
    if lock is None:  # another suite's: a data root of our own
        folder = Path(tempfile.mkdtemp(prefix="msc-engine-", dir="/tmp"))
        engine = PrivateEngine(folder, f"msct{secrets.token_hex(3)}", folder / "data")
        subnet = f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250)}"
    else:  # the same folder, bridge and subnet every time: the data root remembers its network
        engine = PrivateEngine(KEPT, "msctkept", cache / "data", lock)
        _clear(KEPT, engine.data, engine.bridge)
        KEPT.mkdir()
        subnet = "10.249.77"
    try:
        _up(engine, subnet)
    except BaseException:
        if lock is None:
            engine.remove()
            raise
        # a kept data root this dockerd cannot use (a newer one's, a killed run's): made again
        engine.stop()
        _clear(KEPT, engine.data, engine.bridge)
        subprocess.run(["rm", "-rf", str(engine.data)], capture_output=True, timeout=300)
        KEPT.mkdir()
        try:
            _up(engine, subnet)
        except BaseException:
            engine.remove()
            raise
    return engine


def _up(engine: PrivateEngine, subnet: str) -> None:
    """Its bridge, then the engine, answering."""
    bridge = engine.bridge
    for step in (["ip", "link", "add", bridge, "type", "bridge"],
                 ["ip", "addr", "add", f"{subnet}.1/24", "dev", bridge], ["ip", "link", "set", bridge, "up"]):
        done = subprocess.run(step, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise AssertionError(f"{' '.join(step)}: {done.stderr.strip()}")
    engine.argv = ["dockerd", "--data-root", str(engine.data), "--exec-root", str(engine.folder / "exec"),
                   "--pidfile", str(engine.folder / "dockerd.pid"), "--host", engine.url, "--bridge", bridge,
                   "--iptables=false", "--ip-masq=false"]
    engine.start()
