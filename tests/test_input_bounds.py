"""Physical plausibility of inputs: unit slips in layers and statistics, partial coverage, size.

Every expectation is worked by hand from the synthetic pack of ``ecoledger.testing`` (a 24 × 32
grid of 1 km cells; counties 甲一 rows 0–11 × cols 0–15, 甲二 rows 12–23 × cols 0–15, 乙一
rows 0–11 × cols 16–31, 乙二 rows 12–23 × cols 16–31).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from ecoledger import limits
from ecoledger.accounts import run_account
from ecoledger.errors import PackError, PipelineError, SubmissionError
from ecoledger.pack.statistics import add_statistics
from ecoledger.pack.validate import code_level, raise_if_invalid, validate_pack
from ecoledger.testing import ACCOUNTING_CRS, ORIGIN, make_pack, synthetic_statistics

SHAPE = (24, 32)


def field_problems(root, field, severity=None, year=None):
    return [
        p
        for p in validate_pack(root, year)
        if p.field == field and (severity is None or p.severity == severity)
    ]


def the_problem(root, field, severity="error"):
    found = field_problems(root, field, severity)
    assert len(found) == 1, validate_pack(root)
    return found[0]


def ramp(lo, hi, dtype=np.float32):
    return np.linspace(lo, hi, SHAPE[1], dtype=dtype)[None, :].repeat(SHAPE[0], 0)


# --- layers: unit slips ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "layer, array, looks, fix",
    [
        # 1.4 … 1.8 m of rain: median 1.6 "mm/a" is below 10 mm/a, × 1000 = 1600 mm/a is plausible
        ("precipitation", ramp(1.4, 1.8), "values look like metres; expected mm/a", "multiply by 1000"),
        ("actual_et", ramp(0.6, 0.9), "values look like metres; expected mm/a", "multiply by 1000"),
        # ERA5-style flux: 5e-5 kg m⁻² s⁻¹ × 31 557 600 s = 1578 mm/a
        (
            "precipitation",
            ramp(4.5e-5, 5.5e-5),
            "values look like a flux in kg m⁻² s⁻¹",
            "multiply by 31 557 600",
        ),
    ],
)
def test_water_layers_in_the_wrong_unit_are_refused(tmp_path, layer, array, looks, fix):
    root = make_pack(tmp_path, layers={layer: array})
    problem = the_problem(root, f"years.2020.layers.{layer}")
    assert problem.file == f"layers/{layer}.tif"
    assert problem.message.startswith("implausible magnitude: the median")
    assert looks in problem.message and fix in problem.fix
    with pytest.raises(PackError, match="look like"):
        run_account(root, 2020)  # refused before anything is computed: never labelled measured


@pytest.mark.parametrize(
    "layer, array, looks, fix",
    [
        # 0 … 100: outside the hard bounds 0 … 1; ÷ 100 → median 0.5, every value within 0 … 1
        ("wind_erodible_fraction", ramp(0, 100), "values look like percent", "divide by 100"),
        # MODIS integer NDVI 2000 … 8000 → 0.2 … 0.8
        ("ndvi", ramp(2000, 8000), "values look like scaled by 10000", "multiply by 0.0001"),
        # 285 … 295 K: subtract 273.15 → 11.85 … 21.85 °C; ÷ 10 → 28.5 … 29.5 °C also plausible
        (
            "temperature",
            ramp(285, 295),
            "values look like kelvin or tenths of a degree Celsius",
            "subtract 273.15 if kelvin",
        ),
    ],
)
def test_layers_outside_hard_bounds_name_the_unit_mistake(tmp_path, layer, array, looks, fix):
    root = make_pack(tmp_path, layers={layer: array})
    problem = the_problem(root, f"years.2020.layers.{layer}")
    assert "outside" in problem.message and looks in problem.message, problem
    assert fix in problem.fix


def test_bulk_density_in_kg_per_m3_is_refused_with_the_fix(tmp_path):
    root = make_pack(tmp_path, layers={"soil_bulk_density": 1300.0})
    problem = the_problem(root, "years.2020.layers.soil_bulk_density.constant")
    assert problem.file == "pack.toml"
    assert "1300 is outside 0.1 … 2.65 t/m3: values look like kg/m³" in problem.message
    assert "divide by 1000" in problem.fix


def test_soil_nitrogen_in_g_per_kg_warns_and_the_accounts_say_so(tmp_path):
    # 1.2 "%" N is implausible for a region's median (≤ 0.6 %), 1.2 g/kg = 0.12 % is typical;
    # a peat region could have it, so this is a warning, carried into the items' notes
    root = make_pack(tmp_path, layers={"soil_nitrogen": 1.2})
    problem = the_problem(root, "years.2020.layers.soil_nitrogen.constant", "warning")
    assert "values look like g/kg; expected %" in problem.message
    assert "divide by 10" in problem.fix
    accounts = run_account(root, 2020, keep_maps=False).accounts
    rows = accounts[accounts["item"] == "soil_retention_nitrogen"]
    assert rows["note"].str.contains("input layer soil_nitrogen: implausible magnitude").all()
    assert rows["note"].str.contains("g/kg").all()
    other = accounts[accounts["item"] == "soil_retention_sediment"]
    assert not other["note"].str.contains("soil_nitrogen").any()


def test_plausible_layers_pass(tmp_path):
    root = make_pack(tmp_path, layers={"ndvi": ramp(0.1, 0.8), "temperature": ramp(12, 20)})
    assert [p for p in validate_pack(root) if "implausible" in p.message] == []
    assert [p for p in validate_pack(root) if p.severity == "error"] == []


# --- partial coverage -------------------------------------------------------------------------


def water(accounts):
    rows = accounts[(accounts["item"] == "water_conservation") & (accounts["ecosystem"] == "all")]
    return rows.set_index("adcode")


@pytest.fixture(scope="module")
def coverage_runs(tmp_path_factory):
    """All forest, constant precipitation; the second pack's precipitation has no data in the
    bottom 3 rows of the left half (甲二: 3 of 12 rows) and the bottom 4 rows of the right half
    (乙二: 4 of 12 rows). With uniform cells each unit's value is its covered share of the
    whole value."""
    folder = tmp_path_factory.mktemp("coverage")
    forest = np.ones(SHAPE, dtype=np.uint8)
    full = np.full(SHAPE, 1600.0, dtype=np.float32)
    part = full.copy()
    part[21:, :16] = -9999.0
    part[20:, 16:] = -9999.0
    whole = make_pack(
        folder / "whole", layers={"landcover": forest, "precipitation": full}, water_bodies=False
    )
    holed = make_pack(
        folder / "holed", layers={"landcover": forest, "precipitation": part}, water_bodies=False
    )
    return (
        water(run_account(whole, 2020, keep_maps=False).accounts),
        water(run_account(holed, 2020, keep_maps=False).accounts),
        water(run_account(holed, 2020, keep_maps=False, max_missing_share=0.3).accounts),
    )


def test_partly_covering_layer_gives_each_unit_its_own_share(coverage_runs):
    whole, holed, _ = coverage_runs
    # no-data share: 甲二 3/12 = 25 %, 乙二 4/12 = 33.33 %; 甲市 (0 + 25)/2 = 12.5 %,
    # 乙市 (0 + 33.33)/2 = 16.67 %, the province (25 + 33.33)/4 = 14.58 %
    expected = {
        "990101": 0.0,
        "990102": 0.25,
        "990201": 0.0,
        "990202": 1 / 3,
        "990100": 0.125,
        "990200": 1 / 6,
        "990000": 7 / 48,
    }
    for code, share in expected.items():
        ratio = holed.at[code, "physical_value"] / whole.at[code, "physical_value"]
        assert ratio == pytest.approx(1 - share, rel=1e-9), code
        if share == 0:
            assert holed.at[code, "data_status"] == "measured"
            assert holed.at[code, "note"] == ""
        else:
            assert holed.at[code, "data_status"] == "partial"
            assert f"sum over the {1 - share:.2%} of this unit's credited area" in holed.at[code, "note"]
            assert f"{share:.2%} has no data in an input layer" in holed.at[code, "note"]
    assert "75.00%" in holed.at["990102", "note"] and "66.67%" in holed.at["990202", "note"]


def test_a_unit_missing_more_than_the_threshold_is_missing(coverage_runs):
    whole, _, strict = coverage_runs
    # 乙二 lacks 33.3 % > 30 %: no value; 乙市 is 乙一 alone (half of its whole value) and names
    # 乙二; the province sums 甲一, 甲二 (75 %) and 乙一: (1 + 0.75 + 1) / 4 = 68.75 %
    assert strict.at["990202", "data_status"] == "missing"
    assert np.isnan(strict.at["990202", "physical_value"])
    assert "covers only 66.7% of this unit's credited area" in strict.at["990202", "note"]
    assert strict.at["990102", "data_status"] == "partial"  # 25 % ≤ 30 %
    for code, kept in {"990200": 0.5, "990000": 0.6875}.items():
        assert strict.at[code, "data_status"] == "partial"
        assert "乙二县" in strict.at[code, "note"]
        assert strict.at[code, "physical_value"] == pytest.approx(
            kept * whole.at[code, "physical_value"], rel=1e-9
        )


# --- size guards --------------------------------------------------------------------------------


def declared_only(path, width, height, cell=0.12):
    """A GeoTIFF whose header declares width × height float32 cells, none written (sparse)."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs=ACCOUNTING_CRS,
        nodata=-9999.0,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        sparse_ok=True,
        bigtiff="yes",
        transform=Affine(cell, 0, ORIGIN[0], 0, -cell, ORIGIN[1]),
    ):
        pass


