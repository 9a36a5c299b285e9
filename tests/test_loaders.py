"""Loaders: each run on a tiny file of its product's format, checked against hand-computed values."""

import numpy as np
import pandas as pd
import pytest
import rasterio
import xarray as xr
from pyproj import CRS
from rasterio.transform import from_origin

from ecoledger.ecosystems import ECOSYSTEMS, SUBTYPES
from ecoledger.errors import EcoledgerError
from ecoledger.loaders import (
    NODATA,
    PRODUCTS,
    LoaderError,
    annual_precipitation,
    crosswalk,
    epic_k,
    modis_product,
    mosaic_dem,
    soil_erodibility_from_hwsd,
    write_crosswalk,
)

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"


def write_raster(path, values, transform=None, crs="EPSG:4326", nodata=None, scale=None):
    values = np.asarray(values)
    with rasterio.open(path, "w", driver="GTiff", height=values.shape[0], width=values.shape[1],
                       count=1, dtype=values.dtype, crs=crs, nodata=nodata,
                       transform=transform or from_origin(115.0, 28.0, 0.01, 0.01)) as dst:
        dst.write(values, 1)
        if scale is not None:
            dst.scales = (scale,)
    return path


def read(path):
    """The band as float64 with NaN for nodata, after checking the written-layer conventions."""
    with rasterio.open(path) as src:
        assert src.dtypes[0] == "float32" and src.nodata == NODATA and src.crs is not None
        assert src.compression.name == "deflate" and src.profile["tiled"]
        return src.read(1, masked=True).astype("float64").filled(np.nan), src


# --- land-cover crosswalks --------------------------------------------------------------------

CLASSES = {
    "clcd": list(range(1, 10)),
    "worldcover": [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100],
    "igbp": list(range(0, 18)),
}


@pytest.mark.parametrize("product", PRODUCTS)
def test_crosswalk_maps_every_class_to_a_known_type(product):
    table = crosswalk(product)
    assert table["class"].tolist() == CLASSES[product]
    assert set(table.columns) >= {"class", "label", "ecosystem", "subtype", "note"}
    assert table["ecosystem"].isin(list(ECOSYSTEMS)).all()
    for ecosystem, subtype in zip(table["ecosystem"], table["subtype"], strict=True):
        assert subtype == "" or SUBTYPES[subtype] == ecosystem
    assert (table["note"].str.len() > 0).all()


def test_crosswalk_choices():
    igbp = crosswalk("igbp").set_index("class")
    assert igbp.loc[0, "ecosystem"] == igbp.loc[17, "ecosystem"] == "wetland"  # both water codes
    assert igbp.loc[2, "subtype"] == "evergreen_broadleaf_forest"
    assert igbp.loc[8, ["ecosystem", "subtype"]].tolist() == ["forest", ""]
    clcd = crosswalk("clcd").set_index("class")
    assert clcd.loc[2, ["ecosystem", "subtype"]].tolist() == ["forest", ""]  # no forest types


def test_write_crosswalk_round_trip(tmp_path):
    path = write_crosswalk("worldcover", tmp_path / "crosswalk.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back.astype({"class": int}).equals(crosswalk("worldcover"))


def test_unknown_crosswalk_product():
    with pytest.raises(LoaderError, match="clcd, worldcover, igbp"):
        crosswalk("glc_fcs30")


# --- DEM tiles --------------------------------------------------------------------------------


def dem_tile(path, left, values, nodata=-32768, dtype="int16", crs="EPSG:4326"):
    return write_raster(path, np.asarray(values, dtype=dtype), from_origin(left, 29.0, 0.5, 0.5),
                        crs, nodata)


def test_mosaic_dem_of_two_adjacent_tiles(tmp_path):
    west = dem_tile(tmp_path / "w.tif", 115.0, [[10, 20], [30, -32768]])  # one SRTM void
    east = dem_tile(tmp_path / "e.tif", 116.0, [[40, 50], [60, 70]])
    elevation, src = read(mosaic_dem([west, east], tmp_path / "dem.tif"))
    assert elevation.shape == (2, 4)
    assert tuple(src.bounds) == pytest.approx((115.0, 28.0, 117.0, 29.0))
    np.testing.assert_array_equal(elevation, [[10, 20, 40, 50], [30, np.nan, 60, 70]])
    assert src.profile["blockxsize"] == 256


def test_mosaic_dem_cropped_to_bounds(tmp_path):
    west = dem_tile(tmp_path / "w.tif", 115.0, [[10, 20], [30, 40]])
    east = dem_tile(tmp_path / "e.tif", 116.0, [[50, 60], [70, 80]])
    elevation, _ = read(mosaic_dem([west, east], tmp_path / "dem.tif",
                                   bounds=(115.5, 28.0, 116.5, 29.0)))
    np.testing.assert_array_equal(elevation, [[20, 50], [40, 70]])


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"nodata": None}, "nodata"),
    ({"dtype": "float32"}, "dtype"),
    ({"crs": "EPSG:32650"}, "crs"),
])
def test_mosaic_dem_refuses_mismatched_tiles(tmp_path, kwargs, field):
    good = dem_tile(tmp_path / "good.tif", 115.0, [[1, 2], [3, 4]])
    bad = dem_tile(tmp_path / "bad.tif", 116.0, [[1, 2], [3, 4]], **kwargs)
    with pytest.raises(LoaderError, match=rf"bad\.tif · {field}"):
        mosaic_dem([good, bad], tmp_path / "dem.tif")


