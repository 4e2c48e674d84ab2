"""docs/img/report.png: the served report as a reader sees it, on a machine without CJK fonts.

    .venv/bin/python scripts/screenshot_report.py [--report warehouse/serving/report.html]
                                                  [--out docs/img/report.png] [--height 1700]

Headless Chromium (Debian's `chromium`) opens the report from disk under a fontconfig whose
only font is DejaVu Sans, so the Chinese on the picture comes from the font the page embeds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from orchestration import settings as settings_module
from orchestration.settings import REPO_ROOT

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", type=Path, default=None, help="default: the warehouse's serving/report.html")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "img" / "report.png")
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--height", type=int, default=1700)
    args = parser.parse_args()
    report = (args.report or settings_module.load().report_html).resolve()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not report.exists():
        print(f"no report at {report}: run `make refresh` first", file=sys.stderr)
        return 1
    if not chromium or not LATIN_FONT.exists():
        print("needs Debian's chromium (apt-get install -y chromium; it brings fonts-dejavu-core)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="modu-shot-") as tmp:
        fonts = Path(tmp) / "fonts"
        fonts.mkdir()
        shutil.copy(LATIN_FONT, fonts)
        config = Path(tmp) / "fonts.conf"
        config.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                          f"<fontconfig><dir>{fonts}</dir><cachedir>{Path(tmp) / 'cache'}</cachedir></fontconfig>",
                          encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([chromium, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
                               f"--screenshot={args.out.resolve()}", f"--window-size={args.width},{args.height}",
                               report.as_uri()], env={**os.environ, "FONTCONFIG_FILE": str(config)},
                              capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not args.out.exists():
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"{args.out} ({args.out.stat().st_size:,} bytes) from {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
