"""The Jiangxi pack built from the real data in data/jiangxi/, and its accounts."""

import json

import numpy as np
import pandas as pd
import pytest

from ecoledger.accounts import run_account
from ecoledger.errors import PackBuildError
from ecoledger.pack import validate_pack
from ecoledger.packs import jiangxi


@pytest.fixture(scope="module")
def pack(jiangxi_main):
    return jiangxi_main[2]  # built once per session (tests/conftest.py)


@pytest.fixture(scope="module")
def result(pack):
    return run_account(pack, 2019, keep_maps=False)


def test_pack_is_valid_and_documents_every_derived_layer(pack):
    assert [p for p in validate_pack(pack, 2019) if p.severity == "error"] == []
    metadata = json.loads((pack / "metadata.json").read_text())
    for entry in metadata["layers"].values():
        assert entry["source"] and entry["method"]
    # the delineated sub-basins come close to the published areas where those are gauge areas
    basins = metadata["checks"]["sub_basins"]
    assert basins["Fuhe"]["delineated_km2"] == pytest.approx(15811, rel=0.05)
    assert 60000 < basins["Ganjiang"]["delineated_km2"] < 83500


def test_units_are_province_cities_and_counties(result):
    levels = result.units["level"].value_counts().to_dict()
    assert levels == {"province": 1, "city": 11, "county": 100}


def test_every_item_is_present_or_missing_with_a_reason(result):
    rows = result.accounts[result.accounts["ecosystem"] == "all"]
    missing = rows[rows["data_status"] == "missing"]
    assert missing["note"].str.len().gt(0).all()
    assert rows.loc[rows["data_status"] != "missing", "value_yuan"].notna().all()
    assert set(rows["data_status"]) <= {"measured", "derived", "reported", "allocated",
                                        "partial", "missing", "not_applicable"}
    # no 2019 gross output is published: agriculture is the province's value added split by a
    # stated rule (derived), shared out to cities and counties by farmland area (allocated)
    agriculture = rows[rows["item"] == "agriculture"].set_index("adcode")
    assert agriculture.at["360000", "data_status"] == "derived"
    assert "net output used" in agriculture.at["360000", "note"]
    assert agriculture.at["360124", "data_status"] == "allocated"
    assert agriculture.at["360121", "data_status"] == "reported"  # 南昌县 bulletin


def test_every_group_has_values_at_province_and_every_city(result):
    rows = result.accounts[(result.accounts["ecosystem"] == "all")
                           & result.accounts["level"].isin(["province", "city"])]
    by_group = rows.groupby(["adcode", "group"])["value_yuan"].sum(min_count=1).unstack()
    assert by_group.notna().all().all() and (by_group > 0).all().all()


def test_every_item_sums_from_counties_to_cities_to_the_province(result):
    from ecoledger.rollup import identity_gaps
    from ecoledger.zonal import Units

    units = Units(result.units.assign(geometry=None).set_index("code", drop=False))
    assert identity_gaps(result.accounts, units).empty


def test_population_and_per_capita_exist_for_counties(result):
    population = result.statistics["population"]
    counties = result.units.loc[result.units["level"] == "county", "code"]
    assert population.reindex(counties).notna().sum() >= 99  # 红谷滩区 (2019) has no census share


def test_plausibility_against_known_totals(result):
    checks = result.plausibility.set_index(["adcode", "check"])
    water = checks.loc[("360000", "water_conservation_vs_water_resources")]
    assert not water["flagged"]  # water conservation below the province's water resources
    from ecoledger import plausibility
    assert plausibility.unexplained(result.plausibility).empty


def test_identities_hold_on_real_data(result):
    rows = result.accounts
    rows = rows[(rows["data_status"] != "missing") & (rows["ecosystem"] == "all")]
    value = rows.set_index(["adcode", "item"])["value_yuan"]
    units = result.units.set_index("code")
    for level, child_level in (("province", "city"), ("city", "county")):
        for parent in units.index[units["level"] == level]:
            kids = units.index[(units["parent"] == parent) & (units["level"] == child_level)]
            parts = value[value.index.get_level_values(0).isin(kids)].groupby(level=1).sum()
            np.testing.assert_allclose(parts, value.loc[parent].reindex(parts.index), rtol=1e-9)
    extent = result.extent
    assert extent.loc["360000"].sum() == pytest.approx(167_000, rel=0.01)  # official ≈ 166 900 km²


def test_gdp_is_the_official_provincial_figure(result):
    assert result.statistics.at["360000", "gdp"] == pytest.approx(24667.29e8)


def test_unsupported_year_is_refused(tmp_path):
    with pytest.raises(PackBuildError, match="2006–2019"):
        jiangxi.build(tmp_path / "p", years=(2020,))
    assert not (tmp_path / "p").exists()


def test_statistics_conflicts_are_recorded(pack):
    metadata = json.loads((pack / "metadata.json").read_text())
    stats = pd.read_csv(pack / "statistics.csv", dtype={"code": str})
    assert not stats.duplicated(["code", "year", "indicator"]).any()
    assert metadata["checks"]["statistics_conflicts"]


def test_report_shows_every_county_in_a_browser(pack, result, tmp_path):
    from ecoledger.outputs import write_outputs
    from ecoledger.report import browser, numbers

    out = write_outputs(result, tmp_path / "out", pack, report=True)
    # derived layers' methods appear in the reader's language
    assert "垂直递减率" in (out / "report.zh.html").read_text(encoding="utf-8")
    assert "lapse rate" in (out / "report.en.html").read_text(encoding="utf-8")
    if browser.chromium() is None:
        pytest.skip("chromium is not installed (scripts/setup-system installs it)")
    dom = browser.run(out / "report.zh.html", "--dump-dom")
    counties = result.units.loc[result.units["level"] == "county", "name"]
    assert all(name in dom for name in counties)
    summary = json.loads((out / "summary.json").read_text())
    assert numbers.yi(summary["gep_yuan"]) in dom
    assert "29,040.66" in dom  # the published 2019 provincial estimate, shown beside ours
