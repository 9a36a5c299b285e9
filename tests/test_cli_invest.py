"""`ecoledger invest`: InVEST datastacks / args.json read as they stand, clear refusals."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from shapely.geometry import box
from typer.testing import CliRunner

from ecoledger.cli.main import app
from ecoledger.pipeline.invest import InvestArgsError, read_datastack

CELL, X0, Y1, CRS, N = 30.0, 500000.0, 3000000.0, "EPSG:32650", 20


def _write(path, array, nodata=-9999.0):
    with rasterio.open(
        path, "w", driver="GTiff", width=N, height=N, count=1, dtype=array.dtype, crs=CRS,
        transform=rasterio.Affine(CELL, 0.0, X0, 0.0, -CELL, Y1), nodata=nodata,
    ) as dst:  # fmt: skip
        dst.write(array, 1)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A 20×20 case in ``inputs/`` with an outer watershed (left half) and one nested in it."""
    root = tmp_path_factory.mktemp("case")
    inputs = root / "inputs"
    inputs.mkdir()
    y, x = np.mgrid[0:N, 0:N]
    _write(inputs / "dem.tif", (100 + 2.0 * x + y).astype(np.float32))
    _write(inputs / "r.tif", np.full((N, N), 3000.0, np.float32))
    _write(inputs / "k.tif", np.full((N, N), 0.02, np.float32))
    _write(inputs / "lulc.tif", (1 + x % 2).astype(np.int32), nodata=255)
    for name, value in (("precip", 1500.0), ("eto", 900.0), ("pawc", 0.2), ("depth", 1000.0)):
        _write(inputs / f"{name}.tif", np.full((N, N), value, np.float32))
    (inputs / "bio.csv").write_text(
        "lucode,usle_c,usle_p,lulc_veg,root_depth,Kc,c_above,c_below,c_soil,c_dead\n"
        "1,0.01,1,1,3000,1.0,100,20,50,5\n2,0.2,0.5,1,1000,0.7,10,2,40,1\n"
    )
    outer = box(X0, Y1 - N * CELL, X0 + 10 * CELL, Y1)  # left half: 200 cells
    nested = box(X0, Y1 - 5 * CELL, X0 + 5 * CELL, Y1)  # 25 cells inside it
    gpd.GeoDataFrame({"ws_id": [1, 2]}, geometry=[outer, nested], crs=CRS).to_file(inputs / "ws.gpkg")
    return root


def _datastack(case, name, args, model_id=None, plain=False):
    path = case / name
    data = args if plain else {"args": args, "model_id": model_id, "invest_version": "3.20.2"}
    path.write_text(json.dumps(data))
    return path


SDR = {
    "workspace_dir": "ws_sdr", "results_suffix": "", "dem_path": "inputs/dem.tif",
    "erosivity_path": "inputs/r.tif", "erodibility_path": "inputs/k.tif", "lulc_path": "inputs/lulc.tif",
    "biophysical_table_path": "inputs/bio.csv", "watersheds_path": "inputs/ws.gpkg", "drainage_path": "",
    "threshold_flow_accumulation": 1000, "k_param": 2, "sdr_max": 0.8, "ic_0_param": 0.5, "l_max": 122,
    "flow_dir_algorithm": "MFD",
}  # fmt: skip
AWY = {
    "workspace_dir": "ws_awy", "precipitation_path": "inputs/precip.tif", "eto_path": "inputs/eto.tif",
    "depth_to_root_rest_layer_path": "inputs/depth.tif", "pawc_path": "inputs/pawc.tif",
    "lulc_path": "inputs/lulc.tif", "biophysical_table_path": "inputs/bio.csv", "seasonality_constant": 5,
    "watersheds_path": "inputs/ws.gpkg", "sub_watersheds_path": "", "demand_table_path": "",
}  # fmt: skip


def _run(*args):
    return CliRunner().invoke(app, ["invest", *map(str, args)])


def test_sdr_datastack_relative_paths_and_nested_watersheds(case):
    path = _datastack(case, "sdr.invs.json", SDR | {"results_suffix": "run1"}, "sdr")
    result = _run(path)
    assert result.exit_code == 0, result.output
    ws = case / "ws_sdr"  # workspace_dir relative to the JSON file, as InVEST
    table = gpd.read_file(ws / "watershed_results_sdr_run1.shp")
    assert list(table.columns) == ["ws_id", "usle_tot", "avoid_eros", "geometry"]
    with rasterio.open(ws / "usle_run1.tif") as src:
        usle = src.read(1, masked=True).filled(np.nan)
    with rasterio.open(ws / "avoided_erosion_run1.tif") as src:
        avoided = src.read(1, masked=True).filled(np.nan)
    hectares = CELL * CELL / 1e4
    # by hand: outer = columns 0–9 of every row, nested = rows 0–4 × columns 0–4, sums × cell ha
    for i, (rows, cols) in enumerate(((slice(None), slice(0, 10)), (slice(0, 5), slice(0, 5)))):
        assert table["usle_tot"][i] == pytest.approx(np.nansum(usle[rows, cols]) * hectares, rel=1e-6)
        assert table["avoid_eros"][i] == pytest.approx(np.nansum(avoided[rows, cols]) * hectares, rel=1e-6)
    assert pd.read_csv(ws / "watershed_results_sdr_run1.csv")["usle_tot"].tolist() == pytest.approx(
        table["usle_tot"].tolist()
    )
    assert "sed_export" in result.output  # the note on what is not computed


