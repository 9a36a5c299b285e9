"""The account as a function of its uncertain inputs, evaluated for many draws at once.

A run with ``components=True`` keeps, per leaf unit, the sums of the terms each raster item adds
up from; every term is linear in one input (a layer, or a coefficient row such as
``runoff_coefficient[mixed_forest]``), and prices multiply quantities. So a draw of the inputs
re-weights those sums — one small matrix product per item — instead of re-reading rasters.
The formulas are the items' own (``ecoledger.items``), applied to arrays of draws.

Exact, not approximated: prices, per-row coefficients, scalar parameters and layer factors
that multiply the whole item. Approximated, and said in every output: a cell clipped to zero at
the point values (a water balance below zero) stays clipped in every draw, and a cell counted
stays counted. Not sampled: the statistics behind material and cultural items (taken as
reported or derived), the land-cover crosswalk, the cover-management and support-practice
layers of soil retention (they enter as 1 − C·P, not as a factor).

Layer factors are global multiplicative factors (named ``layer:<layer>``, point value 1): one
draw scales the whole layer, i.e. its error is taken as fully correlated across cells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecoledger import messages, tables
from ecoledger.items import climate_regulation, flood_regulation, purification, sand_fixation

# What the intervals approximate or leave out, by key (phrases in the message catalogue).
APPROXIMATIONS = {
    "clip": ("按核算值计为零的像元（水量平衡为负）在每次抽样中仍计为零，计入的像元仍计入",
             "cells clipped to zero at the point values (a negative water balance) stay clipped "
             "in every draw, and counted cells stay counted"),
    "layers": ("图层误差按整体倍数处理：一次抽样同比例缩放整个图层（各像元误差完全相关）",
               "layer errors are global factors: one draw scales a whole layer (errors fully "
               "correlated across cells)"),
}
NOT_SAMPLED = {
    "statistics": ("物质产品和文化服务所依据的统计数据（按报告值或推算值计）",
                   "the statistics behind material and cultural items (taken as reported or "
                   "derived)"),
    "crosswalk": ("土地覆盖分类与生态系统类型的对应关系", "the land-cover crosswalk (ecosystem "
                  "type of each class)"),
    "cover_practice": ("土壤保持的植被覆盖与管理因子、水土保持措施因子（以 1 − C·P 形式进入）",
                       "the cover-management and support-practice layers of soil retention "
                       "(they enter as 1 − C·P)"),
}
messages.register({f"approx.{k}": v for k, v in APPROXIMATIONS.items()}, prefix="uncertainty.")
messages.register({f"not_sampled.{k}": v for k, v in NOT_SAMPLED.items()}, prefix="uncertainty.")

# Items whose quantity is the point quantity times factors: (input, power) per factor.
_EROSION = [("layer:rainfall_erosivity", 1), ("layer:soil_erodibility", 1)]
SCALED = {
    "soil_retention_sediment": [("sediment_deposition_ratio", 1), ("layer:soil_bulk_density", -1),
                                *_EROSION],
    "soil_retention_nitrogen": [("layer:soil_nitrogen", 1), *_EROSION],
    "soil_retention_phosphorus": [("layer:soil_phosphorus", 1), *_EROSION],
    "pest_control": [],
    "sand_fixation": [],
}
COOLING_LAYER = {"climate_regulation_transpiration": "transpiration",
                 "climate_regulation_evaporation": "water_evaporation"}


def input_name(parameter: str, key: str = "") -> str:
    """How an input is named in draws and outputs: ``parameter[key]``, or ``parameter``."""
    return f"{parameter}[{key}]" if key else parameter


@dataclass
class Draws:
    """Values of the sampled inputs, one row per draw; any other input keeps its point value."""

    values: dict[str, np.ndarray]  # input name → (n,) drawn values
    point: dict[str, float]  # input name → point value (layers: 1)
    n: int

    def x(self, name: str) -> np.ndarray:
        """The input's value per draw, shape (n, 1)."""
        if name in self.values:
            return np.asarray(self.values[name], dtype=float).reshape(-1, 1)
        return np.full((self.n, 1), self.point_of(name))

    def factor(self, name: str) -> np.ndarray:
        """Draw / point value, shape (n, 1): how much a term proportional to the input moves."""
        if name not in self.values:
            return np.ones((self.n, 1))
        return self.x(name) / self.point_of(name)

    def point_of(self, name: str) -> float:
        if name in self.point:
            return float(self.point[name])
        if name.startswith("layer:"):
            return 1.0
        raise KeyError(f"input {name!r} has no point value")


