"""Ranges of the parameter rows and derived layers (issue 21): coverage, consistency with the
tables and the assumption rule, hand-checked rows, the override rules and the error messages."""

from __future__ import annotations

import json
import math
import re
import tomllib

import numpy as np
import pandas as pd
import pytest

from ecoledger.errors import ParameterError
from ecoledger.params import Parameters
from ecoledger.tables import data_path
from ecoledger.uncertainty.ranges import (
    DISTRIBUTIONS,
    FIX,
    LAYER_OUTPUT_COLUMNS,
    OUTPUT_COLUMNS,
    PARAMETER_COLUMNS,
    assumptions,
    collapsed,
    layer_ranges,
    parameter_ranges,
)

ASSUMED = re.compile(r'^assumed: ±(\d+) % for confidence "(\w+)" \(range_assumptions\.csv\)')
ASSUMED_ZH = re.compile(r"^假定：可信度 `(\w+)` 类取 ±(\d+) %（range_assumptions\.csv）")
PREFIXES = ("documents:", "literature:", "measured:", "assumed:", "fixed:")
PREFIXES_ZH = {"documents:": "文献对比：", "literature:": "文献：", "measured:": "实测：",
               "assumed:": "假定：", "fixed:": "固定："}
CJK = r"[\u4e00-\u9fff]"
ISSUE_LAYERS = {"precipitation", "hot_days", "actual_et", "transpiration", "water_evaporation",
                "storm_precipitation", "npp", "heterotrophic_respiration", "rainfall_erosivity",
                "soil_erodibility"}
LOG_ROWS = {"lake_storage_log_intercept", "lake_storage_exponent"}  # width put on the storage
POYANG_AREA_KM2 = 3283.0  # at Hukou 21.71 m, jiangxi-parameters.md §5.4


