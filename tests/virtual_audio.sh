#!/usr/bin/env bash
# Virtual sound card for headless machines: a user-mode PulseAudio daemon with
# two null sinks at 24 kHz and a remapped "microphone".
#   parley_speaker          default output; tests listen on parley_speaker.monitor
#   parley_micfeed          tests play "user speech" into it
#   parley_mic              default input, remapped from parley_micfeed.monitor
# Usage: virtual_audio.sh start|stop|status|env   (idempotent; non-zero on failure)
set -euo pipefail

DIR="${PARLEY_PULSE_DIR:-/tmp/parley-pulse}"
SOCKET="$DIR/native"
export PULSE_SERVER="unix:$SOCKET"
export XDG_RUNTIME_DIR="$DIR/runtime"

have_server() { pactl info >/dev/null 2>&1; }

start() {
    if have_server; then
        return 0
    fi
    for tool in pulseaudio pactl parec; do
        command -v "$tool" >/dev/null || { echo "virtual_audio: $tool is not installed" >&2; exit 1; }
    done
    mkdir -p "$DIR" "$XDG_RUNTIME_DIR"
    chmod 700 "$XDG_RUNTIME_DIR"
    # Our own tiny script instead of default.pa: no ALSA card probing, no
    # suspend-on-idle (which would stall the null sinks).
    printf 'load-module module-native-protocol-unix auth-anonymous=1 socket=%s\n' "$SOCKET" >"$DIR/tiny.pa"
    pulseaudio -n -F "$DIR/tiny.pa" --daemonize=yes --exit-idle-time=-1 --disallow-exit=yes \
        --realtime=no --high-priority=no --log-target="file:$DIR/pulse.log" --use-pid-file=no \
        --system=no 2>>"$DIR/pulse.log"
    for _ in $(seq 1 50); do have_server && break; sleep 0.1; done
    have_server || { echo "virtual_audio: the PulseAudio daemon did not answer" >&2; cat "$DIR/pulse.log" >&2; exit 1; }

    # norewinds: a sink that rewinds mixes a new stream into the block it has
    # already rendered and passed to its monitor, so recordings of the monitor
    # (the tests' ears, and the microphone) would miss the first few ms of it.
    pactl load-module module-null-sink sink_name=parley_speaker rate=24000 channels=1 format=s16le \
        norewinds=1 sink_properties=device.description=Parley-Speaker >/dev/null
    pactl load-module module-null-sink sink_name=parley_micfeed rate=24000 channels=1 format=s16le \
        norewinds=1 sink_properties=device.description=Parley-Mic-Feed >/dev/null
    pactl load-module module-remap-source master=parley_micfeed.monitor source_name=parley_mic \
        source_properties=device.description=Parley-Mic >/dev/null
    pactl set-default-sink parley_speaker
    pactl set-default-source parley_mic

    # An idle null sink renders in 2 s blocks and stalls new streams; a
    # low-latency reader on each monitor keeps them ticking.
    : >"$DIR/keepalive.pids"
    for sink in parley_speaker parley_micfeed; do
        setsid parec --raw --latency-msec=10 -d "$sink.monitor" >/dev/null 2>&1 </dev/null &
        echo $! >>"$DIR/keepalive.pids"
    done
    for dev in parley_speaker parley_micfeed; do
        pactl list short sinks | grep -q "$dev" || { echo "virtual_audio: sink $dev missing" >&2; exit 1; }
    done
    pactl list short sources | grep -q parley_mic || { echo "virtual_audio: source parley_mic missing" >&2; exit 1; }
    echo "virtual_audio: started ($PULSE_SERVER)"
}

stop() {
    if [ -f "$DIR/keepalive.pids" ]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$DIR/keepalive.pids"
        rm -f "$DIR/keepalive.pids"
    fi
    if have_server; then
        pulseaudio --kill 2>/dev/null || pkill -f "pulseaudio -n -F $DIR/tiny.pa" || true
        for _ in $(seq 1 30); do have_server || break; sleep 0.1; done
    fi
    rm -f "$SOCKET"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) have_server ;;
    env) echo "export PULSE_SERVER=$PULSE_SERVER" ;;
    *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
