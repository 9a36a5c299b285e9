"""Protected areas and species (issue 19, item 5): register and record checks, per-county
indicators computed by hand, the Jiangxi demonstration's labels and its Chinese page."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from ecoledger.biodiversity.indicators import by_designation, county_indicators, records_in_units
from ecoledger.biodiversity.register import (
    RegisterError,
    check_protected_areas,
    read_codes,
    read_protected_areas,
)
from ecoledger.biodiversity.species import RecordError, check_records, parse_date, read_records, read_species

ROOT = Path(__file__).resolve().parents[1]
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
X0, Y0 = 1_000_000.0, 3_000_000.0  # somewhere in Jiangxi in the Albers plane


def at(geom):
    """A geometry given in metres from (X0, Y0)."""
    from shapely import affinity

    return affinity.translate(geom, X0, Y0)


def square_units() -> gpd.GeoDataFrame:
    """Province P = city C = counties K1 (0–10 km × 0–10 km) and K2 (10–20 km × 0–10 km)."""
    k1, k2 = box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000)
    both = box(0, 0, 20_000, 10_000)
    return gpd.GeoDataFrame(
        {
            "code": ["100000", "100100", "100101", "100102"],
            "name": ["省P", "市C", "县K1", "县K2"],
            "level": ["province", "city", "county", "county"],
            "parent": ["", "100000", "100100", "100100"],
        },
        geometry=[at(both), at(both), at(k1), at(k2)],
        crs=ALBERS,
    )


def two_squares(extra: bool = True) -> gpd.GeoDataFrame:
    """A (0–4 km square) and B (2–6 km square) overlap on a 2 km square; C straddles K1/K2."""
    rows = [
        ("A", "nature_reserve", "national", box(0, 0, 4000, 4000)),
        ("B", "forest_park", "provincial", box(2000, 2000, 6000, 6000)),
    ]
    if extra:
        rows.append(("C", "nature_reserve", "provincial", box(9000, 0, 11_000, 1000)))
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "type": [r[1] for r in rows], "level": [r[2] for r in rows]},
        geometry=[at(r[3]) for r in rows],
        crs=ALBERS,
    )


def test_protected_share_counts_the_overlap_once():
    """K1 (100 km²) holds A (16 km²) and B (16 km²) overlapping on 4 km², and 1 km² of C:
    union = 16 + 16 − 4 + 1 = 29 km², share 0.29; K2 holds the other 1 km² of C (share 0.01);
    the city and province: 30 km² of 200 km² = 0.15."""
    areas = read_protected_areas(two_squares(), area_crs=ALBERS)
    assert [p.severity for p in areas.problems] == ["warning"]  # A–B overlap: reported, not refused
    table = county_indicators(square_units(), areas.areas, area_crs=ALBERS).set_index("code")
    assert table.loc["100101", "area_km2"] == pytest.approx(100.0)
    assert table.loc["100101", "protected_km2"] == pytest.approx(29.0)
    assert table.loc["100101", "protected_share"] == pytest.approx(0.29)
    assert table.loc["100102", "protected_km2"] == pytest.approx(1.0)
    assert table.loc["100102", "protected_share"] == pytest.approx(0.01)
    for code in ("100100", "100000"):
        assert table.loc[code, "protected_km2"] == pytest.approx(30.0)
        assert table.loc[code, "protected_share"] == pytest.approx(0.15)
    assert (table["status"] == "provided").all()
    assert list(table.columns[:3]) == ["unit_name", "level", "parent"]


def test_area_by_type_and_level_unions_each_designation():
    """Nature reserves A and C: 16 + 2 = 18 km² in the province; forest park B 16 km² (the types
    overlap by 4 km², so they sum to 34 > 30); national A 16, provincial B ∪ C 18."""
    areas = read_protected_areas(two_squares(), area_crs=ALBERS).areas
    by_type = by_designation(square_units(), areas, area_crs=ALBERS, by="type")
    province = by_type[by_type["code"] == "100000"].set_index("type")["protected_km2"]
    assert province["nature_reserve"] == pytest.approx(18.0)
    assert province["forest_park"] == pytest.approx(16.0)
    by_level = by_designation(square_units(), areas, area_crs=ALBERS, by="level")
    k1 = by_level[by_level["code"] == "100101"].set_index("level")["protected_km2"]
    assert k1["national"] == pytest.approx(16.0)
    assert k1["provincial"] == pytest.approx(16.0 + 1.0)


def records_frame() -> gpd.GeoDataFrame:
    """Five records (Albers metres): in A only, in A ∩ B, in K1 outside, in C's K2 part, in K2
    outside; and one on the K1/K2 border (x = 10 km, outside every area)."""
    points = [(1000, 1000), (3000, 3000), (8000, 8000), (10_500, 500), (15_000, 5000), (10_000, 5000)]
    species = ["白鹤", "Grus leucogeranus", "中华秋沙鸭", "Mergus squamatus", "长江江豚", "白鹤"]
    return gpd.GeoDataFrame(
        {
            "species": species,
            "date": ["2020-01-05", "2020/1/6", "2021年2月3日", "2021-02", "2019", ""],
            "observer": ["x"] * 6,
        },
        geometry=[at(Point(*p)) for p in points],
        crs=ALBERS,
    )


def test_records_inside_protected_areas_and_per_county():
    """K1: records 1, 2, 3 and the border point (smaller code) = 4, inside 2 (the A ∩ B point once),
    species 2 (白鹤, 中华秋沙鸭); K2: records 4, 5 = 2, inside 1, species 2; province 6, 3, 3."""
    areas = read_protected_areas(two_squares(), area_crs=ALBERS).areas
    records = read_records(records_frame())
    assert [p.severity for p in records.problems] == ["warning"]  # the empty date
    dates = records.records["date"]
    assert dates[:5].tolist() == ["2020-01-05", "2020-01-06", "2021-02-03", "2021-02", "2019"]
    assert pd.isna(dates.iloc[5])
    table = county_indicators(square_units(), areas, records.records, area_crs=ALBERS).set_index("code")
    assert table.loc["100101", ["records", "records_inside", "species"]].tolist() == [4, 2, 2]
    assert table.loc["100102", ["records", "records_inside", "species"]].tolist() == [2, 1, 2]
    assert table.loc["100000", ["records", "records_inside", "species"]].tolist() == [6, 3, 3]
    located = records_in_units(square_units(), records.records, areas, area_crs=ALBERS)
    assert located["protected_areas"].tolist()[:2] == ["A", "A、B"]
    assert located["county"].tolist()[-1] == "100101"


def test_demonstration_status_propagates():
    frame = two_squares(extra=False).assign(status="demonstration")
    areas = read_protected_areas(frame, area_crs=ALBERS).areas
    assert (county_indicators(square_units(), areas, area_crs=ALBERS)["status"] == "demonstration").all()


def test_register_errors_name_the_feature_field_and_fix(tmp_path):
    bowtie = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    frame = gpd.GeoDataFrame(
        {
            "name": ["甲", "甲", "乙", ""],
            "type": ["nature_reserve", "自然保护区", "safari", "森林公园"],
            "level": ["国家级", "provincial", "省级", "乡级"],
            "established": ["2007", "07", "", "1999"],
            "area_ha": ["100", "-5", "", "x"],
        },
        geometry=[at(box(0, 0, 10, 10)), at(bowtie), at(box(0, 0, 5, 5)), None],
        crs=None,
    )
    problems = check_protected_areas(frame)
    messages = " | ".join(p.message for p in problems)
    for expected in (
        "the name `甲` is also the name of feature 0",
        "the type `safari` is not known",
        "the level `乡级` is not known",
        "established `07` is not a four-digit year",
        "area_ha `-5` is not a non-negative number",
        "area_ha `x` is not a non-negative number",
        "has no name",
        "Self-intersection",
        "has no boundary",
        "no coordinate reference system",
    ):
        assert expected in messages, expected
    assert all(p.severity == "error" and p.fix and p.message_zh and p.fix_zh for p in problems)
    assert any("自相交" in p.message_zh for p in problems)
    with pytest.raises(RegisterError):
        read_protected_areas(frame)
    missing = check_protected_areas(frame.drop(columns="level"))
    assert missing[0].field == "header · level" and "add the column" in missing[0].fix


def test_register_from_csv_template_with_declared_crs(tmp_path):
    path = tmp_path / "areas.csv"
    pd.DataFrame(
        {
            "name": ["甲保护区"],
            "type": ["国家公园"],
            "level": ["national"],
            "wkt": ["POLYGON((116 28, 116.01 28, 116.01 28.01, 116 28.01, 116 28))"],
        }
    ).to_csv(path, index=False)
    assert [p.field for p in check_protected_areas(path)] == ["crs"]
    areas = read_protected_areas(path, source_crs="EPSG:4326", area_crs=ALBERS)
    row = areas.areas.iloc[0]
    assert row["type"] == "national_park" and row["level"] == "national"
    # a 0.01° square at 28° N: 0.01 × 111.32 km × cos 28° wide, 0.01 × 110.85 km tall ≈ 109 ha
    expected_ha = 0.01 * 111_320 * np.cos(np.radians(28.005)) * 0.01 * 110_850 / 1e4
    assert row["boundary_ha"] == pytest.approx(expected_ha, rel=0.01)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"name": ["x"], "type": ["geopark"], "level": ["county"], "wkt": ["POLYGON((1 2"]}).to_csv(
        bad, index=False
    )
    assert "not a geometry" in check_protected_areas(bad, source_crs="EPSG:4326")[0].message


def test_record_errors_and_outside_region(tmp_path):
    path = tmp_path / "records.csv"
    pd.DataFrame(
        {
            "longitude": ["116.0", "abc", "200", "117.5"],
            "latitude": ["28.0", "28", "28", "40.0"],
            "species": ["蓝冠噪鹛", "白鹤", "大熊猫", "白鹤"],
            "date": ["2019-04-01", "2019-13-01", "2019", "2020-02-30"],
            "observer": ["a", "b", "c", "d"],
        }
    ).to_csv(path, index=False)
    problems = check_records(path)
    found = {(p.field, p.message) for p in problems}
    assert ("row 3 · longitude", "`abc` is not a valid longitude") in found
    assert ("row 4 · longitude", "`200` is not a valid longitude") in found
    assert ("row 4 · species", "the species `大熊猫` is not in the species table") in found
    assert ("row 3 · date", "the date `2019-13-01` cannot be read") in found
    assert ("row 5 · date", "the date `2020-02-30` cannot be read") in found
    with pytest.raises(RecordError):
        read_records(path)
    good = tmp_path / "good.csv"
    pd.read_csv(path).iloc[[0, 3]].assign(date=["2019-04-01", "2020-02-03"]).to_csv(good, index=False)
    region = box(113.5, 24.5, 118.5, 30.1)
    records = read_records(good, region=region)
    assert records.records["outside_region"].tolist() == [False, True]
    assert [p.field for p in records.problems] == ["row 3 · coordinates"]
    assert "outside the region" in records.problems[0].message


def test_parse_date_forms():
    assert parse_date("2020年1月5日") == ("2020-01-05", True)
    assert parse_date("2020/01") == ("2020-01", True)
    assert parse_date("2020-01-05T10:00") == ("2020-01-05", True)
    assert parse_date("") == (None, True)
    assert parse_date("5 Jan 2020") == (None, False)


def test_shipped_tables_cite_every_row():
    """Every row of the Jiangxi register, the species table and the demonstration records has an
    address and a quote; numbers are those tables' own (no figure without its source)."""
    data = ROOT / "src" / "ecoledger" / "data" / "biodiversity"
    for name in ("protected_areas_jiangxi.csv", "species.csv", "species_records_jiangxi.csv"):
        table = pd.read_csv(data / name, dtype=str, keep_default_na=False)
        assert (table["source_url"].str.startswith("http")).all(), name
        assert (table["quote"].str.len() > 5).all(), name
    register = pd.read_csv(data / "protected_areas_jiangxi.csv", dtype=str, keep_default_na=False)
    codes = read_codes()
    assert set(register["type"]) <= set(codes.loc[codes["kind"] == "type", "code"])
    assert set(register["level"]) <= set(codes.loc[codes["kind"] == "level", "code"])
    assert (register["status"] == "demonstration").all()
    species = read_species()
    assert set(species["iucn_category"]) <= {"CR", "EN", "VU", "NT", "LC", "DD", "missing"}


