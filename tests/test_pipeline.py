"""GeoTIFF pipelines (ecoledger.pipeline) against unfused references and, if installed, InVEST."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from shapely.geometry import box

from ecoledger import pipeline, terrain
from ecoledger.items.carbon_stock import carbon_stock
from ecoledger.items.water_yield import water_yield

CELL = 30.0
X0, Y1 = 500000.0, 3000000.0
CRS = "EPSG:32650"
INVEST_PYTHON = Path(__file__).resolve().parents[1] / "bench" / ".invest-venv" / "bin" / "python"
CP = {1: (0.003, 1.0), 2: (0.25, 0.4), 3: (0.45, 0.8)}  # lucode: (usle_c, usle_p)
BIO = {1: (1, 4000.0, 1.0), 2: (1, 1500.0, 0.75), 3: (0, 1.0, 0.3)}  # lucode: (lulc_veg, root_depth, kc)
POOLS = {1: (140.0, 70.0, 100.0, 12.0), 2: (10.0, 3.0, 60.0, 0.5), 3: (0.0, 0.0, 20.0, 0.0)}


def _write(path: Path, array: np.ndarray, nodata=-9999.0, x0: float = X0) -> Path:
    data = np.where(np.isnan(array), nodata, array) if array.dtype.kind == "f" else array
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=array.shape[1],
        height=array.shape[0],
        count=1,
        dtype=array.dtype,
        crs=CRS,
        transform=rasterio.Affine(CELL, 0.0, x0, 0.0, -CELL, Y1),
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path


def _read(path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1, masked=True).astype(np.float64).filled(np.nan)


def _table(path: Path, header: str, rows: dict) -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, (k, *v))) + "\n" for k, v in rows.items()))
    return path


def _quadrants(path: Path, n: int) -> Path:
    """Four watersheds (ws_id 0–3) on whole cells: NW, NE, SW, SE."""
    h, x1, y0 = n // 2 * CELL, X0 + n * CELL, Y1 - n * CELL
    xm, ym = X0 + h, Y1 - h
    boxes = [box(X0, ym, xm, Y1), box(xm, ym, x1, Y1), box(X0, y0, xm, ym), box(xm, y0, x1, ym)]
    gpd.GeoDataFrame({"ws_id": [0, 1, 2, 3]}, geometry=boxes, crs=CRS).to_file(path)
    return path


def _quadrant_sums(a: np.ndarray) -> list[float]:
    h = a.shape[0] // 2
    return [float(np.nansum(q)) for q in (a[:h, :h], a[:h, h:], a[h:, :h], a[h:, h:])]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A 40×40 stack: DEM with a pit and a nodata hole, R, K, climate, soil, 3 land-cover classes."""
    tmp = tmp_path_factory.mktemp("stack")
    rng = np.random.default_rng(3)
    n = 40
    y, x = np.mgrid[0:n, 0:n]
    dem = (300 + 2.0 * x + 1.5 * y + 3 * rng.standard_normal((n, n))).astype(np.float32)
    dem[20:23, 10:13] -= 15  # a pit
    dem[5:7, 30:32] = np.nan
    lulc = (1 + (x + y) % 3).astype(np.int32)
    lulc[0, 0] = 255  # land-cover nodata
    arrays = {
        "dem": dem,
        "erosivity": rng.uniform(2000, 4000, (n, n)).astype(np.float32),
        "erodibility": rng.uniform(0.01, 0.04, (n, n)).astype(np.float32),
        "precip": rng.uniform(600, 2000, (n, n)).astype(np.float32),
        "et0": rng.uniform(700, 1200, (n, n)).astype(np.float32),
        "awc": rng.uniform(0.05, 0.3, (n, n)).astype(np.float32),
        "depth": rng.uniform(300, 2000, (n, n)).astype(np.float32),
    }
    arrays["precip"][3, 3] = 0.0  # zero rain: nodata like InVEST
    arrays["awc"][4, 4] = np.nan
    paths = {k: _write(tmp / f"{k}.tif", a) for k, a in arrays.items()}
    paths["lulc"] = _write(tmp / "lulc.tif", lulc, nodata=255)
    paths["cp"] = _table(tmp / "cp.csv", "lucode,usle_c,usle_p", CP)
    paths["bio"] = _table(tmp / "bio.csv", "LUCODE,lulc_veg,root_depth,Kc", BIO)
    paths["pools"] = _table(tmp / "pools.csv", "lucode,c_above,c_below,c_soil,c_dead", POOLS)
    paths["watersheds"] = _quadrants(tmp / "watersheds.gpkg", n)
    return paths, arrays, lulc


