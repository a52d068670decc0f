"""ssh:// host keys checked as the docker CLI's ssh checks them.

The docker CLI reaches an ssh:// engine through OpenSSH, which honours `StrictHostKeyChecking`
and `UserKnownHostsFile` in ~/.ssh/config. aiodocker's connector (asyncssh) reads the first
known_hosts file only and always refuses a key it does not know. Here the policy is read from the
same config: `yes` (the default, and `ask`: msc cannot ask) refuses unknown and changed keys;
`accept-new` adds an unknown host's key to the known_hosts file and refuses a changed one; `no`
(`off`) adds unknown keys and accepts changed ones, as ssh does. A refusal is recorded so that
msc's one line says which it was: unknown, or changed (with the `ssh-keygen -R` that removes the
old line).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncssh
from paramiko import SSHConfig  # type: ignore[import-untyped]  # (aiodocker reads the config with it too)

ACCEPTS_NEW = ("accept-new", "no", "off", "false")
ACCEPTS_CHANGED = ("no", "off", "false")


def _host_entry(host: str, port: int | None) -> str:
    """How known_hosts (and ssh-keygen -R) name a host: `host`, or `[host]:port` off port 22."""
    return f"[{host}]:{port}" if port and port != 22 else host


@dataclass
class HostKeyPolicy:
    strict: str  # StrictHostKeyChecking, lower case
    known_hosts: list[Path]  # UserKnownHostsFile, expanded; new keys go to the first
    ssh_command: str  # what to type to reach the host by hand (`ssh -p PORT user@host`)
    refused: str = ""  # why the last key was refused, in words for msc's one line

    @classmethod
    def for_endpoint(cls, endpoint: str, ssh_command: str) -> "HostKeyPolicy":
        alias = urlsplit(endpoint).hostname or ""
        config_path = Path.home() / ".ssh" / "config"
        try:
            found = SSHConfig.from_path(str(config_path)).lookup(alias) if config_path.exists() else {}
        except (OSError, ValueError):  # a config asyncssh will complain about in its own words
            found = {}
        files = [Path(os.path.expanduser(f)) for f in str(found.get("userknownhostsfile", "")).split()]
        return cls(str(found.get("stricthostkeychecking", "yes")).lower(),
                   files or [Path.home() / ".ssh" / "known_hosts"], ssh_command)

    @property
    def adds_new_keys(self) -> bool:
        return self.strict in ACCEPTS_NEW

    def prepare(self) -> None:
        """For accept-new and no: the file new keys go to exists (ssh creates it too), so that
        aiodocker does not refuse for want of one."""
        if self.adds_new_keys and not self.known_hosts[0].exists():
            self.known_hosts[0].parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.known_hosts[0].touch(mode=0o600)

    def asyncssh_known_hosts(self) -> list[str]:
        return [str(p) for p in self.known_hosts if p.exists()]

    def judge(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        """Called by asyncssh for a key none of the known_hosts files trusts."""
        listed = self.asyncssh_known_hosts()
        known = bool(listed) and bool(asyncssh.match_known_hosts(listed, host, addr, port)[0])
        where = _host_entry(host, port)
        if known:
            if self.strict in ACCEPTS_CHANGED:
                return True
            self.refused = (f"the host key of {where} CHANGED since it was recorded in {self.known_hosts[0]} "
                            "(someone may be intercepting the connection; if the host was reinstalled, "
                            f"`ssh-keygen -R {shlex.quote(where)} -f {shlex.quote(str(self.known_hosts[0]))}` "
                            "removes the old key)")
            return False
        if not self.adds_new_keys:
            self.refused = (f"the host key of {where} is not in {self.known_hosts[0]} "
                            f"(`{self.ssh_command}` once shows it and adds it when you accept it)")
            return False
        line = f"{where} {key.export_public_key().decode().strip()}\n"
        with open(self.known_hosts[0], "a", encoding="utf-8") as added:
            added.write(line)
        return True

    def client_factory(self) -> asyncssh.SSHClient:
        policy = self

        class Client(asyncssh.SSHClient):
            def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
                return policy.judge(host, addr, port, key)

        return Client()
