"""The annual report to the People's Congress (issue 20, item 4), on tiny hand-made output folders."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoledger.cli.main import app
from ecoledger.congress import Inputs, write_congress_report
from ecoledger.congress.build import context
from ecoledger.congress.content import decision_goals, goal_of
from ecoledger.congress.sections import BUILDERS, SCORECARD_COLUMNS, gep_change
from ecoledger.report import browser
from ecoledger.untranslated import untranslated

YEAR = 2019


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _account(folder: Path, year: int, gep: float, cities: tuple[float, float]) -> Path:
    """An account folder with what the report reads: summary.json, T6, accounts.csv, intervals."""
    folder.mkdir(parents=True)
    summary = {
        "region": "Testland",
        "year": year,
        "gep_yuan": gep,
        "gep_to_gdp": 1.5,
        "groups": {
            "provisioning": {"name_zh": "物质产品", "value_yuan": gep * 0.1, "share": 0.1},
            "regulating": {"name_zh": "调节服务", "value_yuan": gep * 0.9, "share": 0.9},
        },
        "missing_items": ["water_supply_domestic"],
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    header = [
        "adcode",
        "name",
        "level",
        "provisioning",
        "regulating",
        "cultural",
        "gep",
        "gdp",
        "population",
        "gep_to_gdp",
        "area_km2",
        "gep_per_km2",
    ]
    _write_csv(
        folder / "tables" / "T6_summary.csv",
        header,
        [
            ["360000", "测试省", "province", "", "", "", gep, gep / 1.5, "", 1.5, 100, ""],
            ["360100", "甲市", "city", "", "", "", cities[0], "", "", "", 60, ""],
            ["360200", "乙市", "city", "", "", "", cities[1], "", "", "", 40, ""],
        ],
    )
    _write_csv(
        folder / "accounts.csv",
        ["adcode", "level", "item", "ecosystem", "data_status", "note", "note_zh"],
        [
            [
                "360000",
                "province",
                "water_supply_domestic",
                "all",
                "missing",
                "statistic not reported: supply water_use_domestic",
                "未报告统计：请填报生活用水量",
            ]
        ],
    )
    _write_csv(
        folder / "uncertainty" / "intervals.csv",
        ["adcode", "name", "level", "scope", "key", "point_yuan", "median_yuan", "p05_yuan", "p95_yuan"],
        [["360000", "测试省", "province", "gep", "gep", gep, gep, 2.0e10, 4.0e10]],
    )
    return folder


SCORECARD_ROWS = [
    # a reported value with its source, a missing one with its reason, a computed one
    [
        "360000",
        "测试省",
        "province",
        YEAR,
        "environment_quality",
        "pm25",
        "PM2.5 年均浓度",
        "PM2.5 annual mean",
        "µg/m³",
        "lower",
        35,
        35,
        2020,
        38,
        -3,
        "improving",
        "green",
        "",
        "",
        "测试省2019年生态环境状况公报",
        "https://example.org/bulletin-2019",
        "全省PM2.5平均浓度为35微克/立方米",
        "",
    ],
    [
        "360000",
        "测试省",
        "province",
        YEAR,
        "green_transition",
        "carbon_intensity",
        "碳排放强度",
        "Carbon intensity",
        "t/10⁴ yuan",
        "lower",
        "",
        "",
        "",
        "",
        "",
        "unknown",
        "missing",
        "",
        "",
        "",
        "",
        "",
        "no energy consumption by fuel for 2019 in the pack",
    ],
    [
        "360100",
        "甲市",
        "city",
        YEAR,
        "environment_quality",
        "pm25",
        "PM2.5 年均浓度",
        "PM2.5 annual mean",
        "µg/m³",
        "lower",
        40,
        35,
        2020,
        42,
        -2,
        "improving",
        "amber",
        2,
        2,
        "甲市2019年环境质量公报",
        "https://example.org/a",
        "甲市PM2.5年均浓度40微克/立方米",
        "",
    ],
    [
        "360200",
        "乙市",
        "city",
        YEAR,
        "environment_quality",
        "pm25",
        "PM2.5 年均浓度",
        "PM2.5 annual mean",
        "µg/m³",
        "lower",
        "",
        35,
        2020,
        "",
        "",
        "unknown",
        "missing",
        "",
        2,
        "",
        "",
        "",
        "乙市未发布2019年公报",
    ],
    [
        "360100",
        "甲市",
        "city",
        2018,
        "environment_quality",
        "pm25",
        "PM2.5 年均浓度",
        "PM2.5 annual mean",
        "µg/m³",
        "lower",
        42,
        35,
        2020,
        "",
        "",
        "unknown",
        "red",
        2,
        2,
        "甲市2018年公报",
        "https://example.org/b",
        "",
        "",
    ],
]


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    accounts = _account(tmp_path / "jiangxi-2019", YEAR, 3.0e10, (1.8e10, 1.2e10))
    previous = _account(tmp_path / "jiangxi-2018", YEAR - 1, 2.4e10, (1.5e10, 0.9e10))
    targets = tmp_path / "targets"
    _write_csv(targets / "scorecard.csv", list(SCORECARD_COLUMNS), SCORECARD_ROWS)
    carbon = tmp_path / "carbon"
    _write_csv(
        carbon / "inventory.csv",
        ["code", "year", "scope", "co2_t", "status", "missing_statistics", "factor_ids", "note"],
        [
            ["360000", YEAR, "electricity_related_total", 123_400_000, "complete", "", "grid.JX.2019", ""],
            [
                "360000",
                YEAR,
                "fuel_combustion",
                "",
                "missing",
                "energy consumption by fuel and sector 2019",
                "",
                "",
            ],
        ],
    )
    monitoring = tmp_path / "monitoring"
    _write_csv(
        monitoring / "poyang_tp.csv",
        ["year", "value", "unit", "status", "sources"],
        [[YEAR, 0.069, "mg/L", "reported", "https://example.org/tp"]],
    )
    _write_csv(
        monitoring / "air_annual.csv", ["city", "year", "pm25_annual_mean"], [["Jiujiang", 2015, 48.8]]
    )
    return {
        "accounts": accounts,
        "previous": previous,
        "targets": targets,
        "carbon": carbon,
        "monitoring": monitoring,
        "out": tmp_path / "congress-2019",
        "root": tmp_path,
    }


def _inputs(folders: dict[str, Path], **changes) -> Inputs:
    given = {
        "year": YEAR,
        "accounts": folders["accounts"],
        "previous": folders["previous"],
        "targets": folders["targets"],
        "carbon": folders["carbon"],
        "monitoring": folders["monitoring"],
        "audit": folders["root"] / "no-audit-this-year",
    }
    given.update(changes)
    return Inputs(**given)


class _Rows(HTMLParser):
    """The cells (as inner HTML) of the tables inside the element with ``id``."""

    def __init__(self, section_id: str):
        super().__init__(convert_charrefs=True)
        self.section_id, self.depth, self.rows, self.cell = section_id, 0, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += tag not in ("br", "img", "meta", "col")
        elif attrs.get("id") == self.section_id:
            self.depth = 1
        if self.depth and tag == "tr":
            self.rows.append([])
        if self.depth and tag == "td":
            self.cell = []
        elif self.cell is not None:
            self.cell.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None
        elif self.cell is not None:
            self.cell.append(f"</{tag}>")
        self.depth -= tag not in ("br", "img", "meta", "col")

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _table_rows(html: str, section_id: str) -> list[list[str]]:
    parser = _Rows(section_id)
    parser.feed(html)
    return [row for row in parser.rows if row]


def _source_ids(html: str) -> set[str]:
    return set(re.findall(r'<li id="source-(\d+)"', html))


def test_gep_change_by_hand():
    # (3.0e10 − 2.4e10) / 2.4e10 = 0.25
    assert gep_change(3.0e10, 2.4e10) == pytest.approx(0.25)
    assert gep_change(3.0e10, None) is None
    assert gep_change(3.0e10, 0.0) is None


def test_goals_are_cited_and_each_has_a_section():
    goals = decision_goals()
    assert {g.code for g in goals} == set(BUILDERS)
    for goal in goals:
        assert goal.quote and goal.source_url.startswith("http") and goal.source_date == "2024-01-26"
        assert "国家生态文明建设高地" in goal.source_title
    assert goal_of("green_transition", goals).code == "carbon"
    assert goal_of("environment_quality", goals).code == "environment_quality"
    assert goal_of("no_such_goal", goals) is None


def test_every_scorecard_value_carries_a_source_or_a_reason(folders):
    written = write_congress_report(_inputs(folders), folders["out"], pdf=False)
    assert {p.name for p in written} == {"report.zh.html", "report.en.html", "gaps.zh.csv", "gaps.en.csv"}
    for lang in ("zh", "en"):
        html = (folders["out"] / f"report.{lang}.html").read_text(encoding="utf-8")
        sources = _source_ids(html)
        rows = _table_rows(html, "scorecard")
        # the 2019 rows with a value, province and cities; the missing ones are counted, their
        # reasons listed as gaps
        assert len(rows) == 2
        assert ("另有 2 行" if lang == "zh" else "2 more (unit × indicator)") in html
        for row in rows:
            value = row[2]
            linked = re.findall(r'href="#source-(\d+)"', value)
            if linked:
                assert set(linked) <= sources
            else:
                assert 'class="missing"' in value
                reason = re.sub(r"<[^>]+>", "", value).split("：" if lang == "zh" else ": ", 1)[1]
                assert reason.strip()
        # the facts of the goal sections hold to the same rule
        for section in ("goal-gep_accounting", "goal-carbon", "goal-environment_quality"):
            for row in _table_rows(html, section):
                if len(row) == 4 and row[1].strip() not in ("", "—"):
                    assert set(re.findall(r'href="#source-(\d+)"', row[3])) <= sources
                    assert "source-" in row[3]
                elif len(row) == 4:
                    assert 'class="missing"' in row[3]
    en = (folders["out"] / "report.en.html").read_text(encoding="utf-8")
    assert "https://example.org/bulletin-2019" in en
    assert "no energy consumption by fuel for 2019 in the pack" in en
    zh = (folders["out"] / "report.zh.html").read_text(encoding="utf-8")
    assert "乙市未发布2019年公报" in zh


def test_figures_by_hand(folders):
    write_congress_report(_inputs(folders), folders["out"], pdf=False)
    en = (folders["out"] / "report.en.html").read_text(encoding="utf-8")
    assert "300.00" in en  # GEP 3.0e10 yuan = 300.00 × 10⁸ yuan
    assert "+25.0%" in en  # against 2.4e10 the year before
    assert "200.00–400.00" in en  # the 90 % interval 2.0e10–4.0e10
    assert "12,340" in en  # 123,400,000 t CO₂ = 12,340 × 10⁴ t
    assert "0.069" in en and "https://example.org/tp" in en
    assert "+20.0%" in en and "+33.3%" in en  # 甲市 1.5→1.8, 乙市 0.9→1.2 (×10¹⁰)


def test_absent_inputs_become_gaps(folders):
    write_congress_report(_inputs(folders), folders["out"], pdf=False)
    with (folders["out"] / "gaps.en.csv").open(encoding="utf-8") as handle:
        gaps = list(csv.DictReader(handle))
    reasons = {g["what"]: g["reason"] for g in gaps}
    assert (
        reasons["protected areas and species indicators"]
        == "not produced this year (no --biodiversity given)"
    )
    assert "does not exist" in reasons["departure audits and chiefs"]
    assert reasons["applications of the accounts"].startswith("not produced this year")
    # missing statistics and indicators are gaps too, with their reasons
    assert any("water_use_domestic" in g["reason"] for g in gaps)
    assert any("energy consumption by fuel and sector 2019" in g["reason"] for g in gaps)
    assert any(g["what"] == "Carbon intensity: missing for 1 units" for g in gaps)
    assert any("PM2.5" in g["what"] and "2019" in g["reason"] for g in gaps)


def test_no_scorecard_is_a_gap_not_an_error(folders):
    inputs = _inputs(folders, targets=folders["root"] / "targets-not-yet")
    shown = context(inputs, folders["out"], "en")
    assert shown["scorecard"] is None and "scorecard" in shown["scorecard_absent"]
    assert any(what == "scorecard" for _, what, _ in shown["gaps"])


def test_zh_page_has_no_untranslated_english(folders):
    write_congress_report(_inputs(folders), folders["out"], pdf=False)
    html = (folders["out"] / "report.zh.html").read_text(encoding="utf-8")
    assert untranslated(html) == []
    assert "草稿" in html and "江西省人民代表大会关于全力打造国家生态文明建设高地的决定" in html


def test_cli_writes_the_report(folders):
    result = CliRunner().invoke(
        app,
        [
            "--lang",
            "en",
            "congress",
            "report",
            "--year",
            str(YEAR),
            "--accounts",
            str(folders["accounts"]),
            "--previous",
            str(folders["previous"]),
            "--targets",
            str(folders["targets"]),
            "--out",
            str(folders["out"]),
            "--no-pdf",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "files written" in result.output
    assert (folders["out"] / "report.zh.html").is_file() and (folders["out"] / "report.en.html").is_file()


@pytest.mark.skipif(browser.chromium() is None, reason="no Chromium to print the PDF")
def test_pdf_is_written_with_chromium(folders):
    written = write_congress_report(_inputs(folders), folders["out"], pdf=True, languages=("zh",))
    pdf = folders["out"] / "report.zh.pdf"
    assert pdf in written and pdf.read_bytes()[:4] == b"%PDF"


def test_departure_audit_summary_is_shown(folders):
    audit = folders["root"] / "audit" / "departure-360881"
    audit.mkdir(parents=True)
    summary = {
        "unit": "360881",
        "unit_name": "井冈山市",
        "start": 2018,
        "end": 2019,
        "gep_start_yuan": 2.0e10,
        "gep_end_yuan": 1.985e10,
        "gep_change_yuan": -1.5e8,
        "declined_items": ["water_conservation"],
    }
    (audit / "audit.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    write_congress_report(_inputs(folders, audit=folders["root"] / "audit"), folders["out"], pdf=False)
    zh = (folders["out"] / "report.zh.html").read_text(encoding="utf-8")
    assert "井冈山市2018—2019年离任审计" in zh
    assert "-1.50" in zh  # −1.5e8 yuan = −1.50 亿元
    assert "水源涵养" in zh  # the declined item by its name
    assert untranslated(zh) == []


REAL = Path(__file__).resolve().parents[1] / "out"


@pytest.mark.skipif(not (REAL / "jiangxi-2019" / "summary.json").is_file(), reason="no real outputs in out/")
def test_on_the_real_outputs(tmp_path):
    names = (
        "previous",
        "targets",
        "monitoring",
        "carbon",
        "seea_extent",
        "seea_condition",
        "biodiversity",
        "controls",
        "audit",
        "applications",
    )
    folders = dict(
        zip(
            names,
            (
                "jiangxi-2018",
                "targets",
                "monitoring",
                "carbon",
                "seea-extent",
                "seea-condition",
                "biodiversity",
                "controls",
                "audit",
                "applications",
            ),
            strict=True,
        )
    )
    inputs = Inputs(year=YEAR, accounts=REAL / "jiangxi-2019", **{k: REAL / v for k, v in folders.items()})
    write_congress_report(inputs, tmp_path / "congress", pdf=False)
    zh = (tmp_path / "congress" / "report.zh.html").read_text(encoding="utf-8")
    assert untranslated(zh) == []
    assert "the statistics give no" not in zh  # the scorecard's reasons in Chinese (reason_zh)
    assert "江西省 · GEP与GDP之比" not in zh  # stated once, from the account
    sources = _source_ids(zh)
    for row in _table_rows(zh, "scorecard"):
        linked = set(re.findall(r'href="#source-(\d+)"', row[2]))
        assert (linked and linked <= sources) or 'class="missing"' in row[2]
