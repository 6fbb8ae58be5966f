"""Level meter input handling and the tray without a system tray."""

from __future__ import annotations

import logging
import math

import pytest
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from desktop.connection.state import ConnectionState
from ui.icons import app_icon, resource_path, state_icon
from ui.level_meter import FLOOR_DB, LevelMeter, clamp_db, db_fraction
from ui.tray import Tray


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-math.inf, FLOOR_DB), (math.nan, FLOOR_DB), (math.inf, 0.0), (-20.0, -20.0), (-500, -60)],
)
def test_clamp(value: float, expected: float) -> None:
    assert clamp_db(value) == expected


def test_meter_accepts_inf_and_nan_and_paints(qtbot: QtBot) -> None:
    meter = LevelMeter("Mic")
    qtbot.addWidget(meter)
    meter.resize(200, 12)
    meter.set_level(-math.inf, math.nan, now=0.0)
    assert meter.rms_db == FLOOR_DB and meter.peak_db == FLOOR_DB
    meter.set_level(-12.0, -3.0, now=1.0)
    assert meter.hold_db == -3.0
    meter.set_level(-40.0, -35.0, now=1.5)
    assert meter.hold_db == -3.0  # held
    meter.set_level(-40.0, -35.0, now=4.0)
    assert -35.0 <= meter.hold_db < -3.0  # decaying after the hold time
    meter.set_level(math.nan, -math.inf, now=5.0)
    pixmap = QPixmap(meter.size())
    meter.render(pixmap)  # painting never fails on odd values
    assert db_fraction(-30.0) == pytest.approx(0.5)


def test_tray_without_system_tray_is_silent(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen platform
    caplog.set_level(logging.DEBUG, logger="ui.tray")
    tray = Tray()
    assert not tray.available
    tray.set_connection_state(ConnectionState.LIVE, "ok")
    tray.set_muted(True)
    tray.notify("Timer", "Tea is ready")
    tray.hide()
    assert tray.mute_action.isChecked()
    assert all(record.levelno < logging.WARNING for record in caplog.records)
    assert any("Tea is ready" in record.getMessage() for record in caplog.records)
    muted: list[bool] = []
    tray.mute_toggled.connect(muted.append)
    tray.mute_action.trigger()
    assert muted == [False]


def test_icons_exist_for_every_state() -> None:
    assert resource_path("icons", "parley.svg").is_file()
    assert not app_icon().isNull()
    for state in ConnectionState:
        assert resource_path("icons", f"state-{state.value}.svg").is_file()
        assert not state_icon(state).isNull()
    assert resource_path("sounds", "chime.wav").is_file()
