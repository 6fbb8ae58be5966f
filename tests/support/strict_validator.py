"""Strict validation of client events against the official SDK's models.

The SDK's unions accept unknown keys (kept as ``model_extra``) and try every
member, so this validator picks the one model for the event's ``type``,
validates with it, then walks the result and reports every extra key: that is
what catches a beta leftover such as a top-level ``voice`` in a GA session.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

import openai.types.beta.realtime as beta_types
import openai.types.realtime as ga_types
from pydantic import BaseModel, ValidationError


def _members(union: Any) -> dict[str, type[BaseModel]]:
    if typing.get_origin(union) is typing.Annotated:
        union = typing.get_args(union)[0]
    table: dict[str, type[BaseModel]] = {}
    for member in typing.get_args(union):
        literal = member.model_fields["type"].annotation
        for value in typing.get_args(literal):
            table[value] = member
    return table


GA_CLIENT_EVENTS = _members(ga_types.RealtimeClientEvent)
BETA_CLIENT_EVENTS = _members(beta_types.RealtimeClientEvent)


def _extras(value: Any, path: str) -> list[str]:
    problems: list[str] = []
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            problems.append(f"unknown field {path}.{key}")
        for name in type(value).model_fields:
            problems.extend(_extras(getattr(value, name), f"{path}.{name}"))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problems.extend(_extras(item, f"{path}[{index}]"))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            problems.extend(_extras(item, f"{path}.{key}"))
    return problems


def _validate(event: Mapping[str, Any], table: dict[str, type[BaseModel]]) -> list[str]:
    model = table.get(str(event.get("type")))
    if model is None:
        return [f"unknown client event type {event.get('type')!r}"]
    try:
        validated = model.model_validate(dict(event))
    except ValidationError as error:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
    return _extras(validated, "$")


def ga_problems(event: Mapping[str, Any]) -> list[str]:
    """Every reason the GA SDK models reject ``event`` (empty when it conforms)."""
    return _validate(event, GA_CLIENT_EVENTS)


def beta_problems(event: Mapping[str, Any]) -> list[str]:
    """Every reason the beta SDK models reject ``event`` (empty when it conforms)."""
    return _validate(event, BETA_CLIENT_EVENTS)
