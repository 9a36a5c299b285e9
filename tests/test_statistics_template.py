"""The statistics template: needed indicators, template → filled → add-statistics → accounts."""

import io

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from ecoledger import tables
from ecoledger.accounts import ITEM_STATISTICS, POLLUTANTS, run_account
from ecoledger.cli.main import app
from ecoledger.errors import PackError, SubmissionError
from ecoledger.items.provisioning import SECTORS, WATER_USE_INDICATOR, sector_output_indicator
from ecoledger.pack.statistics import add_statistics
from ecoledger.platform.submissions import parse_upload, validate_rows
from ecoledger.statistics.template import (
    POLLUTANT_LOADS,
    completed_items,
    needed_statistics,
    template_csv_bytes,
    template_rows,
)
from ecoledger.testing import make_pack, synthetic_statistics

YEAR = 2020
COUNTIES = ["990101", "990102", "990201", "990202"]
WITHHELD = {"tourist_visits": "万人次", "water_use_domestic": "万m3"}  # what the template supplies
runner = CliRunner()


@pytest.fixture(scope="module")
def pack_without(tmp_path_factory):
    """A synthetic pack whose counties lack tourist visits and domestic water use."""
    def make():
        table = synthetic_statistics(YEAR)
        table = table[~table["indicator"].isin(WITHHELD)]
        return make_pack(tmp_path_factory.mktemp("template-pack"), statistics=table)
    return make


def test_needed_statistics_lists_every_indicator_ndrc2022_needs():
    needed = needed_statistics("ndrc2022").set_index("indicator")
    profile = tables.profile("ndrc2022")
    expected = {"gdp", "population", "tourist_visits", "travel_cost_per_visit", "tourism_revenue",
                "hydropower_generation"}
    expected |= {sector_output_indicator(s, "gross_output") for s in SECTORS}
    expected |= set(WATER_USE_INDICATOR.values())
    expected |= {load for item, (_, load, _) in POLLUTANTS.items() if item in profile.items}
    expected |= {i.strip() for item, listed in ITEM_STATISTICS.items() if item in profile.items
                 for i in listed.split(",")}
    assert set(needed.index) == expected
    assert POLLUTANT_LOADS == {item: load for item, (_, load, _) in POLLUTANTS.items()}
    assert needed.at["gdp", "unit"] == "yuan" and needed.at["gdp", "name_zh"] == "地区生产总值"
    assert needed.at["so2_emission", "items"] == "air_purification_so2"
    assert needed[["name_en", "definition", "items_zh"]].ne("").all().all()
    # the quantity × price basis asks for the products instead of the sector output values
    products = needed_statistics("ndrc2022", basis="quantity_price")["indicator"]
    assert {"output_grain", "price_grain"} <= set(products)
    assert "agriculture_output_value" not in set(products)


def test_every_indicator_has_a_maximum_with_its_reason():
    catalogue = tables.indicators()
    assert catalogue["maximum"].notna().all()
    assert catalogue["note"].str.contains("max ").all()
    assert catalogue["name_en"].ne("").all()


