"""`msc ARGS...` as a process forked from one that has msc's modules imported already.

A fresh `msc` process spends about 0.25 s of CPU importing (aiohttp alone 0.2 s: its connector
builds two SSL contexts at import), and the suite starts hundreds of them on a 2-core machine.
Here a server process per pytest worker imports msc once; each call is a fork of it that runs the
CLI's entry function with the call's argv, environment, folder and streams, then exits with its
code, so each call is still a process of its own: its own exit code, file descriptors, signals
and module state, and nothing it does reaches the test's process. What is not exercised is
Python's start and msc's imports: the tests that start `python -m msc_tui` (streams and signals,
tests/cli_inprocess.py's comparisons, the wheel) and the TUI keep those covered.

Run agents are forked the same way (start_agent, a drop-in for agent_client.start_agent), both
those conftest starts and those a forked msc starts itself; an agent a real `msc` process starts
is a real `python -m msc_tui.cli.agent` (tests/integration/test_run_agent*.py).
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

MSC_MAIN = str(Path(__file__).resolve().parent.parent / "msc_tui" / "__main__.py")  # `python -m msc_tui`'s argv[0]


def run(args: list[str] | tuple[str, ...], input: str | bytes | None = None, env: dict[str, str] | None = None,
        cwd: str | os.PathLike | None = None, timeout: float | None = 600, text: bool = True,
        stdin=None, stdout=None, stderr=None) -> subprocess.CompletedProcess:
    """What `subprocess.run([sys.executable, "-m", "msc_tui", *args], capture_output=True, ...)`
    returns, from a forked msc; `stdin`/`stdout`/`stderr`: an open file to use instead."""
    shown = [sys.executable, "-m", "msc_tui", *args]
    data = input.encode() if isinstance(input, str) else (input or b"")
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        given.write(data)
        given.seek(0)
        streams = [stdin or given, stdout or out, stderr or err]
        request = {"argv": list(args), "env": dict(os.environ if env is None else env),
                   "cwd": os.fspath(cwd or os.getcwd())}
        with _ask(_server().address, request, [s.fileno() for s in streams]) as conn, conn.makefile("rb") as answers:
            pid = int(answers.readline())
            conn.settimeout(timeout)
            try:
                line = answers.readline()
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired(shown, timeout) from None
        if not line:
            raise RuntimeError("the msc fork server ended during a call")
        said = [None if mine else _read(kept, text) for mine, kept in ((stdout, out), (stderr, err))]
    return subprocess.CompletedProcess(shown, int(line), *said)


def command(*args: str) -> list[str]:
    """A command line for `msc ARGS...` forked, for what must start a program itself (an MCP
    client): a small process that hands the fork its stdin, stdout and stderr, passes on
    SIGTERM, SIGINT and SIGHUP, and exits with its code."""
    return [sys.executable, __file__, "--through", _server().address, *args]


def start_agent(folder: int, shown: str, name: str) -> None:
    """agent_client.start_agent's agent, forked: in a session of its own, with the folder at the
    same descriptor number, stdin /dev/null and its output appended to its log."""
    from msc_tui.cli.agent_place import open_file

    log = open_file(folder, name.removesuffix(".sock") + ".log", os.O_WRONLY | os.O_APPEND)
    try:
        request = {"agent": [folder, name, shown], "env": dict(os.environ), "cwd": os.getcwd()}
        with open(os.devnull, "rb") as nothing, _ask(_serving or _server().address, request,
                                                    [nothing.fileno(), log, log, folder]) as conn:
            conn.recv(64)  # its pid: it is forked
    finally:
        os.close(log)


def agents_under(folder: os.PathLike | str) -> list[int]:
    """The forked agents still going whose folder is under `folder`."""
    server = _servers.get(os.getpid())
    if server is None:
        return []
    with _ask(server.address, {"agents_under": f"{os.fspath(folder)}/"}, []) as conn, conn.makefile("rb") as answers:
        return json.loads(answers.readline())


def _ask(address: str, request: dict, fds: list[int]) -> socket.socket:
    """The server's connection, the request (and those descriptors) sent on it."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(address)
    socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], fds)
    return conn


def _read(stream, text: bool) -> str | bytes:
    stream.seek(0)
    data = stream.read()
    if not text:
        return data
    import io
    import locale

    return io.TextIOWrapper(io.BytesIO(data), encoding=locale.getpreferredencoding(False)).read()


