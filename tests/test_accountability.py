"""Departure audits and chiefs' duties (issue 20, items 5–6): arithmetic by hand, checks, pages."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from ecoledger.accountability import chiefs as ch
from ecoledger.accountability.decomposition import relative_change, value_change_effects
from ecoledger.accountability.departure import AuditError, departure_audit
from ecoledger.accountability.report import write_departure
from ecoledger.untranslated import untranslated

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out"
UNIT = "360881"

# --- a hand-made pair of account folders -------------------------------------------------------

ITEMS_2018 = [
    # item, group, quantity, unit, price, value, status
    ("water_conservation", "regulating", 100.0, "m3", 2.0, 200.0, "derived"),
    ("carbon_sequestration", "regulating", 10.0, "t CO2", 5.0, 50.0, "derived"),
    ("soil_retention_sediment", "regulating", 50.0, "m3", 1.0, 50.0, "derived"),
    ("recreation", "cultural", 3.0, "visits", 10.0, 30.0, "reported"),
]
ITEMS_2019 = [
    ("water_conservation", "regulating", 80.0, "m3", 3.0, 240.0, "derived"),
    ("carbon_sequestration", "regulating", 10.0, "t CO2", 4.0, 40.0, "derived"),
    ("soil_retention_sediment", "regulating", 40.0, "m3", 1.0, 40.0, "derived"),
    ("recreation", "cultural", None, "visits", None, None, "missing"),
]


def _account(folder: Path, year: int, items, extent: dict, erosivity_hash: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "tables").mkdir()
    rows = []
    for item, group, q, unit, p, v, status in items:
        for ecosystem in ("forest", "all"):
            rows.append(
                {
                    "adcode": UNIT,
                    "name": "示范县",
                    "level": "county",
                    "year": year,
                    "group": group,
                    "service": item,
                    "item": item,
                    "item_zh": item,
                    "ecosystem": ecosystem,
                    "physical_value": q,
                    "physical_unit": unit,
                    "unit_price": p,
                    "price_unit": "yuan",
                    "value_yuan": v,
                    "data_status": status,
                    "note": "",
                    "note_zh": "",
                }
            )
    pd.DataFrame(rows).to_csv(folder / "accounts.csv", index=False)
    layers = {
        "landcover": {"file": "layers/landcover.tif"},
        "rainfall_erosivity": {"file": f"layers/rainfall_erosivity_{year}.tif"},
        "dem": {"file": "layers/dem.tif"},
    }
    inputs = {
        "layers/landcover.tif": "aaa",
        "layers/dem.tif": "bbb",
        f"layers/rainfall_erosivity_{year}.tif": erosivity_hash,
    }
    (folder / "run.json").write_text(
        json.dumps(
            {
                "year": year,
                "pack": str(folder / "no-pack"),
                "layers": layers,
                "inputs": inputs,
                "parameter_table_version": "v1",
                "price_year": year,
            }
        ),
        encoding="utf-8",
    )
    pd.DataFrame(
        [{"adcode": UNIT, "name": "示范县", "level": "county", **{f"{k}_km2": v for k, v in extent.items()}}]
    ).to_csv(folder / "tables/T1_extent.csv", index=False)
    pd.DataFrame(
        [
            {
                "code": UNIT,
                "indicator": "tourism_revenue",
                "value": 30.0 if year == 2018 else 45.0,
                "status": "reported",
                "method": "",
                "source": "",
                "quote": "",
            }
        ]
    ).to_csv(folder / "tables/statistics_used.csv", index=False)
    pd.DataFrame(
        [
            {"parameter": "carbon_price", "key": "", "value": 5.0 if year == 2018 else 4.0},
            {"parameter": "reservoir_cost", "key": "", "value": 2.0 if year == 2018 else 3.0},
        ]
    ).to_csv(folder / "tables/T4_prices.csv", index=False)
    return folder


@pytest.fixture
def two_years(tmp_path):
    a = _account(
        tmp_path / "a2018", 2018, ITEMS_2018, {"forest": 10.0, "grassland": 5.0, "total": 15.0}, "x1"
    )
    b = _account(tmp_path / "a2019", 2019, ITEMS_2019, {"forest": 9.0, "grassland": 6.0, "total": 15.0}, "x2")
    return a, b


def test_decomposition_adds_up_by_hand():
    # q 100 → 80, p 2 → 3: quantity effect −20 × 2.5 = −50, price effect 1 × 90 = 90, change 240 − 200 = 40
    assert value_change_effects(100, 2, 80, 3) == (-50.0, 90.0)
    assert relative_change(200, 240) == pytest.approx(0.2)
    assert math.isnan(relative_change(0, 5))


def test_departure_arithmetic_on_hand_made_accounts(two_years):
    audit = departure_audit(UNIT, 2018, 2019, list(two_years))
    items = audit.items.set_index("item")
    water = items.loc["water_conservation"]
    assert water["change_yuan"] == pytest.approx(40.0)
    assert water["quantity_effect_yuan"] == pytest.approx(-50.0)
    assert water["price_effect_yuan"] == pytest.approx(90.0)
    assert water["change_share"] == pytest.approx(0.2)
    carbon = items.loc["carbon_sequestration"]
    assert (
        carbon["change_yuan"],
        carbon["quantity_effect_yuan"],
        carbon["price_effect_yuan"],
    ) == pytest.approx((-10.0, 0.0, -10.0))
    compared = audit.items[audit.items["status"] == "compared"]
    assert (compared["quantity_effect_yuan"] + compared["price_effect_yuan"]).to_numpy() == pytest.approx(
        compared["change_yuan"].to_numpy()
    )
    # recreation is missing in 2019: it stays missing, no change, not a decline
    assert items.loc["recreation", "status"] == "missing" and math.isnan(
        items.loc["recreation", "change_yuan"]
    )
    declined = audit.declined.set_index("item")
    assert set(declined.index) == {"carbon_sequestration", "soil_retention_sediment"}
    assert declined.loc["carbon_sequestration", "main_effect"] == "price"
    assert declined.loc["soil_retention_sediment", "main_effect"] == "quantity"
    assert "layer:rainfall_erosivity" in declined.loc["soil_retention_sediment", "changed_inputs"]
    assert "price:carbon_price" in declined.loc["carbon_sequestration", "changed_inputs"]
    assert "landcover" not in declined.loc["soil_retention_sediment", "changed_inputs"]
    # why, in words: the change, the two effects and the changed input with its start and end
    reason = declined.loc["carbon_sequestration", "reason_en"]
    assert "fell by 10 yuan (quantity effect +0, price effect -10)" in reason
    assert "mainly a lower unit price" in reason and "carbon price 5 → 4 (-20.0%)" in reason
    assert "碳价格 5 → 4（-20.0%）" in declined.loc["carbon_sequestration", "reason_zh"]
    # GEP: 200 + 50 + 50 + 30 = 330 at start, 240 + 40 + 40 = 320 at end; comparable change 40 − 10 − 10
    assert audit.gep["start_yuan"] == pytest.approx(330.0)
    assert audit.gep["end_yuan"] == pytest.approx(320.0)
    assert audit.gep["compared_change_yuan"] == pytest.approx(20.0)
    assert audit.gep["quantity_effect_yuan"] + audit.gep["price_effect_yuan"] == pytest.approx(20.0)
    assert audit.gep["missing_items"] == ["recreation"]
    assets = audit.assets.set_index("ecosystem")
    assert assets.loc["forest", "change_km2"] == pytest.approx(-1.0)
    assert assets.loc["grassland", "change_share"] == pytest.approx(0.2)
    drivers = audit.drivers.set_index("name")
    assert bool(drivers.loc["rainfall_erosivity", "changed"]) and not bool(
        drivers.loc["landcover", "changed"]
    )
    assert drivers.loc["tourism_revenue", "change_share"] == pytest.approx(0.5)
    # one land-cover file for both runs: the audit says the zero extent change proves nothing
    assert any("same land-cover file" in en for _, en in audit.notes)


def test_departure_indicators_and_page(two_years, tmp_path):
    table = pd.DataFrame(
        [
            {
                "code": UNIT,
                "unit_name": "示范县",
                "level": "county",
                "year": 2018,
                "indicator": "forest_cover",
                "value": 60.0,
                "unit": "%",
                "status": "reported",
                "source_title": "t",
                "source_url": "u",
                "quote": "q",
                "reason": "",
            },
            {
                "code": UNIT,
                "unit_name": "示范县",
                "level": "county",
                "year": 2019,
                "indicator": "forest_cover",
                "value": 63.0,
                "unit": "%",
                "status": "reported",
                "source_title": "t",
                "source_url": "u",
                "quote": "q",
                "reason": "",
            },
            {
                "code": UNIT,
                "unit_name": "示范县",
                "level": "county",
                "year": 2019,
                "indicator": "pm25",
                "value": None,
                "unit": "μg/m3",
                "status": "missing",
                "source_title": "",
                "source_url": "",
                "quote": "",
                "reason": "not published",
            },
        ]
    )
    path = tmp_path / "indicator_values.csv"
    table.to_csv(path, index=False)
    audit = departure_audit(UNIT, 2018, 2019, list(two_years), indicators=path)
    ind = audit.indicators.set_index("indicator")
    assert ind.loc["forest_cover", "change"] == pytest.approx(3.0)
    assert math.isnan(ind.loc["pm25", "value_1"]) and math.isnan(ind.loc["pm25", "change"])
    page = write_departure(audit, tmp_path / "audit")
    assert untranslated(page.read_text(encoding="utf-8")) == []
    assert (tmp_path / "audit" / "index.en.html").is_file()
    long = pd.read_csv(tmp_path / "audit" / "audit.csv", dtype={"code": str})
    assert set(long["section"]) >= {"assets", "gep", "item_value", "item_quantity", "indicator"}
    summary = json.loads((tmp_path / "audit" / "audit.json").read_text(encoding="utf-8"))
    assert summary["declined_items"] == ["carbon_sequestration", "soil_retention_sediment"] or set(
        summary["declined_items"]
    ) == {"carbon_sequestration", "soil_retention_sediment"}


def test_departure_refuses_missing_year_and_bad_term(two_years, tmp_path):
    with pytest.raises(AuditError, match="no account folder for 2020"):
        departure_audit(UNIT, 2018, 2020, list(two_years))
    with pytest.raises(AuditError, match="must come before"):
        departure_audit(UNIT, 2019, 2018, list(two_years))
    with pytest.raises(AuditError, match="no unit with code 999999"):
        departure_audit("999999", 2018, 2019, list(two_years))
    with pytest.raises(AuditError, match=r"run\.json is missing"):
        departure_audit(UNIT, 2018, 2019, [tmp_path])


def test_departure_cli_on_hand_made_accounts(two_years, tmp_path):
    from ecoledger.cli.main import app

    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app,
        [
            "--lang",
            "en",
            "audit",
            "departure",
            "--unit",
            UNIT,
            "--start",
            "2018",
            "--end",
            "2019",
            "--accounts",
            str(two_years[0]),
            "--accounts",
            str(two_years[1]),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 items declined" in result.output and (out / "index.html").is_file()


@pytest.mark.skipif(
    not (OUT / "jiangxi-2018" / "accounts.csv").is_file()
    or not (OUT / "jiangxi-2019" / "accounts.csv").is_file()
    or not (OUT / "seea-extent" / "extent_account.en.csv").is_file(),
    reason="the main job's outputs are not present",
)
def test_departure_on_the_real_accounts_of_one_county():
    audit = departure_audit(
        UNIT, 2018, 2019, [OUT / "jiangxi-2018", OUT / "jiangxi-2019"], extent=OUT / "seea-extent"
    )
    for year, column in ((2018, "value_0"), (2019, "value_1")):
        rows = pd.read_csv(OUT / f"jiangxi-{year}" / "accounts.csv", dtype={"adcode": str})
        rows = rows[(rows["adcode"] == UNIT) & (rows["ecosystem"] == "all")]
        assert audit.items[column].sum() == pytest.approx(rows["value_yuan"].sum())
    compared = audit.items[audit.items["status"] == "compared"]
    assert (compared["quantity_effect_yuan"] + compared["price_effect_yuan"]).to_numpy() == pytest.approx(
        compared["change_yuan"].to_numpy(), rel=1e-9, abs=1e-3
    )
    assert audit.gep["compared_change_yuan"] == pytest.approx(
        audit.gep["quantity_effect_yuan"] + audit.gep["price_effect_yuan"], rel=1e-9
    )
    # the pack has one land-cover map for both years: zero extent change, and the page says why
    assert audit.assets["change_km2"].abs().sum() == 0.0
    assert any("one land-cover map" in en for _, en in audit.notes)
    landcover = audit.drivers[(audit.drivers["kind"] == "layer") & (audit.drivers["name"] == "landcover")]
    assert not bool(landcover["changed"].iloc[0])


# --- chiefs ------------------------------------------------------------------------------------


def test_months_windows_and_closure_by_hand():
    assert ch.months_between(dt.date(2023, 1, 15), dt.date(2023, 12, 1)) == 12
    assert ch.months_between(dt.date(2023, 11, 1), dt.date(2024, 2, 28)) == 4
    days = [dt.date(2023, 2, 1), dt.date(2023, 5, 1), dt.date(2023, 5, 20), dt.date(2023, 11, 3)]
    # quarters Jan–Mar 1, Apr–Jun 2, Jul–Sep 0, Oct–Dec 1: 3 of 4 windows have ≥ 1 patrol
    assert ch.periods_met(days, dt.date(2023, 1, 1), dt.date(2023, 12, 31), 3, 1) == (3, 4)
    # seven months make two complete quarters; the last month is not judged
    assert ch.periods_met(days, dt.date(2023, 1, 1), dt.date(2023, 7, 31), 3, 1) == (2, 2)
    assert ch.closure_rate(4, 3) == 0.75 and math.isnan(ch.closure_rate(0, 0))
    assert ch.days_to_close(dt.date(2023, 3, 2), dt.date(2023, 3, 20)) == 18


def _areas():
    return gpd.GeoDataFrame(
        {"area_id": ["F1", "R1"], "name": ["示范林区", "示范河段"], "kind": ["forest_parcel", "river_reach"]},
        geometry=[shapely.box(115.0, 27.0, 115.1, 27.1), shapely.LineString([(115.0, 27.0), (115.1, 27.0)])],
        crs="EPSG:4326",
    )


def _records():
    officials = pd.DataFrame(
        [
            {
                "area_id": "F1",
                "name": "示范林长甲",
                "post": "县级林长",
                "level": "county",
                "date_from": "2023-01-01",
                "date_to": "",
            },
            {
                "area_id": "R1",
                "name": "示范河长乙",
                "post": "县级河长",
                "level": "county",
                "date_from": "2023-07-01",
                "date_to": "",
            },
        ]
    )
    patrols = pd.DataFrame(
        [
            {"patrol_id": f"p{i}", "area_id": a, "official": o, "date": d, "note": ""}
            for i, (a, o, d) in enumerate(
                [
                    ("F1", "示范林长甲", "2023-02-01"),
                    ("F1", "示范林长甲", "2023-05-01"),
                    ("F1", "示范林长甲", "2023-05-20"),
                    ("F1", "示范林长甲", "2023-11-03"),
                    ("R1", "示范河长乙", "2023-07-10"),
                    ("R1", "示范河长乙", "2023-09-10"),
                    ("R1", "示范河长乙", "2023-12-10"),
                ]
            )
        ]
    )
    issues = pd.DataFrame(
        [
            {
                "issue_id": "i1",
                "area_id": "F1",
                "opened": "2023-03-02",
                "status": "closed",
                "closed": "2023-03-20",
                "description": "",
            },
            {
                "issue_id": "i2",
                "area_id": "F1",
                "opened": "2023-06-10",
                "status": "closed",
                "closed": "2023-08-09",
                "description": "",
            },
            {
                "issue_id": "i3",
                "area_id": "F1",
                "opened": "2023-11-20",
                "status": "opened",
                "closed": "",
                "description": "",
            },
            {
                "issue_id": "i4",
                "area_id": "F1",
                "opened": "2022-12-01",
                "status": "closed",
                "closed": "2023-01-05",
                "description": "",
            },
        ]
    )
    return officials, patrols, issues


def test_chief_indicators_by_hand(tmp_path):
    from ecoledger.accountability.chiefs_report import write_chiefs

    officials, patrols, issues = _records()
    result = ch.chiefs_indicators(
        _areas(),
        officials,
        patrols,
        issues,
        rules=["jx-forest-2022-county"],
        required={("river_lake", "county"): 1.0},
        period_start="2023-01-01",
        period_end="2023-12-31",
        buffer_m=50.0,
    )
    areas = result.indicators.set_index("area_id")
    assert areas.loc["F1", "patrols"] == 4 and areas.loc["F1", "patrols_per_month"] == pytest.approx(4 / 12)
    # F1: opened in 2023 i1, i2, i3; closed by the end i1 (18 d), i2 (60 d) → 2/3, median 39 d;
    # closed in 2023 also i4 (opened 2022): 3 closings; open at the end: i3
    assert areas.loc["F1", "issues_opened"] == 3 and areas.loc["F1", "issues_closed"] == 3
    assert areas.loc["F1", "closure_rate"] == pytest.approx(2 / 3)
    assert areas.loc["F1", "median_days_to_close"] == pytest.approx(39.0)
    assert areas.loc["F1", "issues_open_at_end"] == 1
    assert math.isnan(areas.loc["R1", "closure_rate"])
    duties = result.duties.set_index("official")
    forest = duties.loc["示范林长甲"]
    # cited county rule: ≥ 1 patrol a quarter; Jul–Sep has none → 3 of 4 quarters, not met
    assert forest["required_per_month"] == pytest.approx(1 / 3) and forest["requirement_basis"] == "cited"
    assert (forest["periods_met"], forest["periods"], forest["met"]) == (3, 4, False)
    river = duties.loc["示范河长乙"]
    # in post Jul–Dec: 6 months, 3 patrols → 0.5 a month against the user's 1 a month
    assert (river["months"], river["patrols"]) == (6, 3) and river["patrols_per_month"] == pytest.approx(0.5)
    assert river["requirement_basis"] == "user" and not river["met"]
    # without a rule or a user requirement nothing is judged
    bare = ch.chiefs_indicators(
        _areas(),
        officials,
        patrols,
        issues,
        period_start="2023-01-01",
        period_end="2023-12-31",
        buffer_m=50.0,
    )
    assert set(bare.duties["requirement_basis"]) == {"missing"} and bare.duties["met"].isna().all()
    # a reach needs its buffer width from the user: there is no default
    with pytest.raises(AuditError, match="--buffer-m"):
        ch.chiefs_indicators(_areas(), officials, patrols, issues)
    page = write_chiefs(result, tmp_path / "chiefs")
    assert untranslated(page.read_text(encoding="utf-8")) == []


def test_chief_records_are_checked():
    officials, patrols, issues = _records()
    issues.loc[0, "closed"] = ""  # closed without a date
    issues.loc[1, "status"] = "done"
    patrols.loc[0, "date"] = "2023-02-30"
    patrols.loc[1, "area_id"] = "X9"
    officials.loc[0, "level"] = "district"
    with pytest.raises(ch.ChiefsRecordError) as caught:
        ch.chiefs_indicators(_areas(), officials, patrols, issues)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "a closed issue needs its closing date" in text
    assert "status 'done' is not opened or closed" in text
    assert "patrols.csv · date: row 2: date is not a date" in text
    assert "area 'X9' is not in the areas file" in text
    assert "level 'district'" in text
    assert all(p.message_zh and p.fix_zh for p in caught.value.problems)


def test_chief_areas_are_checked(tmp_path):
    areas = _areas()
    areas.loc[1, "area_id"] = "F1"
    areas.loc[0, "kind"] = "river_reach"
    problems = ch.check_areas(areas)
    text = "\n".join(str(p) for p in problems)
    assert "area ids repeat: F1" in text and "a river_reach must be a line, not polygon" in text
    no_crs = _areas().set_crs(None, allow_override=True)
    assert any(p.field == "crs" for p in ch.check_areas(no_crs))
    with pytest.raises(AuditError, match="system:level"):
        ch.parse_required(["river:county=1"])
    assert ch.parse_required(["forest:village=2"]) == {("forest", "village"): 2.0}
    path = tmp_path / "officials.csv"
    path.write_text("area_id,name\nF1,甲\n", encoding="utf-8")
    with pytest.raises(ch.ChiefsRecordError, match="1 problem"):
        ch.read_csv_table(path, "officials")


def test_templates_and_cited_rules(tmp_path):
    written = ch.write_templates(tmp_path)
    assert (
        written["issues"].read_text(encoding="utf-8-sig").strip()
        == "issue_id,area_id,opened,status,closed,description"
    )
    rules = ch.patrol_rules()
    assert rules["rule_id"].is_unique
    assert rules["source_url"].str.startswith("http").all() and rules["quote"].str.len().gt(5).all()
    county = rules.set_index("rule_id").loc["jx-forest-2022-county"]
    assert (county["min_patrols"], county["per_months"]) == (1, 3) and "每季度" in county["quote"]


def test_chiefs_cli_end_to_end_with_stations(tmp_path):
    from ecoledger.cli.main import app

    areas = tmp_path / "areas.geojson"
    _areas().to_file(areas, driver="GeoJSON")
    officials, patrols, issues = _records()
    for name, frame in (("officials", officials), ("patrols", patrols), ("issues", issues)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    # S1 in the forest box, S3 about 11 m south of the reach (in its 50 m buffer, not in the box), S2 far
    pd.DataFrame(
        {"station": ["S1", "S2", "S3"], "lon": [115.05, 116.0, 115.05], "lat": [27.05, 28.0, 26.9999]}
    ).to_csv(tmp_path / "stations.csv", index=False)
    (tmp_path / "water.csv").write_text(
        "station,water_type,city,basin,date,parameter,value,unit\n"
        "S1,river,,,2023-05-01,tp,0.15,mg/L\n"  # GB 3838 river TP: ≤ 0.2 is class III
        "S2,river,,,2023-05-01,tp,0.5,mg/L\n"
        "S3,river,,,2023-05-01,tp,0.35,mg/L\n",  # ≤ 0.4 is class V
        encoding="utf-8",
    )
    out = tmp_path / "chiefs"
    args = ["--lang", "zh", "audit", "chiefs", "--areas", str(areas)]
    for name in ("officials", "patrols", "issues"):
        args += [f"--{name}", str(tmp_path / f"{name}.csv")]
    args += [
        "--rule",
        "jx-forest-2022-county",
        "--required",
        "river_lake:county=1",
        "--buffer-m",
        "50",
        "--period-start",
        "2023-01-01",
        "--period-end",
        "2023-12-31",
        "--stations",
        str(tmp_path / "stations.csv"),
        "--water-records",
        str(tmp_path / "water.csv"),
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "areas.csv").set_index("area_id")
    assert table.loc["F1", "worst_station_class"] == 3 and table.loc["F1", "stations"] == "S1"
    assert table.loc["R1", "worst_station_class"] == 5 and table.loc["R1", "stations"] == "S3"
    assert untranslated((out / "index.html").read_text(encoding="utf-8")) == []
    bad = CliRunner().invoke(app, [*args[:-2], "--out", str(tmp_path / "x"), "--required", "lake=1"])
    assert bad.exit_code == 2 and not (tmp_path / "x").exists()


@pytest.mark.skipif(
    not (OUT / "jiangxi-2019" / "maps" / "ecosystem.tif").is_file()
    or not (OUT / "jiangxi-2018" / "accounts.csv").is_file()
    or not (OUT / "seea-extent" / "extent_account.en.csv").is_file()
    or not (OUT / "jiangxi-pack" / "pack.toml").is_file(),
    reason="the main job's outputs are not present",
)
def test_demo_on_the_real_outputs(tmp_path):
    import time

    from ecoledger.accountability.demo import run_demo

    began = time.perf_counter()
    summary = run_demo(
        OUT / "jiangxi-pack",
        [OUT / "jiangxi-2018", OUT / "jiangxi-2019"],
        OUT / "seea-extent",
        tmp_path / "audit",
    )
    assert time.perf_counter() - began < 20
    assert (summary["unit"], summary["start"], summary["end"], summary["status"]) == (
        UNIT,
        2018,
        2019,
        "demonstration",
    )
    chiefs = pd.read_csv(tmp_path / "audit" / "chiefs-demo" / "areas.csv")
    assert (chiefs["data_status"] == "demonstration").all() and chiefs["name"].str.startswith("示范").all()
    officials = pd.read_csv(tmp_path / "audit" / "chiefs-demo" / "officials.csv")
    assert officials["name"].str.startswith("示范").all()
    page = (tmp_path / "audit" / "chiefs-demo" / "index.html").read_text(encoding="utf-8")
    assert "示范数据" in page and untranslated(page) == []
    assert (
        untranslated((tmp_path / "audit" / f"departure-{UNIT}" / "index.html").read_text(encoding="utf-8"))
        == []
    )
