"""Intervals (median, 5–95 %) on the applications' amounts from the accounts' draws (issue 21).

``ecoledger account --draws N`` writes ``uncertainty/`` beside the accounts: every unit's GEP in
each draw (``gep_draws.parquet``, draws × units, yuan) and each item's region-wide value in each
draw over its point value (``item_ratios.parquet``, draws × items). The amounts are computed again
for every draw from those, vectorised over the draws, without running the accounts again:

* transfers (factor shares, then floors and caps by water-filling, as ``transfer.allocate``), the
  purchase of ecological products and GEP-based compensation, from the draws of the unit-table
  columns their rule uses. GEP, and what follows from GEP alone (per km², per unit of GDP, per
  person, change on the previous year), is the accounts' own draw of each unit. An item or a group
  of a unit moves as the region's item does (``APPROXIMATION``). All units take the same draw, so
  the amounts of one draw still add up to the budget or fund: fixed totals stay fixed, shares move.
* the VEP of a site: each item's value inside the site × that item's ratio in the draw, summed
  (``SITE_METHOD``: the same approximation, for the site's cells).

The change on the previous year takes the previous year's draws when its accounts were drawn with
the same seed and the same sampled inputs (paired draws: an input's error is shared by both years),
else the previous year's point value. Amounts that do not depend on the accounts (a basin fund on
scores, the P index) get no interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ecoledger import messages
from ecoledger.applications import accounts

QUANTILES = (0.05, 0.5, 0.95)
STATISTICS = ("p05", "median", "p95")  # the names of QUANTILES in columns and records
# the unit-table columns that follow from the accounts' values: everything else (area, GDP,
# population, indicators) is the same in every draw
FROM_GEP = ("gep", "gep_previous", "gep_change", "gep_change_pct", "gep_per_km2", "gep_per_gdp",
            "gep_per_capita")
FROM_ITEMS = (*accounts.GROUPS, "regulating_share_pct")
_FIXED_FOR_RATIOS = ("area_km2", "gdp", "population", "forest_cover")
_RTOL = 1e-9  # the draws' point GEP and the unit table's: the same sums, in another order

messages.register({
    "approximation": (
        "单位的单项服务价值及其类别合计随全区该项服务同比例变化：对价格、标量参数和图层因子（对各栅格同样"
        "作用）为精确值；对按生态系统类型取值的系数，在单位的生态系统构成与全区不同时为近似值；非比例项"
        "（零值截断、指数）亦为近似值",
        "a unit's item values and group totals move as the region's item does in each draw: exact "
        "for prices, scalar parameters and layer factors (they act on every cell alike); "
        "approximate for per-ecosystem coefficients where the unit's ecosystem mix differs from "
        "the region's, and for terms not proportional to an input (clips at zero, exponents)"),
    "site_method": (
        "年服务流量的 90 % 区间：地块内每项服务的价值 × 该项服务在核算每次抽样中的全区价值与核算值之比，"
        "逐次求和，取第 5、50、95 百分位数（不重新计算核算）。地块的单项价值随全区同比例变化：对价格、标量"
        "参数和图层因子（对各栅格同样作用）为精确值；对按生态系统类型取值的系数，在地块的生态系统构成与"
        "全区不同时为近似值；非比例项（零值截断、指数）亦为近似值。现值与流量成正比，区间同比例。",
        "90 % interval of the yearly flow: each service's value inside the site × that service's "
        "region-wide value in each of the account's draws over its point value, summed per draw; "
        "5th, 50th and 95th percentiles (the accounts are not run again). The site's item values "
        "move as the region's do: exact for prices, scalar parameters and layer factors (they act "
        "on every cell alike); approximate for per-ecosystem coefficients where the site's "
        "ecosystem mix differs from the region's, and for terms not proportional to an input "
        "(clips at zero, exponents). The present value is proportional to the flow, and so is its "
        "interval."),
    "previous_paired": ("上年 GEP 取配对抽样（相同随机种子与抽样输入，两年共用输入误差）",
                        "the previous year's GEP from paired draws (same seed and sampled inputs: "
                        "an input's error is shared by both years)"),
    "previous_point": ("上年 GEP 取核算值（上年核算没有可配对的抽样）",
                       "the previous year's GEP at its point value (its accounts have no paired "
                       "draws)"),
    "not_these_accounts": ("抽样不属于这些核算（各单位 GEP 的核算值不同）：不给出区间",
                           "the draws do not belong to these accounts (the units' point GEP "
                           "differs): no interval"),
}, prefix="app.interval.")
APPROXIMATION = messages.text("app.interval.approximation", "en")
SITE_METHOD = messages.text("app.interval.site_method", "en")


@dataclass
class UnitDraws:
    """The accounts' draws as the applications use them."""

    gep: pd.DataFrame  # draws × unit codes: every unit's GEP (yuan)
    point: pd.Series  # code → the GEP the draws are drawn around (yuan)
    item_ratios: pd.DataFrame  # draws × items: region-wide value ÷ point value
    meta: dict = field(default_factory=dict)
    previous: pd.DataFrame | None = None  # draws × codes: the previous year's GEP, paired
    previous_point: pd.Series | None = None

    @property
    def count(self) -> int:
        return len(self.gep)

    def matches(self, units: pd.DataFrame) -> bool:
        """Whether the draws scatter around ``units``' GEP (the same accounts)."""
        point = self.point.reindex(units.index).to_numpy(float)
        return bool(np.allclose(point, units["gep"].to_numpy(float), rtol=_RTOL, atol=0.0,
                                equal_nan=True))

    def for_units(self, units: pd.DataFrame) -> UnitDraws | None:
        """These draws for the unit table ``units`` (None when they belong to other accounts),
        the previous year's draws kept only when they match its ``gep_previous``."""
        if not self.matches(units):
            return None
        if self.previous is None or "gep_previous" not in units:
            return replace(self, previous=None, previous_point=None)
        point = self.previous_point.reindex(units.index).to_numpy(float)
        same = np.allclose(point, units["gep_previous"].to_numpy(float), rtol=_RTOL, atol=0.0,
                           equal_nan=True)
        return self if same else replace(self, previous=None, previous_point=None)

    def columns(self, units: pd.DataFrame, names) -> dict[str, np.ndarray]:
        """Draws × units (the rows of ``units``, in order) of each unit-table column ``names``:
        GEP and its ratios from the unit's own draws, items and groups as the region's item
        (``APPROXIMATION``), any other column the same in every draw."""
        names = list(dict.fromkeys(names))
        n, codes = self.count, units.index
        out: dict[str, np.ndarray] = {}
        varying = [c for c in names if c in FROM_GEP or c in FROM_ITEMS or c.startswith("item:")]
        for name in names:
            if name not in varying:
                out[name] = np.broadcast_to(units[name].to_numpy(float), (n, len(codes)))
        if not varying:
            return out
        gep = self._gep(units)
        long = {"gep": gep}
        for group in accounts.GROUPS:
            long[group] = (self._group(units, group) if group in units
                           else np.full((n, len(codes)), np.nan))
        for name in varying:
            if name.startswith("item:"):
                long[name] = self._item(units, name)
        for name in _FIXED_FOR_RATIOS:
            if name in units:
                long[name] = np.broadcast_to(units[name].to_numpy(float), (n, len(codes)))
        index = pd.MultiIndex.from_product([range(n), codes], names=["draw", "code"])
        frame = pd.DataFrame({k: np.asarray(v, float).ravel() for k, v in long.items()},
                             index=index)
        previous = None
        if "gep_previous" in units and units["gep_previous"].notna().any():
            before = (self.previous.reindex(columns=codes).to_numpy(float)
                      if self.previous is not None
                      else np.broadcast_to(units["gep_previous"].to_numpy(float), (n, len(codes))))
            previous = pd.DataFrame({"gep": before.ravel()}, index=index)
        # the unit table's own formulas (accounts.with_change, accounts.add_ratios) on every draw
        table = accounts.add_ratios(accounts.with_change(frame, previous))
        for name in varying:
            out[name] = table[name].to_numpy(float).reshape(n, len(codes))
        return out

    def previous_mode(self) -> str:
        return "previous_paired" if self.previous is not None else "previous_point"

    def _gep(self, units: pd.DataFrame) -> np.ndarray:
        drawn = self.gep.reindex(columns=units.index).to_numpy(float)
        point = units["gep"].to_numpy(float)
        # a unit the draws do not hold keeps its point value
        return np.where(np.isnan(drawn) & ~np.isnan(point), point, drawn)

    def _ratio(self, item: str) -> np.ndarray:
        if item in self.item_ratios:
            return self.item_ratios[item].to_numpy(float)
        return np.ones(self.count)

    def _item(self, units: pd.DataFrame, column: str) -> np.ndarray:
        point = units[column].to_numpy(float)
        return self._ratio(column.removeprefix("item:"))[:, None] * point[None, :]

    def _group(self, units: pd.DataFrame, group: str) -> np.ndarray:
        """The group's point value × (Σ its items' draws ÷ Σ their point values): the group moves
        as its items; exactly its point value when every ratio is 1."""
        from ecoledger import tables

        catalogue = tables.items()
        items = [c for c in units.columns if c.startswith("item:")
                 and c.removeprefix("item:") in catalogue.index
                 and catalogue.at[c.removeprefix("item:"), "group"] == group]
        point = units[group].to_numpy(float)
        if not items:
            return np.broadcast_to(point, (self.count, len(units)))
        values = np.stack([units[c].to_numpy(float) for c in items])  # items × units
        ratios = np.stack([self._ratio(c.removeprefix("item:")) for c in items])  # items × draws
        base = np.nansum(values, axis=0)
        drawn = np.einsum("id,iu->du", ratios, np.nan_to_num(values))
        with np.errstate(all="ignore"):
            factor = np.where(base != 0, drawn / base, 1.0)
        return factor * point[None, :]


