"""The Python API for correction agents: run, analyze, install, rerun, checked with docker-py."""

from __future__ import annotations

import _thread
import signal
import threading
import time

import pytest

from msc_tui import DockerManager, analyze_import_errors
from msc_tui.errors import NotFound, UsageError


def test_initial_run_then_correction_flow(msc_home, docker_client):
    with DockerManager() as dm:
        name = dm.create_session(task="a tkinter calculator", app_type="basic_app")
        assert docker_client.containers.get(name).status == "running"
        result = dm.execute_in_container(name, "import tabulate\nprint(tabulate.tabulate([[1, 2]]))\n")
        assert not result["success"] and result["container_available"]
        assert result["container_supports_pip_install"] and result["container_name"] == name

        missing = analyze_import_errors(result["stderr"])
        assert missing == ["tabulate"]
        assert dm.install_packages_in_container(result["container_name"], missing) is True
        installed = dm.get_container_installed_packages(name)
        assert [p.split("==")[0] for p in installed] == ["tabulate"]

        rerun = dm.execute_in_container(name, "import tabulate\nprint(tabulate.tabulate([[1, 2]]))\n")
        assert rerun["success"] and "1  2" in rerun["stdout"]
        assert rerun["installed_packages"] == installed


def test_subsequent_runs_reuse_the_container_from_a_new_manager(msc_home, docker_client):
    with DockerManager() as first:
        name = first.create_session(app_type="basic_app")
        first.execute_in_container(name, "open('/app/state.txt', 'w').write('kept')")
    with DockerManager() as second:  # msc restarted
        listed = second.list_dev_containers()
        assert [(c["name"], c["status"]) for c in listed] == [(name, "running")]
        result = second.execute_in_container(name, "print(open('/app/state.txt').read())")
        assert result["stdout"] == "kept\n"
        twin = second.fork_session(name, name="twin")
        assert twin == "msc-dev-session-twin"
        assert docker_client.containers.get(twin).exec_run(["cat", "/app/state.txt"]).output == b"kept"
        assert second.execute_in_container(twin, "print(open('state.txt').read())")["stdout"] == "kept\n"
        second.remove_container(name)
    assert not docker_client.containers.list(all=True, filters={"name": name})
    assert docker_client.containers.get(twin).status == "running"  # a session of its own


def test_auto_install_and_bad_inputs(msc_home):
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        result = dm.execute_in_container(name, "import yaml\nprint(yaml.__name__)", auto_install=True)
        assert result["success"] and result["auto_installed"] == ["pyyaml"]
        assert dm.install_packages_in_container(name, ["msc-no-such-distribution-zz9"]) is False
        assert "not found" in dm.last_error
        with pytest.raises(UsageError):
            dm.install_packages_in_container(name, ["requests; rm -rf /"])
        with pytest.raises(NotFound):
            dm.execute_in_container("msc-dev-session-nosuch", "print(1)")
        timed = dm.execute_in_container(name, "import time; time.sleep(30)", timeout=1)
        assert timed["timed_out"] and timed["exit_code"] == 124


def test_wrong_types_and_values_are_one_line_usage_errors_that_change_nothing(msc_home, docker_client):
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        wrong = [
            (lambda: dm.execute_in_container(name, None), "code must be a string, not NoneType"),
            (lambda: dm.execute_in_container(name, b"print(1)"), "code must be a string, not bytes"),
            (lambda: dm.execute_in_container(name, "print(1)", timeout="5"), "timeout must be a number"),
            (lambda: dm.execute_in_container(name, "print(1)", timeout=-1), "timeout must be between"),
            (lambda: dm.execute_in_container(name, "print(1)", timeout=float("nan")), "timeout must be between"),
            (lambda: dm.execute_in_container(name, "print(1)", stdin=5), "stdin must be str or bytes"),
            (lambda: dm.execute_in_container(5, "print(1)"), "container_name must be a string"),
            (lambda: dm.install_packages_in_container(name, None), "packages must be a list of strings"),
            (lambda: dm.create_session(app_type=3), "app_type must be a string"),
            (lambda: dm.fork_session(name, name=7), "name must be a string"),
            (lambda: dm.fork_session(name, name="A b"), "bad session name 'A b'"),
        ]
        for call, words in wrong:
            with pytest.raises(UsageError) as caught:
                call()
            assert words in str(caught.value) and "\n" not in str(caught.value), str(caught.value)
        # one string is one package, never its letters
        assert dm.install_packages_in_container(name, "six") is True
        assert any(p.startswith("six==") for p in dm.get_container_installed_packages(name))
        runs = docker_client.containers.get(name).exec_run(["sh", "-c", "ls /var/lib/msc/runs 2>/dev/null | wc -l"])
        assert runs.output.decode().strip() == "0"  # no refused call ran anything


