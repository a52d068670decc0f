import multiprocessing

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
                           session_files=["main.py"], installed_packages=["six==1.17.0"], last_used=5.0)
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
