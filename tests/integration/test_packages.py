"""Install on demand against the real engine and the real package index."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import tomllib

from tests.conftest import remove_home_objects
from tests.install_window import leave_a_window_open, networks_of
from tests.wheels import wheel


def pip_list(docker_client, sid: str) -> dict[str, str]:
    """What the container has, asked independently (not through msc)."""
    out = docker_client.containers.get(f"msc-dev-session-{sid}").exec_run(
        ["python3", "-c", "import importlib.metadata as m, json;"
         "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()"
         " if d.metadata['Name']}))"],  # a nameless one is half-written by an interrupted install
        user="appuser").output
    return json.loads(out)


def record(home, sid: str) -> dict:
    return tomllib.loads((home / "sessions.toml").read_text())["sessions"][sid]


def interfaces_seen_by_user_code(msc, sid: str) -> list[str]:
    done = msc("run", "-s", sid, "-", input="import os\nprint(' '.join(sorted(os.listdir('/sys/class/net'))))\n")
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_missing_module_to_install_to_successful_rerun(msc, msc_home, new_session, docker_client):
    sid = new_session()
    code = "import yaml\nprint(yaml.safe_dump({'ok': 1}).strip())\n"
    failed = json.loads(msc("run", "-s", sid, "--json", "-", input=code).stdout)
    assert not failed["success"] and failed["missing_packages"] == ["pyyaml"]  # import name != distribution

    installed = msc("install", sid, *failed["missing_packages"])
    assert installed.returncode == 0, installed.stderr
    assert "+ pyyaml==" in installed.stdout + installed.stderr  # the installer's output streamed through
    version = pip_list(docker_client, sid)["pyyaml"]
    assert f"PyYAML=={version}" in record(msc_home, sid)["installed_packages"]
    assert record(msc_home, sid)["requested_packages"] == ["pyyaml"]

    rerun = json.loads(msc("run", "-s", sid, "--json", "-", input=code).stdout)
    assert rerun["success"] and rerun["stdout"] == "ok: 1\n"
    assert f"PyYAML=={version}" in rerun["installed_packages"]


def test_auto_install_installs_every_missing_import_in_one_round(msc, msc_home, new_session, docker_client):
    sid = new_session()
    helper = "import dateutil.parser\n\ndef when(text):\n    return dateutil.parser.parse(text).year\n"
    code = ("import six, tabulate\nimport yaml\nfrom helper import when\n"
            "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
            "print(tabulate.tabulate([[six.__name__, yaml.__name__, when('2024-05-01'), ujson]]))\n")
    project = msc_home.parent / "project"
    project.mkdir()
    (project / "helper.py").write_text(helper)
    (project / "app.py").write_text(code)
    done = msc("run", "-s", sid, "--auto-install", "--json", str(project / "app.py"))
    result = json.loads(done.stdout)
    assert done.returncode == 0 and result["success"], result["stderr"]
    # all four in one round (the traceback named only six), the helper module's import included
    assert sorted(result["auto_installed"]) == ["python-dateutil", "pyyaml", "six", "tabulate"]
    assert "2024" in result["stdout"] and result["auto_install_stopped"] is None
    listed = pip_list(docker_client, sid)
    assert {"six", "tabulate", "pyyaml", "python-dateutil"} <= set(listed)
    assert "ujson" not in listed  # the code copes without it: not installed


def test_auto_install_never_installs_a_misspelling_and_says_why_it_stopped(msc, new_session, docker_client):
    sid = new_session()
    before = pip_list(docker_client, sid)
    done = msc("run", "-s", sid, "--auto-install", "--json", "-", input="import reqeusts\n")
    result = json.loads(done.stdout)
    assert not result["success"] and result["auto_installed"] == [] and result["missing_packages"] == []
    assert result["unresolved_imports"] == ["reqeusts"] and result["suggestions"]["reqeusts"][0] == "requests"
    assert result["auto_install_stopped"].startswith("no progress")
    assert pip_list(docker_client, sid) == before
    text = msc("run", "-s", sid, "--auto-install", "-", input="import reqeusts\n")
    assert "did you mean requests" in text.stderr and "auto-install stopped: no progress" in text.stderr
    assert "--auto-install -)" not in text.stderr  # no hint to do what was just done


def test_an_install_that_does_not_provide_its_module_is_undone(msc_home, new_session, docker_client):
    from msc_tui.core.correction import Correction, RoundNotes
    from msc_tui.core.service import Msc

    sid = new_session()

    async def body():
        msc = await Msc.open(warm=False)
        try:
            record = msc.sessions.resolve(sid)
            notes = RoundNotes(hints=[], install_error=None)
            kept = await Correction(msc.packages, 3)._install_verified(
                record, ["six", "tabulate"], {"six": "six", "tabulate": "not_tabulate"}, notes, None)
            return kept, notes, record
        finally:
            await msc.close()

    kept, notes, record = asyncio.run(body())
    assert kept == ["six"] and notes.install_error == "tabulate does not provide not_tabulate"
    assert notes.hints == ["tabulate does not provide not_tabulate"]
    listed = pip_list(docker_client, sid)
    assert "six" in listed and "tabulate" not in listed
    assert record.requested_packages == ["six"]


def test_specs_are_validated_and_refusals_install_nothing(msc, new_session, docker_client):
    sid = new_session()
    before = pip_list(docker_client, sid)
    for spec in ("--index-url=https://example.invalid/simple", "-e", "-r", "requests; rm -rf /",
                 "https://example.invalid/pkg.tar.gz", "./local/path", "pkg @ file:///tmp/x", "$(id)", "a b"):
        done = msc("install", sid, "--", spec)  # past argparse, so msc's own validation answers
        assert done.returncode == 2, (spec, done.stderr)
        assert done.stderr.startswith("msc: refused") and done.stderr.count("\n") == 1, (spec, done.stderr)
    assert msc("install", sid, "--index-url=https://example.invalid/simple", "six").returncode == 2  # argparse
    assert pip_list(docker_client, sid) == before
    assert msc("install", sid, "six[extra]>=1.0,<2", "tabulate==0.9.*").returncode == 0  # extras, specifiers
    assert set(pip_list(docker_client, sid)) - set(before) == {"six", "tabulate"}


def test_unknown_distribution_is_one_line_and_changes_nothing(msc, msc_home, new_session, docker_client):
    sid = new_session()
    before = pip_list(docker_client, sid)
    done = msc("install", sid, "msc-no-such-distribution-zz9")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("msc: install msc-no-such-distribution-zz9 failed:") and "not found" in last
    assert pip_list(docker_client, sid) == before
    assert record(msc_home, sid)["installed_packages"] == []


def test_packages_list_requirements_uninstall_and_restore(msc, msc_home, new_session, docker_client):
    sid = new_session()
    assert msc("install", sid, "six").returncode == 0
    version = pip_list(docker_client, sid)["six"]
    absent = msc("uninstall", sid, "six", "tabulate")  # one not installed: nothing is removed
    assert absent.returncode == 4 and absent.stderr.strip().splitlines() == [
        f"msc: not installed in msc-dev-session-{sid}: tabulate (msc packages {sid} lists what is)"], absent.stderr
    assert pip_list(docker_client, sid)["six"] == version
    # compiled when installed: a run (as appuser, who cannot write the venv) never compiles it again
    compiled = docker_client.containers.get(f"msc-dev-session-{sid}").exec_run(
        ["sh", "-c", "ls /opt/venv/lib/python3*/site-packages/__pycache__/"], user="appuser").output.decode()
    assert "six.cpython-" in compiled, compiled
    listed = json.loads(msc("packages", sid, "--json").stdout)
    assert listed["installed_packages"] == [f"six=={version}"]
    assert msc("packages", sid, "--requirements").stdout == f"six=={version}\n"

    # Reconcile: a package installed behind msc's back shows up, and the record follows.
    docker_client.containers.get(f"msc-dev-session-{sid}").exec_run(
        ["uv", "pip", "install", "tabulate"], user="installer")
    listed = json.loads(msc("packages", sid, "--json").stdout)["installed_packages"]
    assert {p.split("==")[0] for p in listed} == {"six", "tabulate"}
    assert record(msc_home, sid)["installed_packages"] == listed

    assert msc("uninstall", sid, "tabulate").returncode == 0
    assert "tabulate" not in pip_list(docker_client, sid)

    assert msc("rm", "--keep-record", sid).returncode == 0
    restored = msc("restore", sid)
    assert restored.returncode == 0, restored.stderr
    assert pip_list(docker_client, sid)["six"] == version  # reinstalled at the recorded version
    assert record(msc_home, sid)["requested_packages"] == ["six"]  # what was asked, not the pins
    ran = msc("run", "-s", sid, "-", input="import six; print(six.__version__)")
    assert ran.stdout.strip() == version


OFFLINE_INSTALL = ["uv", "pip", "install", "--offline", "--python", "/opt/venv/bin/python"]
POISON = """import os
found = denied = 0
for top in ("/cache", "/opt/venv"):
    for folder, _, files in os.walk(top):
        for name in files:
            if name.endswith(".lock"):  # uv's lock files are empty and world-writable by design
                continue
            found += 1
            try:
                with open(os.path.join(folder, name), "a") as f:
                    f.write("print('poisoned')\\n")
            except OSError:
                denied += 1
