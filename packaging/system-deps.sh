#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Parley needs, when we may (root or
# passwordless sudo); otherwise prints the exact command and fails.
#   system-deps.sh run    what the app needs
#   system-deps.sh test   plus the virtual sound card and speech tools for tests
#   system-deps.sh dist   plus what building the installers needs
set -euo pipefail

RUN_PKGS=(libportaudio2 portaudio19-dev libasound2-plugins libpulse0 espeak-ng libespeak-ng1
          python3-venv python3-dev gcc
          libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libegl1 libgl1
          libfontconfig1 libdbus-1-3 fonts-dejavu-core)
TEST_PKGS=(pulseaudio pulseaudio-utils sox xvfb xauth imagemagick xdotool git)
DIST_PKGS=(dpkg-dev binutils)

wanted=("${RUN_PKGS[@]}")
case "${1:-run}" in
    run) ;;
    test) wanted+=("${TEST_PKGS[@]}") ;;
    dist) wanted+=("${TEST_PKGS[@]}" "${DIST_PKGS[@]}") ;;
    *) echo "usage: $0 run|test|dist" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null; then
    echo "system-deps: not a Debian/Ubuntu system; install PortAudio and eSpeak NG with your package manager." >&2
    exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# python3-venv and python3-dev matter only for the distribution's own Python
# (a pyenv, conda or python.org build brings its own venv and headers).
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.base_prefix == "/usr" else 1)' 2>/dev/null; then
    filtered=()
    for pkg in "${missing[@]+"${missing[@]}"}"; do
        [[ "$pkg" == python3-venv || "$pkg" == python3-dev ]] || filtered+=("$pkg")
    done
    missing=("${filtered[@]+"${filtered[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "Parley needs these system packages. Please run:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "system-deps: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
