"""Every option Parley has, declared once.

The :class:`Settings` model is the single source of truth: type, bounds,
default and description of each option. Panels are generated from it, the
command line maps onto it and the settings file stores it.

Sources, later wins: defaults, the TOML settings file, ``.env``, the
environment (``PARLEY_<GROUP>__<FIELD>`` plus the conventional
``OPENAI_API_KEY``, ``AZURE_OPENAI_API_KEY``, ``AZURE_OPENAI_AD_TOKEN`` and
``AZURE_OPENAI_ENDPOINT``),
then command-line flags. API keys are never part of what is saved.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from desktop.protocol import (
    BETA_TO_GA_AUDIO_FORMAT,
    EAGERNESS,
    MAX_OUTPUT_TOKENS,
    NOISE_REDUCTION_TYPES,
    SPEED_MAX,
    SPEED_MIN,
    VAD_THRESHOLD_MAX,
    VAD_THRESHOLD_MIN,
    VAD_TYPES,
    VOICES_GA,
)

Backend = Literal["offline", "openai", "azure", "custom"]
DialectName = Literal["ga", "beta"]
AzureAuth = Literal["key", "entra"]
TurnDetectionMode = Literal["server_vad", "semantic_vad", "off"]
Eagerness = Literal["auto", "low", "medium", "high"]
NoiseReduction = Literal["off", "near_field", "far_field"]
AudioFormatName = Literal["pcm16", "g711_ulaw", "g711_alaw"]
EchoCancellation = Literal["auto", "on", "off"]
TalkMode = Literal["ptt", "handsfree"]
Theme = Literal["system", "light", "dark"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
Voice = Literal[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"
]
MaxTokens = Annotated[int, Field(ge=1, le=MAX_OUTPUT_TOKENS)] | Literal["inf"]

# The choices are Literals (for the forms and mypy); the protocol module has the truth.
assert set(get_args(Voice)) == set(VOICES_GA), "Voice out of step with the protocol"
assert set(get_args(TurnDetectionMode)) == {*VAD_TYPES, "off"}, "VAD modes out of step"
assert set(get_args(Eagerness)) == set(EAGERNESS), "Eagerness out of step with the protocol"
assert set(get_args(NoiseReduction)) == {*NOISE_REDUCTION_TYPES, "off"}, "noise reduction"
assert set(get_args(AudioFormatName)) == set(BETA_TO_GA_AUDIO_FORMAT), "audio formats"

DEFAULT_INSTRUCTIONS = (
    "You are Parley, a friendly desktop voice assistant. Answer briefly and "
    "conversationally; ask when something is unclear."
)


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ConnectionSettings(_Group):
    backend: Backend = Field(
        "offline",
        description="Which server to talk to: the built-in offline engine, OpenAI, "
        "Azure OpenAI, or any URL that speaks the Realtime protocol.",
    )
    model: str = Field(
        "gpt-realtime",
        min_length=1,
        max_length=200,
        description="Realtime model (OpenAI) or deployment name (Azure).",
    )
    url: str = Field(
        "",
        max_length=2000,
        description="Base URL of a custom server, e.g. ws://127.0.0.1:8080/v1.",
    )
    azure_endpoint: str = Field(
        "",
        max_length=2000,
        description="Azure OpenAI resource endpoint, e.g. https://my-resource.openai.azure.com.",
    )
    azure_auth: AzureAuth = Field(
        "key",
        description="How Parley signs in to Azure OpenAI: with the resource's API key, or "
        "with a Microsoft Entra ID access token (kept in the system keyring).",
    )
    azure_api_version: str = Field(
        "",
        max_length=100,
        description="Only for the deprecated Azure preview protocol (beta dialect); "
        "leave empty for Azure GA.",
    )
    dialect: DialectName = Field(
        "ga",
        description="Wire format: 'ga' (OpenAI and Azure today) or 'beta' (legacy servers).",
    )
    auto_connect: bool = Field(True, description="Connect as soon as the window opens.")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if value and not value.startswith(("ws://", "wss://", "http://", "https://")):
            raise ValueError("must start with ws://, wss://, http:// or https://")
        return value


class VoiceSettings(_Group):
    voice: Voice = Field(
        "marin",
        description="The assistant's voice. Fixed once the assistant has spoken in a session.",
    )
    speed: float = Field(
        1.0,
        ge=SPEED_MIN,
        le=SPEED_MAX,
        description=f"Speaking speed ({SPEED_MIN:g}-{SPEED_MAX:g}).",
    )


class InstructionsSettings(_Group):
    instructions: str = Field(
        DEFAULT_INSTRUCTIONS,
        max_length=20000,
        description="System instructions: how the assistant should behave.",
    )


class TurnDetectionSettings(_Group):
    mode: TurnDetectionMode = Field(
        "server_vad",
        description="How the end of your turn is found: by loudness (server_vad), by "
        "meaning (semantic_vad), or off (push-to-talk).",
    )
    threshold: float = Field(
        0.5,
        ge=VAD_THRESHOLD_MIN,
        le=VAD_THRESHOLD_MAX,
        description="Speech detection threshold; higher needs louder speech.",
    )
    prefix_padding_ms: int = Field(
        300, ge=0, le=2000, description="Audio kept from before speech started (ms)."
    )
    silence_duration_ms: int = Field(
        500, ge=100, le=5000, description="Silence that ends your turn (ms)."
    )
    eagerness: Eagerness = Field(
        "auto", description="Semantic VAD only: how quickly the model decides you have finished."
    )
    create_response: bool = Field(True, description="Reply automatically when you stop talking.")
    interrupt_response: bool = Field(True, description="Stop the assistant when you start talking.")


class TranscriptionSettings(_Group):
    enabled: bool = Field(True, description="Show what you said as text.")
    model: str = Field(
        "gpt-4o-mini-transcribe",
        min_length=1,
        max_length=100,
        description="Transcription model for your speech.",
    )
    language: str = Field(
        "", max_length=10, description="Language hint (ISO 639-1, e.g. 'en'); empty for auto."
    )


class AudioSettings(_Group):
    input_device: str = Field("", max_length=500, description="Microphone; empty for default.")
    output_device: str = Field("", max_length=500, description="Speaker; empty for default.")
    chunk_ms: Literal[10, 20] = Field(
        20, description="Audio buffer length (ms): 10 is snappier, 20 is lighter on CPU."
    )
    format: AudioFormatName = Field(
        "pcm16",
        description="Audio on the wire: pcm16 (24 kHz, best) or G.711 (8 kHz, telephone).",
    )
    noise_reduction: NoiseReduction = Field(
        "near_field",
        description="Server-side noise reduction: near_field for headsets, far_field for "
        "laptop microphones (on speakers with echo cancellation, far_field is requested "
        "unless this is off).",
    )
    echo_cancellation: EchoCancellation = Field(
        "auto",
        description="Remove the assistant's voice from the microphone (auto: on unless "
        "the output looks like a headset).",
    )
    headset_mode: bool = Field(
        False,
        description="Headset mode: no echo cancellation (nothing leaks from headphones to the "
        "microphone) and near-field noise reduction.",
    )
    noise_suppression: bool = Field(
        False,
        description="Suppress steady background noise (fans, hiss) on this computer before "
        "sending the microphone.",
    )
    ignore_echo_barge_in: bool = Field(
        False,
        description="Without echo cancellation: do not let the assistant's own voice from the "
        "speakers interrupt it; only interrupt when you are clearly louder than that echo.",
    )


class ResponseSettings(_Group):
    max_output_tokens: MaxTokens = Field(
        "inf", description=f"Longest reply in tokens (1-{MAX_OUTPUT_TOKENS}, or 'inf')."
    )
    output_modality: Literal["audio", "text"] = Field(
        "audio", description="Reply with speech (and its transcript) or with text only."
    )


class ToolSettings(_Group):
    local_time: bool = Field(True, description="Let the assistant read the local date and time.")
    calculator: bool = Field(True, description="Let the assistant do exact arithmetic.")
    timers: bool = Field(True, description="Let the assistant set timers that notify you.")


class EngineSettings(_Group):
    chat_endpoint: str = Field(
        "",
        max_length=2000,
        description="An OpenAI-compatible chat endpoint that gives the offline engine a "
        "language model (e.g. http://127.0.0.1:11434/v1 for Ollama); empty for the built-in "
        "rules.",
    )
    chat_model: str = Field(
        "",
        max_length=200,
        description="The model the chat endpoint should use (e.g. llama3.2); empty for the "
        "endpoint's default. Its API key, if it needs one, is kept in the system keyring.",
    )
    stt_model_dir: str = Field(
        "", max_length=2000, description="Whisper model directory; empty for the bundled one."
    )

    @field_validator("chat_endpoint")
    @classmethod
    def _check_chat_endpoint(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=200)]
McpToolRule = Literal["ask", "allow", "off"]


class McpServerSettings(_Group):
    """One MCP server whose tools the assistant may call. Its bearer token and the
    values of its ``secret_env`` variables live in the keyring, never here."""

    name: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[^\x00-\x1f]+$",
        description="A short name, unique among your servers; the assistant sees it before "
        "the name of each of the server's tools.",
    )
    enabled: bool = Field(True, description="Start this server and offer its tools.")
    transport: Literal["stdio", "http"] = Field(
        "stdio",
        description="How Parley reaches the server: a command it runs (stdio) or a URL "
        "(streamable HTTP).",
    )
    command: str = Field("", max_length=2000, description="stdio: the program, e.g. npx or uvx.")
    args: list[Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=list, max_length=100, description="stdio: the program's arguments."
    )
    env: dict[EnvName, Annotated[str, Field(max_length=10000)]] = Field(
        default_factory=dict,
        max_length=100,
        description="stdio: extra environment variables (secrets go in secret_env instead).",
    )
    secret_env: list[EnvName] = Field(
        default_factory=list,
        max_length=50,
        description="stdio: environment variables whose values are kept in the system keyring.",
    )
    working_directory: str = Field(
        "", max_length=2000, description="stdio: where the program runs; empty for anywhere."
    )
    url: str = Field(
        "", max_length=2000, description="HTTP: the server's URL, e.g. http://127.0.0.1:8000/mcp."
    )
    call_timeout_s: float = Field(
        30.0,
        ge=1.0,
        le=600.0,
        description="How long a tool may run before the assistant is told it timed out (s).",
    )
    ask: Literal["always", "unless_read_only", "never"] = Field(
        "unless_read_only",
        description="When to ask you before one of its tools runs: always, unless the server "
        "marks the tool read-only, or never.",
    )
    tool_rules: dict[Annotated[str, Field(max_length=200)], McpToolRule] = Field(
        default_factory=dict,
        max_length=500,
        description="Exceptions per tool (by the server's name for it): ask, allow (run "
        "without asking) or off (not offered to the assistant).",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class McpSettings(_Group):
    servers: list[McpServerSettings] = Field(
        default_factory=list,
        max_length=50,
        description="MCP servers whose tools the assistant may use.",
    )

    @field_validator("servers", mode="before")
    @classmethod
    def _unique_names(cls, servers: Any) -> Any:
        """A repeated name (a hand-edited file) gets a number rather than losing a server."""
        if not isinstance(servers, list):
            return servers
        taken: set[str] = set()
        renamed: list[Any] = []
        for server in servers:
            given = server.get("name") if isinstance(server, dict) else getattr(server, "name", 0)
            if not isinstance(given, str):
                renamed.append(server)
                continue
            name, number = given, 2
            while name.casefold() in taken:
                name, number = f"{given[:36]} {number}", number + 1
            taken.add(name.casefold())
            if name != given:
                server = (
                    {**server, "name": name}
                    if isinstance(server, dict)
                    else server.model_copy(update={"name": name})
                )
            renamed.append(server)
        return renamed


class HistorySettings(_Group):
    keep_history: bool = Field(
        True,
        description="Keep every conversation on this computer, to search, read and continue later.",
    )
    keep_audio: bool = Field(
        False,
        description="Also keep each conversation's audio beside it (both sides, about 5.8 MB "
        "a minute).",
    )
    context_items: int = Field(
        40,
        ge=0,
        le=200,
        description="A new session (after a reconnect, a renewal, or to continue a "
        "conversation) is told at most this many earlier items: lines and tool calls. "
        "0 starts every session afresh.",
    )
    context_tokens: int = Field(
        4000,
        ge=0,
        le=16000,
        description="A new session is told at most about this many tokens of earlier items "
        "(the smaller of the two limits applies); more context costs more input tokens on "
        "every reply.",
    )


class UiSettings(_Group):
    talk_mode: TalkMode = Field(
        "handsfree", description="Hands-free (voice detection) or push-to-talk."
    )
    ptt_key: str = Field(
        "Space", max_length=50, description="Key to hold for push-to-talk while Parley has focus."
    )
    global_hotkey: bool = Field(
        False,
        description="A second push-to-talk key that works in any application (X11 only).",
    )
    global_ptt_key: str = Field(
        "F9",
        max_length=50,
        description="The key for push-to-talk in any application: one key, modifiers allowed "
        "(F9, Pause, Ctrl+Alt+Space). Other applications no longer receive it.",
    )
    show_inspector: bool = Field(False, description="Show the event inspector.")
    theme: Theme = Field("system", description="Follow the system palette, or force one.")
    window_geometry: str = Field("", max_length=10000, description="Saved window geometry.")
    window_state: str = Field("", max_length=10000, description="Saved panel layout.")


class PriceTable(_Group):
    """US dollars per million tokens, used for the usage estimate."""

    text_input: float = Field(4.0, ge=0, le=1000, description="Text input ($/1M tokens).")
    text_cached_input: float = Field(0.4, ge=0, le=1000, description="Cached text input.")
    text_output: float = Field(16.0, ge=0, le=1000, description="Text output ($/1M tokens).")
    audio_input: float = Field(32.0, ge=0, le=1000, description="Audio input ($/1M tokens).")
    audio_cached_input: float = Field(0.4, ge=0, le=1000, description="Cached audio input.")
    audio_output: float = Field(64.0, ge=0, le=1000, description="Audio output ($/1M tokens).")


#: The groups that are stored in the settings file, in display order.
GROUPS: tuple[str, ...] = (
    "connection",
    "voice",
    "instructions",
    "turn_detection",
    "transcription",
    "audio",
    "response",
    "tools",
    "engine",
    "mcp",
    "history",
    "ui",
    "prices",
)

_file_data: ContextVar[dict[str, Any] | None] = ContextVar(
    "parley_settings_file_data", default=None
)
_read_environment: ContextVar[bool] = ContextVar("parley_settings_read_env", default=True)


class _FileSource(PydanticBaseSettingsSource):
    """The already-parsed and cleaned settings file (see desktop.config.store)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return (_file_data.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_file_data.get() or {})


