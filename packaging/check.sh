#!/usr/bin/env bash
# Builds the bundle and the .deb, then runs the frozen app's smoke test:
# from the unpacked .deb everywhere, and from the really installed package
# when running as root in CI (a developer's system is left untouched).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash packaging/build.sh
VERSION="$(.venv/bin/python -c 'import desktop; print(desktop.__version__)')"
DEB="$(ls dist/parley_"$VERSION"_*.deb)"

echo "check: package contents"
contents=$(dpkg-deb -c "$DEB")
for path in ./opt/parley/parley ./usr/bin/parley ./usr/share/applications/parley.desktop \
            ./usr/share/icons/hicolor/scalable/apps/parley.svg; do
    grep -q " $path" <<<"$contents" || { echo "check: $path missing from $DEB" >&2; exit 1; }
done

run_smoke() {
    local exe="$1" home out
    home="$(mktemp -d)"
    out="$home/smoke.out"
    local start end status=0
    start=$(date +%s%N)
    HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_STATE_HOME="$home/state" \
        QT_QPA_PLATFORM=offscreen timeout 120 "$exe" --smoke-test >"$out" || status=$?
    end=$(date +%s%N)
    cat "$out"
    echo "check: $exe --smoke-test exit $status in $(( (end - start) / 1000000 )) ms"
    # The bundle must carry the speech stack, not only typed turns.
    if [ $status -eq 0 ] && ! grep -q "^offline speech: ready" "$out"; then
        echo "check: the bundled offline engine cannot recognise speech" >&2
        status=1
    fi
    # And the MCP client (the SDK and its transports) for the user's own tools.
    if [ $status -eq 0 ] && ! grep -q "^mcp: ready" "$out"; then
        echo "check: the bundled MCP client does not work" >&2
        status=1
    fi
    rm -rf "$home"
    return $status
}

unpacked="$(mktemp -d)"
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$DEB" "$unpacked"
run_smoke "$unpacked/opt/parley/parley"

if [ "${CI:-}" = "true" ] && [ "$(id -u)" -eq 0 ]; then
    echo "check: installing $DEB"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$DEB" >/dev/null
    run_smoke /usr/bin/parley
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq parley >/dev/null
fi