def _csv(name: str) -> pd.DataFrame:
    with data_path(name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """parameter_ranges.csv joined with the values and confidence of parameters.csv."""
    ranges = _csv("parameter_ranges.csv")
    params = _csv("parameters.csv")[["parameter", "key", "value", "confidence"]]
    joined = ranges.merge(params, on=["parameter", "key"], how="outer", indicator=True)
    for column in ("low", "high", "value"):
        joined[column] = pd.to_numeric(joined[column])
    return joined


def _cpi(first: int, last: int) -> float:
    """Π CPI/100 over the years first…last, read from price_index.csv by hand."""
    index = _csv("price_index.csv")
    index = index[index["index"] == "cpi"].set_index("year")["value"].astype(float)
    return math.prod(index[str(y)] / 100 for y in range(first, last + 1))


def _write(path, frame: pd.DataFrame):
    frame.to_csv(path, index=False)
    return path


def _override(path, rows: list[dict]):
    base = {"unit": "1", "price_year": "", "index": "", "source": "test", "confidence": "full",
            "note": "", "note_zh": ""}
    return _write(path, pd.DataFrame([{**base, **r} for r in rows]))


def _range_file(path, rows: list[dict]):
    base = {"distribution": "triangular", "range_source": "test", "range_note": "",
            "range_note_zh": ""}
    return _write(path, pd.DataFrame([{**base, **r} for r in rows]))


# -- the bundled tables ---------------------------------------------------------------------

def test_columns_are_exactly_the_agreed_ones():
    assert list(_csv("parameter_ranges.csv").columns) == PARAMETER_COLUMNS
    assert list(_csv("layer_ranges.csv").columns) == ["layer", "distribution", "low", "high",
                                                      "range_source", "range_source_zh",
                                                      "range_note", "range_note_zh"]
    assert list(_csv("range_assumptions.csv").columns) == ["confidence", "half_width",
                                                           "distribution", "note", "note_zh"]


def test_every_parameter_row_has_exactly_one_range_row(table):
    unmatched = table[table["_merge"] != "both"][["parameter", "key", "_merge"]]
    assert unmatched.empty, unmatched.to_string()
    assert not _csv("parameter_ranges.csv").duplicated(["parameter", "key"]).any()
    assert len(parameter_ranges(Parameters.load(2019))) == len(_csv("parameters.csv"))


def test_ranges_contain_their_value_with_a_known_distribution(table):
    assert table["distribution"].isin(DISTRIBUTIONS).all()
    assert (table["low"] <= table["value"]).all() and (table["value"] <= table["high"]).all()
    fixed = table[table["distribution"] == "fixed"]
    assert (fixed["low"] == fixed["value"]).all() and (fixed["high"] == fixed["value"]).all()
    layers = _csv("layer_ranges.csv")
    low, high = layers["low"].astype(float), layers["high"].astype(float)
    assert ((low <= 1) & (high >= 1) & (low >= 0)).all()
    assert layers["distribution"].isin(DISTRIBUTIONS).all()


def test_every_source_says_what_kind_it_is():
    for name in ("parameter_ranges.csv", "layer_ranges.csv"):
        sources = _csv(name)["range_source"]
        assert sources.str.startswith(PREFIXES).all(), sources[~sources.str.startswith(PREFIXES)]


def test_every_source_is_rendered_in_chinese_with_the_same_kind():
    """The zh report's drivers table shows ``range_source_zh``: every bundled row has one, in
    Chinese, of the same kind as the English source; an assumed row names the same class and
    width in the same words."""
    for name in ("parameter_ranges.csv", "layer_ranges.csv"):
        rows = _csv(name)
        assert rows["range_source_zh"].str.strip().ne("").all(), name
        assert rows["range_source_zh"].str.contains(CJK).all(), name
        for row in rows.itertuples():
            kind = row.range_source.partition(":")[0] + ":"
            assert row.range_source_zh.startswith(PREFIXES_ZH[kind]), row.range_source_zh
            if kind == "assumed:":
                english, chinese = ASSUMED.match(row.range_source), ASSUMED_ZH.match(
                    row.range_source_zh)
                assert chinese, row.range_source_zh
                assert (chinese[1], chinese[2]) == (english[2], english[1])


def test_chinese_sources_leave_no_english_on_a_zh_page():
    """As the drivers table shows them (``words.source``: Latin authors and journals marked
    ``lang="en"``, identifiers as code), no English beyond the allow-list is left."""
    from ecoledger.report import words
    from ecoledger.untranslated import untranslated

    for name in ("parameter_ranges.csv", "layer_ranges.csv"):
        for row in _csv(name).itertuples():
            cell = words.source(row.range_source, row.range_source_zh, "zh")
            assert row.range_source[:10] not in str(cell)  # the Chinese, not the fallback
            html = f'<html lang="zh"><body><table><tr><td>{cell}</td></tr></table></body></html>'
            assert untranslated(html) == [], row.range_source_zh


def test_assumed_ranges_follow_the_one_rule_by_confidence_class(table):
    rule = assumptions()
    assumed = table[table["range_source"].str.startswith("assumed:")]
    assert len(assumed) > 0
    for row in assumed.itertuples():
        match = ASSUMED.match(row.range_source)
        assert match, row.range_source
        percent, confidence = int(match[1]), match[2]
        assert confidence == row.confidence, row.parameter  # the row's own class
        assert percent == round(100 * rule.at[confidence, "half_width"]), row.parameter
        assert row.distribution == rule.at[confidence, "distribution"]
        h = percent / 100
        if row.parameter == "lake_storage_log_intercept":  # on the storage factor e^a
            expected = (row.value + math.log(1 - h), row.value + math.log(1 + h))
        elif row.parameter == "lake_storage_exponent":  # on Poyang's A^b
            expected = tuple(row.value + math.log(1 + s * h) / math.log(POYANG_AREA_KM2)
                             for s in (-1, 1))
        else:
            expected = (row.value * (1 - h), row.value * (1 + h))
        np.testing.assert_allclose((row.low, row.high), expected, rtol=1e-5, err_msg=row.parameter)
    for row in _csv("layer_ranges.csv").itertuples():
        if row.range_source.startswith("assumed:"):
            match = ASSUMED.match(row.range_source)
            assert match, row.range_source
            h = rule.at[match[2], "half_width"]
            assert int(match[1]) == round(100 * h)
            np.testing.assert_allclose((float(row.low), float(row.high)), (1 - h, 1 + h))
    # no assumed source outside the rule's classes; every class explained in both languages
    assert (rule["note"] != "").all() and (rule["note_zh"] != "").all()


def test_cited_rows_are_not_dressed_as_assumptions(table):
    """A range from documents or literature names a section of the method notes; 'memory'
    values used in it are said to be unverified in the note."""
    cited = table[table["range_source"].str.startswith(("documents:", "literature:"))]
    assert cited["range_source"].str.contains(r"gep-method\.md|jiangxi-parameters\.md").all()
    for row in cited.itertuples():
        if "[K]" in row.range_source:
            assert "memory" in row.range_note and "凭记忆" in row.range_note_zh, row.parameter
    memory = table[table["confidence"] == "memory"]
    assert memory["range_note"].str.contains("memory").all()


def test_notes_come_in_both_languages_or_neither():
    for name in ("parameter_ranges.csv", "layer_ranges.csv"):
        notes = _csv(name)
        english, chinese = notes["range_note"] != "", notes["range_note_zh"] != ""
        assert (english == chinese).all(), notes.loc[english != chinese, "range_note"].tolist()
        assert notes.loc[chinese, "range_note_zh"].str.contains(r"[\u4e00-\u9fff]").all()


# -- hand-checked rows --------------------------------------------------------------------------

def test_reservoir_cost_spans_the_documents_at_2010_prices(table):
    row = table.set_index("parameter").loc["reservoir_cost"]
    assert row["low"] == 6.11  # 江波 et al. 2017, the 2005 price as printed
    # Youyang 82.18 yuan/m3 (~2023) carried back to 2010 by the CPI 2011…2023
    assert row["high"] == pytest.approx(82.18 / _cpi(2011, 2023), rel=1e-5)
    assert row["high"] == pytest.approx(62.2264, rel=1e-5)
    # 6.11 at 2005 prices is the 7.06 of 2010 (the Ouyang-group inflation, method notes §5)
    assert 6.11 * _cpi(2006, 2010) == pytest.approx(7.06, abs=0.005)
    ranges = parameter_ranges(Parameters.load(2019)).set_index("name").loc["reservoir_cost"]
    carried = _cpi(2011, 2019)
    assert ranges["value"] == pytest.approx(7.06 * carried)
    assert (ranges["low"], ranges["high"]) == pytest.approx((6.11 * carried, 62.2264 * carried),
                                                            rel=1e-5)


def test_nitrogen_treatment_cost_runs_to_the_tax_route(table):
    row = table.set_index("parameter").loc["nitrogen_treatment_cost"]
    assert row["low"] == 875  # Ganzi 2017, 0.7 yuan per equivalent / 0.8 kg
    # 1.4 yuan per equivalent / 0.8 kg = 1750 yuan/t at 2018, back to 2010 by the CPI 2011…2018
    assert row["high"] == pytest.approx(1750 / _cpi(2011, 2018), rel=1e-5)
    assert row["high"] == pytest.approx(1441.27, rel=1e-6)


def test_transpiration_factor_is_the_t_et_ratio_interval():
    layers = layer_ranges().set_index("layer")
    assert layers.at["transpiration", "low"] == pytest.approx(0.46 / 0.61, rel=1e-5)
    assert layers.at["transpiration", "high"] == pytest.approx(0.76 / 0.61, rel=1e-5)


# -- the loader ---------------------------------------------------------------------------------

def test_values_are_those_parameters_returns_and_get_is_not_recorded():
    params = Parameters.load(2019)
    ranges = parameter_ranges(params)
    assert list(ranges.columns) == OUTPUT_COLUMNS
    assert OUTPUT_COLUMNS.index("range_source_zh") == OUTPUT_COLUMNS.index("range_source") + 1
    assert ranges["range_source_zh"].str.contains(CJK).all()
    assert not params.used  # the loader reads the table; it does not count as a use
    other = Parameters.load(2019)
    for row in ranges.itertuples():
        assert row.value == pytest.approx(other.get(row.parameter, row.key))
    named = ranges.set_index("name")
    assert named.at["water_price[domestic]", "key"] == "domestic"
    assert named.at["carbon_price", "key"] == ""
    assert named.at["carbon_price", "value"] == 29.57  # index none: not carried


def test_a_price_keeps_its_relative_range_in_any_accounting_year():
    early = parameter_ranges(Parameters.load(2012)).set_index("name").loc["electricity_price"]
    late = parameter_ranges(Parameters.load(2023)).set_index("name").loc["electricity_price"]
    for frame in (early, late):
        assert frame["low"] / frame["value"] == pytest.approx(0.52 / _cpi(2011, 2023) / 0.53)
        assert frame["high"] == pytest.approx(frame["value"])
    assert late["value"] == pytest.approx(0.53 * _cpi(2011, 2023))


def test_an_overridden_value_keeps_the_bundled_relative_width(tmp_path):
    override = _override(tmp_path / "p.csv", [
        {"parameter": "reservoir_cost", "key": "", "value": "14.12", "unit": "yuan/m3",
         "price_year": "2010", "index": "cpi"},
        {"parameter": "runoff_coefficient", "key": "wetland", "value": "0.01"},
        {"parameter": "so2_capacity", "key": "mixed_forest", "value": "100", "unit": "kg/ha/a"}])
    ranges = parameter_ranges(Parameters.load(2010, [override])).set_index("name")
    row = ranges.loc["reservoir_cost"]
    assert row["value"] == pytest.approx(14.12)
    assert row["low"] == pytest.approx(14.12 * 6.11 / 7.06)
    assert row["high"] == pytest.approx(14.12 * 62.2264 / 7.06, rel=1e-5)
    assert row["distribution"] == "triangular"
    capacity = ranges.loc["so2_capacity[mixed_forest]"]
    assert (capacity["low"], capacity["high"]) == pytest.approx((90, 110))
    # a fixed zero stays fixed, at the new value
    wetland = ranges.loc["runoff_coefficient[wetland]"]
    assert (wetland["low"], wetland["high"], wetland["distribution"]) == (0.01, 0.01, "fixed")


def test_a_range_file_takes_precedence_over_the_bundled_rows(tmp_path):
    extra = _range_file(tmp_path / "r.csv", [
        {"parameter": "reservoir_cost", "key": "", "low": "7", "high": "8",
         "distribution": "uniform", "range_source": "documents: a local budget"}])
    ranges = parameter_ranges(Parameters.load(2010), [extra]).set_index("name")
    row = ranges.loc["reservoir_cost"]
    assert (row["low"], row["high"], row["distribution"]) == (7, 8, "uniform")
    assert row["range_source"] == "documents: a local budget"
    # the later of two files wins, as parameter overrides do
    second = _range_file(tmp_path / "r2.csv", [
        {"parameter": "reservoir_cost", "key": "", "low": "6", "high": "9"}])
    row = parameter_ranges(Parameters.load(2010), [extra, second]).set_index("name")
    assert (row.at["reservoir_cost", "low"], row.at["reservoir_cost", "high"]) == (6, 9)


def test_the_chinese_source_is_an_optional_column_of_a_range_file(tmp_path):
    """A user's range file may lack ``range_source_zh``: its rows have it empty (the zh report
    then shows the English source); given, it is carried; a value overridden without a range
    row of its own keeps the bundled range and its Chinese source."""
    bare = _write(tmp_path / "bare.csv", pd.DataFrame([
        {"parameter": "reservoir_cost", "key": "", "distribution": "uniform", "low": 7,
         "high": 8, "range_source": "documents: a local budget"}]))
    translated = _range_file(tmp_path / "zh.csv", [
        {"parameter": "carbon_price", "key": "", "low": "20", "high": "40",
         "range_source": "documents: a local market", "range_source_zh": "文献对比：当地市场"}])
    override = _override(tmp_path / "p.csv", [
        {"parameter": "so2_capacity", "key": "mixed_forest", "value": "100", "unit": "kg/ha/a"}])
    ranges = parameter_ranges(Parameters.load(2010, [override]), [bare, translated])
    named = ranges.set_index("name")
    assert named.at["reservoir_cost", "range_source"] == "documents: a local budget"
    assert named.at["reservoir_cost", "range_source_zh"] == ""
    assert named.at["carbon_price", "range_source_zh"] == "文献对比：当地市场"
    bundled = _csv("parameter_ranges.csv").set_index(["parameter", "key"])
    assert named.at["so2_capacity[mixed_forest]", "range_source_zh"] == bundled.at[
        ("so2_capacity", "mixed_forest"), "range_source_zh"]
    layers = tmp_path / "layers.csv"
    pd.DataFrame([{"layer": "npp", "distribution": "uniform", "low": 0.5, "high": 1.5,
                   "range_source": "measured: a local MOD17 comparison"}]).to_csv(layers,
                                                                                 index=False)
    rows = layer_ranges([layers])
    assert list(rows.columns) == LAYER_OUTPUT_COLUMNS
    rows = rows.set_index("layer")
    assert rows.at["npp", "range_source_zh"] == ""
    assert rows.at["actual_et", "range_source_zh"].startswith("实测：")


def test_the_engine_keeps_the_chinese_source_of_every_input(synthetic_pack):
    """``ranges_for`` and the what-if ``relative_ranges`` give every input its Chinese source,
    and ``propagate`` keeps it in the sampled inputs (which the report's drivers table reads)."""
    from ecoledger.accounts import run_account
    from ecoledger.uncertainty.propagate import (
        RANGE_COLUMNS,
        propagate,
        ranges_for,
        relative_ranges,
    )

    result = run_account(synthetic_pack, 2020, profile="mee2020", components=True)
    assert RANGE_COLUMNS.index("range_source_zh") == RANGE_COLUMNS.index("range_source") + 1
    cited = ranges_for(result)
    assert list(cited.columns) == RANGE_COLUMNS
    assert cited["range_source_zh"].str.contains(CJK).all()
    what_if = relative_ranges(result, 0.8, 1.2)
    assert list(what_if.columns) == RANGE_COLUMNS
    assert (what_if["range_source_zh"] == "假设：×0.8–×1.2").all()
    assert (what_if["range_source"] == "what-if: ×0.8–×1.2").all()
    inputs = propagate(result, cited, draws=20).inputs
    assert len(inputs) and inputs["range_source_zh"].str.contains(CJK).all()


def test_a_parameter_row_without_a_range_names_file_parameter_key_and_fix(tmp_path):
    override = _override(tmp_path / "pack_parameters.csv", [
        {"parameter": "local_price", "key": "tea", "value": "3"}])
    with pytest.raises(ParameterError) as error:
        parameter_ranges(Parameters.load(2019, [override]))
    message = str(error.value)
    assert str(override) in message and "'local_price'" in message and "'tea'" in message
    assert FIX in message and "parameter_ranges.csv" in message
    # a range file supplies it
    extra = _range_file(tmp_path / "r.csv", [
        {"parameter": "local_price", "key": "tea", "low": "2", "high": "4"}])
    ranges = parameter_ranges(Parameters.load(2019, [override]), [extra]).set_index("name")
    assert ranges.at["local_price[tea]", "high"] == 4


@pytest.mark.parametrize(("change", "field", "fragment"), [
    ({"low": "8"}, "low", "above the parameter value"),
    ({"high": "7"}, "high", "below the parameter value"),
    ({"distribution": "normal"}, "distribution", "is not one of uniform, triangular, fixed"),
    ({"low": "about 6"}, "low", "is not a number"),
    ({"high": ""}, "high", "is not a number"),
    ({"range_source": ""}, "range_source", "cite the documents"),
    ({"low": "9", "high": "8"}, "low", "swap them"),
    ({"distribution": "fixed"}, "high", "needs low = high"),
    ({"parameter": "reservoir_costs"}, "parameter", "is not in the parameter table"),
])
def test_bad_range_rows_name_file_row_field_and_fix(tmp_path, change, field, fragment):
    good = {"parameter": "carbon_price", "key": "", "low": "20", "high": "40"}
    bad = {"parameter": "reservoir_cost", "key": "", "low": "6", "high": "9", **change}
    extra = _range_file(tmp_path / "r.csv", [good, bad])
    with pytest.raises(ParameterError) as error:
        parameter_ranges(Parameters.load(2010), [extra])
    message = str(error.value)
    assert f"{extra}, row 3, field '{field}'" in message, message
    assert fragment in message, message


def test_unreadable_or_incomplete_range_files_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="range file not found"):
        parameter_ranges(Parameters.load(2019), [tmp_path / "missing.csv"])
    short = _write(tmp_path / "short.csv", pd.DataFrame([{"parameter": "carbon_price", "low": 1}]))
    with pytest.raises(ParameterError, match=r"short\.csv, field\(s\) \['key', 'distribution'"):
        parameter_ranges(Parameters.load(2019), [short])
    twice = _range_file(tmp_path / "twice.csv", [
        {"parameter": "carbon_price", "key": "", "low": "20", "high": "40"},
        {"parameter": "carbon_price", "key": "", "low": "20", "high": "50"}])
    with pytest.raises(ParameterError, match=r"twice\.csv, rows 2, 3, field 'parameter'"):
        parameter_ranges(Parameters.load(2019), [twice])


