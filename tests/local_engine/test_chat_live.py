"""The offline engine's language model set, changed and cleared while it runs, and
checked before use, against a small OpenAI-compatible server that wants a key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop.local_engine import LocalEngine
from desktop.local_engine.chat_check import check_chat_endpoint
from desktop.local_engine.intents import FALLBACK, LANGUAGE_MODEL_PLACE
from tests.support.chat_server import FakeChatServer, text_chunks

KEY = "sk-chat-key-for-tests"


def model_script(body: dict[str, Any]) -> list[dict[str, Any]]:
    return text_chunks(f"Model {body['model']} here.")


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    server = FakeChatServer(model_script, token=KEY, models=("small", "large"))
    yield server
    server.close()


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    with LocalEngine(speech=False) as running:
        yield running


def reply(client: Any, text: str) -> str:
    client.say_typed(text)
    events = client.collect_until("response.done")
    return str(
        next(e for e in events if e["type"] == "response.output_audio_transcript.done")[
            "transcript"
        ]
    )


def test_the_endpoint_is_set_changed_and_cleared_live(
    engine: LocalEngine, chat_server: FakeChatServer, connect_client: Callable[..., Any]
) -> None:
    client = connect_client(url=f"{engine.url}/realtime")
    unanswered = reply(client, "tell me a joke")
    assert unanswered == FALLBACK
    assert f"connect a language model in {LANGUAGE_MODEL_PLACE}" in unanswered

    engine.set_chat_endpoint(chat_server.url, "small", KEY)
    assert reply(client, "tell me a joke") == "Model small here."
    engine.set_chat_endpoint(chat_server.url, "large", KEY)
    assert reply(client, "and another") == "Model large here."
    assert [r["body"]["model"] for r in chat_server.requests] == ["small", "large"]
    assert {r["auth"] for r in chat_server.requests} == {f"Bearer {KEY}"}
    assert KEY not in repr(engine.chat_endpoint)

    engine.set_chat_endpoint(None)
    assert reply(client, "what is 2 plus 2") == "2 plus 2 is 4."
    assert len(chat_server.requests) == 2
    with pytest.raises(ValueError, match="http"):
        engine.set_chat_endpoint("ws://127.0.0.1:1/v1")


def test_a_refused_key_is_said_and_the_rule_brain_still_answers(
    engine: LocalEngine, chat_server: FakeChatServer, connect_client: Callable[..., Any]
) -> None:
    client = connect_client(url=f"{engine.url}/realtime")
    engine.set_chat_endpoint(chat_server.url, "small", "sk-wrong")
    said = reply(client, "tell me a joke")
    refused = "Your language model did not answer (the chat endpoint answered HTTP 401)"
    assert said.startswith(refused)
    assert LANGUAGE_MODEL_PLACE in said
    assert reply(client, "what is 3 times 3") == "3 times 3 is 9."


def test_check_lists_the_models_or_says_what_is_wrong(chat_server: FakeChatServer) -> None:
    good = check_chat_endpoint(chat_server.url + "/", KEY)
    assert good.ok and good.models == ("large", "small")
    assert good.summary() == "The endpoint answered with 2 model(s): large, small."
    wrong = check_chat_endpoint(chat_server.url, "sk-wrong")
    assert wrong.error == "The endpoint refused the API key (HTTP 401); check the key."
    keyless = check_chat_endpoint(chat_server.url)
    assert keyless.error == "The endpoint wants an API key (HTTP 401); enter one."
    bare = check_chat_endpoint(chat_server.url.removesuffix("/v1"), KEY)
    assert bare.error is not None and "usually ends in /v1" in bare.error
    closed = check_chat_endpoint("http://127.0.0.1:9/v1")
    assert closed.error == "Nothing answered at http://127.0.0.1:9/v1; is the server running?"
    not_http = check_chat_endpoint("ollama:11434")
    assert not_http.error is not None and "http(s) URL" in not_http.error
    assert not check_chat_endpoint("http://no-such-host.invalid/v1", timeout_s=5).ok
