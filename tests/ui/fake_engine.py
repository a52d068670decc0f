"""A fake engine for deterministic UI snapshots only (behaviour tests use the real engine).

It answers the calls the core makes with fixed data: a few containers, a scripted program
run, an endless quiet event stream. The core above it is the real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import marshal

from msc_tui.config import Settings
from msc_tui.core import runner
from msc_tui.core.service import Msc
from msc_tui.core.state import SessionRecord, StateStore
from msc_tui.engine.containers import ContainerInfo
from msc_tui.engine.storage import DiskUsage, ImageInfo, VolumeInfo

FROZEN_NOW = 1_790_000_000.0
DAY = 86400.0

MISSING_YAML = """Traceback (most recent call last):
  File "/app/main.py", line 1, in <module>
    import yaml
ModuleNotFoundError: No module named 'yaml'
"""


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


class FakeChannel:
    """The session runner's side of a run (`run` or `serve`), scripted: a missing yaml, or five steps."""

    container = "fake"
    tag = "fake"

    def __init__(self, argv):
        self.mode = argv[3] if len(argv) > 3 else ""
        self.reader = runner.FrameReader()
        self.messages: asyncio.Queue = asyncio.Queue()

    async def write(self, data):
        for kind, payload in self.reader.feed(data):
            if kind == runner.CONFIG:
                self._script(marshal.loads(payload)["code"])

    def _script(self, code):
        put = self.messages.put_nowait
        put((1, runner.literal_frame(runner.STARTED, {"id": 1, "others": []})))
        if "import yaml" in code:
            put((1, runner.frame(runner.STDERR, MISSING_YAML.encode())))
            exit_code, duration = 1, 0.08
        else:
            for i in range(1, 6):
                put((1, runner.frame(runner.STDOUT, f"step {i} of 5: ok\n".encode())))
            exit_code, duration = 0, 0.12
        put((1, runner.literal_frame(runner.EXITED, {"exit_code": exit_code, "duration_s": duration,
                                                  "timed_out": False, "cancelled": False})))
        if self.mode == "run":
            put(None)  # a `serve` channel stays open for the next run

    async def read(self):
        if self.mode not in ("run", "serve"):
            await asyncio.Event().wait()  # followers: quiet forever
        return await self.messages.get()

    async def exit_code(self):
        return 0

    async def close(self):
        pass


class FakeExecs:
    async def open(self, container, argv, **kwargs):
        return FakeChannel(argv)

    async def output(self, container, argv, **kwargs):
        return 0, json.dumps([["six", "1.17.0"], ["tabulate", "0.9.0"]]), ""


class FakeFiles:
    async def put(self, container, directory, files):
        pass


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

    def __init__(self, infos):
        self.containers = FakeContainers(infos)
        self.execs = FakeExecs()
        self.files = FakeFiles()
        self.events = FakeEvents()

    async def close(self):
        pass

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
        "import pandas as pd\n\nframe = pd.DataFrame({'x': [1, 2, 3]})\nprint(frame.describe())\n")
    engine = FakeEngine(infos)
    msc = Msc(settings, engine)
    engine.storage = FakeStorage(engine.containers, label, msc.sessions.cache_volume)
    return msc