# --- NetCDF monthly precipitation -------------------------------------------------------------


def monthly_netcdf(path, monthly, units, name="prec", year=2020, months=12, **attrs):
    """A lat/lon (ascending latitude, as CMFD) monthly file; ``monthly`` fills every cell."""
    time = pd.date_range(f"{year}-01-01", periods=months, freq="MS")
    lat, lon = [28.05, 28.15], [115.05, 115.15, 115.25]
    values = np.full((months, 2, 3), monthly, dtype="float32")
    values[:, 0, 0] = [np.nan] + [monthly] * (months - 1)  # southwest cell: January missing
    ds = xr.Dataset({name: (("time", "lat", "lon"), values, {"units": units, **attrs})},
                    coords={"time": time, "lat": lat, "lon": lon})
    ds.to_netcdf(path, engine="netcdf4")
    return path


@pytest.mark.parametrize(("monthly", "units", "annual"), [
    (100.0, "mm/month", 1200.0),  # 12 × 100 mm
    (1000.0, "0.1 mm", 1200.0),  # 12 × 1000 × 0.1 mm (China 1 km dataset)
    (3.0, "mm/day", 1098.0),  # 3 mm/d × 366 d
    (0.1, "mm/h", 878.4),  # 0.1 mm/h × 24 h × 366 d (2020 is a leap year; CMFD v1.6)
    (1e-5, "kg m-2 s-1", 316.224),  # 1e-5 kg m⁻² s⁻¹ × 86 400 s × 366 d
])
def test_annual_precipitation_units(tmp_path, monthly, units, annual):
    path = monthly_netcdf(tmp_path / "p.nc", monthly, units)
    total, src = read(annual_precipitation(path, 2020, tmp_path / "p.tif"))
    assert src.crs.to_epsg() == 4326
    assert tuple(src.bounds) == pytest.approx((115.0, 28.0, 115.3, 28.2))
    # rows run north → south: the southwest cell (missing in January) is the bottom-left one
    assert np.isnan(total[1, 0])
    assert total[0] == pytest.approx([annual] * 3, rel=1e-6)


def test_annual_precipitation_projected_grid_mapping(tmp_path):
    crs = CRS.from_proj4(ALBERS)
    time = pd.date_range("2021-01-01", periods=12, freq="MS")
    ds = xr.Dataset(
        {"pre": (("time", "y", "x"), np.full((12, 2, 2), 50.0),
                 {"units": "mm", "grid_mapping": "albers"}),
         "albers": ((), 0, crs.to_cf())},
        coords={"time": time, "y": ("y", [3_001_500.0, 3_000_500.0],
                                    {"standard_name": "projection_y_coordinate"}),
                "x": ("x", [1_000_500.0, 1_001_500.0], {"standard_name": "projection_x_coordinate"})},
    )
    ds.to_netcdf(tmp_path / "p.nc", engine="netcdf4")
    total, src = read(annual_precipitation(tmp_path / "p.nc", 2021, tmp_path / "p.tif"))
    assert CRS(src.crs.to_wkt()).equals(crs)
    assert tuple(src.bounds) == pytest.approx((1_000_000, 3_000_000, 1_002_000, 3_002_000))
    np.testing.assert_allclose(total, 600.0)


