"""Light, dark, or the system's own look (``ui.theme`` setting), and the status colours.

Widgets only use palette roles, so switching the application palette is all
a theme needs. "system" puts back the style and palette Qt started with. The
status colours read on light and dark backgrounds alike, so they stay as they are.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

_ORIGINAL_STYLE = "parley_original_style"

#: Status colours: working or live; on its way; waiting to try again; a problem;
#: the assistant speaking.
GOOD_COLOUR = "#2e9d4f"
BUSY_COLOUR = "#d4a017"
WAITING_COLOUR = "#e07b24"
PROBLEM_COLOUR = "#d9534f"
SPEAKING_COLOUR = "#3b7dd8"
#: The style sheet of a label that says what is wrong.
PROBLEM_TEXT_STYLE = f"color: {PROBLEM_COLOUR};"

_DARK: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#2b2d31",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#2b2d31",
    QPalette.ColorRole.ToolTipBase: "#1e1f22",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8c8f94",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#383a40",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#4a4d55",
    QPalette.ColorRole.Midlight: "#41444b",
    QPalette.ColorRole.Mid: "#5c5f66",
    QPalette.ColorRole.Dark: "#1a1b1e",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#3b7dd8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6aa6ff",
    QPalette.ColorRole.LinkVisited: "#b48cff",
}
_DISABLED_TEXT = "#7a7d83"


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT))
    return palette


def apply_theme(app: QApplication, theme: str) -> None:
    """``"system"``, ``"light"`` or ``"dark"``; anything else means system."""
    if app.property(_ORIGINAL_STYLE) is None:
        app.setProperty(_ORIGINAL_STYLE, app.style().name())
    if theme in ("light", "dark"):
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
        app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
        return
    original = QStyleFactory.create(str(app.property(_ORIGINAL_STYLE)))
    if original is not None:
        app.setStyle(original)
    app.setPalette(app.style().standardPalette())
