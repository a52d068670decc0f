"""DockerManager: a blocking facade over the core for scripts and correction agents.

The core's coroutines run on a private event loop in a background thread, so the facade
works from plain scripts and from code that already runs its own event loop (notebooks).
Ctrl-C while waiting cancels the coroutine, which kills the program's tree in the container.
"""

from __future__ import annotations

import asyncio
import threading

from .config import Settings
from .core.results import run_result
from .core.service import Msc
from .errors import ContainerGone, MscError, UsageError


def _text(value, name: str) -> str:
    """A string argument, checked here: a wrong type is the caller's mistake, said in one line."""
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a string, not {type(value).__name__} {_shown(value)}")
    return value


def _flag(value, name: str) -> bool:
    """A True/False argument: a string such as "no" is refused, never taken as true."""
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be True or False, not {_shown(value)}")
    return value


def _names(value, name: str) -> list[str]:
    """A list of strings; one string is taken as one item (never as its letters)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"{name} must be a list of strings, not {_shown(value)}")
    return list(value)


def _files(value) -> dict:
    """{path: bytes or str}, every key and value checked."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, (str, bytes))
                                              for k, v in value.items()):
        raise UsageError(f"files must be a dict of {{path: bytes or str}}, not {_shown(value)}")
    return value


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


class DockerManager:
    def __init__(self, settings: Settings | None = None):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="msc-loop", daemon=True)
        self._thread.start()
        self.last_error: str | None = None
        try:
            self._msc: Msc = self._call(Msc.open(settings))
        except BaseException:
            self._stop_loop()
            raise

    def _call(self, coroutine):
        finished, cleaned_up = threading.Event(), threading.Event()

        async def tracked():
            def mark(_task) -> None:
                finished.set()
                cleaned_up.set()

            task = asyncio.current_task()
            assert task is not None  # run_coroutine_threadsafe runs it as a task
            task.add_done_callback(mark)
            return await coroutine

        future = asyncio.run_coroutine_threadsafe(tracked(), self._loop)
        try:
            while not finished.wait(0.05):  # short waits keep Ctrl-C responsive
                pass
        except KeyboardInterrupt:
            future.cancel()
            cleaned_up.wait(15)  # a fresh event: the cancellation kills the run in the container
            raise
        return future.result()

    # -- sessions --------------------------------------------------------------------------
    def _session(self, ref: str, start: bool = True):
        """The session's record (this home's, or a pair's read from its labels), its container
        checked against its labels (core/ownership.py): the CLI's rule."""
        return self._call(self._msc.sessions.find(_text(ref, "container_name"), start=start)).record

    def create_session(self, app_type: str | None = None, code: str | None = None,
                       task: str | None = None, network: str | None = None) -> str:
        """A new dev session; returns its container name (msc-dev-session-<id>)."""
        for value, name in ((app_type, "app_type"), (code, "code"), (task, "task"), (network, "network")):
            if value is not None:
                _text(value, name)
        return self._call(self._msc.sessions.create(app_type, code, task, network)).container_name

    def fork_session(self, container_name: str, name: str | None = None) -> str:
        """A new session with the source's /app, packages, app type and network policy (not its
        runs; the source keeps running); returns its container name. `name`: its id."""
        if name is not None:
            _text(name, "name")
        return self._call(self._msc.fork(_text(container_name, "container_name"), name)).container_name

    def list_dev_containers(self, include_all: bool = False) -> list[dict]:
        return [v.as_dict() for v in self._call(self._msc.listing(_flag(include_all, "include_all")))]

    def remove_container(self, container_name: str, keep_record: bool = False, force: bool = False) -> None:
        """Remove a session of this MSC_HOME; another home's session or a foreign container
        raises UsageError unless `force`."""
        self._call(self._msc.sessions.remove(_text(container_name, "container_name"), _flag(keep_record, "keep_record"),
                                             _flag(force, "force")))

    def restore_session(self, container_name: str) -> str:
        return self._call(self._msc.restore(_text(container_name, "container_name"))).container_name

    # -- runs ----------------------------------------------------------------------------------
    def execute_in_container(self, container_name: str, code: str, timeout: float | None = None,
                             auto_install: bool = False, filename: str = "main.py",
                             stdin: str | bytes | None = None, files: dict | None = None) -> dict:
        """Run code in the session; the run's result dictionary (never raises for a lost container).
        `stdin`: the program's whole input (none: an empty stdin); `files`: {path under /app:
        bytes or str} written first (data the code reads)."""
        _text(code, "code"), _text(filename, "filename"), _flag(auto_install, "auto_install")
        if stdin is not None and not isinstance(stdin, (str, bytes)):
            raise UsageError(f"stdin must be str or bytes, not {type(stdin).__name__} {_shown(stdin)}")
        if files is not None:
            _files(files)
        record = self._session(container_name, start=False)
        try:
            if files:
                self.put_files(container_name, files)
            result = self._call(self._msc.run(record, code, filename=filename, timeout=timeout,
                                              auto_install=auto_install, stdin=stdin, face="api"))
        except ContainerGone as exc:
            result = run_result(record, f"/app/{filename}", None, "", str(exc), container_available=False)
        return result.as_dict()

    def put_files(self, container_name: str, files: dict) -> None:
        """Write {path: bytes or str} into the session's /app (relative paths, folders made;
        anything resolving outside /app and /tmp raises UsageError)."""
        self._call(self._msc.copying.put(self._session(container_name).container_name, _files(files)))

    def get_file(self, container_name: str, path: str) -> bytes:
        """A file of the session (a path under /app, or absolute inside /app or /tmp)."""
        return self._call(self._msc.copying.read(self._session(container_name).container_name, _text(path, "path")))

    # -- packages --------------------------------------------------------------------------------
    def install_packages_in_container(self, container_name: str, packages: list[str]) -> bool:
        """True when the installer succeeded; else False with the reason in `last_error`.
        Invalid specs raise UsageError (nothing is installed)."""
        return self._package_call(self._msc.packages.install, container_name, packages)

    def uninstall_packages_in_container(self, container_name: str, packages: list[str]) -> bool:
        return self._package_call(self._msc.packages.uninstall, container_name, packages)

    def _package_call(self, action, container_name: str, packages: list[str]) -> bool:
        packages = _names(packages, "packages")
        record = self._session(container_name, start=False)
        self.last_error = None
        try:
            self._call(action(record, packages))
        except MscError as exc:
            if exc.exit_code == 2:
                raise
            self.last_error = str(exc)
            return False
        return True

    def get_container_installed_packages(self, container_name: str) -> list[str]:
        """name==version of what the container really has; the record is reconciled."""
        return self._call(self._msc.packages.installed(self._session(container_name)))

    # -- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        if self._loop.is_running():
            self._call(self._msc.close())
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> "DockerManager":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
