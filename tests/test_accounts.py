"""The accounting chain on the synthetic pack: identities, statuses, chunking, refusal."""

import json

import numpy as np
import pandas as pd
import pytest

from ecoledger.accounts import run_account
from ecoledger.errors import PackError
from ecoledger.outputs import unit_totals, write_outputs
from ecoledger.testing import make_pack

REL = 1e-9


def read(path):
    import rasterio

    with rasterio.open(path) as src:
        return src.read(1)


def computed(accounts):
    return accounts[accounts["data_status"].isin(["measured", "derived"])]


def test_value_is_physical_times_price(synthetic_result):
    rows = computed(synthetic_result.accounts)
    product = rows["physical_value"] * rows["unit_price"]
    np.testing.assert_allclose(rows["value_yuan"], product, rtol=1e-9, atol=1e-6)


def test_ecosystem_rows_sum_to_the_all_row(synthetic_result):
    rows = computed(synthetic_result.accounts)
    parts = rows[rows["ecosystem"] != "all"].groupby(["adcode", "item"])["value_yuan"].sum()
    whole = rows[rows["ecosystem"] == "all"].set_index(["adcode", "item"])["value_yuan"]
    np.testing.assert_allclose(parts.reindex(whole.index), whole, rtol=REL, atol=1e-6)


def test_children_sum_to_parents(synthetic_result):
    rows = computed(synthetic_result.accounts)
    rows = rows[rows["ecosystem"] == "all"].set_index(["adcode", "item"])["value_yuan"]
    units = synthetic_result.units.set_index("code")
    for parent in units.index[units["level"] != "county"]:
        kids = units.index[units["parent"] == parent]
        for item in rows.loc[parent].index:
            assert rows.loc[list(kids)].xs(item, level="item").sum() == pytest.approx(
                rows.loc[(parent, item)], rel=REL)


def test_items_sum_to_groups_and_groups_to_gep(synthetic_result, tmp_path):
    totals = unit_totals(synthetic_result.accounts).set_index("adcode")
    np.testing.assert_allclose(totals[["provisioning", "regulating", "cultural"]].sum(axis=1),
                               totals["gep"], rtol=REL)
    out = write_outputs(synthetic_result, tmp_path / "out", tmp_path)
    summary = json.loads((out / "summary.json").read_text())
    items = sum(v["value_yuan"] or 0 for v in summary["items"].values())
    assert items == pytest.approx(summary["gep_yuan"], rel=REL)
    groups = sum(g["value_yuan"] for g in summary["groups"].values())
    assert groups == pytest.approx(summary["gep_yuan"], rel=REL)
    assert summary["gep_to_gdp"] == pytest.approx(summary["gep_yuan"] / 1000e8)


def test_extent_matches_region_area(synthetic_result):
    # the synthetic units tile a 24 × 32 km rectangle exactly
    extent = synthetic_result.extent
    assert extent.loc["990000"].sum() == pytest.approx(24 * 32)


def test_missing_input_gives_missing_item_never_zero(synthetic_result):
    accounts = synthetic_result.accounts
    for item in ("landscape_premium", "flood_regulation_vegetation", "sand_fixation"):
        rows = accounts[accounts["item"] == item]
        if not rows.empty:
            assert (rows["data_status"] == "missing").all()
            assert rows["value_yuan"].isna().all()
    coastal = accounts[accounts["item"] == "coastal_protection"]
    assert (coastal["data_status"] == "not_applicable").all()


def test_profile_changes_item_set(synthetic_pack, synthetic_result):
    ndrc = run_account(synthetic_pack, 2020, profile="ndrc2022", keep_maps=False)
    assert "oxygen_release" in set(synthetic_result.accounts["item"])
    assert "oxygen_release" not in set(ndrc.accounts["item"])


def test_block_run_equals_whole_run(synthetic_pack, synthetic_result):
    blocked = run_account(synthetic_pack, 2020, profile="mee2020", block_rows=5)
    a = synthetic_result.accounts
    b = blocked.accounts
    pd.testing.assert_frame_equal(a.drop(columns="note"), b.drop(columns="note"), rtol=1e-9)
    for item, path in synthetic_result.maps.items():
        np.testing.assert_allclose(read(path), read(blocked.maps[item]), rtol=1e-6, equal_nan=True)


