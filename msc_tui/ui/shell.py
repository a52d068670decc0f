"""F8: an interactive shell in a session, the app suspended meanwhile (the docker CLI's)."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from ..core.state import SessionRecord

if TYPE_CHECKING:
    from .app import MscApp


async def open_shell(app: MscApp, record: SessionRecord | None) -> None:
    docker = shutil.which("docker")
    if record is None or docker is None:
        app.notify("select a session (and have the docker CLI on PATH)", severity="warning")
        return
    await app.core.sessions.ensure_running(record)
    env = app.core.engine.cli_environment(dict(os.environ))
    with app.suspend():
        subprocess.call(app.core.sessions.shell_argv(record, docker), env=env)
