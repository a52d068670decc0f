"""The requested list kept in a session's container (core/requested.py) when two clients install
into the same session at the same instant (a pair, two MSC_HOMEs): no update is lost."""

from __future__ import annotations

import asyncio

from msc_tui.core import requested
from msc_tui.engine import Engine


def test_installs_from_two_clients_at_once_are_all_kept(raw_container):
    container = raw_container()
    assert container.exec_run(["mkdir", "-p", "/opt/msc"], user="root").exit_code == 0
    specs = [f"package{i}" for i in range(12)]

    async def two_clients() -> list[str]:
        ann, bob = await Engine.connect(), await Engine.connect()  # two connections, as two msc processes
        try:
            await asyncio.gather(*(requested.remember(ann if i % 2 else bob, container.name, [spec], add=True)
                                   for i, spec in enumerate(specs)))
            await requested.remember(bob, container.name, ["package3"], add=False)
            await requested.remember(ann, container.name, ["package5==2.0"], add=True)
            return await requested.read(ann, container.name)
        finally:
            await ann.close()
            await bob.close()

    kept = asyncio.run(two_clients())
    expected = [s for s in specs if s not in ("package3", "package5")] + ["package5==2.0"]
    assert sorted(kept) == sorted(expected)
    # what the container holds, as docker itself sees it: root's files no session user can add to
    listing = container.exec_run(["sh", "-c", "stat -c '%U %a' /opt/msc/requested.d /opt/msc/requested.d/* | sort -u"])
    assert listing.output.decode().split("\n")[:2] == ["root 644", "root 755"], listing.output
    assert container.exec_run(["touch", "/opt/msc/requested.d/forged.json"], user="nobody").exit_code != 0
