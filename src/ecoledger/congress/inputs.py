"""The output folders the congress report is assembled from; every one but the year's account is
optional, and an absent one becomes a gap ("not produced this year")."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from ecoledger.congress.content import Gap
from ecoledger.congress.words import Words, coded
from ecoledger.errors import EcoledgerError

OPTIONAL = (
    "previous",
    "targets",
    "monitoring",
    "carbon",
    "seea_extent",
    "seea_condition",
    "biodiversity",
    "controls",
    "audit",
    "applications",
)


class CongressInputError(EcoledgerError):
    """The year's account folder cannot be read: the report has nothing to stand on."""


@dataclass(frozen=True)
class Inputs:
    """The folders given on the command line (``None``: not given)."""

    year: int
    accounts: Path
    previous: Path | None = None
    targets: Path | None = None
    monitoring: Path | None = None
    carbon: Path | None = None
    seea_extent: Path | None = None
    seea_condition: Path | None = None
    biodiversity: Path | None = None
    controls: Path | None = None
    audit: Path | None = None
    applications: Path | None = None

    def present(self, name: str) -> Path | None:
        """The folder ``name`` if it was given and exists, else None."""
        folder = getattr(self, name)
        return folder if folder is not None and Path(folder).is_dir() else None

    def absent(self, t: Words) -> list[Gap]:
        """One gap per optional input not given or not found."""
        gaps = []
        for name in OPTIONAL:
            folder = getattr(self, name)
            if folder is None:
                reason = coded(t, "not_produced", option="--" + name.replace("_", "-"))
            elif not Path(folder).is_dir():
                reason = t("not_found", path=Path(folder).as_posix())
            else:
                continue
            gaps.append(Gap(t("gap_input"), t("input." + name), reason))
        return gaps

    def as_dict(self) -> dict:
        return {
            f.name: (None if getattr(self, f.name) is None else str(getattr(self, f.name)))
            for f in fields(self)
        }


def read_summary(folder: Path) -> dict:
    """``summary.json`` of an account folder; a clear error naming the file and the fix."""
    path = Path(folder) / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CongressInputError(
            f"{path}: not found; pass --accounts the output folder of `ecoledger account` for the year"
        ) from exc
    except json.JSONDecodeError as exc:
        raise CongressInputError(f"{path}: not valid JSON ({exc}); run `ecoledger account` again") from exc


def read_csv(path: Path, **options) -> pd.DataFrame | None:
    """A CSV of another output folder with codes kept as text, or None if the file is absent."""
    path = Path(path)
    if not path.is_file():
        return None
    return pd.read_csv(
        path, dtype={"code": str, "adcode": str}, keep_default_na=False, na_values=[""], **options
    )
