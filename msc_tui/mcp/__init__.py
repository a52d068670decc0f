"""`msc mcp`: the agents' face, an MCP server over stdio (one per client) on the core.

The MCP SDK is imported by `server` only, so `msc` starts as fast without it; the other modules
are the tools (`tools`), what their results look like (`shaping`), the outputs kept for
`run_output` (`kept`), how a request's progress and cancellation reach the core (`calls`) and
stdio on asyncio's pipes (`pipes`).
"""
