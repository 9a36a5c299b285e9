"""SEEA EA extent and condition accounts (issue 19, item 4): a synthetic two-year grid with changes
computed by hand, the change matrix's margins, units summing to the province, and the Jiangxi
2018→2019 account against both runs' T1 extent tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from ecoledger import messages
from ecoledger.cli.main import app
from ecoledger.seea.condition import condition_account, references
from ecoledger.seea.extent import ENTRIES, UNKNOWN_ENTRIES, extent_account
from ecoledger.seea.scan import NONE, classifier, classify, edge_lengths, scan
from ecoledger.seea.tables import write_condition, write_extent
from ecoledger.testing import ACCOUNTING_CRS, ORIGIN, make_pack

OPENING, CLOSING = 2020, 2021
# land-cover classes of ecoledger.testing.CROSSWALK: 1 and 8 forest, 2 shrub, 3 grassland,
# 4 lake and 7 marsh (wetland), 5 paddy (farmland), 6 built-up (urban). 1 km cells; counties:
# 990101 rows 0–1 × cols 0–1, 990201 rows 0–1 × cols 2–3, 990102 rows 2–3 × cols 0–1,
# 990202 rows 2–3 × cols 2–3; cities 990100 = 990101 + 990102, 990200 = 990201 + 990202.
LC_OPENING = np.array([[1, 1, 5, 5],
                       [1, 8, 5, 5],
                       [4, 4, 6, 2],
                       [4, 4, 3, 3]], dtype=np.uint8)
LC_CLOSING = np.array([[1, 1, 5, 6],    # (0,3) farmland → urban             (990201)
                       [1, 5, 5, 5],    # (1,1) forest (class 8) → farmland   (990101)
                       [4, 7, 6, 6],    # (2,1) lake → marsh: wetland stays wetland (990102)
                       [1, 4, 3, 3]],   # (2,3) shrub → urban (990202); (3,0) lake → forest (990102)
                      dtype=np.uint8)
NDVI = (0.1 * (np.arange(4)[None, :] + 1) + 0.01 * np.arange(4)[:, None]).astype(np.float32)


def _raster(path, array, nodata):
    transform = Affine(1000.0, 0, ORIGIN[0], 0, -1000.0, ORIGIN[1])
    with rasterio.open(path, "w", driver="GTiff", height=4, width=4, count=1, dtype=array.dtype,
                       crs=ACCOUNTING_CRS, transform=transform, nodata=nodata) as dst:
        dst.write(array, 1)


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """A 4 × 4 km synthetic pack whose land cover changes between 2020 and 2021 (above)."""
    folder = make_pack(tmp_path_factory.mktemp("seea") / "pack", shape=(4, 4), year=OPENING,
                       extra_years=(CLOSING,), layers={"landcover": LC_OPENING}, water_bodies=False)
    _raster(folder / "layers/landcover_2021.tif", LC_CLOSING, 255)
    _raster(folder / "ndvi.tif", NDVI, -9999.0)
    manifest = folder / "pack.toml"
    head, closing = manifest.read_text(encoding="utf-8").split(f"[years.{CLOSING}.layers]")
    closing = closing.replace('file = "layers/landcover.tif"', 'file = "layers/landcover_2021.tif"')
    assert "landcover_2021" in closing
    manifest.write_text(f"{head}[years.{CLOSING}.layers]{closing}", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def synthetic_account(two_years):
    return extent_account(two_years, OPENING, CLOSING, ndvi_files=[two_years / "ndvi.tif"])


def entry(account, code, row, eco):
    return account.entries(code).at[row, eco]


def test_hand_computed_extent_account(synthetic_account):
    a = synthetic_account
    # province, opening: forest (classes 1, 8) 4 cells, farmland 4, wetland (4) 4, urban 1,
    # shrub 1, grassland 2 = 16 km²; closing: forest 3 + 1 (lake → forest) = 4, farmland
    # 4 − 1 (→ urban) + 1 (from forest) = 4, urban 1 + 2 = 3, wetland 4 − 1 = 3 (lake → marsh
    # stays wetland), shrub 1 − 1 = 0, grassland 2
    opening = {"forest": 4, "shrub": 1, "grassland": 2, "wetland": 4, "farmland": 4, "urban": 1}
    closing = {"forest": 4, "shrub": 0, "grassland": 2, "wetland": 3, "farmland": 4, "urban": 3}
    additions = {"forest": 1, "shrub": 0, "grassland": 0, "wetland": 0, "farmland": 1, "urban": 2}
    reductions = {"forest": 1, "shrub": 1, "grassland": 0, "wetland": 1, "farmland": 1, "urban": 0}
    province = a.entries("990000")
    for eco in opening:
        assert province.at["opening_extent", eco] == pytest.approx(opening[eco])
        assert province.at["closing_extent", eco] == pytest.approx(closing[eco])
        assert province.at["additions", eco] == pytest.approx(additions[eco])
        assert province.at["reductions", eco] == pytest.approx(reductions[eco])
        assert province.at["net_change", eco] == pytest.approx(closing[eco] - opening[eco])
    assert province.at["opening_extent", "total"] == pytest.approx(16)
    assert province.at["net_change", "total"] == pytest.approx(0)
    # a land-cover map cannot tell managed from unmanaged change: missing, never 0
    assert province.loc[list(UNKNOWN_ENTRIES)].isna().all().all()
    # counties: 990101 forest 4 → 3, farmland 0 → 1; 990102 wetland 4 → 3, forest 0 → 1;
    # 990201 farmland 4 → 3, urban 0 → 1; 990202 shrub 1 → 0, urban 1 → 2
    assert entry(a, "990101", "net_change", "forest") == pytest.approx(-1)
    assert entry(a, "990101", "additions", "farmland") == pytest.approx(1)
    assert entry(a, "990102", "reductions", "wetland") == pytest.approx(1)
    assert entry(a, "990102", "additions", "forest") == pytest.approx(1)
    assert entry(a, "990201", "closing_extent", "urban") == pytest.approx(1)
    assert entry(a, "990202", "closing_extent", "shrub") == pytest.approx(0)
    # city 990100 = 990101 + 990102: forest loses 1 in one county and gains 1 in the other
    assert entry(a, "990100", "net_change", "forest") == pytest.approx(0)
    assert entry(a, "990100", "additions", "forest") == pytest.approx(1)
    assert entry(a, "990100", "reductions", "forest") == pytest.approx(1)
    # the change matrix: 4 km² changed type (the lake → marsh cell did not)
    m = a.matrix("990000")
    assert m.at["forest", "farmland"] == m.at["wetland", "forest"] == 1
    assert m.at["farmland", "urban"] == m.at["shrub", "urban"] == 1
    assert m.at["wetland", "wetland"] == 3 and m.at["forest", "forest"] == 3
    assert a.summary()["990000"]["changed_type_km2"] == pytest.approx(4)
    assert NONE not in m.index  # every cell has a type in both years


@pytest.mark.parametrize("code", ["990000", "990100", "990200", "990101", "990102", "990201",
                                  "990202"])
def test_matrix_rows_and_columns_sum_to_opening_and_closing(synthetic_account, code):
    m = synthetic_account.matrix(code)
    entries = synthetic_account.entries(code)
    np.testing.assert_allclose(m.sum(axis=1), entries.loc["opening_extent", m.index])
    np.testing.assert_allclose(m.sum(axis=0), entries.loc["closing_extent", m.columns])
    np.testing.assert_allclose(synthetic_account.extent(OPENING).loc[code], m.sum(axis=1)[
        synthetic_account.extent(OPENING).columns])
    # opening + additions − reductions = closing, type by type
    np.testing.assert_allclose(entries.loc["opening_extent"] + entries.loc["additions"]
                               - entries.loc["reductions"], entries.loc["closing_extent"])


def test_units_sum_to_the_province(synthetic_account):
    table = synthetic_account.account()
    values = table.drop(columns=["name"]).set_index(["adcode", "level", "entry"])
    for level in ("city", "county"):
        summed = values.xs(level, level="level").groupby(level="entry").sum(min_count=1)
        province = values.xs("990000", level="adcode").droplevel("level")
        pd.testing.assert_frame_equal(summed.loc[list(ENTRIES)], province.loc[list(ENTRIES)],
                                      check_names=False)


def test_blocks_and_halo_give_the_same_sums(two_years, synthetic_account):
    by_row = extent_account(two_years, OPENING, CLOSING, block_rows=1,
                            ndvi_files=[two_years / "ndvi.tif"])
    for code, matrix in synthetic_account.scan.pairs.items():
        np.testing.assert_allclose(by_row.scan.pairs[code], matrix)
    for year in (OPENING, CLOSING):
        pd.testing.assert_frame_equal(by_row.scan.edges_m[year], synthetic_account.scan.edges_m[year])
        pd.testing.assert_frame_equal(by_row.scan.ndvi_sum[year], synthetic_account.scan.ndvi_sum[year])


def test_edges_by_hand():
    codes = np.array([[1, 1, 0], [1, 5, 5], [4, 4, 5]])
    # (0,0): no other type beside it; (0,1): (1,1) farmland; the 0 cell counts no edge;
    # (1,0): (1,1) and (2,0); (1,1): (0,1), (1,0), (2,1); (1,2): (2,2)? same type, none;
    # (2,0): (1,0); (2,1): (1,1), (2,2); (2,2): (2,1)
    expected = np.array([[0, 1, 0], [2, 3, 0], [1, 2, 1]]) * 1000.0
    np.testing.assert_array_equal(edge_lengths(codes, 1000.0), expected)


def test_condition_variables_by_hand(two_years, synthetic_account, tmp_path):
    records = _records(tmp_path)
    table = references().iloc[:0]
    reference = pd.concat([table, pd.DataFrame([{
        "indicator": "records_sections_I_III_share", "ecosystem": "wetland", "applies_to": "*",
        "reference_value": 100, "zero_value": 0, "unit": "%", "direction": "higher",
        "reference_type": "test", "source": "test table", "quote": "test", "zero_basis": "test"}])])
    account = condition_account(synthetic_account.scan, records=records,
                                reference_data=reference.to_csv(index=False).encode())
    v = account.variables.set_index(["adcode", "ecosystem", "variable"])
    # 990101 forest, 2020: cells (0,0) 0.10, (0,1) 0.20, (1,0) 0.11, (1,1) 0.21 → 0.155;
    # 2021: (1,1) is farmland → (0.10 + 0.20 + 0.11) / 3
    assert v.at[("990101", "forest", "ndvi_mean"), "opening"] == pytest.approx(0.155)
    assert v.at[("990101", "forest", "ndvi_mean"), "closing"] == pytest.approx(0.41 / 3)
    # forest edges: 2020, the 2 × 2 forest block of 990101 has 4 sides on farmland or wetland:
    # 4000 m / 400 ha = 10 m/ha; 2021, 990102's lone forest cell (3,0) has wetland on 2 sides
    # (its 3rd neighbour is the grid's edge): 2000 m / 100 ha
    assert v.at[("990101", "forest", "edge_density"), "opening"] == pytest.approx(10)
    assert v.at[("990102", "forest", "edge_density"), "closing"] == pytest.approx(20)
    assert v.at[("990000", "forest", "edge_density"), "closing"] == pytest.approx(6000 / 400)
    assert v.at[("990101", "forest", "forest_share"), "closing"] == pytest.approx(75)
    # water: station A (990101, TP 0.05 mg/L in a river: class II) and B (990201, TP 0.5:
    # worse than V) → the province 50 % in classes I–III, city 990100 100 %
    assert v.at[("990000", "wetland", "records_sections_I_III_share"), "opening"] == 50
    assert v.at[("990000", "wetland", "records_sections_worse_than_V_share"), "closing"] == 50
    assert v.at[("990100", "wetland", "records_sections_I_III_share"), "closing"] == 100
    i = account.indicators.set_index(["adcode", "ecosystem", "variable"])
    assert i.at[("990000", "wetland", "records_sections_I_III_share"), "opening_index"] == 0.5
    assert i.at[("990100", "wetland", "records_sections_I_III_share"), "closing_index"] == 1.0
    # no cited reference: no index, and the reason
    assert np.isnan(i.at[("990101", "forest", "ndvi_mean"), "opening_index"])
    assert i.at[("990101", "forest", "ndvi_mean"), "no_index"] == "no_reference"
    index = account.index.set_index(["adcode", "ecosystem"])
    assert index.at[("990000", "wetland"), "opening_index"] == 0.5
    assert "ndvi_mean" in index.at[("990000", "wetland"), "without_reference"]


def _records(tmp_path) -> pd.DataFrame:
    from ecoledger.monitoring import records

    lines = ["station,water_type,city,basin,date,parameter,value,unit"]
    for year in (OPENING, CLOSING):
        lines += [f"合成断面A,river,990101,合成河,{year}-06-15,tp,0.05,mg/L",
                  f"合成断面B,river,990201,合成河,{year}-06-15,tp,0.5,mg/L"]
    path = tmp_path / "records.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return records.load(path.name, path.read_bytes())


def test_references_are_cited():
    table = references()
    assert len(table) and table[["source", "quote"]].notna().all().all()
    assert table["source"].str.contains("http").all()
    assert set(table["direction"]) <= {"higher", "lower"}


def test_tables_in_both_languages_and_cli(two_years, tmp_path):
    runner = CliRunner()
    out = tmp_path / "extent"
    result = runner.invoke(app, ["--lang", "zh", "seea", "extent", str(two_years), "--from", "2020",
                                 "--to", "2021", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4.00 km²" in result.output
    zh = pd.read_csv(out / "extent_account.zh.csv", dtype={"行政区划代码": str})
    en = pd.read_csv(out / "extent_account.en.csv", dtype={"adcode": str})
    assert list(zh.columns[:4]) == ["行政区划代码", "单位名称", "级别", "账户项目"]
    assert "森林（km²）" in zh.columns and "forest (km²)" in en.columns
    assert zh["账户项目"].iloc[0] == "期初面积（2020年）"
    assert en["account entry"].iloc[-1] == "closing extent (2021)"
    assert json.loads((out / "seea.json").read_text())["summary"]["990000"]["changed_type_km2"] == 4
    out = tmp_path / "condition"
    result = runner.invoke(app, ["seea", "condition", str(two_years), "--from", "2020", "--to",
                                 "2021", "--out", str(out), "--ndvi", str(two_years / "ndvi.tif")])
    assert result.exit_code == 0, result.output
    for name in ("condition_variables", "condition_indicators", "condition_index",
                 "condition_definitions"):
        assert (out / f"{name}.zh.csv").is_file() and (out / f"{name}.en.csv").is_file()
    indicators = pd.read_csv(out / "condition_indicators.zh.csv")
    assert "缺少指标的原因" in indicators.columns
    result = runner.invoke(app, ["seea", "extent", str(two_years), "--from", "2021", "--to", "2020",
                                 "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "before the closing year" in result.output
    assert not (tmp_path / "x").exists()


def test_phrases_complete():
    import ecoledger.cli.seea
    import ecoledger.seea.tables  # noqa: F401

    keys = [k for k in messages.CATALOGUE if k.startswith(("seea.", "cli.seea.", "cli.help.seea"))]
    assert len(keys) > 60 and messages.problems() == []


# --- Jiangxi 2018 → 2019 -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jiangxi_extent(jiangxi_main):
    _, _, pack = jiangxi_main
    return extent_account(pack, 2018, 2019)


def test_jiangxi_extent_matches_both_runs_t1(jiangxi_main, jiangxi_extent):
    out_2019, out_2018, _ = jiangxi_main
    for year, out in ((2018, out_2018), (2019, out_2019)):
        t1 = pd.read_csv(out / "tables/T1_extent.csv", dtype={"adcode": str}).set_index("adcode")
        ours = jiangxi_extent.extent(year)
        assert set(ours.index) == set(t1.index)
        for eco in ours.columns:
            np.testing.assert_allclose(ours[eco], t1.loc[ours.index, f"{eco}_km2"], rtol=1e-9,
                                       atol=1e-6)
        np.testing.assert_allclose(ours.sum(axis=1), t1.loc[ours.index, "total_km2"], rtol=1e-9)
    table = jiangxi_extent.account()
    values = table.drop(columns=["name"]).set_index(["adcode", "level", "entry"])
    province = values.xs("360000", level="adcode").droplevel("level")
    for level in ("city", "county"):
        summed = values.xs(level, level="level").groupby(level="entry").sum(min_count=1)
        np.testing.assert_allclose(summed.loc[list(ENTRIES)].to_numpy(dtype=float),
                                   province.loc[list(ENTRIES)].to_numpy(dtype=float), rtol=1e-9)
    for code in ("360000", "360400", "360124"):
        m = jiangxi_extent.matrix(code)
        np.testing.assert_allclose(m.sum(axis=1), jiangxi_extent.entries(code).loc[
            "opening_extent", m.index])


def test_jiangxi_cells_classified_as_the_run_classified_them(jiangxi_main, jiangxi_extent):
    """The 2019 run's maps/ecosystem.tif holds the codes the extent account classifies."""
    from ecoledger.grid import LayerReader
    from ecoledger.pack.manifest import load_pack

    out_2019, _, pack_root = jiangxi_main
    pack = load_pack(pack_root)
    spec = pack.layers_for(2019)["landcover"]
    grid = jiangxi_extent.scan.grid
    reader = LayerReader("landcover", spec, pack.path(spec.file), grid)
    codes = classify(reader.read(next(grid.blocks(None))),
                     classifier(pd.read_csv(pack.path(pack.manifest.landcover.crosswalk))))
    reader.close()
    with rasterio.open(out_2019 / "maps/ecosystem.tif") as src:
        np.testing.assert_array_equal(src.read(1), codes)


