"""Synthetic 30 m input stacks (EPSG:32650) shared by the InVEST comparisons.

``make_dem`` draws the terrain: six octaves of noise, a regional tilt, three meandering valleys,
twelve closed depressions, 0.5 m terraces (many flats), one large flat plateau and a circular
nodata lake (NaN). ``build_stack`` adds erosivity R, erodibility K, eight land-cover classes,
annual precipitation, reference ET0, plant-available water content, root-restricting depth,
the biophysical tables of InVEST SDR / Annual Water Yield / Carbon and four quadrant
watersheds, and caches the whole stack under ``bench/work/stack-<n>-s<seed>/``.
The per-pixel loops are compiled with numba, so 8000² takes seconds, not minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numba
import numpy as np
import rasterio

WORK = Path(__file__).resolve().parent / "work"
CELL = 30.0
NODATA = -9999.0
CRS = "EPSG:32650"
X0, Y1 = 500000.0, 3000000.0  # upper-left corner
SEASONALITY_Z = 5.0

# lucode: name, usle_c, usle_p, kc, root_depth (mm), lulc_veg, c_above, c_below, c_soil, c_dead (t C/ha)
LANDCOVER = {
    1: ("broadleaf forest", 0.006, 1.0, 1.0, 5000, 1, 90.0, 22.0, 120.0, 8.0),
    2: ("coniferous forest", 0.01, 1.0, 1.0, 4000, 1, 70.0, 17.0, 100.0, 6.0),
    3: ("shrubland", 0.05, 1.0, 0.8, 2000, 1, 20.0, 8.0, 80.0, 2.0),
    4: ("grassland", 0.08, 1.0, 0.65, 1500, 1, 3.0, 6.0, 70.0, 1.0),
    5: ("paddy", 0.18, 0.3, 1.05, 600, 1, 5.0, 1.0, 60.0, 0.0),
    6: ("dry cropland", 0.3, 0.6, 0.75, 1000, 1, 4.0, 1.0, 50.0, 0.0),
    7: ("water", 0.0, 1.0, 1.0, 1, 0, 0.0, 0.0, 0.0, 0.0),
    8: ("built-up", 0.01, 1.0, 0.3, 1, 0, 2.0, 0.0, 30.0, 0.0),
}
TABLE_COLUMNS = ("usle_c", "usle_p", "kc", "root_depth", "lulc_veg", "c_above", "c_below", "c_soil", "c_dead")
RASTERS = ("dem", "erosivity", "erodibility", "landcover", "precip", "et0", "awc", "depth")


@numba.njit(parallel=True, cache=True)
def _noise_kernel(coarse, idx, frac, out):
    n = out.shape[0]
    for r in numba.prange(n):
        for c in range(n):
            v = 0.0
            for o in range(coarse.shape[0]):
                ir, fr, ic, fc = idx[o, r], frac[o, r], idx[o, c], frac[o, c]
                a = coarse[o, ir, ic] * (1 - fr) + coarse[o, ir + 1, ic] * fr
                b = coarse[o, ir, ic + 1] * (1 - fr) + coarse[o, ir + 1, ic + 1] * fr
                v += (a * (1 - fc) + b * fc) / 2.0**o
            out[r, c] = v


def octave_noise(rng: np.random.Generator, n: int, octaves: int = 6) -> np.ndarray:
    """Sum of bilinearly upsampled random grids, amplitude halving with each octave."""
    kmax = 2 ** (octaves + 1)
    coarse = np.zeros((octaves, kmax + 1, kmax + 1))
    idx = np.zeros((octaves, n), dtype=np.int64)
    frac = np.zeros((octaves, n))
    for o in range(octaves):
        k = 2 ** (o + 2)
        coarse[o, : k + 1, : k + 1] = rng.standard_normal((k + 1, k + 1))
        t = np.linspace(0, k, n)
        idx[o] = np.minimum(t.astype(int), k - 1)
        frac[o] = t - idx[o]
    out = np.empty((n, n))
    _noise_kernel(coarse, idx, frac, out)
    return out


@numba.njit(parallel=True, cache=True)
def _dem_kernel(noise, phases, pits, out):
    n = out.shape[0]
    for r in numba.prange(n):
        y = r / n
        for c in range(n):
            x = c / n
            z = 400 + 120 * noise[r, c] + 150 * x + 60 * y
            # exp(-50) · 60 is far below half an ulp of z (> 200 m): skipping it changes nothing
            for phase in phases:  # meandering valleys
                centre = 0.5 + 0.3 * np.sin(4 * np.pi * y + phase)
                e = -(((x - centre) / 0.03) ** 2)
                if e > -50:
                    z -= 60 * np.exp(e)
            for p in range(pits.shape[0]):  # closed depressions
                e = -((x - pits[p, 1]) ** 2 + (y - pits[p, 0]) ** 2) / 0.0008
                if e > -50:
                    z -= 25 * np.exp(e)
            out[r, c] = np.round(z * 2) / 2  # 0.5 m terraces: many flats
            if (x - 0.3) ** 2 + (y - 0.7) ** 2 < 0.004:
                out[r, c] = np.nan  # a lake: nodata


def make_dem(rng: np.random.Generator, n: int) -> np.ndarray:
    """n×n float32 DEM (m) with NaN for the nodata lake."""
    noise = octave_noise(rng, n)
    phases = rng.uniform(0, 2 * np.pi, 3)
    pits = rng.uniform(0.1, 0.9, (12, 2))
    dem = np.empty((n, n))
    _dem_kernel(noise, phases, pits, dem)
    dem[int(0.20 * n) : int(0.30 * n), int(0.60 * n) : int(0.75 * n)] = np.round(
        dem[int(0.25 * n), int(0.675 * n)]
    )  # a large plateau
    return dem.astype(np.float32)


def erosion_factors(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rainfall erosivity R (MJ·mm/(ha·h·yr)) and soil erodibility K (t·ha·h/(ha·MJ·mm))."""
    x = np.arange(n) / n
    erosivity = 3000 + 1500 * x + 200 * octave_noise(rng, n, 3)
    erodibility = 0.02 + 0.01 * np.clip(octave_noise(rng, n, 3), -1, 1)
    return erosivity.astype(np.float32), erodibility.astype(np.float32)


