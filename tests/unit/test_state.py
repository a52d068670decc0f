import multiprocessing
import stat

from msc_tui.core.state import SessionRecord, StateStore


def _add_many(path, prefix, count):
    store = StateStore(path)
    for i in range(count):
        sid = f"{prefix}{i}"
        store.update(lambda records, sid=sid: records.__setitem__(
            sid, SessionRecord(id=sid, container_name=f"msc-dev-session-{sid}", image="img", app_type="basic_app")))


def test_two_processes_updating_at_once_lose_nothing(tmp_path):
    path = tmp_path / "sessions.toml"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_many, args=(path, prefix, 40)) for prefix in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert set(StateStore(path).read()) == {f"{p}{i}" for p in "ab" for i in range(40)}


def test_round_trip_and_unknown_keys_are_ignored(tmp_path):
    store = StateStore(tmp_path / "sessions.toml")
    record = SessionRecord(id="abc", container_name="msc-dev-session-abc", image="img", app_type="gui_app",
                           session_files=["main.py"], installed_packages=["six==1.17.0"], last_used=5.0,
                           forked_from="f00d")
    store.update(lambda records: records.__setitem__("abc", record))
    assert store.read() == {"abc": record}
    text = (tmp_path / "sessions.toml").read_text().replace("[sessions.abc]", "[sessions.abc]\nfuture_key = 1")
    (tmp_path / "sessions.toml").write_text(text)
    assert store.read()["abc"] == record


def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path):
    path = tmp_path / "sessions.toml"
    path.write_text("garbage = [")
    store = StateStore(path)
    assert store.read() == {} and store.recovered
    assert len(store.warnings) == 1 and "corrupt" in store.warnings[0]
    aside = list(tmp_path.glob("sessions.toml.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "garbage = ["
    assert not path.exists()


def test_undecodable_mistyped_or_misplaced_records_move_the_file_aside(tmp_path):
    good = '[sessions.abc]\ncontainer_name = "msc-dev-session-abc"\nimage = "img"\napp_type = "basic_app"\n'
    for broken in (b"\xff\xfe\x00garbage\x9c", good.replace('app_type = "basic_app"', "app_type = 7").encode(),
                   (good + "session_files = 5\n").encode(), (good + 'last_used = "yesterday"\n').encode(),
                   (good + "forked_from = 3\n").encode(),
                   good.replace('"msc-dev-session-abc"', "7").encode(), good.replace("abc", "../x").encode(),
                   b"sessions = 3\n"):
        path = tmp_path / "sessions.toml"
        path.write_bytes(broken)
        store = StateStore(path)
        assert store.read() == {} and store.recovered, broken
        assert not path.exists() and len(store.warnings) == 1
        for aside in tmp_path.glob("sessions.toml.corrupt-*"):
            aside.unlink()
    path.write_text(good + "last_used = 5\n")  # an integer time is still a time
    assert StateStore(path).read()["abc"].last_used == 5.0


def test_a_held_lock_times_out_naming_its_holder_and_a_read_only_home_is_one_line(tmp_path, monkeypatch):
    import fcntl
    import os

    import pytest

    from msc_tui.core import state
    from msc_tui.errors import MscError

    monkeypatch.setattr(state, "LOCK_TIMEOUT_S", 0.3)
    store = StateStore(tmp_path / "sessions.toml")
    with open(tmp_path / "sessions.toml.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 4242 (msc install)")
        held.flush()
        with pytest.raises(MscError, match="locked for over 0s by pid 4242"):
            store.update(lambda records: None)
    if os.geteuid() != 0:  # root writes anyway
        tmp_path.chmod(0o555)
        try:
            with pytest.raises(MscError, match="cannot"):
                store.update(lambda records: None)
        finally:
            tmp_path.chmod(0o755)


def test_a_held_lock_names_its_real_holder_not_the_last_msc_that_wrote_into_it(tmp_path, monkeypatch):
    """A process that takes the lock and writes nothing (flock(1), a stuck tool) is named by the
    kernel's lock table, never by what an earlier holder (the run agent) left in the file."""
    import subprocess
    import sys

    import pytest

    from msc_tui.core import state
    from msc_tui.errors import MscError

    monkeypatch.setattr(state, "LOCK_TIMEOUT_S", 0.3)
    lock = tmp_path / "sessions.toml.lock"
    lock.write_text("pid 1 (python -m msc_tui.cli.agent)")  # an earlier holder's words
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1]); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
                               str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(MscError, match=rf"locked for over 0s by pid {holder.pid} \(.*-c import fcntl"):
            StateStore(tmp_path / "sessions.toml").update(lambda records: None)
    finally:
        holder.kill()
        holder.wait()
    StateStore(tmp_path / "sessions.toml").update(lambda records: None)
    assert lock.read_text() == ""  # a holder leaves no name behind to be mistaken for the next one


def test_a_new_home_is_made_private_before_anything_is_written_in_it(tmp_path):
    # It holds your code (session files) and what your projects sent: other accounts on the
    # machine are untrusted. `msc ls` or the TUI made it first with the umask's 0755.
    from msc_tui.core.home_folder import check_home_folder

    home = tmp_path / "shared" / "msc-home"
    check_home_folder(home)
    assert home.is_dir() and stat.S_IMODE(home.stat().st_mode) == 0o700
    home.chmod(0o750)  # one the user made, or chose to share: left as it is
    check_home_folder(home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o750
