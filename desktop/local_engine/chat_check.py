"""Checking a chat endpoint before using it: does it answer, and with which models?

``GET {base}/models`` is the OpenAI-compatible model list that Ollama, llama.cpp's
server, LocalAI and vLLM all serve. The check blocks for up to ``timeout_s``, so
an app calls it off its GUI thread.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from desktop.local_engine.chat_client import check_base_url


@dataclass(frozen=True)
class EndpointCheck:
    """The models an endpoint lists, or why it could not be asked (``error``)."""

    base_url: str
    models: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        """One sentence for the user."""
        if self.error is not None:
            return self.error
        if not self.models:
            return "The endpoint answered, but it lists no models."
        shown = ", ".join(self.models[:8])
        more = f" and {len(self.models) - 8} more" if len(self.models) > 8 else ""
        return f"The endpoint answered with {len(self.models)} model(s): {shown}{more}."


def check_chat_endpoint(
    base_url: str, api_key: str | None = None, timeout_s: float = 10.0
) -> EndpointCheck:
    """Asks ``base_url`` for its model list (with ``api_key`` as a bearer token)."""
    base = base_url.strip().rstrip("/")
    try:
        check_base_url(base)
    except ValueError as exc:
        return EndpointCheck(base, error=str(exc))
    request = urllib.request.Request(f"{base}/models", headers={"Accept": "application/json"})
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            body = reply.read(4 * 1024 * 1024)
    except urllib.error.HTTPError as exc:
        return EndpointCheck(base, error=_http_error(base, exc.code, api_key))
    except TimeoutError:
        return EndpointCheck(base, error=f"{base} did not answer within {timeout_s:g} s.")
    except urllib.error.URLError as exc:
        return EndpointCheck(base, error=_unreachable(base, exc.reason, timeout_s))
    except OSError as exc:
        return EndpointCheck(base, error=f"Could not ask {base}: {exc}.")
    models = _model_ids(body)
    if models is None:
        return EndpointCheck(
            base,
            error=f"{base}/models did not answer with a model list; is this the "
            "OpenAI-compatible base URL (it usually ends in /v1)?",
        )
    return EndpointCheck(base, models=models)


def _http_error(base: str, status: int, api_key: str | None) -> str:
    if status in (401, 403):
        if api_key:
            return f"The endpoint refused the API key (HTTP {status}); check the key."
        return f"The endpoint wants an API key (HTTP {status}); enter one."
    if status == 404:
        return (
            f"There is no model list at {base}/models (HTTP 404); the base URL of an "
            "OpenAI-compatible server usually ends in /v1."
        )
    return f"The endpoint answered HTTP {status} when asked for its models."


def _unreachable(base: str, reason: object, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"{base} did not answer within {timeout_s:g} s."
    if isinstance(reason, ConnectionRefusedError):
        return f"Nothing answered at {base}; is the server running?"
    if isinstance(reason, socket.gaierror):
        return f"The host in {base} was not found; check the URL."
    return f"Could not reach {base}: {reason}."


def _model_ids(body: bytes) -> tuple[str, ...] | None:
    try:
        listing = json.loads(body)
    except ValueError:
        return None
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list):
        return None
    ids = [entry.get("id") for entry in entries if isinstance(entry, dict)]
    return tuple(sorted(model for model in ids if isinstance(model, str) and model))
