"""Rights registration (issue 18, item 2): parcels read and validated in zh and en, hostile uploads
refused, overlaps and gaps by hand-computed areas, and the Jiangxi demonstration parcels."""

import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from pyproj import Geod
from rasterio import features
from shapely.geometry import LineString, Polygon, box

from ecoledger import messages
from ecoledger.registry import parcels as P
from ecoledger.untranslated import english_phrases

ALBERS = P.ALBERS_CHINA
X0, Y0 = 1_000_000.0, 3_000_000.0  # Albers metres in Jiangxi (about 115.27° E, 28.0° N)
ALLOW = ("Albers", "MiB", "KiB", "GiB")  # a projection's proper name, unit symbols


def square(x, y, size=100.0):
    return box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


def parcel(serial, geometry, **fields):
    """A valid parcel as a registry clerk writes it (Chinese values, read through the aliases)."""
    return {"serial": serial, "type": "森林", "owner": "示范村集体 1", "owner_type": "集体",
            "county": "990101", "right_type": "所有权", "valid_from": "2020-01-01",
            "valid_to": None, **fields, "geometry": geometry}


def frame(*rows, crs=ALBERS):
    table = gpd.GeoDataFrame(list(rows), geometry="geometry", crs=crs)
    table.index = range(1, len(table) + 1)  # fids as a GeoPackage numbers them
    return table


@pytest.fixture
def units():
    """Hand-drawn units: province 990000 > city 990100 > counties 990101 (x 0–1000 m) and 990102
    (x 1000–2000 m), both y 0–1000 m."""
    return gpd.GeoDataFrame({
        "code": ["990000", "990100", "990101", "990102"],
        "name": ["示范省", "示范市", "示范县甲", "示范县乙"],
        "level": ["province", "city", "county", "county"],
        "parent": ["", "990000", "990100", "990100"],
    }, geometry=[square(0, 0, 2000), square(0, 0, 2000), square(0, 0, 1000), square(1000, 0, 1000)],
        crs=ALBERS)


def refused(call) -> list:
    with pytest.raises(P.ParcelError) as caught:
        call()
    return caught.value.problems


def english_in(zh: str) -> list[str]:
    """English left in a Chinese message beyond quoted code (`…`) and ALLOW."""
    return english_phrases(re.sub(r"`[^`\n]*`", " ", zh), ALLOW)


def assert_bilingual(problem, file):
    """The problem names its file and field, and says what and how to fix in both languages, the
    Chinese without English beyond quoted code. (A file's problem keeps its locator — file, layer,
    crs, header · column — as code in both languages, as the statistics uploads do; a feature's
    names the features and the field in Chinese.)"""
    assert problem.file == file and problem.field
    assert problem.message and problem.fix and problem.message_zh and problem.fix_zh
    field, message, fix = problem.in_language("zh")
    assert field in ("", problem.field) and re.fullmatch(r"file|layer|crs|header · \w+", field or "file")
    assert english_in(f"{message} {fix}") == [], (message, fix)


def test_catalogue_complete():
    assert messages.problems() == []
    assert [k for k in messages.CATALOGUE if k.startswith(P.PREFIX)]
    assert P.label("type", "water", "zh") == "水流" and P.label("right_type", "use", "en") == "use"


# --- overlaps and gaps, by hand ---------------------------------------------------------------------


def test_two_squares_overlap_by_the_hand_computed_area(tmp_path):
    # A (0–100, 0–100) and B (60–160, 40–140): the overlap is x 60–100 by y 40–100 = 40 m × 60 m
    a, b = square(0, 0), square(60, 40)
    beside = square(-100, 0)  # shares A's left edge: 0 m², not an overlap
    noise = box(X0 + 99.5, Y0 - 50, X0 + 150, Y0 + 1)  # 0.5 m × 1 m of A: digitising noise
    accepted = P.prepare_parcels(frame(parcel("A", a), parcel("B", b), parcel("C", beside),
                                       parcel("D", noise)), area_crs=ALBERS)
    table = P.overlaps(accepted)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row.serial_a, row.serial_b, row.fid_a, row.fid_b) == ("A", "B", 1, 2)
    assert row.overlap_m2 == pytest.approx(2400.0, abs=1e-6)
    assert row.share_a == pytest.approx(0.24) and row.share_b == pytest.approx(0.24)
    assert row.right_type == "ownership" and row.area_crs == ALBERS
    assert table.geometry.iloc[0].equals(box(X0 + 60, Y0 + 40, X0 + 100, Y0 + 100))
    assert row.lon == pytest.approx(115.2669, abs=1e-3) and row.lat == pytest.approx(28.0052, abs=1e-3)
    # the 0.5 m² of D counts once the tolerance is lowered below it
    assert len(P.overlaps(accepted, tolerance_m2=0.1)) == 2


