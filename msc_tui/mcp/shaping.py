"""What the tools hand a model: run results with each stream capped for its context, slices of
a run's whole output, and the checks of the arguments that are not a session's business."""

from __future__ import annotations

import posixpath

from ..core.copying import confined
from ..core.files import APP_DIR
from ..core.run_input import check_filename
from ..errors import UsageError

HEAD_BYTES = TAIL_BYTES = 32 * 1024  # per stream, what a result shows of a long output
READ_BYTES = 64 * 1024  # read_file and run_output, when max_bytes is not given
MAX_READ_BYTES = 1024 * 1024  # the most one read_file or run_output call returns
STREAMS = ("stdout", "stderr")


def cap(text: str, head: int = HEAD_BYTES, tail: int = TAIL_BYTES, what: str = "") -> tuple[str, bool]:
    """The first `head` and last `tail` bytes (UTF-8) of a text, a line saying what was left out
    between them; (text, whether anything was left out). Characters cut at an edge are dropped."""
    data = text.encode()
    if len(data) <= head + tail:
        return text, False
    omitted = len(data) - head - tail
    note = f"\n[... {omitted} bytes left out{what} ...]\n"
    return data[:head].decode(errors="ignore") + note + data[-tail:].decode(errors="ignore"), True


def shape_run(result: dict, session: str) -> dict:
    """A run's result with the keys and meanings of the Python API's and `msc run --json`; each
    stream capped (stdout_truncated / stderr_truncated), the rest readable with run_output."""
    shaped = dict(result)
    for stream in STREAMS:
        where = (f"; run_output(session={session!r}, run={result['run_id']}, stream={stream!r}, offset=...) "
                 "reads them" if result.get("run_id") is not None else "")
        shaped[stream], capped = cap(result[stream], what=where)
        shaped[f"{stream}_truncated"] = capped or result.get(f"{stream}_truncated", False)
    if result.get("error"):
        traceback, _ = cap(result["error"]["traceback"])
        shaped["error"] = {**result["error"], "traceback": traceback}
    return shaped


def output_slice(text: str, offset: int, max_bytes: int) -> dict:
    """`max_bytes` of a stream from byte `offset` (UTF-8), and where the next slice starts."""
    data = text.encode()
    if offset > len(data):
        raise UsageError(f"offset {offset} is past the end of the output ({len(data)} bytes)")
    piece = data[offset:offset + max_bytes]
    return {"offset": offset, "size": len(data), "data": piece.decode(errors="replace"),
            "next_offset": offset + len(piece), "eof": offset + len(piece) >= len(data)}


def read_limit(max_bytes: int | None) -> int:
    if max_bytes is None:
        return READ_BYTES
    if not 1 <= max_bytes <= MAX_READ_BYTES:
        raise UsageError(f"max_bytes must be between 1 and {MAX_READ_BYTES}")
    return max_bytes


def file_content(data: bytes, limit: int) -> dict:
    """A file's first `limit` bytes as text (UTF-8), or as base64 when they are not text."""
    import base64

    piece = data[:limit]
    try:
        content, encoding = piece.decode(), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(piece) - 3 and len(data) > limit:  # a character cut at the limit
            content, encoding = piece[:exc.start].decode(), "utf-8"
        else:
            content, encoding = base64.b64encode(piece).decode(), "base64"
    return {"size": len(data), "content": content, "encoding": encoding, "truncated": len(data) > limit}


def session_script(path: str) -> str:
    """run_code's `path`: a .py file in the session's /app, as the file name the run takes."""
    resolved = confined(path)
    if not resolved.startswith(APP_DIR + "/"):
        raise UsageError(f"refused {path!r}: run_code runs files under {APP_DIR} (write_file puts one there)")
    return check_filename(posixpath.relpath(resolved, APP_DIR))


def file_target(path: str) -> str:
    """A file's path in the session for write_file: inside /app or /tmp, never the folder itself."""
    resolved = confined(path)
    if resolved in (APP_DIR, "/tmp"):
        raise UsageError(f"refused {path!r}: a file's path is needed, not the folder {resolved}")
    return resolved
