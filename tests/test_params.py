"""Parameter tables: sources present, price index chaining, overrides, usage recording."""

import pandas as pd
import pytest

from ecoledger import tables
from ecoledger.errors import ParameterError
from ecoledger.params import Parameters


def test_every_parameter_row_has_value_unit_and_source():
    params = Parameters.load(2020)
    table = params.table
    assert table["source"].str.strip().ne("").all()
    assert table["unit"].str.strip().ne("").all()
    priced = table[table["index"].isin(["cpi"])]
    assert priced["price_year"].str.fullmatch(r"\d{4}").all()


def test_every_parameter_row_has_its_source_in_chinese():
    """The zh report and pages show ``source_zh``: every row of the shipped table has one, in
    Chinese (a rendering of the English source, not a copy of it)."""
    table = pd.read_csv(tables.data_path("parameters.csv"), dtype=str, keep_default_na=False)
    assert table["source_zh"].str.strip().ne("").all()
    assert table["source_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert (table["source_zh"] != table["source"]).all()


def test_source_in_chinese_is_optional_and_carried_into_the_values_used(tmp_path):
    plain, translated = tmp_path / "plain.csv", tmp_path / "translated.csv"
    plain.write_text("parameter,key,value,unit,source\nreservoir_cost,,9,yuan/m3,Local budget 2023\n")
    translated.write_text("parameter,key,value,unit,source,source_zh\n"
                          "reservoir_cost,,9,yuan/m3,Local budget 2023,2023 年当地预算\n")
    used = Parameters.load(2020, [plain])
    used.get("reservoir_cost")
    row = used.used_table().set_index("parameter").loc["reservoir_cost"]
    assert (row["source"], row["source_zh"]) == ("Local budget 2023", "")  # shown: the source
    shipped = Parameters.load(2020)
    shipped.get("reservoir_cost")
    assert shipped.used_table().iloc[0]["source_zh"].startswith("白玛卓嘎")
    mine = Parameters.load(2020, [translated])
    mine.get("reservoir_cost")
    assert mine.used_table().iloc[0]["source_zh"] == "2023 年当地预算"


def test_cpi_chain_reproduces_ganzi_reservoir_cost_inflation():
    # 6.11 元/m³ at 2005 prices became 7.06 at 2010 prices in the Ouyang-group papers
    params = Parameters.load(2010)
    assert 6.11 * params.index_factor("cpi", 2005, 2010) == pytest.approx(7.06, abs=0.01)


def test_price_carried_to_accounting_year_and_recorded():
    params = Parameters.load(2010)
    assert params.get("reservoir_cost") == pytest.approx(7.06)
    later = Parameters.load(2012)
    assert later.get("reservoir_cost") == pytest.approx(7.06 * 1.054 * 1.026)
    used = later.used_table().set_index("parameter")
    assert used.at["reservoir_cost", "base_value"] == 7.06
    assert "Ganzi" in used.at["reservoir_cost", "source"]


def test_index_outside_the_table_is_an_error():
    with pytest.raises(ParameterError, match="lacks years"):
        Parameters.load(2040).get("reservoir_cost")


def test_override_replaces_a_row_and_changes_the_version(tmp_path):
    override = tmp_path / "mine.csv"
    pd.DataFrame([{"parameter": "reservoir_cost", "key": "", "value": 82.18, "unit": "yuan/m3",
                   "price_year": 2023, "index": "none", "source": "Youyang platform default"}]
                 ).to_csv(override, index=False)
    base, mine = Parameters.load(2023), Parameters.load(2023, [override])
    assert mine.get("reservoir_cost") == pytest.approx(82.18)
    assert mine.version != base.version
    assert mine.used_table().iloc[0]["origin"] == str(override)


def test_override_without_source_is_refused(tmp_path):
    override = tmp_path / "bad.csv"
    override.write_text("parameter,key,value,unit,source\nreservoir_cost,,9,yuan/m3,\n")
    with pytest.raises(ParameterError, match="source"):
        Parameters.load(2020, [override])


def test_missing_parameter_names_the_fix():
    with pytest.raises(ParameterError, match="override table"):
        Parameters.load(2020).get("storm_runoff_coefficient", "evergreen_broadleaf_forest")


def test_profiles_differ_where_the_standards_do():
    ndrc, mee = tables.profile("ndrc2022"), tables.profile("mee2020")
    assert "oxygen_release" not in ndrc.items and "oxygen_release" in mee.items
    assert "pest_control" not in ndrc.items and "pest_control" in mee.items
    assert set(ndrc.items) | set(mee.items) <= set(tables.items().index)
    with pytest.raises(ParameterError):
        tables.profile("nope")


def test_parameter_errors_speak_the_users_language(tmp_path):
    """The errors users meet in the parameter tables carry a catalogue key: English in str(),
    Chinese for a zh command line, naming the parameter or file and the fix."""
    import re

    from ecoledger.errors import ParameterError
    from ecoledger.params import Parameters

    params = Parameters.load(2019)
    with pytest.raises(ParameterError) as missing_row:
        params.get("no_such_parameter", "forest")
    assert "is not in the parameter table" in str(missing_row.value)
    zh = missing_row.value.in_language("zh")
    assert "no_such_parameter[forest]" in zh and "覆盖表" in zh
    bad = tmp_path / "bad.csv"
    bad.write_text("parameter,key,value,unit,source\nreservoir_cost,,seven,yuan/m3,x\n",
                   encoding="utf-8")
    with pytest.raises(ParameterError) as not_a_number:
        Parameters.load(2019, [bad])
    zh = not_a_number.value.in_language("zh")
    assert "bad.csv" in zh and "不是数字" in zh
    assert not re.search(r"\b(?:is|not|number|write)\b", zh)
    with pytest.raises(ParameterError) as gone:
        Parameters.load(2019, [tmp_path / "gone.csv"])
    assert "找不到参数覆盖文件" in gone.value.in_language("zh")
