"""The form builder: editors, bounds and typed values come from the settings model."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from desktop.config.settings import (
    AudioSettings,
    ConnectionSettings,
    InstructionsSettings,
    ResponseSettings,
    TurnDetectionSettings,
    VoiceSettings,
)
from ui.field_info import humanise
from ui.settings_form import SettingsForm


def _form(qtbot: QtBot, *args: object, **kwargs: object) -> SettingsForm:
    form = SettingsForm(*args, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(form)
    return form


def test_editors_and_bounds_follow_the_model(qtbot: QtBot) -> None:
    form = _form(qtbot, "turn_detection", TurnDetectionSettings)
    mode = form.editor("mode")
    assert isinstance(mode, QComboBox)
    assert [mode.itemData(i) for i in range(mode.count())] == ["server_vad", "semantic_vad", "off"]
    threshold = form.editor("threshold")
    assert isinstance(threshold, QDoubleSpinBox)
    assert (threshold.minimum(), threshold.maximum()) == (0.0, 1.0)
    silence = form.editor("silence_duration_ms")
    assert isinstance(silence, QSpinBox)
    assert (silence.minimum(), silence.maximum()) == (100, 5000)
    assert isinstance(form.editor("create_response"), QCheckBox)
    described = TurnDetectionSettings.model_fields["silence_duration_ms"].description
    assert silence.toolTip() == described

    voice = _form(qtbot, "voice", VoiceSettings)
    speed = voice.editor("speed")
    assert isinstance(speed, QDoubleSpinBox)
    assert (speed.minimum(), speed.maximum()) == (0.25, 1.5)

    text = _form(qtbot, "instructions", InstructionsSettings, multiline={"instructions"})
    assert isinstance(text.editor("instructions"), QPlainTextEdit)
    assert isinstance(_form(qtbot, "connection", ConnectionSettings).editor("url"), QLineEdit)


def test_labels_are_humanised() -> None:
    assert humanise("prefix_padding_ms") == "Prefix padding (ms)"
    assert humanise("azure_api_version") == "Azure API version"


def test_user_edits_emit_typed_values(qtbot: QtBot) -> None:
    form = _form(qtbot, "turn_detection", TurnDetectionSettings)
    form.set_values(TurnDetectionSettings())
    seen: list[tuple[str, object]] = []
    form.setting_changed.connect(lambda path, value: seen.append((path, value)))

    silence = form.editor("silence_duration_ms")
    assert isinstance(silence, QSpinBox)
    silence.setValue(800)
    mode = form.editor("mode")
    assert isinstance(mode, QComboBox)
    mode.setCurrentIndex(mode.findData("semantic_vad"))
    mode.activated.emit(mode.currentIndex())
    check = form.editor("create_response")
    assert isinstance(check, QCheckBox)
    check.click()

    assert seen == [
        ("turn_detection.silence_duration_ms", 800),
        ("turn_detection.mode", "semantic_vad"),
        ("turn_detection.create_response", False),
    ]
    assert type(seen[0][1]) is int


def test_literal_ints_stay_ints(qtbot: QtBot) -> None:
    form = _form(qtbot, "audio", AudioSettings, ["chunk_ms"])
    form.set_values(AudioSettings())
    seen: list[object] = []
    form.setting_changed.connect(lambda _path, value: seen.append(value))
    combo = form.editor("chunk_ms")
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData(10))
    combo.activated.emit(combo.currentIndex())
    assert seen == [10]
    assert type(seen[0]) is int


def test_set_values_does_not_emit(qtbot: QtBot) -> None:
    form = _form(qtbot, "turn_detection", TurnDetectionSettings)
    seen: list[object] = []
    form.setting_changed.connect(lambda *args: seen.append(args))
    form.set_values(
        TurnDetectionSettings(mode="off", threshold=0.9, silence_duration_ms=1200, eagerness="high")
    )
    assert seen == []
    assert form.value("threshold") == 0.9
    assert form.value("silence_duration_ms") == 1200
    assert form.value("mode") == "off"


def test_unlimited_tokens_editor(qtbot: QtBot) -> None:
    form = _form(qtbot, "response", ResponseSettings)
    form.set_values(ResponseSettings())
    assert form.value("max_output_tokens") == "inf"
    seen: list[object] = []
    form.setting_changed.connect(lambda _path, value: seen.append(value))
    unlimited = form.editor("max_output_tokens").findChild(QCheckBox)
    spin = form.editor("max_output_tokens").findChild(QSpinBox)
    assert unlimited is not None and spin is not None
    assert (spin.minimum(), spin.maximum()) == (1, 4096)
    assert not spin.isEnabled()
    unlimited.click()
    spin.setValue(512)
    assert seen[-1] == 512
    form.set_values(ResponseSettings(max_output_tokens=200))
    assert form.value("max_output_tokens") == 200


def test_invalid_text_shows_inline_message_and_is_not_emitted(qtbot: QtBot) -> None:
    form = _form(qtbot, "connection", ConnectionSettings, ["url", "model"])
    form.set_values(ConnectionSettings())
    seen: list[object] = []
    form.setting_changed.connect(lambda *args: seen.append(args))
    url = form.editor("url")
    assert isinstance(url, QLineEdit)
    url.setText("ftp://example.com")
    url.editingFinished.emit()
    assert seen == []
    assert "ws://" in form.error_text("url")
    url.setText("ws://127.0.0.1:8080/v1")
    url.editingFinished.emit()
    assert seen == [("connection.url", "ws://127.0.0.1:8080/v1")]
    assert form.error_text("url") == ""

    model = form.editor("model")
    assert isinstance(model, QLineEdit)
    model.setText("   ")
    model.editingFinished.emit()
    assert form.error_text("model") != ""
    assert len(seen) == 1


def test_out_of_range_typing_is_explained(qtbot: QtBot) -> None:
    form = _form(qtbot, "voice", VoiceSettings, ["speed"])
    form.set_values(VoiceSettings())
    speed = form.editor("speed")
    assert isinstance(speed, QDoubleSpinBox)
    line = speed.lineEdit()
    line.clear()
    line.textEdited.emit("")
    assert "0.25" in form.error_text("speed") and "1.5" in form.error_text("speed")