def test_overlaps_pair_only_the_same_right_in_the_same_period():
    a, b = square(0, 0), square(60, 40)
    rows = frame(parcel("A", a), parcel("E", a, right_type="经营权", owner="示范合作社", owner_type="单位"),
                 parcel("F", b, valid_from="2000-01-01", valid_to="2009-12-31"))
    accepted = P.prepare_parcels(rows, area_crs=ALBERS)
    assert P.overlaps(accepted).empty  # A/E: other right; A/F: F ended before A began
    everything = P.overlaps(accepted, same_right_type=False, same_period=False)
    pairs = {(r.serial_a, r.serial_b): r.overlap_m2 for r in everything.itertuples()}
    assert pairs == pytest.approx({("A", "E"): 10_000.0, ("A", "F"): 2400.0, ("E", "F"): 2400.0})
    # an upload against parcels already registered: only pairs with the upload are reported
    registered = P.prepare_parcels(frame(parcel("R1", square(50, 0)), parcel("R2", square(55, 0))),
                                   area_crs=ALBERS)
    new = P.prepare_parcels(frame(parcel("N1", square(0, 0))), area_crs=ALBERS)
    against = P.overlaps(new, registered)
    assert sorted(zip(against.serial_a, against.serial_b, against.overlap_m2, strict=True)) == [
        ("N1", "R1", 5000.0), ("N1", "R2", 4500.0)]


def test_gap_inside_a_registration_area(tmp_path):
    # area 300 m × 100 m; P2 has a 20 m × 30 m hole (600 m²); P2 and P3 leave a 0.5 m × 100 m
    # sliver (50 m²) between them, below the 100 m² minimum
    area = gpd.GeoSeries([box(X0, Y0, X0 + 300, Y0 + 100)], crs=ALBERS)
    hole = box(X0 + 140, Y0 + 30, X0 + 160, Y0 + 60)
    p2 = Polygon(square(100, 0).exterior.coords, [hole.exterior.coords])
    rows = frame(parcel("P1", square(0, 0)), parcel("P2", p2),
                 parcel("P3", box(X0 + 200.5, Y0, X0 + 300, Y0 + 100)))
    accepted = P.prepare_parcels(rows, area_crs=ALBERS)
    found = P.gaps(accepted, area)
    assert len(found) == 1
    assert found.area_m2.iloc[0] == pytest.approx(600.0)
    assert found.share_of_area.iloc[0] == pytest.approx(600.0 / 30_000.0)
    assert found.geometry.iloc[0].equals(hole)
    both = P.gaps(accepted, area, min_area_m2=10.0)
    assert both.area_m2.tolist() == pytest.approx([600.0, 50.0]) and both.gap_id.tolist() == [1, 2]
    # the checks together, written as CSV and GeoPackage layers naming the equal-area CRS
    checks = P.check_parcels(accepted, area)
    written = P.write_checks(checks, tmp_path / "checks")
    assert {p.name for p in written.values()} == {"overlaps.csv", "gaps.csv", "checks.gpkg"}
    gaps_csv = pd.read_csv(written["gaps"], encoding="utf-8-sig")
    assert gaps_csv.area_m2.tolist() == pytest.approx([600.0])
    assert gaps_csv.area_crs.str.lstrip("'").tolist() == [ALBERS]  # ' keeps Excel from running it
    overlaps_csv = pd.read_csv(written["overlaps"], encoding="utf-8-sig")
    assert overlaps_csv.empty and {"serial_a", "serial_b", "overlap_m2", "share_a", "share_b"} <= set(
        overlaps_csv.columns)
    assert sorted(name for name, _ in pyogrio.list_layers(written["gpkg"])) == ["gaps", "overlaps"]
    layer = gpd.read_file(written["gpkg"], layer="gaps")
    assert layer.crs.equals(P.CRS(ALBERS)) and layer.geometry.iloc[0].area == pytest.approx(600.0)
    assert not list((tmp_path / "checks").glob(".*"))  # nothing left aside