def test_annual_precipitation_errors(tmp_path):
    eleven = monthly_netcdf(tmp_path / "eleven.nc", 100.0, "mm/month", months=11)
    with pytest.raises(LoaderError, match=r"prec\.time: 2020 has 11 time steps"):
        annual_precipitation(eleven, 2020, tmp_path / "p.tif")
    full = monthly_netcdf(tmp_path / "full.nc", 100.0, "mm/month")
    with pytest.raises(LoaderError, match=r"prec\.time: 2019 has 0 time steps"):
        annual_precipitation(full, 2019, tmp_path / "p.tif")
    with pytest.raises(LoaderError, match="no variable 'rain'"):
        annual_precipitation(full, 2020, tmp_path / "p.tif", variable="rain")
    odd = monthly_netcdf(tmp_path / "odd.nc", 100.0, "mm/month", name="tp")
    with pytest.raises(LoaderError, match="cannot tell the precipitation variable"):
        annual_precipitation(odd, 2020, tmp_path / "p.tif")
    undecodable = tmp_path / "months.nc"
    xr.Dataset({"prec": (("time",), np.ones(12), {"units": "mm"})},
               coords={"time": ("time", np.arange(12), {"units": "months since 2020-01-01"})},
               ).to_netcdf(undecodable, engine="netcdf4")
    with pytest.raises(LoaderError, match="months since"):
        annual_precipitation(undecodable, 2020, tmp_path / "p.tif")
    inches = monthly_netcdf(tmp_path / "inches.nc", 4.0, "in/month")
    with pytest.raises(LoaderError, match=r"prec\.units: unknown precipitation units 'in/month'"):
        annual_precipitation(inches, 2020, tmp_path / "p.tif")


# --- MODIS ET and NPP -------------------------------------------------------------------------


@pytest.mark.parametrize(("product", "dtype", "stored", "expected"), [
    ("mod16a3_et", "int16", [7500, 12000, 32761, 32767], [750.0, 1200.0, np.nan, np.nan]),
    ("mod16a3_et", "uint16", [7500, 12000, 65529, 65535], [750.0, 1200.0, np.nan, np.nan]),
    ("mod17a3_npp", "int16", [8000, 0, 32765, 32766], [800.0, 0.0, np.nan, np.nan]),
])
def test_modis_scale_and_fill_codes(tmp_path, product, dtype, stored, expected):
    path = write_raster(tmp_path / "m.tif", np.array([stored], dtype=dtype), crs=ALBERS)
    values, _ = read(modis_product(path, product, tmp_path / "out.tif"))
    np.testing.assert_allclose(values[0], expected)


def test_modis_declared_scale_and_nodata(tmp_path):
    # a GeoTIFF that carries the guide's scale (0.1) and its own nodata is read the same way
    path = write_raster(tmp_path / "m.tif", np.array([[7500, -1]], dtype="int16"), nodata=-1,
                        scale=0.1)
    values, _ = read(modis_product(path, "mod16a3_et", tmp_path / "out.tif"))
    np.testing.assert_allclose(values, [[750.0, np.nan]])


def test_modis_errors(tmp_path):
    stored = write_raster(tmp_path / "m.tif", np.array([[7500]], dtype="int16"), scale=0.01)
    with pytest.raises(LoaderError, match=r"m\.tif · scale"):
        modis_product(stored, "mod16a3_et", tmp_path / "out.tif")
    unscaled = write_raster(tmp_path / "f.tif", np.array([[750.0]], dtype="float32"))
    with pytest.raises(LoaderError, match=r"f\.tif · dtype"):
        modis_product(unscaled, "mod16a3_et", tmp_path / "out.tif")
    with pytest.raises(LoaderError, match="unknown MODIS product"):
        modis_product(unscaled, "mod13_ndvi", tmp_path / "out.tif")
    no_crs = write_raster(tmp_path / "n.tif", np.array([[7500]], dtype="int16"), crs=None)
    with pytest.raises(LoaderError, match=r"n\.tif · crs"):
        modis_product(no_crs, "mod16a3_et", tmp_path / "out.tif")


# --- HWSD soil erodibility --------------------------------------------------------------------

# Loam, SAN 40, SIL 40, CLA 20 %, C 1 % (SN1 = 0.6), by hand:
#   0.2 + 0.3·exp(−0.0256·40·0.6) = 0.2 + 0.3·0.540970 = 0.362291
#   (40/60)^0.3 = 0.885467
#   1 − 0.25·1/(1 + exp(0.77)) = 1 − 0.25/3.159766 = 0.920879
#   1 − 0.7·0.6/(0.6 + exp(8.23)) = 1 − 0.42/3752.38 = 0.999888
#   K_EPIC = 0.295381 (US); × 0.1317 = 0.038902 SI
#   Chinese correction: (−0.01383 + 0.51575·0.295381)·0.1317 = 0.138515·0.1317 = 0.018242 SI
LOAM_US = 0.295381


def test_epic_k_hand_computed():
    assert epic_k(40, 40, 20, 1.0, china_correction=False) == pytest.approx(LOAM_US * 0.1317, rel=1e-5)
    assert epic_k(40, 40, 20, 1.0) == pytest.approx((-0.01383 + 0.51575 * LOAM_US) * 0.1317, rel=1e-5)
    assert np.isnan(epic_k(100, 0, 0, 0.5))  # pure sand: no silt or clay fraction defined


