"""Where the run agent's socket, log and lock live, and who may answer on it (standard library only).

The folder is one no other user can create, replace or redirect anything in: $XDG_RUNTIME_DIR/msc
when XDG_RUNTIME_DIR is ours and 0700, else `agents` in msc's state directory (MSC_HOME, or
$XDG_STATE_HOME/msc). It is opened once, without following a link (O_NOFOLLOW|O_DIRECTORY), and
checked on the open descriptor: a folder, ours, no access for anyone else. Everything after goes
through that descriptor, never through the path again: files with dir_fd and O_NOFOLLOW, the socket
by /proc/self/fd/N/NAME, which names the very folder that was checked, whatever its path names a
moment later (a path checked, then used, is what another user raced in issue #23). A folder of
ours with no access for others holds only what our own processes put there; still, the client
checks the listening process's uid (SO_PEERCRED, peer_uid) before it sends a byte.
"""

from __future__ import annotations

import os
import socket
import stat
import struct

OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
OPEN_FILE = os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


class NotPrivate(Exception):
    """The agents' folder exists but is not ours alone: no agent (the message says why)."""


def _state_dir() -> str:
    """config.state_dir, without importing msc's settings (this side starts on the standard library)."""
    home = os.environ.get("MSC_HOME")
    if home:
        return home
    return os.path.join(os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "msc")


def private(fd: int) -> bool:
    """A folder that is ours, with no access for anyone else."""
    info = os.fstat(fd)
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _made_private(name: str, shown: str, parent: int | None = None) -> int:
    """The folder `name` (in `parent`; `shown` in messages), made 0700 when missing, opened and checked."""
    try:
        os.mkdir(name, 0o700, dir_fd=parent)
    except FileExistsError:
        pass
    try:
        fd = os.open(name, OPEN_FOLDER, dir_fd=parent)
    except OSError as exc:  # ELOOP: a link where the folder should be
        raise NotPrivate(f"{shown} is not a folder ({exc.strerror})") from None
    if not private(fd):
        info = os.fstat(fd)
        os.close(fd)
        raise NotPrivate(f"{shown} is not yours alone (owner uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):o}; "
                         "it must be yours with mode 700)")
    return fd


def _runtime_dir() -> int | None:
    """XDG_RUNTIME_DIR opened, when it is ours and 0700 (a `su` shell keeps another user's)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime or not os.path.isabs(runtime):
        return None
    try:
        fd = os.open(runtime, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    if private(fd):
        return fd
    os.close(fd)
    return None


def open_folder() -> tuple[int, str]:
    """(the agents' folder opened, its path for messages); NotPrivate or OSError: no agent."""
    runtime = _runtime_dir()
    if runtime is not None:
        shown = os.path.join(os.environ["XDG_RUNTIME_DIR"], "msc")
        try:
            return _made_private("msc", shown, runtime), shown
        finally:
            os.close(runtime)
    folder = os.path.join(_state_dir(), "agents")
    os.makedirs(os.path.dirname(folder), mode=0o700, exist_ok=True)
    return _made_private(folder, folder), folder


def address(folder: int, name: str) -> str:
    """A path to `name` in the opened folder that cannot be redirected (and is short, as a unix
    socket's path must be: at most 107 bytes)."""
    return f"/proc/self/fd/{folder}/{name}"


def open_file(folder: int, name: str, flags: int) -> int:
    """A file of the agent's in its folder (created 0600; never a link followed)."""
    return os.open(name, flags | OPEN_FILE, 0o600, dir_fd=folder)


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end of a unix socket (for a server: who listens)."""
    credentials = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", credentials)[1]
