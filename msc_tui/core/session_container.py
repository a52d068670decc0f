"""A session's container: made hardened, labelled as the session's, started (removed again if it cannot start)."""

from __future__ import annotations

import contextlib
import getpass
import os
from pathlib import Path

from ..config import Settings
from ..engine import Engine
from ..engine.containers import ContainerSpec
from ..errors import ConfigError, MscError
from .ownership import LABEL_HOME, LABEL_POOL, LABEL_SESSION, LABEL_USER
from .recipe import CACHE_DIR
from .state import SessionRecord

RUNNER_CAPABILITIES = ("SETUID", "SETGID", "KILL")
LABEL_RUNNER = "msc.runner"  # "recorder": made so that msc's runner starts as root (older sessions: none)
WHEELHOUSE_PATH = "/wheelhouse"


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return str(os.getuid())


async def make_container(engine: Engine, settings: Settings, record: SessionRecord, home: str,
                         cache_volume: str) -> None:
    """The record's container, created and started; record.container_id set."""
    if settings.wheelhouse and engine.endpoint.startswith("ssh://"):
        # A bind mount names a folder on the engine's machine, not on this one.
        raise ConfigError(f"wheelhouse: {settings.wheelhouse} is a folder on this machine; the engine at "
                          f"{engine.endpoint} cannot mount it (copy it there and use that path, or drop "
                          "[packages] wheelhouse)")
    binds = [f"{Path(settings.wheelhouse).resolve()}:{WHEELHOUSE_PATH}:ro"] if settings.wheelhouse else []
    spec = ContainerSpec(
        name=record.container_name, image=record.image,
        labels={LABEL_SESSION: record.id, LABEL_HOME: home, LABEL_USER: current_user(),
                "msc.app_type": record.app_type, "msc.image": record.image, "msc.network": record.network,
                "msc.install_user": record.install_user, LABEL_RUNNER: "recorder",
                **({LABEL_POOL: "1"} if record.pool else {})},
        memory=settings.memory, pids_limit=settings.pids_limit, cpus=settings.cpus or await _default_cpus(engine),
        network="none" if record.network == "none" else "bridge",
        volumes={cache_volume: CACHE_DIR}, volume_labels={LABEL_HOME: home},
        binds=binds, hostname=record.container_name,  # the shell's prompt names the session
        # msc's runner starts as root to keep the run history where programs cannot write,
        # and becomes the session's user to run them; root's capabilities are these alone
        # (Docker gives root's execs capabilities only when the container's user is root).
        # Every exec msc makes names its user; programs never run as root.
        user="root", cap_add=list(RUNNER_CAPABILITIES),
    )
    record.container_id = await engine.containers.create(spec)
    try:
        await engine.containers.start(record.container_name)
        if record.network == "install-only":
            await engine.containers.disconnect_network(record.container_name)
    except MscError:  # a session that never started is not left behind (nor listed later)
        with contextlib.suppress(MscError):
            await engine.containers.remove(record.container_name)
        raise


async def _default_cpus(engine: Engine) -> float:
    """All but one of the engine's CPUs (at least one): a runaway program in a session
    leaves the host, and the other sessions, a core."""
    return float(max(1, await engine.cpu_count() - 1))