def read(folder: str | Path, previous: str | Path | None = None) -> UnitDraws | None:
    """The draws of an ``ecoledger account`` output folder (``uncertainty/``), with the previous
    year's folder's when they pair (same seed, draws and sampled inputs); None without draws."""
    from ecoledger.uncertainty.propagate import Uncertainty

    found = Uncertainty.read(Path(folder) / "uncertainty")
    if found is None or found.gep_draws.empty:
        return None
    draws = UnitDraws(found.gep_draws.reset_index(drop=True), _point(found), found.item_ratios,
                      meta=_meta(found))
    before = Uncertainty.read(Path(previous) / "uncertainty") if previous else None
    if before is not None and _paired(found, before):
        draws.previous = before.gep_draws.reset_index(drop=True)
        draws.previous_point = _point(before)
    return draws


def _point(found) -> pd.Series:
    gep = found.intervals[found.intervals["scope"] == "gep"]
    return pd.Series(gep["point_yuan"].to_numpy(float), index=gep["adcode"].astype(str))


def _meta(found) -> dict:
    meta = found.meta
    return {"draws": len(found.gep_draws), "seed": meta.get("seed"),
            "sampler": meta.get("sampler"), "sampled_inputs": meta.get("sampled_inputs"),
            "parameter_table_version": meta.get("parameter_table_version")}