def test_an_override_outside_its_own_range_row_is_refused(tmp_path):
    override = _override(tmp_path / "p.csv", [
        {"parameter": "carbon_price", "key": "", "value": "100", "unit": "yuan/t CO2",
         "price_year": "2023", "index": "none"}])
    extra = _range_file(tmp_path / "r.csv", [
        {"parameter": "carbon_price", "key": "", "low": "20", "high": "40"}])
    with pytest.raises(ParameterError, match=r"r\.csv, row 2, field 'high'.*below the parameter "
                                             r"value 100 \(.*p\.csv\)"):
        parameter_ranges(Parameters.load(2023, [override]), [extra])


def test_layer_ranges_and_their_overrides(tmp_path):
    layers = layer_ranges()
    assert layers["name"].tolist() == [f"layer:{layer}" for layer in layers["layer"]]
    assert (layers["value"] == 1).all()
    assert ISSUE_LAYERS <= set(layers["layer"])
    extra = tmp_path / "layers.csv"
    pd.DataFrame([{"layer": "npp", "distribution": "uniform", "low": 0.5, "high": 1.5,
                   "range_source": "measured: a local MOD17 comparison"}]).to_csv(extra, index=False)
    npp = layer_ranges([extra]).set_index("layer").loc["npp"]
    assert (npp["low"], npp["high"], npp["distribution"]) == (0.5, 1.5, "uniform")
    pd.DataFrame([{"layer": "npp", "distribution": "uniform", "low": 1.1, "high": 1.5,
                   "range_source": "x"},
                  {"layer": "nnp", "distribution": "uniform", "low": 0.9, "high": 1.5,
                   "range_source": "x"}]).to_csv(extra, index=False)
    with pytest.raises(ParameterError) as error:
        layer_ranges([extra])
    assert f"{extra}, row 2, field 'low'" in str(error.value)
    assert f"{extra}, row 3, field 'layer': 'nnp' is not a layer" in str(error.value)