def test_jiangxi_tables_written(jiangxi_main, jiangxi_extent, tmp_path):
    out = write_extent(jiangxi_extent, tmp_path / "extent")
    seea = json.loads((out / "seea.json").read_text())
    # the pack has one land-cover map (MODIS 2019) for both years: no change can show
    assert seea["same_landcover_file"] and seea["summary"]["360000"]["changed_type_km2"] == 0
    assert any("one land-cover file" in n for n in seea["notes"]["en"])
    scanned = scan(jiangxi_main[2], 2018, 2019)
    account = condition_account(scanned)
    write_condition(account, tmp_path / "condition")
    i = account.indicators.set_index(["adcode", "ecosystem", "variable"])
    # Jiujiang's 2025 forest-cover target (57 %) is the one reference level that applies here
    assert i.at[("360400", "forest", "forest_share"), "reference_value"] == 57
    assert i.at[("360000", "forest", "forest_share"), "no_index"] == "no_reference_here"
    assert (tmp_path / "condition" / "seea_condition_reference.csv").is_file()


def test_reposts_of_one_figure():
    from ecoledger.seea.condition import reported_shares

    rows = [("360000", 2019, "national_assessed_sections_good_share", 93.3, "a"),
            ("360000", 2019, "national_assessed_sections_good_share", 93.33, "b"),
            ("360000", 2018, "surface_water_class_I_III_share", 90.0, "c"),
            ("360000", 2018, "surface_water_class_I_III_share", 91.0, "d"),
            ("360000", 2019, "gdp", 1.0, "e")]
    table = pd.DataFrame(rows, columns=["adcode", "year", "indicator", "value", "source_url"])
    shares = reported_shares(table, (2018, 2019)).set_index(["year", "variable"])
    # 93.3 is 93.33 at one decimal: the same figure, the most precise kept
    assert shares.at[(2019, "national_sections_I_III_share"), "value"] == 93.33
    assert shares.at[(2019, "national_sections_I_III_share"), "source"] == "a; b"
    # 90 and 91 disagree: no value is chosen between them
    assert shares.at[(2018, "reported_sections_I_III_share"), "status"] == "disagree"
    assert np.isnan(shares.at[(2018, "reported_sections_I_III_share"), "value"])
    assert len(shares) == 2


def test_scaled_ndvi_is_refused(two_years, tmp_path):
    from ecoledger.errors import InputError

    _raster(tmp_path / "ndvi_x10000.tif", NDVI * 10000, -9999.0)
    with pytest.raises(InputError, match="outside −1 … 1"):
        scan(two_years, OPENING, CLOSING, [tmp_path / "ndvi_x10000.tif"])
