"""The report's uncertainty section: headline interval, interval tables, drivers, tornado."""

from __future__ import annotations

import re

import pytest

from ecoledger.accounts import run_account
from ecoledger.outputs import write_outputs
from ecoledger.report import write_report
from ecoledger.uncertainty.names import input_label
from ecoledger.uncertainty.propagate import propagate, relative_ranges
from ecoledger.untranslated import untranslated


@pytest.fixture(scope="module")
def reported(synthetic_pack, tmp_path_factory):
    result = run_account(synthetic_pack, 2020, profile="mee2020", components=True,
                         keep_maps=False)
    result.uncertainty = propagate(result, relative_ranges(result), draws=200)
    folder = write_outputs(result, tmp_path_factory.mktemp("uncertain") / "out", synthetic_pack)
    write_report(folder, synthetic_pack, pdf=False)
    return folder, result.uncertainty


def _section(html: str) -> str:
    start = html.index('<section id="uncertainty"')
    return html[start:html.index("</section>", start)]


def test_zh_report_shows_intervals_drivers_and_tornado_in_chinese(reported):
    folder, uncertainty = reported
    html = (folder / "report.zh.html").read_text(encoding="utf-8")
    section = _section(html)
    assert "GEP 90% 区间" in html  # the headline card
    assert section.count("<table") == 3  # region by item, units, drivers
    assert "data:image/png;base64," in section  # the tornado
    assert "SALib" in section and "1 − C·P" in section  # method and caveats
    assert untranslated(section) == []
    drivers = uncertainty.drivers[uncertainty.drivers["level"] == uncertainty.drivers["level"]
                                  .iloc[0]]
    assert len(drivers) == 10
    top = input_label(drivers["input"].iloc[0], "zh")
    assert top in section and re.search(r"[\u4e00-\u9fff]", top)


def test_en_report_shows_the_interval_of_the_region(reported):
    folder, uncertainty = reported
    html = (folder / "report.en.html").read_text(encoding="utf-8")
    region = uncertainty.intervals[(uncertainty.intervals["scope"] == "gep")].iloc[0]
    assert "GEP 90 % interval" in html
    assert f"{region.p05_yuan / 1e8:,.2f}–{region.p95_yuan / 1e8:,.2f}" in html


def test_report_without_uncertainty_has_no_such_section(synthetic_pack, tmp_path):
    folder = write_outputs(run_account(synthetic_pack, 2020, keep_maps=False), tmp_path / "o",
                           synthetic_pack)
    write_report(folder, synthetic_pack, pdf=False)
    assert 'id="uncertainty"' not in (folder / "report.zh.html").read_text(encoding="utf-8")


def test_input_labels_name_the_parameter_and_its_key():
    assert input_label("reservoir_cost", "zh") == "水库单位库容造价"
    assert input_label("layer:hot_days", "en") == "hot days layer"
    assert input_label("pest_control_cost[forest]", "zh") == "病虫害防治成本（森林）"
