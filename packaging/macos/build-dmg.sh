#!/usr/bin/env bash
# macOS: builds Parley.app (Info.plist carries NSMicrophoneUsageDescription,
# set in packaging/parley.spec), signs it with the audio-input entitlement and
# wraps it in a dmg. Run on a Mac from the repository root:
#   CODESIGN_ID="Developer ID Application: ..." bash packaging/macos/build-dmg.sh
# Without CODESIGN_ID the app is signed ad hoc (runs locally, not notarised).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
VERSION="$(python3 -c 'import desktop; print(desktop.__version__)')"
PARLEY_ROOT="$ROOT" PARLEY_MACOS_APP=1 python3 -m PyInstaller --noconfirm --clean \
    --distpath dist --workpath build/pyinstaller packaging/parley.spec
codesign --force --deep --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist \
    --sign "${CODESIGN_ID:--}" dist/Parley.app
plutil -extract NSMicrophoneUsageDescription raw dist/Parley.app/Contents/Info.plist >/dev/null
rm -f "dist/Parley-$VERSION.dmg"
hdiutil create -volname Parley -srcfolder dist/Parley.app -ov -format UDZO "dist/Parley-$VERSION.dmg"
echo "built dist/Parley-$VERSION.dmg"