def make_arrays(n: int, seed: int = 42) -> dict[str, np.ndarray]:
    """Every raster of the stack as an n×n array (float32, NaN nodata; land cover int32)."""
    rng = np.random.default_rng(seed)
    dem = make_dem(rng, n)
    erosivity, erodibility = erosion_factors(rng, n)
    relief = np.nan_to_num(dem, nan=float(np.nanmin(dem))) - 400
    lake = np.isnan(dem)
    # eight classes: forest on high ground, crops and built-up land low down, water in the lake
    cover = octave_noise(rng, n, 4) + relief / 150
    landcover = 1 + np.digitize(cover, np.quantile(cover[::7, ::7], [0.1, 0.2, 0.35, 0.5, 0.7]))
    landcover = (7 - landcover).astype(np.int32)  # 1 = forest (highest) … 6 = dry cropland
    town = octave_noise(rng, n, 5)
    landcover[(town > np.quantile(town[::7, ::7], 0.93)) & (relief < np.median(relief[::7, ::7]))] = 8
    landcover[lake] = 7
    precip = 1500 + 0.8 * relief + 120 * octave_noise(rng, n, 4)
    et0 = 1050 - 0.3 * relief + 40 * octave_noise(rng, n, 3)
    awc = 0.14 + 0.04 * np.clip(octave_noise(rng, n, 4), -1.5, 1.5)
    depth = 900 + 400 * np.clip(octave_noise(rng, n, 4), -1.5, 1.5)
    f32 = {"precip": precip, "et0": et0, "awc": awc, "depth": depth}
    return {"dem": dem, "erosivity": erosivity, "erodibility": erodibility, "landcover": landcover} | {
        k: v.astype(np.float32) for k, v in f32.items()
    }


def write_raster(path: Path, array: np.ndarray) -> None:
    """A tiled GeoTIFF on the bench grid; float NaN is written as NODATA."""
    n = array.shape[0]
    is_float = array.dtype.kind == "f"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=n,
        height=n,
        count=1,
        dtype=array.dtype,
        crs=CRS,
        transform=rasterio.Affine(CELL, 0.0, X0, 0.0, -CELL, Y1),
        nodata=NODATA if is_float else None,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        BIGTIFF="IF_SAFER",
    ) as dst:
        dst.write(np.where(np.isnan(array), NODATA, array) if is_float else array, 1)


