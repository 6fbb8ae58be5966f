#!/usr/bin/env bash
# Wraps dist/parley/ into dist/parley_<version>_<arch>.deb: the bundle under
# /opt/parley, a launcher on the PATH, a desktop entry and icons.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION="$1"
ARCH="$(dpkg --print-architecture)"
STAGE="$ROOT/build/deb/parley_${VERSION}_${ARCH}"
OUT="$ROOT/dist/parley_${VERSION}_${ARCH}.deb"

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/parley"
cp -a "$ROOT/dist/parley" "$STAGE/opt/parley"
ln -s /opt/parley/parley "$STAGE/usr/bin/parley"
install -m 644 "$ROOT/packaging/linux/parley.desktop" "$STAGE/usr/share/applications/parley.desktop"
install -m 644 "$ROOT/resources/icons/parley.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/parley.svg"
for size in 64 256; do
    if [ -f "$ROOT/resources/icons/parley-$size.png" ]; then
        mkdir -p "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
        install -m 644 "$ROOT/resources/icons/parley-$size.png" \
            "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/parley.png"
    fi
done
printf 'Parley %s\nBundled with PyInstaller. See https://github.com/parley-desktop for sources.\n' \
    "$VERSION" >"$STAGE/usr/share/doc/parley/README"

SIZE_KB=$(du -sk "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" \
    "$ROOT/packaging/linux/control.in" >"$STAGE/DEBIAN/control"
install -m 755 "$ROOT/packaging/linux/postinst" "$STAGE/DEBIAN/postinst"
install -m 755 "$ROOT/packaging/linux/postrm" "$STAGE/DEBIAN/postrm"

dpkg-deb --root-owner-group -Zxz -z3 --build "$STAGE" "$OUT" >/dev/null
echo "build: $(basename "$OUT"), $(du -h "$OUT" | cut -f1)"
