"""Images: build from Dockerfile text and context files (streaming the log), tag, exists."""

from __future__ import annotations

import io
import re
from typing import Callable

import aiodocker

from ..errors import BuildFailed, NotFound
from .errors import engine_errors
from .files import pack

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_BUILDER_CHATTER = re.compile(r"^\s*(---> |Removing intermediate container|Successfully )")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOG_KEPT = 200  # lines kept for the error (BuildFailed.log)

OnBuildLog = Callable[[str], None]


class Images:
    def __init__(self, docker: aiodocker.Docker, endpoint: str):
        self._docker = docker
        self._endpoint = endpoint

    async def exists(self, tag: str) -> bool:
        try:
            with engine_errors(f"image {tag}", self._endpoint):
                await self._docker.images.inspect(tag)
        except NotFound:
            return False
        return True

    async def tag(self, image: str, repository: str, tag: str = "latest") -> None:
        with engine_errors(f"image {image}", self._endpoint):
            await self._docker.images.tag(image, repository, tag=tag)

    async def build(self, dockerfile: str, context: dict[str, bytes], tag: str,
                    on_log: OnBuildLog, labels: dict[str, str] | None = None) -> None:
        """Build and tag. on_log gets each log line; a failure names the failing step."""
        archive = pack({"Dockerfile": dockerfile.encode(), **context}, uid=0, gid=0)
        step = ""
        last_lines: list[str] = []
        log: list[str] = []
        with engine_errors(f"build of {tag}", self._endpoint):
            try:
                async for item in self._docker.images.build(
                    fileobj=io.BytesIO(archive), tag=tag, stream=True, encoding="identity",
                    labels=labels, forcerm=True,
                ):
                    for line in _ANSI.sub("", item.get("stream", "")).splitlines():
                        log = (log + [line])[-LOG_KEPT:]
                        if _STEP.match(line):
                            step = line
                        if line.strip() and not _BUILDER_CHATTER.match(line):
                            last_lines = (last_lines + [line])[-5:]
                        on_log(line)
                    if "error" in item:
                        raise _failure(tag, step, item["error"], last_lines, log)
            except aiodocker.DockerError as exc:  # DockerStreamError: an error in the stream
                if exc.status == 404:
                    raise
                raise _failure(tag, step, str(exc.message), last_lines, log) from None


def _failure(tag: str, step: str, error: str, last_lines: list[str], log: list[str]) -> BuildFailed:
    where = f" at {step}" if step else ""
    detail = " | ".join(line.strip() for line in last_lines[-2:] if line.strip() and not _STEP.match(line))
    message = error.strip().splitlines()[0] if error.strip() else "unknown error"
    failure = BuildFailed(f"building {tag} failed{where}: {message}" + (f" (last output: {detail})" if detail else ""))
    failure.log = log
    return failure
