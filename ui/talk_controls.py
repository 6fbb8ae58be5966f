"""Talk mode switch, hold-to-talk button, mute, level meters and turn state."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.conversation.turn_machine import TurnState
from ui.level_meter import LevelMeter
from ui.state_dot import StateDot
from ui.theme import BUSY_COLOUR, GOOD_COLOUR, SPEAKING_COLOUR

TURN_TEXT: dict[TurnState, str] = {
    TurnState.IDLE: "Idle",
    TurnState.LISTENING: "Listening…",
    TurnState.THINKING: "Thinking…",
    TurnState.SPEAKING: "Speaking…",
}
TURN_COLOURS: dict[TurnState, str | None] = {
    TurnState.IDLE: None,
    TurnState.LISTENING: GOOD_COLOUR,
    TurnState.THINKING: BUSY_COLOUR,
    TurnState.SPEAKING: SPEAKING_COLOUR,
}


class TalkControls(QWidget):
    """How the user talks, and what the conversation is doing right now.

    Signals:
        ptt_pressed(): the hold-to-talk button went down.
        ptt_released(): the hold-to-talk button came up.
        mute_toggled(bool): the user muted (``True``) or unmuted the microphone.
        setting_changed(str, object): ``"ui.talk_mode"`` with ``"ptt"`` or
            ``"handsfree"`` when the user switches mode.
    """

    ptt_pressed = Signal()
    ptt_released = Signal()
    mute_toggled = Signal(bool)
    setting_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ptt_key = "Space"
        self._mode = "handsfree"

        self._handsfree = QRadioButton("&Hands-free")
        self._handsfree.setToolTip("The server notices when you start and stop talking.")
        self._ptt = QRadioButton("&Push-to-talk")
        self._ptt.setToolTip("Talk while holding the button or the push-to-talk key.")
        self._mode_group = QButtonGroup(self)
        self._mode_group.addButton(self._handsfree)
        self._mode_group.addButton(self._ptt)
        self._handsfree.setChecked(True)
        self._handsfree.clicked.connect(self._on_handsfree_clicked)
        self._ptt.clicked.connect(self._on_ptt_clicked)

        self._talk = QPushButton()
        self._talk.setAccessibleName("Hold to talk")
        self._talk.setMinimumHeight(56)
        self._talk.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        bigger = QFont(self._talk.font())
        bigger.setPointSizeF(bigger.pointSizeF() * 1.25)
        bigger.setBold(True)
        self._talk.setFont(bigger)
        self._talk.pressed.connect(self._on_talk_pressed)
        self._talk.released.connect(self._on_talk_released)

        self._mute = QPushButton("&Mute")
        self._mute.setCheckable(True)
        self._mute.setAccessibleName("Mute microphone")
        self._mute.setShortcut(QKeySequence("Ctrl+M"))
        self._mute.setToolTip("Mute the microphone (Ctrl+M)")
        self._mute.toggled.connect(self._on_mute_toggled)

        self._turn_dot = StateDot()
        self._turn_label = QLabel()
        self._turn_label.setAccessibleName("Conversation state")
        self.input_meter = LevelMeter("Microphone level")
        self.output_meter = LevelMeter("Speaker level")

        modes = QHBoxLayout()
        modes.addWidget(self._handsfree)
        modes.addWidget(self._ptt)
        modes.addStretch(1)
        modes.addWidget(self._turn_dot)
        modes.addWidget(self._turn_label)

        meters = QGridLayout()
        meters.addWidget(QLabel("Mic"), 0, 0)
        meters.addWidget(self.input_meter, 0, 1)
        meters.addWidget(QLabel("Speaker"), 1, 0)
        meters.addWidget(self.output_meter, 1, 1)
        meters.setColumnStretch(1, 1)

        talk_row = QHBoxLayout()
        talk_row.addWidget(self._talk, 1)
        talk_row.addWidget(self._mute)
        self._mute.setMinimumHeight(56)

        column = QVBoxLayout(self)
        column.addLayout(modes)
        column.addLayout(talk_row)
        column.addLayout(meters)

        self.set_turn_state(TurnState.IDLE)
        self._render_mode()

    # Rendering --------------------------------------------------------------

    def set_talk_mode(self, mode: str) -> None:
        """``"ptt"`` or ``"handsfree"``; anything else is treated as hands-free."""
        self._mode = "ptt" if mode == "ptt" else "handsfree"
        self._render_mode()

    def talk_mode(self) -> str:
        return self._mode

    def set_ptt_key(self, name: str) -> None:
        self._ptt_key = name or "Space"
        self._render_mode()

    def set_ptt_held(self, held: bool) -> None:
        """Show the button pressed while the push-to-talk key is held."""
        self._talk.setDown(held)
        self._talk.setText("Talking… release to send" if held else self._idle_talk_text())

    def set_muted(self, muted: bool) -> None:
        blocked = self._mute.blockSignals(True)
        self._mute.setChecked(muted)
        self._mute.blockSignals(blocked)
        self._render_mute()

    def is_muted(self) -> bool:
        return self._mute.isChecked()

    def set_turn_state(self, state: TurnState) -> None:
        self._turn_label.setText(TURN_TEXT.get(state, str(state.value)))
        self._turn_dot.set_colour(TURN_COLOURS.get(state))

    def turn_text(self) -> str:
        return self._turn_label.text()

    def set_input_level(self, rms_db: float, peak_db: float) -> None:
        self.input_meter.set_level(rms_db, peak_db)

    def set_output_level(self, rms_db: float, peak_db: float) -> None:
        self.output_meter.set_level(rms_db, peak_db)

    def _idle_talk_text(self) -> str:
        if self._mode == "ptt":
            return f"Hold to talk ({self._ptt_key})"
        return "Hands-free: just talk"

    def _render_mode(self) -> None:
        ptt = self._mode == "ptt"
        button = self._ptt if ptt else self._handsfree
        if not button.isChecked():
            button.setChecked(True)
        self._talk.setEnabled(ptt)
        self._talk.setText(self._idle_talk_text())
        self._talk.setToolTip(
            f"Hold this button or the {self._ptt_key} key while you speak"
            if ptt
            else "Switch to push-to-talk to use this button"
        )

    def _render_mute(self) -> None:
        self._mute.setText("Un&mute" if self._mute.isChecked() else "&Mute")

    # User intent ------------------------------------------------------------

    def _on_handsfree_clicked(self) -> None:
        self._switch_mode("handsfree")

    def _on_ptt_clicked(self) -> None:
        self._switch_mode("ptt")

    def _switch_mode(self, mode: str) -> None:
        if mode != self._mode:
            self._mode = mode
            self._render_mode()
            self.setting_changed.emit("ui.talk_mode", mode)

    def _on_talk_pressed(self) -> None:
        self.ptt_pressed.emit()

    def _on_talk_released(self) -> None:
        self.ptt_released.emit()

    def _on_mute_toggled(self, checked: bool) -> None:
        self._render_mute()
        self.mute_toggled.emit(checked)
