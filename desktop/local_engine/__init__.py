"""Offline engine: a loopback WebSocket server that speaks the Realtime protocol.

``LocalEngine(host, port, token, speech)`` runs it on a background thread;
``python -m desktop.local_engine`` runs it as a program.
"""

from desktop.local_engine.server import LocalEngine

__all__ = ["LocalEngine"]
