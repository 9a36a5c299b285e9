"""Default input paths of the demos, independent of the working folder.

The demos' inputs (``data/jiangxi``, ``examples/``) sit in the source repository beside ``src/``;
they are found from the package's own location, never relative to the current folder, so the
demos run from any folder of a source checkout (``pip install -e .``, as ``scripts/setup-env``
installs). Where they are absent (a wheel installed elsewhere) the message names the option
that takes the folder.
"""

from __future__ import annotations

from pathlib import Path

import ecoledger
from ecoledger.messages import register

register({"not_shipped": (
    "在已安装的包旁找不到 {relative}（{path}）：它随源代码仓库提供；修改：请给出 {option} PATH",
    "{relative} is not found beside the installed package ({path}): it ships with the source "
    "repository; fix: pass {option} PATH")}, prefix="cli.paths.")
REPOSITORY = Path(ecoledger.__file__).resolve().parents[2]


def shipped(relative: str, option: str) -> Path:
    """``REPOSITORY/relative``; an ``InputPathError`` naming ``option`` if it is not there."""
    path = REPOSITORY / relative
    if not path.exists():
        from ecoledger.cli._lang import text
        from ecoledger.errors import InputPathError

        raise InputPathError(text("paths.not_shipped", relative=relative, path=path, option=option))
    return path
