"""Which MCP tools are offered to the model, and which ask the user before running.

A server's ``ask`` setting gives the default (by default, tools the server marks
read-only run without asking and the others ask); ``tool_rules`` names exceptions.
Read-only is the server's own claim: it is trusted only as far as the user's
``ask`` setting for that server says.
"""

from __future__ import annotations

from typing import Literal

from desktop.config.settings import McpServerSettings
from desktop.mcp.records import McpTool

Rule = Literal["ask", "allow", "off"]


def tool_rule(tool: McpTool, server: McpServerSettings | None) -> Rule:
    if server is None:
        return "ask"
    rule = server.tool_rules.get(tool.tool_name)
    if rule is not None:
        return rule
    if server.ask == "always":
        return "ask"
    if server.ask == "never":
        return "allow"
    return "allow" if tool.read_only else "ask"


def is_offered(tool: McpTool, server: McpServerSettings | None) -> bool:
    return tool_rule(tool, server) != "off"


def needs_confirmation(tool: McpTool, server: McpServerSettings | None) -> bool:
    return tool_rule(tool, server) == "ask"
