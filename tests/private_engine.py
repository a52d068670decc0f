"""A dockerd of the tests' own, to stop, freeze and restart while the rest of the suite runs.

Its socket, data root, exec root (and so its containerd), pid file, log and bridge are its own,
under one short folder in /tmp; it sets up no iptables rules and no NAT, so the machine's engine
and its containers never notice it. It has no network to the outside: the images its tests use
are copied in from the machine's engine. Needs root (dockerd, and `ip` for the bridge).
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


@dataclass
class PrivateEngine:
    folder: Path
    bridge: str
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
        """Copy images from the machine's engine (this one has no registry and no network)."""
        saved = subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE)
        loaded = self.docker("load", stdin=saved.stdout)
        saved.wait(300)
        if loaded.returncode or saved.returncode:
            raise AssertionError(f"copying {images} into the private engine failed: {loaded.stderr[-500:]!r}")

    def remove(self) -> None:
        self.stop()
        for mount in reversed(Path("/proc/mounts").read_text().splitlines()):  # what a killed one left
            point = mount.split()[1]
            if point.startswith(str(self.folder)):
                subprocess.run(["umount", "--lazy", point], capture_output=True, timeout=60)
        subprocess.run(["ip", "link", "delete", self.bridge], capture_output=True, timeout=60)
        subprocess.run(["rm", "-rf", str(self.folder)], capture_output=True, timeout=300)


def start_private_engine() -> PrivateEngine:
    folder = Path(tempfile.mkdtemp(prefix="msc-engine-", dir="/tmp"))  # (a socket path must be short)
    bridge = f"msct{secrets.token_hex(3)}"
    engine = PrivateEngine(folder, bridge)
    subnet = f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250)}"
    for step in (["ip", "link", "add", bridge, "type", "bridge"],
                 ["ip", "addr", "add", f"{subnet}.1/24", "dev", bridge], ["ip", "link", "set", bridge, "up"]):
        done = subprocess.run(step, capture_output=True, text=True, timeout=60)
        if done.returncode:
            engine.remove()
            raise AssertionError(f"{' '.join(step)}: {done.stderr.strip()}")
    engine.argv = ["dockerd", "--data-root", str(folder / "data"), "--exec-root", str(folder / "exec"),
                   "--pidfile", str(folder / "dockerd.pid"), "--host", engine.url, "--bridge", bridge,
                   "--iptables=false", "--ip-masq=false"]
    try:
        engine.start()
    except BaseException:
        engine.remove()
        raise
    return engine
