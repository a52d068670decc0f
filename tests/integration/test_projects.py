"""A script's project folder mirrored into the session: data files travel, only changes move."""

from __future__ import annotations

import json
import subprocess
import time

from tests import msc_forks


def run_in(msc, folder, *args):
    """msc run started from `folder` (the working directory matters, as for python)."""
    done = msc_forks.run(["run", "--json", *args], cwd=folder, timeout=300)
    return json.loads(done.stdout)


def test_data_files_travel_and_only_what_changed_moves(msc, msc_home, tmp_path, docker_client):
    root = tmp_path / "shop"
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    (root / ".venv").mkdir()
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (root / "data" / "prices.csv").write_text("apple,3\npear,4\n")
    (root / "notes.tmp").write_text("left out by .mscignore\n")
    (root / ".mscignore").write_text("# scratch files\n*.tmp\n")
    (root / "src" / "app.py").write_text(
        "import csv, os\nprint(os.getcwd())\nprint(sum(int(r[1]) for r in csv.reader(open('data/prices.csv'))))\n")

    (root / "data" / "prices.csv").chmod(0o640)
    since = int(time.time()) - 1
    first = run_in(msc, root, "--new", "src/app.py")
    assert first["success"], first["stderr"]
    assert first["stdout"] == "/app\n7\n"  # started from the project's root, as python src/app.py would be
    sid = first["session"]
    sent = first["project"]
    assert sent["root"] == str(root) and sent["why"] == "pyproject.toml"
    assert sent["sent_files"] == sent["files"] == 4  # pyproject, .mscignore, prices.csv, app.py
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    listed = container.exec_run(["find", "/app", "-type", "f"]).output.decode().split()
    assert sorted(listed) == ["/app/.mscignore", "/app/data/prices.csv", "/app/pyproject.toml", "/app/src/app.py"]
    # A new session's small project came with the run request (no archive into the container),
    # written as the program's user, its permission bits kept.
    extracts = docker_client.events(since=since, until=int(time.time()) + 1, decode=True,
                                    filters={"container": container.id, "event": "extract-to-dir"})
    assert list(extracts) == []
    stat = ["stat", "-c", "%U %a", "/app/data/prices.csv", "/app/src/app.py"]
    assert container.exec_run(stat).output.decode().split("\n")[:2] == ["appuser 640", "appuser 644"]

    again = run_in(msc, root, "-s", sid, "src/app.py")
    assert again["project"]["sent_files"] == 0 and again["project"]["sent_bytes"] == 0

    (root / "data" / "prices.csv").write_text("apple,3\npear,4\nplum,5\n")
    (root / ".mscignore").unlink()
    changed = run_in(msc, root / "src", "-s", sid, "app.py")  # from inside src/: the program starts there
    assert changed["project"]["sent_files"] == 2  # prices.csv, and notes.tmp now that nothing ignores it
    assert changed["project"]["deleted"] == [".mscignore"]
    assert changed["stdout"].startswith("/app/src\n") and "FileNotFoundError" in changed["stderr"]
    assert container.exec_run(["cat", "/app/data/prices.csv"], user="appuser").output.decode().endswith("plum,5\n")
    assert container.exec_run(["test", "-e", "/app/.mscignore"]).exit_code == 1
    owner = container.exec_run(["stat", "-c", "%U", "/app/data/prices.csv"]).output.decode().strip()
    assert owner == "appuser"  # the program can rewrite its data


def test_git_ignored_files_stay_home_and_big_projects_are_refused(msc, msc_home, tmp_path, docker_client):
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("secrets.env\nbuild/\n")
    (root / "secrets.env").write_text("TOKEN=1\n")
    (root / "build").mkdir()
    (root / "build" / "out.bin").write_bytes(b"x" * 20 * 2**20)  # 20 MB, ignored: never travels
    (root / "app.py").write_text("import os\nprint(sorted(os.listdir('.')))\n")
    done = run_in(msc, root, "--new", "app.py")
    assert done["success"] and done["stdout"] == "['.gitignore', 'app.py']\n"
    assert done["project"]["why"] == "git repository" and done["project"]["sent_bytes"] < 2**20

    odd = root / b"caf\xe9.txt".decode("utf-8", "surrogateescape")  # a Latin-1 name, not UTF-8
    odd.write_text("x")
    refused_name = msc("run", "-s", done["session"], str(root / "app.py"))
    assert refused_name.returncode == 2 and "not UTF-8" in refused_name.stderr
    assert len(refused_name.stderr.strip().splitlines()) == 1  # the one error (nothing travelled)
    odd.unlink()

    msc_home.mkdir(parents=True, exist_ok=True)
    (msc_home / "config.toml").write_text("[project]\nmax_files = 1\n")
    refused = msc("run", "-s", done["session"], str(root / "app.py"))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "over the limit of 1 files" in refused.stderr and "max_files" in refused.stderr