def _fill_xlsx(content: bytes, values: dict[tuple[str, str], float]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    header = [c.value.split()[0] for c in sheet[1]]
    at = {name: i for i, name in enumerate(header)}
    for row in sheet.iter_rows(min_row=2):
        key = (row[at["code"]].value, row[at["indicator"]].value)
        if key in values:
            row[at["value"]].value = values[key]
            row[at["unit"]].value = WITHHELD[key[1]]
            row[at["source"]].value = "synthetic test data"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _item_rows(result, item: str) -> pd.DataFrame:
    rows = result.accounts
    return rows[(rows["item"] == item) & (rows["ecosystem"] == "all")].set_index("adcode")


def test_xlsx_round_trip_completes_the_items(pack_without, tmp_path):
    pack = pack_without()
    template = tmp_path / "template.xlsx"
    made = runner.invoke(app, ["pack", "template", str(pack), "--year", str(YEAR), "--profile",
                               "ndrc2022", "--out", str(template), "--level", "county"])
    assert made.exit_code == 0, made.output
    before = run_account(pack, YEAR, profile="ndrc2022")
    for item in ("recreation", "water_supply_domestic"):
        assert (_item_rows(before, item).loc[COUNTIES, "data_status"] == "missing").all()

    values = {(code, indicator): 10.0 * (i + 1)
              for i, code in enumerate(COUNTIES) for indicator in WITHHELD}
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(_fill_xlsx(template.read_bytes(), values))
    added = runner.invoke(app, ["pack", "add-statistics", str(pack), str(filled)])
    assert added.exit_code == 0, added.output
    assert "8 row(s) added" in added.output
    assert "990101 2020: " in added.output and "recreation (" in added.output
    assert "water_supply_domestic" in added.output

    after = run_account(pack, YEAR, profile="ndrc2022")
    for item in ("recreation", "water_supply_domestic"):
        rows = _item_rows(after, item).loc[COUNTIES]
        assert (rows["data_status"] == "reported").all(), rows
        assert (rows["value_yuan"] > 0).all()
    # 10 万人次 at 400 元/人次 in county 990101
    assert _item_rows(after, "recreation").at["990101", "value_yuan"] == pytest.approx(
        10.0 * 1e4 * 400.0)


def _csv_with(rows: list[dict]) -> bytes:
    table = template_rows(pd.DataFrame({"code": ["990101"], "name": ["甲一县"]}), YEAR,
                          needed_statistics("ndrc2022"))
    for fill in rows:
        at = table["indicator"] == fill["indicator"]
        for column, value in fill.items():
            table.loc[at, column] = value
    return template_csv_bytes(table)


def test_csv_rows_repeated_are_refused_without_replace(pack_without, tmp_path):
    pack = pack_without()
    first = tmp_path / "first.csv"
    first.write_bytes(_csv_with([{"indicator": "tourist_visits", "value": "12", "unit": "万人次",
                                  "source": "synthetic"}]))
    assert first.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    done = runner.invoke(app, ["pack", "add-statistics", str(pack), str(first)])
    assert done.exit_code == 0, done.output
    manifest = (pack / "pack.toml").read_text(encoding="utf-8")
    added = [line for line in manifest.splitlines() if "added-" in line]
    assert len(added) == 1 and '"statistics.csv"' in added[0]

    second = tmp_path / "second.csv"
    second.write_bytes(_csv_with([{"indicator": "tourist_visits", "value": "15", "unit": "万人次",
                                   "source": "synthetic, corrected"}]))
    refused = runner.invoke(app, ["pack", "add-statistics", str(pack), str(second)])
    assert refused.exit_code == 2
    assert "already has a value" in refused.output and "--replace" in refused.output
    assert "数据包中已有" in refused.output
    assert (pack / "pack.toml").read_text(encoding="utf-8") == manifest

    replaced = runner.invoke(app, ["pack", "add-statistics", str(pack), str(second), "--replace"])
    assert replaced.exit_code == 0, replaced.output
    files = sorted((pack / "statistics").glob("added-*.csv"))
    rows = pd.concat([pd.read_csv(f, dtype=str) for f in files])
    visits = rows[(rows["code"] == "990101") & (rows["indicator"] == "tourist_visits")]
    assert visits["value"].tolist() == ["15"]  # the old row is gone from its file
    from ecoledger.pack.validate import validate_pack

    assert not [p for p in validate_pack(pack, YEAR) if p.severity == "error"]


def test_a_magnitude_off_by_ten_thousand_is_refused_and_nothing_written(pack_without, tmp_path):
    pack = pack_without()
    manifest = (pack / "pack.toml").read_bytes()
    wrong = tmp_path / "wrong.csv"
    # a county GDP of 5e7 亿元 is a 万元 figure labelled 亿元
    wrong.write_bytes(_csv_with([
        {"indicator": "gdp", "value": "5e7", "unit": "亿元", "source": "synthetic"},
        {"indicator": "tourist_visits", "value": "12", "unit": "万人次", "source": "synthetic"}]))
    result = runner.invoke(app, ["pack", "add-statistics", str(pack), str(wrong)])
    assert result.exit_code == 2
    assert "wrong.csv · row 2 · value" in result.output
    assert "check the unit: 万元 vs 亿元" in result.output
    assert "请核对单位：万元 还是 亿元" in result.output
    assert "nothing written" in result.output
    assert (pack / "pack.toml").read_bytes() == manifest
    assert not (pack / "statistics").exists()


def test_add_statistics_python_path(pack_without):
    pack = pack_without()
    rows = pd.DataFrame({"code": ["990102"], "year": [YEAR], "indicator": ["water_use_domestic"],
                         "value": [2.5e7], "unit": ["m3"], "source": ["synthetic"],
                         "status": ["derived"], "method": ["population × per-capita use"]})
    result = add_statistics(pack, rows)
    assert result.rows == 1 and result.file.startswith("statistics/added-")
    assert result.completed["item"].tolist() == ["water_supply_domestic"]
    written = pd.read_csv(pack / result.file, dtype=str)
    assert written.loc[0, "status"] == "derived" and written.loc[0, "value"] == "25000000"
    with pytest.raises(PackError) as refused:
        add_statistics(pack, rows.assign(code="990101", status="allocated", method=""))
    assert any(p.field == "row 2 · method" for p in refused.value.problems)


def test_the_upload_parser_reads_the_bilingual_template():
    content = _csv_with([{"indicator": "gdp", "value": "321.5", "unit": "亿元", "source": "年鉴",
                          "status": "reported", "quote": "地区生产总值321.5亿元"}])
    table = parse_upload("t.csv", content)
    assert {"status", "method", "quote"} <= set(table.columns) and "name" not in table.columns
    gdp = table[table["indicator"] == "gdp"]
    assert gdp["value"].tolist() == ["321.5"] and gdp["quote"].tolist() == ["地区生产总值321.5亿元"]
    with pytest.raises(SubmissionError):  # a help column is no hiding place for a formula
        parse_upload("t.csv", content.replace("甲一县".encode(), b"=1+1", 1))
    problems = validate_rows(table[table["value"] != ""], known_codes={"990101"},
                             allowed_codes=None)
    assert not [p for p in problems if p.severity == "error"]


def test_completed_items_counts_only_what_the_rows_add():
    existing = pd.DataFrame({"code": ["990101"], "year": [YEAR], "indicator": ["tourist_visits"],
                             "value": ["1"]})
    rows = pd.DataFrame({"code": ["990101", "990101"], "year": [YEAR, YEAR],
                         "indicator": ["tourism_revenue", "gdp"], "value": ["3", "1"]})
    done = completed_items(rows, "ndrc2022", existing=existing)
    assert set(done["item"]) == {"recreation", "gep_to_gdp"}
    assert done.set_index("item").at["recreation", "indicators"] == "tourism_revenue"
    assert completed_items(rows, "ndrc2022", existing=pd.concat([existing, rows])).empty


def test_platform_template_download_and_what_an_upload_completes(platform_client):
    from ecoledger.platform.testing import login

    client = platform_client
    csrf = login(client, "county-a")
    xlsx = client.get("/api/v1/submissions/units-template", params={"format": "xlsx", "year": 2020})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    table = parse_upload("t.xlsx", xlsx.content)
    assert set(table["code"]) == {"990101"}  # the units county-a may submit for
    assert "agriculture_output_value" in set(table["indicator"])
    csv_template = client.get("/api/v1/submissions/units-template", params={"format": "csv"})
    text = csv_template.content.decode("utf-8-sig")
    lines = text.splitlines()
    filled = [lines[0]] + [
        line.replace(",agriculture_output_value,,yuan,", ",agriculture_output_value,12.5,亿元,yearbook")
        for line in lines[1:] if ",agriculture_output_value," in line]
    created = client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf}, files={
        "file": ("t.csv", ("\r\n".join(lines[:1] + filled[1:] + lines[1:3])).encode(), "text/csv")})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["row_count"] == 1  # the unfilled template rows are dropped
    assert [(c["code"], c["item"]) for c in body["completes"]] == [("990101", "agriculture")]
    page = client.get("/submissions")
    assert "units-template-xlsx" in page.text
    derived = "\r\n".join([lines[0], filled[1].replace("yearbook,", "yearbook,derived")])
    refused = client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf},
                          files={"file": ("d.csv", derived.encode(), "text/csv")})
    assert refused.status_code == 422
    assert any("reported figures only" in p["message"] for p in refused.json()["problems"])
