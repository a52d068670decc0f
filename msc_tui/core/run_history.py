"""A session's run history, read through its runner: every run's record, one run's output,
and runs as they happen (whoever started them)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import AsyncIterator, Awaitable, Callable

from ..engine import Engine
from ..engine.execs import ExecChannel
from ..errors import EngineError, MscError, NotFound
from ..runner import protocol as runner
from . import runner_ship


class UnknownRun(NotFound):
    """The session answered: it has no such run (its container is there, nothing broke)."""


@dataclass
class RunEvent:
    """What a follower sees: a run starts (meta, with its code), prints, or ends (meta)."""

    # "start" | "output" | "end" | "changed" (a session file, meta: file, mtime) | "presence" (who follows
    # the session now, meta: present, a list of {by, face, what, client, since}; first once at the start)
    kind: str
    run_id: int
    meta: dict = field(default_factory=dict)
    stream: str = ""
    text: str = ""


class RunHistory:
    """Reads as the session's user; follows as root where root keeps the records (root lists the
    follower, see runner/presence.py). `argv`: the runner's command line for these arguments (a
    container that lacks this version's runner gets it placed); `follower`: who this client is to
    the others (by, face, client); `user`: as whom the runner starts in a container (root or
    appuser); `legacy`: told of a container whose root cannot (an older session)."""

    def __init__(self, engine: Engine, argv: Callable[..., list[str]],
                 follower: dict[str, str], user: Callable[[str], Awaitable[str]], legacy: Callable[[str], None]):
        self.engine = engine
        self.argv = argv
        self.follower = follower
        self.runner_user = user
        self.legacy = legacy
        self._streams: dict[str, set[ExecChannel]] = {}  # this client's open follow / here streams, per container

    async def _runner_output(self, container: str, *args: str) -> str:
        for _ in range(2):
            code, out, err = await self.engine.execs.output(container, self.argv(*args), user="appuser")
            if code == runner.MISSING_EXIT:
                await runner_ship.place(self.engine, container)
                continue
            if code != 0:
                raise EngineError(f"msc's runner failed in {container}: {err.strip()[-200:]}")
            return out
        raise EngineError(f"msc's runner could not be placed in {container}")

    async def history(self, container: str) -> list[dict]:
        """Every recorded run of the session, oldest first (state: going, finished or lost)."""
        return runner.read_literal((await self._runner_output(container, "history") or "[]").encode())

    async def who(self, container: str) -> dict:
        """Who follows the session (present: by, face, what, client, since) and the runs going
        in it (running: id, by, face, file, started_at)."""
        found = runner.read_literal((await self._runner_output(container, "who") or "{}").encode())
        return {"present": found.get("present", []), "running": found.get("running", [])}

    def _presence_args(self, face: str, editing: str | None) -> list[str]:
        args: list[str] = []
        for flag, value in (("--by", self.follower["by"]), ("--client", self.follower["client"]),
                            ("--face", face), ("--editing", editing)):
            args += [flag, value] if value else []
        return args

    async def follow(self, container: str, last: bool = False, face: str = "api",
                     editing: str | None = None) -> AsyncIterator[RunEvent]:
        """Runs as they happen: those going now (from their start), then every new one.
        With `last`, the latest run too when none is going. Others see this client while it
        follows (as `face`, editing `editing` when given; `now_editing` tells them another)."""
        args = (["--last"] if last else []) + self._presence_args(face, editing)
        async for event in self._events(container, "follow", *args):
            yield event

    async def stay(self, container: str, face: str) -> bool:
        """Listed as present in the session (as `face`) until cancelled: one stream that the
        runner holds open (runner `here`); it ends with this process, as its connection does.
        False at once in a session whose root keeps no records (an older one: nobody is listed)."""
        if await self.runner_user(container) != "root":
            return False
        async for _ in self._events(container, "here", *self._presence_args(face, None)):
            pass
        return True

    async def now_editing(self, container: str, filename: str | None) -> None:
        """Tell the others who see this client in the session the file it has open now."""
        for channel in list(self._streams.get(container, ())):
            try:
                await channel.write(runner.frame(runner.EDITING, (filename or "").encode()))
            except MscError:  # (a stream ending meanwhile: its presence ends with it)
                pass

    async def logs(self, container: str, run: str = "latest", follow: bool = False) -> AsyncIterator[RunEvent]:
        """One run's record and output; following, until it ends."""
        async for event in self._events(container, "logs", run, *(["--follow"] if follow else [])):
            if event.kind == "end" and event.meta.get("state") == "unknown":
                raise UnknownRun(f"no run {run} in {container} (msc history lists its runs)")
            yield event

    async def _events(self, container: str, *args: str) -> AsyncIterator[RunEvent]:
        for _ in range(3):
            user = await self.runner_user(container) if args[0] in ("follow", "here") else "appuser"
            channel = await self.engine.execs.open(container, self.argv(*args), user=user)
            reader = runner.FrameReader()
            decoders: dict[tuple[int, str], codecs.IncrementalDecoder] = {}
            streams = self._streams.setdefault(container, set())
            streams.add(channel)
            try:
                while (message := await channel.read()) is not None:
                    if message[0] != 1:
                        continue
                    for kind, payload in reader.feed(message[1]):
                        event = _event(kind, payload, decoders)
                        if event:
                            yield event
            finally:
                streams.discard(channel)
                await channel.close()
            code = await channel.exit_code()
            if code == runner.LEGACY_EXIT and user == "root":
                self.legacy(container)  # (nothing was sent: it follows as the session's user, unlisted)
                continue
            if code != runner.MISSING_EXIT:
                return
            await runner_ship.place(self.engine, container)


def _event(kind: bytes, payload: bytes, decoders: dict) -> RunEvent | None:
    if kind in (runner.OUT_OF, runner.ERR_OF):
        run_id = int.from_bytes(payload[:4], "big")
        stream = "stdout" if kind == runner.OUT_OF else "stderr"
        decoder = decoders.setdefault((run_id, stream), codecs.getincrementaldecoder("utf-8")("replace"))
        return RunEvent("output", run_id, stream=stream, text=decoder.decode(payload[4:]))
    if kind == runner.CHANGED:
        return RunEvent("changed", 0, meta=runner.read_literal(payload))
    if kind == runner.PRESENCE:
        return RunEvent("presence", 0, meta={"present": runner.read_literal(payload).get("present", [])})
    if kind in (runner.HEAD, runner.END):
        meta = runner.read_literal(payload)
        return RunEvent("start" if kind == runner.HEAD else "end", meta.get("id") or 0, meta=meta)
    return None