def test_a_huge_header_is_refused_by_validate_before_reading(tmp_path):
    root = make_pack(tmp_path / "pack")
    declared_only(root / "layers/precipitation.tif", 200_000, 200_000)
    assert (root / "layers/precipitation.tif").stat().st_size < 10_000_000
    started = time.perf_counter()
    problem = the_problem(root, "years.2020.layers.precipitation")
    assert time.perf_counter() - started < 10
    # 200 000² = 4e10 cells > 2³¹ − 1; as float32 4e10 × 4 B = 1.6e11 B = 149.0 GiB
    assert "declares 200000 × 200000 = 4e+10 cells" in problem.message
    assert "149.0 GiB" in problem.message
    assert "gdal_translate -r average -outsize 40000 40000" in problem.fix  # ÷5: 1.6e9 cells
    with pytest.raises(PackError, match="4e\\+10 cells"):
        raise_if_invalid(root)
    out = tmp_path / "out"
    with pytest.raises(PackError):
        run_account(root, 2020)
    assert not out.exists()


def test_whole_array_reads_are_held_to_the_memory_limit(tmp_path, monkeypatch):
    declared_only(tmp_path / "big.tif", 200_000, 200_000)
    with pytest.raises(PipelineError, match="4e\\+10 cells"):
        limits.require_whole_reads({"dem": tmp_path / "big.tif"})
    declared_only(tmp_path / "small.tif", 1024, 1024)
    limits.require_whole_reads({"dem": tmp_path / "small.tif"})  # 4 MiB: fine
    monkeypatch.setenv("ECOLEDGER_MEMORY_LIMIT", "1M")
    assert limits.memory_limit() == 2**20
    with pytest.raises(PipelineError, match=r"4\.0 MiB, above the memory limit of 1\.0 MiB"):
        limits.require_whole_reads({"dem": tmp_path / "small.tif"})