class _Server:
    def __init__(self):
        import time

        self.folder = tempfile.mkdtemp(prefix="mscfork")
        self.address = os.path.join(self.folder, "s")
        self.process = subprocess.Popen([sys.executable, __file__, self.address], stdin=subprocess.DEVNULL,
                                        cwd=Path(MSC_MAIN).parent.parent, start_new_session=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.address):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the msc fork server did not start (exit {self.process.poll()})")
            time.sleep(0.02)

    def stop(self) -> None:
        import shutil

        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_lock = threading.Lock()
_servers: dict[int, _Server] = {}
_serving: str | None = None  # in the server and its forks: its address


def _server() -> _Server:
    """One per test process (a forked test process gets its own)."""
    with _lock:
        server = _servers.get(os.getpid())
        if server is None:
            server = _servers[os.getpid()] = _Server()
            atexit.register(server.stop)
        return server


# The server side: this file run as a script.

def _serve(address: str) -> None:
    global _serving
    # Everything a command imports, once (the TUI and the MCP server are not started this way).
    import concurrent.futures.thread  # noqa: F401 - `packages` runs a thread pool
    import queue  # noqa: F401

    import msc_tui.api  # noqa: F401
    import msc_tui.cli
    import msc_tui.cli.agent  # noqa: F401
    import msc_tui.cli.agent_client
    import msc_tui.cli.parser  # noqa: F401
    import msc_tui.core.service  # noqa: F401

    msc_tui.cli.agent_client.start_agent = start_agent  # the agent a forked msc starts is forked too
    _serving = address
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address + ".new")
    listener.listen(64)
    os.rename(address + ".new", address)
    woken_r, woken_w = os.pipe()
    os.set_blocking(woken_w, False)
    signal.set_wakeup_fd(woken_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    waiting: dict[int, socket.socket] = {}  # a call's pid: its connection, told the exit code
    agents: dict[int, str] = {}  # an agent's pid: its folder, as shown
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(woken_r, selectors.EVENT_READ)
    while True:
        for key, _ in events.select():
            if key.fileobj is not listener:
                os.read(woken_r, 4096)
                continue
            conn, _ = listener.accept()
            request, fds = _receive(conn)
            if request.get("argv", [None])[0] == "mcp":  # (its SDK is imported for the first one only)
                import msc_tui.mcp.server  # noqa: F401
            if "agents_under" in request:
                conn.sendall(json.dumps([pid for pid, shown in agents.items()
                                         if shown.startswith(request["agents_under"])]).encode() + b"\n")
                conn.close()
                continue
            pid = os.fork()
            if pid == 0:
                os.close(woken_r)
                os.close(woken_w)
                for mine in (listener, events, *waiting.values()):
                    mine.close()
                _child(request, fds, conn)
            for fd in fds:
                os.close(fd)
            conn.sendall(f"{pid}\n".encode())
            if "agent" in request:
                agents[pid] = request["agent"][2]
                conn.close()
            else:
                waiting[pid] = conn
        _reap(waiting, agents)


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 8)
    while not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        data += more
    return json.loads(data), fds


def _reap(waiting: dict[int, socket.socket], agents: dict[int, str]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        agents.pop(pid, None)
        conn = waiting.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:  # the test gave up on it
                pass
            conn.close()


def _child(request: dict, fds: list[int], conn: socket.socket) -> None:
    """In the fork: become the process `python -m msc_tui ARGV` (or the agent) would be, and end
    as it would."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    conn.close()
    code: int = 1
    try:
        agent = request.get("agent")
        folder = fds.pop() if agent else None
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        if agent:  # a session of its own, the folder at the number it is told (as pass_fds would)
            os.setsid()
            if folder != agent[0]:
                os.dup2(folder, agent[0])
                os.close(folder)
            os.set_inheritable(agent[0], True)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if agent:
            from msc_tui.cli import agent as run_agent

            code = run_agent.main(*agent)
        else:
            from msc_tui.cli import main

            sys.argv = [MSC_MAIN, *request["argv"]]
            code = main(request["argv"])
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - what the interpreter would print
        import traceback

        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _through(address: str, argv: list[str]) -> int:
    """The `command` side: this process's streams to a forked msc, its signals after them."""
    with _ask(address, {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}, [0, 1, 2]) as conn, \
            conn.makefile("rb") as answers:
        pid = int(answers.readline())
        for passed in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(passed, lambda number, _: os.kill(pid, number))
        code = answers.readline()
    return int(code) if code else 1


if __name__ == "__main__":
    if sys.argv[1] == "--through":
        sys.exit(_through(sys.argv[2], sys.argv[3:]))
    _serve(sys.argv[1])
