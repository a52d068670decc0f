"""msc df and msc clean against the real engine: only this home's objects, figures as Docker has them."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pty
import subprocess
import tarfile
import time
import tomllib
import uuid

import pytest

from tests import msc_forks
from tests.conftest import TEST_LABEL, TEST_RUN, remove_home_objects

# One worker for the module: `clean --everything` removes unused msc images engine-wide, among
# them the old images another test here makes and expects to find (a race seen side by side).
pytestmark = pytest.mark.xdist_group("cleanup")


def msc_in(home, *args, input=None):
    """The msc CLI with another MSC_HOME (a colleague on the same engine)."""
    return msc_forks.run(args, input=input, env={**os.environ, "MSC_HOME": str(home)})


def test_clean_everything_of_one_home_leaves_another_homes_and_foreign_containers(
        msc, msc_home, new_session, tmp_path, docker_client, raw_container):
    ours = new_session()
    colleague = tmp_path / "colleague"
    made = msc_in(colleague, "run", "--new", "--json", "-", input="print(1)")
    assert made.returncode == 0, made.stderr
    theirs = f"msc-dev-session-{json.loads(made.stdout)['session']}"
    foreign = raw_container(name=f"postgres-dev-{uuid.uuid4().hex[:6]}").name
    try:
        listed = {row["name"]: row for row in json.loads(msc("ls", "--all", "--json").stdout)}
        assert listed[theirs]["msc"] is False and listed[theirs]["owner"] == "other home"
        assert listed[theirs]["home"] == str(colleague) and listed[foreign]["owner"] == "not msc"
        # what the colleague installed is in their record, not here: unknown, never a false 0
        assert listed[theirs]["packages"] is None and listed[f"msc-dev-session-{ours}"]["packages"] == 0

        done = msc("clean", "--everything", "--yes", "--json")
        assert done.returncode == 0, done.stderr
        removed = json.loads(done.stdout)["removed"]
        assert f"msc-dev-session-{ours}" in removed and theirs not in removed and foreign not in removed
        assert not docker_client.containers.list(all=True, filters={"name": f"msc-dev-session-{ours}"})
        assert docker_client.containers.get(theirs).status == "running"
        assert docker_client.containers.get(foreign).status == "running"
        # the colleague's cache volume is theirs, in use or not
        assert docker_client.volumes.list(filters={"label": f"msc.home={colleague}"})
    finally:
        remove_home_objects(docker_client, colleague)



def engine_df(docker_client) -> dict:
    """docker-py's df, asked again while the engine is busy with another one (it refuses a second
    at once: "a disk usage operation is already running", which the suite's other workers cause)."""
    import docker

    for _ in range(30):
        try:
            return docker_client.df()
        except docker.errors.APIError as exc:
            if "already running" not in str(exc):
                raise
            time.sleep(1)
    return docker_client.df()


def test_df_figures_are_dockers_own(msc, msc_home, new_session, docker_client):
    sid = new_session()
    assert msc("install", sid, "six").returncode == 0
    report = json.loads(msc("df", "--json").stdout)
    items = {(i["kind"], i["name"]): i for i in report["items"]}
    docker_df = engine_df(docker_client)
    container = next(c for c in docker_df["Containers"] if c["Names"] == [f"/msc-dev-session-{sid}"])
    assert items["sessions", f"msc-dev-session-{sid}"]["size"] == container["SizeRw"]
    image = next(i for i in docker_df["Images"] if i["Id"] == container["ImageID"])
    ours = items["images", image["RepoTags"][0].removesuffix(":latest")]
    assert ours["size"] == image["Size"] and f"msc-dev-session-{sid}" in ours["users"]
    mount = next(m for m in container["Mounts"] if m["Destination"] == "/cache")
    volume = next(v for v in docker_df["Volumes"] if v["Name"] == mount["Name"])
    assert items["cache", mount["Name"]]["size"] == volume["UsageData"]["Size"] > 0
    assert items["records", sid]["reclaimable"] is False
    assert report["total"]["count"] == len(report["items"])
    text = msc("df")
    assert text.returncode == 0 and text.stdout.startswith("KIND") and "cache" in text.stdout


def old_image(tag: str, app_type: str, year: int) -> bytes:
    """`docker load` input for an image dated `year` (the engine keeps a loaded image's date):
    one empty layer and msc's labels. Far older than anything built here, so a clean limited
    to such ages touches this test's images only, never the images other tests keep."""
    layer = bytes(10240)  # an empty tar
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": f"{year}-01-01T00:00:00Z",
                         "config": {"Labels": {"msc.recipe": tag, "msc.app_type": app_type}},
                         "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(layer).hexdigest()}"]}})
    files = {"layer.tar": layer, f"{tag}.json": config.encode(),
             "manifest.json": json.dumps([{"Config": f"{tag}.json", "RepoTags": [f"{tag}:latest"],
                                           "Layers": ["layer.tar"]}]).encode()}
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return data.getvalue()