def _paired(now, before) -> bool:
    return (now.meta.get("seed") == before.meta.get("seed")
            and len(now.gep_draws) == len(before.gep_draws)
            and list(now.inputs.get("name", [])) == list(before.inputs.get("name", [])))


def quantiles(values: np.ndarray) -> dict[str, np.ndarray]:
    """p05, median, p95 over the draws (axis 0); NaN where the amount is missing."""
    with np.errstate(all="ignore"):
        found = np.percentile(np.asarray(values, float), [q * 100 for q in QUANTILES], axis=0)
    return dict(zip(STATISTICS, found, strict=True))


def summary(values: np.ndarray) -> dict[str, float | None]:
    """One amount's median and interval, for a record (JSON: missing → None)."""
    return {k: (None if np.isnan(v) else float(v)) for k, v in quantiles(values).items()}


def column_names(column: str) -> dict[str, str]:
    """The columns beside ``column`` that hold its interval: amount_yuan → amount_median_yuan,
    amount_p05_yuan, amount_p95_yuan; share → share_median, share_p05, share_p95."""
    if column.endswith("_yuan"):
        stem = column.removesuffix("_yuan")
        return {s: f"{stem}_{s}_yuan" for s in ("median", *STATISTICS[::2])}
    return {s: f"{column}_{s}" for s in ("median", *STATISTICS[::2])}


def is_interval(column: str) -> bool:
    """Whether a result-table column holds an interval (never summed, never a basis)."""
    return any(column.endswith(f"_{s}") or column.endswith(f"_{s}_yuan") for s in STATISTICS)


class Collector:
    """The intervals one rule adds to its table, and the record of how they were drawn."""

    def __init__(self, draws: UnitDraws):
        self.draws = draws
        self.intervals: list[str] = []
        self.bases: list[str] = []

    def basis(self, units: pd.DataFrame, names) -> dict[str, np.ndarray]:
        names = list(names)
        self.bases += [n for n in names if n not in self.bases]
        return self.draws.columns(units, names)

    def add(self, table: pd.DataFrame, column: str, values: np.ndarray) -> None:
        """Median and interval of ``values`` (draws × rows of ``table``) beside ``column``."""
        found = quantiles(values)
        at = table.columns.get_loc(column) + 1
        for statistic, name in column_names(column).items():
            table.insert(at, name, found[statistic])
            at += 1
        self.intervals.append(column)

    def record(self) -> dict | None:
        if not self.intervals:
            return None
        approximate = [b for b in self.bases if b.startswith("item:") or b in FROM_ITEMS]
        out = {"draws": self.draws.count, "quantiles": list(QUANTILES),
               "source": "uncertainty/ of the accounts (gep_draws, item_ratios)",
               "columns": {c: column_names(c) for c in self.intervals},
               "exact_bases": [b for b in self.bases if b in FROM_GEP],
               "approximate_bases": approximate,
               "approximation": APPROXIMATION if approximate else None,
               **{k: v for k, v in self.draws.meta.items() if k != "draws"}}
        if any(b in ("gep_change", "gep_change_pct", "gep_previous") for b in self.bases):
            out["previous_year"] = "paired" if self.draws.previous is not None else "point"
            out["previous_year_note"] = messages.text(f"app.interval.{self.draws.previous_mode()}", "en")
        return out


