"""`msc run -s SESSION ...` through the run agent, standard library only.

A new `msc` process costs ~200 ms of imports before it does anything, and then one exec per
run. The run agent (cli/agent.py) is a long-lived msc per MSC_HOME and settings that keeps
the engine connection and a warm server in each session; this side only relays: the
arguments and folder go over a unix socket, the program's stdout and stderr come back apart,
stdin and Ctrl-C go in, and the exit code comes back. Anything the agent does not take (--tty,
bad arguments) and any agent that does not answer: the usual path.

The first run that finds no agent starts one in the background and takes the usual path
itself. The agent ends after [run] warm_idle seconds without a request. MSC_AGENT=0 or
[run] agent = false turns it off. Where its socket lives, and why no other user can answer
on it: cli/agent_place.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sys
import threading

from ..runner.protocol import HEADER_SIZE, frame, read_header
from .agent_place import NotPrivate, address, open_file, open_folder, peer_uid

# Frames as the session runner's (one implementation, msc_tui/runner/protocol.py), these kinds:
# client -> agent: R request (JSON), I stdin data, E stdin ended, S signal ("int")
# agent -> client: A accepted, F take the usual path, O stdout, e stderr, X exit code (JSON)


def read_frame(sock: socket.socket) -> tuple[bytes, bytes] | None:
    head = _read_exactly(sock, HEADER_SIZE)
    if head is None:
        return None
    kind, length = read_header(head)
    payload = _read_exactly(sock, length) if length else b""
    return None if payload is None else (kind, payload)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def eligible(argv: list[str]) -> bool:
    """`msc run` in a named session, or in a new one (the agent keeps the warm pool, core/pool.py),
    without a terminal for the program: the iteration loop."""
    if not argv or argv[0] != "run" or os.environ.get("MSC_AGENT") == "0":
        return False
    named = any(a in ("-s", "--session", "--new") or a.startswith(("--session=", "-s")) for a in argv[1:])
    # /dev/fd/N (bash's <(...)) names a file of this process the agent cannot open
    return named and not any(a in ("--tty", "-h", "--help") or a.startswith(("/dev/", "/proc/"))
                             for a in argv[1:])


def _config_dir() -> str:
    home = os.environ.get("MSC_HOME")
    if home:
        return home
    return os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "msc")


def _code_fingerprint() -> str:
    """msc's own files (an agent never serves code older than this process's)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    marks = []
    for folder, _dirs, files in os.walk(package):
        marks += [f"{folder}/{n}:{os.stat(os.path.join(folder, n)).st_mtime_ns}" for n in files if n.endswith(".py")]
    return "\n".join(sorted(marks))


def agent_name() -> str | None:
    """The socket's name for this MSC_HOME, settings, environment and msc; None when off."""
    try:
        with open(os.path.join(_config_dir(), "config.toml"), "rb") as f:
            config = f.read()
    except FileNotFoundError:
        config = b""
    if b"agent" in config:
        import tomllib

        try:
            if tomllib.loads(config.decode()).get("run", {}).get("agent") is False:
                return None
        except (ValueError, UnicodeDecodeError):
            return None  # the usual path says what is wrong with the file
    env = sorted((k, v) for k, v in os.environ.items()
                 if k.startswith(("MSC_", "DOCKER_", "XDG_")) or k in ("HOME", "USER", "LOGNAME"))
    key = hashlib.sha256(json.dumps([config.decode("latin-1"), env, sys.executable, _code_fingerprint(),
                                     os.getuid()]).encode()).hexdigest()[:24]
    return f"{key}.sock"


def start_agent(folder: int, shown: str, name: str) -> None:
    """The agent, in the background, handed the folder this process opened and checked."""
    import subprocess

    log = open_file(folder, name.removesuffix(".sock") + ".log", os.O_WRONLY | os.O_APPEND)
    try:
        subprocess.Popen([sys.executable, "-m", "msc_tui.cli.agent", str(folder), name, shown],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                         pass_fds=(folder,))
    finally:
        os.close(log)


def run_through_agent(argv: list[str]) -> int | None:
    """The run's exit code, or None: take the usual path."""
    if not eligible(argv):
        return None
    try:
        name = agent_name()
        if name is None:
            return None
        folder, shown = open_folder()
    except NotPrivate as exc:
        print(f"msc: not using the run agent: {exc}", file=sys.stderr)
        return None
    except OSError:
        return None
    try:
        return _through(folder, shown, name, argv)
    finally:
        os.close(folder)


def _through(folder: int, shown: str, name: str, argv: list[str]) -> int | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            sock.connect(address(folder, name))
        except OSError:
            try:
                start_agent(folder, shown, name)
            except OSError:
                pass
            return None
        uid = peer_uid(sock)
        if uid != os.getuid():  # checked before a single byte goes out
            print(f"msc: not using the run agent: {shown}/{name} is served by uid {uid}, not by you",
                  file=sys.stderr)
            return None
        return _relay(sock, argv, f"{shown}/{name.removesuffix('.sock')}.log")
    finally:
        sock.close()


def _outputs() -> list[list[int]]:
    """The files this process's stdout and stderr go to: the agent never sends them with a project."""
    found = []
    for fd in (1, 2):
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        found.append([info.st_dev, info.st_ino])
    return found


def _relay(sock: socket.socket, argv: list[str], log: str) -> int | None:
    request = {"argv": argv, "cwd": os.getcwd(), "stdin_isatty": sys.stdin.isatty(), "outputs": _outputs(),
               "stdout_isatty": sys.stdout.isatty(), "term": os.environ.get("TERM", "")}
    try:
        sock.sendall(frame(b"R", json.dumps(request).encode()))
        answer = read_frame(sock)
    except OSError:
        return None
    if answer is None or answer[0] != b"A":
        return None  # the agent leaves this one to the usual path
    sending = threading.Lock()

    def send(kind: bytes, payload: bytes = b"") -> None:
        with sending:
            try:
                sock.sendall(frame(kind, payload))
            except OSError:
                pass

    def forward_stdin() -> None:
        try:
            while data := os.read(0, 65536):
                send(b"I", data)
        except OSError:
            pass
        send(b"E")

    threading.Thread(target=forward_stdin, daemon=True).start()
    previous = signal.signal(signal.SIGINT, lambda *_: send(b"S", b"int"))
    try:
        while (message := read_frame(sock)) is not None:
            kind, payload = message
            if kind in (b"O", b"e"):
                out = sys.stdout.buffer if kind == b"O" else sys.stderr.buffer
                out.write(payload)
                out.flush()
            elif kind == b"X":
                return int(json.loads(payload)["exit_code"])
    except BrokenPipeError:  # our own stdout went away
        return 1
    except OSError:  # the agent's end of the socket
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
    print(f"msc: the run agent ended during the run (its log: {log})", file=sys.stderr)
    return 1
