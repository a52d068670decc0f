"""run_code of print(1) through `msc mcp` (the SDK's own client over stdio) vs the Python API's warm run.

Target (MCP issue): run_code in an existing session costs at most 1.2x the API's warm run. Both use
one session; the MCP server keeps its own warm servers there, as the API does. The paths are
interleaved round by round, the first rounds (warm servers starting) not counted.
    python bench/bench_mcp.py [rounds]
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from common import median_ms, private_home
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from msc_tui import DockerManager

CODE = "print(1)"
WARMUP = 5


async def measure(rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"api": [], "mcp": []}
    params = StdioServerParameters(command=sys.executable, args=["-m", "msc_tui", "mcp"], env=dict(os.environ))
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            for i in range(rounds + WARMUP):
                started = time.perf_counter()
                result = await client.call_tool("run_code", {"session": name, "code": CODE})
                took_mcp = time.perf_counter() - started
                assert result.structured_content["stdout"] == "1\n", result.content
                started = time.perf_counter()
                assert dm.execute_in_container(name, CODE)["stdout"] == "1\n"  # (blocks this loop: nothing runs)
                took_api = time.perf_counter() - started
                if i >= WARMUP:
                    samples["mcp"].append(took_mcp)
                    samples["api"].append(took_api)
    return samples


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with private_home():
        samples = asyncio.run(measure(rounds))
    m = {name: median_ms(s) for name, s in samples.items()}
    print(f"medians of {rounds} interleaved rounds, print(1), one session (machine: {os.cpu_count()} cores)")
    print(f"Python API, warm run (DockerManager):       {m['api']:6.1f} ms")
    print(f"MCP run_code (SDK client, stdio, msc mcp):  {m['mcp']:6.1f} ms  ratio {m['mcp'] / m['api']:.2f}x "
          "(target <= 1.2x)")
