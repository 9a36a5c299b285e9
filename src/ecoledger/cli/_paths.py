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

REPOSITORY = Path(ecoledger.__file__).resolve().parents[2]


def shipped(relative: str, option: str) -> Path:
    """``REPOSITORY/relative``; an ``InputPathError`` naming ``option`` if it is not there."""
    path = REPOSITORY / relative
    if not path.exists():
        from ecoledger.errors import InputPathError

        raise InputPathError(
            f"{relative} is not found beside the installed package ({path}): it ships "
            f"with the source repository; fix: pass {option} PATH"
        )
    return path
