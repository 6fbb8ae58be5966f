"""Silence the ALSA and JACK probe noise PortAudio prints on every initialisation.

``pyaudio.PyAudio()`` makes ALSA and JACK print dozens of harmless lines to
stderr while PortAudio probes devices. Installing no-op C error handlers through
ctypes removes them. The C callbacks must stay referenced for as long as the
libraries may call them, so they live at module level.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

_ALSA_HANDLER_TYPE = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)
_JACK_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p)

_installed: list[Any] = []


def _ignore_alsa(
    _file: bytes | None, _line: int, _function: bytes | None, _err: int, _fmt: bytes | None
) -> None:
    return None


def _ignore_jack(_message: bytes | None) -> None:
    return None


def _load(name: str) -> ctypes.CDLL | None:
    path = ctypes.util.find_library(name)
    candidates = [path] if path else []
    candidates.append(f"lib{name}.so.2" if name == "asound" else f"lib{name}.so.0")
    for candidate in candidates:
        try:
            return ctypes.CDLL(candidate)
        except OSError:
            continue
    return None


def silence_native_audio_errors() -> None:
    """Install the no-op handlers once; harmless when a library is absent."""
    if _installed:
        return
    alsa = _load("asound")
    if alsa is not None and hasattr(alsa, "snd_lib_error_set_handler"):
        handler = _ALSA_HANDLER_TYPE(_ignore_alsa)
        alsa.snd_lib_error_set_handler(handler)
        _installed.extend([alsa, handler])
    jack = _load("jack")
    if jack is not None and hasattr(jack, "jack_set_error_function"):
        error_handler = _JACK_HANDLER_TYPE(_ignore_jack)
        info_handler = _JACK_HANDLER_TYPE(_ignore_jack)
        jack.jack_set_error_function(error_handler)
        jack.jack_set_info_function(info_handler)
        _installed.extend([jack, error_handler, info_handler])
    if not _installed:
        _installed.append(None)