# --- the amounts per draw ------------------------------------------------------------------------

def allocate(bases: dict[str, np.ndarray], weights: dict[str, float], budget: float,
             floor: float = 0.0, cap: float = np.inf) -> np.ndarray:
    """``transfer.allocate``'s amounts (yuan) for every draw: ``bases`` maps each factor to its
    basis (draws × units), ``weights`` to its weight. Each draw's amounts sum to ``budget``."""
    first = next(iter(bases.values()))
    if budget <= 0:
        return np.zeros(first.shape)
    clipped = {f: np.nan_to_num(np.clip(bases[f], 0, None), nan=0.0) for f in weights}
    totals = {f: clipped[f].sum(axis=1) for f in weights}
    usable = {f: totals[f] > 0 for f in weights}
    usable_weight = sum(np.where(usable[f], w, 0.0) for f, w in weights.items())
    with np.errstate(all="ignore"):
        scale = sum(weights.values()) / usable_weight
        raw = np.zeros(first.shape)
        for f, w in weights.items():
            share = budget * w * scale[:, None] * clipped[f] / totals[f][:, None]
            raw = raw + np.where(usable[f][:, None], share, 0.0)
    return water_fill(raw, budget, floor, cap)


def water_fill(raw: np.ndarray, budget: float, floor: float = 0.0,
               cap: float = np.inf) -> np.ndarray:
    """``transfer.apply_bounds`` on every draw (rows) at once: amounts summing to ``budget``,
    each within [floor, cap], closest to ``raw`` in proportion. The bounds were checked on the
    point values (they depend on the number of units and the budget only)."""
    amount = raw.astype(float).copy()
    pinned = np.zeros(raw.shape, bool)
    active = np.ones(raw.shape[0], bool)
    for _ in range(raw.shape[1] + 1):
        free = ~pinned
        remaining = budget - np.where(pinned, amount, 0.0).sum(axis=1)
        weights = np.where(free, raw, 0.0)
        equal = ~(weights.sum(axis=1) > 0)
        weights = np.where(equal[:, None], free.astype(float), weights)
        with np.errstate(all="ignore"):
            shared = remaining[:, None] * weights / weights.sum(axis=1)[:, None]
        update = active[:, None] & free & free.any(axis=1)[:, None]
        amount = np.where(update, shared, amount)
        low = active[:, None] & free & (amount < floor - 1e-9)
        high = active[:, None] & free & (amount > cap + 1e-9)
        active &= (low | high).any(axis=1)
        if not active.any():
            break
        amount = np.where(low, floor, np.where(high, cap, amount))
        pinned |= low | high
    return amount


def purchase(values: dict[str, np.ndarray], rate: float, instalments: list[float],
             conditions: list[pd.Series | None], index: pd.Index) -> dict[str, np.ndarray]:
    """``transfer.purchase``'s price and paid amounts (yuan) for every draw: ``values`` are the
    purchased items' draws (draws × units), summed as present (all missing → missing)."""
    stacked = np.stack(list(values.values()))
    value = np.nansum(stacked, axis=0)
    value[np.isnan(stacked).all(axis=0)] = np.nan
    price = rate * value
    paid = np.zeros(price.shape)
    for share, condition in zip(instalments, conditions, strict=True):
        due = share * np.nan_to_num(price, nan=0.0)
        if condition is not None:
            met = condition.reindex(index).eq(True).to_numpy()
            due = np.where(met[None, :], due, 0.0)
        paid = paid + due
    return {"price_yuan": price, "paid_yuan": paid}


def site_flow(flows: pd.DataFrame, ratios: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The yearly flow of a site in every draw (yuan), each item's draws (items × draws, in the
    order of ``flows``) and the items held at their value (no ratio: not drawn)."""
    count = len(ratios)
    per_item, fixed = [], []
    for item, value in zip(flows["item"], flows["value_yuan"], strict=True):
        if item in ratios:
            per_item.append(value * ratios[item].to_numpy(float))
        else:
            per_item.append(np.full(count, value))
            if pd.notna(value):
                fixed.append(item)
    stacked = np.stack(per_item) if per_item else np.zeros((0, count))
    return np.nansum(stacked, axis=0), stacked, fixed


def read_ratios(folder: str | Path):
    """The item ratios and their record of an account folder (``uncertainty/``), or None."""
    from ecoledger.uncertainty.propagate import Uncertainty

    found = Uncertainty.read(Path(folder) / "uncertainty")
    if found is None or found.item_ratios.empty:
        return None
    return found.item_ratios.reset_index(drop=True), _meta(found)
