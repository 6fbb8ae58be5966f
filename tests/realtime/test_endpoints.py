"""URLs and handshake headers per backend, and secret redaction."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from desktop.realtime import ConfigurationError, RealtimeClient, redact_text, redact_url


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_openai_ga_uses_bearer_auth_and_no_beta_header() -> None:
    endpoint = RealtimeClient(api_key="sk-test-123456789").endpoint(model="gpt-realtime")
    assert endpoint.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert endpoint.headers == {"Authorization": "Bearer sk-test-123456789"}
    assert endpoint.backend == "OpenAI"


def test_openai_beta_sends_the_beta_header() -> None:
    client = RealtimeClient(api_key="sk-test-123456789", dialect="beta")
    headers = client.endpoint(model="gpt-4o-realtime-preview").headers
    assert headers["OpenAI-Beta"] == "realtime=v1"


def test_openai_without_a_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="API key"):
        RealtimeClient().endpoint(model="gpt-realtime")


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("ws://127.0.0.1:8765/v1", "ws://127.0.0.1:8765/v1/realtime?model=m"),
        ("http://127.0.0.1:8765/v1/", "ws://127.0.0.1:8765/v1/realtime?model=m"),
        ("https://eu.api.openai.com/v1", "wss://eu.api.openai.com/v1/realtime?model=m"),
        ("wss://proxy.example/v1/realtime", "wss://proxy.example/v1/realtime?model=m"),
    ],
)
def test_base_url_schemes_and_paths(base_url: str, expected: str) -> None:
    assert RealtimeClient(api_key="k" * 8, base_url=base_url).endpoint(model="m").url == expected


def test_call_id_replaces_model_and_extra_query_merges() -> None:
    client = RealtimeClient(base_url="ws://127.0.0.1:1/v1")
    url = client.endpoint(model="m", call_id="rtc_1", extra_query={"intent": "transcription"}).url
    assert query(url) == {"call_id": ["rtc_1"], "intent": ["transcription"]}
    assert client.endpoint(model="m").headers == {}


def test_extra_headers_merge_over_auth() -> None:
    client = RealtimeClient(api_key="sk-abcdefghijk", base_url="ws://127.0.0.1:1/v1")
    headers = client.endpoint(model="m", extra_headers={"X-Trace": "1"}).headers
    assert headers == {"Authorization": "Bearer sk-abcdefghijk", "X-Trace": "1"}


def test_azure_ga_url_and_api_key_header() -> None:
    client = RealtimeClient(api_key="azkey123", azure_endpoint="https://res.openai.azure.com/")
    endpoint = client.endpoint(model="my-deployment")
    assert endpoint.url == "wss://res.openai.azure.com/openai/v1/realtime?model=my-deployment"
    assert endpoint.headers == {"api-key": "azkey123"}
    assert "api-version" not in endpoint.url
    assert endpoint.backend == "Azure OpenAI"


def test_azure_entra_token_is_a_bearer_header() -> None:
    client = RealtimeClient(
        azure_endpoint="https://res.openai.azure.com",
        azure_ad_token="entra-token",
        azure_deployment="dep",
    )
    endpoint = client.endpoint()
    assert endpoint.headers == {"Authorization": "Bearer entra-token"}
    assert query(endpoint.url) == {"model": ["dep"]}


def test_azure_preview_uses_the_beta_path() -> None:
    client = RealtimeClient(
        api_key="azkey123", azure_endpoint="https://res.openai.azure.com", dialect="beta"
    )
    endpoint = client.endpoint(model="dep")
    assert endpoint.url.startswith("wss://res.openai.azure.com/openai/realtime?")
    assert query(endpoint.url) == {"api-version": ["2025-04-01-preview"], "deployment": ["dep"]}
    assert "OpenAI-Beta" not in endpoint.headers


def test_azure_needs_a_deployment_and_credentials() -> None:
    with pytest.raises(ConfigurationError, match="deployment"):
        RealtimeClient(api_key="k", azure_endpoint="https://res.openai.azure.com").endpoint()
    with pytest.raises(ConfigurationError, match="API key or an Entra"):
        RealtimeClient(azure_endpoint="https://res.openai.azure.com").endpoint(model="d")


def test_azure_ga_refuses_an_api_version() -> None:
    client = RealtimeClient(
        api_key="k", azure_endpoint="https://res.openai.azure.com", api_version="2025-04-01-preview"
    )
    with pytest.raises(ConfigurationError, match="api-version"):
        client.endpoint(model="d")


def test_bad_urls_and_dialects_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not a ws"):
        RealtimeClient(base_url="ftp://example/v1").endpoint(model="m")
    with pytest.raises(ConfigurationError, match="dialect"):
        RealtimeClient(dialect="v2")  # type: ignore[arg-type]


def test_redaction_of_urls_and_text() -> None:
    url = "wss://user:pw@res.openai.azure.com/openai/v1/realtime?model=d&api-key=SECRETKEY"
    redacted = redact_url(url)
    assert "SECRETKEY" not in redacted and "pw" not in redacted
    assert "model=d" in redacted and "api-key=***" in redacted
    text = redact_text("failed with Bearer sk-proj-abcdefghijkl and mykey99", ["mykey99"])
    assert "sk-proj" not in text and "mykey99" not in text
