"""Carbon formulas against hand-computed answers (the arithmetic is in the comments)."""

import datetime as dt

import numpy as np
import pytest

from ecoledger.carbon import claims, combustion, forest, inclusion, intensity, inventory, ledger, lmdi
from ecoledger.carbon.errors import CarbonError, ClaimConflict, LedgerRefused
from ecoledger.carbon.factors import Registry, default_registry
from ecoledger.carbon.footprint import allocation_share

REG = default_registry()


def test_fuel_combustion_bituminous_coal():
    # 1000 t × 23.204 GJ/t × 0.02618 tC/GJ × 0.93 × 44/12 = 1000 × 2.0715093 = 2071.509 t CO2
    assert combustion.fuel_combustion_co2(1000, 23.204, 0.02618, 0.93) == pytest.approx(2071.5093, rel=1e-7)


def test_fuel_emission_factor_natural_gas_matches_the_notes():
    # 389.31 GJ/10⁴Nm³ × 0.0153 × 0.99 × 44/12 = 21.62189 t CO2 per 10⁴ Nm³ (2.162 kg/m³)
    ids = [f"fuel.natural_gas.{p}" for p in ("ncv", "cc", "of")]
    ef = combustion.fuel_emission_factor(*(REG.value(i) for i in ids))
    assert ef == pytest.approx(21.621888, rel=1e-6)


@pytest.mark.parametrize(
    ("fuel", "ef"),
    [
        ("anthracite", 2.323),
        ("bituminous_coal", 2.072),
        ("coke", 2.852),
        ("fuel_oil", 3.047),
        ("gasoline", 3.043),
        ("diesel", 3.145),
        ("lpg", 2.954),
    ],
)
def test_registry_fuel_factors_reproduce_the_notes_table(fuel, ef):
    # the EF column of methods notes §2.3 (t CO2/t), rounded to 3 decimals: catches a mistyped NCV, CC or OF
    values = [REG.value(f"fuel.{fuel}.{p}") for p in ("ncv", "cc", "of")]
    assert round(combustion.fuel_emission_factor(*values), 3) == pytest.approx(ef, abs=0.0015)


def test_grid_electricity_and_net_export():
    # 1000 MWh × 0.5752 t/MWh = 575.2 t; a net export of 200 MWh is −115.04 t
    factor = REG.value("grid.JX.2022.mee_nbs")
    assert combustion.electricity_co2(1000, factor) == pytest.approx(575.2)
    assert combustion.electricity_co2(-200, factor) == pytest.approx(-115.04)


def test_grid_series_are_kept_apart():
    # the reporting series (a) holds 0.5703 for 2022; the consumption series (b) holds Jiangxi's 0.5752
    assert inventory.grid_factor(REG, 2022, "mee_reporting").value == 0.5703
    assert inventory.grid_factor(REG, 2022, "mee_nbs_consumption").value == 0.5752
    assert (
        inventory.grid_factor(REG, 2023, "mee_nbs_consumption").id == "grid.JX.2022.mee_nbs"
    )  # latest JX year
    assert inventory.grid_factor(REG, 2010, "mee_nbs_consumption") is None


def test_intensity_progress_and_required_rate():
    # 20 000 t / (1e8 yuan / 1e4) = 2 t per 10⁴ yuan
    assert intensity.carbon_intensity(20_000, 1e8) == pytest.approx(2.0)
    # 1 − 1.8/2 = 0.10
    assert intensity.cumulative_reduction(1.8, 2.0) == pytest.approx(0.10)
    # −18 % over 5 years: 0.82^(1/5) = 0.961087 → 3.89 %/yr
    assert intensity.target_path(1.0, 0.18, 1) == pytest.approx(0.9610871, rel=1e-6)
    # two years left at index 0.9: 1 − (0.82/0.9)^(1/2) = 0.0454786
    assert intensity.required_annual_rate(1.8, 2.0, 0.18, 2) == pytest.approx(0.0454786, rel=1e-5)


def test_lmdi_two_factors_hand_computed():
    # E0 = 2×3 = 6, ET = 3×4 = 12; L(12, 6) = 6/ln 2 = 8.65617
    # a: 8.65617 × ln 1.5 = 3.509775; b: 8.65617 × ln(4/3) = 2.490225; sum = 6 = ΔE
    effects = lmdi.lmdi_additive({"a": [2.0], "b": [3.0]}, {"a": [3.0], "b": [4.0]})
    assert effects["a"] == pytest.approx(3.5097750, rel=1e-7)
    assert effects["b"] == pytest.approx(2.4902250, rel=1e-7)


