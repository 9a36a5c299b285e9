"""Which inputs changed between two account runs, and which items each change reaches.

Each run records its inputs (``run.json``: the layers with their files, the SHA-256 of every pack
file, the parameter-table version, the price year) and the statistics and prices it used
(``tables/statistics_used.csv``, ``tables/T4_prices.csv``). ``input_changes`` compares two runs:

* ``layer``: a layer changed when its file or that file's hash differs (a constant layer when its
  recorded value differs); ``category`` is ``land_cover``, ``climate`` or ``other``;
* ``statistic``: a statistic of the unit or of the city and province it may be allocated from
  (adcode prefixes), value at start and end;
* ``price`` (an item's unit price) and ``parameter`` (any other row of the parameter table);
* ``run``: the parameter-table version, the profile and the price year.

``ITEM_LAYERS`` lists the layers each raster item's formula reads, as
``accounts.RasterEngine.formulas`` calls them; every raster item also reads the land cover.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import pandas as pd

LAND_COVER = "landcover"
CLIMATE_LAYERS = frozenset(
    {
        "precipitation",
        "actual_et",
        "rainfall_erosivity",
        "npp",
        "heterotrophic_respiration",
        "transpiration",
        "temperature",
        "hot_days",
        "water_evaporation",
        "storm_precipitation",
    }
)
# The layers each raster item's formula reads (accounts.RasterEngine.formulas).
ITEM_LAYERS = {
    "water_conservation": ("precipitation", "actual_et"),
    "soil_retention_sediment": (
        "rainfall_erosivity",
        "soil_erodibility",
        "dem",
        "cover_management",
        "support_practice",
        "soil_bulk_density",
    ),
    "soil_retention_nitrogen": (
        "rainfall_erosivity",
        "soil_erodibility",
        "dem",
        "cover_management",
        "support_practice",
        "soil_nitrogen",
    ),
    "soil_retention_phosphorus": (
        "rainfall_erosivity",
        "soil_erodibility",
        "dem",
        "cover_management",
        "support_practice",
        "soil_phosphorus",
    ),
    "flood_regulation_vegetation": ("storm_precipitation",),
    "carbon_sequestration": ("npp", "heterotrophic_respiration"),
    "oxygen_release": ("npp", "heterotrophic_respiration"),
    "climate_regulation_transpiration": ("transpiration", "hot_days"),
    "climate_regulation_evaporation": ("water_evaporation", "hot_days"),
    "sand_fixation": (
        "wind_weather_factor",
        "wind_erodible_fraction",
        "wind_crust_factor",
        "wind_roughness_factor",
        "wind_vegetation_factor",
    ),
}
# Statistics-based items: the statistics (indicator name prefixes) they are computed from.
ITEM_STATISTICS = {
    "recreation": ("tourism_", "tourist_"),
    "water_supply_domestic": ("water_use_domestic",),
    "water_supply_industrial": ("water_use_industrial",),
    "water_supply_agricultural": ("water_use_agricultural",),
    "ecological_energy_hydropower": ("hydropower_",),
}
WATER_BODY_ITEMS = ("flood_regulation_lake", "flood_regulation_reservoir", "flood_regulation_marsh")
LAYER_LABELS = {
    "precipitation": ("年降水量", "annual precipitation"),
    "actual_et": ("实际蒸散发", "actual evapotranspiration"),
    "rainfall_erosivity": ("降雨侵蚀力", "rainfall erosivity"),
    "npp": ("净初级生产力", "net primary productivity"),
    "heterotrophic_respiration": ("土壤异养呼吸", "soil heterotrophic respiration"),
    "transpiration": ("植被蒸腾", "vegetation transpiration"),
    "water_evaporation": ("水面蒸发", "open-water evaporation"),
    "hot_days": ("高温日数", "hot days"),
    "temperature": ("年均气温", "mean air temperature"),
    "landcover": ("土地覆被", "land cover"),
    "storm_precipitation": ("暴雨降水量", "storm precipitation"),
}
STATISTIC_LABELS = {
    "tourism_revenue": ("旅游总收入", "tourism revenue"),
    "tourist_visits": ("旅游人次", "tourist visits"),
    "gdp": ("地区生产总值", "GDP"),
    "population": ("常住人口", "population"),
    "agriculture_net_output_value": ("农业增加值", "agriculture value added"),
    "forestry_net_output_value": ("林业增加值", "forestry value added"),
    "animal_husbandry_net_output_value": ("畜牧业增加值", "animal husbandry value added"),
    "fishery_net_output_value": ("渔业增加值", "fishery value added"),
}
PRICE_LABELS = {
    "reservoir_cost": ("水库单位库容造价", "reservoir cost per m³"),
    "dredging_cost": ("清淤成本", "dredging cost"),
    "nitrogen_treatment_cost": ("氮治理成本", "nitrogen treatment cost"),
    "phosphorus_treatment_cost": ("磷治理成本", "phosphorus treatment cost"),
    "electricity_price": ("电价", "electricity price"),
    "carbon_price": ("碳价格", "carbon price"),
    "water_price": ("水价", "water price"),
    "hydropower_price": ("水电上网电价", "hydropower price"),
}
COLUMNS = [
    "kind",
    "category",
    "name",
    "code",
    "start",
    "end",
    "changed",
    "change_share",
    "detail",
    "unit_mean_start",
    "unit_mean_end",
    "unit_mean_change_share",
    "layer_unit",
]


def item_catalogue() -> pd.DataFrame:
    """The shipped item table (``data/items.csv``): item, basis, price_parameter, price_key…"""
    with (resources.files("ecoledger.data") / "items.csv").open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str).fillna("")


def ancestors(unit: str) -> list[str]:
    """The unit and the city and province codes above it (adcode prefixes), unit first."""
    codes = [unit, unit[:4] + "00", unit[:2] + "0000"]
    return list(dict.fromkeys(codes))


def _same(a, b) -> bool:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=0.0)


def _share(a, b) -> float:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return math.nan
    return (y - x) / abs(x) if x and not math.isnan(x) and not math.isnan(y) else math.nan


def layer_changes(meta0: dict, meta1: dict) -> list[dict]:
    """One row per layer of either run (module docstring)."""
    layers0, layers1 = meta0.get("layers", {}), meta1.get("layers", {})
    inputs0, inputs1 = meta0.get("inputs", {}), meta1.get("inputs", {})
    rows = []
    for name in sorted(set(layers0) | set(layers1)):
        a, b = layers0.get(name) or {}, layers1.get(name) or {}
        if a.get("file") or b.get("file"):
            start, end = a.get("file") or "", b.get("file") or ""
            hash0, hash1 = inputs0.get(start, ""), inputs1.get(end, "")
            changed = start != end or hash0 != hash1
            detail = (
                "same file, same SHA-256"
                if not changed
                else "another file"
                if start != end
                else "same name, different content"
            )
        else:
            start, end = a.get("constant", ""), b.get("constant", "")
            changed = not _same(start, end) or a.get("source") != b.get("source")
            detail = "constant"
        category = "land_cover" if name == LAND_COVER else "climate" if name in CLIMATE_LAYERS else "other"
        rows.append(
            {
                "kind": "layer",
                "category": category,
                "name": name,
                "code": "",
                "start": start,
                "end": end,
                "changed": bool(changed),
                "change_share": _share(start, end),
                "detail": detail,
            }
        )
    for name in ("water_bodies.gpkg", "units.gpkg", "statistics.csv"):
        if name in inputs0 or name in inputs1:
            changed = inputs0.get(name) != inputs1.get(name)
            rows.append(
                {
                    "kind": "file",
                    "category": "other",
                    "name": name,
                    "code": "",
                    "start": (inputs0.get(name) or "")[:12],
                    "end": (inputs1.get(name) or "")[:12],
                    "changed": bool(changed),
                    "change_share": math.nan,
                    "detail": "SHA-256",
                }
            )
    return rows


def statistic_changes(stats0: pd.DataFrame | None, stats1: pd.DataFrame | None, unit: str) -> list[dict]:
    """One row per statistic of the unit or its city and province used by either run."""
    if stats0 is None and stats1 is None:
        return []
    codes = ancestors(unit)
    frames = []
    for frame in (stats0, stats1):
        frame = frame if frame is not None else pd.DataFrame(columns=["code", "indicator", "value", "status"])
        frame = frame[frame["code"].astype(str).isin(codes)]
        frames.append({(str(r["code"]), str(r["indicator"])): r for _, r in frame.iterrows()})
    rows = []
    for key in sorted(set(frames[0]) | set(frames[1]), key=lambda k: (codes.index(k[0]), k[1])):
        a, b = frames[0].get(key), frames[1].get(key)
        start = float(a["value"]) if a is not None and pd.notna(a["value"]) else math.nan
        end = float(b["value"]) if b is not None and pd.notna(b["value"]) else math.nan
        status = "/".join(str(r["status"]) for r in (a, b) if r is not None)
        rows.append(
            {
                "kind": "statistic",
                "category": "statistics",
                "name": key[1],
                "code": key[0],
                "start": start,
                "end": end,
                "changed": not _same(start, end),
                "change_share": _share(start, end),
                "detail": status,
            }
        )
    return rows


def price_changes(prices0: pd.DataFrame | None, prices1: pd.DataFrame | None) -> list[dict]:
    """One row per parameter-table row used by either run (``T4_prices.csv``): ``price`` when it is
    the unit price of an item (``items.csv``), else ``parameter``."""
    if prices0 is None and prices1 is None:
        return []
    priced = set(item_catalogue()["price_parameter"]) - {""}
    tables = []
    for frame in (prices0, prices1):
        frame = frame if frame is not None else pd.DataFrame(columns=["parameter", "key", "value"])
        tables.append(
            {
                (str(r["parameter"]), "" if pd.isna(r["key"]) else str(r["key"])): r["value"]
                for _, r in frame.iterrows()
            }
        )
    rows = []
    for key in sorted(set(tables[0]) | set(tables[1])):
        start, end = tables[0].get(key, math.nan), tables[1].get(key, math.nan)
        kind = "price" if key[0] in priced else "parameter"
        rows.append(
            {
                "kind": kind,
                "category": "prices" if kind == "price" else "parameters",
                "name": key[0] if not key[1] else f"{key[0]}[{key[1]}]",
                "code": "",
                "start": start,
                "end": end,
                "changed": not _same(start, end),
                "change_share": _share(start, end),
                "detail": "",
            }
        )
    return rows


def run_changes(meta0: dict, meta1: dict) -> list[dict]:
    """The parameter-table version, profile, price year and provisioning basis of the two runs."""
    rows = []
    for name in ("parameter_table_version", "profile", "price_year", "provisioning_basis", "code_version"):
        start, end = str(meta0.get(name, "")), str(meta1.get(name, ""))
        rows.append(
            {
                "kind": "run",
                "category": "run",
                "name": name,
                "code": "",
                "start": start,
                "end": end,
                "changed": str(start) != str(end),
                "change_share": math.nan,
                "detail": "",
            }
        )
    return rows


def _unit_mask(pack: Path, unit: str, shape, transform, crs):
    """Cells of the layer grid whose centre lies in ``unit`` (``units.gpkg`` of the pack)."""
    import geopandas as gpd
    from rasterio import features

    units = gpd.read_file(pack / "units.gpkg")
    chosen = units[units["code"].astype(str) == unit]
    if chosen.empty:
        return None
    geometry = chosen.to_crs(crs).geometry
    return features.geometry_mask(list(geometry), out_shape=shape, transform=transform, invert=True)


def layer_unit_means(meta0: dict, meta1: dict, unit: str, names) -> dict[str, tuple[float, float]]:
    """Mean of each named layer over the unit's cells in each run ((start, end), the layer's unit),
    read from the packs the runs record; a layer or pack that cannot be read is left out."""
    import numpy as np
    import rasterio

    out = {}
    masks = {}
    for name in names:
        means = []
        for meta in (meta0, meta1):
            spec = (meta.get("layers") or {}).get(name) or {}
            pack = Path(meta.get("pack") or "")
            path = pack / spec.get("file", "") if spec.get("file") else None
            if path is None or not path.is_file() or not (pack / "units.gpkg").is_file():
                means.append(math.nan)
                continue
            with rasterio.open(path) as src:
                values = src.read(1, masked=True).astype(float).filled(np.nan)
                key = (str(pack), src.shape, tuple(src.transform))
                if key not in masks:
                    masks[key] = _unit_mask(pack, unit, src.shape, src.transform, src.crs)
            mask = masks[key]
            chosen = values[mask] if mask is not None else np.array([])
            chosen = chosen[np.isfinite(chosen)]
            means.append(float(chosen.mean()) if chosen.size else math.nan)
        out[name] = (means[0], means[1])
    return out


def input_changes(run0, run1, unit: str, means: bool = True) -> pd.DataFrame:
    """Every recorded input of the two runs (``departure.Run``) and whether it changed; with
    ``means``, changed layers also get their mean over the unit in each run (``unit_mean_*``)."""
    from ecoledger.layers import LAYERS

    layers = layer_changes(run0.meta, run1.meta)
    if means:
        changed = [
            r["name"]
            for r in layers
            if r["kind"] == "layer" and r["changed"] and r["category"] != "land_cover"
        ]
        found = layer_unit_means(run0.meta, run1.meta, unit, changed)
        for row in layers:
            if row["name"] in found:
                a, b = found[row["name"]]
                kind = LAYERS.get(row["name"])
                row.update(
                    unit_mean_start=a,
                    unit_mean_end=b,
                    unit_mean_change_share=_share(a, b),
                    layer_unit=kind.unit if kind else "",
                )
    rows = [
        *layers,
        *statistic_changes(run0.table("statistics_used"), run1.table("statistics_used"), unit),
        *price_changes(run0.table("T4_prices"), run1.table("T4_prices")),
        *run_changes(run0.meta, run1.meta),
    ]
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def item_inputs(item: str, catalogue: pd.DataFrame | None = None) -> tuple[set[str], tuple[str, ...], str]:
    """(layers, statistic name prefixes, price parameter) an item's value depends on."""
    catalogue = item_catalogue() if catalogue is None else catalogue
    row = catalogue[catalogue["item"] == item]
    basis = row["basis"].iloc[0] if len(row) else ""
    price = row["price_parameter"].iloc[0] if len(row) else ""
    layers = set(ITEM_LAYERS.get(item, ()))
    if basis == "raster":
        layers.add(LAND_COVER)
    statistics = ITEM_STATISTICS.get(item, (f"{item}_",) if basis == "statistics" else ())
    return layers, statistics, price


