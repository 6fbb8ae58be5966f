"""MCP tools: what Parley's host adds to a tool call, beside the SDK's own client.

Both sides run the demo stdio server of the tests (built with the SDK's server
API) and call its ``lookup_word`` tool, one call at a time, in the same run:

* **the baseline**: the SDK's ``ClientSession`` over ``stdio_client``, awaited
  on the calling thread's own event loop (the least a client can do);
* **Parley**: ``McpHost``, the SDK on a thread of its own, called from another
  thread through a future, as the conversation calls it (the Qt bridge adds
  one queued signal to that, which the UI benchmarks measure on their own).

Printed: start of the server process to its tools listed, and per call the
median, p95 and max, for both, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from desktop.mcp.host import McpHost
from tests.support.mcp_servers import DEMO, demo_launch, settled

ARGUMENTS = '{"word": "parley"}'


def summary(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"median {statistics.median(ordered) * 1000:.2f} ms, "
        f"p95 {p95 * 1000:.2f} ms, max {ordered[-1] * 1000:.2f} ms"
    )


async def sdk_run(calls: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    parameters = StdioServerParameters(command=sys.executable, args=[DEMO])
    async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await session.list_tools()
        ready = time.perf_counter() - started
        times = []
        for _ in range(calls):
            begun = time.perf_counter()
            result = await session.call_tool("lookup_word", {"word": "parley"})
            times.append(time.perf_counter() - begun)
            assert not result.is_error
    return ready, times


def host_run(calls: int) -> tuple[float, list[float]]:
    host = McpHost()
    host.start()
    try:
        started = time.perf_counter()
        host.configure([demo_launch()])
        settled(host, 1)
        ready = time.perf_counter() - started
        assert host.find("demo__lookup_word") is not None, host.statuses()
        times = []
        for number in range(calls):
            begun = time.perf_counter()
            outcome = host.call(f"call_{number}", "demo__lookup_word", ARGUMENTS).result(30)
            times.append(time.perf_counter() - begun)
            assert outcome.ok, outcome.output
        return ready, times
    finally:
        host.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    for round_number in range(1, options.rounds + 1):
        sdk_ready, sdk_calls = asyncio.run(sdk_run(options.calls))
        host_ready, host_calls = host_run(options.calls)
        ratio = statistics.median(host_calls) / statistics.median(sdk_calls)
        print(f"round {round_number} ({options.calls} calls each)")
        print(f"  start to tools listed: SDK {sdk_ready:.2f} s, Parley {host_ready:.2f} s")
        print(f"  call, SDK alone: {summary(sdk_calls)}")
        print(f"  call, Parley's host: {summary(host_calls)}")
        print(f"  Parley / SDK, median call: {ratio:.2f}")


if __name__ == "__main__":
    main()
