"""Land-cover products: their class tables and crosswalks to the GEP ecosystem types.

Each crosswalk ships as ``ecoledger/data/crosswalk_{product}.csv`` with the columns a pack's
crosswalk needs (``class, label, ecosystem, subtype``) and a ``note`` saying why each class maps
where it does. A class whose product does not tell the level-2 subtype has an empty ``subtype``;
the engine then uses the level-1 parameters. Products:

- ``clcd``: China Land Cover Dataset, 30 m, annual, classes 1–9 (Yang J. & Huang X. 2021, "The
  30 m annual land cover dataset and its dynamics in China from 1990 to 2019", Earth System
  Science Data 13: 3907–3925).
- ``worldcover``: ESA WorldCover 10 m v100 (2020) / v200 (2021), classes 10–100 (Zanaga D. et
  al. 2021/2022, ESA WorldCover product user manual).
- ``igbp``: the MODIS IGBP scheme (MCD12Q1 ``LC_Type1``, classes 1–17 with 17 water; MCD12C1
  ``Majority_Land_Cover_Type_1`` uses 0 for water: both codes are listed). Shrub, savanna and
  grassland classes follow documented choices for southern China (see the notes).

No C or P factor columns are shipped: the land-use P values in circulation for southern China
(jiangxi-parameters.md §3) are "memory" confidence and do not cover every class; a pack adds
``cover_management``/``support_practice`` columns to its own copy with their sources.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoledger.loaders.common import LoaderError
from ecoledger.tables import data_path

PRODUCTS = ("clcd", "worldcover", "igbp")


def crosswalk(product: str) -> pd.DataFrame:
    """The crosswalk of ``product`` (one of PRODUCTS): class, label, ecosystem, subtype, note.

    ``class`` is an integer; an empty ``subtype`` is "" (the product does not tell it).
    """
    if product not in PRODUCTS:
        raise LoaderError(product, "product", "unknown land-cover product",
                          f"use one of {', '.join(PRODUCTS)}")
    with data_path(f"crosswalk_{product}.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"class": int}, keep_default_na=False)


def write_crosswalk(product: str, path: str | Path) -> Path:
    """Write the crosswalk of ``product`` as a pack's ``crosswalk.csv`` (UTF-8) at ``path``."""
    path = Path(path)
    crosswalk(product).to_csv(path, index=False, encoding="utf-8")
    return path