print(found, denied)
"""


def test_the_package_cache_is_shared_within_a_home_and_writable_only_by_the_installer(
        msc, msc_home, new_session, docker_client, tmp_path, monkeypatch):
    first, second = new_session(), new_session()
    assert msc("install", first, "cowsay==6.1").returncode == 0
    # Code run in the session tries to plant a line in every cached and installed file.
    found, denied = map(int, msc("run", "-s", first, "-", input=POISON).stdout.split())
    assert found > 50 and denied == found
    # The second session of this home installs from the cache: offline, with no index at all.
    container = docker_client.containers.get(f"msc-dev-session-{second}")
    offline = container.exec_run([*OFFLINE_INSTALL, "cowsay==6.1"], user="installer")
    assert offline.exit_code == 0, offline.output.decode()
    ran = msc("run", "-s", second, "-", input="import cowsay\nprint('clean')")
    assert ran.stdout == "clean\n", ran.stdout + ran.stderr

    # Another home has its own cache volume, labelled with its home, with nothing of this one's in it.
    monkeypatch.setenv("MSC_HOME", str(tmp_path / "other-home"))
    other = new_session()
    try:
        mounts = {sid: [m for m in docker_client.containers.get(f"msc-dev-session-{sid}").attrs["Mounts"]
                        if m["Destination"] == "/cache"] for sid in (first, other)}
        assert mounts[first][0]["Name"] != mounts[other][0]["Name"]
        labels = docker_client.volumes.get(mounts[other][0]["Name"]).attrs["Labels"]
        assert labels == {"msc.home": str(tmp_path / "other-home")}
        refused = docker_client.containers.get(f"msc-dev-session-{other}").exec_run(
            [*OFFLINE_INSTALL, "cowsay==6.1"], user="installer")
        assert refused.exit_code != 0
    finally:
        remove_home_objects(docker_client, tmp_path / "other-home")


def test_install_only_network_user_code_sees_only_loopback_yet_installs_work(msc, new_session, docker_client):
    sid = new_session(network="install-only")
    assert interfaces_seen_by_user_code(msc, sid) == ["lo"]
    assert msc("install", sid, "six").returncode == 0
    assert "six" in pip_list(docker_client, sid)
    assert interfaces_seen_by_user_code(msc, sid) == ["lo"]  # the installer's network is gone again
    networks = docker_client.containers.get(f"msc-dev-session-{sid}").attrs["NetworkSettings"]["Networks"]
    assert networks == {}


def test_install_only_windows_are_shared_and_never_left_open(msc, msc_home, new_session, docker_client):
    sid = new_session(network="install-only")
    assert networks_of(docker_client, sid) == set()
    # two installs at once share one attach; both succeed, and the window closes after the last
    both = [subprocess.Popen([sys.executable, "-m", "msc_tui", "install", sid, spec], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for spec in ("six", "tabulate")]
    for process in both:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    assert networks_of(docker_client, sid) == set()
    assert {"six", "tabulate"} <= set(pip_list(docker_client, sid))

    # msc killed -9 with the window open: the next msc command closes it
    leave_a_window_open(docker_client, sid)
    done = msc("ls")
    assert done.returncode == 0 and "closed the network window" in done.stderr
    assert networks_of(docker_client, sid) == set()
    assert interfaces_seen_by_user_code(msc, sid) == ["lo"]


def test_network_none_has_only_loopback_and_refuses_installs(msc, new_session):
    sid = new_session(network="none")
    assert interfaces_seen_by_user_code(msc, sid) == ["lo"]
    done = msc("install", sid, "six")
    assert done.returncode == 2 and "network policy 'none'" in done.stderr


def test_normal_network_has_an_interface_besides_loopback(msc, new_session):
    sid = new_session()
    assert len(interfaces_seen_by_user_code(msc, sid)) > 1


def test_interrupted_install_leaves_a_usable_session_and_a_true_record(msc, msc_home, new_session,
                                                                       docker_client, start_msc):
    sid = new_session()
    process = start_msc("install", sid, "numpy", stderr=subprocess.STDOUT)
    assert "Resolved" in process.stdout.readline() + process.stdout.readline()  # the installer is running
    process.send_signal(signal.SIGINT)
    code, rest = process.wait(60), process.stdout.read()
    assert code in (0, 130), rest
    if code == 130:  # interrupted: said so in one line
        assert "msc: interrupted" in rest
    else:  # the install won the race: then it is complete
        assert "numpy" in pip_list(docker_client, sid)
    processes = docker_client.containers.get(f"msc-dev-session-{sid}").top()["Processes"]
    assert not [p for p in processes if "uv pip" in p[-1]]
    really = pip_list(docker_client, sid)
    recorded = {p.split("==")[0].lower(): p.split("==")[1] for p in record(msc_home, sid)["installed_packages"]}
    assert recorded == {name: v for name, v in really.items() if name in recorded}
    assert ("numpy" in recorded) == ("numpy" in really)
    assert msc("run", "-s", sid, "-", input="print('usable')").stdout == "usable\n"


def test_a_half_written_distribution_does_not_break_the_listing(msc, msc_home, new_session, docker_client):
    """What an install killed mid-write leaves behind: a dist-info folder with no metadata."""
    sid = new_session()
    assert msc("install", sid, "six").returncode == 0
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    planted = container.exec_run(["sh", "-c",
                                  "mkdir $(echo /opt/venv/lib/python3*/site-packages)/numpy-2.3.1.dist-info"],
                                 user="installer")
    assert planted.exit_code == 0
    listed = msc("packages", sid, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [p.split("==")[0] for p in json.loads(listed.stdout)["installed_packages"]] == ["six"]
    assert msc("install", sid, "tabulate").returncode == 0  # the session stays usable


def test_wheelhouse_installs_offline(msc, msc_home, tmp_path, docker_client):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    name, data = wheel("mscwheelhoused", "1.17.0", "VALUE = 'from the wheelhouse'\n")  # on no index anywhere
    (wheels / name).write_bytes(data)
    msc_home.mkdir(parents=True, exist_ok=True)
    (msc_home / "config.toml").write_text(f'[packages]\nwheelhouse = "{wheels}"\nindex_url = "none"\n')
    sid = json.loads(msc("run", "--new", "--json", "-", input="print(1)").stdout)["session"]
    done = msc("install", sid, "mscwheelhoused==1.17.0")
    assert done.returncode == 0, done.stderr
    assert pip_list(docker_client, sid)["mscwheelhoused"] == "1.17.0"
    missing = msc("install", sid, "tabulate")  # not in the wheelhouse, and no index
    assert missing.returncode == 1 and "tabulate" in missing.stderr


def test_unreachable_index_is_one_clear_line(msc, msc_home, new_session):
    sid = new_session()
    (msc_home / "config.toml").write_text('[packages]\nindex_url = "http://127.0.0.1:9/simple"\n')  # loopback
    done = msc("install", sid, "six")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("msc: install six failed: the package index is unreachable")


def test_auto_install_never_fetches_a_module_that_sits_beside_the_file(msc, msc_home, tmp_path, docker_client):
    project = tmp_path / "project"
    project.mkdir()
    (project / "six.py").write_text("VALUE = 'mine'\n")  # shadows a real PyPI name on purpose
    (project / "app.py").write_text("import six\nprint(six.VALUE)\n")
    sent = json.loads(msc("run", "--new", "--json", str(project / "app.py")).stdout)
    assert sent["success"] and sent["stdout"] == "mine\n"  # in the project, so in the session

    # Left out of the project (here by .mscignore), so not in the session: still never looked up on PyPI.
    (project / ".mscignore").write_text("six.py\n")
    (project / "app.py").write_text("import importlib\nprint(importlib.import_module('six').VALUE)\n")
    done = msc("run", "--new", "--auto-install", "--json", str(project / "app.py"))
    result = json.loads(done.stdout)
    assert not result["success"] and result["auto_installed"] == [] and result["missing_packages"] == []
    assert "six is your own module" in result["hints"][0]
    assert "six" not in pip_list(docker_client, result["session"])


def test_requested_packages_survive_a_state_file_rebuilt_from_labels(msc, msc_home, new_session, docker_client):
    sid = new_session()
    assert msc("install", sid, "six").returncode == 0
    (msc_home / "sessions.toml").unlink()
    listed = msc("ls", "--json")
    assert listed.returncode == 0 and sid in {r["session"] for r in json.loads(listed.stdout)}, listed.stderr
    assert record(msc_home, sid)["requested_packages"] == ["six"]
    shown = json.loads(msc("packages", sid, "--json").stdout)
    assert shown["requested_packages"] == ["six"] and any(p.startswith("six==") for p in shown["installed_packages"])
    # kept in the container as root's: the session's program cannot change what msc says was asked for
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    kept = container.exec_run(["sh", "-c", "stat -c '%U %a' /opt/msc/requested.d /opt/msc/requested.d/*"])
    assert kept.output.decode().splitlines() == ["root 755", "root 644"], kept.output
    for user in ("appuser", "installer"):
        forged = "echo '{\"version\": 1, \"add\": false, \"specs\": [\"six\"]}' > /opt/msc/requested.d/9.json"
        assert container.exec_run(["sh", "-c", forged], user=user).exit_code != 0
