"""Tokens per turn and per session, and what they cost at the price table."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.config.settings import PriceTable
from desktop.conversation.usage import TokenCounts, cost
from ui.settings_form import SettingsForm

#: Counter keys (the fields of TokenCounts and of the price table) and their row labels.
COUNTERS: dict[str, str] = {
    "text_input": "Text in",
    "text_cached_input": "Text in (cached)",
    "audio_input": "Audio in",
    "audio_cached_input": "Audio in (cached)",
    "text_output": "Text out",
    "audio_output": "Audio out",
}
assert set(COUNTERS) == set(TokenCounts().as_dict()), "COUNTERS out of step with TokenCounts"


def format_cost(dollars: float) -> str:
    return f"${dollars:.4f}" if dollars < 1 else f"${dollars:.2f}"


class UsagePanel(QWidget):
    """Shows the usage the controller adds up; prices are editable below.

    Signals:
        setting_changed(str, object): ``"prices.<field>"`` with a new price.
        reset_conversation_requested(): start over (clears the session totals).
    """

    setting_changed = Signal(str, object)
    reset_conversation_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._turn = TokenCounts()
        self._session = TokenCounts()
        grid = QGridLayout()
        grid.addWidget(self._bold("Tokens"), 0, 0)
        grid.addWidget(self._bold("Last turn"), 0, 1, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self._bold("Session"), 0, 2, Qt.AlignmentFlag.AlignRight)
        self._cells: dict[tuple[str, str], QLabel] = {}
        for row, (key, label) in enumerate([*COUNTERS.items(), ("total", "Total"), ("cost", "")]):
            grid.addWidget(QLabel(label or "Estimated cost"), row + 1, 0)
            for grid_column, scope in ((1, "turn"), (2, "session")):
                cell = QLabel("0")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                cell.setAccessibleName(f"{label or 'Estimated cost'}, {scope}")
                grid.addWidget(cell, row + 1, grid_column)
                self._cells[(key, scope)] = cell
        grid.setColumnStretch(0, 1)

        self.prices_form = SettingsForm("prices", PriceTable)
        self.prices_form.setting_changed.connect(self._on_prices_form_setting_changed)
        self.prices_toggle = QToolButton()
        self.prices_toggle.setText("Prices ($ per million tokens)")
        self.prices_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.prices_toggle.setAutoRaise(True)
        self.prices_toggle.setCheckable(True)
        self.prices_toggle.setToolTip("The prices behind the estimate; edit them if yours differ")
        self.prices_toggle.toggled.connect(self._on_prices_toggle_toggled)
        self._on_prices_toggle_toggled(False)

        self.reset_button = QPushButton("&Reset conversation")
        self.reset_button.setToolTip("Start a new conversation and zero the session totals")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        column = QVBoxLayout(self)
        column.addLayout(grid)
        column.addWidget(self.prices_toggle)
        column.addWidget(self.prices_form)
        column.addLayout(buttons)
        column.addStretch(1)
        self.set_prices(PriceTable())

    @staticmethod
    def _bold(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    # Rendering --------------------------------------------------------------

    def set_usage(self, turn: TokenCounts, session: TokenCounts) -> None:
        """The last turn's and the session's counts."""
        self._turn, self._session = turn, session
        self._render()

    def set_prices(self, prices: PriceTable) -> None:
        self.prices_form.set_values(prices)
        self._render()

    def prices(self) -> PriceTable:
        """The prices as shown (the user's edits included)."""
        values = {name: self.prices_form.value(name) for name in self.prices_form.fields()}
        try:
            return PriceTable.model_validate(values)
        except ValidationError:
            return PriceTable()

    def cell_text(self, key: str, scope: str) -> str:
        return self._cells[(key, scope)].text()

    def _render(self) -> None:
        prices = self.prices()
        for scope, counts in (("turn", self._turn), ("session", self._session)):
            values = counts.as_dict()
            for key in COUNTERS:
                self._cells[(key, scope)].setText(f"{values[key]:,}")
            self._cells[("total", scope)].setText(f"{counts.total:,}")
            self._cells[("cost", scope)].setText(format_cost(cost(counts, prices)))

    # User intent ------------------------------------------------------------

    def _on_prices_form_setting_changed(self, path: str, value: object) -> None:
        self._render()
        self.setting_changed.emit(path, value)

    def _on_prices_toggle_toggled(self, shown: bool) -> None:
        self.prices_form.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.prices_toggle.setArrowType(arrow)

    def _on_reset_button_clicked(self) -> None:
        self.reset_conversation_requested.emit()
