"""Echo settings: what the session asks of the server, what the engine does, the barge-in guard."""

from __future__ import annotations

from desktop.barge_in.echo_guard import BargeInGuard
from desktop.barge_in.echo_policy import (
    barge_in_guard_active,
    echo_policy,
    engine_echo_mode,
    server_interrupts,
)
from desktop.config.settings import Settings
from desktop.connection.session_builder import build_session
from desktop.conversation.controller import ConversationController


def noise_in(settings: Settings) -> object:
    return build_session(settings, [])["audio"]["input"]["noise_reduction"]


def test_speakers_with_echo_cancellation_ask_for_far_field_noise_reduction() -> None:
    settings = Settings.build(environment=False)
    assert settings.audio.echo_cancellation == "auto" and not settings.audio.headset_mode
    assert echo_policy(settings).echo_cancellation
    assert noise_in(settings) == {"type": "far_field"}
    settings.audio.noise_reduction = "off"  # an explicit "off" wins
    assert noise_in(settings) is None


def vad_interrupts(settings: Settings) -> object:
    return build_session(settings, [])["audio"]["input"]["turn_detection"]["interrupt_response"]


def test_the_guard_takes_over_interruptions_only_on_speakers_without_cancellation() -> None:
    settings = Settings.build(environment=False)
    settings.audio.ignore_echo_barge_in = True
    # With echo cancellation the echo is gone: the server keeps interrupting.
    assert echo_policy(settings).echo_cancellation
    assert not barge_in_guard_active(settings)
    assert server_interrupts(settings) and vad_interrupts(settings) is True
    settings.audio.echo_cancellation = "off"
    assert barge_in_guard_active(settings)
    assert not server_interrupts(settings) and vad_interrupts(settings) is False
    # ...and the app, not the server, answers the turns the guard lets through.
    turn_detection = build_session(settings, [])["audio"]["input"]["turn_detection"]
    assert turn_detection["create_response"] is False
    settings.audio.headset_mode = True  # no echo path at all
    assert not barge_in_guard_active(settings) and vad_interrupts(settings) is True
    settings.audio.headset_mode = False
    settings.audio.ignore_echo_barge_in = False
    assert vad_interrupts(settings) is True
    settings.turn_detection.interrupt_response = False  # the user's own choice stands
    assert vad_interrupts(settings) is False


def test_headset_mode_means_near_field_and_no_echo_cancellation() -> None:
    settings = Settings.build(environment=False)
    settings.audio.headset_mode = True
    settings.audio.echo_cancellation = "on"
    assert not echo_policy(settings).echo_cancellation
    assert engine_echo_mode(settings) == "off"
    assert noise_in(settings) == {"type": "near_field"}
    settings.audio.headset_mode = False
    assert engine_echo_mode(settings) == "on"


def test_headset_device_or_cancellation_off_keeps_the_chosen_noise_reduction() -> None:
    settings = Settings.build(environment=False)
    settings.audio.output_device = "USB Headset Analog Stereo"
    assert not echo_policy(settings).echo_cancellation  # auto skips headsets
    assert noise_in(settings) == {"type": "near_field"}
    settings.audio.output_device = ""
    settings.audio.echo_cancellation = "off"
    settings.audio.noise_reduction = "far_field"
    assert noise_in(settings) == {"type": "far_field"}


def test_headset_mode_and_noise_suppression_reach_the_audio_engine(
    controller: ConversationController,
) -> None:
    from audio_engine import AudioEngine

    engine = AudioEngine(echo_cancellation="on")
    controller.attach_audio(engine)
    assert engine.echo_cancelling and not engine.noise_suppressing
    assert controller.update_setting("audio", "headset_mode", True)
    assert not engine.echo_cancelling
    assert controller.update_setting("audio", "noise_suppression", True)
    assert engine.noise_suppressing
    engine.set_echo_cancellation("on")  # the mode may change; headset mode still wins
    assert not engine.echo_cancelling
    assert controller.update_setting("audio", "headset_mode", False)
    assert engine.echo_cancelling
    session = controller.session_config()
    assert session["audio"]["input"]["noise_reduction"] == {"type": "far_field"}


def test_guard_lets_the_user_through_and_keeps_the_echo_out() -> None:
    guard = BargeInGuard(margin_db=6.0)
    # Nothing learned yet: echo as loud as the playback is not enough...
    assert not guard.should_interrupt(True, mic_dbfs=-20.0, far_dbfs=-20.0)
    # ...but a user 8 dB above the playback is.
    assert guard.should_interrupt(True, mic_dbfs=-12.0, far_dbfs=-20.0)
    # Nothing playing (or a pause in the playback): always the user.
    assert guard.should_interrupt(False, mic_dbfs=-40.0, far_dbfs=-20.0)
    assert guard.should_interrupt(True, mic_dbfs=-40.0, far_dbfs=-70.0)


def test_guard_learns_the_rooms_echo_coupling() -> None:
    guard = BargeInGuard(margin_db=6.0)
    for _ in range(60):  # the room returns the playback at -6 dB
        guard.observe_echo(mic_dbfs=-26.0, far_dbfs=-20.0)
    guard.observe_echo(mic_dbfs=-90.0, far_dbfs=-80.0)  # a pause teaches nothing
    assert abs(guard.coupling_db - -6.0) < 0.1
    assert not guard.should_interrupt(True, mic_dbfs=-25.0, far_dbfs=-20.0)  # echo, a bit loud
    assert guard.should_interrupt(True, mic_dbfs=-15.0, far_dbfs=-20.0)  # measured double talk


def test_guard_reads_a_real_engine(qtbot) -> None:
    from audio_engine import AudioEngine

    engine = AudioEngine()  # not started: nothing plays, nothing captured
    guard = BargeInGuard()
    assert engine.recent_levels() == (-120.0, -120.0)
    guard.learn_from(engine)  # nothing playing: nothing learned
    assert guard.coupling_db == 0.0
    assert guard.allows_barge_in(engine)
