"""An sshd of its own on a loopback port, for the ssh:// engine test and benchmark.

Everything lives in one folder: its sshd_config, host key, client key, authorized_keys,
known_hosts, and a HOME whose ~/.ssh/config calls it `msc-test-box`. Nothing of the user's
~/.ssh is read or written. The "remote" is this machine: sshd runs `docker system dial-stdio`
against the same engine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"
ALIAS = "msc-test-box"


@dataclass
class SshBox:
    port: int
    home: Path  # HOME for msc: its .ssh/config names the box
    known_hosts: Path
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def kill(self) -> None:
        """The box goes away at once: its listener and every connection it serves (SIGKILL)."""
        tree = _descendants(self.process.pid)
        self.process.kill()
        self.process.wait(10)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30)
    return path.with_suffix(".pub").read_text().strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_ssh_box(folder: Path) -> SshBox:
    box = folder / "box"
    box.mkdir(parents=True)
    host_key = _keygen(box / "host_key")
    (box / "authorized_keys").write_text(_keygen(box / "client_key") + "\n")
    port = free_port()
    (box / "sshd_config").write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {box}/host_key
AuthorizedKeysFile {box}/authorized_keys
PidFile {box}/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
""")
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation folder
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(box / "sshd_config")],
                               stderr=open(box / "sshd.log", "wb"))
    home = folder / "home"
    (home / ".ssh").mkdir(parents=True)
    known_hosts = box / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port},[{ALIAS}]:{port} {host_key}\n")
    (home / ".ssh" / "config").write_text(f"""Host {ALIAS}
    HostName 127.0.0.1
    Port {port}
    User root
    IdentityFile {box}/client_key
    UserKnownHostsFile {known_hosts}
""")
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return SshBox(port, home, known_hosts, process)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {(box / 'sshd.log').read_text()}") from None
            time.sleep(0.1)
