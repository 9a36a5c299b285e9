"""Agreement with InVEST 3.20.2: SDR routing on a synthetic DEM; SDR (D8, MFD), AWY and carbon
per watershed on real terrain with nested, overlapping watersheds that do not cover the grid,
run through ``ecoledger invest``.

Needs the InVEST venv made by ``scripts/install-invest`` (see tests/conftest.py: skipped without it,
failed in CI).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "compare_invest_routing.py"
INVEST_PYTHON = BENCH.parent / ".invest-venv" / "bin" / "python"

pytestmark = pytest.mark.invest


def _bench():
    spec = importlib.util.spec_from_file_location("compare_invest_routing", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_watershed_sums_agree_with_invest_within_0_1_percent(tmp_path):
    bench = _bench()
    inputs = bench.make_inputs(200)
    bench.run_invest(inputs, tmp_path)
    for algorithm in ("D8", "MFD"):
        rows, _ = bench.compare(inputs, tmp_path, algorithm)
        by_name = {name: (ws, ndiff) for name, ws, _, _, ndiff in rows}
        assert by_name["flow direction"][1] == 0, algorithm
        assert by_name["filled"] == (0.0, 0), algorithm
        for name in ("flow_accumulation", "ls", "rkls", "rkls_1_minus_cp"):
            ws_rel = by_name[name][0]
            assert np.isfinite(ws_rel) and ws_rel <= 1e-3, (algorithm, name, ws_rel)


# --------------------------------------------------------------------------- real terrain, through the CLI

RUNNER = BENCH.parent / "invest_runner.py"
REL = 1e-3  # the bound: 0.1 %


def _invest(datastack, workspace, zonal=None) -> dict:
    import json
    import subprocess

    cfg = {"datastack": str(datastack), "workspace": str(workspace), "zonal": zonal or {}}
    done = subprocess.run(
        [str(INVEST_PYTHON), str(RUNNER), json.dumps(cfg)], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ours(datastack, workspace):
    from typer.testing import CliRunner

    from ecoledger.cli.main import app

    result = CliRunner().invoke(app, ["invest", str(datastack), "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def real_case(tmp_path_factory):
    import sys

    sys.path.insert(0, str(BENCH.parent))
    import stacks

    return stacks.build_real_case(tmp_path_factory.mktemp("real"), n=240, cell=500.0)


@pytest.mark.parametrize("stack", ["sdr_d8", "sdr_mfd"])
def test_real_terrain_sdr_per_watershed_agrees_with_invest(real_case, tmp_path, stack):
    """Jiangxi DEM, 240×240 at 500 m; an outer catchment, a catchment nested in it and a disc
    overlapping it, together covering 23 % of the grid: ``ecoledger invest`` vs InVEST SDR."""
    import geopandas as gpd

    datastack = real_case["datastacks"][stack]
    _invest(datastack, tmp_path / "invest")
    _ours(datastack, tmp_path / "ours")
    theirs = gpd.read_file(tmp_path / "invest" / "watershed_results_sdr.shp")
    ours = gpd.read_file(tmp_path / "ours" / "watershed_results_sdr.shp")
    assert list(ours["ws_id"]) == list(theirs["ws_id"]) == [1, 2, 3]
    for column in ("usle_tot", "avoid_eros"):
        assert (theirs[column] > 0).all()
        np.testing.assert_allclose(ours[column], theirs[column], rtol=REL, err_msg=(stack, column))
    # the nested catchment lies inside the outer one: its sums are part of the outer's
    assert (ours["avoid_eros"][0] > ours["avoid_eros"][1]) and (ours["usle_tot"][0] > ours["usle_tot"][1])


def test_real_terrain_awy_per_watershed_agrees_with_invest(real_case, tmp_path):
    import pandas as pd

    datastack = real_case["datastacks"]["awy"]
    _invest(datastack, tmp_path / "invest")
    _ours(datastack, tmp_path / "ours")
    theirs = pd.read_csv(tmp_path / "invest" / "output" / "watershed_results_wyield.csv")
    ours = pd.read_csv(tmp_path / "ours" / "output" / "watershed_results_wyield.csv")
    assert list(ours.columns) == list(theirs.columns)
    for column in ("precip_mn", "PET_mn", "AET_mn", "wyield_mn", "wyield_vol"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=REL, err_msg=column)


def test_real_terrain_carbon_agrees_with_invest(real_case, tmp_path):
    """InVEST 3.20 Carbon has no watersheds: its total, and pygeoprocessing's zonal sums of its
    c_storage_bas.tif per polygon, against ``ecoledger invest`` (watersheds_path added)."""
    import json

    import pandas as pd

    datastack = Path(real_case["datastacks"]["carbon"])
    vector = str(Path(real_case["folder"]) / "watersheds.gpkg")
    zonal = {"c_storage_bas": ["c_storage_bas.tif", vector]}
    sums = _invest(datastack, tmp_path / "invest", zonal)["zonal"]["c_storage_bas"]
    stack = json.loads(datastack.read_text())
    stack["args"]["watersheds_path"] = "watersheds.gpkg"  # relative: resolved against the file
    ours_stack = datastack.with_name("carbon_ws.invs.json")
    ours_stack.write_text(json.dumps(stack))
    _ours(ours_stack, tmp_path / "ours")
    theirs = pd.read_csv(tmp_path / "invest" / "raster_values_summary.csv")
    ours = pd.read_csv(tmp_path / "ours" / "raster_values_summary.csv")
    assert list(ours.columns) == list(theirs.columns)
    assert ours["Total"].iloc[0] == pytest.approx(theirs["Total"].iloc[0], rel=REL)
    per_watershed = pd.read_csv(tmp_path / "ours" / "watershed_results_carbon.csv")
    hectares = real_case["cell"] ** 2 / 1e4
    expected = [sums[fid] * hectares for fid in sorted(sums, key=int)]  # GPKG FIDs 1, 2, 3 in order
    np.testing.assert_allclose(per_watershed["c_storage_bas"], expected, rtol=REL)
