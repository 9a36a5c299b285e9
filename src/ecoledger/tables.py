"""Reference tables shipped with the package: items, profiles, indicators and units.

They are data, not code: each lives in ``ecoledger/data`` with its source. This module only
reads them (once) and answers look-ups.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from ecoledger.errors import ParameterError

GROUPS: dict[str, str] = {
    "provisioning": "物质产品",
    "regulating": "调节服务",
    "cultural": "文化服务",
}


def data_path(name: str):
    return resources.files("ecoledger") / "data" / name


@cache
def items() -> pd.DataFrame:
    """The item catalogue: one row per accounted item (``item`` is the index)."""
    with data_path("items.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    return table.set_index("item")


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    provenance: str
    items: tuple[str, ...]
    provisioning_basis: str
    recreation_method: str


@cache
def profiles() -> dict[str, Profile]:
    with data_path("profiles.toml").open("rb") as f:
        raw = tomllib.load(f)
    return {
        name: Profile(name=name, items=tuple(spec.pop("items")), **spec)
        for name, spec in raw.items()
    }


def profile(name: str) -> Profile:
    known = profiles()
    if name not in known:
        raise ParameterError(
            f"unknown profile {name!r}; choose one of {', '.join(sorted(known))}"
        )
    return known[name]


@cache
def products() -> pd.DataFrame:
    """Products valued by quantity × price under the ``quantity_price`` provisioning basis."""
    with data_path("products.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, keep_default_na=False)


@cache
def indicators() -> pd.DataFrame:
    with data_path("indicators.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, keep_default_na=False, na_values={"minimum": [""], "maximum": [""]})
    return table.set_index("indicator")


@cache
def _units() -> dict[str, tuple[str, float]]:
    with data_path("units.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype={"unit": str, "canonical": str}, keep_default_na=False)
    return {row.unit: (row.canonical, float(row.factor)) for row in table.itertuples()}


def unit_factor(unit: str, canonical: str) -> float | None:
    """Factor converting a value in ``unit`` to ``canonical``, or None if not convertible."""
    found = _units().get(str(unit).strip())
    if found is None or found[0] != canonical:
        return None
    return found[1]


def known_units_for(canonical: str) -> list[str]:
    return [u for u, (c, _) in _units().items() if c == canonical]
