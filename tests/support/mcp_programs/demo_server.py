"""A small stdio MCP server for the tests, built with the SDK's own server API.

Run as ``python demo_server.py [--stubborn] [--fail-start]``:
``--stubborn`` ignores SIGTERM and keeps running after its stdin closes (only SIGKILL
stops it), with a grandchild process of its own; ``--fail-start`` prints a reason on
stderr and exits at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from mcp.server.mcpserver import Image, MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("demo")
children: list[subprocess.Popen[bytes]] = []

#: A 1x1 transparent PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@server.tool(
    description="Look up the meaning of a word in the dictionary",
    annotations=ToolAnnotations(read_only_hint=True),
)
def lookup_word(word: str) -> str:
    return f"{word}: a word the demo dictionary knows."


@server.tool(description="Wait for a number of seconds, then say done")
async def slow(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "done"


@server.tool(description="Exit the server process in the middle of the call")
def crash() -> str:
    print("demo server: crashing on purpose", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool(description="Fail with an error message")
def fail() -> str:
    raise ValueError("the demo tool failed on purpose")


@server.tool(description="Draw a picture")
def picture() -> Image:
    return Image(data=PIXEL, format="png")


@server.tool(description="The process ids of the server and of its child process")
def pids() -> str:
    return " ".join(str(pid) for pid in [os.getpid(), *(child.pid for child in children)])


@server.tool(description="The value of an environment variable of the server")
def environment(name: str) -> str:
    return os.environ.get(name, "(not set)")


@server.tool(description="Stop writing to the error output, and go on serving")
def quiet() -> str:
    # The SDK's stdio server points fd 1 at the error output too (stray prints must
    # not corrupt the protocol), so both leave it.
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(null, fd)
    return "quiet now"


def main() -> None:
    if "--fail-start" in sys.argv:
        print("demo server: cannot start, the configuration is missing", file=sys.stderr)
        sys.exit(2)
    print("demo server: ready", file=sys.stderr, flush=True)
    if "--stubborn" in sys.argv:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        children.append(subprocess.Popen(["sleep", "600"]))
    server.run()
    if "--stubborn" in sys.argv:
        time.sleep(600)  # stdin closed: a well-behaved server would exit now


if __name__ == "__main__":
    main()
