"""Entry point of ``parley`` and ``python -m desktop``."""

from __future__ import annotations

import logging
import sys

from desktop.config.cli import CliOptions, parse_args
from desktop.config.logging_setup import setup_logging
from desktop.config.store import load_settings

log = logging.getLogger("desktop")


def list_devices() -> int:
    try:
        from audio_engine import list_devices as scan
        from audio_engine.sound_server import take_snapshot
    except ImportError as exc:
        print(f"The audio engine is not available: {exc}", file=sys.stderr)
        return 1
    snapshot = take_snapshot()
    if snapshot is not None:
        print(f"Audio devices of the sound server ({snapshot.server}):")
        for title, listed, default in (
            ("Microphones (--input-device)", snapshot.inputs, snapshot.default_input),
            ("Speakers (--output-device)", snapshot.outputs, snapshot.default_output),
        ):
            print(f"  {title}:")
            for server_device in listed:
                mark = "  (default)" if server_device.name == default else ""
                print(f"    {server_device.description}  [{server_device.name}]{mark}")
        print("Use the description or the name in brackets.")
        return 0
    devices = scan()
    if not devices:
        print("No audio devices found (is a sound server running?).")
        return 0
    print("Audio devices (use the name with --input-device / --output-device):")
    for device in devices:
        kinds = [
            kind
            for kind, channels in (
                ("input", device.max_input_channels),
                ("output", device.max_output_channels),
            )
            if channels
        ]
        defaults = [
            f"default {kind}"
            for kind, flag in (
                ("input", device.is_default_input),
                ("output", device.is_default_output),
            )
            if flag
        ]
        extra = f" ({', '.join(defaults)})" if defaults else ""
        print(f"  {device.name}  [{device.host_api}; {'/'.join(kinds)}]{extra}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run Parley; returns the process exit code."""
    options: CliOptions = parse_args(argv)
    if options.list_devices:
        return list_devices()
    loaded = load_settings(options.settings_path, **options.overrides)
    setup_logging(loaded.settings.log_level)
    for problem in loaded.problems:
        log.warning("%s", problem)
    if options.smoke_test:
        from desktop.smoke import run_smoke_test

        return run_smoke_test(loaded, options)
    from desktop.app import ParleyApp, ensure_application

    qt_app = ensure_application(sys.argv[:1])
    app = ParleyApp(loaded, options)
    app.start()
    try:
        code = qt_app.exec()
    finally:
        app.save()
        app.close()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