def test_collapsed_ranges_are_the_point_values():
    ranges = pd.concat([parameter_ranges(Parameters.load(2019)), layer_ranges()])
    point = collapsed(ranges)
    assert (point["low"] == point["value"]).all() and (point["high"] == point["value"]).all()
    assert (point["distribution"] == "fixed").all()
    assert (point.loc[point["name"].str.startswith("layer:"), "low"] == 1).all()
    assert ranges["distribution"].ne("fixed").any()  # the input is left alone
    no_value = collapsed(layer_ranges().drop(columns="value"))
    assert (no_value["low"] == 1).all() and (no_value["high"] == 1).all()


# -- the Jiangxi pack and the measured comparisons behind layer_ranges.csv ---------------------

def test_the_jiangxi_pack_is_covered(jiangxi_main):
    from ecoledger.pack.manifest import load_pack

    pack_root = jiangxi_main[2]
    pack = load_pack(pack_root)
    params = Parameters.load(2019, pack.parameter_files)  # the pack's own rows, if it has any
    ranges = parameter_ranges(params)
    assert len(ranges) == len(params.table.drop_duplicates(["parameter", "key"]))
    manifest = tomllib.loads((pack_root / "pack.toml").read_text(encoding="utf-8"))
    specs = [manifest["layers"], *(y["layers"] for y in manifest.get("years", {}).values())]
    derived = {name for spec in specs for name, layer in spec.items()
               if layer.get("status") == "derived"}
    assert derived, "the pack marks its derived layers"
    assert derived <= set(layer_ranges()["layer"]), derived - set(layer_ranges()["layer"])


