"""The runner's wire protocol, the one implementation of msc's framing (the host imports this).

Frames, both ways: 1 byte kind, 4 bytes big-endian length, payload. Structured payloads from
the host are marshal data (the host is trusted); those to the host, and the records on disk, are
Python literals (repr) that readers parse with ast.literal_eval, which is safe for whatever the
session's code may have written there. The run agent (cli/agent.py) frames its own messages
with the same functions. docs/runner-protocol.md lists every kind and payload.

Imports only what the interpreter has loaded at start: a run must cost what a bare
`python3 -c` costs.
"""

from __future__ import annotations

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    from typing import Any

HEADER_SIZE = 5  # kind (1 byte) and the payload's length (4 bytes, big-endian)
TAG_VARIABLE = "MSC_EXEC_TAG"  # in a run's environment: marks its whole process tree

# exit codes of an exec of the runner, besides the program's own
MISSING_EXIT = 199  # the bootstrap's: this version of the runner is not in the container
WARM_UNAVAILABLE = 198  # serve's: a fork cannot get its own kill tag here (take the exec path)
LEGACY_EXIT = 197  # root cannot become the program's user here: run the runner as that user

# client -> runner
CONFIG, INPUT, EOF, SIGNAL, KILL, RESIZE = b"C", b"I", b"E", b"S", b"K", b"W"
EDITING = b"D"  # client -> follow / here: the file the client has open now (UTF-8; empty: none)
# runner -> client (a run)
STARTED, STDOUT, STDERR, EXITED, WARNING = b"R", b"1", b"2", b"X", b"!"
# runner -> client (follow / logs): output frames carry the run id first (4 bytes)
HEAD, OUT_OF, ERR_OF, END = b"H", b"o", b"e", b"Z"
CHANGED = b"F"  # a .py file under /app changed (saved or run by anyone): {"file", "mtime"}
PRESENCE = b"P"  # who follows the session changed (and once at start): {"format", "present": [...]}
# worker -> root's recorder (never forwarded): a run begins {meta, code}; a run ends {outcome, report, warm}
BEGIN, FINISH, RESTART = b"b", b"f", b"r"  # RESTART {cold, replay}: a fresh worker, given these bytes first
PROJECT = b"j"  # {manifest, mark}: the worker wrote a new session's project from the run's config (seeding.py)


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def read_header(head: bytes) -> tuple[bytes, int]:
    """(kind, payload length) of a frame's first HEADER_SIZE bytes."""
    return head[:1], int.from_bytes(head[1:HEADER_SIZE], "big")


def literal_frame(kind: bytes, data: object) -> bytes:
    """A structured payload for the host (and for the records on disk): a Python literal."""
    return frame(kind, repr(data).encode())


def read_literal(payload: bytes) -> Any:
    import ast

    return ast.literal_eval(payload.decode("utf-8", "replace"))


def run_id_prefix(run_id: int) -> bytes:
    return run_id.to_bytes(4, "big")


class FrameReader:
    """Splits a byte stream into (kind, payload) frames; partial frames wait for more."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= HEADER_SIZE:
            end = HEADER_SIZE + int.from_bytes(self.buffer[1:HEADER_SIZE], "big")
            if len(self.buffer) < end:
                break
            frames.append((bytes(self.buffer[:1]), bytes(self.buffer[HEADER_SIZE:end])))
            del self.buffer[:end]
        return frames
