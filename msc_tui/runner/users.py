"""Root and the program's user: whether root here may become that user, becoming it, and the
site-packages each side may have on its import path (root never runs a .pth file).

In a session made with SETUID, SETGID and KILL, msc starts the runner as root: root keeps the
exec's stream and the history, and a worker that has become the program's user runs the
programs. Changing uid made the worker non-dumpable, so a program (same user) can neither open
/proc/<worker>/fd nor ptrace it: it cannot forge frames, and it cannot write the records.
"""

from __future__ import annotations

import os
import sys

from . import process
from .paths import PROGRAM_USER

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    import pwd
    from typing import Callable

CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7


def program_account() -> pwd.struct_passwd | None:
    """The program user's passwd entry when root here can become that user and nothing that user
    can write is on root's import path; otherwise None (the host then runs the runner as the user)."""
    import pwd

    try:
        account = pwd.getpwnam(PROGRAM_USER)
        with open("/proc/self/status") as f:
            caps = int(next(line for line in f if line.startswith("CapEff:")).split()[1], 16)
    except (KeyError, OSError, StopIteration, ValueError):
        return None
    needed = 1 << CAP_KILL | 1 << CAP_SETGID | 1 << CAP_SETUID
    if caps & needed != needed:
        return None
    for entry in sys.path[1:]:
        try:
            found = os.stat(entry)
        except OSError:
            continue
        if found.st_uid == account.pw_uid or found.st_mode & 0o002:
            return None
    return account


def become(account: pwd.struct_passwd) -> None:
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)
    os.environ.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name)


def as_program_user(action: Callable[[], object]) -> None:
    """`action` as the program's user (root may not read that user's /proc/PID/environ)."""
    account = process.account
    if account is None:
        action()
        return
    pid = os.fork()
    if pid == 0:
        try:
            become(account)
            action()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def set_dumpable(value: int) -> None:
    import ctypes

    ctypes.CDLL(None).prctl(4, value, 0, 0, 0)  # PR_SET_DUMPABLE


def enable_site(user_site: bool) -> None:
    """What `python3` does at start and msc's `python3 -S` skips, so that root never runs a
    .pth file: site-packages on the path, their .pth files run (as the program's user)."""
    import site

    if not user_site:
        site.ENABLE_USER_SITE = False
    site.main()


def add_user_site() -> None:
    """The program user's own site-packages (pip install --user), as `python3` run by that user
    has it; never on the worker's path, where the program could plant what the worker imports."""
    folder = os.path.expanduser(f"~/.local/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages")
    if os.path.isdir(folder):
        import site

        site.addsitedir(folder)
