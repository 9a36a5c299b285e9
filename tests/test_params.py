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
