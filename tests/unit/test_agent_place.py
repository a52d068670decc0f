"""Where the run agent lives and who may answer on its socket (cli/agent_place.py, agent_client.py)."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from msc_tui.cli import agent_client
from msc_tui.cli.agent_place import NotPrivate, address, open_folder

LISTEN = """\
import socket, sys
listener = socket.socket(fileno=int(sys.argv[1]))
listener.listen(1)
print("listening", flush=True)
conn, _ = listener.accept()
print(len(conn.recv(65536)), flush=True)
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MSC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MSC_AGENT", "1")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return tmp_path / "home"


def bytes_received_by_a_listener_of(uid: int, capsys) -> tuple[int, int | None]:
    """A socket where the agent's would be, listened on by a process of `uid`: what `msc run -s`
    sends it (bytes), and what the client returns (None: the usual path)."""
    folder, _ = open_folder()
    name = agent_client.agent_name()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(address(folder, name))
        other = subprocess.Popen(["/usr/bin/python3", "-c", LISTEN, str(listener.fileno())], user=uid,
                                 pass_fds=(listener.fileno(),), stdout=subprocess.PIPE, text=True)
        assert other.stdout.readline() == "listening\n"
        answered = agent_client.run_through_agent(["run", "-s", "somewhere", "-"])
        received = int(other.stdout.readline())
        other.wait(10)
        return received, answered
    finally:
        listener.close()
        os.unlink(name, dir_fd=folder)
        os.close(folder)


@pytest.mark.skipif(os.getuid() != 0, reason="a process of another uid needs root to start")
def test_a_socket_served_by_another_uid_is_refused_before_a_byte_is_sent(home, capsys):
    received, answered = bytes_received_by_a_listener_of(65534, capsys)
    assert (received, answered) == (0, None)
    assert capsys.readouterr().err.splitlines() == [
        f"msc: not using the run agent: {home}/agents/{agent_client.agent_name()} is served by uid 65534, "
        "not by you"]
    # the same socket served by our own uid is talked to (the request goes out)
    received, answered = bytes_received_by_a_listener_of(os.getuid(), capsys)
    assert received > 0 and answered is None and capsys.readouterr().err == ""


def test_the_folder_is_private_and_never_a_link(home, tmp_path, monkeypatch):
    folder, shown = open_folder()
    info = os.fstat(folder)
    os.close(folder)
    assert shown == f"{home}/agents" and info.st_mode & 0o777 == 0o700 and info.st_uid == os.getuid()

    (home / "agents").rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (home / "agents").symlink_to(elsewhere)  # ours, private, and still refused: a link can be flipped
    with pytest.raises(NotPrivate, match="is not a folder"):
        open_folder()
    (home / "agents").unlink()
    (home / "agents").mkdir(mode=0o755)
    with pytest.raises(NotPrivate, match="mode 755"):
        open_folder()


def test_the_runtime_folder_is_used_only_when_it_is_ours_and_private(home, tmp_path, monkeypatch):
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    folder, shown = open_folder()
    os.close(folder)
    assert shown == f"{runtime}/msc" and (runtime / "msc").is_dir()
    runtime.chmod(0o755)  # as a shared or wrongly set XDG_RUNTIME_DIR: msc's own state folder instead
    folder, shown = open_folder()
    os.close(folder)
    assert shown == f"{home}/agents"