def test_geographic_input_is_measured_in_the_equal_area_crs():
    lon, lat = 115.9, 28.7  # Nanchang
    cell = box(lon, lat, lon + 0.01, lat + 0.01)
    accepted = P.prepare_parcels(frame(parcel("G", cell), crs="EPSG:4490"))
    geodesic = abs(Geod(ellps="GRS80").geometry_area_perimeter(cell)[0])
    assert accepted.parcels.area_m2.iloc[0] == pytest.approx(geodesic, rel=1e-3)
    assert accepted.source_crs == "EPSG:4490" and accepted.area_crs.kind == "albers_china"
    assert accepted.parcels.crs.equals(P.CRS(ALBERS))
    note = accepted.area_crs.note("zh")
    assert "Albers" in note and ALBERS in note and english_in(note) == []
    assert ALBERS in accepted.area_crs.note("en")
    # codes in English, dates as text, the file's other columns kept
    row = accepted.parcels.iloc[0]
    assert (row.type, row.owner_type, row.right_type, row.valid_from, row.valid_to) == (
        "forest", "collective", "ownership", "2020-01-01", None)


# --- validation: each problem in zh and en ------------------------------------------------------------

# (case, rows → rows, field of the problem, English, Chinese); parcel 1 is changed, 2 stays valid
CASES = [
    ("serial empty", {"serial": ""}, "serial", "is empty", "登记编号（`serial`）：为空"),
    ("serial duplicate", {"serial": "B"}, "serial", "the serial `B` appears 2 times", "重复出现 2 次"),
    ("type unknown", {"type": "果园"}, "type", "`果园` is not a known resource type",
     "`果园` 不是可用的资源类型"),
    ("owner missing", {"owner": None}, "owner", "is empty", "权利人（`owner`）：为空"),
    ("owner type unknown", {"owner_type": "合伙"}, "owner_type", "not a known owner type",
     "不是可用的权利人类型"),
    ("county format", {"county": "36102"}, "county", "not a 6-digit", "不是 6 位行政区划代码"),
    ("county unknown", {"county": "990199"}, "county", "not a unit of the region pack",
     "不是数据包行政区划"),
    ("county not a county", {"county": "990100"}, "county", "`990100` (示范市) is not a county",
     "不是县级单位"),
    ("outside its county", {"county": "990102"}, "county", "100.0% of the parcel's area lies outside",
     "宗地中心位于 `990101`（示范县甲）"),
    ("right type unknown", {"right_type": "抵押权"}, "right_type", "not a known right type",
     "不是可用的权利类型"),
    ("ownership of an individual", {"owner_type": "农户"}, "right_type",
     "an owner of type individual cannot hold the ownership", "个人不能享有自然资源所有权"),
    ("date invalid", {"valid_from": "2020-13-45"}, "valid_from", "`2020-13-45` is not a date",
     "不是日期"),
    ("date missing", {"valid_from": ""}, "valid_from", "is empty", "起始日期（`valid_from`）：为空"),
    ("date order", {"valid_to": "2019-12-31"}, "valid_to", "the end date 2019-12-31 is before",
     "早于起始日期"),
    ("unsafe text", {"owner": "=HYPERLINK(\"http://x\")"}, "owner", "starts with =", "当作公式执行"),
    ("text too long", {"owner": "村" * 201}, "owner", "longer than 200 characters", "超过 200 个字符"),
    ("self-intersection", {"geometry": Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0),
                                                (X0, Y0 + 100)])},
     "geometry", "not valid: Self-intersection at (1000050, 3000050)",
     "边界无效：自相交，位置 (1000050, 3000050)"),
    ("not a polygon", {"geometry": LineString([(X0, Y0), (X0 + 100, Y0)])}, "geometry",
     "a LineString, not a polygon", "边界是线，不是面"),
    ("no boundary", {"geometry": None}, "geometry", "has no boundary", "没有边界"),
    ("area below 1 m²", {"geometry": square(0, 0, 0.5)}, "geometry", "the area is 0.25 m²",
     "小于 1.0 m²"),
]