class AccountModel:
    """Item values per leaf unit as a function of the inputs, from a ``components`` run."""

    def __init__(self, result):
        if result.parameters is None or (not result.items and not result.statistics_items):
            raise ValueError("the account result lacks what uncertainty needs: run it with "
                             "run_account(..., components=True)")
        self.result = result
        self.catalogue = tables.items()
        self.leaves = _leaves(result)
        self.point = {input_name(u.parameter, u.key): u.value
                      for u in result.parameters.used.values()}
        # a layer derived as a share of others moves with them (transpiration with ET)
        self.carried = {name: spec.get("proportional_to", [])
                        for name, spec in result.provenance.get("layers", {}).items()}
        self.evaluators: dict[str, Callable[[Draws], np.ndarray]] = {}
        self.inputs: dict[str, set[str]] = {}  # item → the inputs it depends on
        for item, item_result in result.items.items():
            if item_result.physical is not None:
                self._raster_item(item, item_result)
        for item, frame in result.statistics_items.items():
            if frame["value"].notna().any():
                self._statistics_item(item, frame)

    # -- per item --------------------------------------------------------------------------
    def _price_name(self, item: str) -> str | None:
        parameter = self.catalogue.at[item, "price_parameter"]
        if not isinstance(parameter, str) or not parameter:
            return None
        key = self.catalogue.at[item, "price_key"]
        return input_name(parameter, key if isinstance(key, str) else "")

    def _credited(self, item: str) -> list[str]:
        return self.catalogue.at[item, "ecosystems"].split() or ["wetland"]

    def _raster_item(self, item: str, result) -> None:
        credited = self._credited(item)
        physical = result.physical.reindex(self.leaves)
        quantity = physical[credited].sum(axis=1, min_count=1).to_numpy()
        missing = np.isnan(quantity)
        price = self._price_name(item)
        used = {price} if price else set()

        if item == "pest_control":
            per_ecosystem = physical[credited].fillna(0.0).to_numpy()
            names = [input_name("pest_control_cost", eco) for eco in credited]
            used = set(names)

            def value(d: Draws) -> np.ndarray:
                prices = np.hstack([d.x(n) for n in names])  # (n, ecosystems)
                return _missing(prices @ per_ecosystem.T, missing)
        elif item == "sand_fixation":
            names = ("sand_bulk_density", "sand_cover_depth", "sand_control_cost")
            used = set(names)

            def value(d: Draws) -> np.ndarray:
                unit_price = sand_fixation.sand_control_price(*(d.x(n) for n in names))
                return _missing(unit_price * quantity, missing)
        else:
            quantity_of, inputs = self._quantity(item, result, quantity)
            used |= inputs

            def value(d: Draws) -> np.ndarray:
                unit_price = d.x(price) if price else 1.0
                return _missing(quantity_of(d) * unit_price, missing)
        self.evaluators[item] = value
        self.inputs[item] = used

    def _quantity(self, item: str, result, quantity: np.ndarray
                  ) -> tuple[Callable[[Draws], np.ndarray], set[str]]:
        """The item's quantity per draw and leaf (n × leaves), and the inputs it reads."""
        base = np.nan_to_num(quantity)
        if item in SCALED:
            factors = SCALED[item]

            def scaled(d: Draws) -> np.ndarray:
                out = np.broadcast_to(base, (d.n, base.size)).copy()
                for name, power in factors:
                    out *= self.factor(d, name) ** power
                return out
            return scaled, self.with_carried(name for name, _ in factors)
        if item in COOLING_LAYER:
            return self._cooling(item, base)
        if result.pieces is not None:
            return self._water_bodies(item, result.pieces)
        if result.components is None:
            raise ValueError(f"{item}: no components; run the account with components=True")
        parts = result.components.reindex(self.leaves).fillna(0.0)
        terms = []  # (input scaling the term, layer scaling it or None, per-leaf sum)
        for column in parts.columns:
            keyed = "[" in column
            layer = _term_layer(item, column)
            terms.append((column if keyed else None, layer, parts[column].to_numpy()))
        inputs = {n for n, _, _ in terms if n} | self.with_carried(
            f"layer:{la}" for _, la, _ in terms if la)

        def summed(d: Draws) -> np.ndarray:
            out = np.zeros((d.n, len(self.leaves)))
            for coefficient, layer, sums in terms:
                term = sums * (d.x(coefficient) if coefficient else 1.0)
                out += term * (self.factor(d, f"layer:{layer}") if layer else 1.0)
            return out

        if item in purification.POLLUTANTS and result.loads is not None:
            loads = np.asarray(result.loads, dtype=float)

            def counted(d: Draws) -> np.ndarray:
                return purification.capped(summed(d), loads)
            return counted, inputs
        if item in purification.POLLUTANTS:  # the load counted as purified: no capacity draw
            return (lambda d: np.broadcast_to(base, (d.n, base.size))), set()
        return summed, inputs

    def _cooling(self, item: str, base: np.ndarray):
        """Hot-day water × (air-conditioner energy per m³ [+ humidifier energy per m³])."""
        humidify = item.endswith("evaporation") and bool(self.point.get("humidification_credited"))
        names = ["latent_heat_vaporization", "air_conditioner_efficiency_ratio"]
        if humidify:
            names.append("humidifier_energy")
        per_m3 = climate_regulation.cooling_energy(1.0, *(self.point[n] for n in names[:2]))
        if humidify:
            per_m3 += climate_regulation.humidifying_energy(1.0, self.point["humidifier_energy"])
        water_m3 = base / per_m3
        layers = [f"layer:{COOLING_LAYER[item]}", "layer:hot_days"]

        def energy(d: Draws) -> np.ndarray:
            water = water_m3 * self.factor(d, layers[0]) * self.factor(d, layers[1])
            out = climate_regulation.cooling_energy(water, d.x(names[0]), d.x(names[1]))
            if humidify:
                out = out + climate_regulation.humidifying_energy(water, d.x(names[2]))
            return out
        return energy, {*names, *self.with_carried(layers)}

    def _water_bodies(self, item: str, pieces: pd.DataFrame):
        """Storage of every body × leaf piece per draw: measured where given, else modelled."""
        kind = item.removeprefix("flood_regulation_")
        index = {code: i for i, code in enumerate(self.leaves)}
        to_leaf = np.zeros((len(pieces), len(self.leaves)))
        to_leaf[np.arange(len(pieces)), pieces["code"].map(index).to_numpy()] = 1.0
        measured = pieces["flood_storage_m3"].to_numpy(dtype=float)
        share = pieces["share"].to_numpy(dtype=float)
        area = pieces["body_area_m2"].to_numpy(dtype=float)
        capacity = pieces["capacity_m3"].to_numpy(dtype=float)
        names = {"lake": ["lake_storage_log_intercept", "lake_storage_exponent",
                          "lake_exchange_times"],
                 "reservoir": ["reservoir_flood_share"],
                 "marsh": ["marsh_detention_depth"]}[kind]

        def storage(d: Draws) -> np.ndarray:
            args = [d.x(n) for n in names]
            if kind == "lake":
                modelled = flood_regulation.lake_storage(area / 1e6, *args)
            elif kind == "reservoir":
                modelled = flood_regulation.reservoir_storage(capacity, *args)
            else:
                modelled = flood_regulation.marsh_storage(area, *args)
            per_piece = np.where(np.isnan(measured), modelled, measured) * share
            return np.nan_to_num(per_piece) @ to_leaf
        return storage, set(names)

    def _statistics_item(self, item: str, frame: pd.DataFrame) -> None:
        values = frame["value"].reindex(self.leaves).to_numpy(dtype=float)
        price = self._price_name(item)  # water supply and hydropower: a table price
        if price is not None and price not in self.point:
            price = None  # the unit's own price was used: nothing to draw

        def value(d: Draws) -> np.ndarray:
            return values * (d.factor(price) if price else np.ones((d.n, 1)))
        self.evaluators[item] = value
        self.inputs[item] = {price} if price else set()

    def factor(self, d: Draws, name: str) -> np.ndarray:
        """``d.factor(name)``, times the factors of the layers a derived layer is a share of."""
        out = d.factor(name)
        for other in self.carried.get(name.removeprefix("layer:"), []):
            out = out * d.factor(f"layer:{other}")
        return out

    def with_carried(self, names) -> set[str]:
        """``names`` and the layers their layers are shares of."""
        out = set(names)
        for name in list(out):
            out |= {f"layer:{o}" for o in self.carried.get(name.removeprefix("layer:"), [])}
        return out

    # -- whole account ---------------------------------------------------------------------
    def used_inputs(self) -> set[str]:
        return set().union(*self.inputs.values()) if self.inputs else set()

    def evaluate(self, draws: Draws) -> dict[str, np.ndarray]:
        """Item → value (元) per draw and leaf unit (n × leaves); NaN where the leaf has none."""
        return {item: evaluator(draws) for item, evaluator in self.evaluators.items()}


def _missing(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    values = np.array(values, dtype=float)
    values[:, missing] = np.nan
    return values


def _term_layer(item: str, column: str) -> str | None:
    """The layer a component term scales with (None: it scales with its coefficient only)."""
    if item in purification.POLLUTANTS:
        return None
    if item == "water_conservation":
        return "actual_et" if column == "actual_et" else "precipitation"
    if item == "flood_regulation_vegetation":
        return "storm_precipitation"
    return column  # carbon and oxygen: npp, heterotrophic_respiration


def _leaves(result) -> list[str]:
    units = result.units
    parents = set(units["parent"].dropna()) if "parent" in units else set()
    return [c for c in units["code"] if c not in parents]
