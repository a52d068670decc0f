"""The program's own process: a fork of the runner that becomes `python3 PATH`, and ends as the
interpreter would; what it imported is noted for the warm servers (a preload hint).

The program is a fork, not a new interpreter: a run costs one exec, as a bare `python3 -c`
does. It ends as the interpreter would (threads joined, atexit, __main__'s objects released,
streams flushed) but without tearing down every module.
"""

from __future__ import annotations

import os
import sys

from . import process
from .history import write_literal
from .paths import APP_DIR
from .tags import retag
from .users import add_user_site, set_dumpable

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    import signal
    from types import CodeType, ModuleType, TracebackType
    from typing import Callable, NoReturn
else:
    import _signal as signal  # the C module: `signal` itself imports enum (milliseconds per run)

IMPORT_HINTS_FORMAT = 1  # a hint file: [IMPORT_HINTS_FORMAT, module, ...] (readers take the strings)


def third_party_roots() -> tuple[str, ...]:
    return tuple(p.rstrip("/") + "/" for p in sys.path if p.endswith(("site-packages", "dist-packages")))


def _code_names(code: CodeType, found: set[str]) -> set[str]:
    found.update(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            _code_names(const, found)
    return found


def _record_imports(path: str, main: ModuleType, compiled: CodeType, before: set[str],
                    preloaded: tuple[str, ...]) -> None:
    """The third-party top-level modules this run used, for the warm servers to preload:
    those it imported, and the preloaded ones its code names or holds."""
    roots = third_party_roots()
    used = {name.partition(".")[0] for name in set(sys.modules) - before
            if str(getattr(sys.modules.get(name), "__file__", None) or "").startswith(roots)}
    if preloaded:
        named = {n.partition(".")[0] for n in _code_names(compiled, set())}
        for value in list(main.__dict__.values()):
            owner = value.__name__ if isinstance(value, type(sys)) else getattr(value, "__module__", None)
            if isinstance(owner, str):
                named.add(owner.partition(".")[0])
        used |= named & set(preloaded)
    if used:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_literal(path, [IMPORT_HINTS_FORMAT, *sorted(used)])


def _unshadow(preloaded: tuple[str, ...], folder: str) -> None:
    """A preloaded module that the program's own folder shadows is forgotten, so that the
    program imports its own, as a cold `python3` would."""
    for name in preloaded:
        if os.path.exists(os.path.join(folder, name + ".py")) or os.path.isdir(os.path.join(folder, name)):
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[loaded]


# What a client may set in a program's environment: how its output is viewed (a terminal's
# type, and the usual signals that colour is shown), nothing else.
TERMINAL_VARIABLES = ("TERM", "FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS")


def become_program(config: dict, path: str, fds: dict[str, int], preloaded: tuple[str, ...] = ()) -> NoReturn:
    """In the forked child: the program's process, as `python3 PATH` would run it. Never returns.
    `preloaded`: the modules a warm server imported before forking."""
    os.setsid()
    if config.get("tty"):
        import fcntl
        import termios

        fcntl.ioctl(fds["slave"], termios.TIOCSCTTY, 0)
        for target in (0, 1, 2):
            os.dup2(fds["slave"], target)
    else:
        os.dup2(fds["in"], 0)
        os.dup2(fds["out"], 1)
        os.dup2(fds["err"], 2)
    os.closerange(3, 1024)
    # Only now, with the worker's channel closed here, may the program be dumpable again (its tree
    # is then found by tag, debuggers attach) and its user's own site-packages run their .pth files.
    if process.recorded:
        set_dumpable(1)
        add_user_site()
    if config.get("_tag"):
        retag(config["_tag"])
    if config.get("tty"):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a TextIOWrapper here
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.update({k: v for k, v in (config.get("env") or {}).items() if k in TERMINAL_VARIABLES
                       and isinstance(v, str) and "\0" not in v and len(v) < 256})
    workdir = os.path.normpath(os.path.join(APP_DIR, config.get("cwd") or ""))
    if workdir == APP_DIR or workdir.startswith(APP_DIR + "/"):  # a project's folder, never outside /app
        try:
            os.chdir(workdir)
        except OSError:
            pass
    code = config["code"]
    main = type(sys)("__main__")
    main.__file__ = path
    sys.modules["__main__"] = main
    sys.argv[:] = [path, *config.get("args", [])]
    sys.path[0] = os.path.dirname(path)
    if preloaded:
        _unshadow(preloaded, sys.path[0])
    before = set(sys.modules)
    compiled = None

    def hide_runner(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        import linecache
        import traceback

        # This run's own lines, even if another run rewrote the file meanwhile (the traceback
        # module reads through linecache; the interpreter's default would read the file).
        linecache.cache[path] = (len(code), None, code.splitlines(True), path)
        while tb is not None and tb.tb_frame.f_code.co_filename in own:
            tb = tb.tb_next
        traceback.print_exception(kind, value.with_traceback(tb), tb)

    # The runner's frames: this module's (its file's name as compiled, whatever it is imported
    # from) and the bootstrap's.
    own = {hide_runner.__code__.co_filename, "<string>"}
    sys.excepthook = hide_runner
    try:
        compiled = compile(code, path, "exec")
        exec(compiled, main.__dict__)
        status = 0
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
        status = -signal.SIGINT if isinstance(exc, KeyboardInterrupt) else 1

    def record_imports() -> None:
        if compiled is not None and config.get("_imports"):
            _record_imports(config["_imports"], main, compiled, before, preloaded)

    _end_as_python_would(main, status, record_imports)


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _end_as_python_would(main: ModuleType, status: int, on_success: Callable[[], None] | None = None) -> NoReturn:
    """The interpreter's exit, less the module teardown: join non-daemon threads, run atexit,
    release __main__'s objects (open files get flushed), flush the streams. An uncaught
    KeyboardInterrupt ends by SIGINT, as Python does. `on_success` runs before __main__ is
    released, when the program ended well."""
    threading = sys.modules.get("threading")
    try:
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
        if status == 0 and on_success is not None:
            try:
                on_success()
            except Exception:
                pass
        main.__dict__.clear()
    except BaseException as exc:  # Ctrl-C while joining threads: end now, as Python would
        status = -signal.SIGINT if isinstance(exc, KeyboardInterrupt) else (status or 1)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    if status == -signal.SIGINT:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status & 0xFF)