@pytest.mark.parametrize("case, change, field, english, chinese", CASES, ids=[c[0] for c in CASES])
def test_each_problem_names_file_feature_field_and_fix(tmp_path, units, case, change, field, english,
                                                        chinese):
    rows = frame(parcel("A", square(0, 0)), parcel("B", square(200, 0)))
    for column, value in change.items():
        if column == "geometry":
            geometries = [value, *rows.geometry.iloc[1:]]
            rows = rows.set_geometry(gpd.GeoSeries(geometries, index=rows.index, crs=ALBERS))
        else:
            rows[column] = rows[column].astype(object)
            rows.at[1, column] = value
    path = tmp_path / "宗地.gpkg"
    rows.to_file(path, driver="GPKG")
    problems = refused(lambda: P.read_parcels(path, units=units))
    found = [p for p in problems if english in p.message]
    assert len(found) == 1, [str(p) for p in problems]
    problem = found[0]
    assert problem.severity == "error" and problem.file == "宗地.gpkg"
    assert problem.field.startswith("fid 1") and problem.field.endswith(f"· {field}")
    assert problem.message_zh.startswith("第 1") and chinese in problem.message_zh
    assert_bilingual(problem, "宗地.gpkg")
    assert problem.in_language("en")[0] == problem.field
    if case != "serial duplicate":  # nothing else is wrong with the file
        assert len(problems) == 1, [str(p) for p in problems]


def test_every_problem_at_once_grouped_by_feature(units):
    rows = frame(*(parcel(str(i), square(200 * i, 0), owner="") for i in range(5)),
                 parcel("X", square(0, 500), type="果园"), parcel("Y", square(200, 500), type="果园"))
    problems = refused(lambda: P.prepare_parcels(rows, file="upload.gpkg", units=units))
    assert [p.field for p in problems] == ["fid 6, 7 · type", "fid 1, 2, 3, 4, 5 · owner"]
    assert problems[1].message_zh.startswith("第 1、2、3、4、5 号要素 · 权利人（`owner`）：为空")
    for problem in problems:
        assert_bilingual(problem, "upload.gpkg")


def test_invalid_boundary_repaired_only_when_asked():
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    rows = frame(parcel("A", bowtie), parcel("B", square(200, 0)))
    refused(lambda: P.prepare_parcels(rows, area_crs=ALBERS))
    accepted = P.prepare_parcels(rows, area_crs=ALBERS, make_valid=True)
    assert accepted.repaired == [1]
    assert accepted.parcels.area_m2.iloc[0] == pytest.approx(5000.0)  # two triangles of 2500 m²
    (warning,) = accepted.warnings
    assert warning.severity == "warning" and "repaired by make_valid; area after repair 5,000.0 m²" \
        in warning.message
    assert "自相交" in warning.message_zh and "5,000.0 m²" in warning.message_zh
    assert_bilingual(warning, "upload")


def test_columns_mapped_or_missing():
    rows = frame(parcel("A", square(0, 0))).rename(columns={"owner": "QLR", "serial": "编号"})
    problems = refused(lambda: P.prepare_parcels(rows, file="f.gpkg", area_crs=ALBERS))
    (missing,) = problems  # 编号 is read for serial by its Chinese name; QLR is not known
    assert missing.field == "header · owner" and "`owner` (owner) is missing" in missing.message
    assert "`QLR`" in missing.message_zh and "缺少权利人列" in missing.message_zh
    assert_bilingual(missing, "f.gpkg")
    accepted = P.prepare_parcels(rows, columns={"owner": "QLR"}, area_crs=ALBERS)
    assert accepted.parcels.owner.tolist() == ["示范村集体 1"] and accepted.parcels.serial.tolist() == ["A"]
    (wrong,) = refused(lambda: P.prepare_parcels(rows, columns={"owner": "权利人"}, area_crs=ALBERS))
    assert "names `权利人` for `owner`" in wrong.message and "不在文件中" in wrong.message_zh
    assert_bilingual(wrong, "upload")
    bilingual = frame(parcel("A", square(0, 0))).rename(columns={"owner": "owner 权利人"})
    assert P.prepare_parcels(bilingual, area_crs=ALBERS).parcels.owner.tolist() == ["示范村集体 1"]


