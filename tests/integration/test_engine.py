"""The engine layer against a real Docker Engine, effects checked with docker-py."""

from __future__ import annotations

import asyncio
import gc
import json
import time
import uuid

import pytest

from msc_tui.config import Settings
from msc_tui.core.images import ensure_image
from msc_tui.core.recipe import render
from msc_tui.engine import Engine
from msc_tui.engine.containers import ContainerSpec
from msc_tui.errors import BuildFailed, CommandNotFound, EngineUnreachable, NotFound, NotRunning
from tests import msc_forks
from tests.conftest import TEST_LABEL


@pytest.fixture
async def engine(docker_client):
    engine = await Engine.connect()
    yield engine
    await engine.close()


def _name() -> str:
    return f"msc-test-{uuid.uuid4().hex[:8]}"


async def test_unreachable_engine_fails_fast_with_the_endpoint(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    started = time.monotonic()
    with pytest.raises(EngineUnreachable) as caught:
        await Engine.connect()
    assert time.monotonic() - started < 5
    assert "unix:///nonexistent.sock" in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_unreachable_tcp_engine_fails_within_five_seconds(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")  # loopback, nothing listens
    started = time.monotonic()
    with pytest.raises(EngineUnreachable, match="tcp://127.0.0.1:1"):
        await Engine.connect()
    assert time.monotonic() - started < 5


async def test_create_is_hardened_and_lifecycle_works(engine, docker_client, base_image):
    name = _name()
    spec = ContainerSpec(name=name, image=base_image, labels={TEST_LABEL: "1"}, user="nobody",
                         workdir="/", memory="256m", pids_limit=64)
    container_id = await engine.containers.create(spec)
    seen = docker_client.containers.get(name)
    assert seen.id == container_id and seen.status == "created"
    host = seen.attrs["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Init"] is True and host["PidsLimit"] == 64 and host["Memory"] == 256 * 1024**2
    assert seen.attrs["Config"]["User"] == "nobody"

    await engine.containers.start(name)
    assert docker_client.containers.get(name).status == "running"
    listed = {c.name for c in await engine.containers.list(label=TEST_LABEL)}
    assert name in listed
    assert (await engine.containers.inspect(name, size=True)).size_rw is not None

    await engine.containers.stop(name, timeout=1)
    assert docker_client.containers.get(name).status == "exited"
    await engine.containers.remove(name)
    assert not docker_client.api.containers(all=True, filters={"name": f"^/{name}$"})  # (no inspect of others'
    # containers, which other workers remove meanwhile)


async def test_unknown_container_is_a_typed_error(engine):
    with pytest.raises(NotFound, match="msc-test-nope"):
        await engine.containers.inspect("msc-test-nope")
    with pytest.raises(NotFound):
        await engine.execs.run("msc-test-nope", ["true"], lambda s, d: None)


async def test_exec_streams_stdout_and_stderr_apart_with_exit_code(engine, raw_container):
    container = raw_container()
    frames = []
    result = await engine.execs.run(
        container.name, ["sh", "-c", 'echo out; echo err >&2; echo "$GREETING as $(id -un) in $PWD"; exit 3'],
        lambda s, d: frames.append((s, d)), user="nobody", workdir="/tmp", env={"GREETING": "hi"},
    )
    assert result.exit_code == 3 and not result.timed_out
    stdout = b"".join(d for s, d in frames if s == 1)
    stderr = b"".join(d for s, d in frames if s == 2)
    assert stdout == b"out\nhi as nobody in /tmp\n"
    assert stderr == b"err\n"


async def test_exec_output_arrives_while_the_program_runs(engine, raw_container):
    container = raw_container()
    arrivals = []
    started = time.monotonic()
    await engine.execs.run(container.name, ["sh", "-c", "echo a; sleep 1.5; echo b"],
                           lambda s, d: arrivals.append(time.monotonic() - started))
    assert len(arrivals) == 2 and arrivals[0] < 1.0 <= arrivals[1]


async def test_missing_command_and_stopped_container_are_typed(engine, raw_container):
    container = raw_container()
    with pytest.raises(CommandNotFound, match="no-such-program"):
        await engine.execs.run(container.name, ["no-such-program"], lambda s, d: None)
    container.stop(timeout=1)
    with pytest.raises(NotRunning):
        await engine.execs.run(container.name, ["true"], lambda s, d: None)


def _sleepers(container) -> list[str]:
    return [p[-1] for p in container.top()["Processes"] if p[-1].startswith("sleep 3")]


async def test_timeout_kills_the_whole_process_tree(engine, raw_container):
    container = raw_container()
    # A child, a grandchild, and a daemon in its own session that escaped the process group.
    script = "sleep 301 & (sleep 302 &) ; setsid sleep 303 & sleep 304"
    result = await engine.execs.run(container.name, ["sh", "-c", script], lambda s, d: None,
                                    user="nobody", timeout=1)
    assert result.timed_out and result.exit_code is None
    assert _sleepers(container) == []


async def test_cancelling_the_caller_kills_the_process_tree(engine, raw_container):
    container = raw_container()
    task = asyncio.create_task(engine.execs.run(
        container.name, ["sh", "-c", "sleep 311 & sleep 312"], lambda s, d: None, user="nobody"))
    for _ in range(50):
        await asyncio.sleep(0.1)
        if len(_sleepers(container)) == 2:
            break
    assert len(_sleepers(container)) == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _sleepers(container) == []


async def test_ten_megabytes_stream_through_with_flat_memory(engine, raw_container):
    import tracemalloc

    container = raw_container()
    total = 0

    def count(stream, data):
        nonlocal total
        total += len(data)

    tracemalloc.start()
    result = await engine.execs.run(
        container.name, ["sh", "-c", "head -c 10485760 /dev/zero | tr '\\0' 'x'; printf '\\377\\376 not utf-8\\n'"],
        count)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.exit_code == 0
    assert total == 10 * 1024 * 1024 + len("\xff\xfe not utf-8\n".encode("latin-1"))
    assert peak < 4 * 1024 * 1024  # far below the 10 MB that went through


async def test_files_round_trip(engine, raw_container):
    container = raw_container()
    await engine.files.put(container.name, "/tmp", {"pkg/data.txt": b"hello\n", "top.py": b"print(1)\n"})
    code, out, _ = await engine.execs.output(container.name, ["cat", "/tmp/pkg/data.txt", "/tmp/top.py"])
    assert (code, out) == (0, "hello\nprint(1)\n")
    container.exec_run(["sh", "-c", "echo written-inside > /tmp/back.txt"])
    assert await engine.files.get(container.name, "/tmp/back.txt") == b"written-inside\n"
    with pytest.raises(NotFound):
        await engine.files.get(container.name, "/tmp/absent")


async def test_build_streams_log_tags_and_reports_failing_step(engine, docker_client, base_image):
    tag = f"msc-test-image:{uuid.uuid4().hex[:8]}"
    lines = []
    dockerfile = f"FROM {base_image}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n"
    try:
        assert not await engine.images.exists(tag)
        await engine.images.build(dockerfile, {"hello.txt": b"from-context\n"}, tag, lines.append)
        assert await engine.images.exists(tag)
        assert any("Step 3/3" in line for line in lines) and any("from-context" in l for l in lines)
        docker_client.images.get(tag)  # independent check: raises if absent
        await engine.images.tag(tag, "msc-test-image", "second")
        docker_client.images.get("msc-test-image:second")

        broken = f"FROM {base_image}\nRUN echo fine\nRUN echo about-to-fail && exit 7\n"
        with pytest.raises(BuildFailed) as caught:
            await engine.images.build(broken, {}, tag + "-broken", lambda line: None)
        assert "Step 3/3" in str(caught.value) and "exit 7" in str(caught.value)
        assert "returned a non-zero code: 7" in str(caught.value)
    finally:
        for name in (tag, "msc-test-image:second"):
            try:
                docker_client.images.remove(name, force=True)
            except Exception:
                pass


async def test_a_base_image_that_cannot_be_pulled_names_the_setting(engine, docker_client):
    # A newcomer without a registry (or with a typo in the base) should learn which setting to change.
    recipe = render("basic_app", Settings(base_image="msc-no-such-base-image:never"))
    with pytest.raises(BuildFailed) as caught:
        await ensure_image(engine, recipe)
    message = str(caught.value)
    assert "msc-no-such-base-image:never" in message and "MSC_BASE_IMAGE" in message and "[image] base" in message
    assert not docker_client.images.list(name=recipe.tag)


async def test_missing_image_is_a_typed_error_without_any_pull(engine):
    # create never pulls: a missing image answers at once, and no registry is contacted.
    with pytest.raises(NotFound, match="msc-no-such-image"):
        await engine.containers.create(ContainerSpec(name=_name(), image="msc-no-such-image:1",
                                                     labels={TEST_LABEL: "1"}))
    assert not await engine.images.exists("msc-no-such-image:1")


async def test_tcp_endpoint_reaches_the_real_engine(monkeypatch, docker_client, raw_container):
    """DOCKER_HOST=tcp://: through a loopback proxy to the engine's unix socket. Opening asks
    /_ping only (Podman runs dpkg-query for each /version), and pins the API version it names."""
    asked = []

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                asked.extend(line.split()[1] for line in data.decode("latin-1").splitlines()
                             if line.startswith(("GET ", "POST ")))
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def forward(client_reader, client_writer):
        engine_reader, engine_writer = await asyncio.open_unix_connection("/var/run/docker.sock")
        await asyncio.gather(pipe(client_reader, engine_writer), pipe(engine_reader, client_writer),
                             return_exceptions=True)

    server = await asyncio.start_server(forward, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{port}")
    try:
        engine = await Engine.connect()
        try:
            assert engine.endpoint == f"tcp://127.0.0.1:{port}"
            api = docker_client.version()["ApiVersion"]
            assert asked == ["/_ping"] and engine._client.api_version == f"v{api}" and not engine.is_podman
            assert (await engine.version())["ApiVersion"] == docker_client.version()["ApiVersion"]
            # a container of this test's own, seen through the proxy (not the whole engine's,
            # which other users change meanwhile)
            mine = raw_container()
            names = {c.name for c in await engine.containers.list(label=TEST_LABEL)}
            assert mine.name in names
            assert (await engine.containers.inspect(mine.name)).id == mine.id
        finally:
            await engine.close()
    finally:
        server.close()


def _make_tls_material(folder) -> None:
    """A throwaway CA, a server certificate for 127.0.0.1, and a client certificate."""
    import subprocess

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
            "-days", "1", "-subj", "/CN=msc-test-ca")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, extra in (("server", ["-extfile", "san.cnf"]), ("client", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}-key.pem", "-out", f"{name}.csr",
                "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "1", *extra)
    (folder / "cert.pem").write_bytes((folder / "client.pem").read_bytes())  # the names docker expects
    (folder / "key.pem").write_bytes((folder / "client-key.pem").read_bytes())


async def test_tls_tcp_endpoint_with_docker_cert_path(monkeypatch, docker_client, tmp_path):
    """DOCKER_HOST=tcp:// + DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, through a loopback TLS proxy
    that demands a client certificate signed by the test CA."""
    import ssl

    _make_tls_material(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(tmp_path / "ca.pem"))
    server_tls.load_cert_chain(tmp_path / "server.pem", tmp_path / "server-key.pem")
    server_tls.verify_mode = ssl.CERT_REQUIRED

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def forward(client_reader, client_writer):
        engine_reader, engine_writer = await asyncio.open_unix_connection("/var/run/docker.sock")
        await asyncio.gather(pipe(client_reader, engine_writer), pipe(engine_reader, client_writer))

    server = await asyncio.start_server(forward, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{port}")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tmp_path))
    try:
        engine = await Engine.connect()
        try:
            assert (await engine.version())["ApiVersion"] == docker_client.version()["ApiVersion"]
        finally:
            await engine.close()
        (tmp_path / "key.pem").write_bytes((tmp_path / "ca-key.pem").read_bytes())  # a key that does not match
        with pytest.raises(EngineUnreachable, match=f"tcp://127.0.0.1:{port}"):
            await Engine.connect()
    finally:
        server.close()


def test_docker_contexts_are_chosen_in_the_docker_clis_order(tmp_path, docker_client):
    """A context store in a throwaway HOME; its endpoint is the real engine's socket under another name."""
    import hashlib
    import os

    home = tmp_path / "home"
    socket = tmp_path / "engine.sock"
    socket.symlink_to("/var/run/docker.sock")
    for name, host in (("box", f"unix://{socket}"), ("gone", f"unix://{tmp_path / 'nothing.sock'}")):
        meta = home / ".docker" / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
        meta.mkdir(parents=True)
        (meta / "meta.json").write_text(json.dumps({"Name": name, "Metadata": {},
                                                    "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}))
    base = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    base.update(HOME=str(home), MSC_HOME=str(tmp_path / "msc"))

    def doctor(*args, **env):
        done = msc_forks.run([*args, "doctor", "--json"], timeout=60, env={**base, **env})
        return done.returncode, json.loads(done.stdout), done.stderr

    code, report, _ = doctor(DOCKER_CONTEXT="box")
    assert code == 0 and (report["endpoint"], report["context"], report["chosen_by"]) == (
        f"unix://{socket}", "box", "DOCKER_CONTEXT")
    (home / ".docker" / "config.json").write_text(json.dumps({"currentContext": "box"}))
    code, report, _ = doctor()
    assert code == 0 and report["chosen_by"] == "currentContext" and report["context"] == "box"
    code, report, _ = doctor(DOCKER_HOST="unix:///var/run/docker.sock", DOCKER_CONTEXT="gone")
    assert code == 0 and report["chosen_by"] == "DOCKER_HOST"  # DOCKER_HOST wins over DOCKER_CONTEXT
    code, report, _ = doctor("--context", "box", DOCKER_HOST=f"unix://{tmp_path / 'nothing.sock'}")
    assert code == 0 and report["chosen_by"] == "--context"  # --context wins over everything
    code, report, err = doctor("--context", "gone")
    assert code == 3 and "nothing.sock" in report["error"]  # the context was used, and it leads nowhere
    code, report, err = doctor("--context", "no-such-context")
    assert code == 3 and "unknown Docker context 'no-such-context'" in report["error"]
    plain = msc_forks.run(["--context", "no-such-context", "ls"], timeout=60, env=base)
    assert plain.returncode == 3 and plain.stderr.count("\n") == 1 and "docker context ls" in plain.stderr


async def test_disk_usage_asked_by_several_clients_at_once_answers_each(docker_client, base_image):
    """Docker runs one `system df` at a time and refuses the others (409): each caller waits its turn."""
    engines = [await Engine.connect() for _ in range(4)]
    try:
        usages = await asyncio.gather(*(e.storage.usage() for e in engines))
    finally:
        await asyncio.gather(*(e.close() for e in engines))
    base_id = docker_client.images.get(base_image).id
    assert all(any(image.id == base_id for image in usage.images) for usage in usages)


async def test_waiting_for_a_free_connection_is_not_a_connect_timeout(raw_container):
    """Over ssh:// msc keeps at most a few streams per connection (sshd's MaxSessions); a call that
    waits for one of them to free up is waiting its turn, not failing to reach the engine."""
    held = raw_container(command=["sleep", "3"])
    engine = await Engine.connect(connect_timeout=0.5)
    engine._docker.connector._limit = 1  # as msc sets it for ssh://, here at its tightest
    try:
        waiting = asyncio.create_task(engine._docker._query_json(f"containers/{held.id}/wait", method="POST"))
        await asyncio.sleep(0.2)  # (the wait holds the one connection until the container exits)
        info = await engine.containers.inspect(held.name)  # queued behind it for about 3 s
        assert info.name == held.name
        assert (await waiting)["StatusCode"] == 0
    finally:
        await engine.close()


async def test_a_cancelled_exec_stays_cancelled_when_its_kill_cannot_reach_the_container(engine, raw_container):
    """Quitting the TUI cancels its execs; the kill that follows may fail (here: the container is
    paused, as when it is gone or the engine is closing). The cancel must stay a cancel, and a
    second cancel must not leave a failed kill behind ("Task exception was never retrieved" on
    the terminal after the TUI exited)."""
    container = raw_container()
    unretrieved = []
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda loop, context: unretrieved.append(context))

    async def cancelled(times: int) -> None:
        # (each round its own sleep: the first round's, whose kill failed, may still be there)
        sleep = ["sleep", str(300 + times)]
        task = asyncio.create_task(engine.execs.run(container.name, sleep, lambda s, d: None))
        while " ".join(sleep) not in _sleepers(container):
            await asyncio.sleep(0.05)
        await asyncio.to_thread(container.pause)
        try:
            for _ in range(times):
                task.cancel()
                await asyncio.sleep(0)
            with pytest.raises(asyncio.CancelledError):
                await task
            while [t for t in asyncio.all_tasks() if "Execs." in getattr(t.get_coro(), "__qualname__", "")]:
                await asyncio.sleep(0.05)  # the shielded kill, on its own after a second cancel
        finally:
            await asyncio.to_thread(container.unpause)
        del task
        gc.collect()

    try:
        await cancelled(1)
        await cancelled(2)
    finally:
        loop.set_exception_handler(handler)
    assert not unretrieved, unretrieved
