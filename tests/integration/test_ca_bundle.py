"""A trusted CA bundle, tested without relying on this machine's proxy: a package index served
over HTTPS from a container the test makes, with a certificate from a CA made for the test."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_LABEL, TEST_RUN
from tests.kept import cache_folder
from tests.wheels import wheel

SERVE = """\
import functools, http.server, ssl
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain('/srv/server.pem', '/srv/server.key')
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory='/srv/www')
server = http.server.ThreadingHTTPServer(('', 8443), handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"""


def tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, data in files.items():
            entry = tarfile.TarInfo(path)
            entry.size, entry.mode = len(data), 0o644
            tar.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()


def openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


CA_SUBJECT, CA_DAYS = "/CN=msc test CA", "3650"


def fixed_ca() -> Path:
    """One fixed CA for the test (ca.pem, ca.key), made once and kept in ~/.cache/msc-test under a
    name taken from how it is made: the same bundle every run, so the image it goes into is
    built once, not once per run."""
    how = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
           "-days", CA_DAYS, "-subj", CA_SUBJECT]
    cache = cache_folder()
    folder = cache / f"ca-{hashlib.sha256(json.dumps(how).encode()).hexdigest()[:12]}"
    if not (folder / "ca.pem").exists():
        cache.mkdir(parents=True, exist_ok=True)
        making = Path(tempfile.mkdtemp(dir=cache))
        openssl(*how, cwd=making)
        try:
            making.rename(folder)  # whole or not at all, whoever makes it first
        except OSError:
            shutil.rmtree(making)
    return folder


def keep_one_image(docker_client, tag: str) -> None:
    """The image with the fixed CA in it is kept for the next run (one: a new system bundle makes
    a new one, and the one it replaces is removed here)."""
    import docker

    kept = fixed_ca() / "image"
    old = kept.read_text() if kept.exists() else tag
    if old != tag:
        try:
            docker_client.images.remove(old)
        except docker.errors.NotFound:
            pass
    kept.write_text(tag)


@pytest.fixture
def private_index(docker_client, base_image, tmp_path):
    """(index URL, the CA's certificate file): an HTTPS index holding one wheel, `mscdemo`."""
    server = docker_client.containers.run(base_image, ["sleep", "infinity"], detach=True,
                                          labels={TEST_LABEL: TEST_RUN}, name=f"msc-test-index-{os.getpid()}")
    try:
        server.reload()
        address = server.attrs["NetworkSettings"]["IPAddress"]
        ca = fixed_ca()
        keys = tmp_path / "pki"
        keys.mkdir()
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=msc test index", cwd=keys)
        (keys / "san.ext").write_text(f"subjectAltName=IP:{address}\nbasicConstraints=CA:FALSE\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", str(ca / "ca.pem"), "-CAkey", str(ca / "ca.key"),
                "-CAcreateserial", "-CAserial", "ca.srl", "-out", "server.pem", "-days", "2",
                "-extfile", "san.ext", cwd=keys)
        name, data = wheel("mscdemo", "1.0", "VALUE = 'from the private index'\n")
        digest = hashlib.sha256(data).hexdigest()
        page = f'<html><body><a href="/files/{name}#sha256={digest}">{name}</a></body></html>\n'
        server.put_archive("/", tar_of({
            "srv/serve.py": SERVE.encode(), "srv/server.pem": (keys / "server.pem").read_bytes(),
            "srv/server.key": (keys / "server.key").read_bytes(), f"srv/www/files/{name}": data,
            "srv/www/simple/mscdemo/index.html": page.encode()}))
        server.exec_run(["python3", "/srv/serve.py"], detach=True)
        ready = ["python3", "-c", "import socket; socket.create_connection(('127.0.0.1', 8443), 1)"]
        deadline = time.monotonic() + 60
        while server.exec_run(ready).exit_code != 0:
            assert time.monotonic() < deadline, "the private index did not start"
            time.sleep(0.2)
        yield f"https://{address}:8443/simple", ca / "ca.pem"
    finally:
        server.remove(force=True)


def installed(docker_client, sid: str) -> str:
    return docker_client.containers.get(f"msc-dev-session-{sid}").exec_run(
        ["python3", "-c", "import mscdemo; print(mscdemo.VALUE)"], user="appuser").output.decode()


def test_an_index_signed_by_a_private_ca_needs_the_bundle_and_works_with_it(msc, msc_home, private_index,
                                                                           docker_client, tmp_path, monkeypatch):
    url, ca = private_index
    # Without the private CA: one line naming the setting, for a build and for an install.
    msc_home.mkdir(parents=True, exist_ok=True)
    (msc_home / "config.toml").write_text(f'[packages]\nindex_url = "{url}"\n')
    build = msc("run", "--new", "-", input="print(1)")  # the build's installers come from the index too
    assert build.returncode == 1 and "Traceback" not in build.stderr
    assert "ca_bundle" in build.stderr.strip().splitlines()[-1]
    (msc_home / "config.toml").unlink()
    plain = json.loads(msc("run", "--new", "--json", "-", input="print(1)").stdout)["session"]
    (msc_home / "config.toml").write_text(f'[packages]\nindex_url = "{url}"\n')
    refused = msc("install", plain, "mscdemo")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "TLS certificate is not trusted" in refused.stderr and "ca_bundle" in refused.stderr
    assert "ModuleNotFoundError" in installed(docker_client, plain)

    # With it: the bundle msc is given (this machine's, so the build still reaches PyPI, plus the
    # private CA) goes into a new image, and the install from the private index works.
    (msc_home / "config.toml").unlink()
    bundle = tmp_path / "bundle.pem"
    system = Path(os.environ.get("MSC_CA_BUNDLE") or "/etc/ssl/certs/ca-certificates.crt")
    bundle.write_bytes(system.read_bytes() + b"\n" + ca.read_bytes())
    monkeypatch.setenv("MSC_CA_BUNDLE", str(bundle))
    trusted = json.loads(msc("run", "--new", "--json", "-", input="print(1)").stdout)["session"]
    (msc_home / "config.toml").write_text(f'[packages]\nindex_url = "{url}"\n')
    keep_one_image(docker_client, docker_client.containers.get(f"msc-dev-session-{trusted}").labels["msc.image"])
    done = msc("install", trusted, "mscdemo")
    assert done.returncode == 0, done.stderr
    assert installed(docker_client, trusted) == "from the private index\n"
