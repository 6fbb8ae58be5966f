"""Function names for MCP tools: prefixed by their server, valid, unique, short enough.

Realtime and chat-completions function names allow letters, digits, ``_`` and ``-``,
at most 64 characters. A tool is named ``<server>__<tool>`` with every other
character replaced by ``_``. When that is too long, or already taken (two names
that differ only in replaced characters, or two servers whose names clean up to
the same prefix), the name is cut and ends with a hash of the server's and the
tool's real names, so it stays the same from one run to the next.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MAX_NAME = 64
SEPARATOR = "__"
_INVALID = re.compile(r"[^A-Za-z0-9_-]")
_HASH_LENGTH = 8


def clean(text: str, fallback: str) -> str:
    cleaned = _INVALID.sub("_", text.strip())
    return cleaned if cleaned.strip("_-") else fallback


def function_name(server: str, tool: str, taken: set[str]) -> str:
    """A name for ``tool`` of ``server`` that is not in ``taken`` (which it joins)."""
    base = f"{clean(server, 'mcp')}{SEPARATOR}{clean(tool, 'tool')}"
    name = base
    attempt = 0
    while len(name) > MAX_NAME or name in taken:
        seed = f"{server}\0{tool}\0{attempt}" if attempt else f"{server}\0{tool}"
        digest = hashlib.sha256(seed.encode()).hexdigest()[:_HASH_LENGTH]
        name = f"{base[: MAX_NAME - _HASH_LENGTH - 1]}_{digest}"
        attempt += 1
    taken.add(name)
    return name


def assign_names(pairs: Iterable[tuple[str, str]], reserved: Iterable[str] = ()) -> list[str]:
    """Function names for (server, tool) pairs, in order; none equals a ``reserved`` one."""
    taken = set(reserved)
    return [function_name(server, tool, taken) for server, tool in pairs]
