"""Atomic replacement of a whole output folder.

Work is written into a hidden sibling folder which replaces the target only once complete, so a
failure (or a crash) leaves the previous folder, or nothing, and never a partial set of files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes ``target`` (replacing any old one)."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
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