def test_awy_plain_args_dict_model_inferred(case, tmp_path):
    path = _datastack(case, "awy_args.json", AWY, plain=True)
    result = _run(path, "--workspace", tmp_path / "out")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "output" / "watershed_results_wyield.csv")
    assert list(table.columns) == ["ws_id", "precip_mn", "PET_mn", "AET_mn", "wyield_mn", "wyield_vol"]
    assert table["precip_mn"].tolist() == pytest.approx([1500.0, 1500.0])
    # PET = Kc·ET0: outer has columns 0–9, half class 1 (Kc 1.0), half class 2 (0.7); nested 0–4: 3 + 2
    assert table["PET_mn"].tolist() == pytest.approx([900 * 0.85, 900 * (3 * 1.0 + 2 * 0.7) / 5], rel=1e-6)
    area = np.array([200, 25]) * CELL * CELL
    assert table["wyield_vol"].to_numpy() == pytest.approx(table["wyield_mn"].to_numpy() * area / 1000)


def test_carbon_summary_as_invest(case, tmp_path):
    args = {"workspace_dir": str(tmp_path / "c"), "lulc_bas_path": "inputs/lulc.tif"}
    args |= {"carbon_pools_path": "inputs/bio.csv", "calc_sequestration": False, "do_valuation": False}
    result = _run(_datastack(case, "carbon.json", args, model_id=None, plain=True))
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "c" / "raster_values_summary.csv")
    assert list(summary.columns) == ["Raster", "Total", "Units", "Filename"]
    # 200 cells of class 1 (175 t/ha) and 200 of class 2 (53 t/ha), 0.09 ha each
    assert summary["Total"][0] == pytest.approx(200 * 0.09 * (175 + 53))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"drainage_path": "inputs/dem.tif"}, "'drainage_path' is not supported"),
        ({"flow_dir_algorithm": "Dinf"}, "must be D8 or MFD"),
        ({"threshold_flow_acc": 100}, r"\['threshold_flow_acc'\] are not InVEST sdr args"),
        ({"dem_path": "https://example.org/dem.tif"}, "remote path"),
        ({"dem_path": "inputs/nope.tif"}, "no such file"),
        ({"watersheds_path": ""}, r"required arg\(s\) \['watersheds_path'\]"),
    ],
)
def test_refusals_name_the_arg_and_the_fix(case, tmp_path, change, message):
    path = _datastack(case, "bad.invs.json", SDR | change, "sdr")
    with pytest.raises(InvestArgsError, match=message):
        from ecoledger.pipeline.invest import run_datastack

        run_datastack(path, workspace=tmp_path / "out")
    result = _run(path, "--workspace", tmp_path / "out")
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output


def test_model_names_and_mismatch(case):
    legacy = _datastack(case, "legacy.json", SDR, model_id=None)
    legacy.write_text(
        json.dumps({"args": SDR, "model_name": "natcap.invest.sdr.sdr", "invest_version": "3.7.0"})
    )
    assert read_datastack(legacy)[0] == "sdr"
    with pytest.raises(InvestArgsError, match="not 'carbon'"):
        read_datastack(legacy, model="carbon")
    with pytest.raises(InvestArgsError, match="'ndr' is not one ecoledger runs"):
        read_datastack(_datastack(case, "ndr.json", SDR, "ndr"))
    with pytest.raises(InvestArgsError, match="cannot tell which InVEST model"):
        read_datastack(_datastack(case, "none.json", {"workspace_dir": "x"}, plain=True))


@pytest.mark.parametrize(("model", "args"), [("sdr", SDR | {"flow_dir_algorithm": "D8"}), ("carbon", None)])
def test_a_fresh_run_imports_neither_pandas_nor_the_vector_stack(case, tmp_path, model, args):
    """pandas, geopandas, pyogrio, pyarrow and pyproj cost a fresh run about 0.25 s: a run on plain
    inputs (GeoPackage watersheds, a plain CSV table) needs none of them."""
    import subprocess
    import sys

    if args is None:
        args = {"lulc_bas_path": "inputs/lulc.tif", "carbon_pools_path": "inputs/bio.csv"}
    path = _datastack(case, f"fresh_{model}.json", args | {"workspace_dir": str(tmp_path / "ws")}, model)
    heavy = ("pandas", "geopandas", "pyogrio", "pyarrow", "pyproj")
    code = (
        "import sys\nfrom ecoledger.cli.main import app\n"
        f"try:\n    app(['invest', {str(path)!r}])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    written = "watershed_results_sdr.shp" if model == "sdr" else "raster_values_summary.csv"
    assert (tmp_path / "ws" / written).exists()