def test_results_are_listed_and_copy_both_ways_stays_in_app_and_tmp(msc, msc_home, tmp_path, docker_client):
    root = tmp_path / "job"
    root.mkdir()
    (root / "app.py").write_text("import os\nos.makedirs('results', exist_ok=True)\n"
                                 "open('results/out.csv', 'w').write('a,1\\n')\nprint('done')\n")
    done = run_in(msc, root, "--new", "app.py")
    assert done["success"] and done["changed_files"] == ["results/out.csv"]
    sid = done["session"]
    text = msc("run", "-s", sid, str(root / "app.py"))
    assert f"the program wrote results/out.csv (msc cp {sid}:/app/PATH . brings one back)" in text.stderr

    back = tmp_path / "back"
    back.mkdir()
    assert msc("cp", f"{sid}:/app/results", str(back)).returncode == 0  # a folder, into a local folder
    assert (back / "results" / "out.csv").read_text() == "a,1\n"
    assert msc("cp", f"{sid}:results/out.csv", str(back / "renamed.csv")).returncode == 0  # relative: /app
    assert (back / "renamed.csv").read_text() == "a,1\n"

    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "more.json").write_text("{}")
    assert msc("cp", str(tmp_path / "extra"), f"msc-dev-session-{sid}:/tmp/").returncode == 0
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.exec_run(["cat", "/tmp/extra/more.json"]).output == b"{}"
    assert container.exec_run(["stat", "-c", "%U", "/tmp/extra/more.json"]).output.decode().strip() == "appuser"

    for args in ((str(back / "renamed.csv"), f"{sid}:/etc/x"), (f"{sid}:/app/../etc/passwd", str(back)),
                 (str(back), str(tmp_path)), (f"{sid}:/app/a", f"{sid}:/app/b")):
        refused = msc("cp", *args)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, args
    assert not (back / "passwd").exists()
    missing = msc("cp", str(tmp_path / "no-such-file"), f"{sid}:/app/")
    assert missing.returncode == 4 and "no such file" in missing.stderr
    assert container.exec_run(["ln", "-s", "/etc/passwd", "/app/results/evil"], user="appuser").exit_code == 0
    linked = msc("cp", f"{sid}:/app/results", str(tmp_path / "linked"))
    assert linked.returncode == 2 and "refused to unpack" in linked.stderr and "Traceback" not in linked.stderr

    listed = json.loads(msc("files", sid, "--json").stdout)["files"]
    assert {f["path"] for f in listed} == {"app.py", "results/out.csv"}
    assert next(f for f in listed if f["path"] == "results/out.csv")["size"] == 4


def test_links_out_are_not_followed_and_a_restore_brings_the_project_back(msc, msc_home, tmp_path, docker_client):
    root = tmp_path / "proj"
    root.mkdir()
    secret = tmp_path / "outside.txt"
    secret.write_text("not for the session\n")
    (root / "leak.txt").symlink_to(secret)
    (root / "data.txt").write_text("kept\n")
    (root / "app.py").write_text("import os\nprint(sorted(os.listdir('.')))\n")
    done = msc("run", "--new", "--json", str(root / "app.py"))
    result = json.loads(done.stdout)
    assert result["stdout"] == "['app.py', 'data.txt']\n"
    assert "msc: not followed (links out of the project): leak.txt" in done.stderr  # said when files travel
    quiet = msc("run", "-s", result["session"], str(root / "app.py"))
    assert quiet.stderr == ""  # a rerun with nothing to send says nothing

    sid = result["session"]
    assert msc("rm", "--keep-record", sid).returncode == 0
    assert msc("restore", sid).returncode == 0
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.exec_run(["cat", "/app/data.txt"]).output == b"kept\n"  # the project came back


def test_a_full_disk_in_the_session_is_one_line_and_the_session_keeps_working(msc, msc_home, tmp_path,
                                                                             docker_client):
    """/app on a 1 MiB filesystem: the engine answers 'no space left on device' as on a full disk."""
    import docker

    root = tmp_path / "full"
    root.mkdir()
    (root / "app.py").write_text("print(open('small.txt').read())\n")
    (root / "small.txt").write_text("fits\n")
    first = json.loads(msc("run", "--json", "--new", str(root / "app.py")).stdout)
    name = f"msc-dev-session-{first['session']}"
    # The same session again, with /app on a small tmpfs volume (labels and settings kept).
    before = docker_client.api.inspect_container(name)
    volume = docker_client.volumes.create(f"msc-test-small-{first['session']}", driver="local", labels={
        "msc.test": "1", "msc.home": str(msc_home)}, driver_opts={"type": "tmpfs", "device": "tmpfs",
                                                                "o": "size=1m,uid=1000"})
    docker_client.containers.get(name).remove(force=True)
    mounts = [docker.types.Mount("/app", volume.name)] + [
        docker.types.Mount(m["Destination"], m["Name"]) for m in before["Mounts"] if m["Type"] == "volume"]
    host = docker_client.api.create_host_config(init=True, cap_drop=["ALL"], mounts=mounts,
                                                network_mode=before["HostConfig"]["NetworkMode"])
    docker_client.api.create_container(before["Config"]["Image"], before["Config"]["Cmd"], name=name,
                                       user="appuser", working_dir="/app", labels=before["Config"]["Labels"],
                                       host_config=host)
    docker_client.api.start(name)
    # The new /app is empty and holds no record: everything travels again (this machine's notes do not count).

    (root / "big.bin").write_bytes(b"\0" * 3 * 2**20)
    refused = msc("run", "-s", first["session"], str(root / "app.py"))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "the session's disk is full: 3 files (3.0 MiB) did not fit" in refused.stderr.splitlines()[-1]
    assert len(refused.stderr.strip().splitlines()) == 1  # the one error (nothing travelled)
    container = docker_client.containers.get(name)
    assert container.exec_run(["ls", "/app"]).output == b""  # nothing half-written stays

    (root / "big.bin").unlink()
    again = json.loads(msc("run", "--json", "-s", first["session"], str(root / "app.py")).stdout)
    assert again["success"] and again["stdout"] == "fits\n\n"  # the session keeps working

    filler = root / "fill.py"  # now the program itself fills the disk
    filler.write_text("with open('fill.bin', 'wb') as f:\n    while True:\n        f.write(bytes(65536))\n")
    full = json.loads(msc("run", "--json", "-s", first["session"], str(filler)).stdout)
    assert full["exit_code"] == 1 and "No space left on device" in full["stderr"]
    filler.write_text("print('still here')\n")
    after = msc("run", "-s", first["session"], str(filler))
    assert after.returncode == 0 and after.stdout == "still here\n"