def test_alignment_of_a_coarser_layer_in_another_crs(tmp_path):
    """A precipitation grid in geographic coordinates at ~5 km is aligned by bilinear resampling."""
    import rasterio
    from affine import Affine
    from rasterio.warp import transform_bounds

    from ecoledger.testing import ACCOUNTING_CRS, ORIGIN

    pack = make_pack(tmp_path / "pack")
    west, south, east, north = transform_bounds(
        ACCOUNTING_CRS, "EPSG:4326", ORIGIN[0], ORIGIN[1] - 24_000, ORIGIN[0] + 32_000, ORIGIN[1])
    step = 0.05
    cols, rows = int((east - west) / step) + 3, int((north - south) / step) + 3
    with rasterio.open(pack / "layers/precipitation.tif", "w", driver="GTiff", width=cols,
                       height=rows, count=1, dtype="float32", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(step, 0, west - step, 0, -step, north + step)) as dst:
        dst.write(np.full((rows, cols), 1500.0, dtype=np.float32), 1)
    result = run_account(pack, 2020, keep_maps=False)
    row = result.accounts.query("adcode == '990000' and item == 'water_conservation' "
                                "and ecosystem == 'forest'").iloc[0]
    # forest: α 0.0267 (broadleaf) or 0.0302 (needleleaf) on P = 1500, ET 750
    low = (1500 * (1 - 0.0302) - 750) * 1e-3 * 312e6
    high = (1500 * (1 - 0.0267) - 750) * 1e-3 * 312e6
    assert low <= row["physical_value"] <= high


def test_invalid_pack_is_refused_before_any_computation(tmp_path):
    pack = make_pack(tmp_path / "pack", layers={"precipitation": -5.0})
    out = tmp_path / "out"
    with pytest.raises(PackError) as info:
        run_account(pack, 2020)
    assert any("precipitation" in p.field for p in info.value.problems)
    assert not out.exists()