def item_drivers(item: str, drivers: pd.DataFrame) -> str:
    """The changed inputs an item depends on, ``;``-separated (layer, statistic@code, price)."""
    layers, statistics, price = item_inputs(item)
    changed = drivers[drivers["changed"]]
    found = []
    for _, row in changed.iterrows():
        if row["kind"] == "layer" and row["name"] in layers:
            found.append(f"layer:{row['name']}")
        elif row["kind"] == "statistic" and any(str(row["name"]).startswith(p) for p in statistics):
            found.append(f"statistic:{row['name']}@{row['code']}")
        elif row["kind"] == "price" and price and str(row["name"]).split("[")[0] == price:
            found.append(f"price:{row['name']}")
        elif row["kind"] == "file" and row["name"] == "water_bodies.gpkg" and item in WATER_BODY_ITEMS:
            found.append("file:water_bodies.gpkg")
        elif row["kind"] == "run" and row["name"] == "parameter_table_version":
            found.append("run:parameter_table_version")
    return ";".join(found)


def _label(labels: dict, name: str, lang: str) -> str:
    pair = labels.get(name)
    return pair[0 if lang == "zh" else 1] if pair else name


def _shown(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "—"
    return f"{number:,.4g}" if abs(number) < 1e4 else f"{number:,.0f}"


def describe_input(token: str, drivers: pd.DataFrame, lang: str = "zh") -> str:
    """A changed input of ``item_drivers`` (``layer:precipitation``) in words with its start and
    end: a layer's mean over the unit, a statistic's or price's value, and the relative change."""
    kind, _, rest = token.partition(":")
    name, _, code = rest.partition("@")
    rows = drivers[(drivers["kind"] == kind) & (drivers["name"] == name)]
    if code:
        rows = rows[rows["code"] == code]
    if rows.empty:
        return rest
    row = rows.iloc[0]
    if kind == "layer":
        label = _label(LAYER_LABELS, name, lang)
        a, b, unit = row.get("unit_mean_start"), row.get("unit_mean_end"), row.get("layer_unit") or ""
        if pd.isna(a) or pd.isna(b):
            return label + ("（文件不同）" if lang == "zh" else " (another file)")
        start, end, share = _shown(a), _shown(b), _share(a, b)
    else:
        labels = STATISTIC_LABELS if kind == "statistic" else PRICE_LABELS if kind == "price" else {}
        label = _label(labels, name.split("[")[0], lang) + (f"[{code}]" if code else "")
        start, end, share, unit = _shown(row["start"]), _shown(row["end"]), row.get("change_share"), ""
    tail = "" if pd.isna(share) else (f"（{share:+.1%}）" if lang == "zh" else f" ({share:+.1%})")
    return f"{label} {start} → {end}{' ' + unit if unit else ''}{tail}"