def test_actual_et_factor_is_the_measured_water_balance_spread(jiangxi_main):
    """(P − R) / Fu ET per year, mean of the seven basins, 2006–2019, from the pack's fitted ω."""
    from ecoledger.packs import derive, jiangxi

    fitted = json.loads((jiangxi_main[2] / "metadata.json").read_text(encoding="utf-8"))
    fitted = fitted["checks"]["fu_omega_2006_2019"]
    series = pd.read_csv(jiangxi.default_source() / "hydrology/poyang7_yearly_P_R_2006_2020.csv",
                         encoding="utf-8-sig")
    main = series[series["scenario"] == "main_2006_2019_raw"].set_index(["year", "basin_en"])
    for (year, basin), (scenario, _) in jiangxi.ARTEFACTS.items():
        corrected = series[series["scenario"] == scenario].set_index(["year", "basin_en"])
        main.loc[(year, basin)] = corrected.loc[(year, basin)]
    main = main.reset_index()
    main = main[main["year"].isin(jiangxi.YEARS)]
    main["fu"] = [derive.fu_actual_et(p, fitted[b]["PET_mm"], fitted[b]["omega"])
                  for p, b in zip(main["precipitation_mm"], main["basin_en"], strict=True)]
    main["balance"] = main["precipitation_mm"] - main["runoff_depth_mm"]
    yearly = main.groupby("year")[["balance", "fu"]].mean()
    factor = yearly["balance"] / yearly["fu"]
    row = layer_ranges().set_index("layer").loc["actual_et"]
    assert (row["low"], row["high"]) == pytest.approx((factor.min(), factor.max()), abs=0.005)


