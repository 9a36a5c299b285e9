"""Atomic replacement of a whole output folder.

Work is written into a hidden sibling folder which replaces the target only once complete, so a
failure (or a crash) leaves the previous folder, or nothing, and never a partial set of files.
The folder gets the mode a plain ``mkdir`` would give it under the user's umask (``mkdtemp``
alone would leave it 0700).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def umask() -> int:
    """The process's umask, read without changing it where the platform allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def folder_mode() -> int:
    """The mode ``mkdir`` gives a new folder: 0777 less the umask."""
    return 0o777 & ~umask()


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes ``target`` (replacing any old one)."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        staging.chmod(folder_mode())
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not target.exists():
        staging.rename(target)
        return
    # Two renames: a crash between them leaves the old results under .NAME.old-PID, never lost.
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(retired)
    try:
        staging.rename(target)
    except BaseException:
        retired.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(retired)