def _soil_retention(paths, out, **kwargs):
    return pipeline.soil_retention(
        paths["dem"], paths["erosivity"], paths["erodibility"], paths["lulc"], paths["cp"], out, **kwargs
    )


def test_grids_that_differ_are_refused(stack, tmp_path):
    paths, arrays, _ = stack
    shifted = _write(tmp_path / "shifted.tif", arrays["erosivity"], x0=X0 + CELL)
    with pytest.raises(pipeline.GridMismatchError, match="not on one grid"):
        _soil_retention({**paths, "erosivity": shifted}, tmp_path / "out")


def test_unknown_landcover_code_is_named(stack, tmp_path):
    paths, _, lulc = stack
    bad = lulc.copy()
    bad[7, 7] = 9
    with pytest.raises(pipeline.PipelineError, match=r"codes \[9\]"):
        pipeline.carbon_stock(_write(tmp_path / "lulc.tif", bad, nodata=255), paths["pools"], tmp_path)


@pytest.mark.parametrize("routing", ["d8", "mfd"])
def test_soil_retention_equals_unfused_terrain_reference(stack, tmp_path, routing):
    paths, arrays, lulc = stack
    result = _soil_retention(paths, tmp_path, routing=routing, watersheds_path=paths["watersheds"])
    dem = arrays["dem"].copy()
    dem[lulc == 255] = np.nan  # InVEST's mutual mask: land-cover nodata is DEM nodata too
    filled = terrain.fill_depressions(dem)
    if routing == "d8":
        acc = terrain.flow_accumulation_d8(terrain.flow_direction_d8(filled))
    else:
        acc = terrain.flow_accumulation_mfd(terrain.flow_direction_mfd(filled))
    ls = terrain.ls_factor_desmet_govers(terrain.slope_percent(filled, CELL), acc, CELL, 122.0)
    rkls = ls * arrays["erosivity"].astype(np.float64) * arrays["erodibility"]
    one_minus_cp = {k: 1 - c * p for k, (c, p) in CP.items()}
    avoided = rkls * np.vectorize(lambda k: one_minus_cp.get(k, np.nan))(lulc)
    usle = rkls - avoided
    expected = {"flow_accumulation": acc, "ls": ls, "rkls": rkls, "usle": usle, "avoided_erosion": avoided}
    assert np.isnan(rkls[0, 0]) and np.isnan(acc[0, 0])  # masked out of routing, as InVEST
    for name, a in expected.items():
        got = _read(result["outputs"][name])
        np.testing.assert_allclose(got, a, rtol=2e-7, equal_nan=True, err_msg=name)
        assert result["watershed_sums"][name] == pytest.approx(dict(enumerate(_quadrant_sums(a))), rel=1e-6)
        assert sum(result["watershed_cells"][name].values()) == np.count_nonzero(~np.isnan(a))
    assert {"read", "fill", "flow_direction", "ls", "write", "total"} <= set(result["timings_s"])


def test_rkls_times_one_minus_cp_by_hand(tmp_path):
    # a 3×3 plane dipping east: every cell has the same slope; LS from the terrain module
    dem = np.tile(np.array([30.0, 27.0, 24.0], dtype=np.float32), (3, 1))
    lulc = np.array([[1, 2, 3]] * 3, dtype=np.int32)
    r, k = np.full((3, 3), 3000.0, np.float32), np.full((3, 3), 0.02, np.float32)
    paths = {
        "dem": _write(tmp_path / "dem.tif", dem),
        "erosivity": _write(tmp_path / "r.tif", r),
        "erodibility": _write(tmp_path / "k.tif", k),
        "lulc": _write(tmp_path / "lulc.tif", lulc, nodata=255),
        "cp": _table(tmp_path / "cp.csv", "lucode,usle_c,usle_p", CP),
    }
    out = _soil_retention(paths, tmp_path / "out", write=("ls", "avoided_erosion"))["outputs"]
    assert set(out) == {"ls", "avoided_erosion"}
    ls = _read(out["ls"])
    # classes 1, 2, 3: 1 − C·P = 0.997, 0.9, 0.64
    expected = ls * 3000.0 * 0.02 * np.array([0.997, 0.9, 0.64])
    np.testing.assert_allclose(_read(out["avoided_erosion"]), expected, rtol=1e-6)


