"""A run's process tree, found by the tag every process of it carries in its environment
(TAG_VARIABLE): killing it, and giving a fork a tag of its own."""

from __future__ import annotations

import os
import time

from .protocol import TAG_VARIABLE

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    import signal
else:
    import _signal as signal  # the C module: `signal` itself imports enum (milliseconds per run)


def tagged_pids(tag: str, exclude: set[int]) -> list[int]:
    needle = f"{TAG_VARIABLE}={tag}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(name))
        except OSError:
            pass
    return found


def kill_tree(tag: str, exclude: set[int]) -> None:
    """SIGSTOP then SIGKILL every process carrying the tag, until none is left.
    Needs no new process, so it works at the pids limit."""
    for _ in range(200):
        pids = tagged_pids(tag, exclude)
        if not pids:
            return
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        time.sleep(0.01)


def retag(tag: str) -> None:
    """Give this process (and so its whole future tree) its own kill tag. Children read the
    environment the interpreter keeps (os.environ); a kill scans /proc/PID/environ, which shows
    the process's original environment block, so the tag is rewritten there too, in place."""
    old = os.environ.get(TAG_VARIABLE, "")
    os.environ[TAG_VARIABLE] = tag
    if len(old) != len(tag):
        return
    with open("/proc/self/stat") as f:
        env_start = int(f.read().rsplit(")", 1)[1].split()[47])
    with open("/proc/self/environ", "rb") as f:
        offset = f.read().find(f"{TAG_VARIABLE}={old}\0".encode())
    if offset >= 0:
        fd = os.open("/proc/self/mem", os.O_RDWR)
        try:
            os.pwrite(fd, tag.encode(), env_start + offset + len(TAG_VARIABLE) + 1)
        finally:
            os.close(fd)
