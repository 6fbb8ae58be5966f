"""Protocol errors the engine reports to clients as ``error`` events."""

from __future__ import annotations

from typing import Any


class ProtocolError(Exception):
    """A client mistake; becomes an ``error`` event, never a closed connection."""

    def __init__(
        self,
        code: str,
        message: str,
        param: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param
        self.error_type = error_type

    def to_event(self, client_event_id: str | None) -> dict[str, Any]:
        return {
            "type": "error",
            "error": {
                "type": self.error_type,
                "code": self.code,
                "message": self.message,
                "param": self.param,
                "event_id": client_event_id,
            },
        }


def unknown_parameter(param: str) -> ProtocolError:
    return ProtocolError("unknown_parameter", f"Unknown parameter: '{param}'.", param)


def missing_parameter(param: str) -> ProtocolError:
    return ProtocolError(
        "missing_required_parameter", f"Missing required parameter: '{param}'.", param
    )


def invalid_value(param: str, message: str) -> ProtocolError:
    return ProtocolError("invalid_value", message, param)


def invalid_type(param: str, expected: str) -> ProtocolError:
    return ProtocolError("invalid_type", f"Invalid type for '{param}': expected {expected}.", param)
