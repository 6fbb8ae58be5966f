"""One tool call, from the model's JSON arguments to the outcome for model and user.

Whatever happens (the tool reports an error, it times out, its server dies or was
never running, the arguments are not JSON), the call ends with an outcome: an
error output the model can read aloud, and a line for the user.
"""

from __future__ import annotations

import json
import time
from typing import Any

from mcp import MCPError
from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from desktop.mcp.connection import NotRunning, ServerConnection
from desktop.mcp.failures import describe_failure
from desktop.mcp.records import CallOutcome, McpTool, error_output
from desktop.mcp.results import error_text, result_text


async def run_call(
    call_id: str, tool: McpTool, connection: ServerConnection | None, arguments: str
) -> CallOutcome:
    started = time.monotonic()
    label = f"{tool.title} ({tool.server})"

    def outcome(output: str, ok: bool, user_message: str | None = None) -> CallOutcome:
        return CallOutcome(
            call_id=call_id,
            function_name=tool.function_name,
            server=tool.server,
            tool_name=tool.tool_name,
            output=output,
            ok=ok,
            user_message=user_message,
            elapsed_s=time.monotonic() - started,
        )

    def failed(for_model: str, for_user: str) -> CallOutcome:
        return outcome(error_output(for_model), False, for_user)

    parsed = _arguments(arguments)
    if parsed is None:
        return failed(
            "the arguments are not a JSON object",
            f"The assistant called {label} with arguments that are not a JSON object.",
        )
    if connection is None:
        return failed(
            f"the {tool.server} server is not running",
            f"{label} could not run: its server is not running.",
        )
    try:
        result = await connection.call(tool.tool_name, parsed)
    except NotRunning as exc:
        return failed(
            f"the {tool.server} server is not running",
            f"{label} could not run: {exc}",
        )
    except MCPError as exc:
        if exc.code == REQUEST_TIMEOUT:
            seconds = f"{connection.launch.call_timeout_s:g}"
            return failed(
                f"the tool did not finish within {seconds} seconds",
                f"{label} timed out after {seconds} s.",
            )
        if exc.code == CONNECTION_CLOSED:
            lost = "stopped" if connection.launch.transport == "stdio" else "could not be reached"
            return failed(
                f"the {tool.server} server {lost} while running the tool",
                f"The server {tool.server} {lost} during {tool.title}.",
            )
        hint = connection.http_hint()
        reason = hint or exc.message
        return failed(f"the server refused the call: {reason}", f"{label} failed: {reason}.")
    except Exception as exc:  # the transport's own errors, worded for people
        reason = describe_failure(exc, connection.launch, None)
        return failed(
            f"the {tool.server} server could not be reached: {reason}",
            f"{label} failed: {reason}.",
        )
    if result.is_error:
        reason = error_text(result)
        return failed(reason, f"{label} reported an error: {reason}")
    return outcome(result_text(result), True)


def _arguments(arguments: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
