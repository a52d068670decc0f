"""Running code in a session through its runner (the history it keeps: core/run_history.py).

A run goes through the session runner (msc_tui/runner/, placed in the container the first
time it is needed). The code, the program's input and signals travel as frames on an exec's
stdin; the program's output and the outcome come back as frames. The runner keeps each run's
record and output in the container, so any msc that reaches the engine can list, read and
follow the runs of a session: the container is the session's meeting point.

Two paths, one behaviour: a client that lives long (the TUI, the Python API) keeps a `serve`
exec open per session and sends run after run over it (the warm path: no exec per run, and
the modules recent runs used already imported); a short-lived one (the CLI) starts one `run`
exec per run (the exec path). The warm path falls back to the exec path whenever it cannot
serve, with no difference but speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import marshal
import secrets
import socket
from typing import AsyncIterator, Callable

from ..config import parse_size
from ..engine import Engine
from ..engine.containers import ContainerInfo
from ..engine.execs import ExecChannel
from ..errors import EngineError, EngineUnreachable, MscError, NotFound, NotRunning, UsageError
from ..runner import protocol as runner
from . import runner_ship
from .files import APP_DIR
from .manifest import ProjectStale
from .results import RunResult, run_result
from .run_bookkeeping import started_bookkeeping
from .run_capture import Capture, OnOutput
from .run_fate import Notices, OnNotice, engine_lost, recorded_end
from .run_history import RunEvent, RunHistory
from .run_input import RunInput, check_filename
from .session_container import current_user
from .sessions import Sessions, container_gone
from .state import SessionRecord
from .warm_servers import WarmServers

KILL_GRACE_S = 5  # how long a cancelled run's runner gets to report before msc kills from outside



def runner_argv(*args: str) -> list[str]:
    # -S: no site-packages at start, so root (the runner's recorder) never runs a .pth file or
    # sitecustomize from the venv; the runner adds them where the program's user runs
    return ["python3", "-S", "-c", runner_ship.boot(runner_ship.FOLDER), *args]


def run_exec_owner(action: str) -> str | None:
    """From an engine event 'exec_start: python3 -c <boot> run BY FACE': who started the run."""
    last = action.rsplit("\n", 1)[-1].split()
    if "msc_runner_" in action and len(last) == 3 and last[0] == "run":
        return last[1]
    return None


def identity() -> str:
    """user@host of whoever runs this msc, as followers see it."""
    return f"{current_user()}@{socket.gethostname()}"


DISK_POLL_S = 2.0  # how often a run's session is weighed against [limits] disk
REMOVAL_SETTLE_S = 5.0  # a container that stopped under a run: how long to look whether it is being removed
ENGINE_GRACE_S = 15.0  # past a run's timeout, how long msc waits for an engine that went quiet


async def _watch_disk(engine: Engine, container: str, disk: str, controls: RunInput, overrun: dict) -> None:
    """Stop the run (as a second Ctrl-C would) once the session's writable layer passes
    `[limits] disk`: overlay2 on this kind of host has no per-container quota to enforce it."""
    limit = parse_size(disk, "disk size")
    if not limit:
        return
    while True:
        await asyncio.sleep(DISK_POLL_S)
        try:
            size = (await engine.containers.inspect(container, size=True)).size_rw or 0
        except MscError:
            continue
        if size > limit:
            overrun["size"] = size
            controls.kill()
            return


class _RunnerMissing(Exception):
    """The session has no runner of this version yet (an older session, a new msc)."""


class _Legacy(Exception):
    """The session's root lacks what the runner's recorder needs (made by an older msc): the
    runner runs as the session's user instead. Nothing has begun."""


class _WarmLost(Exception):
    """A warm server ended before it took the run (idle exit, restart): the run has not begun."""


