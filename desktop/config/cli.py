"""Command-line flags, mapped onto the settings model.

Flags are the highest-priority settings source: each one becomes a nested
override (``--mode ptt`` -> ``{"ui": {"talk_mode": "ptt"}}``) for this run
only; they are not saved unless the user changes the setting in the window.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop import __version__

# flag destination -> (settings group, field)
_FLAG_TO_SETTING: dict[str, tuple[str, str]] = {
    "backend": ("connection", "backend"),
    "url": ("connection", "url"),
    "model": ("connection", "model"),
    "dialect": ("connection", "dialect"),
    "mode": ("ui", "talk_mode"),
    "input_device": ("audio", "input_device"),
    "output_device": ("audio", "output_device"),
    "echo_cancellation": ("audio", "echo_cancellation"),
}
_MODE_NAMES = {"ptt": "ptt", "handsfree": "handsfree"}


@dataclass
class CliOptions:
    overrides: dict[str, Any] = field(default_factory=dict)
    settings_path: Path | None = None
    connect: bool = False
    list_devices: bool = False
    smoke_test: bool = False
    log_level: str | None = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Parley: talk with realtime speech-to-speech models.",
        epilog="With no API key, Parley runs on its built-in offline engine. "
        "OpenAI: set OPENAI_API_KEY and use --backend openai. Azure: set "
        "AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT and use --backend azure "
        "--model <deployment>.",
    )
    parser.add_argument("--backend", choices=["offline", "openai", "azure", "custom"])
    parser.add_argument("--url", help="base URL of a custom server (ws://host:port/v1)")
    parser.add_argument("--model", help="model, or the deployment name on Azure")
    parser.add_argument("--dialect", choices=["ga", "beta"], help="wire format (default ga)")
    parser.add_argument("--mode", choices=sorted(_MODE_NAMES), help="push-to-talk or hands-free")
    parser.add_argument("--connect", action="store_true", help="connect at start")
    parser.add_argument("--input-device", metavar="NAME", help="microphone by name")
    parser.add_argument("--output-device", metavar="NAME", help="speaker by name")
    parser.add_argument(
        "--echo-cancellation", choices=["auto", "on", "off"], help="acoustic echo cancellation"
    )
    parser.add_argument("--list-devices", action="store_true", help="print audio devices, exit")
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], type=str.upper
    )
    parser.add_argument("--settings", type=Path, metavar="PATH", help="settings file to use")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="start offscreen, complete one typed turn with the offline engine, exit",
    )
    parser.add_argument("--version", action="version", version=f"Parley {__version__}")
    return parser


def parse_args(argv: list[str] | None = None) -> CliOptions:
    args = build_parser().parse_args(argv)
    overrides: dict[str, Any] = {}
    for dest, (group, name) in _FLAG_TO_SETTING.items():
        value = getattr(args, dest, None)
        if value is not None:
            overrides.setdefault(group, {})[name] = value
    if args.log_level:
        overrides["log_level"] = args.log_level
    if args.url and not args.backend:
        overrides.setdefault("connection", {})["backend"] = "custom"
    return CliOptions(
        overrides=overrides,
        settings_path=args.settings,
        connect=args.connect,
        list_devices=args.list_devices,
        smoke_test=args.smoke_test,
        log_level=args.log_level,
    )