def test_output_past_eight_mib_is_cut_and_says_so(msc_home):
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        big = dm.execute_in_container(name, "import sys\nsys.stdout.write('y' * (9 * 2**20))\n"
                                            "print('end', file=sys.stderr)")
        assert big["success"] and big["stdout_truncated"] and not big["stderr_truncated"]
        assert len(big["stdout"]) == 8 * 2**20 and big["stderr"] == "end\n"
        small = dm.execute_in_container(name, "print(1)")
        assert (small["stdout_truncated"], small["stderr_truncated"]) == (False, False)


def test_removed_container_is_reported_in_the_result(msc_home, docker_client):
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        docker_client.containers.get(name).remove(force=True)
        result = dm.execute_in_container(name, "print(1)")
        assert result["container_available"] is False and "msc restore" in result["stderr"]
        assert dm.restore_session(name) == name
        assert dm.execute_in_container(name, "print(1)")["stdout"] == "1\n"


def test_ctrl_c_in_a_blocking_call_kills_the_run(msc_home, docker_client):
    # Ctrl-C as a user's script gets it: Python's own handler. An earlier test in this worker
    # may have left another one (asyncio's Runner cancels its main task instead of raising).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        ctrl_c_kills_the_run(docker_client)
    finally:
        signal.signal(signal.SIGINT, previous)


def ctrl_c_kills_the_run(docker_client) -> None:
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        container = docker_client.containers.get(name)
        started = threading.Event()

        def sleeping() -> bool:
            return any(p[-1] == "sleep 341" for p in container.top()["Processes"])

        def interrupt_once_started() -> None:  # Ctrl-C once the program is really going
            try:  # (Ctrl-C comes even if docker-py fails under load: the test must never hang)
                deadline = time.monotonic() + 60
                while not sleeping() and time.monotonic() < deadline:
                    time.sleep(0.1)
                if sleeping():
                    started.set()
            finally:
                _thread.interrupt_main()

        threading.Thread(target=interrupt_once_started, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            dm.execute_in_container(name, "import subprocess\nsubprocess.run(['sleep', '341'])\n")
        assert started.is_set(), "the program was not going when Ctrl-C came"
        # The KeyboardInterrupt comes once the cancellation has killed the run: nothing to wait for.
        assert not sleeping(), "the program's process outlived Ctrl-C"
        assert dm.execute_in_container(name, "print('alive')")["stdout"] == "alive\n"


def test_files_for_the_code_go_in_and_results_come_back(msc_home, docker_client):
    from msc_tui.errors import UsageError

    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        code = "rows = open('data/in.csv').read().split()\nopen('out.txt', 'w').write(str(len(rows)))\nprint(rows)\n"
        result = dm.execute_in_container(name, code, files={"data/in.csv": b"a\nb\nc\n"})
        assert result["success"] and result["stdout"] == "['a', 'b', 'c']\n" and result["changed_files"] == ["out.txt"]
        assert dm.get_file(name, "out.txt") == b"3"
        dm.put_files(name, {"/tmp/note.txt": "hello"})
        container = docker_client.containers.get(name)
        assert container.exec_run(["cat", "/tmp/note.txt"]).output == b"hello"
        assert container.exec_run(["stat", "-c", "%a", "/tmp"]).output.strip() == b"1777"  # /tmp stays /tmp
        for bad in ("../etc/x", "/etc/passwd"):
            with pytest.raises(UsageError):
                dm.put_files(name, {bad: b"x"})


def test_a_container_removed_mid_run_is_reported_unavailable(msc_home, docker_client):
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        container = docker_client.containers.get(name)

        def remove_once_going() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if any(p[-1] == "sleep 342" for p in container.top()["Processes"]):
                    container.remove(force=True)
                    return
                time.sleep(0.1)

        threading.Thread(target=remove_once_going, daemon=True).start()
        result = dm.execute_in_container(name, "import subprocess\nsubprocess.run(['sleep', '342'])\n")
        assert result["success"] is False and result["container_available"] is False
        assert "was removed" in result["stderr"] and "msc restore" in result["stderr"]