async def _settled(engine: Engine, container: str, info: ContainerInfo) -> ContainerInfo:
    """A started run's stream ended with no outcome: `docker rm -f` and `docker stop` kill the
    program before the container's state says so, and a removal takes a while on a loaded
    engine. Look again until it is gone (NotFound), or has stayed stopped (or running) a moment."""
    loop = asyncio.get_running_loop()
    deadline, seen = loop.time() + REMOVAL_SETTLE_S, []
    while loop.time() < deadline:
        seen.append(info.status)
        if len(seen) >= 5 and seen[-5:] == [info.status] * 5 and info.status != "removing":
            break  # the same settled state for a second
        await asyncio.sleep(0.2)
        info = await engine.containers.inspect(container)
    return info


class Runs:
    def __init__(self, engine: Engine, sessions: Sessions, warm: bool = True):
        self.engine = engine
        self.sessions = sessions
        self.client = secrets.token_hex(6)  # tells this msc's runs from others' in followers
        self.by = identity()
        self.warm = warm
        self.servers = WarmServers()
        self._legacy: set[str] = set()  # containers whose runner cannot start as root (older sessions)
        self.records = RunHistory(engine, runner_argv, {"by": self.by, "client": self.client},
                                  self._looked_user, self._legacy.add)

    async def close(self) -> None:
        """End this client's warm servers."""
        await self.servers.close()

    # -- running ------------------------------------------------------------------------------------
    async def execute(self, record: SessionRecord, code: str, filename: str = "main.py",
                      timeout: float | None = None, on_output: OnOutput | None = None, local=(), *,
                      stdin: RunInput | None = None, face: str = "api", tty: bool = False,
                      size: dict | None = None, on_notice: OnNotice | None = None, cwd: str = "",
                      project: str | None = None, env: dict[str, str] | None = None,
                      seed: dict | None = None) -> RunResult:
        """Run code as /app/<filename>, in /app/<cwd>; no `stdin`: an empty one. `project`: the fingerprint
        /app must have, or `seed`: files to write first (Mirror.seed); else ProjectStale, nothing run."""
        check_filename(filename)
        if "\0" in code:
            raise UsageError("the code contains a NUL byte; Python cannot run it")
        controls = stdin or RunInput(eof=True)
        settings = self.sessions.settings
        config = {"code": code, "file": filename, "timeout": timeout, "by": self.by, "face": face,
                  "client": self.client, "tty": tty, "size": size, "warm_imports": settings.warm_imports,
                  "idle_s": settings.warm_idle or None, "cwd": cwd, "project": project, "env": env or {}, "seed": seed}
        capture, notices = Capture(on_output), Notices(on_notice)
        bookkeeping = await started_bookkeeping(lambda on_locked: self._keep(record, filename, code, on_locked))
        try:
            # The runner enforces the timeout inside the session; this deadline is for an engine
            # that stops answering (frozen, overloaded), so --timeout holds on this side too.
            async with asyncio.timeout(timeout + ENGINE_GRACE_S if timeout else None), self.engine.answering():
                outcome = await self._run_placed(record, config, controls, capture, notices)
            if outcome.get("project_stale"):
                raise ProjectStale()
        except EngineUnreachable as exc:
            ended = self.engine.frozen and await recorded_end(self.engine, self.records, record.container_name,
                                                              notices.run_id, capture, notices)
            if not ended:
                raise engine_lost(exc, record.id, self.engine.frozen, notices.started) from None
            outcome = ended
        except TimeoutError:
            outcome = {"exit_code": 124, "timed_out": True, "cancelled": False}
            if on_notice:
                on_notice("warning", {"text": f"the Docker Engine stopped answering; gave up {ENGINE_GRACE_S:.0f}s "
                                              "after the timeout (the runner in the session kills the program "
                                              "at the timeout itself)"})
        finally:
            await asyncio.shield(bookkeeping)
        return run_result(record, f"{APP_DIR}/{filename}", outcome["exit_code"], capture.result("stdout"),
                          capture.result("stderr"), outcome.get("duration_s", 0.0), outcome["timed_out"],
                          local=local, run_id=outcome.get("id"), cancelled=outcome["cancelled"],
                          stopped_by=outcome.get("stopped_by"), warm=outcome.get("warm"),
                          oom_killed=bool(outcome.get("oom_killed")), changed=outcome.get("changed_files") or [],
                          disk_exceeded=outcome.get("disk_exceeded"), truncated=capture.cut)

    async def _run_placed(self, record, config, controls, capture, on_notice) -> dict:
        """One run; a stopped container is started, a missing runner placed, a warm server
        that has gone replaced (then the exec path taken), and it goes again."""
        warm_tries = 2 if self.warm else 0
        await self.sessions.ensure_verified(record)
        name = record.container_name
        await self.servers.forget_if_replaced(name, self.sessions.verified[name])
        for _ in range(5):
            try:
                channel = await self.servers.take(name, lambda: self.start_warm(name)) if warm_tries else None
                return await self._run_once(name, config, controls, capture, on_notice, channel)
            except NotRunning:
                await self.sessions.ensure_running(record)
            except _RunnerMissing:
                await runner_ship.place(self.engine, record.container_name)
            except _WarmLost:
                warm_tries -= 1
            except _Legacy:
                self._legacy.add(record.container_name)
            except NotFound:
                raise container_gone(record) from None
        raise EngineError(f"session {record.id}: its runner could not be started")

    async def start_warm(self, container: str) -> ExecChannel:
        return await self.engine.execs.open(container, runner_argv("serve", self.by, "warm"),
                                            user=self._runner_user(container), workdir=APP_DIR)

    async def _run_once(self, container, config, controls: RunInput, capture, on_notice,
                        warm: ExecChannel | None) -> dict:
        channel = warm or await self.engine.execs.open(
            container, runner_argv("run", config["by"], config["face"]), user=self._runner_user(container),
            workdir=APP_DIR)
        reader = runner.FrameReader()
        outcome: dict | None = None
        started: dict = {}
        errors: list[bytes] = []

        ready = asyncio.Event()  # input waits for the runner: a missing runner must not eat it

        async def forward_controls():
            await channel.write(runner.frame(runner.CONFIG, marshal.dumps(config, 4)))
            await ready.wait()
            while True:
                await channel.write(await controls.frames.get())

        writer = asyncio.create_task(forward_controls())
        overrun: dict = {}
        watcher = asyncio.create_task(_watch_disk(self.engine, container, self.sessions.settings.disk, controls,
                                                     overrun))
        timeout = config["timeout"]
        reuse = False
        try:
            # The runner enforces the timeout itself; this deadline only catches a runner that hangs.
            async with asyncio.timeout(timeout + 10 if timeout else None):
                while (message := await channel.read()) is not None:
                    stream, data = message
                    if stream != 1:
                        errors.append(data)  # the runner's own stderr: only a crash writes there
                        continue
                    for kind, payload in reader.feed(data):
                        if kind == runner.STDOUT:
                            capture("stdout", payload)
                        elif kind == runner.STDERR:
                            capture("stderr", payload)
                        elif kind == runner.STARTED:
                            started = runner.read_literal(payload)
                            ready.set()
                            if on_notice:
                                on_notice("started", started)
                        elif kind == runner.WARNING and on_notice:
                            on_notice("warning", {"text": payload.decode("utf-8", "replace")})
                        elif kind == runner.EXITED:
                            outcome = runner.read_literal(payload)
                    if outcome is not None:
                        break  # the last frame: stop here rather than wait for the stream to close
            reuse = warm is not None and outcome is not None and not writer.done()
        except TimeoutError:
            await self._kill_from_outside(channel, started)
            outcome = {"exit_code": 124, "timed_out": True, "cancelled": False}
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel(channel, started))
            raise
        finally:
            writer.cancel()
            watcher.cancel()
            if warm is not None:
                await self.servers.release(channel, reuse)
            else:
                await channel.close()
        if outcome is None:
            code = await channel.exit_code()
            if code == runner.MISSING_EXIT:
                raise _RunnerMissing()
            if code == runner.LEGACY_EXIT and not started:
                raise _Legacy()
            if warm is not None and not started and code is not None:
                if code == runner.WARM_UNAVAILABLE:
                    self.servers.cold.add(container)
                raise _WarmLost()
            # Removed or stopped under the run? (A program that had started is never run twice.)
            info = await self.engine.containers.inspect(container)  # NotFound: the session's container is gone
            if started:
                info = await _settled(self.engine, container, info)
            if not info.running:
                if not started:
                    raise NotRunning(f"container {container} stopped before the run")
                raise EngineError(f"container {container} stopped during the run; the program was killed")
            detail = b"".join(errors).decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {code}"]
            raise EngineError(f"msc's runner failed in {container}: {detail[0]}")
        outcome["id"] = started.get("id")
        outcome["disk_exceeded"] = overrun.get("size")
        return outcome

    async def _cancel(self, channel, started: dict) -> None:
        """Ask the runner to kill the tree; if it cannot answer, kill the tagged processes from outside.
        A frozen engine is not asked (each question would wait its call_timeout out)."""
        if self.engine.frozen:
            return
        reader = runner.FrameReader()
        try:
            async with asyncio.timeout(KILL_GRACE_S):
                await channel.write(runner.frame(runner.KILL))
                while (message := await channel.read()) is not None:
                    if any(kind == runner.EXITED for kind, _ in reader.feed(message[1])):
                        return
        except (TimeoutError, MscError):
            await self._kill_from_outside(channel, started)

    async def _kill_from_outside(self, channel, started: dict) -> None:
        """The run's tree (its own tag on the warm path) and the runner that serves it: best
        effort, within KILL_GRACE_S (an engine that does not answer cannot be asked to)."""
        if self.engine.frozen:
            return
        with contextlib.suppress(TimeoutError, MscError):
            async with asyncio.timeout(KILL_GRACE_S):
                for tag in {started.get("tag"), channel.tag} - {None}:
                    await self.engine.execs.kill_tagged(channel.container, tag, "appuser")  # the program's tree
                    if self._runner_user(channel.container) == "root":  # root's recorder (its worker sees the end)
                        await self.engine.execs.kill_tagged(channel.container, tag, "root")

    def _runner_user(self, container: str) -> str:
        """root (its recorder keeps the history the program cannot touch), or for sessions made
        before that, the session's user."""
        recorded = container in self.sessions.recorded and container not in self._legacy
        return "root" if recorded else "appuser"

    async def _looked_user(self, container: str) -> str:
        """_runner_user, for a client that may not have looked at the container yet (a follower's)."""
        if container not in self.sessions.verified:
            self.sessions.note_runner(await self.engine.containers.inspect(container))
        return self._runner_user(container)

    def _keep(self, record: SessionRecord, filename: str, code: str, on_locked: Callable[[], None]) -> None:
        self.sessions.touch(record, filename, on_locked=on_locked)
        self.sessions.files.save(record, filename, code)

    # -- stopping, and the history (core/run_history.py) ---------------------------------------------
    async def stop(self, container: str, run_id: int) -> bool:
        """Stop a run whoever started it; False when it was not going."""
        for _ in range(2):
            code, _, _ = await self.engine.execs.output(container, runner_argv("stop", str(run_id), self.by),
                                                        user=await self._looked_user(container))
            if code != runner.LEGACY_EXIT:
                break
            self._legacy.add(container)
        if code == runner.MISSING_EXIT:
            return False
        return code == 0

    async def history(self, container: str) -> list[dict]:
        """Every recorded run of the session, oldest first (state: going, finished or lost)."""
        return await self.records.history(container)

    def follow(self, container: str, last: bool = False, face: str = "api",
               editing: str | None = None) -> AsyncIterator[RunEvent]:
        """Runs as they happen: those going now (from their start), then every new one (RunHistory.follow)."""
        return self.records.follow(container, last, face, editing)

    def logs(self, container: str, run: str = "latest", follow: bool = False) -> AsyncIterator[RunEvent]:
        """One run's record and output; following, until it ends."""
        return self.records.logs(container, run, follow)
