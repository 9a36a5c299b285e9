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
from ecoledger.messages import register

register({
    "unknown_profile": ("未知的核算规范 `{name}`；修改：请使用以下之一：{known_zh}",
                        "unknown profile {name!r}; choose one of {known}"),
}, prefix="tables.")

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
        raise ParameterError(key="tables.unknown_profile", name=name, known=", ".join(sorted(known)),
                             known_zh="、".join(f"`{k}`" for k in sorted(known)))
    return known[name]


@cache
def products() -> pd.DataFrame:
    """Products valued by quantity × price under the ``quantity_price`` provisioning basis."""
    with data_path("products.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, keep_default_na=False)


BOUNDED_LEVELS = ("county", "city", "province")  # levels with their own bounds in indicators.csv
_BOUND_COLUMNS = ("minimum", "maximum", *(f"{level}_{end}" for level in BOUNDED_LEVELS
                                          for end in ("min", "max")))


@cache
def indicators() -> pd.DataFrame:
    """The statistics catalogue: canonical unit, names, hard bounds (``minimum``, ``maximum``) in
    the canonical unit for any unit, and tighter ones per level (``county_min`` … ``province_max``,
    empty where the national bound is all that is known), with the reasoning in ``note`` and
    ``level_note``."""
    with data_path("indicators.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, keep_default_na=False,
                            na_values={column: [""] for column in _BOUND_COLUMNS})
    return table.set_index("indicator")


def indicator_bounds(spec, level: str | None) -> tuple[float | None, float | None]:
    """(minimum, maximum) of an indicator (its catalogue row, a dict or Series) for a unit of
    ``level`` (province, city, county; a township takes the county's maximum only; None or any
    other level: the national bounds): the tighter of the national and the level's bounds."""
    def number(key):
        value = spec.get(key)
        return None if value is None or pd.isna(value) else float(value)

    lo, hi = number("minimum"), number("maximum")
    if level == "township":
        level_lo, level_hi = None, number("county_max")
    elif level in BOUNDED_LEVELS:
        level_lo, level_hi = number(f"{level}_min"), number(f"{level}_max")
    else:
        return lo, hi
    if level_lo is not None:
        lo = level_lo if lo is None else max(lo, level_lo)
    if level_hi is not None:
        hi = level_hi if hi is None else min(hi, level_hi)
    return lo, hi


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
