"""Climate inputs of the Jiangxi pack: station-interpolated temperature and the rainfall pattern.

Hand-computed cases for the derive functions, then checks on the shipped data in
data/jiangxi/climate_grids/ (read directly, no pack build), then one small pack build.
"""

import json

import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from ecoledger.packs import derive, jiangxi

SOURCE = jiangxi.default_source()


# ---- inverse-distance weighting ----------------------------------------------------------------
def test_idw_three_points_hand_computed():
    x, y, values = [0.0, 2.0, 0.0], [0.0, 0.0, 4.0], [10.0, 20.0, 30.0]
    # target (1, 0): distances 1, 1, √17 → weights 1, 1, 1/17
    # (10 + 20 + 30/17) / (2 + 1/17) = (540/17) / (35/17) = 108/7
    assert derive.idw_interpolate(x, y, values, 1.0, 0.0) == pytest.approx(108 / 7)
    # on a known point: that point's value exactly
    assert derive.idw_interpolate(x, y, values, 0.0, 4.0) == pytest.approx(30.0)
    # power 1 at (1, 0): weights 1, 1, 1/√17
    w = 1 / np.sqrt(17)
    assert derive.idw_interpolate(x, y, values, 1.0, 0.0, power=1.0) == pytest.approx((30 + 30 * w) / (2 + w))


def test_idw_months_targets_bounds_and_nan_station():
    x, y = np.array([0.0, 2.0, 0.0]), np.array([0.0, 0.0, 4.0])
    monthly = np.array([[10.0, 20.0, 30.0]] * 12) + np.arange(12)[:, None]  # (12, 3)
    targets_x, targets_y = np.array([[1.0, 0.5], [3.0, 0.0]]), np.array([[0.0, 1.0], [3.0, 4.0]])
    field = derive.idw_interpolate(x, y, monthly, targets_x, targets_y)
    assert field.shape == (12, 2, 2)
    assert field[0, 0, 0] == pytest.approx(108 / 7)
    # a constant added to every station is added to the field
    assert field[5, 0, 0] == pytest.approx(108 / 7 + 5)
    assert field[0, 1, 1] == pytest.approx(30.0)
    assert ((field[0] >= 10) & (field[0] <= 30)).all()
    # a station without a value drops out: the other two, equidistant from (1, 0), average
    assert derive.idw_interpolate(x, y, [10.0, 20.0, np.nan], 1.0, 0.0) == pytest.approx(15.0)
    with pytest.raises(ValueError, match="known points"):
        derive.idw_interpolate(x, y, [1.0, 2.0], 1.0, 0.0)


# ---- sea-level reduction, interpolation and back ------------------------------------------------
def test_lapse_rate_idw_round_trip():
    # one station at 500 m, 20 °C: back at its own place and elevation it is 20 °C again,
    # at sea level 20 + 0.006 × 500 = 23 °C, at 1 500 m 20 − 0.006 × 1000 = 14 °C
    one = derive.lapse_rate_idw([20.0], [500.0], [0.0], [0.0], np.zeros(3), np.zeros(3),
                                np.array([500.0, 0.0, 1500.0]))
    np.testing.assert_allclose(one, [20.0, 23.0, 14.0])
    # two stations with the same sea-level temperature (20 °C at 0 m, 14 °C at 1 000 m): the field
    # anywhere is exactly 20 − 0.006·z, whatever the distances
    two = derive.lapse_rate_idw([20.0, 14.0], [0.0, 1000.0], [0.0, 5000.0], [0.0, 0.0],
                                np.array([1000.0, 7000.0]), np.array([300.0, -200.0]),
                                np.array([250.0, 2000.0]))
    np.testing.assert_allclose(two, [20 - 1.5, 20 - 12.0])
    # monthly station values keep the month axis in front
    monthly = derive.lapse_rate_idw(np.full((12, 2), 10.0), [0.0, 0.0], [0.0, 1.0], [0.0, 0.0],
                                    np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)))
    assert monthly.shape == (12, 2, 3)


# ---- bilinear resampling --------------------------------------------------------------------------
def test_bilinear_at_points_hand_computed_and_clipped():
    lat, lon = [0.0, 1.0], [0.0, 1.0]
    nodes = np.array([[0.0, 1.0], [2.0, 3.0]])  # value = lon + 2·lat, which bilinear reproduces
    assert derive.bilinear_at_points(lat, lon, nodes, 0.25, 0.5) == pytest.approx(0.5 + 0.5)
    assert derive.bilinear_at_points(lat, lon, nodes, 5.0, -1.0) == pytest.approx(2.0)  # edge (1, 0)
    monthly = np.stack([nodes * (m + 1) for m in range(12)])  # (12, 2, 2)
    out = derive.bilinear_at_points(lat, lon, monthly, np.full((3, 4), 0.5), np.full((3, 4), 0.5))
    assert out.shape == (12, 3, 4)
    np.testing.assert_allclose(out[:, 0, 0], 1.5 * np.arange(1, 13))


