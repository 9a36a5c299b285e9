"""The Poyang TP inflow account: runoff × concentration by hand, missing rows naming the statistic."""

from pathlib import Path

import pandas as pd
import pytest

from ecoledger.monitoring import demo, phosphorus
from ecoledger.monitoring.tables import table

ROOT = Path(__file__).parents[1]
RIVERS = table("poyang_inflow_rivers")


def test_runoff_volume_and_load_by_hand():
    # 555 mm over 83 500 km² = 0.555 m × 8.35e10 m² = 4.63425e10 m³
    assert phosphorus.runoff_volume_m3(555, 83_500) == pytest.approx(4.63425e10)
    # 4e10 m³ × 0.1 mg/L (= 0.1 g/m³) = 4e9 g = 4 000 t
    assert phosphorus.river_tp_load_t(4e10, 0.1) == pytest.approx(4000)


def _runoff(year=2019):
    hydrology = pd.DataFrame({
        "basin_en": ["Ganjiang", "Fuhe", "Xinjiang", "Changjiang", "Le'anhe", "Xiushui"],
        "year": year, "runoff_depth_mm": [100, 200, 300, 400, 500, 600], "scenario": "main_2006_2019_raw"})
    areas = pd.DataFrame({"basin_en": hydrology["basin_en"], "area_km2_from_formula": [10, 10, 10, 1, 1, 10]})
    return phosphorus.basin_runoff(hydrology, areas, RIVERS, [year])


def _concentrations(rivers, year=2019, value="0.1", unit="mg/L"):
    return pd.DataFrame({"river": rivers, "year": str(year), "statistic": "tp_flow_weighted_mean",
                         "value": value, "unit": unit, "status": "reported", "source_url": "http://x"})


def test_five_rivers_sum_when_every_river_is_known():
    runoff = _runoff()
    # Raohe = Changjiang 400 mm × 1 km² + Le'anhe 500 mm × 1 km² = (4e5 + 5e5) m³ = 9e5 m³
    assert runoff.set_index("river").at["Raohe", "runoff_m3"] == pytest.approx(9e5)
    account = phosphorus.inflow_load_account(runoff, _concentrations(list(RIVERS["river"])), RIVERS)
    total = account[account["river"] == "total"].iloc[0]
    # runoff: 1e6 + 2e6 + 3e6 + 9e5 + 6e6 = 1.29e7 m³ × 0.1 g/m³ = 1.29e6 g = 1.29 t
    assert total["status"] == "computed" and total["load_t"] == pytest.approx(1.29)


def test_a_river_without_concentration_leaves_it_and_the_total_missing():
    account = phosphorus.inflow_load_account(_runoff(), _concentrations(["Ganjiang", "Fuhe"]), RIVERS)
    rows = account.set_index("river")
    assert rows.at["Ganjiang", "load_t"] == pytest.approx(1e6 * 0.1 * 1e-6)
    assert rows.at["Xiushui", "status"] == "missing"
    assert rows.at["Xiushui", "missing_statistics"] == "tp_flow_weighted_mean (mg/L) of Xiushui 2019"
    assert rows.at["total", "status"] == "missing" and pd.isna(rows.at["total", "load_t"])
    assert rows.at["total", "missing_statistics"] == "rivers missing: Xinjiang, Raohe, Xiushui"


def test_a_concentration_in_another_unit_is_refused():
    with pytest.raises(phosphorus.LoadAccountError, match="mg/L"):
        phosphorus.inflow_load_account(_runoff(), _concentrations(["Fuhe"], unit="µg/L"), RIVERS)


def test_shipped_table_cites_what_it_holds_and_names_what_it_lacks():
    rows = table("poyang_inflow_tp")
    published = rows[rows["status"] == "reported"]
    assert list(published["value"]) == ["7758"] and "7758t" in published["quote"].iloc[0]
    assert published["source_url"].iloc[0].startswith("https://")
    wanted = rows[rows["statistic"] == "tp_flow_weighted_mean"]
    assert set(wanted["status"]) == {"missing"} and set(wanted["year"]) == {"2018", "2019", "2020"}
    assert set(wanted["river"]) == set(RIVERS["river"])


def test_demo_inflow_on_the_shipped_hydrology():
    account = demo.inflow_account(ROOT / "data" / "jiangxi")
    row = account[(account["river"] == "Ganjiang") & (account["year"] == 2018)].iloc[0]
    # 赣江 2018: 555.005662 mm × 83 500 km² × 10³ = 4.6343e10 m³; TP not published: load missing
    assert row["runoff_m3"] == pytest.approx(555.005662 * 83_500 * 1e3, rel=1e-6)
    assert row["status"] == "missing" and "Ganjiang 2018" in row["missing_statistics"]
    assert (account.loc[account["river"] == "total", "status"] == "missing").all()


def test_demo_page_shows_the_inflow_account_in_both_languages(tmp_path):
    from ecoledger.untranslated import untranslated

    result = demo.build(ROOT / "data" / "jiangxi")
    demo.write(result, tmp_path / "m")
    assert (tmp_path / "m" / "tp_inflow_load.csv").is_file()
    zh = (tmp_path / "m" / "index.html").read_text("utf-8")
    en = (tmp_path / "m" / "index.en.html").read_text("utf-8")
    assert "赣江2018年流量加权年均总磷浓度" in zh and "2008年 7758 吨" in zh
    assert "flow-weighted annual mean TP of Ganjiang 2018" in en
    assert untranslated(zh) == []
    assert result["summary"]["tp_inflow_years_computed"] == []
