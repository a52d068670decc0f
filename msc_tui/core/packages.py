"""Installing into a running session, and knowing what it really has.

Specs are validated before anything runs and the installer gets an argv list (never a
shell). uv is used when the image has it (msc's recipes add it), pip otherwise. The
installer runs as its own user, the only one that can write the venv and the package cache
(one volume per MSC_HOME): a second session does not download pandas again, and code run in
one session cannot change what another one installs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Callable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..engine import Engine
from ..errors import InstallFailed, MscError, NotFound, UsageError
from . import requested
from .bridge import Bridge
from .recipe import LIST_PACKAGES, VENV, index_environment
from .sessions import Sessions, container_gone
from .state import SessionRecord

OnOutput = Callable[[str, str], None]

_TLS_SIGNS = ("CERTIFICATE_VERIFY_FAILED", "invalid peer certificate", "certificate verify failed",
              "UnknownIssuer", "SSLError", "tls handshake")
_NETWORK_SIGNS = ("Failed to establish a new connection", "Temporary failure in name resolution",
                  "dns error", "Network is unreachable", "Could not connect", "failed to lookup address",
                  "Connection refused")


MAX_SPEC = 200  # real names are far shorter; nothing longer goes to an index


def validate_specs(specs: list[str]) -> list[str]:
    """Requirement strings only: names, extras, version specifiers. Everything else refused."""
    if not specs:
        raise UsageError("no package given")
    checked = []
    for spec in specs:
        if len(spec) > MAX_SPEC:
            raise UsageError(f"refused a {len(spec)}-character spec: package specs are at most {MAX_SPEC} characters")
        if spec.startswith("-"):
            raise UsageError(f"refused {spec!r}: installer options are not accepted, only package specs")
        try:
            requirement = Requirement(spec)
        except InvalidRequirement:
            raise UsageError(f"refused {spec!r}: not a package spec (name, extras, version)") from None
        if requirement.url:
            raise UsageError(f"refused {spec!r}: URLs and paths are not accepted, only index packages")
        if requirement.marker:
            raise UsageError(f"refused {spec!r}: environment markers (;) are not accepted")
        checked.append(str(requirement))
    return checked


def _failure(action: str, output: str, code: int | None) -> InstallFailed:
    lines = [l.strip() for l in output.splitlines() if l.strip()]
    if any(sign.lower() in output.lower() for sign in _TLS_SIGNS):
        return InstallFailed(f"{action} failed: the package index's TLS certificate is not trusted; "
                             "behind an intercepting proxy set packages.ca_bundle or MSC_CA_BUNDLE")
    if any(sign.lower() in output.lower() for sign in _NETWORK_SIGNS):
        return InstallFailed(f"{action} failed: the package index is unreachable from the container "
                             "(check packages.index_url, the network policy, or use a wheelhouse)")
    reason = next((l for l in reversed(lines) if "not found" in l or "No matching distribution" in l
                   or "was not found" in l), lines[-1] if lines else f"exit code {code}")
    return InstallFailed(f"{action} failed: {reason.lstrip('╰─▶ ')}")


async def listed(engine: Engine, container: str) -> list[str]:
    """name==version of every package installed into the container (the image's own left out)."""
    code, out, err = await engine.execs.output(container, ["python3", LIST_PACKAGES], user="appuser", timeout=60)
    if code != 0:
        raise InstallFailed(f"could not list packages in {container}: {err.strip()[-200:]}")
    return [f"{name}=={version}" for name, version in json.loads(out)]


class Packages:
    def __init__(self, engine: Engine, sessions: Sessions):
        self.engine = engine
        self.sessions = sessions
        self.bridge = Bridge(engine, sessions.settings.state_dir)

    def _installer(self, record: SessionRecord, verb: str, specs: list[str]) -> list[str]:
        if record.installer == "uv":
            # Bytecode compiled at install, as pip does: programs run as appuser, who cannot write
            # the venv's __pycache__, so without it every run compiled each module it imports again.
            compiled = ["--compile-bytecode"] if verb == "install" else []
            return ["uv", "pip", verb, *compiled, "--python", f"{VENV}/bin/python", *specs]
        return ["python3", "-m", "pip", verb, "--no-input", *(["-y"] if verb == "uninstall" else []), *specs]

    async def install(self, record: SessionRecord, specs: list[str], on_output: OnOutput | None = None,
                      verb: str = "install", remember: bool = True) -> list[str]:
        """Install (or uninstall) specs; returns the container's packages afterwards. `remember`:
        record them as asked for (a restore reinstalls pins without changing what was asked)."""
        specs = validate_specs(specs)
        if record.network == "none":
            raise UsageError(f"session {record.id} has network policy 'none': nothing can be installed")
        await self.sessions.ensure_running(record)
        chunks: list[str] = []

        def collect(stream: int, data: bytes) -> None:
            text = data.decode("utf-8", "replace")
            chunks.append(text)
            if on_output:
                on_output("stdout" if stream == 1 else "stderr", text)

        env = index_environment(self.sessions.settings)
        window = (self.bridge.attached(record.id, record.container_name) if record.network == "install-only"
                  else contextlib.nullcontext())
        try:
            async with window, self.engine.answering():  # only installers get a network, briefly
                result = await self.engine.execs.run(
                    record.container_name, self._installer(record, verb, specs), collect,
                    user=record.install_user, workdir="/app", env=env)
        except BaseException:  # Ctrl-C or a failure: settle, but never hide the original error
            await asyncio.shield(self._settle(record, unwinding=True))
            raise
        await self._settle(record)
        if result.exit_code != 0:
            raise _failure(f"{verb} {' '.join(specs)}", "".join(chunks), result.exit_code)
        if remember:
            await self._remember(record, specs, add=verb == "install")
        return record.installed_packages

    async def ask_index(self, record: SessionRecord, argv: list[str],
                        timeout: float = 120) -> tuple[int | None, str, str]:
        """Run a question to the package index (core/index_probe.py) in the session as the
        installer's user (code run as appuser cannot tamper with it, as with installs), through
        the installer's network window and index settings: (exit code, stdout, stderr)."""
        if record.network == "none":
            raise UsageError(f"session {record.id} has network policy 'none': the index cannot be asked")
        await self.sessions.ensure_running(record)
        window = (self.bridge.attached(record.id, record.container_name) if record.network == "install-only"
                  else contextlib.nullcontext())
        async with window, self.engine.answering():
            return await self.engine.execs.output(record.container_name, argv, user=record.install_user,
                                                  timeout=timeout, env=index_environment(self.sessions.settings))

    async def uninstall(self, record: SessionRecord, names: list[str], on_output: OnOutput | None = None) -> list[str]:
        """Uninstall packages installed into the session; a name that is not is refused before
        anything is removed (the installer would only warn, and exit 0)."""
        names = validate_specs(names)
        await self.sessions.ensure_running(record)
        try:
            present = await listed(self.engine, record.container_name)
        except NotFound:
            raise container_gone(record) from None
        installed = {canonicalize_name(p.split("==")[0]) for p in present}
        absent = [n for n in names if canonicalize_name(n) not in installed]
        if absent:
            raise NotFound(f"not installed in {record.container_name}: {', '.join(absent)} "
                           f"(msc packages {record.id} lists what is)")
        return await self.install(record, names, on_output, verb="uninstall")

    async def _settle(self, record: SessionRecord, unwinding: bool = False) -> None:
        """After an install, finished or interrupted: the record made true."""
        try:
            await self.installed(record)
        except MscError:
            if not unwinding:
                raise

    async def _remember(self, record: SessionRecord, specs: list[str], add: bool) -> None:
        """The record's requested list updated, and the container's own copy (a record rebuilt
        from labels reads it back; a pair's installs into the same session add to it)."""
        def change(records):
            current = records.get(record.id)
            if current is None:
                return
            current.requested_packages = requested.updated(current.requested_packages, specs, add)
            record.requested_packages = current.requested_packages
        await self.sessions.store.aupdate(change)
        await requested.remember(self.engine, record.container_name, specs, add)

    async def installed(self, record: SessionRecord) -> list[str]:
        """name==version of every package installed into the session (the image's own left out),
        read from the container; the record is reconciled with it."""
        try:
            packages = await listed(self.engine, record.container_name)
        except NotFound:
            raise container_gone(record) from None

        def change(records):
            if record.id in records:
                records[record.id].installed_packages = packages
        await self.sessions.store.aupdate(change)
        record.installed_packages = packages
        return packages

    def requirements(self, record: SessionRecord) -> str:
        return "".join(f"{line}\n" for line in record.installed_packages)
