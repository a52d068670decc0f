"""The warm pool's record rules (core/pool_claim.py): which pool records retire, which are claimed."""

import asyncio

from msc_tui.core.pool_claim import MAKE_GRACE_S, RETIRING, claim, expired, lost
from msc_tui.core.state import SessionRecord, StateStore

NOW = 1_000_000.0


def record(sid: str, pool: str = "", created: float = NOW, made: bool = True) -> SessionRecord:
    return SessionRecord(id=sid, container_name=f"msc-dev-session-{sid}", image="i", app_type="basic_app",
                         container_id="c" + sid if made else "", created_at=created, last_used=created, pool=pool)


def test_idle_half_made_half_retired_and_lost_pool_records_retire():
    records = {r.id: r for r in (
        record("user1", created=NOW - 5000),  # a session: never the pool's to retire
        record("fresh", "k", NOW - 10),
        record("idle", "k", NOW - 700),
        record("making", "k", NOW - 5, made=False),
        record("stuck", "k", NOW - MAKE_GRACE_S - 1, made=False),
        record("half", RETIRING, NOW - 1),
        record("gone", "k", NOW - 10),
    )}
    gone = lost(records, {"msc-dev-session-fresh", "msc-dev-session-user1", "msc-dev-session-idle"})
    assert gone == {"gone"}  # (made, absent from the listing; "making" has no container yet)
    assert sorted(expired(600, gone, NOW)(records)) == ["gone", "half", "idle", "stuck"]
    records["user2"] = record("user2", created=NOW - 100)  # a new session 100 s ago: the pool waits on
    assert sorted(expired(600, set(), NOW)(records)) == ["half", "stuck"]


def test_a_claim_takes_a_ready_matching_one_once(tmp_path):
    store = StateStore(tmp_path / "sessions.toml")
    store.update(lambda rs: rs.update({r.id: r for r in (
        record("other", "k2"), record("making", "k", made=False), record("old", "k", NOW - 9),
        record("warm", "k", NOW - 20))}))

    async def claims():
        return [await claim(store, "k", {"msc-dev-session-warm"}) for _ in range(3)]
    first, second, third = asyncio.run(claims())
    assert (first.id, second.id, third) == ("warm", "old", None)  # this process's warm one first
    kept = store.read()
    assert kept["warm"].pool == "" and kept["warm"].created_at > NOW and kept["making"].pool == "k"
    assert kept["other"].pool == "k2"