def minimal_jiangxi_pack(folder: Path) -> Path:
    """A pack with only the real Jiangxi units (what the demonstration reads), built as
    ``packs.jiangxi`` builds them."""
    from ecoledger.packs.jiangxi import ACCOUNTING_CRS

    source = ROOT / "data" / "jiangxi" / "boundaries"
    province = gpd.read_file(source / "jiangxi_province_tianditu.geojson")
    cities = gpd.read_file(source / "jiangxi_city_tianditu.geojson")
    counties = gpd.read_file(source / "jiangxi_district_tianditu.geojson")
    frames = [
        pd.DataFrame(
            {
                "code": province["province_adcode"],
                "name": province["province_name"],
                "level": "province",
                "parent": "",
                "geometry": province.geometry,
            }
        ),
        pd.DataFrame(
            {
                "code": cities["city_adcode"],
                "name": cities["city_name"],
                "level": "city",
                "parent": cities["province_adcode"],
                "geometry": cities.geometry,
            }
        ),
        pd.DataFrame(
            {
                "code": counties["district_adcode"],
                "name": counties["district_name"],
                "level": "county",
                "parent": counties["city_adcode"],
                "geometry": counties.geometry,
            }
        ),
    ]
    units = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=province.crs).to_crs(ACCOUNTING_CRS)
    folder.mkdir(parents=True)
    units.to_file(folder / "units.gpkg", driver="GPKG")
    (folder / "pack.toml").write_text(
        f'[region]\nname = "Jiangxi"\ncrs = "{ACCOUNTING_CRS}"\nresolution = 1000.0\n\n'
        '[units]\nfile = "units.gpkg"\n\n[landcover]\nscheme = "IGBP"\ncrosswalk = "crosswalk.csv"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def units_pack(tmp_path_factory):
    return minimal_jiangxi_pack(tmp_path_factory.mktemp("biodiversity-pack") / "pack")


@pytest.fixture(scope="module")
def jiangxi_demo(units_pack, tmp_path_factory):
    from ecoledger.biodiversity.demo import run_demo

    out = tmp_path_factory.mktemp("biodiversity") / "out"
    return run_demo(units_pack, out), out


def test_jiangxi_demonstration_is_labelled_everywhere(jiangxi_demo):
    from ecoledger.untranslated import untranslated

    summary, out = jiangxi_demo
    assert summary["status"] == "demonstration" and "not official" in summary["note"]
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["status"] == "demonstration"
    for name in (
        "county_indicators",
        "protected_by_type",
        "protected_by_level",
        "protected_areas",
        "species_records",
    ):
        table = pd.read_csv(out / f"{name}.csv")
        assert len(table) and (table["status"] == "demonstration").all(), name
    layer = gpd.read_file(out / "biodiversity.gpkg", layer="protected_areas")
    assert (layer["status"] == "demonstration").all() and layer["note"].str.contains("not the official").all()
    zh = (out / "index.html").read_text(encoding="utf-8")
    assert "示范数据" in zh and "不是官方边界" in zh
    assert untranslated(zh) == []
    assert "Demonstration" in (out / "index.en.html").read_text(encoding="utf-8")


def test_jiangxi_demonstration_follows_its_rule(jiangxi_demo):
    """Each drawn boundary has its published area (circle, to 0.1 %); rows without a county or an
    area get none; the nested forest park of 铜钹山 is counted once in 广丰区."""
    summary, out = jiangxi_demo
    register = pd.read_csv(out / "protected_areas.csv", dtype={"county_codes": str})
    drawn = register[register["boundary"] == "circle"]
    assert np.allclose(drawn["boundary_ha"], drawn["area_ha"].astype(float), rtol=1e-3)
    assert set(register.loc[register["boundary"] == "none", "why_none"]) == {"county missing", "area missing"}
    indicators = pd.read_csv(out / "county_indicators.csv", dtype={"code": str}).set_index("code")
    guangfeng = indicators.loc["361103"]
    assert guangfeng["protected_km2"] < (32_000 + 19_500) / 100  # the union, not the sum
    assert guangfeng["protected_km2"] == pytest.approx(313.0, abs=1.0)  # 320 km² circle, 7 km² over the line
    counties = indicators[indicators["level"] == "county"]
    assert indicators.loc["360000", "protected_km2"] == pytest.approx(counties["protected_km2"].sum())
    assert summary["records"] == 7 and summary["species"] == 4


def test_cli_check_template_and_indicators(tmp_path, units_pack):
    """``biodiversity template`` writes the fill-in files; ``check`` lists the template's problems
    (no boundary) and exits 1; ``indicators`` on a valid GeoPackage writes the county table."""
    from typer.testing import CliRunner

    from ecoledger.cli.main import app

    runner = CliRunner()
    done = runner.invoke(app, ["--lang", "en", "biodiversity", "template", "--out", str(tmp_path / "t")])
    assert done.exit_code == 0, done.output
    template = tmp_path / "t" / "protected_areas_template.csv"
    assert template.is_file() and (tmp_path / "t" / "protected_areas_columns.csv").is_file()
    done = runner.invoke(
        app, ["--lang", "en", "biodiversity", "check", str(template), "--source-crs", "EPSG:4326"]
    )
    assert done.exit_code == 1 and "has no boundary" in done.output and "1 errors" in done.output
    records = tmp_path / "records.csv"
    pd.DataFrame(
        {
            "longitude": [116.0],
            "latitude": [28.0],
            "species": ["白鹤"],
            "date": ["2020-01-01"],
            "observer": ["a"],
        }
    ).to_csv(records, index=False)
    done = runner.invoke(app, ["--lang", "en", "biodiversity", "check", str(records)])
    assert done.exit_code == 0 and "0 errors" in done.output, done.output
    areas = tmp_path / "areas.gpkg"
    two_squares().to_file(areas, driver="GPKG")
    out = tmp_path / "indicators"
    done = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "biodiversity",
            "indicators",
            "--pack",
            str(units_pack),
            "--protected-areas",
            str(areas),
            "--species",
            str(records),
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    table = pd.read_csv(out / "county_indicators.csv", dtype={"code": str}).set_index("code")
    assert table.loc["360000", "protected_km2"] == pytest.approx(30.0)  # A ∪ B ∪ C, all inside Jiangxi
    assert table.loc["360000", "records"] == 1 and (table["status"] == "provided").all()


def test_records_from_a_point_geopackage(tmp_path):
    """The same six records as a GeoPackage read the same way (points carry their CRS); a line
    layer is refused."""
    path = tmp_path / "records.gpkg"
    records_frame().to_file(path, driver="GPKG")
    records = read_records(path)
    assert len(records.records) == 6 and records.records.crs.to_epsg() == 4326
    areas = read_protected_areas(two_squares(), area_crs=ALBERS).areas
    table = county_indicators(square_units(), areas, records.records, area_crs=ALBERS).set_index("code")
    assert table.loc["100000", ["records", "records_inside", "species"]].tolist() == [6, 3, 3]
    lines = tmp_path / "lines.gpkg"
    from shapely.geometry import LineString

    gpd.GeoDataFrame(
        records_frame().drop(columns="geometry").iloc[:1],
        geometry=[at(LineString([(0, 0), (1, 1)]))],
        crs=ALBERS,
    ).to_file(lines, driver="GPKG")
    problems = check_records(lines)
    assert problems[0].message == "is not a point (LineString)"
