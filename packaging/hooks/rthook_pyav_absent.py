# faster-whisper imports PyAV at module level, only to decode audio files.
# Parley hands Whisper PCM arrays, so the bundle leaves PyAV (about 100 MB of
# codec libraries) out and registers a module that explains itself if it is
# ever used.
import sys
import types


def _missing(name: str) -> object:
    # AttributeError, not ImportError: introspection (hasattr, inspect,
    # functools) probes dunder attributes and must get a plain "no".
    raise AttributeError(
        f"av.{name}: PyAV is not bundled with Parley, which decodes no audio files"
    )


if "av" not in sys.modules:
    _placeholder = types.ModuleType("av")
    _placeholder.__getattr__ = _missing  # type: ignore[method-assign]
    sys.modules["av"] = _placeholder
