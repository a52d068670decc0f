"""A fake engine for deterministic UI snapshots only (behaviour tests use the real engine).

It answers the calls the core makes with fixed data (a few containers, an endless quiet event
stream), and runs go through the real session runner, run here. The core above it is the real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from msc_tui.config import Settings
from msc_tui.core import runner_ship
from msc_tui.core.recipe import LIST_PACKAGES
from msc_tui.core.service import Msc
from msc_tui.core.state import SessionRecord, StateStore
from msc_tui.engine.containers import ContainerInfo
from msc_tui.engine.storage import DiskUsage, ImageInfo, VolumeInfo
from msc_tui.runner import protocol as runner

FROZEN_NOW = 1_790_000_000.0
DAY = 86400.0


class FakeContainers:
    def __init__(self, infos: list[ContainerInfo]):
        self.infos = {i.name: i for i in infos}

    async def list(self, label=None, size=False):
        key, _, value = (label or "").partition("=")
        return [i for i in self.infos.values() if not label or i.labels.get(key) == value]

    async def inspect(self, name, size=False):
        from msc_tui.errors import NotFound

        if name not in self.infos:
            raise NotFound(f"container {name}: not found")
        return self.infos[name]

    async def start(self, name):
        self.infos[name].status = "running"

    async def processes(self, name):
        return []  # no warm servers: snapshots stay as they are


class LocalRunner:
    """The session runner itself, run here as a subprocess (its folders under `root`, programs as
    this user): the UI's runs go through the real runner, frames both ways. Only what a
    snapshot must not vary with is made steady: a run's duration, and the folder paths in what
    the program prints (shown as in a session: /app/...)."""

    container = "fake"
    tag = "fake"

    def __init__(self, root: Path, argv: list[str]):
        self.root, self.argv = root, argv
        self.process: asyncio.subprocess.Process | None = None
        self.reader = runner.FrameReader()

    async def start(self) -> "LocalRunner":
        (self.root / "app").mkdir(parents=True, exist_ok=True)
        folder = str(self.root / "opt")  # placed as in a session: one zip, by the same script
        if not os.path.exists(runner_ship.file_path(folder)):
            subprocess.run([sys.executable, *runner_ship.place_argv(folder)[1:]], check=True)
        boot = runner_ship.boot(folder)
        env = {**os.environ, "MSC_RUNNER_ROOT": str(self.root), "MSC_RUNNER_USER": "",
               runner.TAG_VARIABLE: secrets.token_hex(8)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", boot, *self.argv[4:], stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env, cwd=self.root)
        return self

    async def write(self, data):
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def read(self):
        data = await self.process.stdout.read(65536)
        if not data:
            return None
        return 1, b"".join(self._steady(kind, payload) for kind, payload in self.reader.feed(data))

    def _steady(self, kind: bytes, payload: bytes) -> bytes:
        if kind == runner.EXITED:
            return runner.literal_frame(kind, {**runner.read_literal(payload), "duration_s": 0.12})
        return runner.frame(kind, payload.replace(str(self.root).encode(), b""))

    async def exit_code(self):
        return await self.process.wait()

    async def close(self):
        if self.process.returncode is None:
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class FakeExecs:
    """Runner commands go to the real runner, run here; other commands answer with fixed data."""

    def __init__(self, root: Path):
        self.root = root
        self.opened: list[LocalRunner] = []
        self.records: Callable[[], dict] = dict  # the home's records (set by fake_msc): what a listing answers

    async def open(self, container, argv, **kwargs):
        channel = await LocalRunner(self.root / container, argv).start()
        self.opened.append(channel)
        return channel

    async def output(self, container, argv, **kwargs):
        if argv[:3] == ["python3", "-S", "-c"] and "msc_runner_" in argv[3]:
            channel = await LocalRunner(self.root / container, argv).start()
            await channel.close()
            out = await channel.process.stdout.read()
            return channel.process.returncode, out.decode(), ""
        if argv == ["python3", LIST_PACKAGES]:  # what the record says the session holds
            held = [p.split("==") for r in self.records().values() if r.container_name == container
                    for p in r.installed_packages]
            return 0, json.dumps(held), ""
        return 0, json.dumps([["six", "1.17.0"], ["tabulate", "0.9.0"]]), ""

    async def kill_tagged(self, container, tag, user):
        pass


class FakeFiles:
    """A container's files are those under its local runner's folder."""

    def __init__(self, root: Path):
        self.root = root

    async def put(self, container, directory, files):
        pass

    async def get(self, container, path):
        from msc_tui.errors import NotFound

        try:
            return (self.root / container / path.lstrip("/")).read_bytes()
        except OSError:
            raise NotFound(f"{container}:{path}: no such file") from None


class FakeStorage:
    """`system df`: the containers, one image per app type in use plus an old one, the home's cache."""

    def __init__(self, containers: FakeContainers, home: str, cache_volume: str):
        self.containers, self.home, self.cache_volume = containers, home, cache_volume

    async def usage(self):
        infos = list(self.containers.infos.values())
        images = [ImageInfo(f"sha256:{tag}", [f"{tag}:latest"], {"msc.recipe": tag, "msc.app_type": app_type},
                            FROZEN_NOW - days * DAY, 700_000_000, unique, users)
                  for tag, app_type, days, unique, users in (
                      ("msc-data-3f2a9c1d0b7e", "data_app", 10, 690_000_000, 1),
                      ("msc-basic-0a1b2c3d4e5f", "basic_app", 40, 41_000_000, 0),
                      ("msc-basic-9e8d7c6b5a40", "basic_app", 2, 41_000_000, 0))]
        volumes = [VolumeInfo(self.cache_volume, {"msc.home": self.home}, FROZEN_NOW - 30 * DAY, 290_000_000, 2)]
        for info in infos:
            info.image_id = f"sha256:{info.image}"
            if "msc.session" in info.labels:
                info.volumes = (self.cache_volume,)
        return DiskUsage(infos, images, volumes)