def test_clean_images_keeps_those_in_use_and_the_newest_per_app_type(msc, msc_home, docker_client):
    app_type = f"test-{uuid.uuid4().hex[:6]}"  # an app type of this test's alone: other images are not its business
    tags = [f"msc-test-{app_type}-{n}" for n in range(3)]
    for year, tag in zip((1990, 1991, 1992), tags, strict=True):
        docker_client.images.load(old_image(tag, app_type, year))
    user = docker_client.containers.create(tags[1], ["none"], labels={TEST_LABEL: TEST_RUN})  # in use, never started
    try:
        planned = json.loads(msc("clean", "--images", "--dry-run", "--json").stdout)["candidates"]
        planned = {name for name in planned if name.startswith(f"msc-test-{app_type}")}
        assert planned == {tags[0]}  # tags[1] is in use, tags[2] is the newest
        everything = json.loads(msc("clean", "--all-images", "--dry-run", "--json").stdout)["candidates"]
        assert {name for name in everything if name.startswith(f"msc-test-{app_type}")} == {tags[0], tags[2]}

        done = msc("clean", "--images", "--older-than", "10000d", "--yes", "--json")  # only images this old
        assert done.returncode == 0, done.stderr
        assert [name for name in json.loads(done.stdout)["removed"] if not name.startswith("msc-test-")] == []
        left = {t.split(":")[0] for i in docker_client.images.list() for t in i.tags}
        assert tags[0] not in left and {tags[1], tags[2]} <= left, done.stdout
    finally:
        user.remove(force=True)
        for tag in tags:
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_clean_records_removes_stale_records_and_files_of_removed_sessions(msc, msc_home, new_session):
    live, gone = new_session(), new_session()
    assert msc("rm", "--keep-record", gone).returncode == 0
    orphan = msc_home / "sessions" / "a0a0a0"
    orphan.mkdir(parents=True)
    (orphan / "old.py").write_text("print('old')\n")
    notes = msc_home / "projects"  # which project each was sent (a restore sends it again)
    notes.mkdir()
    for sid in (live, gone, "a0a0a0"):
        (notes / f"{sid}-sent.json").write_text('{"root": "/src", "files": ["app.py"]}')

    planned = json.loads(msc("clean", "--records", "--dry-run", "--json").stdout)
    assert set(planned["candidates"]) == {gone, "a0a0a0"} and planned["frees"] > 0
    assert {i["kind"] for i in planned["items"]} == {"records"}
    refused = msc("clean", "--records")  # no terminal to ask on: one line, nothing removed
    assert refused.returncode == 2 and "would remove 2 objects (" in refused.stderr, refused.stderr
    done = msc("clean", "--records", "--yes")
    assert done.returncode == 0, done.stderr
    records = tomllib.loads((msc_home / "sessions.toml").read_text())["sessions"]
    assert set(records) == {live}
    assert not orphan.exists() and not (msc_home / "sessions" / gone).exists()
    assert (msc_home / "sessions" / live / "main.py").exists()
    assert sorted(p.name for p in notes.iterdir()) == [f"{live}-sent.json"]
    assert msc("clean", "--records", "--yes").stdout.strip() == "nothing to clean"
    (msc_home / "sessions" / "b0b0b0").mkdir()
    assert "would remove 1 object (" in msc("clean", "--records").stderr
    controller, terminal = pty.openpty()  # asked on a terminal, answered no: kept
    os.write(controller, b"n\n")
    with os.fdopen(terminal, "rb", buffering=0) as answers:
        asked = msc_forks.run(["clean", "--records"], stdin=answers, timeout=60)
    os.close(controller)
    assert asked.returncode == 1 and "Remove it (" in asked.stderr and "nothing removed" in asked.stdout, asked
    assert (msc_home / "sessions" / "b0b0b0").exists()


def test_a_state_directory_with_a_quote_and_a_space_works(tmp_path, base_image, docker_client, monkeypatch):
    monkeypatch.setenv("MSC_BASE_IMAGE", base_image)
    home = tmp_path / 'we"ird home\\x'
    try:
        made = msc_in(home, "run", "--new", "--json", "-", input="print('odd home')")
        assert made.returncode == 0, made.stderr
        sid = json.loads(made.stdout)["session"]
        listed = json.loads(msc_in(home, "ls", "--json").stdout)
        assert [row["session"] for row in listed] == [sid]
        df = json.loads(msc_in(home, "df", "--json").stdout)
        assert df["sessions"]["count"] == 1 and df["cache"]["count"] == 1
        assert msc_in(home, "clean", "--everything", "--yes").returncode == 0
        assert not docker_client.containers.list(all=True, filters={"label": f"msc.home={home}"})
    finally:
        remove_home_objects(docker_client, home)