def test_lmdi_kaya_is_exact():
    rng = np.random.default_rng(7)
    gdp0, gdp1 = rng.uniform(1, 10, 3), rng.uniform(1, 10, 3)
    en0, en1 = rng.uniform(1, 5, (3, 4)), rng.uniform(1, 5, (3, 4))
    co0, co1 = en0 * rng.uniform(50, 100, (3, 4)), en1 * rng.uniform(50, 100, (3, 4))
    effects = lmdi.lmdi_additive(lmdi.kaya_factors(gdp0, en0, co0), lmdi.kaya_factors(gdp1, en1, co1))
    assert sum(effects.values()) == pytest.approx(co1.sum() - co0.sum(), rel=1e-10)
    assert set(effects) == {"scale", "structure", "intensity", "energy_mix", "emission_factor"}


def test_lmdi_refuses_zero():
    with pytest.raises(CarbonError, match="energy_mix"):
        lmdi.lmdi_additive({"energy_mix": [0.0, 1.0]}, {"energy_mix": [0.5, 0.5]})


def test_tree_carbon_worked_example():
    # 100 ha × 120 m³/ha of Chinese fir: 12 000 × 0.307 × 1.634 × 1.246 × 0.52 = 3900.26 tC = 14 300.9 t CO2
    p = forest.species_parameters(REG, "chinese_fir")
    carbon = forest.tree_carbon(12_000, p["svd"].value, p["bef"].value, p["root_ratio"].value, p["cf"].value)
    assert carbon == pytest.approx(3900.2555, rel=1e-7)


def test_stock_difference_sink():
    # 100 → 120 m³/ha on 100 ha, 2020–2025: ΔC = 2000 m³ × 0.325021 = 650.0426 tC; /5 × 44/12 = 476.698 t/yr
    project = forest.AfforestationProject(
        "fir",
        "360000",
        [forest.Stand("p1", "chinese_fir", 100, 100)],
        [forest.Stand("p1", "chinese_fir", 100, 120)],
        2020,
        2025,
        leakage_t_co2_per_yr=10,
        uncertainty_deduction=0.05,
    )
    result = project.result(REG)
    assert result["removal_t_co2_per_yr"] == pytest.approx(476.6979, rel=1e-6)
    # (476.698 − 0 − 10) × (1 − 0.05) = 443.363
    assert result["creditable_t_co2_per_yr"] == pytest.approx((476.6978963 - 10) * 0.95, rel=1e-8)
    assert {f["id"] for f in result["factors"]} == {
        f"species.chinese_fir.{p}" for p in ("svd", "bef", "root_ratio", "cf")
    }


def test_gain_loss_sink():
    # 10 ha × 5 m³/ha − 20 m³ harvested = 30 m³ × 0.325021 = 9.75064 tC; × 44/12 = 35.7523 t CO2/yr
    p = forest.species_parameters(REG, "chinese_fir")
    args = (p["svd"].value, p["bef"].value, p["root_ratio"].value, p["cf"].value)
    assert forest.gain_loss_removal(10, 5, 20, *args) == pytest.approx(35.752342, rel=1e-7)


def test_bad_sink_projects_are_named():
    good = {
        "name": "p",
        "county": "360730",
        "year_start": 2021,
        "year_end": 2026,
        "start": [{"parcel": "a", "species": "oak", "area_ha": 1, "volume_m3_per_ha": 1}],
        "end": [{"parcel": "a", "species": "oak", "area_ha": 1, "volume_m3_per_ha": 2}],
    }
    assert forest.project_from_dict(good).result(REG)["removal_t_co2_per_yr"] > 0
    with pytest.raises(CarbonError, match="year_start"):
        forest.project_from_dict({**good, "year_start": "2021"})
    with pytest.raises(CarbonError, match="area_ha"):
        forest.project_from_dict({**good, "end": [{**good["end"][0], "area_ha": -1}]})
    with pytest.raises(CarbonError, match="parcels differ"):
        forest.project_from_dict({**good, "end": [{**good["end"][0], "parcel": "b"}]}).result(REG)