# ---- scaling a pattern to zone means -------------------------------------------------------------
def test_scale_pattern_keeps_each_zone_mean_exactly():
    pattern = np.array([[1.0, 2.0, 5.0], [3.0, 4.0, 7.0]])
    zones = np.array([[1, 1, 0], [2, 2, 0]])
    nearest = np.array([[1, 1, 1], [2, 2, 2]])
    # zone 1 mean 1.5 → factor 3 / 1.5 = 2; zone 2 mean 3.5 → factor 10.5 / 3.5 = 3; the cells
    # outside (column 3) take their nearest zone's factor
    field, factors = derive.scale_pattern_to_zone_means(pattern, zones, [3.0, 10.5], factor_zones=nearest)
    np.testing.assert_allclose(factors, [2.0, 3.0])
    np.testing.assert_allclose(field, [[2.0, 4.0, 10.0], [9.0, 12.0, 21.0]])
    assert field[zones == 1].mean() == pytest.approx(3.0, rel=1e-15)
    assert field[zones == 2].mean() == pytest.approx(10.5, rel=1e-15)
    # the within-zone ratio is the pattern's
    assert field[1, 1] / field[1, 0] == pytest.approx(4.0 / 3.0)
    # without factor zones, cells outside every zone have no value
    field, _ = derive.scale_pattern_to_zone_means(pattern, zones, [3.0, 10.5])
    assert np.isnan(field[:, 2]).all()
    with pytest.raises(ValueError, match="zone 2"):
        derive.scale_pattern_to_zone_means(np.where(zones == 2, 0.0, pattern), zones, [3.0, 10.5])


def test_new_methods_are_registered_in_both_languages():
    for name in ("idw_interpolate", "lapse_rate_idw", "bilinear_at_points", "scale_pattern_to_zone_means"):
        assert derive.METHODS[name] and derive.METHODS_ZH[name]


# ---- the shipped data -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stations():
    return jiangxi.cru_stations(SOURCE)


def _july_tmax_at(stations, lon, lat, elevation_m):
    """The pack's July Tmax field (°C) at one point, computed as jiangxi._Builder._climate does."""
    to_grid = Transformer.from_crs("EPSG:4326", jiangxi.ACCOUNTING_CRS, always_xy=True)
    station_x, station_y = to_grid.transform(stations["LON"].to_numpy(), stations["LAT"].to_numpy())
    x, y = to_grid.transform(lon, lat)
    field = derive.lapse_rate_idw(jiangxi.cru_monthly(stations, "tmx"),
                                  stations["cru_elevation_m"].to_numpy(), station_x, station_y,
                                  np.array(x), np.array(y), np.array(elevation_m), jiangxi.LAPSE_RATE)
    return float(field[6])


@pytest.mark.parametrize("wmo", ["58606", "57993"])  # Nanchang, Ganzhou
def test_interpolated_july_tmax_matches_station(stations, wmo):
    station = stations[stations["STNID"].str.startswith(wmo)].iloc[0]
    with rasterio.open(SOURCE / "dem/dem_jiangxi_30arcsec_bbox.tif") as dem:
        elevation = float(next(dem.sample([(station["LON"], station["LAT"])]))[0])
    value = _july_tmax_at(stations, station["LON"], station["LAT"], elevation)
    assert value == pytest.approx(station["CRU_CL_2_0_tmx_07"], abs=0.5)


def test_cru_values_stand_for_the_cell_elevation_not_the_summit(stations):
    lushan = stations[stations["STNID"].str.startswith("58506")].iloc[0]
    # CRU July Tmax at Lushan (1 165 m) is 32.2 °C, a lowland value: its 10′ cell averages ≈310 m
    assert 250 < lushan["cru_elevation_m"] < 400
    # on the summit the field is ≈27 °C (observed July mean Tmax there ≈26–27 °C, memory); reduced
    # from the station elevation instead it would stay at the lowland 32.2 °C
    assert _july_tmax_at(stations, lushan["LON"], lushan["LAT"], 1165.0) < 28.5


def test_itur_annual_rainfall_at_nanchang_node():
    lat, lon, rain = jiangxi.rain_grid(SOURCE)
    assert rain.shape == (12, lat.size, lon.size)
    row, col = np.abs(lat - 28.68).argmin(), np.abs(lon - 115.89).argmin()  # Nanchang
    assert rain[:, row, col].sum() == pytest.approx(1612, abs=2)  # climate_grids/README.md
    annual = rain.sum(axis=0)
    assert annual.min() == pytest.approx(970, abs=1) and annual.max() == pytest.approx(2262, abs=1)


# ---- one small build -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return jiangxi.build(tmp_path_factory.mktemp("jiangxi-climate") / "pack", years=(2019,))


def test_pack_records_station_cells_and_precipitation_anomaly(pack):
    checks = json.loads((pack / "metadata.json").read_text())["checks"]
    cells = checks["station_cells_in_jiangxi"]
    assert len(cells) == 10
    assert cells["Lu Shan 58506"]["hot_days"] < cells["Changbei Intl 58606"]["hot_days"] - 50
    for name in ("Changbei Intl 58606", "Ganzhou 57993"):
        assert cells[name]["field_july_tmax_c"] == pytest.approx(cells[name]["cru_july_tmax_c"], abs=0.5)
    year = checks["precipitation"]["2019"]
    assert year["anomaly_percent"] == pytest.approx(
        100 * (year["province_mean_mm"] / year["province_mean_2006_2019_mm"] - 1), abs=0.1)
    assert set(year["basin_scale_factors"]) == set(jiangxi.GAUGES)


def test_precipitation_varies_inside_basins_and_layers_name_their_sources(pack):
    with rasterio.open(pack / "layers/precipitation_2019.tif") as layer:
        precipitation = layer.read(1, masked=True)
    # the old uniform-per-basin field had 7 values; the pattern gives a continuous field
    assert np.unique(precipitation.compressed()).size > 1000
    metadata = json.loads((pack / "metadata.json").read_text())
    layers = {entry["layer"]: entry for entry in metadata["layers"].values()}
    for name in ("hot_days", "temperature", "water_evaporation"):
        text = layers[name]["method"] + layers[name]["source"]
        for needle in ("CRU CL 2.0", "New et al. 2002", "0.006", "inverse-distance", "58606", "57993"):
            assert needle.lower() in text.lower(), (name, needle)
    assert "P.837-7" in layers["precipitation"]["source"]
