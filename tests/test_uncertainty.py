"""Monte Carlo over the account chain: the model reproduces the accounts, draws equal re-runs,
collapsed ranges give the point, roll-up as the accounts do it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecoledger.accounts import run_account
from ecoledger.uncertainty.model import AccountModel, Draws
from ecoledger.uncertainty.propagate import Rollup, Uncertainty, propagate, relative_ranges, sample


@pytest.fixture(scope="module")
def components_result(synthetic_pack):
    return run_account(synthetic_pack, 2020, profile="mee2020", components=True)


def _by_item(result, model, values):
    accounts = result.accounts[result.accounts["ecosystem"] == "all"]
    accounts = accounts.set_index(["item", "adcode"])["value_yuan"]
    for item, drawn in values.items():
        yield item, drawn, accounts.loc[item].reindex(model.leaves).to_numpy()


def test_model_at_point_values_reproduces_every_item_of_the_accounts(components_result):
    model = AccountModel(components_result)
    values = model.evaluate(Draws({}, model.point, 1))
    assert len(values) == 27  # every item with a value in the synthetic mee2020 account
    for item, drawn, accounts in _by_item(components_result, model, values):
        np.testing.assert_allclose(drawn[0], accounts, rtol=1e-12, err_msg=item)


def test_components_do_not_depend_on_the_block_size(synthetic_pack, components_result):
    blocked = run_account(synthetic_pack, 2020, profile="mee2020", components=True, block_rows=7)
    for item, result in components_result.items.items():
        if result.components is not None:
            pd.testing.assert_frame_equal(blocked.items[item].components, result.components,
                                          rtol=1e-12, check_like=True)


def test_a_draw_equals_a_full_rerun_with_those_parameter_values(synthetic_pack,
                                                                components_result, tmp_path):
    """The draw re-weights stored sums; a re-run recomputes every cell. Linear items agree to
    rounding; water conservation may differ where a cell crosses its clip at zero."""
    model = AccountModel(components_result)
    changed = {("runoff_coefficient", "mixed_forest"): 1.3, ("runoff_coefficient", "meadow"): 0.6,
               ("reservoir_cost", ""): 2.0, ("so2_capacity", "mixed_forest"): 0.5,
               ("lake_storage_exponent", ""): 1.05, ("electricity_price", ""): 1.1,
               ("sediment_deposition_ratio", ""): 1.2, ("pest_control_cost", "forest"): 0.8,
               ("air_conditioner_efficiency_ratio", ""): 1.25}
    params = components_result.parameters
    table = params.table.set_index(["parameter", "key"])
    override = table.loc[list(changed)].reset_index()
    override["value"] = [v * changed[(p, k)] for p, k, v in
                         zip(override["parameter"], override["key"], override["value"],
                             strict=True)]
    path = tmp_path / "override.csv"
    override.drop(columns="origin").to_csv(path, index=False)
    rerun = run_account(synthetic_pack, 2020, profile="mee2020", parameter_overrides=[path])
    drawn = {}
    for (parameter, key), factor in changed.items():
        name = f"{parameter}[{key}]" if key else parameter
        drawn[name] = np.array([model.point[name] * factor])
    values = model.evaluate(Draws(drawn, model.point, 1))
    worst = 0.0
    for item, draw, accounts in _by_item(rerun, model, values):
        tolerance = 1e-3 if item == "water_conservation" else 1e-10
        np.testing.assert_allclose(draw[0], accounts, rtol=tolerance, err_msg=item)
        if item == "water_conservation":
            worst = np.nanmax(np.abs(draw[0] / accounts - 1))
    assert worst < 1e-3


def test_collapsed_ranges_give_the_point_value(components_result):
    result = propagate(components_result, relative_ranges(components_result, 1.0, 1.0), draws=50)
    assert result.inputs.empty and result.drivers.empty
    table = result.intervals
    for column in ("median_yuan", "p05_yuan", "p95_yuan"):
        np.testing.assert_allclose(table[column], table["point_yuan"], rtol=1e-12)


def test_intervals_contain_the_point_value_and_gep_is_the_sum_of_groups(components_result):
    result = propagate(components_result, relative_ranges(components_result, 0.8, 1.2), draws=400)
    table = result.intervals
    assert (table["p05_yuan"] <= table["point_yuan"] * (1 + 1e-12)).all()
    assert (table["p95_yuan"] >= table["point_yuan"] * (1 - 1e-12)).all()
    assert (table.loc[table["scope"] == "gep", "p95_yuan"]
            > table.loc[table["scope"] == "gep", "p05_yuan"]).all()
    points = table.pivot_table(index="adcode", columns="scope", values="point_yuan",
                               aggfunc="sum")
    groups = table[table["scope"] == "group"].groupby("adcode")["point_yuan"].sum()
    np.testing.assert_allclose(points["gep"], groups.reindex(points.index), rtol=1e-12)
    province = result.drivers[result.drivers["level"] == "province"]
    assert list(province["rank"]) == list(range(1, len(province) + 1))
    assert len(province) == 10


def test_rollup_sums_the_leaves_that_have_a_value():
    units = pd.DataFrame({"code": ["1", "11", "12", "121", "122"],
                          "parent": ["", "1", "1", "12", "12"],
                          "name": list("abcde"), "level": ["province", "city", "city", "county",
                                                           "county"]})
    rollup = Rollup(units, ["11", "121", "122"])
    values = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, np.nan]])
    rolled = rollup(values)
    np.testing.assert_array_equal(rolled[:, 0], [3.0, 7.0])  # 1 = 11 + 121 (122 has none)
    np.testing.assert_array_equal(rolled[:, 2], [2.0, 4.0])
    assert np.isnan(rolled[:, 4]).all()


def test_latin_hypercube_sample_stays_in_its_ranges_with_the_mode_at_the_value():
    inputs = pd.DataFrame({"name": ["a", "b"], "value": [2.0, 10.0], "low": [1.0, 5.0],
                           "high": [4.0, 20.0], "distribution": ["triangular", "uniform"],
                           "range_source": ["t", "t"]})
    drawn = sample(inputs, 2000, seed=1)
    assert drawn["a"].between(1, 4).all() and drawn["b"].between(5, 20).all()
    counts, edges = np.histogram(drawn["a"], bins=6, range=(1, 4))
    assert edges[counts.argmax()] <= 2.0 < edges[counts.argmax() + 1]
    # one draw per stratum of each input: the sorted uniform draws fill every 1/2000 slice
    strata = np.floor((drawn["b"].to_numpy() - 5) / 15 * 2000)
    assert len(np.unique(strata)) == 2000
    with pytest.raises(ValueError, match="distribution"):
        sample(inputs.assign(distribution="lognormal"), 10)


def test_written_uncertainty_reads_back(components_result, tmp_path):
    result = propagate(components_result, relative_ranges(components_result), draws=120)
    result.write(tmp_path / "uncertainty")
    back = Uncertainty.read(tmp_path / "uncertainty")
    pd.testing.assert_frame_equal(back.intervals, result.intervals, check_dtype=False)
    assert back.gep_draws.shape == (120, len(components_result.units))
    assert back.meta["draws"] == 120 and Uncertainty.read(tmp_path) is None
    # the region's draws ÷ its point value, per item: the whole region's GEP is their weighting
    region = back.gep_draws["99"] if "99" in back.gep_draws else back.gep_draws.iloc[:, 0]
    assert region.notna().all() and (back.item_ratios > 0).all().all()


def test_a_layer_derived_as_a_share_of_another_moves_with_it(components_result):
    """transpiration = T/ET × ET in the Jiangxi pack (``proportional_to``): a draw of ET alone
    moves the transpiration cooling item by the same factor."""
    import copy

    result = copy.copy(components_result)
    result.provenance = copy.deepcopy(components_result.provenance)
    item = "climate_regulation_transpiration"
    before = AccountModel(result).evaluate(Draws({"layer:actual_et": np.array([1.1])},
                                                 {**AccountModel(result).point}, 1))[item]
    result.provenance["layers"]["transpiration"]["proportional_to"] = ["actual_et"]
    model = AccountModel(result)
    assert "layer:actual_et" in model.inputs[item]
    after = model.evaluate(Draws({"layer:actual_et": np.array([1.1])}, model.point, 1))[item]
    np.testing.assert_allclose(after, before * 1.1, rtol=1e-12)


def test_jiangxi_2019_intervals_and_drivers(jiangxi_main):
    """The run-main account with 1,000 draws of the bundled ranges: every unit's GEP has an
    interval, the point values are the accounts', the region and its 11 cities have 10 drivers,
    every sampled input has a cited or declared range."""
    folder = jiangxi_main[0]
    uncertainty = Uncertainty.read(folder / "uncertainty")
    summary = pd.read_json(folder / "summary.json", typ="series")
    gep = uncertainty.intervals[uncertainty.intervals["scope"] == "gep"]
    assert len(gep) == 112 and gep["p95_yuan"].ge(gep["p05_yuan"]).all()
    province = gep[gep["level"] == "province"].iloc[0]
    assert province.point_yuan == pytest.approx(summary["gep_yuan"], rel=1e-12)
    assert province.p05_yuan <= province.point_yuan <= province.p95_yuan > province.p05_yuan
    counts = uncertainty.drivers.groupby("adcode")["rank"].count()
    assert len(counts) == 12 and (counts == 10).all()
    assert uncertainty.inputs["range_source"].str.match(
        r"(documents|literature|measured|assumed):").all()
    assert uncertainty.meta["draws"] == 1000 and uncertainty.gep_draws.shape == (1000, 112)
