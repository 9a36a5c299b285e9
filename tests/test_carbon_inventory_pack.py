"""The province inventory on the region pack's statistics, and a filled template adding a year.

Every expected number is worked by hand in the comment beside it.
"""

import csv
from pathlib import Path

import pandas as pd
import pytest

from ecoledger.carbon import electricity, inventory, pack_inventory
from ecoledger.carbon.demo import province_inventory, run_demo
from ecoledger.carbon.factors import default_registry
from ecoledger.statistics.template import (
    energy_statistics,
    needed_statistics,
    template_csv_bytes,
    template_rows,
    template_xlsx_bytes,
)

ROOT = Path(__file__).parents[1]
JIANGXI = ROOT / "data" / "jiangxi"
REG = default_registry()


@pytest.fixture(scope="module")
def shipped_rows():
    table = pack_inventory.load_tables(pack_inventory.pack_files(JIANGXI))
    rows = pack_inventory.pack_inventory(table, REG, codes=["360000"])
    return {(r["year"], r["scope"]): r for r in rows}


def test_one_fuel_by_hand():
    # 1 000 t bituminous coal × NCV 23.204 GJ/t × CC 0.02618 tC/GJ × OF 0.93 × 44/12:
    # 23 204 GJ × 0.02618 = 607.48072 tC; × 0.93 = 564.9570696 tC; × 44/12 = 2 071.509255 t CO2
    table = pd.DataFrame([
        {"code": "990000", "year": 2021, "indicator": "energy_bituminous_coal", "value": 1e6, "kind": "fuel",
         "subject": "bituminous_coal", "source": "hand", "row": 2},
        {"code": "990000", "year": 2021, "indicator": "gdp", "value": 1e8, "kind": "gdp", "subject": "gdp",
         "source": "hand", "row": 3},
    ])
    rows = {r["scope"]: r for r in pack_inventory.pack_inventory(pack_inventory.combine(table), REG)}
    fuel = rows["fuel_combustion"]
    assert fuel["co2_t"] == pytest.approx(2071.509255)
    assert fuel["factor_ids"] == "fuel.bituminous_coal.ncv;fuel.bituminous_coal.cc;fuel.bituminous_coal.of"
    assert fuel["status"] == "partial" and "energy_anthracite" in fuel["missing_statistics"]
    total = rows["territorial_total"]
    # GDP 10⁸ yuan = 10⁴ × 10⁴ yuan: 2 071.509255 / 10 000 = 0.2071509 t per 10⁴ yuan
    assert total["intensity_t_per_10k_yuan"] == pytest.approx(0.2071509255)
    assert rows["electricity_related_total"]["status"] == "missing"


def test_electricity_2018_and_2020_from_the_published_use(shipped_rows):
    row = shipped_rows[(2018, "electricity_related_total")]
    # 全社会用电量 1 428.77 亿千瓦时 = 1.42877e11 kWh = 1.42877e8 MWh × 0.5835 t/MWh = 83 368 729.5 t
    assert row["co2_t"] == pytest.approx(83_368_729.5)
    assert row["factor_ids"] == "grid.JX.2021.mee_nbs"
    assert "grid factor of 2021 used for 2018" in row["note"]
    assert "not the territorial total" in row["note"]
    assert row["sources"] == "http://m.sgcio.com/icontent/105/105832.html"
    # GDP 2018 22 716.51 亿元 = 227 165 100 × 10⁴ yuan: 83 368 729.5 / 227 165 100 = 0.366996 t/10⁴ yuan
    assert row["gdp_yuan"] == pytest.approx(22716.51e8)
    assert row["intensity_t_per_10k_yuan"] == pytest.approx(83_368_729.5 / 227_165_100)
    # 2020: 1 626.82 亿千瓦时 × 0.5835 = 94 924 947 t; GDP: the preliminary 25 691.5 gives way to 25 781.95
    row = shipped_rows[(2020, "electricity_related_total")]
    assert row["co2_t"] == pytest.approx(94_924_947.0)
    assert row["gdp_yuan"] == pytest.approx(25781.95e8)
    assert "preliminary GDP 25691.50 亿元 replaced by the revised 25781.95 亿元" in row["note"]
    # by sector: secondary 922.89 亿千瓦时 × 0.5835 = 53 850 631.5 t; industry is part of it, flagged
    assert shipped_rows[(2018, "electricity_related_secondary")]["co2_t"] == pytest.approx(53_850_631.5)
    assert "never add" in shipped_rows[(2018, "electricity_related_industry")]["note"]


def test_years_without_statistics_are_missing_with_the_statistic_named(shipped_rows):
    for year in (2018, 2019, 2020, 2021, 2024):
        row = shipped_rows[(year, "territorial_total")]
        assert row["co2_t"] is None and row["status"] == "missing"
        assert row["missing_statistics"].startswith("energy consumption by fuel: energy_anthracite")
        assert row["intensity_t_per_10k_yuan"] is None
    row = shipped_rows[(2019, "electricity_related_total")]
    assert row["co2_t"] is None and row["missing_statistics"] == "electricity_consumption_total"


