"""Headless Chromium: print the report to PDF, dump its rendered DOM, take screenshots."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync")


def chromium() -> str | None:
    """The path of an installed Chromium (or Chrome), or None."""
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def run(page: Path, *options: str, timeout: float = 120) -> str:
    """Open ``page`` in headless Chromium with ``options`` (e.g. ``--dump-dom``); returns stdout.

    Raises FileNotFoundError when no Chromium is installed and CalledProcessError when it fails.
    """
    executable = chromium()
    if executable is None:
        raise FileNotFoundError("no chromium found (install it with scripts/setup-system)")
    with tempfile.TemporaryDirectory(prefix="ecoledger-chromium-") as profile:
        done = subprocess.run([executable, *FLAGS, f"--user-data-dir={profile}", *options,
                               Path(page).resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout, check=True)
    return done.stdout


def print_pdf(page: Path, pdf: Path) -> Path:
    run(page, f"--print-to-pdf={Path(pdf).resolve()}", "--no-pdf-header-footer")
    return pdf
