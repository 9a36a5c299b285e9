"""Brightway product footprint equal to a hand calculation; labels and their tampering."""

import datetime as dt
import json
from pathlib import Path

import pytest

from ecoledger.carbon import footprint, label
from ecoledger.carbon.errors import CarbonError
from ecoledger.carbon.factors import default_registry

EXAMPLE = Path(__file__).parents[1] / "examples" / "carbon" / "product_system.json"
REG = default_registry()


@pytest.fixture(scope="module")
def result():
    return footprint.compute(footprint.load_product_system(EXAMPLE), REG)


def test_footprint_equals_hand_calculation(result):
    # tile: mass allocation 1/(1 + 0.25) = 0.8 scales its inputs: body 1.25 → 1.0 kg, 0.30 → 0.24 kWh,
    #   kiln CO2 0.40 → 0.32 kg
    # body (× 1.0): 0.05 kWh; diesel 0.002 kg × (43.33 × 0.0202 × 0.98 × 44/12 = 3.145122) = 0.0062902 kg CO2;
    #   land-use CO2 0.01 kg; biogenic CH4 0.0001 kg
    # fossil = 0.32 + (0.24 + 0.05) × 0.5752 + 0.0062902 = 0.32 + 0.166808 + 0.0062902 = 0.4930982
    # biogenic = 0.0001 × 27.0 = 0.0027 ; land use = 0.01 × 1 = 0.01 ; total = 0.5057982 kg CO2e
    assert result["fossil_kg_co2e"] == pytest.approx(0.4930982, rel=1e-6)
    assert result["biogenic_kg_co2e"] == pytest.approx(0.0027, rel=1e-6)
    assert result["land_use_kg_co2e"] == pytest.approx(0.01, rel=1e-6)
    assert result["total_kg_co2e"] == pytest.approx(0.5057982, rel=1e-6)
    assert result["allocation"] == {"tile": {"method": "mass", "share": pytest.approx(0.8)}}


def test_ar5_gwp_set():
    # AR5 as bw2io implements "IPCC 2013": CH4 non-fossil 28.5 → biogenic 0.0001 × 28.5 = 0.00285;
    # fossil and land use carry only CO2 here: 0.4930982 + 0.00285 + 0.01 = 0.5059482 kg CO2e
    system = {**footprint.load_product_system(EXAMPLE), "gwp_set": "AR5"}
    ar5 = footprint.compute(system, REG)
    assert ar5["biogenic_kg_co2e"] == pytest.approx(0.00285, rel=1e-6)
    assert ar5["total_kg_co2e"] == pytest.approx(0.5059482, rel=1e-6)
    assert ar5["gwp_set"] == "AR5" and "IPCC 2013" in ar5["gwp"]
    with pytest.raises(CarbonError, match="gwp_set"):
        footprint.check_product_system({**system, "gwp_set": "AR4"}, "x.json")


def test_contributions_and_sensitivity(result):
    assert sum(c["kg_co2e"] for c in result["contributions"]) == pytest.approx(
        result["total_kg_co2e"], rel=1e-6
    )
    grid = next(s for s in result["sensitivity"] if s["factor"] == "factor:grid.JX.2022.mee_nbs")
    # ±10 % of the grid contribution 0.166808 = ±0.0166808
    assert grid["total_high"] - result["total_kg_co2e"] == pytest.approx(0.0166808, rel=1e-5)
    assert {f["id"] for f in result["factors"]} >= {"grid.JX.2022.mee_nbs", "fuel.diesel.ncv"}
    assert result["registry_version"] == REG.version


def test_registry_gwp_equals_bw2io_data():
    factors = footprint.gwp_factors("AR6")
    assert factors["fossil"]["ch4_fossil"] == REG.value("gwp.ar6.ch4_fossil")
    assert factors["fossil"]["n2o"] == REG.value("gwp.ar6.n2o")
    assert factors["biogenic"]["ch4_biogenic"] == REG.value("gwp.ar6.ch4_biogenic")
    assert factors["land_use"]["co2_to_soil"] == -1


