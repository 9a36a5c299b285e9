"""InVEST Habitat Quality (``ecoledger.pipeline.habitat_quality``, ``ecoledger invest``): a hand
computation, InVEST's conventions, refusals, and parity with InVEST 3.20.2 (marked ``invest``)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from typer.testing import CliRunner

from ecoledger.errors import PipelineError
from ecoledger.pipeline.habitat_quality import _column_pass, _row_pass, habitat_quality

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
INVEST_PYTHON = BENCH / ".invest-venv" / "bin" / "python"
CELL, X0, Y1, CRS = 30.0, 500000.0, 3000000.0, "EPSG:32650"


def _write(path, array, nodata=None):
    rows, cols = array.shape
    with rasterio.open(
        path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype=array.dtype, crs=CRS,
        transform=rasterio.Affine(CELL, 0.0, X0, 0.0, -CELL, Y1), nodata=nodata,
    ) as dst:  # fmt: skip
        dst.write(array, 1)
    return path


def _read(path):
    with rasterio.open(path) as src:
        return src.read(1, masked=True).astype(np.float64).filled(np.nan)


K = 0.5  # half-saturation constant of the hand case
CURRENT = np.array([[1] * 5] * 4 + [[2, 2, 2, 2, 255]], dtype=np.int32)
BASELINE = np.array([[1] * 5] * 3 + [[2] * 5] * 2, dtype=np.int32)


@pytest.fixture
def hand_case(tmp_path):
    """The 5×5 case of ``test_hand_computed_5x5``: threat ``road`` in the centre cell."""
    _write(tmp_path / "lulc_c.tif", CURRENT, nodata=255)
    _write(tmp_path / "lulc_b.tif", BASELINE, nodata=255)
    road = np.zeros((5, 5), np.float32)
    road[2, 2] = 1.0
    _write(tmp_path / "road_c.tif", road, nodata=-1.0)
    (tmp_path / "threats.csv").write_text(
        "THREAT,MAX_DIST,WEIGHT,DECAY,CUR_PATH,FUT_PATH,BASE_PATH\nRoad,90,0.6,Linear,road_c.tif,,\n"
    )
    (tmp_path / "sensitivity.csv").write_text("lucode,name,habitat,road\n1,forest,1,1\n2,grass,0.5,0.5\n")
    args = {
        "workspace_dir": "", "results_suffix": "", "n_workers": -1, "lulc_cur_path": "lulc_c.tif",
        "lulc_fut_path": "", "lulc_bas_path": "lulc_b.tif", "threats_table_path": "threats.csv",
        "access_vector_path": "", "sensitivity_table_path": "sensitivity.csv",
        "half_saturation_constant": K,
    }  # fmt: skip
    datastack = tmp_path / "hq.invs.json"
    stack = {"args": args, "model_id": "habitat_quality", "invest_version": "3.20.2"}
    datastack.write_text(json.dumps(stack))
    return tmp_path


def _hand_expected():
    """Degradation and quality of the hand case, written out (see ``test_hand_computed_5x5``)."""
    d = {"0": 0.0, "1": 1.0, "r2": math.sqrt(2), "2": 2.0, "r5": math.sqrt(5), "r8": math.sqrt(8)}
    layout = [
        ["r8", "r5", "2", "r5", "r8"],
        ["r5", "r2", "1", "r2", "r5"],
        ["2", "1", "0", "1", "2"],
        ["r5", "r2", "1", "r2", "r5"],
        ["r8", "r5", "2", "r5", None],
    ]
    deg = np.full((5, 5), np.nan)
    quality = np.full((5, 5), np.nan)
    for r in range(5):
        for c in range(5):
            if layout[r][c] is None:
                continue
            decay = (3 - d[layout[r][c]]) / 3  # linear, d_max = 90 m / 30 m = 3 cells
            sens, hab = (1.0, 1.0) if r < 4 else (0.5, 0.5)
            deg[r, c] = 1.0 * decay * sens * 1.0  # w/Σw = 0.6/0.6, access 1
            quality[r, c] = hab * (1 - deg[r, c] ** 2.5 / (deg[r, c] ** 2.5 + K**2.5))
    return deg, quality


def test_hand_computed_5x5(hand_case):
    """5×5 cells of 30 m; one threat (road) in the centre cell (2, 2), max_dist 90 m, linear,
    weight 0.6 (alone, so w/Σw = 1); k = 0.5, z = 2.5, so k^z = 0.5^2.5 = 0.176777.
    Current land cover: rows 0–3 class 1 (habitat 1, sensitivity 1), row 4 class 2 (habitat 0.5,
    sensitivity 0.5) but cell (4, 4) nodata. Baseline: rows 0–2 class 1, rows 3–4 class 2.

    d_max = 90 / 30 = 3 cells; i = (3 − d) / 3; D = i · S; Q = H (1 − D^2.5 / (D^2.5 + k^2.5)):

    * (2, 2), the road itself: d = 0, i = 1, D = 1, Q = 1 − 1 / 1.176777 = 0.150221
    * (1, 2): d = 1, D = 2/3, D^2.5 = 0.362887, Q = 0.176777 / 0.539664 = 0.327568
    * (1, 1): d = √2 = 1.414214, D = 0.528595, D^2.5 = 0.203146, Q = 0.176777 / 0.379923 = 0.465296
    * (0, 2): d = 2, D = 1/3, D^2.5 = 0.064150, Q = 0.176777 / 0.240927 = 0.733736
    * (0, 1): d = √5 = 2.236068, D = 0.254644, D^2.5 = 0.032722, Q = 0.843810
    * (0, 0): d = √8 = 2.828427, D = 0.057191, D^2.5 = 0.000782, Q = 0.995595
    * (4, 0): d = √8, class 2: D = 0.5 · 0.057191 = 0.028595, D^2.5 = 0.000138,
      Q = 0.5 (1 − 0.000138 / 0.176915) = 0.499609; (4, 2): d = 2, D = 0.166667, Q = 0.469859
    * (4, 4): land cover nodata → nodata

    Rarity, R = 1 − N_x / (N_x + N_b), current cells counted where the baseline is valid (all):
    class 1: N_x = 20, N_b = 15 → 1 − 20/35 = 0.428571; class 2: N_x = 4, N_b = 10 → 1 − 4/14
    = 0.714286; (4, 4) nodata.
    """
    out = hand_case / "out"
    result = habitat_quality(
        hand_case / "lulc_c.tif", hand_case / "threats.csv", hand_case / "sensitivity.csv", out, K,
        lulc_baseline_path=hand_case / "lulc_b.tif",
    )  # fmt: skip
    deg, quality = _read(out / "deg_sum_c.tif"), _read(out / "quality_c.tif")
    expected_deg, expected_quality = _hand_expected()
    np.testing.assert_allclose(deg, expected_deg, rtol=1e-6)
    np.testing.assert_allclose(quality, expected_quality, rtol=1e-6)
    assert np.isnan(deg[4, 4]) and np.isnan(quality[4, 4])
    by_hand = {(2, 2): 0.150221, (1, 2): 0.327568, (1, 1): 0.465296, (0, 2): 0.733736,
               (0, 1): 0.843810, (0, 0): 0.995595, (4, 0): 0.499609, (4, 2): 0.469859}  # fmt: skip
    for (r, c), q in by_hand.items():
        assert quality[r, c] == pytest.approx(q, abs=1e-6), (r, c)
    rarity = _read(out / "rarity_c.tif")
    assert rarity[:4] == pytest.approx(np.full((4, 5), 1 - 20 / 35))
    assert rarity[4, :4] == pytest.approx(np.full(4, 1 - 4 / 14)) and np.isnan(rarity[4, 4])
    text = (out / "rarity_c.csv").read_bytes()  # as InVEST's csv.writer writes it
    assert text == f"lucode,rarity_value\r\n1,{1 - 20 / 35!r}\r\n2,{1 - 4 / 14!r}\r\n".encode()
    assert result["rarity"] == {"c": {1: 1 - 20 / 35, 2: 1 - 4 / 14}}
    assert result["notes"] == []
    assert "deg_sum_b" not in result["outputs"]  # no baseline threat rasters: no baseline quality


def test_two_threats_exponential_decay_weights_and_access(tmp_path):
    """Two threats, linear and exponential, weights 1 and 0.25 (so 0.8 and 0.2), an access polygon
    of 0.5 over the left two columns; expected values from the formulas with distances by hand."""
    import geopandas as gpd
    from shapely.geometry import box

    n = 9
    lulc = np.ones((n, n), np.int32)
    a = np.zeros((n, n), np.float32)
    a[0, 0] = a[8, 3] = 1.0  # threat a: two cells; the nearest one counts
    b = np.zeros((n, n), np.uint8)
    b[4, 8] = 1  # threat b: an integer raster
    _write(tmp_path / "lulc.tif", lulc)
    _write(tmp_path / "a.tif", a)
    _write(tmp_path / "b.tif", b)
    (tmp_path / "threats.csv").write_text(
        "threat,max_dist,weight,decay,cur_path\na,150,1,linear,a.tif\nb,120,0.25,exponential,b.tif\n"
    )
    (tmp_path / "sens.csv").write_text("lucode,habitat,a,b\n1,0.9,0.7,0.4\n")
    polygon = box(X0, Y1 - n * CELL, X0 + 2 * CELL, Y1)  # centres of columns 0 and 1
    gpd.GeoDataFrame({"ACCESS": [0.5]}, geometry=[polygon], crs=CRS).to_file(tmp_path / "access.gpkg")
    habitat_quality(
        tmp_path / "lulc.tif", tmp_path / "threats.csv", tmp_path / "sens.csv", tmp_path / "out", 0.3,
        access_path=tmp_path / "access.gpkg",
    )  # fmt: skip
    r, c = np.mgrid[0:n, 0:n]
    d_a = np.minimum(np.hypot(r, c), np.hypot(r - 8, c - 3))
    d_b = np.hypot(r - 4, c - 8)
    i_a = np.where(d_a > 5, 0, (5 - d_a) / 5)  # 150 m = 5 cells
    i_b = np.where(d_b > 4, 0, np.exp(-2.99 * d_b / 4))  # 120 m = 4 cells
    access = np.where(c < 2, 0.5, 1.0)
    deg = (0.8 * i_a * 0.7 + 0.2 * i_b * 0.4) * access
    np.testing.assert_allclose(_read(tmp_path / "out" / "deg_sum_c.tif"), deg, rtol=2e-6, atol=1e-7)
    quality = 0.9 * (1 - deg**2.5 / (deg**2.5 + 0.3**2.5))
    np.testing.assert_allclose(_read(tmp_path / "out" / "quality_c.tif"), quality, rtol=2e-5)


def test_distance_transform_is_exact():
    """pygeoprocessing's distance transform, as reproduced, is the exact Euclidean distance
    (scipy's) on random threat masks, recovered from a linear decay with d_max = 200 cells."""
    from scipy import ndimage

    rng = np.random.default_rng(3)
    for _ in range(60):
        rows, cols = rng.integers(1, 90, 2)
        threat = (rng.random((rows, cols)) < rng.choice([0.002, 0.02, 0.2])).astype(np.float32)
        if not threat.any():
            continue
        g = np.empty(threat.shape, np.float32)
        _column_pass(threat, 0.0, False, g, np.float32(rows + cols))
        deg = np.zeros(threat.shape, np.float32)
        klass = np.zeros(threat.shape, np.int32)
        one, no_access = np.ones(1, np.float32), np.ones((1, 1), np.float32)
        _row_pass(g, threat, 0.0, False, klass, one, 1.0, no_access, False, 200.0, False, deg)
        distance = 200.0 * (1 - deg.astype(np.float64))
        np.testing.assert_allclose(distance, ndimage.distance_transform_edt(threat == 0), atol=1e-4)


def test_nodata_nan_and_empty_threat_rasters(hand_case):
    """Threat nodata (−1 here) and NaN cells are not threat cells (InVEST counts NaN ones: a note
    says so); a threat raster without threat cells adds nothing (a note says what InVEST does)."""
    road = np.zeros((5, 5), np.float32)
    road[2, 2] = 1.0
    road[0, :] = -1.0  # nodata
    road[4, 0] = np.nan
    _write(hand_case / "road_c.tif", road, nodata=-1.0)
    _write(hand_case / "empty.tif", np.zeros((5, 5), np.float32))
    (hand_case / "threats2.csv").write_text(
        "threat,max_dist,weight,decay,cur_path\nroad,90,0.6,linear,road_c.tif\nfar,9000,0.6,exponential,empty.tif\n"
    )
    (hand_case / "sens2.csv").write_text("lucode,habitat,road,far\n1,1,1,1\n2,0.5,0.5,1\n")
    result = habitat_quality(
        hand_case / "lulc_c.tif", hand_case / "threats2.csv", hand_case / "sens2.csv", hand_case / "o", K
    )
    expected_deg, _ = _hand_expected()
    np.testing.assert_allclose(_read(hand_case / "o" / "deg_sum_c.tif"), expected_deg * 0.5, rtol=1e-6)
    assert len(result["notes"]) == 2
    assert "1 NaN cells are not threat cells" in result["notes"][0]
    assert "'far'" in result["notes"][1] and "no threat cell" in result["notes"][1]


def test_baseline_threats_give_baseline_quality(hand_case):
    """With a baseline raster for every threat, deg_sum_b and quality_b are written (InVEST 3.20.2
    stops with KeyError 'deg_sum_b' there)."""
    road = np.zeros((5, 5), np.float32)
    road[0, 0] = 1.0
    _write(hand_case / "road_b.tif", road, nodata=-1.0)
    (hand_case / "threats.csv").write_text(
        "threat,max_dist,weight,decay,cur_path,base_path\nroad,90,1,linear,road_c.tif,road_b.tif\n"
    )
    result = habitat_quality(
        hand_case / "lulc_c.tif", hand_case / "threats.csv", hand_case / "sensitivity.csv", hand_case / "o",
        K, lulc_baseline_path=hand_case / "lulc_b.tif", suffix="_x",
    )  # fmt: skip
    written = {"deg_sum_c_x", "quality_c_x", "deg_sum_b_x", "quality_b_x", "rarity_c_x"}
    assert written <= set(result["outputs"])
    deg_b = _read(hand_case / "o" / "deg_sum_b_x.tif")
    assert deg_b[0, 0] == 1.0 and deg_b[0, 3] == 0.0  # d = 3 cells: (3 − 3)/3
    assert deg_b[4, 0] == 0.0  # d = 4 cells > 3


# --------------------------------------------------------------------------- ecoledger invest


def _invest_cli(*args):
    from ecoledger.cli.main import app

    return CliRunner().invoke(app, ["invest", *map(str, args)])


def test_invest_command_writes_invests_files(hand_case, tmp_path):
    stack = json.loads((hand_case / "hq.invs.json").read_text())
    stack["args"]["results_suffix"] = "run1"
    path = hand_case / "suffixed.invs.json"
    path.write_text(json.dumps(stack))
    result = _invest_cli(path, "--workspace", tmp_path / "ws")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("habitat_quality: ")
    for name in ("deg_sum_c_run1.tif", "quality_c_run1.tif", "rarity_c_run1.tif", "rarity_c_run1.csv"):
        assert (tmp_path / "ws" / name).exists(), name
    assert "quality_c" in result.output and "Mean" in result.output
    _, quality = _hand_expected()
    np.testing.assert_allclose(_read(tmp_path / "ws" / "quality_c_run1.tif"), quality, rtol=1e-6)


def test_invest_args_by_model_name_and_inferred(hand_case, tmp_path):
    from ecoledger.pipeline.invest import read_datastack

    args = json.loads((hand_case / "hq.invs.json").read_text())["args"]
    plain = hand_case / "plain.json"
    plain.write_text(json.dumps(args))
    assert read_datastack(plain)[0] == "habitat_quality"
    legacy = hand_case / "legacy.json"
    legacy.write_text(json.dumps({"args": args, "model_name": "natcap.invest.habitat_quality"}))
    assert read_datastack(legacy)[0] == "habitat_quality"
    assert read_datastack(plain, model="hq")[0] == "habitat_quality"


HEADER = "threat,max_dist,weight,decay,cur_path\n"


@pytest.mark.parametrize(
    ("threats", "sensitivity", "extra", "message"),
    [
        (HEADER + "road,90,1,linear,bad.tif\n", None, {}, "values outside 0–1"),
        (HEADER + "road,90,1,gaussian,road_c.tif\n", None, {}, "linear or exp"),
        (HEADER + "road,0,1,linear,road_c.tif\n", None, {}, "max_dist must be > 0"),
        ("threat,max_dist,weight,decay\nroad,90,1,linear\n", None, {}, r"lacks column\(s\) \['cur_path'\]"),
        (None, "lucode,habitat\n1,1\n2,0.5\n", {}, "one column per threat"),
        (None, "lucode,habitat,road\n1,1,1.5\n2,0.5,0.5\n", {}, "outside 0–1"),
        (None, "lucode,habitat,road\n1,1,1\n", {}, r"codes \[2\] occur in the raster"),
        (None, None, {"lulc_fut_path": "lulc_b.tif"}, r"have no fut_path"),
        (None, None, {"half_saturation_constant": 0}, "must be > 0"),
        (HEADER + "road,90,1,linear,nope.tif\n", None, {}, "no such file"),
    ],
)
def test_refusals_name_the_file_and_the_fix(hand_case, tmp_path, threats, sensitivity, extra, message):
    from ecoledger.pipeline.invest import run_datastack

    _write(hand_case / "bad.tif", np.full((5, 5), 2.0, np.float32))
    if threats is not None:
        (hand_case / "threats.csv").write_text(threats)
    if sensitivity is not None:
        (hand_case / "sensitivity.csv").write_text(sensitivity)
    stack = json.loads((hand_case / "hq.invs.json").read_text())
    stack["args"] |= extra
    path = hand_case / "bad.invs.json"
    path.write_text(json.dumps(stack))
    with pytest.raises((PipelineError, ValueError), match=message):
        run_datastack(path, workspace=tmp_path / "out")
    result = _invest_cli(path, "--workspace", tmp_path / "out")
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output


def test_a_fresh_run_imports_neither_pandas_nor_the_vector_stack(hand_case, tmp_path):
    heavy = ("pandas", "geopandas", "pyogrio", "pyarrow", "pyproj")
    code = (
        "import sys\nfrom ecoledger.cli.main import app\n"
        f"try:\n    app(['invest', {str(hand_case / 'hq.invs.json')!r}, '--workspace', {str(tmp_path)!r}])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "quality_c.tif").exists()


# --------------------------------------------------------------------------- InVEST 3.20.2

REL = 1e-3  # issue 19: "Habitat quality matches InVEST within 0.1 % on identical inputs"
OUTPUTS = ("deg_sum_c", "quality_c", "rarity_c", "deg_sum_f", "quality_f", "rarity_f")


def _run_invest(datastack: Path, workspace: Path) -> None:
    cfg = {"datastack": str(datastack), "workspace": str(workspace)}
    subprocess.run(
        [str(INVEST_PYTHON), str(BENCH / "invest_runner.py"), json.dumps(cfg)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip


def _compare(ours: Path, theirs: Path, name: str) -> float:
    """Largest relative difference per cell; the nodata masks must be equal."""
    a, b = _read(ours / f"{name}.tif"), _read(theirs / f"{name}.tif")
    assert np.array_equal(np.isnan(a), np.isnan(b)), name
    valid = ~np.isnan(b)
    assert valid.sum() > 0.9 * b.size
    return float((np.abs(a[valid] - b[valid]) / np.maximum(np.abs(b[valid]), 1e-12)).max())


@pytest.mark.invest
def test_hand_case_through_invest(hand_case, tmp_path):
    """InVEST 3.20.2 gives the hand computation too."""
    _run_invest(hand_case / "hq.invs.json", tmp_path / "invest")
    deg, quality = _hand_expected()
    np.testing.assert_allclose(_read(tmp_path / "invest" / "deg_sum_c.tif"), deg, rtol=1e-6)
    np.testing.assert_allclose(_read(tmp_path / "invest" / "quality_c.tif"), quality, rtol=1e-6)


@pytest.mark.invest
def test_agrees_with_invest_per_cell_on_the_bench_stack(tmp_path_factory, tmp_path):
    """The bench stack at 300² (``bench/stacks.py``: eight classes, lake; current, future and
    baseline land covers with nodata squares; roads, urban and cropland threats, linear and
    exponential, nodata on the lake; two access polygons) through InVEST 3.20.2 and through
    ``ecoledger invest``: every output within 0.1 % per cell (measured: identical bit for bit, all
    six rasters; the bounds allow float32 rounding if numpy's exp or power changed), rarity tables
    byte-identical."""
    sys.path.insert(0, str(BENCH))
    import stacks

    case = stacks.build_habitat_quality(300, root=tmp_path_factory.mktemp("stack"))
    datastack = Path(case["datastack"])
    _run_invest(datastack, tmp_path / "invest")
    result = _invest_cli(datastack, "--workspace", tmp_path / "ours")
    assert result.exit_code == 0, result.output
    worst = {name: _compare(tmp_path / "ours", tmp_path / "invest", name) for name in OUTPUTS}
    assert max(worst.values()) <= REL, worst
    assert worst["rarity_c"] == worst["rarity_f"] == 0.0, worst
    assert max(worst["deg_sum_c"], worst["deg_sum_f"]) <= 1e-6, worst
    for letter in ("c", "f"):
        name = f"rarity_{letter}.csv"
        assert (tmp_path / "ours" / name).read_bytes() == (tmp_path / "invest" / name).read_bytes()