def test_coordinate_reference_systems():
    lonlat = frame(parcel("A", box(115.9, 28.7, 115.91, 28.71)), crs=None)
    (missing,) = refused(lambda: P.prepare_parcels(lonlat, file="f.gpkg"))
    assert missing.field == "crs" and "no coordinate reference system" in missing.message
    assert "look like longitude and latitude" in missing.message and "经纬度" in missing.message_zh
    assert_bilingual(missing, "f.gpkg")
    declared = P.prepare_parcels(lonlat, source_crs="EPSG:4490")
    assert declared.source_crs == "EPSG:4490" and "EPSG:4490" in declared.warnings[0].message_zh
    assert_bilingual(declared.warnings[0], "upload")
    metres = frame(parcel("A", square(0, 0)), crs="EPSG:4490")  # metres labelled as degrees
    (degrees,) = refused(lambda: P.prepare_parcels(metres))
    assert "is geographic (degrees), but the coordinates exceed" in degrees.message
    assert_bilingual(degrees, "upload")
    (unknown,) = refused(lambda: P.prepare_parcels(lonlat, source_crs="EPSG:999999"))
    assert_bilingual(unknown, "upload")
    faraway = frame(parcel("A", box(10.0, 50.0, 10.01, 50.01)), crs="EPSG:4326")  # in Germany
    (abroad,) = P.prepare_parcels(faraway).warnings
    assert "outside China" in abroad.message and abroad.severity == "warning"
    assert_bilingual(abroad, "upload")


def test_limits_of_features_and_problems():
    rows = frame(*(parcel(str(i), square(200 * i, 0)) for i in range(4)))
    (too_many,) = refused(lambda: P.prepare_parcels(rows, limits=P.Limits(features=3)))
    assert "4 features, more than 3" in too_many.message
    assert_bilingual(too_many, "upload")
    rows = frame(*(parcel(str(i), square(200 * i, 0), type=f"类型{i}") for i in range(12)))
    problems = refused(lambda: P.prepare_parcels(rows, limits=P.Limits(max_problems=10)))
    assert len(problems) == 11 and "2 more problems are not listed" in problems[-1].message
    assert_bilingual(problems[-1], "upload")


# --- files and hostile uploads ---------------------------------------------------------------------------


def shapefile_zip(rows, tmp_path, encoding="utf-8", cpg=True) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir(parents=True)
    rows.to_file(folder / "parcels.shp", encoding=encoding)
    if not cpg:
        (folder / "parcels.cpg").unlink()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, f"宗地/{part.name}")
    return buffer.getvalue()


def test_zipped_shapefile_in_gbk_without_cpg(tmp_path):
    rows = frame(parcel("A", square(0, 0)), parcel("B", square(200, 0), owner="示范村集体 2"))
    content = shapefile_zip(rows, tmp_path, encoding="gbk", cpg=False)
    accepted = P.read_parcels_upload("../../宗地.zip", content, area_crs=ALBERS)
    assert accepted.file == "宗地.zip"
    assert accepted.parcels.owner.tolist() == ["示范村集体 1", "示范村集体 2"]
    assert accepted.parcels.fid.tolist() == [0, 1]  # a shapefile's feature ids start at 0
    (warning,) = accepted.warnings
    assert "read as GB18030" in warning.message
    assert_bilingual(warning, "宗地.zip")
    utf8 = shapefile_zip(rows, tmp_path / "utf8")
    assert not P.read_parcels_upload("宗地.zip", utf8, area_crs=ALBERS).warnings


