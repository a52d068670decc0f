"""The tools' work, on the async core. Every bad argument or refusal is an MscError (one line);
server.py turns it into a tool error. Sessions are found as the CLI finds them (core/ownership.py):
this home's, or a pair's by its id or container name; only this home's can be removed."""

from __future__ import annotations

import asyncio
import sys

from ..config import NETWORK_POLICIES, seconds
from ..core.apptypes import check_app_type
from ..core.copying import confined
from ..core.files import APP_DIR
from ..core.ownership import Target
from ..core.packages import validate_specs
from ..core.project import decode_source
from ..core.references import checked_reference
from ..core.run_input import check_filename
from ..core.service import Msc
from ..errors import NotFound, UsageError
from .calls import Progress
from .kept import KeptOutputs
from .shaping import STREAMS, file_content, file_target, output_slice, read_limit, session_script, shape_run

MAX_LISTED = 1000  # files list_files names in one answer
HISTORY = 20  # runs run_history shows when no limit is given


class Tools:
    def __init__(self) -> None:
        self._msc: Msc | None = None
        self._opening = asyncio.Lock()
        self.kept = KeptOutputs()

    async def msc(self) -> Msc:
        """The core, opened at the first call (an engine that is down is then each call's one line,
        and the server stays up for when it is back). Warm: the server lives as long as its client."""
        async with self._opening:
            if self._msc is None:
                self._msc = await Msc.open(warm=True)
                for warning in self._msc.warnings:
                    print(f"msc mcp: {warning}", file=sys.stderr)
        return self._msc

    async def close(self) -> None:
        if self._msc is not None:
            await self._msc.close()

    async def _find(self, session: str, start: bool = True) -> tuple[Msc, Target]:
        checked_reference(session)  # before the engine: a bad name is the caller's mistake, whatever the engine
        msc = await self.msc()
        return msc, await msc.sessions.find(session, start=start)

    # -- sessions ------------------------------------------------------------------------------
    async def create_session(self, app_type: str | None, task: str | None, network: str | None,
                             progress: Progress) -> dict:
        if app_type is not None:
            check_app_type(app_type)
        if network is not None and network not in NETWORK_POLICIES:
            raise UsageError(f"unknown network policy {network!r} ({', '.join(NETWORK_POLICIES)})")
        msc = await self.msc()
        record = await msc.sessions.create(app_type, None, task, network, progress.note)
        return {"session": record.id, "container_name": record.container_name, "app_type": record.app_type,
                "image": record.image, "network": record.network}

    async def fork_session(self, session: str, name: str | None) -> dict:
        record = await (await self.msc()).fork(session, name)
        return {"session": record.id, "container_name": record.container_name, "forked_from": record.forked_from,
                "app_type": record.app_type, "network": record.network,
                "installed_packages": record.installed_packages}

    async def list_sessions(self) -> dict:
        return {"sessions": [view.as_dict() for view in await (await self.msc()).listing()]}

    async def remove_session(self, session: str, confirm: bool) -> dict:
        msc, target = await self._find(session, start=False)
        if not target.ours:
            raise UsageError(f"{target.whose()}; msc mcp removes only this home's sessions")
        if not confirm:
            raise UsageError(f"nothing removed: remove_session deletes {target.name} and all it holds; "
                             "call it again with confirm: true to remove it")
        return {"removed": await msc.sessions.remove(target.session.id), "session": target.session.id}

    # -- runs ----------------------------------------------------------------------------------
    async def run_code(self, session: str, code: str | None, path: str | None, stdin: str | None,
                       timeout: float | None, auto_install: bool, filename: str | None, progress: Progress) -> dict:
        if (code is None) == (path is None):
            raise UsageError("give code (the program's text) or path (a .py file under /app), one of them")
        if path is not None and filename is not None:
            raise UsageError("filename goes with code; with path the run takes that file's name")
        if timeout is not None and seconds(timeout, "timeout") == 0:
            raise UsageError("timeout must be a positive number of seconds")
        if filename is not None:
            check_filename(filename)
        if code is not None and "\0" in code:
            raise UsageError("the code contains a NUL byte; Python cannot run it")
        msc, target = await self._find(session, start=False)
        record = target.session
        if path is not None:
            filename = session_script(path)
            code = decode_source(await msc.copying.read(record.container_name, f"{APP_DIR}/{filename}"), path)
        assert code is not None  # one of the two, checked above
        result = await msc.run(record, code, filename=filename or "main.py", timeout=timeout,
                               auto_install=auto_install, stdin=stdin, face="mcp", on_output=progress.output,
                               on_notice=progress.notice)
        if target.container is not None:
            self.kept.keep(target.container.id, result.run_id, result.stdout, result.stderr)
        return shape_run(result.as_dict(), record.id)

    async def run_history(self, session: str, limit: int | None) -> dict:
        if limit is not None and limit < 1:
            raise UsageError("limit must be at least 1")
        msc, target = await self._find(session)
        runs = await msc.runs.history(target.name)
        return {"session": target.session.id,
                "runs": [{k: v for k, v in run.items() if k != "tag"} for run in runs[-(limit or HISTORY):]]}

    async def run_output(self, session: str, run: int, stream: str, offset: int, max_bytes: int | None) -> dict:
        if stream not in STREAMS:
            raise UsageError(f"stream is stdout or stderr, not {stream!r}")
        if offset < 0:
            raise UsageError("offset must be 0 or more")
        limit = read_limit(max_bytes)
        msc, target = await self._find(session)
        kept = self.kept.get(target.container.id, run) if target.container else None
        if kept is not None:
            text, source = kept[stream], "server"
        else:
            text, source = await self._recorded_output(msc, target, run, stream), "session"
        return {"session": target.session.id, "run": run, "stream": stream, "source": source,
                **output_slice(text, offset, limit)}

    @staticmethod
    async def _recorded_output(msc: Msc, target: Target, run: int, stream: str) -> str:
        """A run's output as the session keeps it (its last 1 MiB)."""
        texts = []
        try:
            async for event in msc.runs.logs(target.name, str(run)):
                if event.kind == "output" and event.stream == stream:
                    texts.append(event.text)
        except NotFound:
            raise NotFound(f"no run {run} in session {target.session.id} (run_history lists its runs)") from None
        return "".join(texts)

    async def stop_run(self, session: str) -> dict:
        msc, target = await self._find(session)
        going = [run["id"] for run in await msc.runs.history(target.name) if run.get("state") == "going"]
        stopped = [run_id for run_id in going if await msc.runs.stop(target.name, run_id)]
        return {"session": target.session.id, "stopped": stopped}

    # -- packages ------------------------------------------------------------------------------
    async def install_packages(self, session: str, packages: list[str], progress: Progress) -> dict:
        specs = validate_specs(packages)  # before anything else: a bad spec never reaches the session
        msc, target = await self._find(session)
        installed = await msc.packages.install(target.session, specs, progress.output)
        return {"session": target.session.id, "installed": specs, "installed_packages": installed}

    async def list_packages(self, session: str) -> dict:
        msc, target = await self._find(session)
        record = target.session
        return {"session": record.id, "installed_packages": await msc.packages.installed(record),
                "requested_packages": record.requested_packages}

    # -- files ---------------------------------------------------------------------------------
    async def list_files(self, session: str, path: str | None) -> dict:
        where = confined(path or APP_DIR)
        msc, target = await self._find(session)
        files = await msc.copying.listing(target.name, where)
        return {"session": target.session.id, "path": where, "files": files[:MAX_LISTED],
                "truncated": len(files) > MAX_LISTED}

    async def read_file(self, session: str, path: str, max_bytes: int | None) -> dict:
        limit, where = read_limit(max_bytes), confined(path)
        msc, target = await self._find(session)
        data = await msc.copying.read(target.name, where)
        return {"session": target.session.id, "path": where, **file_content(data, limit)}

    async def write_file(self, session: str, path: str, content: str) -> dict:
        where = file_target(path)
        msc, target = await self._find(session)
        await msc.copying.put(target.name, {where: content})
        return {"session": target.session.id, "path": where, "bytes": len(content.encode())}
