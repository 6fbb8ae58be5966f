"""Logging to a rotating file in the user log dir and to stderr, secrets redacted.

Redaction works twice over: every key the app learns is registered and
replaced verbatim, and anything shaped like a credential (``sk-…`` keys,
``Bearer …`` tokens, ``api-key`` headers or query parameters) is masked even
if it was never registered.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from pathlib import Path

import platformdirs

from desktop import APP_ID

REDACTED = "[redacted]"
LOG_FILE_NAME = "parley.log"

_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bek_[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/\-]{8,}=*"),
    re.compile(r"(?i)(api[-_]key[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;]{4,}"),
)
_registered: set[str] = set()
_registered_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Make ``value`` disappear from every log line from now on."""
    if len(value) >= 4:
        with _registered_lock:
            _registered.add(value)


def redact(text: str) -> str:
    with _registered_lock:
        secrets = sorted(_registered, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def default_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_ID, appauthor=False))


def setup_logging(level: str = "INFO", log_dir: Path | None = None, stderr: bool = True) -> Path:
    """Configure the root logger once; returns the log file's path."""
    log_dir = log_dir or default_log_dir()
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_parley", False):
            root.removeHandler(handler)
            handler.close()
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    file_handler._parley = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    if stderr:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        stream.setLevel(max(logging.getLevelName(level), logging.WARNING))
        stream._parley = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    root.setLevel(level)
    return path
