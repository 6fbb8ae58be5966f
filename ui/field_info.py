"""What a settings field looks like to an editor: kind, bounds, choices, label.

Pure introspection of the pydantic field info declared in
:mod:`desktop.config.settings`, so the form builder never hard-codes an option.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

#: Words that read better spelled differently in labels.
_WORD_LABELS = {
    "api": "API",
    "url": "URL",
    "vad": "VAD",
    "stt": "speech-to-text",
    "id": "ID",
    "ms": "(ms)",
    "ptt": "push-to-talk",
}

#: Display text for literal values that a plain capitalisation would mangle.
CHOICE_LABELS: dict[object, str] = {
    "server_vad": "Server VAD",
    "semantic_vad": "Semantic VAD",
    "near_field": "Near field",
    "far_field": "Far field",
    "pcm16": "PCM16 (24 kHz)",
    "g711_ulaw": "G.711 μ-law (8 kHz)",
    "g711_alaw": "G.711 A-law (8 kHz)",
    "ga": "GA",
    "beta": "Beta (legacy)",
    "ptt": "Push-to-talk",
    "handsfree": "Hands-free",
    "offline": "Offline engine",
    "openai": "OpenAI",
    "azure": "Azure OpenAI",
    "custom": "Custom URL",
    "key": "API key",
    "entra": "Microsoft Entra ID token",
    "audio": "Speech (with its transcript)",
    "text": "Text only",
    "stdio": "A command on this computer (stdio)",
    "http": "A URL (streamable HTTP)",
    "always": "Always",
    "unless_read_only": "Unless the tool only reads",
    "never": "Never",
}


@dataclass(frozen=True)
class FieldSpec:
    """Everything an editor needs to know about one field."""

    name: str
    kind: Literal["choice", "bool", "int", "float", "text", "int_or_inf"]
    label: str
    description: str
    choices: tuple[object, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def humanise(name: str) -> str:
    """``prefix_padding_ms`` → ``Prefix padding (ms)``."""
    words = [_WORD_LABELS.get(word, word) for word in name.split("_") if word]
    if not words:
        return name
    first = words[0]
    words[0] = first if first[:1].isupper() or first.startswith("(") else first.capitalize()
    return " ".join(words)


def choice_label(value: object) -> str:
    if value in CHOICE_LABELS:
        return CHOICE_LABELS[value]
    text = str(value)
    return text.replace("_", " ").capitalize() if isinstance(value, str) else text


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for item in metadata:
        if isinstance(item, FieldInfo):
            inner_low, inner_high = _bounds(list(item.metadata))
            low = inner_low if inner_low is not None else low
            high = inner_high if inner_high is not None else high
        elif isinstance(item, annotated_types.Ge):
            low = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            low = float(item.gt)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Lt):
            high = float(item.lt)  # type: ignore[arg-type]
    return low, high


def _strip_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return base, list(extra)
    return annotation, []


def field_spec(model: type[BaseModel], name: str) -> FieldSpec:
    """The :class:`FieldSpec` of ``model.name``; ``KeyError`` if there is none."""
    info = model.model_fields[name]
    annotation, extra = _strip_annotated(info.annotation)
    low, high = _bounds([*extra, *info.metadata])
    common: dict[str, Any] = {
        "name": name,
        "label": humanise(name),
        "description": info.description or "",
    }
    origin = get_origin(annotation)
    if origin is Literal:
        return FieldSpec(kind="choice", choices=get_args(annotation), **common)
    if origin in (Union, types.UnionType):
        members = [_strip_annotated(arg) for arg in get_args(annotation)]
        numbers = [(base, meta) for base, meta in members if base is int]
        literals = [base for base, _ in members if get_origin(base) is Literal]
        if numbers and literals and get_args(literals[0]) == ("inf",):
            low, high = _bounds(numbers[0][1])
            return FieldSpec(kind="int_or_inf", minimum=low, maximum=high, **common)
        raise TypeError(f"no editor for {model.__name__}.{name}: {annotation!r}")
    if annotation is bool:
        return FieldSpec(kind="bool", **common)
    if annotation is int:
        return FieldSpec(kind="int", minimum=low, maximum=high, **common)
    if annotation is float:
        return FieldSpec(kind="float", minimum=low, maximum=high, **common)
    if annotation is str:
        return FieldSpec(kind="text", **common)
    raise TypeError(f"no editor for {model.__name__}.{name}: {annotation!r}")


def validation_error(model: type[BaseModel], name: str, value: object) -> str | None:
    """Why ``value`` is not acceptable for ``model.name`` (every constraint and
    field validator applies), or ``None`` when it is."""
    try:
        model.__pydantic_validator__.validate_assignment(model.model_construct(), name, value)
    except ValidationError as error:
        messages = [str(detail.get("msg", "invalid value")) for detail in error.errors()]
        return "; ".join(messages).removeprefix("Value error, ")
    return None
