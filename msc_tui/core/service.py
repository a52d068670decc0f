"""Msc: the one core every face uses (CLI, TUI, Python API); what reaches the engine is a coroutine."""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import replace
from typing import Callable

from ..config import Settings, load_settings, seconds
from ..engine import Engine, resolve_endpoint
from ..engine.client import Endpoint
from ..errors import MscError, NotFound
from .activity import look
from .attendance import Attendance
from .cleanup import Cleanup
from .copying import Copying
from .correction import Correction
from .details import describe
from .fork import Forking
from .home_folder import check_home_folder
from .images import ImageResult, ensure_image
from .manifest import ProjectStale, fingerprint
from .mirror import Mirror
from .packages import Packages
from .pool import Pool
from .pool_claim import expired, lost, retire
from .project import Project, companions as local_imports
from .project_notes import project_notes
from .recipe import render
from .results import RunResult
from .run_capture import OnOutput
from .run_input import RunInput
from .runs import OnNotice, Runs
from .sessions import Sessions
from .shell import ShellCommand
from .state import SessionRecord, StateStore
from .views import SessionView
from .warm_servers import warm_memory


def chosen_endpoint(settings: Settings) -> Endpoint:
    """Where the settings send msc (DOCKER_HOST, the docker CLI's context, [engine] host) and
    how that was chosen, without connecting (msc doctor; the run agent, per request)."""
    return resolve_endpoint(settings.docker_host, settings.docker_context)