def test_an_accounting_grid_too_fine_is_refused(tmp_path):
    root = make_pack(tmp_path)
    manifest = root / "pack.toml"
    manifest.write_text(manifest.read_text().replace("resolution = 1000.0", "resolution = 0.1"))
    problem = the_problem(root, "region.resolution")
    # 32 km × 24 km at 0.1 m: (240 000 + 1) × (320 000 + 1) ≈ 7.68e10 cells
    assert "7.68e+10 cells at 0.1 m" in problem.message
    assert "resolution = " in problem.fix


# --- statistics: 万 / 亿 slips by level ------------------------------------------------------


def statistics_with(code, value, unit="亿元", indicator="gdp"):
    table = synthetic_statistics(2020)
    table = table[~((table["code"] == code) & (table["indicator"] == indicator))]
    row = {
        "code": code,
        "year": 2020,
        "indicator": indicator,
        "value": value,
        "unit": unit,
        "source": "synthetic",
    }
    return pd.concat([table, pd.DataFrame([row])], ignore_index=True)


@pytest.mark.parametrize(
    "value, words",
    [
        # 5e7 亿元 = 5e15 yuan > China's bound 2e14; as 5e7 万元 = 5e11 yuan, a large county
        (5e7, "5e+07 亿元 of gdp is outside 0 … 2e+14 yuan"),
        # 5e4 亿元 = 5e12 yuan: possible for a province, not for a county (≤ 3e12 yuan);
        # as 5e4 万元 = 5e8 yuan it is an ordinary county
        (5e4, "50000 亿元 of gdp is outside 1e+06 … 3e+12 yuan for a county"),
    ],
)
def test_a_county_gdp_in_the_wrong_unit_is_refused_by_the_pack(tmp_path, value, words):
    root = make_pack(tmp_path, statistics=statistics_with("990101", value))
    (problem,) = [p for p in validate_pack(root) if p.severity == "error"]
    assert problem.file == "statistics.csv" and problem.field.endswith("· value")
    assert words in problem.message
    assert "check the unit: 万元 vs 亿元" in problem.fix
    assert "万元 还是 亿元" in problem.fix_zh


