"""validate_pack: a valid synthetic pack passes; each broken input is reported precisely."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from rasterio.transform import from_origin

from ecoledger.errors import PackError
from ecoledger.pack.validate import raise_if_invalid, validate_pack
from ecoledger.testing import make_pack, rewrite_raster, synthetic_landcover, synthetic_statistics
from ecoledger.untranslated import english_phrases

SHAPE = (24, 32)
LC = "layers/landcover.tif"


@pytest.fixture
def pack(tmp_path):
    return make_pack(tmp_path / "pack")


def errors(root, year=None):
    return [p for p in validate_pack(root, year) if p.severity == "error"]


def the_error(root, file, field, words):
    """The single error of the pack; it names ``file``, ``field`` and contains ``words``."""
    found = errors(root)
    assert len(found) == 1, found
    assert (found[0].file, found[0].field) == (file, field), found[0]
    assert words in found[0].message, found[0]
    assert found[0].fix
    return found[0]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_valid_pack_has_no_errors(pack):
    problems = validate_pack(pack)
    assert [p for p in problems if p.severity == "error"] == []
    (warning,) = problems
    assert warning.field == "years.2020.layers"
    assert "wind_weather_factor" in warning.message and "sand_fixation" in warning.message
    assert raise_if_invalid(pack, 2020).problems == problems


@pytest.mark.parametrize("file, field", [
    ("layers/precipitation.tif", "years.2020.layers.precipitation"),
    ("units.gpkg", "units.file"),
    ("statistics.csv", "statistics.files"),
    ("crosswalk.csv", "landcover.crosswalk"),
])
def test_missing_file(pack, file, field):
    (pack / file).unlink()
    the_error(pack, file, field, "file not found")


@pytest.mark.parametrize("layer, value, words", [
    ("precipitation", -5.0, "1 of 768 pixels are outside 0 … 30000 mm/a (found -5"),
    ("ndvi", 1.5, "outside -1 … 1 1"),
    ("soil_erodibility", 1.2, "outside 0 … 1"),
])
def test_raster_values_out_of_bounds(tmp_path, layer, value, words):
    array = np.full(SHAPE, 0.5, dtype=np.float32)
    array[3, 4] = value
    root = make_pack(tmp_path, layers={layer: array})
    the_error(root, f"layers/{layer}.tif", f"years.2020.layers.{layer}", words)


def test_unknown_landcover_class(tmp_path):
    landcover = synthetic_landcover(SHAPE)
    landcover[0, :3] = [9, 12, 9]
    root = make_pack(tmp_path, layers={"landcover": landcover})
    the_error(root, LC, "years.2020.layers.landcover", "classes 9, 12 are not in the crosswalk")


@pytest.mark.parametrize("changes, words", [
    ({"crs": "EPSG:3857"}, "the grid does not overlap the region"),
    ({"transform": from_origin(5e6, 3.3e6, 1000, 1000)}, "the grid does not overlap the region"),
    ({"crs": None}, "the raster has no coordinate reference system"),
    ({"nodata": None}, "the raster has no nodata value"),
])
def test_raster_georeference(pack, changes, words):
    rewrite_raster(pack / LC, **changes)
    the_error(pack, LC, "years.2020.layers.landcover", words)


def test_partial_coverage_is_a_warning(pack):
    rewrite_raster(pack / LC, transform=from_origin(1_008_000, 3_300_000, 1000, 1000))
    assert errors(pack) == []
    (partial,) = [p for p in validate_pack(pack) if "covers only" in p.message]
    assert (partial.file, partial.severity) == (LC, "warning")
    assert "75.0%" in partial.message


def test_corrupt_raster(pack):
    (pack / "layers/dem.tif").write_bytes(b"not a tiff at all" * 50)
    the_error(pack, "layers/dem.tif", "years.2020.layers.dem", "cannot read the raster")


@pytest.mark.parametrize("old, new, field, words", [
    ("+proj=aea", "+proj=merc", "region.crs", "not equal-area"),
    ('crs = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"',
     'crs = "EPSG:4326"', "region.crs", "not projected"),
    ("+units=m", "+units=km", "region.crs", "not metres"),
    ('crs = "+proj', 'crs = "+nonsense', "region.crs", "not a valid CRS"),
    ("soil_erodibility = { constant = 0.03", "soil_erodibility = { constant = 3.0",
     "years.2020.layers.soil_erodibility.constant", "3 is outside 0 … 1"),
    ("\nprecipitation = {", '\nprecipitation = { unit = "cm/a",',
     "years.2020.layers.precipitation.unit", "not the catalogue unit 'mm/a'"),
    ("\ndem = {", '\nelevation = {', "years.2020.layers.elevation", "unknown layer 'elevation'"),
    ("\nlandcover = {", "\n# landcover = {", "years.2020.layers.landcover", "is missing"),
])
def test_manifest_problems(pack, old, new, field, words):
    edit(pack / "pack.toml", old, new)
    the_error(pack, "pack.toml", field, words)


def test_missing_band(pack):
    edit(pack / "pack.toml", 'file = "layers/dem.tif"', 'file = "layers/dem.tif", band = 2')
    the_error(pack, "layers/dem.tif", "years.2020.layers.dem.band", "band 2 does not exist")


def test_manifest_that_does_not_parse_and_unknown_year(pack):
    assert [p.field for p in errors(pack, 2019)] == ["years.2019"]
    edit(pack / "pack.toml", "[units]", "[units")
    (problem,) = validate_pack(pack)
    assert "not valid TOML" in problem.message


@pytest.mark.parametrize("row, column, value, field, words", [
    (2, "ecosystem", "prairie", "row 4 · ecosystem", "unknown ecosystem 'prairie'"),
    (2, "subtype", "paddy", "row 4 · subtype", "belongs to 'farmland', not 'grassland'"),
    (1, "support_practice", "high", "row 3 · support_practice", "is not a number"),
    (1, "cover_management", "1.4", "row 3 · cover_management", "outside 0 … 1"),
])
def test_crosswalk_problems(pack, row, column, value, field, words):
    table = pd.read_csv(pack / "crosswalk.csv", dtype=str)
    table.loc[row, column] = value
    table.to_csv(pack / "crosswalk.csv", index=False)
    the_error(pack, "crosswalk.csv", field, words)


def test_crosswalk_duplicate_class_and_missing_column(pack):
    table = pd.read_csv(pack / "crosswalk.csv")
    pd.concat([table, table.iloc[[2]]]).to_csv(pack / "crosswalk.csv", index=False)
    the_error(pack, "crosswalk.csv", "row 10 · class", "class 3 appears more than once")
    table.drop(columns="support_practice").to_csv(pack / "crosswalk.csv", index=False)
    the_error(pack, "crosswalk.csv", "years.2020.layers.support_practice.by_landcover",
              "no column 'support_practice'")


@pytest.mark.parametrize("column, value, field, words", [
    ("code", "999999", "row 2 · code", "code '999999' is not a unit of units.gpkg"),
    ("indicator", "gdpp", "row 2 · indicator", "unknown indicator 'gdpp' (did you mean gdp"),
    ("unit", "mu", "row 2 · unit", "unit 'mu' cannot be converted to yuan"),
    ("value", "n/a", "row 2 · value", "value 'n/a' is not a number"),
    ("value", "-3", "row 2 · value", "-3 亿元 of gdp is outside 0 … 2e+14 yuan"),
    ("year", "1800", "row 2 · year", "year '1800' is not a year"),
])
def test_statistics_problems(tmp_path, column, value, field, words):
    table = synthetic_statistics(2020).astype(str)
    table.loc[0, column] = value
    root = make_pack(tmp_path, statistics=table)
    the_error(root, "statistics.csv", field, words)


def test_statistics_duplicates_and_empty_source(tmp_path):
    table = synthetic_statistics(2020)
    table.loc[3, "source"] = ""
    root = make_pack(tmp_path, statistics=pd.concat([table, table.iloc[[0, 1]]]))
    error = the_error(root, "statistics.csv", "rows 82, 83 · indicator", "repeats the code")
    assert "one row per code, year and indicator" in error.fix
    (empty,) = [p for p in validate_pack(root) if p.field == "row 5 · source"]
    assert empty.severity == "warning"


def break_parent(units):
    units.loc[3, "parent"] = "999999"


def invert_level(units):
    units.loc[1, "level"] = "township"  # a city under the province becomes a township


def duplicate_code(units):
    units.loc[4, "code"] = "990101"


def invalid_level(units):
    units.loc[0, "level"] = "state"


@pytest.mark.parametrize("change, field, words", [
    (break_parent, "units.parent", "parent codes not found: 990101 → 999999"),
    (invert_level, "units.parent", "parents not of a higher level: 990101 (county) → 990100"),
    (duplicate_code, "units.code", "codes used more than once: 990101"),
    (invalid_level, "units.level", "unknown levels: 990000 ('state')"),
])
def test_units_problems(pack, change, field, words):
    units = gpd.read_file(pack / "units.gpkg")
    change(units)
    units.to_file(pack / "units.gpkg")
    problem = next(p for p in errors(pack) if p.field == field)
    assert problem.file == "units.gpkg" and words in problem.message


def test_overlapping_leaf_units_are_a_warning(pack):
    units = gpd.read_file(pack / "units.gpkg")
    units.loc[3, "geometry"] = units.geometry[3].buffer(2000)
    units.to_file(pack / "units.gpkg")
    assert errors(pack) == []
    (overlap,) = [p for p in validate_pack(pack) if "overlap" in p.message]
    assert overlap.severity == "warning" and "990101 × 990102" in overlap.message


def test_water_bodies(pack):
    bodies = gpd.read_file(pack / "water_bodies.gpkg")
    bodies.loc[0, "kind"] = "pond"
    bodies.loc[1, "flood_storage_m3"] = -1.0
    bodies.loc[2, "capacity_m3"] = np.nan
    bodies.to_file(pack / "water_bodies.gpkg")
    found = {(p.field, p.severity): p.message for p in validate_pack(pack)}
    assert "kind 'pond'" in found["feature 1 · kind", "error"]
    assert "negative" in found["feature 2 · flood_storage_m3", "error"]
    assert "reservoir without capacity" in found["feature 3 · capacity_m3", "warning"]


def test_parameter_override(pack):
    (pack / "overrides.csv").write_text("parameter,value,unit,source\nwater_price,cheap,yuan/m3,x\n")
    edit(pack / "pack.toml", "[statistics]", '[parameters]\nfiles = ["overrides.csv"]\n[statistics]')
    the_error(pack, "overrides.csv", "parameters.files", "'value' is not a number")


def test_several_problems_reported_at_once(pack):
    (pack / "statistics.csv").unlink()
    (pack / "layers/dem.tif").write_bytes(b"\0garbage")
    rewrite_raster(pack / LC, nodata=None)
    edit(pack / "pack.toml", "+proj=aea", "+proj=merc")
    found = {(p.file, p.field) for p in errors(pack)}
    assert found == {
        ("statistics.csv", "statistics.files"),
        ("layers/dem.tif", "years.2020.layers.dem"),
        (LC, "years.2020.layers.landcover"),
        ("pack.toml", "region.crs"),
    }
    with pytest.raises(PackError) as raised:
        raise_if_invalid(pack)
    assert len(raised.value.problems) == len(validate_pack(pack))


# --- every problem in Chinese (issue 17) ----------------------------------------------------------

# the words a Chinese message quotes as they are written: tools, options and file formats
CODE_WORDS = ("ogrinfo", "gdalinfo", "ogr2ogr", "gdal_edit.py", "rio", "edit-info", "nodata", "crs")
QUOTED = re.compile(r"`[^`]*`|'[^']*'|第 [\d、 ]+(?:行|个要素)(?:等，共 \d+ (?:行|个要素))? · \S+?：")


def english_in_chinese(problem) -> list[str]:
    """English phrases of ``problem``'s Chinese message and fix, beyond quoted codes (`…`), the
    rows' location (第 3 行 · column：) and snake_case names."""
    _, message, fix = problem.in_language("zh")
    text = QUOTED.sub(" ", f"{message}\n{fix}")
    return [phrase for phrase in english_phrases(text, CODE_WORDS)
            if not all("_" in word for word in phrase.split())]