def test_stream_cells_are_blanked_as_invest_d8(stack, tmp_path):
    paths, _, _ = stack
    result = _soil_retention(paths, tmp_path, stream_threshold=30, write=("flow_accumulation", "rkls"))
    acc, rkls = _read(result["outputs"]["flow_accumulation"]), _read(result["outputs"]["rkls"])
    stream = acc > 30
    assert stream.sum() > 0
    assert np.isnan(rkls[stream]).all()
    assert not np.isnan(rkls[~stream & ~np.isnan(acc)]).any()


def test_water_yield_per_pixel_equals_item_function(stack, tmp_path):
    paths, arrays, lulc = stack
    result = pipeline.water_yield(
        paths["precip"], paths["et0"], paths["lulc"], paths["bio"], paths["awc"], paths["depth"], 5.0,
        tmp_path, watersheds_path=paths["watersheds"],
    )  # fmt: skip
    veg, root, kc = (np.vectorize(lambda k, i=i: BIO.get(k, (np.nan,) * 3)[i])(lulc) for i in range(3))
    wy, aet = water_yield(
        arrays["precip"], arrays["et0"], kc, root, arrays["awc"], arrays["depth"], 5.0, veg == 1
    )
    assert np.isnan(wy[3, 3]) and np.isnan(wy[4, 4]) and np.isnan(wy[0, 0])
    np.testing.assert_array_equal(_read(result["outputs"]["water_yield"]), wy.astype(np.float32))
    np.testing.assert_array_equal(_read(result["outputs"]["aet"]), aet.astype(np.float32))
    volume = _read(result["outputs"]["water_yield_volume"])
    np.testing.assert_allclose(volume, wy * CELL * CELL / 1000, rtol=1e-6, equal_nan=True)
    assert result["watershed_sums"]["water_yield_volume"] == pytest.approx(
        dict(enumerate(_quadrant_sums(volume))), rel=1e-9
    )


def test_carbon_per_pixel_equals_item_function(stack, tmp_path):
    paths, _, lulc = stack
    result = pipeline.carbon_stock(paths["lulc"], paths["pools"], tmp_path)
    per_class = {k: carbon_stock(*pools, CELL * CELL / 1e4) for k, pools in POOLS.items()}
    expected = np.vectorize(lambda k: per_class.get(k, np.nan))(lulc)
    np.testing.assert_allclose(_read(result["outputs"]["carbon_stock"]), expected, rtol=1e-7, equal_nan=True)
    assert result["total_mg_c"] == pytest.approx(np.nansum(expected), rel=1e-7)


# --------------------------------------------------------------------------- InVEST


def _run_invest(module: str, args: dict) -> None:
    code = f"import json, sys\nfrom {module} import execute\nexecute(json.loads(sys.argv[1]))"
    subprocess.run([str(INVEST_PYTHON), "-c", code, json.dumps(args)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def invest_stack(tmp_path_factory):
    """A 200×200 AWY/carbon stack with nodata, zero-rain and non-vegetated cells."""
    tmp = tmp_path_factory.mktemp("invest")
    rng = np.random.default_rng(11)
    n = 200
    y, x = np.mgrid[0:n, 0:n] / n
    arrays = {
        "precip": (900 + 900 * x + 50 * rng.standard_normal((n, n))).astype(np.float32),
        "et0": (800 + 300 * y).astype(np.float32),
        "awc": rng.uniform(0.05, 0.35, (n, n)).astype(np.float32),
        "depth": rng.uniform(200, 3000, (n, n)).astype(np.float32),
    }
    arrays["precip"][10:12, 10:14] = 0.0
    arrays["depth"][150:153, 40:45] = np.nan
    lulc = (1 + (np.floor(x * 7) + np.floor(y * 5)) % 3).astype(np.int32)
    lulc[100:104, 100:110] = 255
    paths = {k: _write(tmp / f"{k}.tif", a) for k, a in arrays.items()}
    paths["lulc"] = _write(tmp / "lulc.tif", lulc, nodata=255)
    paths["bio"] = _table(tmp / "bio.csv", "lucode,lulc_veg,root_depth,kc", BIO)
    paths["pools"] = _table(tmp / "pools.csv", "lucode,c_above,c_below,c_soil,c_dead", POOLS)
    paths["watersheds"] = _quadrants(tmp / "watersheds.gpkg", n)
    return tmp, paths


@pytest.mark.invest
def test_water_yield_agrees_with_invest_awy(invest_stack):
    tmp, paths = invest_stack
    workspace = tmp / "invest_awy"
    _run_invest(
        "natcap.invest.annual_water_yield.annual_water_yield",
        {
            "workspace_dir": str(workspace),
            "results_suffix": "",
            "precipitation_path": str(paths["precip"]),
            "eto_path": str(paths["et0"]),
            "depth_to_root_rest_layer_path": str(paths["depth"]),
            "pawc_path": str(paths["awc"]),
            "lulc_path": str(paths["lulc"]),
            "biophysical_table_path": str(paths["bio"]),
            "seasonality_constant": 5.0,
            "watersheds_path": str(paths["watersheds"]),
            "sub_watersheds_path": "",
            "demand_table_path": "",
            "valuation_table_path": "",
            "n_workers": -1,
        },
    )
    ours = pipeline.water_yield(
        paths["precip"], paths["et0"], paths["lulc"], paths["bio"], paths["awc"], paths["depth"], 5.0,
        tmp / "ours_awy", watersheds_path=paths["watersheds"],
    )  # fmt: skip
    theirs = {"water_yield": "wyield.tif", "aet": "aet.tif"}
    for name, file in theirs.items():
        a, b = _read(ours["outputs"][name]), _read(workspace / "output" / "per_pixel" / file)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=name)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-3, equal_nan=True, err_msg=name)
    table = pd.read_csv(workspace / "output" / "watershed_results_wyield.csv", index_col="ws_id")
    sums, cells = ours["watershed_sums"], ours["watershed_cells"]
    for name, column in (("water_yield", "wyield_mn"), ("aet", "AET_mn")):
        means = {ws: sums[name][ws] / cells[name][ws] for ws in sums[name]}
        assert means == pytest.approx(table[column].to_dict(), rel=1e-3), name


