"""The sync connection against a real WebSocket server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest

from desktop.realtime import (
    AuthenticationError,
    ConnectError,
    ConnectionClosed,
    DialectMismatchError,
    ErrorEvent,
    HandshakeError,
    ProtocolErrorEvent,
    RealtimeClient,
    RecvTimeout,
    ResponseOutputAudioDeltaEvent,
    SessionConfigError,
    SessionCreatedEvent,
    UnknownEvent,
    VoiceLockedError,
)
from tests.support.scripted_server import SESSION_CREATED_GA, ScriptedServer

KEY = "sk-test-secret-0123456789"


def audio_delta(audio: bytes = b"\x01\x02" * 240) -> dict[str, object]:
    return {
        "type": "response.output_audio.delta",
        "response_id": "resp_1",
        "item_id": "item_1",
        "output_index": 0,
        "content_index": 0,
        "delta": base64.b64encode(audio).decode(),
    }


def test_handshake_path_headers_and_first_event(server: ScriptedServer) -> None:
    client = RealtimeClient(api_key=KEY, base_url=server.base_url)
    with client.connect(model="gpt-realtime", extra_query={"intent": "x"}) as connection:
        event = connection.recv(timeout=5)
    assert isinstance(event, SessionCreatedEvent)
    assert event.voice == "alloy"
    handshake = server.handshakes[0]
    assert handshake.path == "/v1/realtime?model=gpt-realtime&intent=x"
    assert handshake.headers["Authorization"] == f"Bearer {KEY}"
    assert "OpenAI-Beta" not in handshake.headers


def test_beta_dialect_sends_the_beta_header(server: ScriptedServer) -> None:
    client = RealtimeClient(base_url=server.base_url, dialect="beta")
    with client.connect(model="gpt-4o-realtime-preview"):
        pass
    assert server.handshakes[0].headers["OpenAI-Beta"] == "realtime=v1"


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_are_an_authentication_error(
    server: ScriptedServer, status: int
) -> None:
    server.reject_status = status
    client = RealtimeClient(api_key=KEY, base_url=server.base_url, dialect="beta")
    with pytest.raises(AuthenticationError) as caught:
        client.connect(model="m", extra_query={"api-key": KEY}).enter()
    message = str(caught.value)
    assert caught.value.status == status
    assert f"HTTP {status}" in message and f"127.0.0.1:{server.port}" in message
    assert KEY not in message and KEY not in caught.value.url


@pytest.mark.parametrize(
    ("credential", "advice"),
    [
        ({"api_key": KEY}, "check the API key and deployment"),
        ({"azure_ad_token": KEY}, "the Entra ID token may have expired: enter a new one"),
    ],
)
def test_rejected_azure_credentials_name_the_credential_in_use(
    server: ScriptedServer, credential: dict[str, str], advice: str
) -> None:
    server.reject_status = 401
    client = RealtimeClient(
        azure_endpoint=f"http://127.0.0.1:{server.port}", azure_deployment="dep", **credential
    )
    with pytest.raises(AuthenticationError) as caught:
        client.connect().enter()
    assert caught.value.backend == "Azure OpenAI"
    assert advice in str(caught.value) and KEY not in str(caught.value)


def test_other_handshake_statuses_are_handshake_errors(server: ScriptedServer) -> None:
    server.reject_status = 503
    with pytest.raises(HandshakeError, match="HTTP 503"):
        RealtimeClient(base_url=server.base_url).connect(model="m").enter()


def test_refused_connection_names_the_url_without_secrets() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = RealtimeClient(api_key=KEY, base_url=f"ws://127.0.0.1:{port}/v1")
    with pytest.raises(ConnectError, match="refused") as caught:
        client.connect(model="m", extra_query={"api-key": KEY}).enter()
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert KEY not in str(caught.value)


def test_unresolvable_host_names_the_url() -> None:
    client = RealtimeClient(base_url="ws://no-such-host.invalid/v1")
    with pytest.raises(ConnectError, match=r"no-such-host\.invalid"):
        client.connect(model="m").enter()


def test_beta_shape_disabled_then_close_4000_is_a_dialect_mismatch(
    server: ScriptedServer,
) -> None:
    client = RealtimeClient(base_url=server.base_url, dialect="beta")
    with client.connect(model="m") as connection:
        connection.recv(timeout=5)
        server.send(
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "code": "beta_api_shape_disabled",
                    "message": "The Realtime Beta API is no longer supported.",
                },
            }
        )
        server.close_client(4000, "beta_api_shape_disabled")
        events = []
        with pytest.raises(DialectMismatchError) as caught:
            events.extend(connection)
    assert isinstance(events[0], ErrorEvent) and events[0].code == "beta_api_shape_disabled"
    assert caught.value.code == 4000
    assert "GA dialect" in str(caught.value)
    assert connection.close_error is caught.value


def test_close_4000_alone_is_a_dialect_mismatch(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        connection.recv(timeout=5)
        server.close_client(4000, "use GA")
        with pytest.raises(DialectMismatchError):
            connection.recv(timeout=5)


def test_peer_close_raises_with_code_and_reason(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        connection.recv(timeout=5)
        server.close_client(1011, "internal error")
        with pytest.raises(ConnectionClosed) as caught:
            connection.recv(timeout=5)
        assert (caught.value.code, caught.value.reason) == (1011, "internal error")
        with pytest.raises(ConnectionClosed):
            connection.send({"type": "input_audio_buffer.clear"})


def test_normal_peer_close_ends_iteration(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        server.close_client(1000)
        assert [event.type for event in connection] == ["session.created"]


def test_scripted_bad_frames_arrive_as_typed_events(server: ScriptedServer) -> None:
    server.greeting = [
        "{broken",
        b"\x00\x01binary",
        "[1, 2, 3]",
        json.dumps({"type": "future.event", "x": 1}),
        json.dumps({"type": "response.audio.delta", **audio_delta(b"\x05\x06")}),
        json.dumps({"type": "input_audio_buffer.speech_started", "audio_start_ms": "x"}),
        json.dumps(SESSION_CREATED_GA),
    ]
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        events = [connection.recv(timeout=5) for _ in range(7)]
    assert [type(event) for event in events] == [
        ProtocolErrorEvent,
        ProtocolErrorEvent,
        ProtocolErrorEvent,
        UnknownEvent,
        ResponseOutputAudioDeltaEvent,
        UnknownEvent,
        SessionCreatedEvent,
    ]
    assert "binary" in events[1].detail  # type: ignore[attr-defined]
    assert events[4].audio_bytes() == b"\x05\x06"  # type: ignore[attr-defined]


def test_recv_bytes_returns_the_raw_frame(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        raw = connection.recv_bytes(timeout=5)
        assert json.loads(raw) == SESSION_CREATED_GA
        assert isinstance(connection.parse_event(raw), SessionCreatedEvent)


def test_error_event_maps_back_to_the_causing_event(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        connection.recv(timeout=5)
        sent = connection.conversation.item.delete(item_id="item_missing")
        connection.input_audio_buffer.append(audio=b"\x00" * 960)
        received = server.next_event()
        assert received["event_id"] == sent["event_id"]
        server.send(
            {
                "type": "error",
                "event_id": "event_srv",
                "error": {
                    "type": "invalid_request_error",
                    "code": "item_not_found",
                    "message": "no such item",
                    "param": "item_id",
                    "event_id": sent["event_id"],
                },
            }
        )
        error = connection.recv(timeout=5)
    assert isinstance(error, ErrorEvent)
    assert error.caused_by == sent
    assert error.caused_by["item_id"] == "item_missing"


def test_invalid_values_raise_before_anything_is_sent(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        with pytest.raises(SessionConfigError, match="threshold"):
            connection.session.update(session={"turn_detection": {"threshold": 2}})
        with pytest.raises(SessionConfigError, match="voice"):
            connection.session.update(session={"voice": "robot"})
        with pytest.raises(SessionConfigError, match="max output tokens"):
            connection.response.create(response={"max_output_tokens": 9000})
        with pytest.raises(SessionConfigError, match="audio_end_ms"):
            connection.conversation.item.truncate(item_id="i", content_index=0, audio_end_ms=-1)
        with pytest.raises(SessionConfigError, match="24000"):
            connection.send(
                {
                    "type": "session.update",
                    "session": {
                        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 8000}}}
                    },
                }
            )
        assert server.drain() == []


def test_voice_locks_after_the_first_audio_output(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        connection.recv(timeout=5)  # session.created says alloy
        assert (connection.voice, connection.voice_locked) == ("alloy", False)
        connection.session.update(session={"voice": "ash"})
        server.send(audio_delta())
        assert isinstance(connection.recv(timeout=5), ResponseOutputAudioDeltaEvent)
        assert (connection.voice, connection.voice_locked) == ("ash", True)
        connection.session.update(session={"voice": "ash", "instructions": "still fine"})
        with pytest.raises(VoiceLockedError, match="'ash'") as caught:
            connection.session.update(session={"audio": {"output": {"voice": "coral"}}})
        assert isinstance(caught.value, ValueError)
        with pytest.raises(VoiceLockedError):
            connection.response.create(response={"voice": "coral"})
        sent = server.drain()
    assert [event["type"] for event in sent] == ["session.update", "session.update"]


def test_recv_timeout_then_close_from_another_thread_wakes_a_blocked_reader(
    server: ScriptedServer,
) -> None:
    connection = RealtimeClient(base_url=server.base_url).connect(model="m").enter()
    connection.recv(timeout=5)
    started = time.monotonic()
    with pytest.raises(RecvTimeout):
        connection.recv(timeout=0.2)
    assert 0.15 < time.monotonic() - started < 3
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            connection.recv()
        except BaseException as error:
            outcome.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.2)
    connection.close()
    reader.join(timeout=5)
    assert not reader.is_alive()
    assert isinstance(outcome[0], ConnectionClosed) and outcome[0].code == 1000
    assert server.closed_by_client.wait(5)


def test_concurrent_send_while_another_thread_receives(server: ScriptedServer) -> None:
    sends_per_thread, senders = 200, 2
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        connection.recv(timeout=5)
        received: list[str] = []

        def read() -> None:
            received.extend(event.type for event in connection)

        def send_audio() -> None:
            for _ in range(sends_per_thread):
                connection.input_audio_buffer.append(audio=b"\x00\x01" * 480)

        reader = threading.Thread(target=read)
        reader.start()
        threads = [threading.Thread(target=send_audio) for _ in range(senders)]
        for thread in threads:
            thread.start()
        for _ in range(50):
            server.send(audio_delta())
        for thread in threads:
            thread.join(timeout=20)
        sent = [server.next_event() for _ in range(sends_per_thread * senders)]
        server.close_client(1000)
        reader.join(timeout=10)
    assert len({event["event_id"] for event in sent}) == sends_per_thread * senders
    assert all(event["type"] == "input_audio_buffer.append" for event in sent)
    assert received == ["response.output_audio.delta"] * 50


def test_a_socket_timeout_option_times_out_recv_without_closing(server: ScriptedServer) -> None:
    client = RealtimeClient(base_url=server.base_url)
    options = {"timeout": 0.2}
    with client.connect(model="m", websocket_connection_options=options) as connection:
        connection.recv()
        with pytest.raises(RecvTimeout):
            connection.recv()
        server.send(audio_delta(b"\x09\x0a"))
        event = connection.recv()
        assert isinstance(event, ResponseOutputAudioDeltaEvent)
        assert event.audio_bytes() == b"\x09\x0a"


def test_send_accepts_sdk_models_and_rejects_events_without_a_type(
    server: ScriptedServer,
) -> None:
    from openai.types.realtime import SessionUpdateEvent

    sdk_event = SessionUpdateEvent.model_validate(
        {"type": "session.update", "session": {"type": "realtime", "instructions": "Hi."}}
    )
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        with pytest.raises(SessionConfigError, match="type"):
            connection.send({"session": {}})
        connection.send(sdk_event)
        received = server.next_event()
    assert received["session"] == {"type": "realtime", "instructions": "Hi."}
    assert received["event_id"]


def test_invalid_utf8_in_a_text_frame_is_a_protocol_error(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        connection.recv(timeout=5)
        server.connection.send(b'{"type": "\xff\xfe"}', text=True)
        server.send(audio_delta())
        assert isinstance(connection.recv(timeout=5), ProtocolErrorEvent)
        assert isinstance(connection.recv(timeout=5), ResponseOutputAudioDeltaEvent)


def test_tls_failure_names_the_url_without_secrets(server: ScriptedServer) -> None:
    client = RealtimeClient(api_key=KEY, base_url=f"wss://127.0.0.1:{server.port}/v1")
    with pytest.raises(ConnectError) as caught:
        client.connect(model="m").enter()
    assert f"wss://127.0.0.1:{server.port}/v1/realtime" in str(caught.value)
    assert "TLS failure" in str(caught.value)
    assert KEY not in str(caught.value)


def test_peer_dropping_the_socket_is_connection_closed_1006(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        connection.recv(timeout=5)
        server.connection.socket.shutdown(socket.SHUT_RDWR)
        with pytest.raises(ConnectionClosed) as caught:
            list(connection)
        assert caught.value.code == 1006


def test_unserialisable_or_malformed_events_raise_before_sending(server: ScriptedServer) -> None:
    with RealtimeClient(base_url=server.base_url).connect(model="m") as connection:
        with pytest.raises(SessionConfigError, match="JSON"):
            connection.send(
                {"type": "conversation.item.create", "item": {"type": "message", "raw": b"\x00"}}
            )
        with pytest.raises(SessionConfigError, match="session must be an object"):
            connection.send({"type": "session.update", "session": "alloy"})
        with pytest.raises(SessionConfigError, match="item"):
            connection.conversation.item.create(item={"role": "user"})
        assert server.drain() == []


@pytest.mark.parametrize(
    ("dialect", "path"),
    [
        ("ga", "/openai/v1/realtime?model=my-deployment"),
        ("beta", "/openai/realtime?api-version=2025-04-01-preview&deployment=my-deployment"),
    ],
)
def test_azure_handshake_path_and_api_key_header(
    server: ScriptedServer, dialect: str, path: str
) -> None:
    client = RealtimeClient(
        api_key="azure-key-123",
        azure_endpoint=f"http://127.0.0.1:{server.port}",
        dialect=dialect,  # type: ignore[arg-type]
    )
    with client.connect(model="my-deployment") as connection:
        connection.recv(timeout=5)
    handshake = server.handshakes[0]
    assert handshake.path == path
    assert handshake.headers["api-key"] == "azure-key-123"
    assert "Authorization" not in handshake.headers
    assert "OpenAI-Beta" not in handshake.headers
