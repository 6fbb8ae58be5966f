"""How to reach one MCP server: its settings with its secrets filled in.

Secrets (an HTTP server's bearer token, the values of a stdio server's
``secret_env`` variables) are kept in the key store under the slots named here,
never in the settings file; a :class:`ServerLaunch` holds them out of its repr.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from desktop.config.secrets import KeyStore
from desktop.config.settings import McpServerSettings

#: Variables a server gets from Parley's environment besides the SDK's safe few
#: (HOME, PATH, USER...); anything else, API keys above all, stays with Parley.
PASSED_ENVIRONMENT = ("LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "XDG_RUNTIME_DIR")


def token_slot(server: str) -> str:
    """The key-store slot of an HTTP server's bearer token."""
    return f"mcp-token:{server}"


def env_slot(server: str, variable: str) -> str:
    """The key-store slot of a secret environment variable of a stdio server."""
    return f"mcp-env:{server}:{variable}"


@dataclass(frozen=True)
class ServerLaunch:
    """Everything needed to start one server; equal launches need no restart."""

    name: str
    enabled: bool
    transport: Literal["stdio", "http"]
    call_timeout_s: float = 30.0
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False)
    working_directory: str = ""
    url: str = ""
    bearer_token: str | None = field(default=None, repr=False)
    missing_secrets: tuple[str, ...] = ()

    def child_environment(self) -> dict[str, str]:
        """The variables added to the SDK's safe defaults for a stdio server."""
        passed = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
        return passed | dict(self.env)


def launch_for(server: McpServerSettings, secrets: KeyStore | None) -> ServerLaunch:
    """The launch of ``server``, with its secrets looked up in ``secrets``."""
    env = dict(server.env)
    missing: list[str] = []
    for variable in server.secret_env:
        stored = secrets.get_secret(env_slot(server.name, variable)) if secrets else None
        if stored is None:
            missing.append(variable)
        else:
            env[variable] = stored.value.get_secret_value()
    token = None
    if server.transport == "http" and secrets is not None:
        stored = secrets.get_secret(token_slot(server.name))
        token = stored.value.get_secret_value() if stored is not None else None
    return ServerLaunch(
        name=server.name,
        enabled=server.enabled,
        transport=server.transport,
        call_timeout_s=server.call_timeout_s,
        command=server.command.strip(),
        args=tuple(server.args),
        env=env,
        working_directory=server.working_directory.strip(),
        url=server.url.strip(),
        bearer_token=token,
        missing_secrets=tuple(missing),
    )