def hwsd(tmp_path, ids, rows, nodata=0):
    raster = write_raster(tmp_path / "hwsd.tif", np.array(ids, dtype="int32"), nodata=nodata)
    table = pd.DataFrame(rows, columns=["MU_GLOBAL", "SHARE", "T_SAND", "T_SILT", "T_CLAY", "T_OC"])
    table.to_csv(tmp_path / "hwsd_data.csv", index=False)
    return raster, tmp_path / "hwsd_data.csv"


def test_soil_erodibility_share_weighted(tmp_path):
    loam = epic_k(40, 40, 20, 1.0)
    clay = epic_k(20, 30, 50, 2.0)
    raster, table = hwsd(tmp_path, [[11, 12, 13], [0, 11, 12]], [
        (11, 100, 40, 40, 20, 1.0),
        (12, 70, 40, 40, 20, 1.0),  # unit 12: 70 % loam, 30 % clay
        (12, 30, 20, 30, 50, 2.0),
        (13, 80, None, None, None, None),  # unit 13: rock outcrop (no texture) and 20 % loam
        (13, 20, 40, 40, 20, 1.0),
    ])
    k, _ = read(soil_erodibility_from_hwsd(raster, table, tmp_path / "k.tif"))
    expected = [[loam, 0.7 * loam + 0.3 * clay, loam], [np.nan, loam, 0.7 * loam + 0.3 * clay]]
    np.testing.assert_allclose(k, expected, rtol=1e-6)
    k_us, _ = read(soil_erodibility_from_hwsd(raster, table, tmp_path / "k_us.tif",
                                              china_correction=False))
    assert k_us[0, 0] == pytest.approx(LOAM_US * 0.1317, rel=1e-5)


def test_soil_erodibility_errors(tmp_path):
    raster, table = hwsd(tmp_path, [[11, 99]], [(11, 100, 40, 40, 20, 1.0)])
    with pytest.raises(LoaderError, match=r"MU_GLOBAL: mapping units \[99\]"):
        soil_erodibility_from_hwsd(raster, table, tmp_path / "k.tif")
    pd.DataFrame({"MU_GLOBAL": [11], "SHARE": [100]}).to_csv(table, index=False)
    with pytest.raises(LoaderError, match="T_SAND, T_SILT, T_CLAY, T_OC: columns missing"):
        soil_erodibility_from_hwsd(raster, table, tmp_path / "k.tif")
    raster, table = hwsd(tmp_path, [[11]], [(11, 100, 400, 40, 20, 1.0)])
    with pytest.raises(LoaderError, match=r"T_SAND \(row 2\): 400 is not a percentage"):
        soil_erodibility_from_hwsd(raster, table, tmp_path / "k.tif")


def test_loader_error_is_an_ecoledger_error():
    assert issubclass(LoaderError, EcoledgerError)


# --- loader outputs are accepted by a region pack ---------------------------------------------


def test_loader_outputs_pass_pack_validation(tmp_path):
    from ecoledger.pack.validate import validate_pack
    from ecoledger.testing import ACCOUNTING_CRS, ORIGIN, make_pack

    rows, cols = 24, 32
    pack = make_pack(tmp_path / "pack", layers={"actual_et": np.full((rows, cols), 750.0)})
    x = ORIGIN[0] + 500.0 + 1000.0 * np.arange(cols)
    y = ORIGIN[1] - 500.0 - 1000.0 * np.arange(rows)
    time = pd.date_range("2020-01-01", periods=12, freq="MS")
    xr.Dataset(
        {"pre": (("time", "y", "x"), np.full((12, rows, cols), 1300.0), {"units": "0.1 mm",
                                                                          "grid_mapping": "crs"}),
         "crs": ((), 0, CRS.from_proj4(ACCOUNTING_CRS).to_cf())},
        coords={"time": time, "y": ("y", y, {"axis": "Y"}), "x": ("x", x, {"axis": "X"})},
    ).to_netcdf(tmp_path / "pre.nc", engine="netcdf4")
    annual_precipitation(tmp_path / "pre.nc", 2020, pack / "layers" / "precipitation.tif")
    et = write_raster(tmp_path / "et.tif", np.full((rows, cols), 7500, dtype="int16"),
                      from_origin(*ORIGIN, 1000.0, 1000.0), ACCOUNTING_CRS, nodata=32767)
    modis_product(et, "mod16a3_et", pack / "layers" / "actual_et.tif")
    assert [p for p in validate_pack(pack, 2020) if p.severity == "error"] == []
