"""The engine's one model of a session's configuration, whichever dialect set it."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from desktop.protocol import SESSION_LIFETIME_S

__all__ = ["DEFAULT_MODEL", "SESSION_LIFETIME_S", "SessionConfig", "TurnDetection"]

DEFAULT_MODEL = "gpt-realtime"


@dataclass(frozen=True)
class TurnDetection:
    type: str = "server_vad"
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    create_response: bool = True
    interrupt_response: bool = True
    idle_timeout_ms: int | None = None
    eagerness: str = "auto"

    @property
    def effective_silence_ms(self) -> int:
        """Semantic VAD has no model here; its eagerness picks a silence window."""
        if self.type == "semantic_vad":
            return {"low": 1000, "high": 300}.get(self.eagerness, 600)
        return self.silence_duration_ms


@dataclass(frozen=True)
class SessionConfig:
    session_id: str = field(default_factory=lambda: f"sess_{uuid.uuid4().hex[:20]}")
    created_at: int = field(default_factory=lambda: int(time.time()))
    model: str = DEFAULT_MODEL
    instructions: str = ""
    audio_output: bool = True
    voice: str = "alloy"
    speed: float = 1.0
    input_format: str = "pcm16"
    output_format: str = "pcm16"
    transcription: dict[str, Any] | None = None
    noise_reduction: dict[str, Any] | None = None
    turn_detection: TurnDetection | None = field(default_factory=TurnDetection)
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] = "auto"
    max_output_tokens: int | str = "inf"
    temperature: float = 0.8
    tracing: Any = None
    truncation: Any = "auto"