def test_wetland_sink():
    # 200 ha × 0.5 t C/ha/yr × 44/12 = 366.667 t CO2/yr
    assert forest.wetland_removal(200, 0.5) == pytest.approx(366.6667, rel=1e-6)


def test_sink_errors_and_gep_share():
    with pytest.raises(CarbonError, match="after"):
        forest.stock_difference_removal(1, 2, 2025, 2020)
    with pytest.raises(CarbonError, match="chinese_fir"):
        forest.species_parameters(REG, "baobab")
    assert forest.gep_overlap(100, 1000) == pytest.approx(0.1)
    assert forest.gep_overlap(100, None) is None
    assert forest.gep_overlap(100, -5) is None


def test_inclusion_reductions():
    # cycling 10 km × 0.196 kg/km = 1.96 kg → 19 points at 10 points/kg (floored)
    cycling = inclusion.action_reduction("cycling", 10, REG)
    assert cycling["reduction_kg"] == pytest.approx(1.96)
    assert cycling["points"] == 19
    # EV 100 km: 100 × 0.07 L/km × 2.25 kg/L − 100 × 0.15 kWh/km × 0.5752 = 15.75 − 8.628 = 7.122 kg
    assert inclusion.action_reduction("ev_trip", 100, REG)["reduction_kg"] == pytest.approx(7.122)
    assert inclusion.reduction(5, 0.1, 0.3) == 0.0  # a worse choice earns nothing
    with pytest.raises(LedgerRefused, match="no cited reduction factor"):
        inclusion.action_reduction("waste_sorting", 2, REG)
    with pytest.raises(LedgerRefused, match="one of"):
        inclusion.action_reduction("flying", 2, REG)


DAY = dt.date(2026, 3, 1)


def _earn(chain, points, day=DAY, evidence=b"e", action="cycling", activity=1.0, validity=365):
    return [
        *chain,
        ledger.new_entry(
            chain,
            "alice",
            "earn",
            points,
            day=day,
            action=action,
            activity=activity,
            evidence_sha256=ledger.evidence_hash(evidence),
            expires_on=day + dt.timedelta(days=validity),
        ),
    ]


def test_ledger_balance_redeem_expire():
    chain = _earn([], 100, evidence=b"a", validity=10)
    chain = _earn(chain, 50, day=DAY + dt.timedelta(days=5), evidence=b"b", validity=10)
    chain.append(ledger.new_entry(chain, "alice", "redeem", 30, day=DAY + dt.timedelta(days=6)))
    assert ledger.balance(chain, DAY + dt.timedelta(days=6)) == 120
    # day 11: the first lot (70 left) has expired, the second (50) has not
    later = DAY + dt.timedelta(days=11)
    assert ledger.balance(chain, later) == 50
    assert ledger.expired_points(chain, later) == 70
    chain.append(ledger.new_entry(chain, "alice", "expire", 70, day=later))
    assert ledger.expired_points(chain, later) == 0
    assert ledger.balance(chain, later) == 50
    with pytest.raises(LedgerRefused, match="at most 50"):
        ledger.check_redeem(chain, 51, later)
    assert ledger.verify_chain(chain).ok


def test_ledger_tampering_is_detected():
    chain = _earn(_earn([], 10, evidence=b"a"), 20, evidence=b"b")
    chain.append(ledger.new_entry(chain, "alice", "redeem", 5, day=DAY))
    changed = [dict(e) for e in chain]
    changed[1]["points"] = 2000
    assert ledger.verify_chain(changed) == ledger.ChainCheck(
        False, 2, 2, "its content was changed after writing"
    )
    removed = [chain[0], chain[2]]
    assert not ledger.verify_chain(removed).ok
    relinked = [dict(e) for e in chain]
    relinked[2]["prev_hash"] = ledger.GENESIS
    assert ledger.verify_chain(relinked).reason == "does not link to the entry before it"


def test_ledger_anti_abuse():
    chain = _earn([], 10, activity=25.0)
    with pytest.raises(LedgerRefused, match="already used"):
        ledger.check_earn(chain, "cycling", 1, DAY, 30, "x", evidence_seen=True)
    with pytest.raises(LedgerRefused, match="at most 5 more"):
        ledger.check_earn(chain, "cycling", 6, DAY, 30, "x", evidence_seen=False)
    ledger.check_earn(chain, "cycling", 5, DAY, 30, "x", evidence_seen=False)  # exactly at the cap
    ledger.check_earn(chain, "cycling", 6, DAY + dt.timedelta(days=1), 30, "x", evidence_seen=False)