def test_bad_product_system_is_named(tmp_path):
    system = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    system["processes"][1]["exchanges"][0] = {"flow": "co2_from_nowhere", "amount": 1}
    with pytest.raises(CarbonError, match="process body · exchange 1 · flow"):
        footprint.check_product_system(system, "x.json")
    with pytest.raises(CarbonError, match="output/coproducts"):
        tile = {**system["processes"][0], "coproducts": [{"mass_kg": "a"}]}
        footprint.check_product_system({**system, "processes": [tile, system["processes"][1]]}, "x.json")
    with pytest.raises(CarbonError, match="processes: not a list"):
        footprint.check_product_system({**system, "processes": "tile"}, "x.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CarbonError, match=r"bad\.json"):
        footprint.load_product_system(bad)


def test_label_written_verified_and_tampering_found(result, tmp_path):
    record = label.make_record(result, "JX-T-1", dt.date(2026, 1, 1), 3, "test")
    issued = label.write_label(record, tmp_path)
    assert issued["verification_url"].endswith(f"code={issued['record_sha256'][:16]}")
    assert (tmp_path / "label.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert label.verify_label_folder(tmp_path) == []

    stored = json.loads((tmp_path / "label.json").read_text(encoding="utf-8"))
    stored["record"]["total_kg_co2e"] = 0.1
    (tmp_path / "label.json").write_text(json.dumps(stored), encoding="utf-8")
    assert label.verify_label_folder(tmp_path) == [
        "the record's content differs from what was issued (hash mismatch)"
    ]

    stored["record"]["total_kg_co2e"] = record["total_kg_co2e"]
    (tmp_path / "label.json").write_text(json.dumps(stored), encoding="utf-8")
    with open(tmp_path / "label.png", "ab") as png:
        png.write(b"x")
    assert label.verify_label_folder(tmp_path) == ["label.png was changed after issue"]
    assert label.check_record(record, issued["record_sha256"], code="0" * 16) == [
        "the verification code does not belong to this label"
    ]


def test_imported_database_activity_is_characterised():
    """A licensed database the user imported (here a stand-in written straight into the project)
    links through ``activity`` and its biosphere3 emissions get the IPCC 2021 factors."""
    import bw2data as bd
    import bw2io

    footprint.compute(footprint.load_product_system(EXAMPLE), REG)  # sets up the project
    with footprint._lock:
        footprint._use_project(bd)
        if "biosphere3" not in bd.databases:
            bw2io.create_default_biosphere3()
        flows = {(f["name"], tuple(f["categories"])): f.key for f in bd.Database("biosphere3")}
        co2 = flows[("Carbon dioxide, fossil", ("air", "urban air close to ground"))]
        ch4 = flows[("Methane, fossil", ("air", "urban air close to ground"))]
        bd.Database("licensed-stand-in").write(
            {
                ("licensed-stand-in", "glaze"): {
                    "name": "glaze frit",
                    "unit": "kg",
                    "exchanges": [
                        {"input": ("licensed-stand-in", "glaze"), "amount": 1.0, "type": "production"},
                        {"input": co2, "amount": 2.0, "type": "biosphere"},
                        {"input": ch4, "amount": 0.01, "type": "biosphere"},
                    ],
                }
            }
        )
    system = {
        "product": "p",
        "declared_unit": "1 kg",
        "reference": "p",
        "processes": [
            {"code": "p", "exchanges": [{"activity": ["licensed-stand-in", "glaze"], "amount": 0.5}]}
        ],
    }
    result = footprint.compute(system, REG)
    # 0.5 kg frit × (2.0 kg CO2 + 0.01 kg CH4 × 29.8) = 0.5 × 2.298 = 1.149 kg CO2e, all fossil
    assert result["fossil_kg_co2e"] == pytest.approx(1.149, rel=1e-6)
    assert result["contributions"][0]["process"] == "imported"
    missing = {
        **system,
        "processes": [{"code": "p", "exchanges": [{"activity": ["ecoinvent-3.9", "x"], "amount": 1}]}],
    }
    with pytest.raises(CarbonError, match="is not imported"):
        footprint.compute(missing, REG)
