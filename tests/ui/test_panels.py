"""Panels: rendering does not emit, user edits do, locks and modes render."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox
from pytestqt.qtbot import QtBot

from desktop.config.settings import (
    AudioSettings,
    InstructionsSettings,
    PriceTable,
    ToolSettings,
    TranscriptionSettings,
    TurnDetectionSettings,
    VoiceSettings,
)
from desktop.conversation.usage import TokenCounts, cost
from ui.audio_panel import DEFAULT_DEVICE_TEXT, AudioPanel
from ui.instructions_panel import PRESETS, InstructionsPanel
from ui.tools_panel import ToolsPanel
from ui.usage_panel import UsagePanel
from ui.vad_panel import VadPanel
from ui.voice_panel import VoicePanel


def _recorder(signal: object) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    signal.connect(lambda path, value: seen.append((path, value)))  # type: ignore[attr-defined]
    return seen


def test_voice_lock_disables_the_combo_and_shows_the_reason(qtbot: QtBot) -> None:
    panel = VoicePanel()
    qtbot.addWidget(panel)
    seen = _recorder(panel.setting_changed)
    panel.set_values(VoiceSettings(voice="cedar", speed=1.2))
    assert seen == []
    assert panel.form.value("voice") == "cedar"
    panel.set_voice_locked(True, "The assistant has already spoken in this session.")
    assert not panel.form.editor("voice").isEnabled()
    assert "already spoken" in panel.lock_text()
    assert not panel.new_session_button.isHidden()
    requested: list[bool] = []
    panel.new_session_requested.connect(lambda: requested.append(True))
    panel.new_session_button.click()
    assert requested == [True]
    panel.set_voice_locked(False)
    assert panel.form.editor("voice").isEnabled()
    assert panel.lock_text() == ""
    speed = panel.form.editor("speed")
    assert isinstance(speed, QDoubleSpinBox)
    speed.setValue(0.8)
    assert seen == [("voice.speed", 0.8)]


def test_instructions_apply_emits_the_text(qtbot: QtBot) -> None:
    panel = InstructionsPanel()
    qtbot.addWidget(panel)
    seen = _recorder(panel.setting_changed)
    panel.set_values(InstructionsSettings(instructions="Be brief."))
    assert seen == [] and panel.text() == "Be brief."
    index = panel.presets.findText("Rubber duck")
    panel.presets.activated.emit(index)
    assert panel.text() == PRESETS["Rubber duck"]
    assert seen == []
    panel.apply_button.click()
    assert seen == [("instructions.instructions", PRESETS["Rubber duck"])]


def test_vad_fields_follow_the_mode(qtbot: QtBot) -> None:
    panel = VadPanel()
    qtbot.addWidget(panel)
    panel.show()
    seen = _recorder(panel.setting_changed)
    panel.set_values(TurnDetectionSettings(mode="semantic_vad"), TranscriptionSettings())
    assert seen == []
    assert panel.turn_form.editor("eagerness").isVisible()
    assert not panel.turn_form.editor("threshold").isVisible()
    mode = panel.turn_form.editor("mode")
    assert isinstance(mode, QComboBox)
    mode.setCurrentIndex(mode.findData("server_vad"))
    mode.activated.emit(mode.currentIndex())
    assert seen == [("turn_detection.mode", "server_vad")]
    assert panel.turn_form.editor("threshold").isVisible()
    assert panel.turn_form.editor("silence_duration_ms").isVisible()
    assert not panel.turn_form.editor("eagerness").isVisible()
    noise = panel.noise_form.editor("noise_reduction")
    assert isinstance(noise, QComboBox)
    noise.setCurrentIndex(noise.findData("far_field"))
    noise.activated.emit(noise.currentIndex())
    assert seen[-1] == ("audio.noise_reduction", "far_field")


def test_audio_devices_render_and_emit_names(qtbot: QtBot) -> None:
    panel = AudioPanel()
    qtbot.addWidget(panel)
    seen = _recorder(panel.setting_changed)
    inputs = [("", "System default (Built-in Mic)"), ("alsa_input.builtin", "Built-in Mic"),
              ("alsa_input.usb", "USB Headset")]  # fmt: skip
    panel.set_devices(inputs, [("alsa_output.speakers", "Speakers")], "alsa_input.usb", "Gone")
    panel.set_values(AudioSettings(input_device="alsa_input.usb", output_device="Gone"))
    assert seen == []
    # People see descriptions; the settings keep the server's stable names.
    assert panel.input_combo.currentText() == "USB Headset"
    assert panel.input_combo.itemText(0) == "System default (Built-in Mic)"
    assert panel.output_combo.itemText(0) == DEFAULT_DEVICE_TEXT
    assert panel.output_combo.currentText() == "Gone (not connected)"
    panel.input_combo.setCurrentIndex(panel.input_combo.findText("Built-in Mic"))
    panel.input_combo.activated.emit(panel.input_combo.currentIndex())
    assert seen == [("audio.input_device", "alsa_input.builtin")]
    panel.input_combo.setCurrentIndex(0)
    panel.input_combo.activated.emit(0)
    assert seen[-1] == ("audio.input_device", "")
    asked: list[str] = []
    panel.test_tone_requested.connect(lambda: asked.append("tone"))
    panel.mic_check_requested.connect(lambda: asked.append("mic"))
    panel.refresh_devices_requested.connect(lambda: asked.append("refresh"))
    panel.test_tone_button.click()
    panel.mic_check_button.click()
    panel.refresh_button.click()
    assert asked == ["tone", "mic", "refresh"]


def test_audio_panel_shows_lasting_problems_until_cleared(qtbot: QtBot) -> None:
    panel = AudioPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.problem_text() == ""
    panel.set_problem("health", "No sound: the sound server is not running.")
    panel.set_problem("microphone", "The microphone has sent only silence.")
    assert "sound server" in panel.problem_text() and "silence" in panel.problem_text()
    panel.set_problem("health", "")
    assert panel.problem_text() == "The microphone has sent only silence."
    panel.set_problem("microphone", "")
    assert panel.problem_text() == ""
    panel.set_live_updates(True)
    assert not panel.refresh_button.isVisible()


def test_tools_panel(qtbot: QtBot) -> None:
    panel = ToolsPanel()
    qtbot.addWidget(panel)
    seen = _recorder(panel.setting_changed)
    panel.set_values(ToolSettings(calculator=False))
    assert seen == [] and panel.form.value("calculator") is False
    panel.form.editor("timers").click()  # type: ignore[attr-defined]
    assert seen == [("tools.timers", False)]


def test_usage_and_cost(qtbot: QtBot) -> None:
    panel = UsagePanel()
    qtbot.addWidget(panel)
    seen = _recorder(panel.setting_changed)
    turn = TokenCounts(text_input=1000, audio_input=2000, audio_output=3000)
    session = TokenCounts(text_input=10000, audio_input=20000, audio_output=30000)
    panel.set_prices(PriceTable())
    panel.set_usage(turn, session)
    assert seen == []
    assert panel.cell_text("audio_output", "session") == "30,000"
    assert panel.cell_text("total", "turn") == "6,000"
    expected = (1000 * 4.0 + 2000 * 32.0 + 3000 * 64.0) / 1e6
    assert cost(turn, PriceTable()) == expected
    assert panel.cell_text("cost", "turn") == f"${expected:.4f}"
    price = panel.prices_form.editor("audio_output")
    assert isinstance(price, QDoubleSpinBox)
    price.setValue(0.0)
    assert seen == [("prices.audio_output", 0.0)]
    assert panel.cell_text("cost", "turn") == f"${(1000 * 4.0 + 2000 * 32.0) / 1e6:.4f}"
    junk = TokenCounts.from_usage({"input_tokens": -5, "output_tokens": "junk"})
    panel.set_usage(junk, TokenCounts())
    assert panel.cell_text("total", "turn") == "0"
    resets: list[bool] = []
    panel.reset_conversation_requested.connect(lambda: resets.append(True))
    panel.reset_button.click()
    assert resets == [True]


def test_instructions_ctrl_return_applies(qtbot: QtBot) -> None:
    panel = InstructionsPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    seen = _recorder(panel.setting_changed)
    editor = panel.form.editor("instructions")
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=2000)
    panel.set_text("Speak like a pirate.")
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert seen == [("instructions.instructions", "Speak like a pirate.")]
