import pytest

from ecoledger.series import run_series
from ecoledger.testing import make_pack


def test_series_current_and_constant_prices(tmp_path):
    pack = make_pack(tmp_path / "pack", year=2019, extra_years=(2020,))
    table = run_series(pack, [2019, 2020]).set_index(["adcode", "year"])
    province = table.loc["990000"]
    # constant 2019 prices: 2019 equals current; 2020 quantities at 2019 prices are lower
    assert province.at[2019, "gep_constant_2019_yuan"] == pytest.approx(
        province.at[2019, "gep_current_yuan"])
    assert province.at[2020, "gep_constant_2019_yuan"] < province.at[2020, "gep_current_yuan"]
    assert province.at[2020, "gep_current_change_pct"] == pytest.approx(
        (province.at[2020, "gep_current_yuan"] / province.at[2019, "gep_current_yuan"] - 1) * 100)
    # wetter 2020 means more water conservation at constant prices
    assert province.at[2020, "gep_constant_2019_change_pct"] > 0
