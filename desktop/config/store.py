"""The settings file: where it lives, reading it forgivingly, writing it safely.

A file that cannot be parsed, or that holds values the settings model
rejects, never stops the app: the original is kept beside it under a dated
name (``settings.bak-<date>-<time>.toml``; no earlier copy is overwritten),
only the bad keys are dropped, and the caller gets a list of plain-language
problems to show the user.
"""

from __future__ import annotations

import copy
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from pydantic import ValidationError

from desktop import APP_ID
from desktop.config.set_aside import set_aside
from desktop.config.settings import GROUPS, Settings

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "settings.toml"
_SECRET_KEYS = frozenset(
    {"openai_api_key", "azure_api_key", "azure_ad_token", "custom_api_key", "api_key"}
)


def default_settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_ID, appauthor=False)) / SETTINGS_FILE_NAME


@dataclass
class LoadedSettings:
    settings: Settings
    path: Path
    problems: list[str] = field(default_factory=list)


def load_settings(path: Path | None = None, **overrides: Any) -> LoadedSettings:
    """Read the settings file at ``path`` and combine it with the other sources.

    ``overrides`` (nested dicts, from the command line) win over everything.
    Problems with the file are reported, never raised.
    """
    path = path or default_settings_path()
    problems: list[str] = []
    data = _read_file(path, problems)
    data = _drop_secrets(data, problems)
    original = copy.deepcopy(data)
    while True:
        try:
            settings = Settings.build(data, **overrides)
            break
        except ValidationError as exc:
            dropped = _drop_invalid(data, exc)
            if not dropped:
                # The problem is in the environment or the overrides; the
                # file is fine. Report it and fall back to the file alone.
                problems.extend(_describe(exc, source="the environment or command line"))
                settings = Settings.build(data, environment=False)
                break
            for where, message in dropped:
                problems.append(
                    f"Setting '{where}' in {path} was invalid ({message}); using the default."
                )
    if data != original:
        _backup(path, problems)
    return LoadedSettings(settings=settings, path=path, problems=problems)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write every storable option atomically. Secrets are never written."""
    path = path or default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Parley settings. API keys are never stored here.\n" + tomli_w.dumps(
        settings.storable()
    )
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _read_file(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        problems.append(f"Could not read the settings file {path}: {exc.strerror}; using defaults.")
        return {}
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        _backup(path, problems)
        problems.append(f"The settings file {path} is not valid TOML ({exc}); started on defaults.")
        return {}


def _drop_secrets(data: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SECRET_KEYS:
            problems.append(
                f"Ignored '{key}' in the settings file: API keys belong in the system "
                "keyring or the environment."
            )
            continue
        if key not in GROUPS and key != "log_level":
            problems.append(f"Ignored unknown setting '{key}'.")
            continue
        cleaned[key] = value
    return cleaned


def _drop_invalid(data: dict[str, Any], exc: ValidationError) -> list[tuple[str, str]]:
    """Remove what each error points at (the deepest part of its location that is in
    ``data``: a value, a list entry, or a whole group); return what went."""
    dropped: list[tuple[str, str]] = []
    gone: list[list[str]] = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if not loc or loc[0] not in data or any(loc[: len(g)] == g for g in gone):
            continue
        container: Any = data
        path = [loc[0]]
        for part in loc[1:]:
            child = _child(container[_key(container, path[-1])], part)
            if child is None:
                break
            container = container[_key(container, path[-1])]
            path.append(part)
        del container[_key(container, path[-1])]
        gone.append(path)
        dropped.append((".".join(path), error["msg"]))
        if isinstance(container, list):
            break  # later entries moved up: the caller validates again
    return dropped


def _key(container: Any, part: str) -> Any:
    return int(part) if isinstance(container, list) else part


def _child(node: Any, part: str) -> Any:
    """``node[part]`` for a table or a list, or None when there is no such entry."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def _describe(exc: ValidationError, source: str) -> list[str]:
    return [
        f"Setting '{'.'.join(str(p) for p in e['loc'])}' from {source} was invalid ({e['msg']})."
        for e in exc.errors()
    ]


def _backup(path: Path, problems: list[str]) -> None:
    """Keep a copy of the file as it was, under a dated name no earlier copy has
    (unless an earlier copy already holds exactly this: starting twice with the same
    bad file makes one copy, not two)."""
    try:
        content = path.read_bytes()
        backup = next(
            (
                earlier
                for earlier in path.parent.glob(f"{path.stem}.bak-*{path.suffix}")
                if earlier.read_bytes() == content
            ),
            None,
        ) or set_aside(path, "bak", move=False)
    except OSError as exc:
        problems.append(f"Could not keep a copy of the settings file: {exc.strerror}.")
        return
    log.warning("kept the original settings file as %s", backup)
    problems.append(f"The original settings file was kept as {backup}.")