@pytest.mark.invest
def test_carbon_agrees_with_invest_carbon(invest_stack):
    tmp, paths = invest_stack
    workspace = tmp / "invest_carbon"
    _run_invest(
        "natcap.invest.carbon.carbon",
        {
            "workspace_dir": str(workspace),
            "results_suffix": "",
            "lulc_bas_path": str(paths["lulc"]),
            "carbon_pools_path": str(paths["pools"]),
            "calc_sequestration": False,
            "do_valuation": False,
            "n_workers": -1,
        },
    )
    ours = pipeline.carbon_stock(paths["lulc"], paths["pools"], tmp / "ours_carbon", paths["watersheds"])
    hectares = CELL * CELL / 1e4
    theirs = _read(workspace / "c_storage_bas.tif") * hectares
    np.testing.assert_allclose(_read(ours["outputs"]["carbon_stock"]), theirs, rtol=1e-6, equal_nan=True)
    expected = dict(enumerate(_quadrant_sums(theirs)))
    assert ours["watershed_sums"]["carbon_stock"] == pytest.approx(expected, rel=1e-3)
    summary = pd.read_csv(workspace / "raster_values_summary.csv")
    assert ours["total_mg_c"] == pytest.approx(summary["Total"].iloc[0], rel=1e-3)


@pytest.mark.invest
def test_soil_retention_agrees_with_invest_sdr(tmp_path):
    """Streams, RKLS and avoided erosion equal InVEST SDR's (the routing bench's 200×200 stack)."""
    import importlib.util

    bench_path = INVEST_PYTHON.parents[2] / "compare_invest_routing.py"
    spec = importlib.util.spec_from_file_location("bench", bench_path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.run_invest(bench.make_inputs(200), tmp_path)  # writes the inputs and runs D8 and MFD
    for routing in ("D8", "MFD"):
        ours = pipeline.soil_retention(
            tmp_path / "dem.tif", tmp_path / "erosivity.tif", tmp_path / "erodibility.tif",
            tmp_path / "lulc.tif", tmp_path / "biophysical.csv", tmp_path / f"ours_{routing}",
            routing=routing.lower(), l_max=bench.L_MAX, watersheds_path=tmp_path / "watersheds.gpkg",
            stream_threshold=bench.THRESHOLD_FLOW_ACCUMULATION,
        )  # fmt: skip
        stream = _read(tmp_path / routing / "stream.tif") == 1
        assert stream.sum() > 0
        for name in ("rkls", "avoided_erosion"):
            a, b = _read(ours["outputs"][name]), _read(tmp_path / routing / f"{name}.tif")
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=(routing, name))
            np.testing.assert_allclose(a, b, rtol=1e-5, equal_nan=True, err_msg=(routing, name))
            expected = dict(enumerate(_quadrant_sums(b)))
            assert ours["watershed_sums"][name] == pytest.approx(expected, rel=1e-3), (routing, name)
