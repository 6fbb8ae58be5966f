"""MCP servers as the assistant's tools.

:class:`~desktop.mcp.host.McpHost` runs the servers (stdio child processes or
streamable-HTTP URLs) with the official SDK on a thread of its own, names their
tools for the model and runs calls; :class:`~desktop.mcp.qt_bridge.McpBridge` is
its face for the GUI thread, with queued signals.
"""

from desktop.mcp.host import McpHost
from desktop.mcp.launch import ServerLaunch, launch_for
from desktop.mcp.records import CallOutcome, McpTool, ServerState, ServerStatus

__all__ = [
    "CallOutcome",
    "McpHost",
    "McpTool",
    "ServerLaunch",
    "ServerState",
    "ServerStatus",
    "launch_for",
]
