"""Themes switch the application palette and can go back to the system look."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.theme import apply_theme


def test_dark_light_and_back_to_system(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original_style = app.style().name()
    try:
        apply_theme(app, "dark")
        window = app.palette().color(QPalette.ColorRole.Window)
        text = app.palette().color(QPalette.ColorRole.WindowText)
        assert window.lightness() < 80 < text.lightness()
        apply_theme(app, "light")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 150
        apply_theme(app, "nonsense")
        assert app.style().name() == original_style
    finally:
        apply_theme(app, "system")