def test_the_same_figure_is_accepted_for_a_province(tmp_path):
    root = make_pack(tmp_path, statistics=statistics_with("990000", 5e4))  # 5e12 yuan
    assert [p for p in validate_pack(root) if p.severity == "error"] == []


def test_add_statistics_refuses_the_slip_and_writes_nothing(tmp_path):
    root = make_pack(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    rows = pd.DataFrame(
        [
            {
                "code": "990102",
                "year": "2020",
                "indicator": "tourism_revenue",
                "value": "8e3",
                "unit": "亿元",
                "source": "synthetic",
            }
        ]
    )
    # 8e3 亿元 = 8e11 yuan > 5e11 for a county; 8e3 万元 = 8e7 yuan is plausible
    with pytest.raises(PackError) as refused:
        add_statistics(root, rows, replace=True)
    (problem,) = [p for p in refused.value.problems if p.severity == "error"]
    assert "outside 0 … 5e+11 yuan for a county" in problem.message
    assert "万元 vs 亿元" in problem.fix
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_the_platform_upload_applies_the_same_check(tmp_path, store_url):
    from sqlalchemy import func, select

    from ecoledger.platform import reporting, submissions
    from ecoledger.platform.db import Database
    from ecoledger.platform.models import Submission, Unit
    from ecoledger.platform.testing import PASSWORD
    from ecoledger.platform.users import create_user

    content = "code,year,indicator,value,unit,source\r\n360124,2019,gdp,5e4,亿元,x\r\n".encode()
    table = submissions.parse_upload("stats.csv", content)
    # levels from the GB/T 2260 form of the code (360124: a county) …
    (problem,) = submissions.validate_rows(table, known_codes={"360124"}, allowed_codes=None)
    assert "outside 1e+06 … 3e+12 yuan for a county" in problem.message
    assert "万元 vs 亿元" in problem.fix and "县级单位" in problem.message_zh
    # … or given by the platform
    assert (
        submissions.validate_rows(
            table, known_codes={"360124"}, allowed_codes=None, levels={"360124": "province"}
        )
        == []
    )

    db = Database(store_url)
    db.migrate()
    try:
        with db.transaction() as s:
            s.add(Unit(code="360000", name_zh="江西省", level="province"))
            s.add(Unit(code="360100", name_zh="南昌市", level="city", parent_code="360000"))
            s.add(Unit(code="360124", name_zh="进贤县", level="county", parent_code="360100"))
        user = create_user(db, "county-x", PASSWORD, "submitter", ["360124"])
        with pytest.raises(SubmissionError) as refused:
            reporting.submit(db, user, "stats.csv", content)
        (problem,) = refused.value.problems
        assert "for a county" in problem.message and "万元 vs 亿元" in problem.fix
        with db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Submission)) == 0
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "code, level",
    [
        ("360000", "province"),
        ("360100", "city"),
        ("360124", "county"),
        ("360124001", "township"),
        ("abc", None),
        ("36012", None),
    ],
)
def test_code_level(code, level):
    assert code_level(code) == level


def test_crosswalk_factors_in_percent_name_the_slip(tmp_path):
    root = make_pack(tmp_path)
    crosswalk = pd.read_csv(root / "crosswalk.csv")
    crosswalk["cover_management"] *= 100  # 1, 5, 10, 0, 20, 0, 0, 2: "percent"
    crosswalk.to_csv(root / "crosswalk.csv", index=False)
    (problem,) = [p for p in validate_pack(root) if p.severity == "error"]
    assert problem.file == "crosswalk.csv" and problem.field.endswith("· cover_management")
    assert "values look like percent" in problem.message
    assert "divide by 100" in problem.fix
