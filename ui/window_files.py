"""Save dialogs for exports, and the window's remembered geometry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

from desktop.config.settings import UiSettings
from desktop.conversation.controller import ConversationController
from desktop.conversation.export import EXPORT_FORMATS


def export_audio(parent: QWidget, controller: ConversationController) -> None:
    name, _ = QFileDialog.getSaveFileName(
        parent, "Export conversation audio", "conversation.wav", "*.wav"
    )
    if name:
        try:
            controller.export_audio(Path(name))
        except OSError as exc:
            QMessageBox.warning(parent, "Export failed", f"Could not write {name}:\n{exc}")


def export_transcript(parent: QWidget, controller: ConversationController, fmt: str) -> None:
    """Ask where to save the transcript as ``markdown`` or ``json``, then save it."""
    suffix = EXPORT_FORMATS[fmt]
    name, _ = QFileDialog.getSaveFileName(
        parent, "Export transcript", f"conversation{suffix}", f"*{suffix}"
    )
    if not name:
        return
    try:
        controller.export_transcript(Path(name), fmt)
    except OSError as exc:
        QMessageBox.warning(parent, "Export failed", f"Could not write {name}:\n{exc}")


def restore_geometry(window: QMainWindow, ui: UiSettings) -> None:
    if ui.window_geometry:
        window.restoreGeometry(QByteArray.fromBase64(ui.window_geometry.encode()))
    if ui.window_state:
        window.restoreState(QByteArray.fromBase64(ui.window_state.encode()))


def remember_geometry(window: QMainWindow, ui: UiSettings) -> None:
    ui.window_geometry = bytes(window.saveGeometry().toBase64().data()).decode()
    ui.window_state = bytes(window.saveState().toBase64().data()).decode()