class _ConventionalEnvSource(PydanticBaseSettingsSource):
    """The variable names other OpenAI tools use, below PARLEY_* in priority."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if key := os.environ.get("OPENAI_API_KEY"):
            data["openai_api_key"] = key
        if key := os.environ.get("AZURE_OPENAI_API_KEY"):
            data["azure_api_key"] = key
        if token := os.environ.get("AZURE_OPENAI_AD_TOKEN"):
            data["azure_ad_token"] = token
        if endpoint := os.environ.get("AZURE_OPENAI_ENDPOINT"):
            data["connection"] = {"azure_endpoint": endpoint}
        return data


class Settings(BaseSettings):
    """All of Parley's options. API keys are held here only when they come
    from the environment; they are excluded from every dump that is saved."""

    model_config = SettingsConfigDict(
        env_prefix="PARLEY_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_assignment=True,
    )

    connection: ConnectionSettings = Field(default_factory=ConnectionSettings)
    voice: VoiceSettings = Field(default_factory=VoiceSettings)
    instructions: InstructionsSettings = Field(default_factory=InstructionsSettings)
    turn_detection: TurnDetectionSettings = Field(default_factory=TurnDetectionSettings)
    transcription: TranscriptionSettings = Field(default_factory=TranscriptionSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    response: ResponseSettings = Field(default_factory=ResponseSettings)
    tools: ToolSettings = Field(default_factory=ToolSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    history: HistorySettings = Field(default_factory=HistorySettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    prices: PriceTable = Field(default_factory=PriceTable)
    log_level: LogLevel = Field("INFO", description="How much goes into the log file.")

    openai_api_key: SecretStr | None = Field(None, exclude=True)
    azure_api_key: SecretStr | None = Field(None, exclude=True)
    #: From AZURE_OPENAI_AD_TOKEN: a Microsoft Entra ID access token for Azure OpenAI.
    azure_ad_token: SecretStr | None = Field(None, exclude=True)
    #: From PARLEY_CUSTOM_API_KEY: a key for a custom server, if it wants one.
    custom_api_key: SecretStr | None = Field(None, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: CLI flags (init kwargs), PARLEY_* env, .env, the
        # conventional variables, the settings file.
        if not _read_environment.get():
            return (init_settings, _FileSource(settings_cls))
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _ConventionalEnvSource(settings_cls),
            _FileSource(settings_cls),
        )

    @classmethod
    def build(
        cls, file_data: dict[str, Any] | None = None, *, environment: bool = True, **overrides: Any
    ) -> Settings:
        """Settings from every source, with ``file_data`` as the file's content
        and ``overrides`` (command-line flags, nested dicts) on top.
        ``environment=False`` ignores the environment and ``.env``."""
        data_token = _file_data.set(file_data or {})
        env_token = _read_environment.set(environment)
        try:
            return cls(**overrides)
        finally:
            _read_environment.reset(env_token)
            _file_data.reset(data_token)

    def storable(self) -> dict[str, Any]:
        """What goes into the settings file: every group, no secrets."""
        data = self.model_dump(mode="json", include=set(GROUPS) | {"log_level"})
        return data

    def api_key_for(self, backend: Backend) -> SecretStr | None:
        """The key the environment gave for ``backend``, if any."""
        if backend == "openai":
            return self.openai_api_key
        if backend == "azure":
            return self.azure_api_key
        if backend == "custom":
            return self.custom_api_key
        return None