def zip_of(*members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return buffer.getvalue()


def link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o120777 << 16  # a symbolic link
    return info


@pytest.mark.parametrize("member", ["../evil.shp", "宗地/../../evil.gpkg", "/tmp/evil.gpkg",
                                    "C:\\evil.gpkg", "..\\evil.shp", link("parcels.gpkg")],
                         ids=["dotdot", "nested dotdot", "absolute", "drive", "backslash", "link"])
def test_zip_member_outside_the_archive_refused(tmp_path, monkeypatch, member):
    monkeypatch.chdir(tmp_path)
    content = zip_of(("parcels.shp", b"x"), (member, b"x"))
    (problem,) = refused(lambda: P.read_parcels_upload("parcels.zip", content))
    assert "points outside the archive" in problem.message and "指向压缩包以外" in problem.message_zh
    assert_bilingual(problem, "parcels.zip")
    assert not list(tmp_path.rglob("evil*")) and not Path("/tmp/evil.gpkg").exists()


def test_zip_bombs_and_damaged_archives_refused(tmp_path):
    zeros = b"\0" * (3 * 2**20)
    (declared,) = refused(lambda: P.read_parcels_upload(
        "a.zip", zip_of(("parcels.gpkg", zeros)), limits=P.Limits(unpacked_bytes=2**20)))
    assert "possible zip bomb" in declared.message and "压缩炸弹" in declared.message_zh
    assert_bilingual(declared, "a.zip")
    (ratio,) = refused(lambda: P.read_parcels_upload("a.zip", zip_of(("parcels.gpkg", zeros))))
    assert "at a ratio above 100:1" in ratio.message  # 3 MiB of zeros deflate ~1000:1
    many = zip_of(*((f"f{i}.prj", b"x") for i in range(5)))
    (entries,) = refused(lambda: P.read_parcels_upload("a.zip", many, limits=P.Limits(zip_entries=4)))
    assert "holds 5 files, more than 4" in entries.message
    (damaged,) = refused(lambda: P.read_parcels_upload("a.zip", b"PK\x03\x04 not really a zip"))
    assert "damaged" in damaged.message
    encrypted = bytearray(zip_of(("parcels.gpkg", b"x"), compression=zipfile.ZIP_STORED))
    encrypted[6] |= 0x1  # the local header's flag
    central = bytes(encrypted).rindex(b"PK\x01\x02")
    encrypted[central + 8] |= 0x1  # the central directory's flag
    (locked,) = refused(lambda: P.read_parcels_upload("a.zip", bytes(encrypted)))
    assert "encrypted" in locked.message
    for problem in (ratio, entries, damaged, locked):
        assert_bilingual(problem, "a.zip")


def test_uploads_refused_before_reading(tmp_path):
    cases = [
        ("a.gpkg", b"", "the file is empty"),
        ("a.gpkg", b"SQLite format 3\x00" + b"\0" * 2048, "above the limit of 1.0 KiB"),
        ("parcels.shp", b"\x00\x00\x27\x0a" + b"\0" * 96, "a .shp file alone lacks"),
        ("parcels.txt", b"serial,owner\n", "a .txt file is not accepted"),
        ("a.zip", zip_of(("readme.txt", b"x")), "found no shapefile (.shp) or GeoPackage"),
        ("a.zip", zip_of(("a.shp", b"x"), ("b.gpkg", b"x")), "holds several datasets: a.shp, b.gpkg"),
        ("a.zip", zip_of(("a.shp", b"x"), ("a.shx", b"x")), "the shapefile `a.shp` lacks .dbf"),
        ("a.gpkg", b"SQLite format 3\x00" + b"\0" * 100, "cannot be read"),
    ]
    for name, content, english in cases:
        limits = P.Limits(upload_bytes=1024) if "KiB" in english else P.LIMITS
        (problem,) = refused(lambda n=name, c=content, lim=limits: P.read_parcels_upload(n, c, limits=lim))
        assert english in problem.message, (english, str(problem))
        assert_bilingual(problem, name)


def test_geopackage_layers(tmp_path):
    path = tmp_path / "two.gpkg"
    frame(parcel("A", square(0, 0))).to_file(path, layer="parcels", driver="GPKG")
    frame(parcel("B", square(0, 0))).to_file(path, layer="old", driver="GPKG")
    (several,) = refused(lambda: P.read_parcels(path, area_crs=ALBERS))
    assert "several layers" in several.message and "`parcels`" in several.message_zh
    assert_bilingual(several, "two.gpkg")
    assert P.read_parcels(path, layer="old", area_crs=ALBERS).parcels.serial.tolist() == ["B"]
    (absent,) = refused(lambda: P.read_parcels(path, layer="new", area_crs=ALBERS))
    assert "no layer `new`" in absent.message
    assert_bilingual(absent, "two.gpkg")
    pyogrio.write_dataframe(pd.DataFrame({"serial": ["A"]}), path, layer="table", driver="GPKG")
    (table,) = refused(lambda: P.read_parcels(path, layer="table", area_crs=ALBERS))
    assert "has no geometries" in table.message
    assert_bilingual(table, "two.gpkg")


# --- demonstration parcels from the real Jiangxi pack ---------------------------------------------------


@pytest.fixture(scope="module")
def jiangxi_pack(jiangxi_main):
    return jiangxi_main[2]


@pytest.fixture(scope="module")
def demo(jiangxi_pack):
    return P.demonstration_parcels(jiangxi_pack, 30, seed=7)


def test_demonstration_parcels_are_labelled_and_reproducible(jiangxi_pack, demo):
    assert len(demo) == 30 and demo.county.nunique() == 1
    assert (demo.status == "demonstration").all()
    assert (demo.note == "demonstration: not a registered parcel").all()
    assert demo.note_zh.str.startswith("示范数据").all()
    assert demo.owner.str.fullmatch(r"示范村集体 \d+").all()
    assert demo.serial.str.startswith(f"DEMO-{demo.county.iloc[0]}-").all() and demo.serial.is_unique
    assert set(demo["type"]) <= {"forest", "water", "wetland", "farmland", "grassland"}  # not .type
    again = P.demonstration_parcels(jiangxi_pack, 30, seed=7)
    assert again.drop(columns="geometry").equals(demo.drop(columns="geometry"))
    assert again.geometry.geom_equals(demo.geometry).all()
    other = P.demonstration_parcels(jiangxi_pack, 30, seed=8)
    assert not (other.county.iloc[0] == demo.county.iloc[0]
                and other.geometry.geom_equals(demo.geometry).all())
    chosen = P.demonstration_parcels(jiangxi_pack, 5, county="360124", seed=1)
    assert (chosen.county == "360124").all() and (chosen.county_name == "进贤县").all()


def test_demonstration_parcels_lie_in_their_county_without_overlaps(jiangxi_pack, demo):
    county = P.unit_boundary(jiangxi_pack, demo.county.iloc[0]).to_crs(demo.crs).iloc[0]
    outside = shapely.area(shapely.difference(np.asarray(demo.geometry.array), county))
    assert outside.max() < 1e-3  # m²
    assert P.overlaps(demo, same_right_type=False, same_period=False, tolerance_m2=1e-6).empty
    union = shapely.union_all(np.asarray(demo.geometry.array))
    assert union.area == pytest.approx(demo.geometry.area.sum(), rel=1e-9)


def test_demonstration_parcels_cover_only_their_land_cover_class(jiangxi_pack, demo):
    pack = P.load_pack(jiangxi_pack)
    types = P._landcover_types(pd.read_csv(pack.path(pack.manifest.landcover.crosswalk)))
    with rasterio.open(pack.path(pack.layers_for(2019)["landcover"].file)) as source:
        classes, transform = source.read(1), source.transform
        parcels = demo.to_crs(source.crs)
        for row in parcels.itertuples():
            inside = features.rasterize([row.geometry], out_shape=classes.shape, transform=transform)
            under = set(np.unique(classes[inside == 1]))
            assert under <= {row.landcover_class}, (row.serial, under)
            point = shapely.point_on_surface(row.geometry)
            assert next(source.sample([(point.x, point.y)]))[0] == row.landcover_class
            assert row.type == types[row.landcover_class]


def test_demonstration_parcels_pass_registration_checks(jiangxi_pack, demo, tmp_path):
    path = tmp_path / "demo.gpkg"
    demo.to_file(path, driver="GPKG")
    accepted = P.read_parcels(path, pack=jiangxi_pack)
    assert accepted.warnings == [] and accepted.area_crs.kind == "pack"
    assert accepted.area_crs.crs == P.load_pack(jiangxi_pack).region.crs
    assert accepted.parcels.area_m2.to_numpy() == pytest.approx(demo.area_m2.to_numpy())
    assert (accepted.parcels.note == P.DEMONSTRATION_NOTE).all()  # the label passes through
    area = P.unit_boundary(jiangxi_pack, demo.county.iloc[0])
    checks = P.check_parcels(accepted, area)
    assert checks.overlaps.empty and checks.area_crs == accepted.area_crs.crs
    county_area = area.to_crs(accepted.parcels.crs).area.iloc[0]
    assert checks.gaps.area_m2.sum() == pytest.approx(county_area - demo.area_m2.sum(), rel=1e-6)
    with pytest.raises(P.InputError) as caught:
        P.demonstration_parcels(jiangxi_pack, 5, county="360100")
    assert "is not a county of the pack" in str(caught.value)
    assert "不是数据包中的县级单位" in caught.value.in_language("zh")
