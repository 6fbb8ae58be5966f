"""The installed app: bundle and package size, frozen cold start to a visible window.

Needs a built bundle (`make dist`), Xvfb and xdotool. Cold start is measured
from process start until X11 reports the main window mapped, on a private
virtual screen, with a fresh settings directory each run (so the first-launch
path: offline engine started in-process).

    python -m benchmarks.bench_frozen [--bundle dist/parley] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def start_xvfb(display: str) -> subprocess.Popen[bytes]:
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        probe = subprocess.run(
            ["xdotool", "getdisplaygeometry"],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return xvfb
        time.sleep(0.05)
    xvfb.kill()
    raise RuntimeError("Xvfb did not start")


def cold_start(executable: Path, display: str) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "DISPLAY": display,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_STATE_HOME": f"{home}/state",
            "QT_QPA_PLATFORM": "xcb",
        }
        started = time.monotonic()
        app = subprocess.Popen(
            [str(executable)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            # --sync blocks until a visible window with that name exists.
            subprocess.run(
                ["xdotool", "search", "--sync", "--onlyvisible", "--name", "Parley"],
                env=env,
                capture_output=True,
                check=True,
                timeout=30,
            )
            return time.monotonic() - started
        finally:
            app.terminate()
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "parley")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    executable = args.bundle / "parley"
    if not executable.exists():
        print(f"no bundle at {args.bundle}; run `make dist` first", file=sys.stderr)
        return 1
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            print(f"{tool} is needed (apt-get install xvfb xdotool)", file=sys.stderr)
            return 1
    print(f"bundle: {directory_size(args.bundle) / 1e6:.0f} MB in {args.bundle}")
    for deb in sorted(args.bundle.parent.glob("parley_*.deb")):
        print(f"package: {deb.name} {deb.stat().st_size / 1e6:.0f} MB")
    display = f":{90 + os.getpid() % 9}"
    xvfb = start_xvfb(display)
    try:
        cold_start(executable, display)  # warm the page cache once, as after installing
        times = [cold_start(executable, display) for _ in range(args.runs)]
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    print(
        f"frozen cold start to visible window: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