def write_watersheds(path: Path, n: int) -> None:
    """Four quadrant polygons (``ws_id`` 0–3), reaching one cell beyond the raster."""
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0, x1, y1 = X0 - CELL, Y1 - n * CELL - CELL, X0 + n * CELL + CELL, Y1 + CELL
    xm, ym = X0 + n // 2 * CELL, Y1 - n // 2 * CELL
    quads = [box(x0, ym, xm, y1), box(xm, ym, x1, y1), box(x0, y0, xm, ym), box(xm, y0, x1, ym)]
    gpd.GeoDataFrame({"ws_id": range(4)}, geometry=quads, crs=CRS).to_file(path, layer="watersheds")


def quadrant_sums(a: np.ndarray) -> np.ndarray:
    """Sums over the four watersheds (NaN ignored), in ``ws_id`` order."""
    h = a.shape[0] // 2
    return np.array([np.nansum(q) for q in (a[:h, :h], a[:h, h:], a[h:, :h], a[h:, h:])])


def build_stack(n: int, seed: int = 42, root: Path = WORK) -> dict:
    """Write (once) and return the stack manifest: ``{"size", "seed", "paths": {name: path}}``."""
    folder = root / f"stack-{n}-s{seed}"
    manifest_path = folder / "stack.json"
    if manifest_path.exists():
        return json.loads(manifest_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: str(folder / f"{name}.tif") for name in RASTERS}
    for name, array in make_arrays(n, seed).items():
        write_raster(Path(paths[name]), array)
    table = folder / "biophysical.csv"
    rows = [",".join(map(str, (code, *values[1:]))) for code, values in LANDCOVER.items()]
    table.write_text("\n".join(["lucode," + ",".join(TABLE_COLUMNS), *rows]) + "\n")
    paths["biophysical_table"] = str(table)
    paths["watersheds"] = str(folder / "watersheds.gpkg")
    write_watersheds(Path(paths["watersheds"]), n)
    manifest = {"size": n, "seed": seed, "cell": CELL, "seasonality_z": SEASONALITY_Z, "paths": paths}
    manifest_path.write_text(json.dumps(manifest, indent=1))  # last: marks the stack complete
    return manifest


# --------------------------------------------------------------------------- real terrain, partial watersheds

JIANGXI_DEM = Path(__file__).resolve().parents[1] / "data/jiangxi/dem/dem_jiangxi_30arcsec_bbox.tif"


