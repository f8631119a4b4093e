"""Screenshot every page of the built site at desktop and phone width (``make screenshots``).

Builds the site into a temporary directory, then asks a headless Chromium (``chromium``,
``chromium-browser``, ``google-chrome``, or the path in ``$CHROME``) for a PNG of each page
at 1280 px and at 390 px wide, written to ``screenshots/<width>/<page>.png``. Look at them
for figures that are too small, code cut off by a scroll bar, or a navigation entry missing.
Not part of ``make test``: it needs a browser.

Usage (from the repository root)::

    python tools/screenshots.py [--out screenshots] [--height 3000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (1280, 390)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str:
    """The Chromium executable to use; exits with a message when there is none."""
    found = os.environ.get("CHROME") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if found is None:
        sys.exit("no Chromium found: install one, or set CHROME to its path")
    return found


def build(site: Path) -> None:
    """Build the documentation into ``site``."""
    mkdocs = Path(sys.executable).with_name("mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [str(mkdocs), "build", "--quiet", "--site-dir", str(site)]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def pages(site: Path) -> list[Path]:
    """Every page of the built site (``index.html`` files), the 404 page left out."""
    return sorted(p for p in site.rglob("index.html") if "assets" not in p.parts)


def shoot(chrome: str, page: Path, out: Path, width: int, height: int) -> None:
    """One screenshot of ``page`` at ``width`` x ``height`` pixels."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chrome,
            "--headless=new",
            "--disable-gpu",
            "--hide-scrollbars",
            # a closed network: no background connections, no first-run or update checks
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *(["--no-sandbox"] if os.geteuid() == 0 else []),  # Chromium refuses root else
            f"--window-size={width},{height}",
            f"--screenshot={out}",
            page.as_uri(),
        ]
        subprocess.run(cmd, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args(argv)
    chrome = browser()
    with tempfile.TemporaryDirectory(prefix="optic_ad-site-") as tmp:
        site = Path(tmp)
        build(site)
        for page in pages(site):
            name = "-".join(page.parent.relative_to(site).parts) or "home"
            for width in WIDTHS:
                shoot(chrome, page, args.out / str(width) / f"{name}.png", width, args.height)
        print(f"wrote {len(pages(site)) * len(WIDTHS)} screenshots under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