def test_failed_write_leaves_previous_outputs(synthetic_result, tmp_path, monkeypatch):
    out = write_outputs(synthetic_result, tmp_path / "out", tmp_path)
    before = (out / "accounts.csv").read_bytes()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("ecoledger.outputs.method_tables", explode)
    with pytest.raises(Exception, match="nothing was written"):
        write_outputs(synthetic_result, out, tmp_path)
    assert (out / "accounts.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_ecosystem_map_written_with_colours_and_names(synthetic_result, synthetic_pack, tmp_path):
    """maps/ecosystem.tif holds the run's ecosystem code of every cell, the conventional colours as
    its colour table and code → name (en, zh) in its tags."""
    import rasterio

    from ecoledger.ecosystems import ECOSYSTEM_CODES, ECOSYSTEM_COLOURS, ECOSYSTEMS

    out = write_outputs(synthetic_result, tmp_path / "out", synthetic_pack)
    with rasterio.open(out / "maps" / "ecosystem.tif") as written, \
            rasterio.open(synthetic_result.maps["_ecosystem"]) as run:
        codes = written.read(1)
        assert written.dtypes[0] == "uint8" and written.nodata == 0
        assert (codes == run.read(1)).all() and (codes > 0).any()
        assert written.crs == run.crs and written.transform == run.transform
        colours = written.colormap(1)
        tags = written.tags()
    for name, code in ECOSYSTEM_CODES.items():
        assert "#{:02x}{:02x}{:02x}".format(*colours[code][:3]) == ECOSYSTEM_COLOURS[name][0]
    assert colours[0][3] == 0  # no type: transparent
    assert json.loads(tags["codes"]) == {str(c): n for n, c in ECOSYSTEM_CODES.items()}
    assert json.loads(tags["codes_zh"])[str(ECOSYSTEM_CODES["forest"])] == ECOSYSTEMS["forest"]
    assert "maps/ecosystem.tif" in json.loads((out / "run.json").read_text())["outputs"]


def test_outputs_written(synthetic_result, synthetic_pack, tmp_path):
    out = write_outputs(synthetic_result, tmp_path / "out", synthetic_pack)
    names = {p.name for p in out.iterdir()}
    assert {"accounts.csv", "accounts.parquet", "summary.json", "run.json", "tables", "maps"} <= names
    tables_written = {p.name for p in (out / "tables").iterdir()}
    assert {"T1_extent.csv", "T2_inventory.csv", "T3_physical.csv", "T4_prices.csv",
            "T5_values.csv", "T6_summary.csv", "T7_by_ecosystem.csv", "T8_by_unit.csv",
            "SEEA_extent.csv", "SEEA_supply_physical.csv", "SEEA_supply_monetary.csv"} <= tables_written
    assert (out / "maps" / "water_conservation_physical.tif").exists()
    run = json.loads((out / "run.json").read_text())
    assert "pack.toml" in run["inputs"] and run["parameter_table_version"]
    columns = pd.read_csv(out / "accounts.csv").columns
    for column in ["adcode", "name", "level", "year", "group", "item", "ecosystem",
                   "physical_value", "physical_unit", "unit_price", "price_unit", "value_yuan",
                   "data_status"]:
        assert column in columns


def test_wide_tables_keep_missing_values_missing(platform_pack, tmp_path):
    """990101 reports no agricultural output: its T8 cell and its T7 farmland cell stay empty."""
    result = run_account(platform_pack, 2020, keep_maps=False)
    out = write_outputs(result, tmp_path / "out", platform_pack)
    by_unit = pd.read_csv(out / "tables" / "T8_by_unit.csv", dtype={"adcode": str}).set_index("adcode")
    assert pd.isna(by_unit.at["990101", "agriculture"]) and by_unit.at["990102", "agriculture"] > 0
    by_eco = pd.read_csv(out / "tables" / "T7_by_ecosystem.csv", dtype={"adcode": str})
    farmland = by_eco.set_index(["adcode", "item"])["farmland"]
    assert pd.isna(farmland["990101", "agriculture"]) and farmland["990102", "agriculture"] > 0


def test_same_inputs_reproduce_the_same_numbers(synthetic_pack, synthetic_result):
    again = run_account(synthetic_pack, 2020, profile="mee2020", keep_maps=False)
    pd.testing.assert_frame_equal(synthetic_result.accounts, again.accounts)


def test_all_water_region(tmp_path):
    """All cells lake: water balance without runoff loss, no soil retention, no transpiration."""
    lake = np.full((24, 32), 4, dtype=np.uint8)
    pack = make_pack(tmp_path / "pack", layers={"landcover": lake}, water_bodies=False)
    result = run_account(pack, 2020, profile="mee2020", keep_maps=False)
    rows = result.accounts.query("adcode == '990000' and ecosystem == 'all'").set_index("item")
    precipitation = np.linspace(1400, 1800, 32).mean()
    assert rows.at["water_conservation", "physical_value"] == pytest.approx(
        (precipitation - 750.0) * 1e-3 * 768e6)
    for item in ("soil_retention_sediment", "climate_regulation_transpiration", "pest_control",
                 "air_purification_so2"):
        assert rows.at[item, "physical_value"] == 0.0
        assert rows.at[item, "data_status"] != "missing"
    assert result.extent.loc["990000", "wetland"] == pytest.approx(768.0)


def test_zero_rain_gives_zero_water_conservation(tmp_path):
    pack = make_pack(tmp_path / "pack", layers={"precipitation": 0.0})
    result = run_account(pack, 2020, keep_maps=False)
    rows = result.accounts.query("item == 'water_conservation'")
    assert (rows["physical_value"] == 0.0).all()


def test_nodata_hole_is_reported_not_zeroed(tmp_path):
    precipitation = np.full((24, 32), 1600.0, dtype=np.float32)
    precipitation[10:14, 0:4] = -9999.0  # nodata in the forest band
    query = "adcode == '990000' and item == 'water_conservation' and ecosystem == 'all'"
    holed = run_account(make_pack(tmp_path / "holed", layers={"precipitation": precipitation}), 2020)
    whole = run_account(make_pack(tmp_path / "whole", layers={"precipitation": 1600.0}), 2020,
                        keep_maps=False)
    row = holed.accounts.query(query).iloc[0]
    assert "no data" in row["note"]
    assert np.isnan(read(holed.maps["water_conservation"])[11, 1])
    # the 16 hole cells (evergreen broadleaf forest, α = 0.0267) are left out, not zero-filled
    per_cell = (1600 * (1 - 0.0267) - 750) * 1e-3 * 1e6
    missing = whole.accounts.query(query).iloc[0]["physical_value"] - row["physical_value"]
    assert missing == pytest.approx(16 * per_cell)


def test_statistics_parent_value_is_allocated_to_children_lacking_it(tmp_path):
    from ecoledger.testing import synthetic_statistics

    stats = synthetic_statistics(2020)
    stats = stats[~((stats["indicator"] == "fishery_output_value")
                    & stats["code"].isin(["990201", "990202"]))]
    city = {"code": "990200", "year": 2020, "indicator": "fishery_output_value", "value": 7.5,
            "unit": "亿元", "source": "synthetic"}
    pack = make_pack(tmp_path / "pack", statistics=pd.concat([stats, pd.DataFrame([city])]))
    rows = run_account(pack, 2020, keep_maps=False).accounts.query(
        "item == 'fishery' and ecosystem == 'all'").set_index("adcode")
    assert rows.at["990200", "value_yuan"] == pytest.approx(7.5e8)
    assert rows.at["990200", "data_status"] == "reported"
    # the city's figure is shared out by water and wetland area and the counties sum to it
    kids = rows.loc[["990201", "990202"]]
    assert set(kids["data_status"]) == {"allocated"}
    assert kids["value_yuan"].sum() == pytest.approx(7.5e8)
    assert "shared out by water and wetland area" in kids["note"].iloc[0]
    assert rows.at["990000", "value_yuan"] == pytest.approx((1 + 2) * 1e8 + 7.5e8)


def test_parent_sums_children_with_partial_status(tmp_path):
    from ecoledger.rollup import identity_gaps
    from ecoledger.testing import synthetic_statistics

    stats = synthetic_statistics(2020)
    stats = stats[~((stats["indicator"] == "fishery_output_value") & (stats["code"] == "990201"))]
    pack = make_pack(tmp_path / "pack", statistics=stats)
    result = run_account(pack, 2020, keep_maps=False)
    rows = result.accounts.query("item == 'fishery' and ecosystem == 'all'").set_index("adcode")
    assert rows.at["990201", "data_status"] == "missing"
    assert rows.at["990200", "data_status"] == "partial"
    assert "990201" in rows.at["990200", "note"] or rows.at["990201", "name"] in rows.at["990200", "note"]
    assert rows.at["990000", "value_yuan"] == pytest.approx(
        rows.loc[["990100", "990200"], "value_yuan"].sum())
    from ecoledger.zonal import Units
    table = result.units.assign(geometry=None)
    units = Units(table.set_index("code", drop=False))
    assert identity_gaps(result.accounts, units).empty


def test_quantity_price_basis(tmp_path):
    from ecoledger.testing import synthetic_statistics

    extra = [{"code": "990101", "year": 2020, "indicator": "output_grain", "value": 2.0,
              "unit": "万吨", "source": "synthetic"},
             {"code": "990101", "year": 2020, "indicator": "price_grain", "value": 2.5,
              "unit": "元/kg", "source": "synthetic"},
             {"code": "990101", "year": 2020, "indicator": "output_tea", "value": 100.0,
              "unit": "t", "source": "synthetic"}]  # no tea price: tea is left out, not zeroed
    stats = pd.concat([synthetic_statistics(2020), pd.DataFrame(extra)])
    pack = make_pack(tmp_path / "pack", statistics=stats)
    rows = run_account(pack, 2020, keep_maps=False, provisioning_basis="quantity_price").accounts
    rows = rows.query("item == 'agriculture' and ecosystem == 'all'").set_index("adcode")
    assert rows.at["990101", "value_yuan"] == pytest.approx(2.0e7 * 2.5)  # 20 000 t × 2.5 元/kg
    assert rows.at["990102", "data_status"] == "missing"


def test_constant_prices(synthetic_pack):
    """At 2010 prices, CPI-indexed table prices and reported money fall by the CPI 2010→2020."""
    current = run_account(synthetic_pack, 2020, keep_maps=False)
    constant = run_account(synthetic_pack, 2020, keep_maps=False, price_year=2010)
    from ecoledger.params import Parameters

    cpi = Parameters.load(2020).index_factor("cpi", 2010, 2020)
    rows = {name: r.accounts.query("adcode == '990000' and ecosystem == 'all'").set_index("item")
            for name, r in (("current", current), ("constant", constant))}
    for item in ("water_conservation", "agriculture", "recreation"):  # indexed or reported money
        assert rows["constant"].at[item, "value_yuan"] == pytest.approx(
            rows["current"].at[item, "value_yuan"] / cpi)
        assert rows["constant"].at[item, "physical_value"] == pytest.approx(
            rows["current"].at[item, "physical_value"])
    # tariffs are not indexed: the same price at either price year
    assert rows["constant"].at["water_supply_domestic", "value_yuan"] == pytest.approx(
        rows["current"].at["water_supply_domestic", "value_yuan"])
    assert constant.provenance["price_year"] == 2010