def test_claims_refuse_overlap():
    held = [claims.Claim("sink", "project A", "parcel:JX-1", 2021, 2025, 400, "forest")]
    with pytest.raises(ClaimConflict, match="already claimed by project A"):
        claims.check_claim(held, claims.Claim("inclusion", "bob", "parcel:JX-1", 2025, 2026, 5, "inclusion"))
    claims.check_claim(held, claims.Claim("sink", "project A", "parcel:JX-1", 2026, 2030, 400, "forest"))
    claims.check_claim(
        held, claims.Claim("inventory", "360000", "territory:360000", 2022, 2022, 1e8, "inventory")
    )
    with pytest.raises(ClaimConflict, match="scope"):
        claims.check_claim([], claims.Claim("gep", "x", "y", 2020, 2020, 1, "m"))


def test_allocation_shares():
    # mass: 1 / (1 + 0.25) = 0.8; economic: 1×6 / (1×6 + 0.25×0.4) = 6/6.1
    ref, co = {"mass_kg": 1.0, "price_yuan": 6.0}, [{"mass_kg": 0.25, "price_yuan": 0.4}]
    assert allocation_share("mass", ref, co) == pytest.approx(0.8)
    assert allocation_share("economic", ref, co) == pytest.approx(6 / 6.1)


def test_registry_rows_are_complete_and_bad_rows_are_named(tmp_path):
    assert all(f.source and f.unit for f in REG.factors.values())
    assert REG["species.masson_pine.cf"].confidence == "memory"
    bad = tmp_path / "factors.csv"
    bad.write_text(
        "id,quantity,subject,value,unit,year,region,series,source,licence,confidence,note\n"
        "x,q,s,abc,t,,CN,s,doc,l,verified,\n",
        encoding="utf-8",
    )
    with pytest.raises(CarbonError, match="row 2 · value"):
        Registry(bad)


def test_inventory_from_statistics(tmp_path):
    # 1000 t bituminous coal → 2071.509 t; 10 (10⁴ Nm³) gas → 216.219 t; 100 MWh net import × 0.5752 = 57.52 t
    path = tmp_path / "stats.csv"
    path.write_text(
        "code,year,indicator,value,unit,source\n"
        "990000,2022,energy_bituminous_coal,1000,t,yearbook\n"
        "990000,2022,energy_natural_gas,10,万立方米,yearbook\n"
        "990000,2022,electricity_net_import,10,万千瓦时,yearbook\n"
        "990000,2022,gdp_constant_2020,1.5,亿元,yearbook\n"
        "990000,2022,forest_coverage,60,%,yearbook\n",
        encoding="utf-8",
    )
    table = inventory.read_statistics(path)
    [result] = inventory.inventory(table, REG, years=[2022])
    assert result["co2_t"] == pytest.approx(2071.5093 + 216.21888 + 57.52, rel=1e-6)
    assert result["status"] == "partial" and "energy_diesel" in result["not_reported"]
    # intensity: 2345.248 t / (1.5e8 / 1e4) = 0.156350 t per 10⁴ yuan
    assert result["intensity_t_per_10k_yuan"] == pytest.approx(2345.2482 / 15_000, rel=1e-6)
    [missing] = inventory.inventory(table, REG, years=[2021])
    assert missing["co2_t"] is None and missing["status"] == "missing"


def test_inventory_names_bad_rows(tmp_path):
    from ecoledger.errors import SubmissionError

    path = tmp_path / "stats.csv"
    path.write_text(
        "code,year,indicator,value,unit,source\n990000,2022,energy_diesel,5,km,yb\n", encoding="utf-8"
    )
    with pytest.raises(SubmissionError) as caught:
        inventory.read_statistics(path)
    assert caught.value.problems[0].field == "row 2 · unit"


def test_lmdi_of_two_inventory_years():
    start = {"energy_gj": {"coal": 100.0, "gas": 50.0}, "parts_t": {"coal": 9.0, "gas": 3.0}, "gdp_yuan": 1e6}
    end = {"energy_gj": {"coal": 90.0, "gas": 80.0}, "parts_t": {"coal": 8.0, "gas": 4.5}, "gdp_yuan": 1.3e6}
    result = inventory.decompose(start, end)
    assert sum(result["effects"].values()) == pytest.approx(12.5 - 12.0, abs=1e-12)
