"""Compile every numba kernel once, at installation, so the first real run pays no compilation.

    python -m ecoledger.warmup        (scripts/setup-env runs it after installing)

The kernels are ``@njit(cache=True)``: numba writes each compiled signature to its cache and
later processes load it. A signature is the argument types, so the kernels are warmed the way
real runs call them: the raster pipelines (``ecoledger.pipeline``: soil retention with D8 and MFD
routing and watersheds, annual water yield, carbon stock, habitat quality with both decays and
rarity) on a tiny GeoTIFF stack written here,
with the land-cover raster in each integer type a GeoTIFF commonly holds, and the accounting
chain (``run_account``, MFD and D8) on the small synthetic pack.

Where the cache goes is numba's rule, the same at warm-up and at run time: beside the modules
(``__pycache__``) when that folder is writable, else numba's user-wide cache folder, or
``NUMBA_CACHE_DIR`` when it is set. Set ``NUMBA_CACHE_DIR`` to one writable folder for both if the
package folder is read-only and the user cache folder is not shared (containers).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N = 40  # cells per side of the warm-up grid
CELL = 30.0
LANDCOVER_DTYPES = ("uint8", "int16", "uint16", "int32")
CLASSES = {  # lucode: usle_c, usle_p, kc, root_depth, lulc_veg, c_above, c_below, c_soil, c_dead
    1: (0.006, 1.0, 1.0, 5000, 1, 90.0, 22.0, 120.0, 8.0),
    2: (0.08, 1.0, 0.65, 1500, 1, 3.0, 6.0, 70.0, 1.0),
    3: (0.0, 1.0, 1.0, 1, 0, 0.0, 0.0, 0.0, 0.0),
}
COLUMNS = ("usle_c", "usle_p", "kc", "root_depth", "lulc_veg", "c_above", "c_below", "c_soil", "c_dead")


def _stack(folder: Path) -> dict[str, Path]:
    """A tiny projected stack: DEM with a pit and a flat, R, K, land cover, P, ET0, AWC, depth."""
    import rasterio
    from rasterio.transform import from_origin

    rows, cols = np.mgrid[0:N, 0:N].astype(np.float32)
    dem = 100.0 + 0.5 * rows + 0.2 * cols + 3.0 * np.sin(rows / 4.0) * np.cos(cols / 5.0)
    dem[10:13, 10:13] -= 4.0  # a closed depression
    dem[25:30, 5:10] = dem[25, 5]  # a flat
    dem[0, 0] = -9999.0  # a nodata cell
    landcover = (1 + (rows + cols).astype(np.int32) % 3).astype(np.int32)
    landcover[0, 1] = 255  # a nodata cell
    layers = {
        "dem": dem.astype(np.float32),
        "erosivity": np.full((N, N), 4000.0, np.float32),
        "erodibility": np.full((N, N), 0.03, np.float32),
        "precip": np.full((N, N), 1600.0, np.float32),
        "et0": np.full((N, N), 900.0, np.float32),
        "awc": np.full((N, N), 0.15, np.float32),
        "depth": np.full((N, N), 1200.0, np.float32),
    }
    profile = {
        "driver": "GTiff",
        "height": N,
        "width": N,
        "count": 1,
        "crs": "EPSG:32650",
        "transform": from_origin(500000.0, 3000000.0, CELL, CELL),
    }
    paths = {}
    for name, array in layers.items():
        paths[name] = folder / f"{name}.tif"
        with rasterio.open(paths[name], "w", dtype="float32", nodata=-9999.0, **profile) as dst:
            dst.write(array, 1)
    for dtype in LANDCOVER_DTYPES:
        paths[f"landcover_{dtype}"] = folder / f"landcover_{dtype}.tif"
        with rasterio.open(paths[f"landcover_{dtype}"], "w", dtype=dtype, nodata=255, **profile) as dst:
            dst.write(landcover.astype(dtype), 1)
    table = folder / "biophysical.csv"
    rows_text = [",".join(map(str, (code, *values))) for code, values in CLASSES.items()]
    table.write_text("\n".join(["lucode," + ",".join(COLUMNS), *rows_text]) + "\n", encoding="utf-8")
    paths["table"] = table
    paths["watersheds"] = _watersheds(folder)
    return paths


def _watersheds(folder: Path) -> Path:
    """Two nested watershed polygons (``ws_id`` 1, 2) as GeoJSON."""
    import json

    x0, y1, size = 500000.0, 3000000.0, N * CELL

    def square(a: float, b: float) -> list:
        return [[[x0 + a, y1 - a], [x0 + b, y1 - a], [x0 + b, y1 - b], [x0 + a, y1 - b], [x0 + a, y1 - a]]]

    features = [
        {
            "type": "Feature",
            "properties": {"ws_id": i},
            "geometry": {"type": "Polygon", "coordinates": square(a, b)},
        }
        for i, (a, b) in enumerate([(0.0, size), (size / 4, size / 2)], start=1)
    ]
    path = folder / "watersheds.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:32650"}},
                "features": features,
            }
        ),
        encoding="utf-8",
    )
    return path


def _step(timings: dict[str, float], name: str, call, *args, **kwargs) -> None:
    t = time.perf_counter()
    try:
        call(*args, **kwargs)
    except Exception as exc:  # a warm-up step that fails must not fail the installation
        timings[name] = float("nan")
        print(
            f"warm-up: {name} failed ({type(exc).__name__}: {exc}); its kernels compile on first use",
            file=sys.stderr,
        )
        return
    timings[name] = time.perf_counter() - t


def warm(verbose: bool = True) -> dict[str, float]:
    """Run each compiled kernel once (see the module docstring); seconds per step."""
    from ecoledger import pipeline

    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ecoledger-warmup-") as scratch:
        scratch = Path(scratch)
        paths = _stack(scratch)
        common = {"watersheds_path": str(paths["watersheds"])}
        for routing in ("d8", "mfd"):
            _step(
                timings,
                f"soil_retention {routing}",
                pipeline.soil_retention,
                paths["dem"],
                paths["erosivity"],
                paths["erodibility"],
                paths["landcover_int32"],
                paths["table"],
                scratch / f"sdr-{routing}",
                routing=routing,
                stream_threshold=50.0,
                **common,
            )
        for dtype in LANDCOVER_DTYPES:
            landcover = paths[f"landcover_{dtype}"]
            _step(
                timings,
                f"water_yield {dtype}",
                pipeline.water_yield,
                paths["precip"],
                paths["et0"],
                landcover,
                paths["table"],
                paths["awc"],
                paths["depth"],
                5.0,
                scratch / f"awy-{dtype}",
                **common,
            )
            _step(
                timings,
                f"carbon_stock {dtype}",
                pipeline.carbon_stock,
                landcover,
                paths["table"],
                scratch / f"carbon-{dtype}",
                **common,
            )
            _step(
                timings,
                f"carbon_stock {dtype} (no watersheds)",
                pipeline.carbon_stock,
                landcover,
                paths["table"],
                scratch / f"carbon-plain-{dtype}",
            )
        _step(timings, "habitat_quality", _habitat_quality, scratch, paths)
        _step(timings, "accounts", _accounts, scratch)
    if verbose:
        total = sum(v for v in timings.values() if v == v)
        print(f"numba kernels compiled and cached in {total:.1f} s ({len(timings)} steps)")
    return timings


def _habitat_quality(scratch: Path, paths: dict[str, Path]) -> None:
    """Habitat quality with a linear and an exponential threat and a baseline land cover (rarity);
    land cover of each integer type goes through ``class_index``, warmed by the carbon steps."""
    import rasterio

    from ecoledger.pipeline.habitat_quality import habitat_quality

    with rasterio.open(paths["dem"]) as src:
        profile = src.profile
    threat = np.zeros((N, N), np.float32)
    threat[N // 2, :] = 1.0
    for name in ("road", "town"):
        with rasterio.open(scratch / f"{name}.tif", "w", **profile) as dst:
            dst.write(threat, 1)
    (scratch / "threats.csv").write_text(
        "threat,max_dist,weight,decay,cur_path\nroad,300,1,linear,road.tif\n"
        "town,600,0.5,exponential,town.tif\n",
        encoding="utf-8",
    )
    (scratch / "sensitivity.csv").write_text(
        "lucode,habitat,road,town\n1,1,0.8,0.5\n2,0.6,0.5,0.3\n3,0,0,0\n", encoding="utf-8"
    )
    habitat_quality(
        paths["landcover_int32"],
        scratch / "threats.csv",
        scratch / "sensitivity.csv",
        scratch / "hq",
        0.5,
        lulc_baseline_path=paths["landcover_int32"],
    )


def _accounts(scratch: Path) -> None:
    """The accounting chain on the synthetic pack, MFD and D8 (whole grid and in row blocks)."""
    from ecoledger.accounts import run_account
    from ecoledger.testing import make_pack

    pack = make_pack(scratch / "pack")
    pack = pack if isinstance(pack, Path) else scratch / "pack"
    year = 2020
    for routing in ("mfd", "d8"):
        run_account(pack, year, routing=routing, keep_maps=False)
    run_account(pack, year, routing="mfd", keep_maps=False, block_rows=8)


def main() -> int:
    warm()
    return 0


if __name__ == "__main__":
    sys.exit(main())