class FakeEvents:
    async def watch(self, label=None, since=None, max_backoff=5.0):
        await asyncio.Event().wait()  # quiet forever
        yield  # pragma: no cover - makes this an async generator


class FakeEngine:
    endpoint = description = "unix:///var/run/docker.sock"

    def __init__(self, infos, root: Path):
        self.containers = FakeContainers(infos)
        self.execs = FakeExecs(root)
        self.files = FakeFiles(root)
        self.events = FakeEvents()

    async def close(self):
        for channel in self.execs.opened:  # followers and warm servers the app left open
            if channel.process.returncode is None:
                channel.process.kill()
                await channel.process.wait()

    @contextlib.asynccontextmanager
    async def answering(self):  # a fake never freezes
        yield

    def cli_environment(self, base):
        return {**base, "DOCKER_HOST": self.endpoint}


def fake_msc(home) -> Msc:
    """Three msc sessions (one stopped, one whose container is gone), a session of another
    home (bob's) and one container msc did not make."""
    settings = Settings(paths=(home, home))
    label = str(home)

    def info(sid, status, days, app_type="basic_app", size=None):
        return ContainerInfo(id=f"{sid}0" * 8, name=f"msc-dev-session-{sid}", image=f"msc-{app_type[:-4]}-3f2a9c1d0b7e",
                             status=status, labels={"msc.session": sid, "msc.home": label, "msc.app_type": app_type},
                             created=FROZEN_NOW - days * DAY, size_rw=size)

    infos = [info("a1b2c3", "running", 0.2, "data_app", 48_300_000), info("d4e5f6", "exited", 9, "gui_app"),
             ContainerInfo(id="f" * 64, name="postgres-dev", image="postgres:16", status="running", labels={},
                           created=FROZEN_NOW - 30 * DAY),
             ContainerInfo(id="b" * 64, name="msc-dev-session-b0b0b0", image="msc-basic-9e8d7c6b5a40",
                           status="running", created=FROZEN_NOW - 3 * DAY,
                           labels={"msc.session": "b0b0b0", "msc.home": "/home/bob/.msc", "msc.user": "bob"})]
    store = StateStore(home / "sessions.toml")
    records = {
        "a1b2c3": SessionRecord("a1b2c3", "msc-dev-session-a1b2c3", "msc-data-3f2a9c1d0b7e", "data_app",
                                created_at=FROZEN_NOW - 0.2 * DAY, last_used=FROZEN_NOW - 600,
                                session_files=["main.py"], installed_packages=["numpy==2.3.1", "pandas==2.3.0"]),
        "d4e5f6": SessionRecord("d4e5f6", "msc-dev-session-d4e5f6", "msc-gui-3f2a9c1d0b7e", "gui_app",
                                created_at=FROZEN_NOW - 9 * DAY, last_used=FROZEN_NOW - 8 * DAY,
                                session_files=["calc.py"]),
        "0c0ffe": SessionRecord("0c0ffe", "msc-dev-session-0c0ffe", "msc-web-3f2a9c1d0b7e", "web_app",
                                created_at=FROZEN_NOW - 20 * DAY, last_used=FROZEN_NOW - 19 * DAY),
    }
    store.update(lambda rs: rs.update(records))
    (home / "sessions" / "a1b2c3").mkdir(parents=True)
    (home / "sessions" / "a1b2c3" / "main.py").write_text(
        "for step in range(1, 6):\n    print(f'step {step} of 5: ok')\n")
    engine = FakeEngine(infos, home / "containers")
    msc = Msc(settings, engine)
    engine.execs.records = msc.sessions.records
    engine.storage = FakeStorage(engine.containers, label, msc.sessions.cache_volume)
    return msc