@pytest.fixture
def bad_pack(pack):
    """A pack whose crosswalk, per-class layer, water bodies and parameter table are wrong in
    every way validation reports row by row."""
    table = pd.read_csv(pack / "crosswalk.csv", dtype=str)
    table.loc[0, "class"] = "1.5"
    table.loc[2, "ecosystem"] = "prairie"
    table.loc[3, "subtype"] = "savanna"
    table.loc[5, "subtype"] = "paddy"  # a farmland subtype on built-up land
    table.loc[1, "support_practice"] = "high"
    table.loc[6, "cover_management"] = "1.4"
    pd.concat([table, table.iloc[[7]]]).to_csv(pack / "crosswalk.csv", index=False)
    bodies = gpd.read_file(pack / "water_bodies.gpkg")
    bodies.loc[0, "kind"] = "pond"
    bodies.loc[1, "flood_storage_m3"] = -1.0
    bodies.loc[2, "capacity_m3"] = np.nan
    bodies["capacity_m3"] = bodies["capacity_m3"].astype(object)
    bodies.loc[1, "capacity_m3"] = "lots"
    bodies.to_file(pack / "water_bodies.gpkg")
    (pack / "overrides.csv").write_text(
        "parameter,value,unit,source\nwater_price,cheap,yuan/m3,x\nsoil_price,3,yuan/t,\n")
    edit(pack / "pack.toml", "[statistics]", '[parameters]\nfiles = ["overrides.csv"]\n[statistics]')
    return pack


