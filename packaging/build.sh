#!/usr/bin/env bash
# Builds the one-folder bundle (dist/parley/) and, on Debian/Ubuntu, a .deb.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
VERSION="$("$PY" -c 'import desktop; print(desktop.__version__)')"
export PARLEY_ROOT="$ROOT"

echo "build: PyInstaller bundle for Parley $VERSION"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/parley.spec
echo "build: bundle in $(( $(date +%s) - start )) s, $(du -sh dist/parley | cut -f1)"

if command -v dpkg-deb >/dev/null; then
    bash packaging/linux/make-deb.sh "$VERSION"
fi