class Msc:
    def __init__(self, settings: Settings, engine: Engine, warm: bool = True):
        self.settings = settings
        self.engine = engine
        self.store = StateStore(settings.state_dir / "sessions.toml")
        self.sessions = Sessions(settings, engine, self.store)
        self.runs = Runs(engine, self.sessions, warm)
        self.packages = Packages(engine, self.sessions)
        self.cleanup = Cleanup(self.sessions)
        self.mirror = Mirror(engine, settings.state_dir, self.runs.by)
        self.copying = Copying(engine)
        self.attendance = Attendance(self.runs.records)  # the API and MCP servers, present between runs
        self.forking = Forking(engine, self.sessions)
        self.pool = Pool(self.sessions, self.runs)

    @classmethod
    async def open(cls, settings: Settings | None = None, warm: bool = True) -> "Msc":
        """`warm`: keep warm servers in sessions for runs, and the warm pool (for clients that live long)."""
        settings = settings or load_settings()
        check_home_folder(settings.state_dir)
        engine = await Engine.connect(settings.docker_host, settings.connect_timeout, settings.docker_context,
                                      settings.call_timeout)
        msc = cls(settings, engine, warm)
        try:
            await msc.check_home()
        except BaseException:
            await engine.close()
            raise
        if warm:
            msc.pool.start()
        return msc

    async def check_home(self) -> list[str]:
        """What every msc checks when it opens this home, again: the records read, install
        windows a killed install left open closed, containers with no record adopted. The run
        agent calls it per request, so each sees what a fresh msc would. Returns the warnings."""
        before, self.store.recovered = len(self.store.warnings), False
        records = self.store.read()
        ours = await self.engine.containers.list(label=self.sessions.home_label)
        closed = await self.packages.bridge.close_forgotten(ours)
        if closed:
            self.store.warnings.append(f"closed the network window an interrupted install left open on "
                                       f"{', '.join(closed)} (install-only)")
        await retire(self.store, self.engine, self.sessions.home,  # the warm pool idles out with any msc
                     expired(self.settings.pool_idle, lost(records, {c.name for c in ours})))
        adopted = await self.sessions.adopt_from_labels(ours)
        for record in adopted:  # the containers know their packages
            try:
                await self.packages.installed(record)
            except MscError:  # a stopped container: listed at its next use
                pass
        if adopted and not self.store.recovered:  # (a corrupt file's warning says it already)
            self.store.warnings.append(f"found {len(adopted)} session(s) of this home with no record "
                                       f"({', '.join(r.id for r in adopted)}); rebuilt their records from "
                                       "the containers")
        return self.store.warnings[before:]

    async def close(self) -> None:
        await self.attendance.close()
        await self.pool.close()
        await self.runs.close()
        await self.engine.close()

    @property
    def warnings(self) -> list[str]:
        return self.store.warnings

    # -- the engine, as the faces name it ---------------------------------------------------------
    @property
    def endpoint(self) -> Endpoint:
        """The engine this core is connected to, and how it was chosen."""
        return self.engine.chosen

    @property
    def endpoint_description(self) -> str:
        """'unix:///var/run/docker.sock', or 'context build-box (ssh://...)'."""
        return self.engine.description

    async def engine_facts(self) -> dict:
        """What msc doctor reports of the engine: its versions, and whether the base image is here."""
        version = await self.engine.version()
        return {"engine_version": version.get("Version"), "api_version": version.get("ApiVersion"),
                "base_image_present": await self.engine.images.exists(self.settings.base_image)}

    async def container_exists(self, name: str) -> bool:
        """Whether the engine still has this container (running or not)."""
        try:
            await self.engine.containers.inspect(name)
        except NotFound:
            return False
        return True

    async def shell(self, record: SessionRecord, interactive: bool = True) -> ShellCommand:
        """The docker CLI command handing the terminal to a shell in the session (started first)."""
        docker = shutil.which("docker")
        if docker is None:
            raise MscError("msc shell needs the docker command-line client on PATH")
        await self.sessions.ensure_running(record)
        return ShellCommand(self.sessions.shell_argv(record, docker, interactive),
                            self.engine.cli_environment(dict(os.environ)))

    async def warm_memory(self, container: str) -> int | None:
        """Resident memory of the session's warm servers (anyone's); None when the engine cannot tell."""
        return await warm_memory(self.engine, container)

    def session_file(self, record: SessionRecord, filename: str) -> str:
        """The session file as this machine keeps it (MSC_HOME); NotFound when it has none."""
        return self.sessions.files.read(record, filename)

    async def listing(self, include_all: bool = False, size: bool = False) -> list[SessionView]:
        """The sessions (msc ls, the API's list), the most recently used first; each running one
        with its last run and runs going, from its own run records (whoever made them)."""
        views = await self.sessions.views(include_all, size)
        await look(self.runs, views)
        return sorted(views, key=lambda v: -v.last_used)

    async def details(self, name: str) -> dict | None:
        """One container, all msc knows of it (the TUI's details view)."""
        return await describe(self.sessions, self.runs, name)

    async def build(self, app_type: str, on_log: Callable[[str], None] | None = None) -> ImageResult:
        return await ensure_image(self.engine, render(app_type, self.settings), on_log)

    async def run(self, record: SessionRecord, code: str, *, filename: str = "main.py",
                  timeout: float | None = None, auto_install: bool = False,
                  on_output: OnOutput | None = None, rounds: int | None = None, local=(),
                  companions: dict[str, str] | None = None, stdin: RunInput | bytes | str | None = None,
                  face: str = "api", tty: bool = False, size: dict | None = None,
                  on_notice: OnNotice | None = None, project: Project | None = None,
                  env: dict[str, str] | None = None) -> RunResult:
        """Run code; with auto_install, the correction flow: run, find every missing import,
        install them all (verified), rerun, while rounds make progress (core/correction.py).

        `local`: module names of the user's own beside the code (never looked up on PyPI);
        `companions`: {relative path: code} of local modules to send into /app first;
        `stdin`: the program's input, all of it (bytes or str, given again to each rerun) or
        a RunInput fed while the run goes; none means an empty stdin;
        `project`: the script's project folder, mirrored into /app first (what changed only;
        what travelled, was left out or replaced is said through on_notice("project", {text}));
        the run then starts in the project's working directory;
        `env`: how the output is viewed (core/terminal_env.py), set in the program's environment.
        """
        if companions:
            await self.sessions.save(record, companions)
        timeout = seconds(timeout, "timeout") or self.settings.run_timeout or None

        def execute(expected: str | None = None, seed: dict | None = None):
            given = stdin if isinstance(stdin, RunInput) else RunInput(stdin, eof=True)
            return self.runs.execute(record, code, filename, timeout, on_output, local, stdin=given,
                                     face=face, tty=tty, size=size, on_notice=on_notice,
                                     cwd=project.cwd if project else "", project=expected, env=env, seed=seed)

        def tell(sent: dict) -> None:
            if project and on_notice:
                for line in project_notes(sent, project, self.runs.by):
                    on_notice("project", {"text": line})

        sent = result = None
        fresh = record.container_name in self.sessions.fresh  # made or claimed here, never run: /app is empty
        self.sessions.fresh.discard(record.container_name)
        seed = await asyncio.to_thread(self.mirror.seed, project) if project and fresh else None
        if seed is not None:
            # A small project for an empty /app goes in the run request: no archive to send first.
            tell(seed.done)
            try:
                result = await execute(seed=seed.config)
                sent = seed.done
                self.mirror.seeded(record, seed)
            except ProjectStale:  # something was in /app after all: compared and sent below
                fresh = False
        elif project and self.runs.warm and not fresh:
            # The runner checks /app's record on the run's own stream: no extra request when
            # nothing changed (a client with an exec per run asks the engine first instead).
            try:
                result = await execute(fingerprint(project.files))
                sent = self.mirror.unchanged(project)
            except ProjectStale:  # the program did not start
                pass
        if result is None:
            sent = await self.mirror.sync(record, project, fresh) if project else None
            if sent and seed is None:
                tell(sent)
            result = await execute()
        if auto_install and not result.success:
            rounds = self.settings.auto_install_rounds if rounds is None else rounds
            result = await Correction(self.packages, rounds).fix(
                record, result, [code, *(companions or {}).values(), *self._project_modules(project)],
                local, execute, on_output)
        elif result.unresolved_imports and record.network != "none":  # (the TUI's F9, the CLI's hint)
            result = await Correction(self.packages, 0).propose(record, result, local)
        self.attendance.worked_in(record.container_name, face)
        return replace(result, installed_packages=list(record.installed_packages), project=sent)

    @staticmethod
    def _project_modules(project: Project | None) -> list[str]:
        """The code of the project's local modules the script imports (for the correction flow)."""
        return list(local_imports(project.root / project.script).values()) if project else []

    async def fork(self, ref: str, name: str | None = None) -> SessionRecord:
        """A new session of this home with the source's /app, packages, app type and network
        policy (not its runs); the source keeps running. `name`: the new session's id."""
        return await self.forking.fork(ref, name)

    async def restore(self, ref: str, on_log: Callable[[str], None] | None = None,
                      on_output: OnOutput | None = None) -> SessionRecord:
        """Recreate a removed session and reinstall its recorded packages (exact versions)."""
        record = await self.sessions.restore(ref, on_log)
        await self.mirror.resend(record)  # the project files it held, from this machine
        if record.installed_packages and record.network != "none":
            await self.packages.install(record, record.installed_packages, on_output, remember=False)
        return record