def test_nearest_factor_only_when_asked():
    assert inventory.grid_factor(REG, 2018, "mee_nbs_consumption") is None  # the dual-control default
    choice = electricity.choose_factor(REG, 2018)
    assert choice.factor.id == "grid.JX.2021.mee_nbs" and choice.other_year
    assert electricity.choose_factor(REG, 2022).factor.id == "grid.JX.2022.mee_nbs"
    assert not electricity.choose_factor(REG, 2022).other_year
    # 10 万千瓦时 = 100 MWh × 0.5835 = 58.35 t
    assert electricity.electricity_related_co2(1e5, 0.5835) == pytest.approx(58.35)


def test_the_grid_factor_carries_its_address_and_quote():
    factor = REG["grid.JX.2021.mee_nbs"]
    assert factor.source_url.startswith("http") and "0.5835" in factor.quote


def test_energy_rows_are_in_the_template():
    listed = set(energy_statistics()["indicator"])
    assert {"energy_bituminous_coal", "electricity_net_import", "electricity_consumption_total",
            "electricity_consumption_secondary", "gdp"} <= listed
    with_energy = needed_statistics("ndrc2022", energy=True)
    assert listed <= set(with_energy["indicator"])
    assert not (listed - {"gdp"}) & set(needed_statistics("ndrc2022")["indicator"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_filled_template_adds_a_year_end_to_end(tmp_path, suffix):
    needed = energy_statistics()
    rows = template_rows(pd.DataFrame({"code": ["360000"], "name": ["江西省"]}), 2021, needed)
    filled = {"energy_bituminous_coal": ("1000", "吨"), "electricity_net_import": ("10", "万千瓦时"),
              "electricity_consumption_total": ("10", "万千瓦时"), "gdp": ("100", "万元")}
    for indicator, (value, unit) in filled.items():
        at = rows["indicator"] == indicator
        rows.loc[at, ["value", "unit", "source"]] = [value, unit, "hand-made test rows"]
    path = tmp_path / f"filled{suffix}"
    path.write_bytes(template_csv_bytes(rows) if suffix == ".csv" else template_xlsx_bytes(rows, needed))

    table = pack_inventory.load_tables([path])  # the upload loader: unfilled rows are left out
    assert sorted(table["indicator"]) == sorted(filled)
    got = {r["scope"]: r for r in pack_inventory.pack_inventory(table, REG)}
    total = got["territorial_total"]
    # coal 2 071.509255 t + net import 100 MWh × 0.5835 (2021 factor, the year's own) = 58.35 t
    assert total["co2_t"] == pytest.approx(2071.509255 + 58.35)
    assert total["year"] == 2021 and total["status"] == "partial"
    assert "grid.JX.2021.mee_nbs" in total["factor_ids"].split(";")
    # GDP 100 万元 = 100 × 10⁴ yuan: 2 129.859255 / 100 = 21.29859 t per 10⁴ yuan
    assert total["intensity_t_per_10k_yuan"] == pytest.approx(21.29859255)
    assert got["electricity_related_total"]["co2_t"] == pytest.approx(58.35)
    assert got["electricity_related_total"]["note"].count("grid factor of") == 0  # 2021 has its own


def test_demo_writes_the_inventory_and_takes_a_filled_template(tmp_path):
    rows = province_inventory(JIANGXI / "statistics" / "jiangxi_statistics.csv", (), REG)
    assert {r["year"] for r in rows} == set(range(2018, 2025))
    needed = energy_statistics()
    template = template_rows(pd.DataFrame({"code": ["360000"], "name": ["江西省"]}), 2025, needed)
    for indicator, value in (("energy_natural_gas", "1"), ("gdp", "1")):
        template.loc[template["indicator"] == indicator, ["value", "unit", "source"]] = [
            value, "亿立方米" if indicator == "energy_natural_gas" else "亿元", "hand"]
    filled = tmp_path / "filled.csv"
    filled.write_bytes(template_csv_bytes(template))
    out = tmp_path / "carbon"
    summary = run_demo(out, JIANGXI / "statistics" / "jiangxi_statistics.csv",
                       ROOT / "examples" / "carbon" / "product_system.json",
                       ROOT / "examples" / "carbon" / "sink_project.json",
                       ROOT / "examples" / "carbon" / "inclusion_actions.csv", REG, None, (filled,))
    assert summary["electricity_related_t"] == {2018: pytest.approx(83_368_729.5),
                                                2020: pytest.approx(94_924_947.0)}
    with open(out / "inventory.csv", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert tuple(written[0]) == pack_inventory.COLUMNS
    added = next(r for r in written if r["year"] == "2025" and r["scope"] == "territorial_total")
    # 1 亿 m³ natural gas = 10⁴ × 10⁴ Nm³; per 10⁴ Nm³: 389.31 GJ × 0.0153 tC/GJ = 5.956443 tC;
    # × OF 0.99 = 5.89687857; × 44/12 = 21.6218881 t CO2; × 10⁴ = 216 218.88 t
    assert float(added["co2_t"]) == pytest.approx(1e4 * 389.31 * 0.0153 * 0.99 * 44 / 12)
    assert 2025 not in summary["province_missing_years"]  # the dual-control path has it too
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "8,336.9" in page and "grid.JX.2021.mee_nbs" in page  # 83 368 729.5 t = 8 336.9 万吨
