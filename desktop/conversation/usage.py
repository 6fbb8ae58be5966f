"""Token accounting from ``response.done`` usage, and the one cost estimate."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from desktop.config.settings import PriceTable


@dataclass
class TokenCounts:
    text_input: int = 0
    text_cached_input: int = 0
    audio_input: int = 0
    audio_cached_input: int = 0
    text_output: int = 0
    audio_output: int = 0

    @classmethod
    def from_usage(cls, usage: Any) -> TokenCounts:
        """Counts from a ``response.done`` usage object (model or dict)."""
        data = usage.model_dump() if hasattr(usage, "model_dump") else dict(usage or {})
        inp = data.get("input_token_details") or {}
        out = data.get("output_token_details") or {}
        cached = inp.get("cached_tokens_details") or {}
        text_in = _int(inp.get("text_tokens"))
        audio_in = _int(inp.get("audio_tokens"))
        if not inp:
            text_in = _int(data.get("input_tokens"))
        text_out = _int(out.get("text_tokens"))
        audio_out = _int(out.get("audio_tokens"))
        if not out:
            text_out = _int(data.get("output_tokens"))
        cached_text = _int(cached.get("text_tokens"))
        cached_audio = _int(cached.get("audio_tokens"))
        if not cached and _int(inp.get("cached_tokens")):
            cached_text = _int(inp.get("cached_tokens"))
        return cls(
            text_input=max(0, text_in - cached_text),
            text_cached_input=cached_text,
            audio_input=max(0, audio_in - cached_audio),
            audio_cached_input=cached_audio,
            text_output=text_out,
            audio_output=audio_out,
        )

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def cost(counts: TokenCounts, prices: PriceTable) -> float:
    """US dollars for ``counts`` at ``prices`` (per million tokens of each kind)."""
    total: float = sum(getattr(counts, f.name) * getattr(prices, f.name) for f in fields(counts))
    return total / 1e6


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass
class UsageLedger:
    """Per-turn and per-session totals."""

    last_turn: TokenCounts
    session: TokenCounts
    turns: int = 0

    @classmethod
    def empty(cls) -> UsageLedger:
        return cls(TokenCounts(), TokenCounts())

    def add(self, counts: TokenCounts) -> None:
        self.last_turn = counts
        self.session = self.session + counts
        self.turns += 1