def _source_or_skip():
    from ecoledger.packs import jiangxi

    source = jiangxi.default_source()
    if not (source / jiangxi.CRU_STATIONS_FILE).is_file():
        pytest.skip(f"{source}: the Jiangxi source data are not here")
    return source


INSIDE_JIANGXI = ("57598", "57793", "57799", "57993", "58506", "58527", "58606", "58715", "58813",
                  "59102")  # data/jiangxi/climate_grids/README.md


def test_precipitation_factor_is_the_measured_cru_vs_itu_spread():
    from ecoledger.packs import derive, jiangxi

    source = _source_or_skip()
    stations = pd.read_csv(source / jiangxi.CRU_STATIONS_FILE, dtype={"STNID": str})
    stations = stations[stations["STNID"].str[:5].isin(INSIDE_JIANGXI)]
    assert len(stations) == 10
    lat, lon, rain = jiangxi.rain_grid(source)
    itu = derive.bilinear_at_points(lat, lon, rain, stations["LAT"].to_numpy(),
                                    stations["LON"].to_numpy()).sum(axis=0)
    cru = stations[[f"CRU_CL_2_0_pre_{m:02d}" for m in range(1, 13)]].sum(axis=1).to_numpy()
    row = layer_ranges().set_index("layer").loc["precipitation"]
    assert (row["low"], row["high"]) == pytest.approx(((cru / itu).min(), (cru / itu).max()),
                                                      abs=0.0005)


def test_hot_days_factor_is_station_normals_against_cru_and_the_notes():
    from ecoledger.packs import derive, jiangxi

    source = _source_or_skip()
    stations = pd.read_csv(source / jiangxi.CRU_STATIONS_FILE, dtype={"STNID": str})
    nanchang = stations[stations["STNID"].str.startswith("58606")]
    tmax = nanchang[[f"CRU_CL_2_0_tmx_{m:02d}" for m in range(1, 13)]].to_numpy(float).ravel()
    normals = pd.read_csv(source / "climate_normals/nanchang_58606_monthly_normals_tr055_wide.csv")
    station = normals.sort_values("month_num")["mean.max.temp"].to_numpy()
    cru_days = derive.hot_days_from_monthly_tmax(tmax)
    row = layer_ranges().set_index("layer").loc["hot_days"]
    assert row["low"] == pytest.approx(derive.hot_days_from_monthly_tmax(station) / cru_days,
                                       abs=0.0005)
    assert row["high"] == pytest.approx(165 / cru_days, abs=0.0005)  # jiangxi-parameters.md §7
