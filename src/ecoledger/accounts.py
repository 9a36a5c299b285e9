"""The accounting chain: one call runs a region's GEP accounts for one year.

``run_account`` validates the pack, loads parameters, aligns layers on the accounting grid block
by block, evaluates every raster item per cell, sums per leaf unit and ecosystem type, adds the
water-body and statistics items, prices everything and aggregates units bottom-up. The CLI, the
platform and notebooks all call this one function.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio

from ecoledger import messages, notes, plausibility, tables, terrain
from ecoledger.ecosystems import ALL, ECOSYSTEM_CODES, ECOSYSTEMS, SUBTYPE_CODES, SUBTYPES
from ecoledger.errors import ParameterError
from ecoledger.grid import Grid, LayerReader, class_lookup, grid_anchor, landcover_index
from ecoledger.items import (
    carbon,
    climate_regulation,
    flood_regulation,
    pest_control,
    purification,
    sand_fixation,
    soil_retention,
    water_conservation,
)
from ecoledger.items.cultural import landscape_premium, recreation_revenue_share
from ecoledger.items.provisioning import (
    PROVISIONING_BASES,
    SECTORS,
    WATER_USE_INDICATOR,
    products_value,
    sector_output_indicator,
)
from ecoledger.layers import ITEM_LAYERS
from ecoledger.pack.manifest import Pack
from ecoledger.pack.validate import IMPLAUSIBLE, raise_if_invalid
from ecoledger.params import Parameters
from ecoledger.rollup import PARTIAL, partial_note, roll_up
from ecoledger.statistics import allocate, load_statistic_rows, lookup, pivot, weakest
from ecoledger.zonal import Units, block_coverage, zonal_sums_by_class

ECO_NAMES = list(ECOSYSTEMS)
POLLUTANTS = purification.POLLUTANTS
# Per-cell coefficients an item cannot do without: no table rows → the item is missing.
REQUIRED_COEFFICIENTS = {"water_conservation": "runoff_coefficient",
                         "flood_regulation_vegetation": "storm_runoff_coefficient"}
WATER_BODY_ITEMS = {"flood_regulation_lake": "lake", "flood_regulation_reservoir": "reservoir",
                    "flood_regulation_marsh": "marsh"}
Progress = Callable[[str, float], None]
messages.register({"unknown_basis": ("未知的物质产品核算口径 `{basis}`；修改：请使用以下之一：{known}",
                                     "unknown provisioning basis {basis!r}; choose one of {known}")},
                  prefix="accounts.")
N_CLASSES = len(ECOSYSTEM_CODES) + 1  # ecosystem codes 1…n, 0 for cells with no ecosystem
DISK_BACKED_BYTES = 256 * 2**20  # grid-wide work arrays above this size live on disk (memmap)
MAX_MISSING_SHARE = 0.5  # a unit whose credited area lacks data above this share is missing
NEGLIGIBLE_MISSING_SHARE = 1e-3  # below this a unit keeps its status; the note still says it


@dataclass
class ItemResult:
    """Physical quantity per leaf unit × ecosystem (columns ECO_NAMES) and how to price it."""

    physical: pd.DataFrame | None
    price: dict[str, float] | float | None = None
    status: str = "measured"
    note: str = ""
    # per leaf unit (m²): credited area without data in an input layer, and the credited area
    no_data_m2: pd.Series | None = None
    credited_m2: pd.Series | None = None
    max_missing_share: float = MAX_MISSING_SHARE
    # for uncertainty draws (``run_account(components=True)``): per leaf unit, the sums over
    # credited cells of the parts the per-cell quantity adds up from (``RasterEngine.parts``)
    components: pd.DataFrame | None = None
    loads: np.ndarray | None = None  # purification: the load capping each leaf unit (NaN: none)
    pieces: pd.DataFrame | None = None  # water bodies: one row per body × leaf unit


@dataclass
class AccountResult:
    accounts: pd.DataFrame
    extent: pd.DataFrame
    units: pd.DataFrame
    statistics: pd.DataFrame
    parameters_used: pd.DataFrame
    inventory: pd.DataFrame
    physical_indicators: pd.DataFrame
    provenance: dict
    statistics_provenance: pd.DataFrame
    grid: Grid
    maps: dict[str, Path] = field(default_factory=dict)  # per-cell physical maps (GeoTIFF)
    scratch: object = None  # keeps the maps' temporary folder alive as long as the result
    plausibility: pd.DataFrame = field(default_factory=pd.DataFrame)  # vs known totals
    # what ``ecoledger.uncertainty`` re-weights per draw: the items' results (with their
    # ``components`` when run with ``components=True``), the statistics items' per-unit frames
    # and the parameters the run read
    items: dict[str, ItemResult] = field(default_factory=dict)
    statistics_items: dict[str, pd.DataFrame] = field(default_factory=dict)
    parameters: Parameters | None = None
    uncertainty: object = None  # ecoledger.uncertainty.propagate.Uncertainty, written beside


def run_account(
    pack_root: str | Path,
    year: int,
    profile: str = "ndrc2022",
    parameter_overrides: list[Path] | tuple[Path, ...] = (),
    block_rows: int | None = None,
    routing: str = "mfd",
    keep_maps: bool = True,
    progress: Progress | None = None,
    provisioning_basis: str | None = None,
    price_year: int | None = None,
    statistics_overrides: list[Path] | tuple[Path, ...] = (),
    max_missing_share: float = MAX_MISSING_SHARE,
    components: bool = False,
) -> AccountResult:
    """Run the GEP accounts of a region pack for one year.

    ``block_rows`` processes the grid in row blocks of that many rows (None: one block); the
    result is the same either way. ``routing`` is ``"mfd"`` or ``"d8"`` for the LS factor.
    ``provisioning_basis`` (``gross_output``, ``net_output`` or ``quantity_price``) overrides
    the profile's basis for material products. ``price_year`` values the year's quantities at
    that year's prices (constant prices for comparisons across years; default: current prices):
    table prices are carried to it by their index, reported money values by the CPI.
    ``statistics_overrides`` are statistics files (the pack's format) whose rows take precedence
    over the pack's own: the platform passes its accepted submissions this way.
    ``max_missing_share``: a raster item of a unit whose credited area has no data in an input
    layer (a layer covering part of the region, nodata holes) over more than this share is
    ``missing`` for that unit; below it the unit's value is the sum over the covered cells,
    ``partial``, with its own covered share in the note.
    ``components``: also keep, per leaf unit, the sums of the parts each raster item's quantity
    adds up from (``ecoledger.uncertainty`` re-weights them per draw instead of re-running).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    current = ["validate and load", started]

    def report(step: str, fraction: float) -> None:
        # Time spent since the last report is charged to the step that was running.
        now = time.perf_counter()
        timings[current[0]] = round(timings.get(current[0], 0.0) + now - current[1], 3)
        current[:] = [step, now]
        if progress is not None:
            progress(step, fraction)

    pack = raise_if_invalid(pack_root, year)
    chosen = tables.profile(profile)
    if provisioning_basis not in (None, *PROVISIONING_BASES):
        raise ParameterError(key="accounts.unknown_basis", basis=provisioning_basis,
                             known=", ".join(PROVISIONING_BASES))
    params = Parameters.load(price_year or year, [*pack.parameter_files, *parameter_overrides])
    deflator = params.index_factor("cpi", year, params.year)
    catalogue = tables.items()

    units = Units.read(pack.path(pack.manifest.units.file), pack.manifest.units, pack.region.crs)
    specs = pack.layers_for(year)
    grid = accounting_grid(pack, units, year)
    crosswalk = pd.read_csv(pack.path(pack.manifest.landcover.crosswalk))
    stat_rows = load_statistic_rows([*map(Path, statistics_overrides), *pack.statistics_files],
                                    year)

    not_applicable = set(pack.region.not_applicable)
    wanted = [i for i in chosen.items if i not in not_applicable]
    raster_items = [i for i in wanted if catalogue.at[i, "basis"] == "raster"]
    missing_layers = {
        i: [name for name in ITEM_LAYERS[i] if name not in specs] for i in raster_items
    }
    lacking = {i: p for i, p in REQUIRED_COEFFICIENTS.items()
               if i in raster_items and not params.keys(p)}
    computable = [i for i in raster_items if not missing_layers[i] and i not in lacking]

    report("raster items", 0.05)
    engine = RasterEngine(pack, grid, units, crosswalk, specs, params, routing)
    results: dict[str, ItemResult] = engine.run(computable, block_rows, keep_maps, report,
                                                max_missing_share, components)
    _flag_implausible_layers(results, pack)
    stat_rows = _allocated(stat_rows, units, engine.extent)
    stats = StatisticsView(pivot(stat_rows), pivot(stat_rows, "status"), pivot(stat_rows, "method"))
    for item in raster_items:
        if missing_layers[item]:
            results[item] = ItemResult(None, note=notes.note(
                "missing_layers", layers=", ".join(missing_layers[item])))
        elif item in lacking:
            results[item] = ItemResult(None, note=notes.note("parameter_lacking",
                                                             parameter=lacking[item]))
    report("capping and pricing", 0.86)
    _cap_purification(results, units, stats.values, params)
    _price_raster_items(results, params, catalogue)
    results.update(_water_body_items(pack, units, params, wanted))
    report("water bodies and statistics items", 0.9)
    stat_items = {i: _statistics_item(i, stats, units, params, chosen, provisioning_basis, deflator)
                  for i in wanted if catalogue.at[i, "basis"] == "statistics"}
    report("assemble", 0.95)
    accounts = _assemble(units, year, catalogue, wanted, results, stat_items, not_applicable)
    extent = units.aggregate(engine.extent) / 1e6  # km²
    provenance = {
        "pack": str(pack.root),
        "region": pack.region.name,
        "year": year,
        "profile": chosen.name,
        "profile_title": chosen.title,
        "provisioning_basis": provisioning_basis or chosen.provisioning_basis,
        "price_year": params.year,
        "parameter_table_version": params.version,
        "statistics_overrides": {Path(f).name: hashlib.sha256(Path(f).read_bytes()).hexdigest()
                                 for f in statistics_overrides},
        "routing": routing,
        "grid": {"crs": grid.crs.to_string(), "resolution_m": grid.resolution,
                 "shape": list(grid.shape), "bounds": list(grid.bounds)},
        "layers": {name: spec.model_dump(exclude_none=True) for name, spec in specs.items()},
        "timings_s": {**timings, "assemble": round(time.perf_counter() - current[1], 3)},
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
    return AccountResult(
        accounts=accounts,
        extent=extent,
        units=units.table.drop(columns="geometry"),
        statistics=_resolve_statistics(stats.values, units),
        statistics_provenance=stat_rows,
        parameters_used=params.used_table(),
        inventory=_inventory(chosen, catalogue, not_applicable, results, stat_items),
        physical_indicators=units.aggregate(engine.indicators),
        provenance=provenance,
        grid=grid,
        maps=engine.maps,
        scratch=engine.scratch,
        plausibility=plausibility.check(accounts, plausibility.read_known_totals(pack.root), year),
        items=results,
        statistics_items=stat_items,
        parameters=params,
    )


def accounting_grid(pack: Pack, units: Units, year: int) -> Grid:
    """The year's accounting grid: the units' extent, on the land-cover raster's cells when that
    raster is already in the accounting CRS and resolution (no resampling), else on multiples of
    the resolution."""
    landcover = pack.layers_for(year)["landcover"]
    region = pack.region
    anchor = (grid_anchor(pack.path(landcover.file), region.crs, region.resolution)
              if landcover.file else (0.0, 0.0))
    return Grid.covering(units.table.total_bounds, region.resolution, region.crs, anchor)


class RasterEngine:
    """Per-cell evaluation of raster items, block by block, with zonal sums per leaf unit.

    Memory follows the block, not the grid: coverage fractions are computed per block, maps are
    written to GeoTIFFs block by block, and the grid-wide terrain arrays (LS) live in
    disk-backed arrays when the grid is large.
    """

    def __init__(self, pack: Pack, grid: Grid, units: Units, crosswalk: pd.DataFrame,
                 specs, params: Parameters, routing: str):
        self.pack, self.grid, self.units = pack, grid, units
        self.specs, self.params, self.routing = specs, params, routing
        classes = crosswalk["class"].astype(int)
        subtypes = crosswalk["subtype"] if "subtype" in crosswalk else pd.Series([""] * len(classes))
        self.class_ecosystem = class_lookup(
            dict(zip(classes, crosswalk["ecosystem"].map(ECOSYSTEM_CODES), strict=True)), 0)
        self.class_subtype = class_lookup(
            dict(zip(classes, subtypes.fillna("").map(SUBTYPE_CODES).fillna(0), strict=True)), 0)
        self.crosswalk = crosswalk.set_index(classes)
        leaves = units.leaves
        self.extent = pd.DataFrame(0.0, index=leaves, columns=ECO_NAMES)
        self.indicators = pd.DataFrame(0.0, index=leaves, columns=["soil_retained_t",
                                                                   "potential_erosion_t"])
        self.maps: dict[str, Path] = {}
        self.scratch = tempfile.TemporaryDirectory(prefix="ecoledger-run-")
        self.credited_codes = {
            item: np.array([ECOSYSTEM_CODES[n] for n in names.split()], dtype=np.int64)
            for item, names in tables.items()["ecosystems"].items()}
        self._tables: dict[tuple, tuple] = {}  # per-cell lookups of table parameters
        # per item, by ecosystem code: 1 = credited (show the quantity), 0 = not, NaN = no data
        self.map_rule = {}
        for item, codes in self.credited_codes.items():
            rule = np.zeros(N_CLASSES)
            rule[0] = np.nan
            rule[codes] = 1.0
            self.map_rule[item] = rule

    def reader(self, name: str) -> LayerReader:
        spec = self.specs[name]
        lookup_column = None
        if spec.by_landcover is not None:
            lookup_column = self.crosswalk[spec.by_landcover].astype(float).to_dict()
        path = self.pack.path(spec.file) if spec.file else None
        return LayerReader(name, spec, path, self.grid, lookup_column)

    def status(self, item: str) -> str:
        derived = any(self.specs[n].status == "derived" for n in ITEM_LAYERS[item])
        return "derived" if derived else "measured"

    def _array(self, name: str, dtype, shape=None) -> np.ndarray:
        """A grid-sized work array: in memory for small grids, disk-backed for large ones."""
        shape = shape or self.grid.shape
        if np.prod(shape) * np.dtype(dtype).itemsize < DISK_BACKED_BYTES:
            return np.empty(shape, dtype=dtype)
        return np.memmap(Path(self.scratch.name) / f"{name}.dat", dtype=dtype, mode="w+",
                         shape=shape)

    def _ls_factor(self) -> np.ndarray:
        """LS on the whole grid (routing is global), freeing each input once it is used."""
        reader = self.reader("dem")
        dem = reader.read(next(self.grid.blocks(None)), dtype="float32")
        reader.close()
        filled = terrain.fill_depressions(dem, out=self._array("filled", np.float32))
        del dem
        if self.routing == "d8":
            directions = terrain.flow_direction_d8(filled, out=self._array("d8", np.uint8))
            accumulation = terrain.flow_accumulation_d8(
                directions, out=self._array("accumulation", np.float64))
        else:
            directions = terrain.flow_direction_mfd(
                filled, out=self._array("mfd", np.float32, (8, *self.grid.shape)))
            accumulation = terrain.flow_accumulation_mfd(
                directions, out=self._array("accumulation", np.float64))
        del directions
        slope = terrain.slope_percent(filled, self.grid.resolution,
                                      out=self._array("slope", np.float32))
        del filled
        return terrain.ls_factor_desmet_govers(slope, accumulation, self.grid.resolution)

    def run(self, items: list[str], block_rows, keep_maps: bool, report,
            max_missing_share: float = MAX_MISSING_SHARE,
            components: bool = False) -> dict[str, ItemResult]:
        needed = sorted({name for i in items for name in ITEM_LAYERS[i]} | {"landcover"})
        readers = {name: self.reader(name) for name in needed}
        formulas = self.formulas()
        parts = {i: f for i, f in self.parts().items() if i in items} if components else {}
        part_sums: dict[str, dict[str, np.ndarray]] = {i: {} for i in parts}
        ls = None
        if any(i.startswith("soil_retention") for i in items):
            report("terrain (fill, routing, LS)", 0.05)
            ls = self._ls_factor()
            report("raster items", 0.1)
        sums = {i: np.zeros((len(self.units.leaves), len(ECO_NAMES))) for i in items}
        gaps = {i: np.zeros(len(self.units.leaves)) for i in items}
        maps = _MapWriter(Path(self.scratch.name), self.grid, [*items, "_ecosystem"]) \
            if keep_maps else None
        area = self.grid.pixel_area_m2
        blocks = list(self.grid.blocks(block_rows))
        try:
            for n, window in enumerate(blocks):
                if n:
                    report("raster items", 0.05 + 0.8 * n / len(blocks))
                rows = slice(int(window.row_off), int(window.row_off + window.height))
                lc = readers["landcover"].read(window)
                cells = {"landcover": lc}
                for name in needed:
                    if name != "landcover":
                        cells[name] = readers[name].read(window, landcover=lc)
                if ls is not None:
                    cells["ls"] = np.asarray(ls[rows])
                ecosystem = self.class_ecosystem[landcover_index(lc, self.class_ecosystem)]
                subtype = self.class_subtype[landcover_index(lc, self.class_subtype)]
                cover = block_coverage(self.units, self.grid, window)
                cell_area = np.full(ecosystem.shape, area)
                self.extent += zonal_sums_by_class(cover, cell_area, ecosystem, N_CLASSES)[0][:, 1:]
                if ls is not None:
                    self._soil_indicators(cells, cover, ecosystem, area)
                for item in items:
                    quantity = formulas[item](cells, ecosystem, subtype, area)
                    codes = self.credited_codes[item]
                    by_class, missing = zonal_sums_by_class(cover, quantity, ecosystem, N_CLASSES)
                    sums[item][:, codes - 1] += by_class[:, codes]
                    gaps[item] += missing[:, codes].sum(axis=1) * area
                    if item in parts:
                        self._sum_parts(parts[item](cells, ecosystem, subtype, area),
                                        self.map_rule[item][ecosystem] == 1, ecosystem, subtype,
                                        cover, part_sums[item])
                    if maps:
                        # credited cells carry the quantity, other cells of the region 0
                        shown = self.map_rule[item][ecosystem]
                        maps.write(item, window, np.where(shown == 1, quantity, shown))
                if maps:
                    maps.write("_ecosystem", window, ecosystem)
        finally:
            for reader in readers.values():
                reader.close()
            if maps:
                self.maps = maps.close()
        results = {}
        for item in items:
            frame = pd.DataFrame(sums[item], index=self.units.leaves, columns=ECO_NAMES)
            credited = [ECO_NAMES[code - 1] for code in self.credited_codes[item]]
            no_data = pd.Series(gaps[item], index=self.units.leaves)
            area = self.extent[credited].sum(axis=1)
            # a unit lacking data over more than the threshold has no value: never a sum of
            # part of it passed off as the whole
            refused = no_data > max_missing_share * area
            frame.loc[refused & (area > 0), :] = np.nan
            results[item] = ItemResult(frame, status=self.status(item), no_data_m2=no_data,
                                       credited_m2=area, max_missing_share=max_missing_share)
            if item in parts:
                results[item].components = pd.DataFrame(part_sums[item], index=self.units.leaves)
        return results

    def _sum_parts(self, parts, credited: np.ndarray, ecosystem, subtype, cover,
                   into: dict[str, np.ndarray]) -> None:
        """Add one block's parts, summed per leaf unit over credited cells, into ``into``.

        A part per unit of a keyed coefficient (``(name, array, parameter)``) is summed per table
        row of that parameter, under the row's input name (``runoff_coefficient[mixed_forest]``).
        """
        for name, array, keyed_by in parts:
            values = np.where(credited, array, 0.0)
            if keyed_by is None:
                key_codes, names = np.zeros(values.shape, dtype=np.int64), [name]
            else:
                key_codes, names = self._key_codes(keyed_by, subtype, ecosystem)
            by_key, _ = zonal_sums_by_class(cover, values, key_codes, len(names))
            for column, label in enumerate(names):
                if keyed_by is None or column:  # keyed code 0, no row: the cell has no term
                    into[label] = into.get(label, 0.0) + by_key[:, column]

    def _key_codes(self, parameter: str, subtype: np.ndarray, ecosystem: np.ndarray
                   ) -> tuple[np.ndarray, list[str]]:
        """Per cell, which row of a subtype-keyed parameter gives its value (the lookup of
        ``_per_subtype``), as codes into the returned input names; code 0 is "no row"."""
        key = ("rows", parameter)
        if key not in self._tables:
            names = ["(none)"]
            by_ecosystem = np.zeros(len(ECOSYSTEM_CODES) + 1, dtype=np.int64)
            by_subtype = np.zeros(len(SUBTYPE_CODES) + 1, dtype=np.int64)
            for codes, table in ((ECOSYSTEM_CODES, by_ecosystem), (SUBTYPE_CODES, by_subtype)):
                for name, code in codes.items():
                    if self.params.has(parameter, name):
                        names.append(f"{parameter}[{name}]")
                        table[code] = len(names) - 1
            self._tables[key] = by_ecosystem, by_subtype, names
        by_ecosystem, by_subtype, names = self._tables[key]
        from_subtype = by_subtype[subtype]
        return np.where(from_subtype > 0, from_subtype, by_ecosystem[ecosystem]), names

    def parts(self) -> dict[str, Callable]:
        """Per item whose quantity is a sum of terms scaled by different inputs, the terms per
        cell: ``[(name, array, keyed_by)]``. ``keyed_by`` names a subtype-keyed parameter the
        array is to be multiplied by (it is summed per row of that parameter); else the term is
        named by its input layer. ``Σ terms (× their coefficient)`` is the item's quantity
        (``formulas``) cell by cell."""

        def water(c, eco, sub, area):
            alpha = self._per_subtype("runoff_coefficient", sub, eco, required=True)
            rain, runoff, et = water_conservation.water_conservation_parts(
                c["precipitation"], alpha, c["actual_et"], area)
            return [("precipitation", rain, None), ("runoff", runoff, "runoff_coefficient"),
                    ("actual_et", et, None)]

        def flood_vegetation(c, eco, sub, area):
            beta = self._per_subtype("storm_runoff_coefficient", sub, eco, required=True)
            rain, runoff = flood_regulation.vegetation_storage_parts(
                c["storm_precipitation"], beta, area)
            return [("storm_precipitation", rain, None),
                    ("runoff", runoff, "storm_runoff_coefficient")]

        def co2(c, eco, sub, area):
            npp, respiration = carbon.carbon_sequestration_parts(
                c["npp"], c["heterotrophic_respiration"], area)
            return [("npp", npp, None), ("heterotrophic_respiration", respiration, None)]

        def o2(c, eco, sub, area):
            return [(name, carbon.oxygen_release(part), keyed)
                    for name, part, keyed in co2(c, eco, sub, area)]

        def capacity(parameter):
            def formula(c, eco, sub, area):
                per_unit = np.full(eco.shape, purification.removal_capacity(1.0, area))
                return [("capacity", per_unit, parameter)]
            return formula

        parts = {"water_conservation": water, "flood_regulation_vegetation": flood_vegetation,
                 "carbon_sequestration": co2, "oxygen_release": o2}
        for item, (parameter, _, _) in POLLUTANTS.items():
            parts[item] = capacity(parameter)
        return parts

    def _per_subtype(self, parameter: str, subtype: np.ndarray, ecosystem: np.ndarray,
                     required: bool) -> np.ndarray:
        """Cell values of a parameter keyed by subtype (falling back to the level-1 type)."""
        key = (parameter, required)
        if key not in self._tables:
            default = np.nan if required else 0.0
            by_ecosystem = np.full(len(ECOSYSTEM_CODES) + 1, default)
            by_subtype = np.full(len(SUBTYPE_CODES) + 1, np.nan)
            for name, code in ECOSYSTEM_CODES.items():
                if self.params.has(parameter, name):
                    by_ecosystem[code] = self.params.get(parameter, name)
            for name, code in SUBTYPE_CODES.items():
                if self.params.has(parameter, name):
                    by_subtype[code] = self.params.get(parameter, name)
            self._tables[key] = by_ecosystem, by_subtype
        by_ecosystem, by_subtype = self._tables[key]
        from_subtype = by_subtype[subtype]
        return np.where(np.isnan(from_subtype), by_ecosystem[ecosystem], from_subtype)

    def _soil_indicators(self, cells, cover, ecosystem, area) -> None:
        """Potential erosion and retained soil (t) over the ecosystems soil retention credits."""
        codes = self.credited_codes["soil_retention_sediment"]
        rkls = (cells["rainfall_erosivity"], cells["soil_erodibility"], cells["ls"])
        for name, cover_management, practice in (
                ("potential_erosion_t", 0.0, 0.0),
                ("soil_retained_t", cells["cover_management"], cells["support_practice"])):
            quantity = soil_retention.soil_retained(*rkls, cover_management, practice, area)
            by_class, _ = zonal_sums_by_class(cover, quantity, ecosystem, N_CLASSES)
            self.indicators[name] += by_class[:, codes].sum(axis=1)

    def formulas(self) -> dict[str, Callable]:
        p = self.params

        def water(c, eco, sub, area):
            alpha = self._per_subtype("runoff_coefficient", sub, eco, required=True)
            return water_conservation.water_conservation(c["precipitation"], alpha, c["actual_et"],
                                                         area)

        def retained(c):
            return soil_retention.soil_retained(c["rainfall_erosivity"], c["soil_erodibility"],
                                                c["ls"], c["cover_management"],
                                                c["support_practice"], self.grid.pixel_area_m2)

        def sediment(c, eco, sub, area):
            return soil_retention.sediment_volume(retained(c), p.get("sediment_deposition_ratio"),
                                                  c["soil_bulk_density"])

        def nitrogen(c, eco, sub, area):
            return soil_retention.nutrient_mass(retained(c), c["soil_nitrogen"])

        def phosphorus(c, eco, sub, area):
            return soil_retention.nutrient_mass(retained(c), c["soil_phosphorus"])

        def flood_vegetation(c, eco, sub, area):
            beta = self._per_subtype("storm_runoff_coefficient", sub, eco, required=True)
            return flood_regulation.vegetation_storage(c["storm_precipitation"], beta, area)

        def co2(c, eco, sub, area):
            return carbon.carbon_sequestration(c["npp"], c["heterotrophic_respiration"], area)

        def o2(c, eco, sub, area):
            return carbon.oxygen_release(co2(c, eco, sub, area))

        def capacity(parameter):
            def formula(c, eco, sub, area):
                q = self._per_subtype(parameter, sub, eco, required=False)
                return purification.removal_capacity(q, area)
            return formula

        def cooling(layer, humidify):
            def formula(c, eco, sub, area):
                water_m3 = climate_regulation.hot_day_water_m3(c[layer], c["hot_days"], area)
                energy = climate_regulation.cooling_energy(
                    water_m3, p.get("latent_heat_vaporization"),
                    p.get("air_conditioner_efficiency_ratio"))
                if humidify and p.get("humidification_credited"):
                    energy = energy + climate_regulation.humidifying_energy(
                        water_m3, p.get("humidifier_energy"))
                return energy
            return formula

        def pest(c, eco, sub, area):
            return np.full(eco.shape, pest_control.pest_control_area_ha(area))

        def sand(c, eco, sub, area):
            return sand_fixation.sand_fixed_t(
                c["wind_weather_factor"], c["wind_erodible_fraction"], c["wind_crust_factor"],
                c["wind_roughness_factor"], c["wind_vegetation_factor"],
                p.get("rweq_downwind_distance"), area)

        formulas = {
            "water_conservation": water,
            "soil_retention_sediment": sediment,
            "soil_retention_nitrogen": nitrogen,
            "soil_retention_phosphorus": phosphorus,
            "flood_regulation_vegetation": flood_vegetation,
            "carbon_sequestration": co2,
            "oxygen_release": o2,
            "climate_regulation_transpiration": cooling("transpiration", humidify=False),
            "climate_regulation_evaporation": cooling("water_evaporation", humidify=True),
            "pest_control": pest,
            "sand_fixation": sand,
        }
        for item, (parameter, _, _) in POLLUTANTS.items():
            formulas[item] = capacity(parameter)
        return formulas


class _MapWriter:
    """Per-cell maps written to tiled GeoTIFFs block by block (float32; ecosystem codes int16).

    They are scratch files, read once more to write the priced outputs: uncompressed, because
    compression costs more time than the disk it saves here.
    """

    def __init__(self, folder: Path, grid: Grid, names: list[str]):
        rows, cols = grid.shape
        self.paths = {name: folder / f"{name}.tif" for name in names}
        self.datasets = {
            name: rasterio.open(
                path, "w", driver="GTiff", width=cols, height=rows, count=1,
                dtype="int16" if name == "_ecosystem" else "float32",
                nodata=0 if name == "_ecosystem" else np.nan, crs=grid.crs,
                transform=grid.transform, tiled=True, blockxsize=256, blockysize=256,
                bigtiff="if_safer")
            for name, path in self.paths.items()
        }

    def write(self, name: str, window, array: np.ndarray) -> None:
        dataset = self.datasets[name]
        dataset.write(array.astype(dataset.dtypes[0]), 1, window=window)

    def close(self) -> dict[str, Path]:
        for dataset in self.datasets.values():
            dataset.close()
        return self.paths


def _cap_purification(results: dict[str, ItemResult], units: Units, stats: pd.DataFrame,
                      params: Parameters) -> None:
    """Cap removal capacity by the load per leaf unit; without a capacity table count the load."""
    for item, (parameter, indicator, fallback) in POLLUTANTS.items():
        if item not in results or results[item].physical is None:
            continue
        result = results[item]
        loads = np.array([lookup(stats, code, indicator) for code in units.leaves])
        if not params.keys(parameter):
            if np.isnan(loads).all():
                results[item] = ItemResult(None, note=notes.note(
                    "no_capacity_no_load", parameter=parameter, indicator=indicator))
                continue
            frame = pd.DataFrame(0.0, index=units.leaves, columns=ECO_NAMES)
            frame[fallback] = loads
            result.physical = frame
            result.status = "derived"
            result.note = notes.note("load_as_purified", parameter=parameter, indicator=indicator)
            continue
        result.loads = loads
        capacity = result.physical.sum(axis=1).to_numpy()
        counted = purification.capped(capacity, loads)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(capacity > 0, counted / capacity, 0.0)
        # a unit without a reported load has capacity only: not counted (purification of a
        # pollutant nobody emitted is no service), so it is missing and its parents partial
        result.physical = result.physical.mul(scale, axis=0)
        result.physical.loc[np.isnan(loads), :] = np.nan
        result.status = "derived"
        if np.isnan(loads).all():
            results[item] = ItemResult(None, note=notes.note(
                "capacity_only", capacity=f"{capacity.sum():.4g}", indicator=indicator))
        elif np.isnan(loads).any():
            result.note = notes.note("capacity_where_unreported", indicator=indicator)


def _price_raster_items(results: dict[str, ItemResult], params: Parameters, catalogue) -> None:
    for item, result in results.items():
        if result.physical is None:
            continue
        try:
            if item == "pest_control":
                result.price = {eco: params.get("pest_control_cost", eco)
                                for eco in ("forest", "grassland")}
            elif item == "sand_fixation":
                result.price = sand_fixation.sand_control_price(
                    params.get("sand_bulk_density"), params.get("sand_cover_depth"),
                    params.get("sand_control_cost"))
            else:
                row = catalogue.loc[item]
                result.price = params.get(row["price_parameter"], row["price_key"])
        except ParameterError as exc:
            result.physical, result.note = None, str(exc)


def _water_body_items(pack: Pack, units: Units, params: Parameters, wanted: list[str]
                      ) -> dict[str, ItemResult]:
    items = [i for i in wanted if i in WATER_BODY_ITEMS]
    if not items:
        return {}
    if pack.manifest.water_bodies is None:
        return {i: ItemResult(None, note=notes.note("no_water_bodies")) for i in items}
    spec = pack.manifest.water_bodies
    path = pack.path(spec.file)
    bodies = gpd.read_file(path, layer=spec.layer) if spec.layer else gpd.read_file(path)
    bodies = bodies.to_crs(units.table.crs).reset_index(names="body")
    for column in ("capacity_m3", "flood_storage_m3"):
        if column not in bodies:
            bodies[column] = np.nan
        bodies[column] = pd.to_numeric(bodies[column], errors="coerce")
    bodies["body_area_m2"] = bodies.geometry.area
    leaves = units.table.loc[units.leaves, ["code", "geometry"]].reset_index(drop=True)
    pieces = gpd.overlay(bodies, leaves, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.geometry.area / pieces["body_area_m2"]
    price = params.get("reservoir_cost")
    out = {}
    for item in items:
        kind = WATER_BODY_ITEMS[item]
        part = pieces[pieces["kind"] == kind].copy()
        if part.empty:
            # what each kind needs (method notes §6.2.4): reservoirs their capacity, lakes and
            # marshes their polygons (storage from the lake area / marsh detention depth × area)
            out[item] = ItemResult(None, note=notes.note(f"no_{kind}", file=spec.file))
            continue
        measured = part["flood_storage_m3"]
        if kind == "lake":
            modelled = flood_regulation.lake_storage(
                part["body_area_m2"] / 1e6, params.get("lake_storage_log_intercept"),
                params.get("lake_storage_exponent"), params.get("lake_exchange_times"))
        elif kind == "reservoir":
            modelled = flood_regulation.reservoir_storage(part["capacity_m3"],
                                                          params.get("reservoir_flood_share"))
        else:
            modelled = flood_regulation.marsh_storage(part["body_area_m2"],
                                                      params.get("marsh_detention_depth"))
        part["storage"] = measured.fillna(modelled) * part["share"]
        frame = pd.DataFrame(0.0, index=units.leaves, columns=ECO_NAMES)
        frame["wetland"] = part.groupby("code")["storage"].sum(min_count=1).reindex(units.leaves)
        frame["wetland"] = frame["wetland"].fillna(0.0)
        lacking = part.loc[part["storage"].isna(), "name"].unique().tolist()
        note = notes.note("no_storage", names=", ".join(map(str, lacking))) if lacking else ""
        status = "measured" if part["flood_storage_m3"].notna().all() and len(part) else "derived"
        out[item] = ItemResult(frame, price=price, status=status, note=note, pieces=part[
            ["code", "body_area_m2", "capacity_m3", "flood_storage_m3", "share"]])
    return out


@dataclass
class StatisticsView:
    """The year's statistics per unit: values (canonical units), status and method by indicator."""

    values: pd.DataFrame
    status: pd.DataFrame
    method: pd.DataFrame

    def getter(self, code: str, used: list[str]) -> Callable[[str], float]:
        """``get(indicator)`` for one unit, recording in ``used`` the indicators it found."""
        def get(indicator: str) -> float:
            value = lookup(self.values, code, indicator)
            if not math.isnan(value):
                used.append(indicator)
            return value
        return get

    def provenance(self, code: str, used: list[str]) -> tuple[str, str]:
        """(weakest status, methods of the non-reported inputs) of the indicators used."""
        statuses = [self.status.at[code, i] for i in used]
        methods = [self.method.at[code, i] for i in used
                   if self.status.at[code, i] != "reported" and self.method.at[code, i]]
        return weakest(statuses), "; ".join(dict.fromkeys(methods))


def _allocated(rows: pd.DataFrame, units: Units, leaf_extent: pd.DataFrame) -> pd.DataFrame:
    """Statistic rows with higher units' figures shared out to the units that report none, by
    the proxies of ``data/allocation.csv`` (ecosystem extent of the run, population)."""
    extent = units.aggregate(leaf_extent)
    proxies = {f"extent:{eco}": extent[eco] for eco in extent.columns}
    population = rows[rows["indicator"] == "population"].set_index("code")["value"]
    proxies["population"] = population.reindex(units.codes)
    return allocate(rows, units, proxies)


def _product_price(get, params: Parameters, product: str, deflator: float) -> float:
    """A product's price in the accounting year's money: the unit's reported price of the year,
    else the parameter table's (which is in price-year money, hence ÷ deflator)."""
    reported = get(f"price_{product}")
    if not math.isnan(reported) or not params.has("product_price", product):
        return reported
    return params.get("product_price", product) / deflator


def _statistics_item(item: str, stats: StatisticsView, units: Units, params: Parameters, profile,
                     provisioning_basis: str | None = None, deflator: float = 1.0) -> pd.DataFrame:
    """Per-unit physical, price, value, status and note of a statistics item.

    Leaves are computed from their statistics (reported, derived or allocated); every parent is
    the sum of its children (``rollup``), keeping its own status when it had its own figure.
    Money reported in the statistics (output values, travel costs, premiums) is carried to the
    price year by ``deflator``; prices from the parameter table already are.
    """
    basis = provisioning_basis or profile.provisioning_basis
    if item in WATER_USE_INDICATOR:
        table_price = params.get("water_price", item.removeprefix("water_supply_"))
    elif item == "ecological_energy_hydropower":
        table_price = params.get("hydropower_price")
    rows = {}
    for code in units.codes:
        used: list[str] = []
        get = stats.getter(code, used)
        physical, price, note = math.nan, math.nan, ""
        if item in SECTORS and basis == "quantity_price":
            products = tables.products()
            names = products.loc[products["sector"] == item, "product"]
            prices = {p: _product_price(get, params, p, deflator) for p in names}
            physical, _ = products_value({p: get(f"output_{p}") for p in names}, prices)
            price = deflator
        elif item in SECTORS:
            physical, price = get(sector_output_indicator(item, basis)), deflator
            other = "net_output" if basis == "gross_output" else "gross_output"
            if math.isnan(physical):
                physical = get(sector_output_indicator(item, other))
                if not math.isnan(physical):
                    note = notes.note("basis_fallback", other=other.replace("_", " "),
                                      basis=basis.replace("_", " "))
        elif item in WATER_USE_INDICATOR:
            physical, price = get(WATER_USE_INDICATOR[item]), table_price
        elif item == "ecological_energy_hydropower":
            physical, price = get("hydropower_generation"), table_price
        elif item == "recreation":
            if profile.recreation_method == "travel_cost":
                physical, price = get("tourist_visits"), get("travel_cost_per_visit") * deflator
                if math.isnan(price) and not math.isnan(physical):
                    revenue = get("tourism_revenue")
                    price = revenue / physical * deflator if physical > 0 else math.nan
                    if not math.isnan(price):
                        note = notes.note("travel_cost_from_revenue")
            else:
                physical, price = recreation_revenue_share(
                    get("tourist_visits"), get("tourism_revenue") * deflator,
                    get("nature_tourism_share"))
        elif item == "landscape_premium":
            physical, price = landscape_premium(get("landscape_floor_area"),
                                                get("landscape_premium_price") * deflator)
        elif item == "coastal_protection":
            physical, price = get("coastline_protected"), get("seawall_cost") * deflator
        status, methods = stats.provenance(code, used)
        value = physical * price
        if math.isnan(value):
            status, note = "missing", _missing_statistics_note(item, profile, basis)
        rows[code] = (physical, price, value, status, notes.join(note, methods))
    frame = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["physical", "price", "value", "status", "note"])
    return _rolled_up(frame, units)


ITEM_STATISTICS = {  # what would fill a missing statistics item, for its note
    "water_supply_domestic": "water_use_domestic",
    "water_supply_industrial": "water_use_industrial",
    "water_supply_agricultural": "water_use_agricultural",
    "ecological_energy_hydropower": "hydropower_generation",
    "landscape_premium": "landscape_floor_area, landscape_premium_price",
    "coastal_protection": "coastline_protected, seawall_cost",
}


def _missing_statistics_note(item: str, profile, basis: str) -> str:
    if item in SECTORS and basis == "quantity_price":
        return notes.note("statistic_missing_products", item=item)
    if item in SECTORS:
        needed = sector_output_indicator(item, basis)
    elif item == "recreation":
        needed = ("tourist_visits, travel_cost_per_visit (or tourism_revenue)"
                  if profile.recreation_method == "travel_cost"
                  else "tourist_visits, tourism_revenue, nature_tourism_share")
    else:
        needed = ITEM_STATISTICS.get(item, item)
    return notes.note("statistic_missing", needed=needed)


def _rolled_up(frame: pd.DataFrame, units: Units) -> pd.DataFrame:
    """Parents = Σ children for physical and value; a parent keeps its own status and note when
    it had its own figure and no child lacks one, else ``partial`` or its children's weakest."""
    # a leaf's value is NaN wherever its physical quantity is, so the gaps are the value's
    sums, gaps = roll_up(frame.loc[units.leaves, ["physical", "value"]], units)
    names = units.table["name"].to_dict()
    out = frame.copy()
    out[["physical", "value"]] = sums
    for code in units.bottom_up():
        kids = units.children(code)
        if not kids:
            continue
        if np.isnan(out.at[code, "value"]):
            continue  # every leaf below lacks it: keeps its own missing note
        if gaps[code]:
            out.at[code, "status"] = PARTIAL
            out.at[code, "note"] = partial_note(gaps[code], names)
        elif frame.at[code, "status"] == "missing":
            out.at[code, "status"] = weakest(out.loc[kids, "status"])
            out.at[code, "note"] = notes.note("sum_of_units")
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = out["value"] / out["physical"]
    out["price"] = ratio.where(out["physical"].fillna(0) != 0, out["price"])
    return out


def _resolve_statistics(stats: pd.DataFrame, units: Units) -> pd.DataFrame:
    """Every unit's statistics; quantities (not prices or shares) roll up from complete children."""
    if stats.empty:
        return stats
    canonical = tables.indicators()["unit"]
    additive = [c for c in stats.columns if "/" not in canonical[c] and canonical[c] != "1"]
    return units.resolve(stats, additive, prefer_own=True)


COLUMNS = ["adcode", "name", "level", "year", "group", "service", "item", "item_zh", "ecosystem",
           "physical_value", "physical_unit", "unit_price", "price_unit", "value_yuan",
           "data_status", "note", "note_zh"]


def _assemble(units: Units, year: int, catalogue, wanted, results, stat_items,
              not_applicable) -> pd.DataFrame:
    """One frame of rows unit × item × ecosystem (+ ``all``), built item by item."""
    codes = units.codes
    frames = []
    for item in [i for i in catalogue.index if i in wanted or i in not_applicable]:
        if item in not_applicable:
            rows = _rows(codes, ALL, 0.0, math.nan, 0.0, "not_applicable",
                         notes.note("not_applicable"))
        elif item in stat_items:
            frame = stat_items[item].loc[codes]
            rows = pd.concat([
                _rows(codes, eco, frame["physical"], frame["price"], frame["value"],
                      frame["status"], frame["note"])
                for eco in (catalogue.at[item, "attribution"], ALL)])
        elif results[item].physical is None:
            rows = _rows(codes, ALL, math.nan, math.nan, math.nan, "missing", results[item].note)
        else:
            rows = _priced_rows(units, item, results[item], catalogue)
        frames.append(rows.assign(item=item))
    accounts = pd.concat(frames, ignore_index=True)
    table = units.table
    meta = catalogue.loc[accounts["item"]]
    accounts = accounts.assign(
        name=accounts["adcode"].map(table["name"]).to_numpy(),
        level=accounts["adcode"].map(table["level"]).to_numpy(),
        year=year, group=meta["group"].to_numpy(), service=meta["service"].to_numpy(),
        item_zh=meta["name_zh"].to_numpy(), physical_unit=meta["physical_unit"].to_numpy(),
        price_unit="yuan/" + meta["physical_unit"].to_numpy(),
    )
    # item by item (already), then unit by unit in the units' order, ecosystems as built
    unit_rank = accounts["adcode"].map({code: i for i, code in enumerate(codes)})
    item_rank = accounts["item"].map({item: i for i, item in enumerate(catalogue.index)})
    order = np.lexsort((unit_rank.to_numpy(), item_rank.to_numpy()))
    accounts["note_zh"] = accounts["note"].map(notes.to_zh)
    return accounts.iloc[order][COLUMNS].reset_index(drop=True)


def _rows(codes, ecosystem, physical, price, value, status, note) -> pd.DataFrame:
    return pd.DataFrame({"adcode": codes, "ecosystem": ecosystem, "physical_value": physical,
                         "unit_price": price, "value_yuan": value, "data_status": status,
                         "note": note})


def _priced_rows(units: Units, item: str, result: ItemResult, catalogue) -> pd.DataFrame:
    """Rows per credited ecosystem and the ``all`` row. A leaf without a value is missing; its
    ancestors sum the leaves that have one, with status ``partial`` naming those that lack it."""
    credited = catalogue.at[item, "ecosystems"].split() or ["wetland"]
    physical, gaps = roll_up(result.physical[credited], units)
    prices = (pd.Series(result.price) if isinstance(result.price, dict)
              else pd.Series(result.price, index=credited)).reindex(credited)
    values = physical[credited] * prices
    total_physical = physical[credited].sum(axis=1, min_count=1)
    total_value = values.sum(axis=1, min_count=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        uniform = prices.iloc[0] if prices.nunique() == 1 else math.nan
        total_price = np.where(total_physical != 0, total_value / total_physical, uniform)
    missing = total_value.isna()
    names = units.table["name"].to_dict()
    share = _no_data_share(units, result)
    covered = share > NEGLIGIBLE_MISSING_SHARE
    partial = (pd.Series([bool(gaps[c]) for c in physical.index], index=physical.index)
               | covered) & ~missing
    coverage = pd.Series([_coverage_note(s, result.max_missing_share, refused=m)
                          for s, m in zip(share, missing, strict=True)], index=physical.index)
    own = pd.Series([partial_note(gaps[c], names) if gaps[c] else "" for c in physical.index],
                    index=physical.index)
    note = pd.Series([_joined(*parts) for parts in zip(own, coverage, strict=True)],
                     index=physical.index)
    status = np.select([missing, partial], ["missing", PARTIAL], result.status)
    note = np.select(
        [missing, partial],
        [pd.Series([_joined(c, result.note) or notes.note("input_missing")
                    for c in coverage], index=physical.index),
         note + (f"; {result.note}" if result.note else "")],
        pd.Series([_joined(c, result.note) for c in coverage], index=physical.index))
    parts = [_rows(physical.index, eco, physical[eco], prices[eco], values[eco], status, note)
             for eco in credited]
    parts.append(_rows(physical.index, ALL, total_physical, total_price, total_value, status, note))
    return pd.concat(parts)


_joined = notes.join


def _no_data_share(units: Units, result: ItemResult) -> pd.Series:
    """Per unit: the share of its credited area without data in an input layer — a leaf's own;
    for a parent, the share its sum leaves out (leaves refused for lack of data count whole)."""
    if result.no_data_m2 is None or result.credited_m2 is None:
        return pd.Series(0.0, index=units.codes)
    no_data, area = result.no_data_m2, result.credited_m2
    refused = no_data > result.max_missing_share * area
    both = units.aggregate(pd.DataFrame({"no_data": no_data.where(~refused, area),
                                         "area": area}))
    both.loc[units.leaves, "no_data"] = no_data
    with np.errstate(invalid="ignore", divide="ignore"):
        share = both["no_data"] / both["area"]
    return share.where(both["area"] > 0, 0.0).fillna(0.0)


def _coverage_note(share: float, threshold: float, refused: bool) -> str:
    """The unit's own no-data share, in English and Chinese ('' when it has data everywhere);
    ``refused``: the unit has no value (said only when lack of data is why)."""
    if share <= 0 or (refused and share <= threshold):
        return ""
    covered = 1.0 - share
    if refused:
        return notes.note("coverage_refused", covered=f"{covered:.1%}", threshold=f"{threshold:.0%}")
    return notes.note("coverage_partial", covered=f"{covered:.2%}", share=f"{share:.2%}")


def _flag_implausible_layers(results: dict[str, ItemResult], pack: Pack) -> None:
    """Carry validate's implausible-magnitude warnings on a layer (a likely unit mistake it does
    not refuse) into the note of every item computed from that layer: never silent."""
    flagged: dict[str, str] = {}
    for problem in getattr(pack, "problems", []) or []:
        if problem.severity != "warning" or not problem.message.startswith(IMPLAUSIBLE):
            continue
        parts = problem.field.split(".")
        if "layers" in parts and parts.index("layers") + 1 < len(parts):
            flagged[parts[parts.index("layers") + 1]] = f"{problem.message} ({problem.fix})"
    for item, result in results.items():
        layer_notes = [notes.note("implausible_layer", layer=name, problem=text)
                       for name, text in flagged.items() if name in ITEM_LAYERS.get(item, ())]
        if layer_notes and result.physical is not None:
            result.note = _joined(result.note, *layer_notes)


def _inventory(profile, catalogue, not_applicable, results, stat_items) -> pd.DataFrame:
    rows = []
    for item in catalogue.index:
        if item not in profile.items:
            included, reason = "N", f"not part of profile {profile.name}"
        elif item in not_applicable:
            included, reason = "N", "not applicable to the region (pack.toml)"
        elif item in stat_items:
            ok = stat_items[item]["value"].notna().any()
            included, reason = ("Y", "statistics") if ok else ("N", "statistics not reported")
        else:
            result = results.get(item)
            ok = result is not None and result.physical is not None
            included, reason = ("Y", result.note or "computed") if ok else ("N", result.note)
        rows.append({"item": item, "name_zh": catalogue.at[item, "name_zh"],
                     "name_en": catalogue.at[item, "name_en"], "group": catalogue.at[item, "group"],
                     "basis": catalogue.at[item, "basis"], "included": included, "reason": reason})
    return pd.DataFrame(rows)


__all__ = ["SUBTYPES", "AccountResult", "run_account"]
