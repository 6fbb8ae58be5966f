"""Where to connect and how to authenticate, per backend, plus secret redaction.

Three backends speak the protocol: OpenAI (``Authorization: Bearer``), Azure
OpenAI (``api-key`` header or an Entra bearer token; GA at
``/openai/v1/realtime?model=<deployment>``, the deprecated preview at
``/openai/realtime?api-version=...&deployment=...``) and any other ``ws://`` or
``wss://`` server, such as the offline engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from desktop.protocol import Dialect
from desktop.realtime.errors import ConfigurationError

OPENAI_BASE_URL = "wss://api.openai.com/v1"
AZURE_PREVIEW_API_VERSION = "2025-04-01-preview"

#: Query parameters whose values are credentials.
_SECRET_QUERY_KEYS = frozenset(
    {"api-key", "api_key", "apikey", "key", "token", "access_token", "client_secret", "sig"}
)
_SCHEMES = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}
REDACTED = "***"


@dataclass(frozen=True)
class Endpoint:
    """A fully resolved connection target."""

    url: str
    backend: str
    dialect: Dialect
    headers: dict[str, str] = field(repr=False)

    @property
    def redacted_url(self) -> str:
        return redact_url(self.url)

    def header_list(self) -> list[str]:
        return [f"{name}: {value}" for name, value in self.headers.items()]

    def secrets(self) -> list[str]:
        """Every credential in the URL or headers, for scrubbing foreign messages."""
        found = [
            value for key, value in _query_items(self.url) if key.lower() in _SECRET_QUERY_KEYS
        ]
        for name, value in self.headers.items():
            if name.lower() in ("authorization", "api-key"):
                found.append(value)
                found.append(value.removeprefix("Bearer "))
        return [secret for secret in found if secret]


def redact_url(url: str) -> str:
    """``url`` with credentials in the query and the userinfo replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = urlencode(
        [
            (key, REDACTED if key.lower() in _SECRET_QUERY_KEYS else value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, secrets: list[str]) -> str:
    """``text`` with every secret, and anything that looks like an API key, removed."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return re.sub(r"\b(sk|ek)-?[A-Za-z0-9_\-]{8,}", REDACTED, text)


def _query_items(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _ws_scheme(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ConfigurationError(
            f"not a ws://, wss://, http:// or https:// URL: {redact_url(url)!r}"
        )
    return scheme, parts.netloc, parts.path


def backend_name(url: str) -> str:
    """A human name for the server behind ``url``, for error messages."""
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith(".openai.azure.com") or host.endswith(".cognitiveservices.azure.com"):
        return "Azure OpenAI"
    if host == "api.openai.com" or host.endswith(".api.openai.com"):
        return "OpenAI"
    port = urlsplit(url).port
    return f"the server at {host}{f':{port}' if port else ''}"


def _with_query(base: str, params: list[tuple[str, str]]) -> str:
    parts = urlsplit(base)
    query = _query_items(base)
    query.extend(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _merge_query(
    params: list[tuple[str, str]], extra_query: Mapping[str, object] | None
) -> list[tuple[str, str]]:
    merged = dict(params)
    for key, value in (extra_query or {}).items():
        merged[key] = str(value)
    return list(merged.items())


def openai_compatible_endpoint(
    *,
    base_url: str,
    api_key: str | None,
    dialect: Dialect,
    model: str | None,
    call_id: str | None = None,
    extra_query: Mapping[str, object] | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> Endpoint:
    """OpenAI or any server speaking its protocol: ``<base_url>/realtime?model=...``."""
    scheme, netloc, path = _ws_scheme(base_url)
    path = path.rstrip("/")
    if not path.endswith("/realtime"):
        path += "/realtime"
    base = urlunsplit((scheme, netloc, path, urlsplit(base_url).query, ""))
    backend = backend_name(base)
    if call_id:
        params = [("call_id", call_id)]
    elif model:
        params = [("model", model)]
    else:
        params = []
    if backend == "OpenAI" and not api_key:
        raise ConfigurationError("OpenAI needs an API key (none was given)")
    headers: dict[str, str] = {}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    if dialect == "beta":
        headers["OpenAI-Beta"] = "realtime=v1"
    headers.update(extra_headers or {})
    url = _with_query(base, _merge_query(params, extra_query))
    return Endpoint(url=url, backend=backend, dialect=dialect, headers=headers)


def azure_endpoint_for(
    *,
    azure_endpoint: str,
    deployment: str | None,
    api_key: str | None,
    azure_ad_token: str | None,
    dialect: Dialect,
    api_version: str | None = None,
    call_id: str | None = None,
    extra_query: Mapping[str, object] | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> Endpoint:
    """Azure OpenAI: GA ``/openai/v1/realtime``, or the preview path for the beta dialect."""
    scheme, netloc, _ = _ws_scheme(azure_endpoint)
    if not deployment and not call_id:
        raise ConfigurationError(
            "Azure OpenAI needs a deployment name (pass model=<deployment> or azure_deployment=)"
        )
    if not api_key and not azure_ad_token:
        raise ConfigurationError("Azure OpenAI needs an API key or an Entra ID token")
    if dialect == "ga":
        if api_version:
            raise ConfigurationError(
                "the Azure OpenAI GA endpoint takes no api-version (it answers 401); "
                "leave api_version unset, or use dialect='beta' for the preview API"
            )
        base = urlunsplit((scheme, netloc, "/openai/v1/realtime", "", ""))
        params = [("call_id", call_id)] if call_id else [("model", deployment or "")]
    else:
        base = urlunsplit((scheme, netloc, "/openai/realtime", "", ""))
        params = [
            ("api-version", api_version or AZURE_PREVIEW_API_VERSION),
            ("deployment", deployment or ""),
        ]
    headers = {"api-key": api_key} if api_key else {"Authorization": f"Bearer {azure_ad_token}"}
    headers.update(extra_headers or {})
    url = _with_query(base, _merge_query(params, extra_query))
    return Endpoint(url=url, backend="Azure OpenAI", dialect=dialect, headers=headers)