def test_row_problems_are_worded_in_chinese_too(bad_pack):
    problems = validate_pack(bad_pack)
    fields = {p.field for p in problems}
    for field in ("row 2 · class", "row 4 · ecosystem", "row 5 · subtype", "row 7 · subtype",
                  "row 3 · support_practice", "row 8 · cover_management", "row 10 · class",
                  "feature 1 · kind", "feature 2 · flood_storage_m3", "feature 2 · capacity_m3",
                  "feature 3 · capacity_m3", "parameters.files"):
        assert field in fields, (field, fields)
    for problem in problems:
        assert problem.message_zh and problem.fix_zh, problem
        assert problem.file and problem.field and problem.fix, problem
        assert english_in_chinese(problem) == [], (problem.message_zh, problem.fix_zh)
    said = {p.field: p.in_language("zh")[1] for p in problems}
    assert "未知的生态系统类型 `prairie`" in said["row 4 · ecosystem"]
    assert "属于 `farmland`（农田），而不是 `urban`（城镇）" in said["row 7 · subtype"]
    assert "类型 `pond` 不是以下之一：`lake`（湖泊）" in said["feature 1 · kind"]
    parameters = [p.in_language("zh")[1] for p in problems if p.field == "parameters.files"]
    assert parameters == ["以下参数的 `value` 不是数字：water_price",
                          "以下参数的 `source`（出处）为空：soil_price"]
    english = {p.field: p.message for p in problems}  # English as before
    assert "unknown ecosystem 'prairie'" in english["row 4 · ecosystem"]
    assert "kind 'pond' is not one of lake, reservoir, marsh, river" in english["feature 1 · kind"]