def real_terrain_dem(n: int = 240, cell: float = 500.0, centre=(114.9, 27.0)) -> tuple[np.ndarray, object]:
    """An n×n DEM (m, float32, NaN nodata) in EPSG:32650 at ``cell`` m, bilinearly resampled from
    the Jiangxi 30″ DEM (``data/jiangxi/dem``) around ``centre`` (lon, lat): hills of the
    Gan river basin. Returns ``(dem, transform)``."""
    from pyproj import Transformer
    from rasterio.warp import Resampling, reproject

    x, y = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(*centre)
    x0 = np.floor(x / cell) * cell - n // 2 * cell
    y1 = np.floor(y / cell) * cell + n // 2 * cell
    transform = rasterio.Affine(cell, 0.0, x0, 0.0, -cell, y1)
    dem = np.full((n, n), np.nan, dtype=np.float32)
    with rasterio.open(JIANGXI_DEM) as src:
        reproject(
            rasterio.band(src, 1),
            dem,
            dst_transform=transform,
            dst_crs=CRS,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return dem, transform


def real_terrain_watersheds(dem: np.ndarray, transform) -> list:
    """Three polygons that do not cover the grid: the catchment of a large D8 outlet (on cell
    edges), a tributary catchment nested inside it, and a disc that overlaps the first and
    reaches outside it (edges through cells, to exercise the cell-centre rule)."""
    from rasterio.features import shapes
    from shapely.geometry import Point, shape
    from shapely.ops import unary_union

    from ecoledger import terrain
    from ecoledger.terrain.watersheds import watersheds

    directions = terrain.flow_direction_d8(terrain.fill_depressions(dem))
    acc = terrain.flow_accumulation_d8(directions)
    n = dem.shape[0]
    inner = np.zeros(dem.shape, dtype=bool)
    inner[n // 8 : -n // 8, n // 8 : -n // 8] = True  # outlets away from the edges
    a = np.where(inner & np.isfinite(acc), acc, 0)
    # outer: an outlet draining about a fifth of the grid; nested: one draining ~a quarter of that
    order = np.argsort(np.abs(a - 0.2 * n * n), axis=None)
    r, c = np.unravel_index(order[0], a.shape)
    outlets = np.zeros(dem.shape, dtype=np.int32)
    outlets[r, c] = 1
    outer = watersheds(directions, outlets) == 1
    b = np.where(outer, a, 0)
    order = np.argsort(np.abs(b - 0.25 * a[r, c]), axis=None)
    rn, cn = np.unravel_index(order[0], b.shape)
    outlets[:] = 0
    outlets[rn, cn] = 1
    nested = watersheds(directions, outlets) == 1

    def polygon(mask):
        parts = [shape(g) for g, v in shapes(mask.astype(np.uint8), mask=mask, transform=transform) if v == 1]
        return unary_union(parts)

    outer_poly, nested_poly = polygon(outer), polygon(nested)
    # a disc centred on the outer catchment's edge: overlaps it and covers cells outside it
    rows, cols = np.nonzero(outer)
    edge = np.argmax(cols)
    xc, yc = transform * (cols[edge] + 0.5, rows[edge] + 0.5)
    disc = Point(xc + 0.3 * transform.a, yc).buffer(n * transform.a / 10, quad_segs=32)
    return [outer_poly, nested_poly, disc]


def build_real_case(folder: Path, n: int = 240, cell: float = 500.0) -> dict:
    """Write a real-terrain InVEST case into ``folder`` and return its manifest (cached).

    DEM from ``real_terrain_dem``; R, K, eight land-cover classes, precipitation, ET0, PAWC and
    root-restricting depth drawn from the terrain as in ``make_arrays``; the biophysical table
    of SDR/AWY/Carbon; ``watersheds.gpkg`` (``ws_id`` 1–3, from ``real_terrain_watersheds``:
    nested and overlapping, not covering the grid) and InVEST datastacks with relative paths
    (``sdr_d8.invs.json``, ``sdr_mfd.invs.json``, ``awy.invs.json``, ``carbon.invs.json``).
    """
    import geopandas as gpd

    folder = Path(folder)
    manifest_path = folder / "case.json"
    if manifest_path.exists():
        return json.loads(manifest_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    dem, transform = real_terrain_dem(n, cell)
    arrays = make_arrays(n, seed=7)
    relief = np.nan_to_num(dem, nan=float(np.nanmin(dem))) - float(np.nanmedian(dem))
    arrays["dem"] = dem
    arrays["precip"] = (1600 + 0.5 * relief + 0.1 * (arrays["precip"] - 1500)).astype(np.float32)
    lc = arrays["landcover"]
    lc[np.isnan(dem)] = 7
    profile = dict(
        driver="GTiff", width=n, height=n, count=1, crs=CRS, transform=transform, tiled=True,
        blockxsize=256, blockysize=256,
    )  # fmt: skip
    for name, a in arrays.items():
        is_float = a.dtype.kind == "f"
        with rasterio.open(
            folder / f"{name}.tif", "w", dtype=a.dtype, nodata=NODATA if is_float else 255, **profile
        ) as dst:
            dst.write(np.where(np.isnan(a), NODATA, a) if is_float else a, 1)
    rows = [",".join(map(str, (code, *values[1:]))) for code, values in LANDCOVER.items()]
    (folder / "biophysical.csv").write_text("\n".join(["lucode," + ",".join(TABLE_COLUMNS), *rows]) + "\n")
    polygons = real_terrain_watersheds(dem, transform)
    gpd.GeoDataFrame({"ws_id": [1, 2, 3]}, geometry=polygons, crs=CRS).to_file(folder / "watersheds.gpkg")
    common = {"workspace_dir": "", "results_suffix": "", "n_workers": -1}
    sdr = {
        "dem_path": "dem.tif", "erosivity_path": "erosivity.tif", "erodibility_path": "erodibility.tif",
        "lulc_path": "landcover.tif", "biophysical_table_path": "biophysical.csv",
        "watersheds_path": "watersheds.gpkg", "drainage_path": "", "threshold_flow_accumulation": 200,
        "k_param": 2, "sdr_max": 0.8, "ic_0_param": 0.5, "l_max": 122,
    }  # fmt: skip
    stacks = {
        "sdr_d8": ("sdr", sdr | {"flow_dir_algorithm": "D8"}),
        "sdr_mfd": ("sdr", sdr | {"flow_dir_algorithm": "MFD"}),
        "awy": (
            "annual_water_yield",
            {
                "precipitation_path": "precip.tif",
                "eto_path": "et0.tif",
                "depth_to_root_rest_layer_path": "depth.tif",
                "pawc_path": "awc.tif",
                "lulc_path": "landcover.tif",
                "biophysical_table_path": "biophysical.csv",
                "seasonality_constant": SEASONALITY_Z,
                "watersheds_path": "watersheds.gpkg",
                "sub_watersheds_path": "",
                "demand_table_path": "",
                "valuation_table_path": "",
            },
        ),
        "carbon": (
            "carbon",
            {
                "lulc_bas_path": "landcover.tif",
                "carbon_pools_path": "biophysical.csv",
                "calc_sequestration": False,
                "do_valuation": False,
            },
        ),
    }
    datastacks = {}
    for name, (model, args) in stacks.items():
        path = folder / f"{name}.invs.json"
        stack = {"args": common | args, "model_id": model, "invest_version": "3.20.2"}
        path.write_text(json.dumps(stack, indent=1))
        datastacks[name] = str(path)
    manifest = {"size": n, "cell": cell, "folder": str(folder), "datastacks": datastacks}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


# --------------------------------------------------------------------------- habitat quality

# lucode: habitat, sensitivity to roads, urban, cropland (InVEST's sensitivity table)
HQ_SENSITIVITY = {
    1: (1.0, 0.8, 0.9, 0.5),
    2: (1.0, 0.7, 0.8, 0.5),
    3: (0.8, 0.6, 0.7, 0.4),
    4: (0.6, 0.5, 0.6, 0.3),
    5: (0.3, 0.3, 0.4, 0.0),
    6: (0.2, 0.3, 0.4, 0.0),
    7: (0.7, 0.4, 0.6, 0.7),
    8: (0.0, 0.0, 0.0, 0.0),
}
# name, max_dist (m), weight, decay
HQ_THREATS = (
    ("roads", 1500.0, 1.0, "linear"),
    ("urban", 6000.0, 0.8, "exponential"),
    ("cropland", 2000.0, 0.5, "linear"),
)
HQ_HALF_SATURATION = 0.3
HQ_NODATA = 255  # land covers (int32)
HQ_THREAT_NODATA = -1.0  # threat rasters (float32): on the lake


def _roads(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """``count`` meandering roads one cell wide: half across the rows, half across the columns."""
    out = np.zeros((n, n), dtype=bool)
    c = np.arange(n)
    for k in range(count):
        base = rng.uniform(0.1, 0.9) * n
        wiggle = base + 0.05 * n * np.sin(2 * np.pi * c / (n * rng.uniform(0.3, 0.8)) + rng.uniform(0, 6.3))
        r = np.clip(wiggle.astype(int), 0, n - 1)
        if k % 2:
            out[c, r] = True
        else:
            out[r, c] = True
    return out


def _threat_arrays(landcover: np.ndarray, roads: np.ndarray, lake: np.ndarray) -> dict[str, np.ndarray]:
    arrays = {
        "roads": roads.astype(np.float32),
        "urban": (landcover == 8).astype(np.float32),
        "cropland": np.where(np.isin(landcover, (5, 6)), 0.6, 0.0).astype(np.float32),
    }
    for a in arrays.values():
        a[lake] = HQ_THREAT_NODATA
    return arrays


def build_habitat_quality(n: int, seed: int = 42, root: Path = WORK, future: bool = True) -> dict:
    """InVEST Habitat Quality inputs on the stack of ``build_stack(n, seed, root)`` (cached in its
    ``hq/`` folder); returns ``{"folder", "datastack", "args"}`` (``args`` with absolute paths).

    Land covers (int32, nodata 255): current = the stack's (a nodata square at the upper-left
    corner); baseline = current with a third of the built-up cells paddy and half of the dry
    cropland coniferous forest (a nodata square at the lower-right corner); future = current with
    more built-up land. Threats (float32, 0/1, nodata −1 on the lake, ``HQ_THREATS``): roads (six
    meandering roads; a seventh in the future), urban (built-up cells), cropland (paddy and dry
    cropland, 0.6). Access: a disc of access 0.3 and a square of 0.6 (``access.gpkg``).
    ``datastack``: ``hq.invs.json`` (relative paths, empty ``workspace_dir``).
    """
    import geopandas as gpd
    from shapely.geometry import Point, box

    stack = build_stack(n, seed, root)
    folder = Path(stack["paths"]["landcover"]).parent / "hq"
    manifest_path = folder / "hq.json"
    if manifest_path.exists():
        return json.loads(manifest_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    with rasterio.open(stack["paths"]["landcover"]) as src:
        current = src.read(1).astype(np.int32)
    with rasterio.open(stack["paths"]["dem"]) as src:
        lake = src.read(1) == NODATA
    rng = np.random.default_rng(seed + 1000)
    noise = octave_noise(rng, n, 4)
    baseline = current.copy()
    baseline[(current == 8) & (noise > np.quantile(noise, 0.66))] = 5
    baseline[(current == 6) & (noise > np.median(noise))] = 2
    fut = current.copy()
    sprawl = octave_noise(rng, n, 5)
    fut[np.isin(current, (4, 5, 6)) & (sprawl > np.quantile(sprawl, 0.85))] = 8
    k = max(n // 20, 1)
    current[:k, :k] = HQ_NODATA
    baseline[-k:, -k:] = HQ_NODATA
    roads_now = _roads(np.random.default_rng(seed + 2000), n, 6)
    roads = _roads(np.random.default_rng(seed + 2000), n, 7)  # the same six and one more
    profile = dict(
        driver="GTiff", width=n, height=n, count=1, crs=CRS,
        transform=rasterio.Affine(CELL, 0.0, X0, 0.0, -CELL, Y1), tiled=True, blockxsize=256,
        blockysize=256, BIGTIFF="IF_SAFER",
    )  # fmt: skip
    landcovers = {"lulc_c": current, "lulc_b": baseline} | ({"lulc_f": fut} if future else {})
    for name, a in landcovers.items():
        with rasterio.open(folder / f"{name}.tif", "w", dtype="int32", nodata=HQ_NODATA, **profile) as dst:
            dst.write(a, 1)
    scenarios = {"c": (current, roads_now)} | ({"f": (fut, roads)} if future else {})
    for letter, (cover, road) in scenarios.items():
        for name, a in _threat_arrays(cover, road, lake).items():
            with rasterio.open(
                folder / f"{name}_{letter}.tif", "w", dtype="float32", nodata=HQ_THREAT_NODATA, **profile
            ) as dst:
                dst.write(a, 1)
    header = "threat,max_dist,weight,decay,cur_path,fut_path,base_path"
    rows = [
        f"{name},{dist},{weight},{decay},{name}_c.tif,{f'{name}_f.tif' if future else ''},"
        for name, dist, weight, decay in HQ_THREATS
    ]
    (folder / "threats.csv").write_text("\n".join([header, *rows]) + "\n")
    names = ",".join(name for name, *_ in HQ_THREATS)
    rows = [",".join(map(str, (code, *values))) for code, values in HQ_SENSITIVITY.items()]
    (folder / "sensitivity.csv").write_text("\n".join([f"lucode,habitat,{names}", *rows]) + "\n")
    x_mid, y_mid = X0 + n * CELL / 4, Y1 - n * CELL / 4
    size = n * CELL
    shapes = [
        Point(x_mid, y_mid).buffer(size / 8),
        box(X0 + size / 2, Y1 - size, X0 + size * 0.8, Y1 - size * 0.7),
    ]
    gpd.GeoDataFrame({"access": [0.3, 0.6]}, geometry=shapes, crs=CRS).to_file(folder / "access.gpkg")
    args = {
        "workspace_dir": "", "results_suffix": "", "n_workers": -1, "lulc_cur_path": "lulc_c.tif",
        "lulc_fut_path": "lulc_f.tif" if future else "", "lulc_bas_path": "lulc_b.tif",
        "threats_table_path": "threats.csv", "access_vector_path": "access.gpkg",
        "sensitivity_table_path": "sensitivity.csv", "half_saturation_constant": HQ_HALF_SATURATION,
    }  # fmt: skip
    datastack = folder / "hq.invs.json"
    datastack.write_text(
        json.dumps({"args": args, "model_id": "habitat_quality", "invest_version": "3.20.2"}, indent=1)
    )
    absolute = {k: str(folder / v) if k.endswith("_path") and v else v for k, v in args.items()}
    manifest = {"folder": str(folder), "datastack": str(datastack), "args": absolute}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest
