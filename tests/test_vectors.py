"""Polygons and tables without pandas (pipeline.vectors, pipeline.tables) against geopandas and
pandas: the same values read, the same bytes written; anything unusual left to geopandas."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from rasterio.crs import CRS
from shapely.geometry import MultiPolygon, Polygon, box

from ecoledger.pipeline.tables import Table, read_numeric_columns
from ecoledger.pipeline.vectors import Unusual, read_geopackage, write_shapefile

EPSG = "EPSG:32650"
OUTER_CW = Polygon([(0, 0), (0, 200), (200, 200), (200, 0)], [[(50, 50), (150, 50), (150, 150), (50, 150)]])
HOLE_CW = [(520, 520), (520, 580), (580, 580), (580, 520)]
SQUARE_CCW = [(500, 500), (600, 500), (600, 600), (500, 600)]
MULTI = MultiPolygon([box(300, 300, 400, 400), Polygon(SQUARE_CCW, [HOLE_CW])])
SHAPES = [box(0, 0, 100, 100), OUTER_CW, MULTI]  # counter-clockwise box, holes either way


def _frame(**fields):
    data = {"ws_id": [3, 1, 2], "name": ["a", "bé, c", "x" * 80], "share": [0.5, 1e-9, 123456789.123456789]}
    data.update(fields)
    return gpd.GeoDataFrame(data, geometry=SHAPES, crs=EPSG)


def test_geopackage_reads_as_geopandas(tmp_path):
    path = tmp_path / "w.gpkg"
    _frame().to_file(path)
    ours = read_geopackage(path)
    theirs = gpd.read_file(path)
    assert list(ours.fields) == [c for c in theirs.columns if c != "geometry"]
    for name, values in ours.fields.items():
        assert values == theirs[name].tolist()
        assert {type(v) for v in values} == {type(v) for v in theirs[name].tolist()}
    assert [g.wkb for g in ours.geometry] == [g.wkb for g in theirs.geometry]
    assert ours.crs == CRS.from_user_input(theirs.crs) == CRS.from_string(EPSG)


def test_shapefile_bytes_as_geopandas(tmp_path):
    frame = _frame(missing=[1.5, math.nan, -2.25])
    frame.to_file(tmp_path / "theirs.shp")
    fields = {c: frame[c].tolist() for c in frame.columns if c != "geometry"}
    write_shapefile(tmp_path / "ours.shp", fields, list(frame.geometry), CRS.from_string(EPSG))
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        ours, theirs = (tmp_path / f"ours{ext}").read_bytes(), (tmp_path / f"theirs{ext}").read_bytes()
        assert ours == theirs, ext
    back = gpd.read_file(tmp_path / "ours.shp")
    assert back["share"].tolist()[:2] == [0.5, 1e-9]
    assert back["share"][2] == pytest.approx(123456789.123456789)  # cut to 24 characters, as GDAL


@pytest.mark.parametrize(
    "fields",
    [
        {"a_long_field_name": [1, 2, 3]},  # more than 10 characters
        {"flag": [True, False, True]},
        {"name": ["é" * 41, "b", "c"]},  # 82 bytes of UTF-8
        {"n": [1, None, 3]},
    ],
)
def test_shapefile_unusual_fields_are_refused_before_writing(tmp_path, fields):
    with pytest.raises(Unusual):
        write_shapefile(tmp_path / "x.shp", fields, SHAPES, None)
    assert not list(tmp_path.iterdir())


def _null_share(frame):
    frame.loc[1, "share"] = math.nan  # written as NULL; pyogrio reads NaN
    return frame


def _null_id(frame):
    frame["ws_id"] = pd.array([3, None, 2], dtype="Int64")  # NULL: pyogrio reads a float column
    return frame


def _null_geometry(frame):
    return frame.set_geometry([SHAPES[0], None, SHAPES[2]], crs=EPSG)


def _z(frame):
    with_z = [Polygon([(x, y, 1.0) for x, y in g.exterior.coords]) for g in SHAPES[:2]]
    return frame.set_geometry([*with_z, SHAPES[0]], crs=EPSG)


def _date(frame):
    frame["day"] = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"])  # DATETIME
    return frame


@pytest.mark.parametrize("change", [_null_share, _null_id, _null_geometry, _z, _date])
def test_unusual_geopackages_go_through_geopandas(tmp_path, change):
    from ecoledger.pipeline.rasters import Grid, read_watersheds

    path = tmp_path / "w.gpkg"
    change(_frame()).to_file(path)
    with pytest.raises(Unusual):
        read_geopackage(path)
    grid = Grid((10, 10), Affine(10.0, 0.0, 0.0, 0.0, -10.0, 100.0), CRS.from_string(EPSG))
    sheds = read_watersheds(path, grid)
    assert sheds.frame is not None and len(sheds) == 3


def test_a_second_layer_goes_through_geopandas(tmp_path):
    path = tmp_path / "w.gpkg"
    _frame().to_file(path, layer="first")
    _frame().to_file(path, layer="second")
    with pytest.raises(Unusual):
        read_geopackage(path)


# --------------------------------------------------------------------------- tables


def test_numeric_columns_as_pandas(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "\ufeffLUCODE, usle_c ,Description,usle_p\n"
        '1,0.006,"forest, broadleaf",1\n\n'
        "2,8e-2,crop,+0.5\n"
        "3, .25 ,water,1.\n",
        encoding="utf-8",
    )
    ours = read_numeric_columns(path, ("lucode", "usle_c", "usle_p"))
    theirs = pd.read_csv(path)
    theirs.columns = [c.strip().lower() for c in theirs.columns]
    for name, values in ours.items():
        assert values.dtype == theirs[name].dtype
        np.testing.assert_array_equal(values, theirs[name].to_numpy())


@pytest.mark.parametrize(
    "body",
    [
        "lucode,v\n1,NA\n",  # pandas: NaN
        "lucode,v\n1,\n",
        "lucode,v\n1,1_000\n",
        "lucode,v\n1,2,3\n",  # a ragged row
        "lucode,v,v\n1,2,3\n",  # repeated name
        "lucode,w\n1,2\n",  # no column v
    ],
)
def test_tables_beyond_the_plain_case_are_unusual(tmp_path, body):
    path = tmp_path / "t.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(Unusual):
        read_numeric_columns(path, ("lucode", "v"))


def test_table_csv_as_pandas(tmp_path):
    columns = {
        "ws_id": [1, 2, 3],
        "name": ["a", 'b, "c"', "é"],
        "value": [0.1, None, 1e20],
        "total": [44479.03094595884, math.nan, -1e-05],
    }
    Table(columns).to_csv(tmp_path / "ours.csv")
    pd.DataFrame(columns).to_csv(tmp_path / "theirs.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "theirs.csv").read_bytes()


def test_table_text():
    text = Table({"ws_id": [0, 1], "usle_tot": [44479.030945958838856, 1500.0], "mn": [1.5, 2.0]}).to_string()
    assert text.splitlines() == [
        "ws_id     usle_tot  mn",
        "    0 44479.030946 1.5",
        "    1  1500.000000 2.0",
    ]
