"""Microphone and speaker choice, levels, test buttons, echo cancellation."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.config.settings import AudioSettings
from ui.icons import warning_icon
from ui.level_meter import LevelMeter
from ui.settings_form import SettingsForm

DEFAULT_DEVICE_TEXT = "System default"


class AudioPanel(QWidget):
    """Devices by name (``""`` is the system default) and audio options.

    Signals:
        setting_changed(str, object): ``"audio.input_device"``,
            ``"audio.output_device"`` (device name, ``""`` for default),
            ``"audio.echo_cancellation"``, ``"audio.headset_mode"``,
            ``"audio.noise_suppression"``, ``"audio.ignore_echo_barge_in"``,
            ``"audio.chunk_ms"``, ``"audio.format"``.
        refresh_devices_requested(): list the devices again (shown only where the
            list does not update by itself).
        test_tone_requested(): play a short tone on the output device.
        mic_check_requested(): record a few seconds and play them back.
        meters_shown(bool): the level meters came on screen (True) or left it;
            the microphone runs for them only while they are seen.
    """

    setting_changed = Signal(str, object)
    refresh_devices_requested = Signal()
    test_tone_requested = Signal()
    mic_check_requested = Signal()
    meters_shown = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input_combo = self._device_combo("Microphone", "audio.input_device")
        self.output_combo = self._device_combo("Speaker", "audio.output_device")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Look for newly plugged-in devices")
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.input_meter = LevelMeter("Microphone level")
        self.output_meter = LevelMeter("Speaker level")
        self.test_tone_button = QPushButton("Play &test tone")
        self.test_tone_button.setToolTip("Play a short tone on the selected speaker")
        self.test_tone_button.clicked.connect(self._on_test_tone_button_clicked)
        self.mic_check_button = QPushButton("Mic &check")
        self.mic_check_button.setToolTip("Record three seconds and play them back")
        self.mic_check_button.clicked.connect(self._on_mic_check_button_clicked)
        self._status = QLabel()
        self._status.setWordWrap(True)
        self._status.setAccessibleName("Audio status")
        # What is wrong with the sound right now (no server, a silent microphone):
        # shown until it is fixed, apart from the passing status line below.
        self._problem = QLabel()
        self._problem.setWordWrap(True)
        self._problem.setAccessibleName("Audio problem")
        bold = self._problem.font()
        bold.setBold(True)
        self._problem.setFont(bold)
        problem_icon = QLabel()
        problem_icon.setPixmap(warning_icon().pixmap(20, 20))
        self._problem_row = QWidget()
        problem_layout = QHBoxLayout(self._problem_row)
        problem_layout.setContentsMargins(0, 0, 0, 0)
        problem_layout.addWidget(problem_icon, 0, Qt.AlignmentFlag.AlignTop)
        problem_layout.addWidget(self._problem, 1)
        self._problems: dict[str, str] = {}
        self.form = SettingsForm(
            "audio",
            AudioSettings,
            [
                "echo_cancellation",
                "headset_mode",
                "noise_suppression",
                "ignore_echo_barge_in",
                "chunk_ms",
                "format",
            ],
        )
        self.form.setting_changed.connect(self.setting_changed)

        devices = QFormLayout()
        devices.addRow("&Microphone:", self.input_combo)
        devices.addRow("", self.input_meter)
        devices.addRow("S&peaker:", self.output_combo)
        devices.addRow("", self.output_meter)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_tone_button)
        buttons.addWidget(self.mic_check_button)
        column = QVBoxLayout(self)
        column.addLayout(devices)
        column.addLayout(buttons)
        column.addWidget(self._problem_row)
        column.addWidget(self._status)
        column.addWidget(self.form)
        column.addStretch(1)
        self._status.hide()
        self._problem_row.hide()
        self.set_devices([], [], "", "")
        self.set_values(AudioSettings())

    def _device_combo(self, name: str, path: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setToolTip(f"{name} to use; {DEFAULT_DEVICE_TEXT.lower()} follows the system")
        combo.setMinimumContentsLength(18)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.activated.connect(lambda _index: self._on_device_combo_activated(combo, path))
        return combo

    # Rendering --------------------------------------------------------------

    def set_devices(
        self,
        inputs: Sequence[tuple[str, str]],
        outputs: Sequence[tuple[str, str]],
        current_in: str,
        current_out: str,
    ) -> None:
        """List the devices as (value, label) pairs; ``""`` is the system default.

        A saved device that is missing stays listed as such. Without a default
        entry in the list, a plain "System default" one comes first.
        """
        self._fill(self.input_combo, inputs, current_in)
        self._fill(self.output_combo, outputs, current_out)

    @staticmethod
    def _fill(combo: QComboBox, options: Sequence[tuple[str, str]], current: str) -> None:
        blocked = combo.blockSignals(True)
        combo.clear()
        if not any(value == "" for value, _label in options):
            combo.addItem(DEFAULT_DEVICE_TEXT, "")
        for value, label in options:
            combo.addItem(label, value)
            combo.setItemData(combo.count() - 1, value or label, Qt.ItemDataRole.ToolTipRole)
        if current and combo.findData(current) < 0:
            combo.addItem(f"{current} (not connected)", current)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(blocked)

    def set_live_updates(self, live: bool) -> None:
        """The lists follow the sound server by themselves: no Refresh button then."""
        self.refresh_button.setVisible(not live)

    def set_values(self, values: AudioSettings) -> None:
        self.form.set_values(values)
        for combo, current in (
            (self.input_combo, values.input_device),
            (self.output_combo, values.output_device),
        ):
            index = combo.findData(current)
            if index < 0 and current:
                combo.addItem(f"{current} (not connected)", current)
                index = combo.count() - 1
            combo.setCurrentIndex(max(index, 0))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.meters_shown.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.meters_shown.emit(False)

    def set_input_level(self, rms_db: float, peak_db: float) -> None:
        self.input_meter.set_level(rms_db, peak_db)

    def set_output_level(self, rms_db: float, peak_db: float) -> None:
        self.output_meter.set_level(rms_db, peak_db)

    def set_status(self, text: str) -> None:
        """A line about the audio (e.g. "Mic check: recording…", a device error)."""
        self._status.setText(text)
        self._status.setVisible(bool(text))

    def set_problem(self, kind: str, text: str) -> None:
        """Show (or, with empty ``text``, clear) a lasting problem of one ``kind``
        (e.g. ``"health"``, ``"microphone"``) until it is fixed."""
        if text:
            self._problems[kind] = text
        else:
            self._problems.pop(kind, None)
        self._problem.setText("\n\n".join(self._problems.values()))
        self._problem_row.setVisible(bool(self._problems))

    def problem_text(self) -> str:
        return self._problem.text() if self._problems else ""

    def set_tests_enabled(self, enabled: bool) -> None:
        self.test_tone_button.setEnabled(enabled)
        self.mic_check_button.setEnabled(enabled)

    # User intent ------------------------------------------------------------

    def _on_device_combo_activated(self, combo: QComboBox, path: str) -> None:
        self.setting_changed.emit(path, str(combo.currentData() or ""))

    def _on_refresh_button_clicked(self) -> None:
        self.refresh_devices_requested.emit()

    def _on_test_tone_button_clicked(self) -> None:
        self.test_tone_requested.emit()

    def _on_mic_check_button_clicked(self) -> None:
        self.mic_check_requested.emit()
