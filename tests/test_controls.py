"""Control layers and screening (issue 19, items 1–2): hand-computed overlays, buffers, rules,
GEP in a footprint on a hand-made raster, zone checks in zh and en, ranking, batches."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, Polygon, box
from typer.testing import CliRunner

from ecoledger.cli.main import app
from ecoledger.controls.report import write_screening
from ecoledger.controls.screening import gep_in_footprints, project_footprints, rank_alternatives, screen
from ecoledger.controls.zones import ZoneError, check_zones, read_rules, read_zones
from ecoledger.ecosystems import ECOSYSTEM_CODES
from ecoledger.untranslated import untranslated

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
X0, Y0 = 1_000_000.0, 3_000_000.0  # somewhere in Jiangxi in the Albers projection


def at(geom):
    """A hand-drawn geometry in local metres, moved to (X0, Y0)."""
    return shapely.affinity.translate(geom, X0, Y0)


def two_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"zone_type": ["ecological_red_line", "永久基本农田"], "name": ["红线甲", "农田乙"]},
        geometry=[at(box(0, 0, 100, 100)), at(box(100, 0, 200, 50))],
        crs=ALBERS,
    )


def test_polygon_against_two_zones_equals_the_hand_computation():
    zones = read_zones(two_zones())
    assert zones.zones["zone_type"].tolist() == ["ecological_red_line", "permanent_farmland"]
    # an L-shaped footprint: the square 50..150 × 25..75 less its corner 125..150 × 50..75
    shape = at(Polygon([(50, 25), (150, 25), (150, 50), (125, 50), (125, 75), (50, 75)]))
    project = gpd.GeoDataFrame({"project_id": ["P1"]}, geometry=[shape], crs=ALBERS)
    result = screen(project, zones, activity="industrial_construction")
    footprint = 100 * 50 - 25 * 25  # 4375 m²
    red = 50 * 50  # x 50..100, y 25..75
    farm = 50 * 25  # x 100..150, y 25..50 (the cut corner lies above y = 50)
    o = result.overlaps.set_index("zone_name")
    assert o.loc["红线甲", "overlap_m2"] == pytest.approx(red, abs=1e-6)
    assert o.loc["农田乙", "overlap_m2"] == pytest.approx(farm, abs=1e-6)
    assert o.loc["红线甲", "share_of_footprint"] == pytest.approx(red / footprint)
    assert o.loc["红线甲", "share_of_zone"] == pytest.approx(red / 10_000)
    assert o.loc["农田乙", "share_of_zone"] == pytest.approx(farm / 5_000)
    p = result.projects.iloc[0]
    assert p["footprint_m2"] == pytest.approx(footprint)
    assert p["prohibited_m2"] == pytest.approx(red + farm) and p["verdict"] == "prohibited"


def test_a_line_with_a_buffer_and_a_point_with_a_radius():
    zones = read_zones(two_zones())
    road = gpd.GeoDataFrame(
        {"project_id": ["road"], "activity": ["linear_infrastructure"]},
        geometry=[at(LineString([(-50, 80), (150, 80)]))],
        crs=ALBERS,
    )
    with pytest.raises(ZoneError) as refused:
        project_footprints(road, area_crs=zones.area_crs.crs)
    assert "缓冲" in refused.value.problems[0].message_zh and "buffer" in refused.value.problems[0].message
    fp = project_footprints(road, buffer_m=10, area_crs=zones.area_crs.crs)
    result = screen(fp, zones)
    o = result.overlaps
    assert len(o) == 1 and o["zone_name"].iloc[0] == "红线甲"
    assert o["overlap_m2"].iloc[0] == pytest.approx(100 * 20, rel=1e-9)  # the caps lie outside
    assert o["ruling"].iloc[0] == "conditional" and o["rule_ids"].iloc[0] == "ERL-4"
    well = gpd.GeoDataFrame(
        {"project_id": ["well"], "activity": ["tourism"]}, geometry=[at(Point(50, 50))], crs=ALBERS
    )
    circle = screen(project_footprints(well, radius_m=10, area_crs=zones.area_crs.crs), zones)
    assert circle.overlaps["overlap_m2"].iloc[0] == pytest.approx(np.pi * 100, rel=2e-3)  # 64-gon


def test_rules_triggered_by_the_activity():
    rules = read_rules()
    assert rules["url"].str.startswith("http").all() and (rules["quote"].str.len() > 5).all()
    zones = two_zones()
    zones.loc[2] = ["urban_development_boundary", "城镇丙", at(box(0, 100, 100, 200))]
    zones = read_zones(gpd.GeoDataFrame(zones, geometry="geometry", crs=ALBERS))
    fp = gpd.GeoDataFrame(
        {"project_id": ["a", "b"], "activity": ["industrial_construction", "orchard_fishpond"]},
        geometry=[at(box(10, 90, 20, 110)), at(box(150, 10, 160, 20))],
        crs=ALBERS,
    )
    result = screen(fp, zones)
    triggered = set(zip(result.triggered["project_id"], result.triggered["rule_id"], strict=True))
    assert ("a", "ERL-1") in triggered and ("b", "PBF-4") in triggered
    o = result.overlaps.set_index(["project_id", "zone_type"])
    assert o.loc[("a", "urban_development_boundary"), "ruling"] == "none"  # no rule recorded, not permitted
    b = result.triggered[result.triggered["project_id"] == "b"]
    assert b["source"].tolist() == ["《中华人民共和国土地管理法》"] and "林果" in b["quote"].iloc[0]
    assert result.projects.set_index("project_id").loc["b", "verdict"] == "prohibited"


def small_maps(folder):
    """A 4 × 4 grid of 10 m cells: ecosystem codes and two value maps (one with a hole)."""
    maps = folder / "maps"
    maps.mkdir(parents=True)
    transform = from_origin(X0, Y0 + 40, 10, 10)
    profile = dict(driver="GTiff", width=4, height=4, count=1, crs=ALBERS, transform=transform)
    eco = np.full((4, 4), ECOSYSTEM_CODES["forest"], dtype=np.uint8)
    eco[:, 2:] = ECOSYSTEM_CODES["farmland"]
    with rasterio.open(maps / "ecosystem.tif", "w", dtype="uint8", nodata=0, **profile) as dst:
        dst.write(eco, 1)
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    b = np.full((4, 4), 2.0, dtype=np.float32)
    b[3, 0] = np.nan
    for name, values in (("alpha", a), ("beta", b)):
        with rasterio.open(maps / f"{name}_value.tif", "w", dtype="float32", nodata=np.nan, **profile) as dst:
            dst.write(values, 1)
    return a, b, eco


def test_gep_in_a_footprint_equals_a_hand_sum(tmp_path):
    a, b, _ = small_maps(tmp_path)
    # x 5..25, y 5..25 in local metres: rows 1..3 (from the top), columns 0..2, edges half covered
    footprint = at(box(5, 5, 25, 25))
    cover = np.zeros((4, 4))
    cover[1, 0] = cover[1, 2] = cover[3, 0] = cover[3, 2] = 0.25
    cover[1, 1] = cover[3, 1] = cover[2, 0] = cover[2, 2] = 0.5
    cover[2, 1] = 1.0
    found = gep_in_footprints(tmp_path / "maps", [footprint], ALBERS)
    by = found.groupby(["item", "ecosystem"])["value_yuan"].sum()
    forest, farm = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
    forest[:, :2], farm[:, 2:] = True, True
    assert by[("alpha", "forest")] == pytest.approx((a * cover)[forest].sum())
    assert by[("alpha", "farmland")] == pytest.approx((a * cover)[farm].sum())
    assert by[("beta", "forest")] == pytest.approx(np.nansum((b * cover)[forest]))  # the hole counts nothing
    assert found["value_yuan"].sum() == pytest.approx((a * cover).sum() + np.nansum(b * cover))
    # through screen: the project's total
    zones = read_zones(two_zones())
    project = gpd.GeoDataFrame({"project_id": ["P"]}, geometry=[footprint], crs=ALBERS)
    result = screen(project, zones, accounts=tmp_path, activity="tourism")
    assert result.projects["gep_yuan"].iloc[0] == pytest.approx(found["value_yuan"].sum())


def quality_raster(folder, quality) -> Path:
    """The 4 × 4 grid of ``small_maps`` holding habitat-quality values."""
    path = folder / "quality_c.tif"
    profile = dict(driver="GTiff", width=4, height=4, count=1, crs=ALBERS,
                   transform=from_origin(X0, Y0 + 40, 10, 10))
    with rasterio.open(path, "w", dtype="float32", nodata=np.nan, **profile) as dst:
        dst.write(np.asarray(quality, dtype=np.float32), 1)
    return path


def test_vep_and_habitat_quality_lost_in_a_footprint_by_hand(tmp_path):
    """The footprint of the GEP test (20 m × 20 m = 400 m², cells covered 0.25/0.5/1): habitat
    quality 0.8 on the left two columns, 0.4 on the right two, one cell without a value; the VEP
    is the GEP flow × the annuity factor."""
    small_maps(tmp_path)
    quality = np.array([[0.8, 0.8, 0.4, 0.4]] * 4)
    quality[3, 0] = np.nan  # covered 0.25 by the footprint
    path = quality_raster(tmp_path, quality)
    footprint = at(box(5, 5, 25, 25))
    project = gpd.GeoDataFrame({"project_id": ["P"]}, geometry=[footprint], crs=ALBERS)
    result = screen(project, read_zones(two_zones()), accounts=tmp_path, activity="tourism",
                    habitat_quality=path, rate=0.05, horizon=10)
    row = result.projects.iloc[0]
    # coverage by column (rows 1–3): column 0: 0.25 + 0.5 + 0.25(no value); column 1: 0.5 + 1 + 0.5;
    # column 2: 0.25 + 0.5 + 0.25
    with_value = (0.25 + 0.5) + 2.0 + 1.0
    mean = (0.8 * 0.75 + 0.8 * 2.0 + 0.4 * 1.0) / with_value  # = 2.6 / 3.75
    share = with_value / 4.0
    assert row["habitat_mean_quality"] == pytest.approx(mean)
    assert row["habitat_covered_share"] == pytest.approx(share)
    assert row["habitat_quality_ha"] == pytest.approx(mean * share * 400 / 1e4)  # 0.026 ha
    annuity = (1 - 1.05 ** -10) / 0.05  # 7.7217…
    assert row["vep_yuan"] == pytest.approx(row["gep_yuan"] * annuity)
    summary = result.summary()
    assert summary["vep_rate"] == 0.05 and summary["vep_horizon_years"] == 10
    assert summary["habitat_quality_ha"] == pytest.approx(0.026)


def test_a_footprint_outside_the_habitat_raster_is_missing_and_bad_values_are_refused(tmp_path):
    small_maps(tmp_path)
    path = quality_raster(tmp_path, np.full((4, 4), 0.5))
    far = gpd.GeoDataFrame({"project_id": ["far"]}, geometry=[at(box(500, 500, 600, 600))], crs=ALBERS)
    result = screen(far, read_zones(two_zones()), habitat_quality=path, activity="tourism")
    assert np.isnan(result.projects["habitat_quality_ha"].iloc[0])  # missing, never 0
    assert np.isnan(result.projects["vep_yuan"].iloc[0])  # no account: no GEP, no VEP
    assert result.summary()["habitat_quality_ha"] is None
    bad = quality_raster(tmp_path, np.full((4, 4), 12.0))
    near = far.set_geometry([at(box(5, 5, 25, 25))])
    with pytest.raises(ZoneError) as raised:
        screen(near, read_zones(two_zones()), habitat_quality=bad, activity="tourism")
    assert "quality_c.tif" in str(raised.value) and "0–1" in str(raised.value)


def test_zone_problems_name_file_row_field_and_fix_in_zh_and_en(tmp_path):
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    frame = gpd.GeoDataFrame(
        {"zone_type": ["ecological_red_line", "火星保护区", "ecological_red_line", "ecological_red_line"]},
        geometry=[at(bowtie), at(box(0, 0, 5, 5)), at(box(100, 100, 200, 200)), at(box(150, 150, 250, 250))],
        crs=ALBERS,
    )
    path = tmp_path / "zones.gpkg"
    frame.to_file(path, driver="GPKG")
    problems = check_zones(path)
    errors = [p for p in problems if p.severity == "error"]
    invalid = next(p for p in errors if "valid" in p.message)
    assert invalid.file == "zones.gpkg" and "fid" in invalid.field and "Self-intersection" in invalid.message
    assert "自相交" in invalid.message_zh and "QGIS" in invalid.fix_zh and "Fix Geometries" in invalid.fix
    unknown = next(p for p in errors if "not known" in p.message)
    assert (
        "火星保护区" in unknown.message
        and "不可识别" in unknown.message_zh
        and "生态保护红线" in unknown.fix_zh
    )
    with pytest.raises(ZoneError):
        read_zones(path)
    # overlaps between zones of one type: a warning naming both, nothing merged
    good = frame.iloc[2:]
    zones = read_zones(good)
    assert len(zones.zones) == 2
    overlap = [p for p in zones.problems if p.severity == "warning"]
    assert len(overlap) == 1 and "2,500.0 m²" in overlap[0].message and "重叠" in overlap[0].message_zh
    # no CRS
    bare = gpd.GeoDataFrame({"zone_type": ["permanent_farmland"]}, geometry=[box(0, 0, 1, 1)])
    problem = check_zones(bare)[0]
    assert problem.field == "crs" and "坐标参考系" in problem.message_zh and "EPSG:4490" in problem.fix


def test_alternatives_are_ranked_by_prohibited_then_conditional_then_gep(tmp_path):
    small_maps(tmp_path)
    zones = read_zones(two_zones())
    candidates = gpd.GeoDataFrame(
        {
            "project_id": ["in-red", "clear-rich", "clear-poor", "other"],
            "group": ["park", "park", "park", "solo"],
            "activity": "industrial_construction",
        },
        geometry=[
            at(box(10, 10, 20, 20)),
            at(box(0, 120, 10, 130)),
            at(box(300, 300, 310, 310)),
            at(box(0, 0, 1, 1)),
        ],
        crs=ALBERS,
    )
    # clear-rich overlaps the value maps, clear-poor lies outside them
    result = screen(candidates, zones, accounts=tmp_path)
    ranked = rank_alternatives(result)
    park = ranked[ranked["group"] == "park"]
    assert park["project_id"].tolist() == ["clear-poor", "clear-rich", "in-red"]
    assert park["rank"].tolist() == [1, 2, 3]


def test_a_batch_of_200_equals_one_by_one():
    rng = np.random.default_rng(7)
    zones = read_zones(
        gpd.GeoDataFrame(
            {"zone_type": ["ecological_red_line", "permanent_farmland", "urban_development_boundary"] * 4},
            geometry=[at(shapely.box(x, y, x + 400, y + 300)) for x, y in rng.uniform(0, 2000, size=(12, 2))],
            crs=ALBERS,
        )
    )
    centres = rng.uniform(0, 2400, size=(200, 2))
    shapes = [at(Point(x, y).buffer(rng.uniform(20, 150), quad_segs=4)) for x, y in centres]
    batch = gpd.GeoDataFrame({"project_id": [f"p{i}" for i in range(200)]}, geometry=shapes, crs=ALBERS)
    rules = read_rules()
    together = screen(batch, zones, rules, activity="urban_construction")
    singles = [screen(batch.iloc[[i]], zones, rules, activity="urban_construction") for i in range(200)]
    columns = ["project_id", "zone_id", "overlap_m2", "share_of_footprint", "share_of_zone", "ruling"]
    alone = pd.concat([single.overlaps[columns] for single in singles], ignore_index=True)
    key = ["project_id", "zone_id"]
    left = together.overlaps[columns].sort_values(key).reset_index(drop=True)
    right = alone.sort_values(key).reset_index(drop=True)
    assert len(left) > 50
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    singles = pd.concat([single.projects for single in singles], ignore_index=True)
    pd.testing.assert_frame_equal(
        together.projects.drop(columns="zones_touched"),
        singles.drop(columns="zones_touched"),
        check_dtype=False,
    )


def test_cli_check_and_screen_write_tables_and_pages(tmp_path):
    small_maps(tmp_path / "run")
    zones = tmp_path / "zones.gpkg"
    two_zones().assign(status="demonstration").to_file(zones, driver="GPKG")
    footprints = tmp_path / "plan.gpkg"
    gpd.GeoDataFrame(
        {
            "project_id": ["P1", "R1"],
            "activity": ["industrial_construction", "linear_infrastructure"],
            "buffer_m": [np.nan, 5.0],
        },
        geometry=[at(box(5, 5, 25, 25)), at(LineString([(0, 30), (200, 30)]))],
        crs=ALBERS,
    ).to_file(footprints, driver="GPKG")
    runner = CliRunner()
    done = runner.invoke(app, ["--lang", "en", "controls", "check", str(zones)])
    assert done.exit_code == 0, done.output
    assert "2 features, 0 errors" in done.output
    out = tmp_path / "screen"
    done = runner.invoke(
        app,
        [
            "--lang",
            "zh",
            "controls",
            "screen",
            str(footprints),
            "--zones",
            str(zones),
            "--accounts",
            str(tmp_path / "run"),
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "示范数据" in done.output
    for name in (
        "projects.csv",
        "overlaps.csv",
        "rules_triggered.csv",
        "gep.csv",
        "screening.json",
        "index.html",
        "index.en.html",
        "map.png",
        "footprints.gpkg",
    ):
        assert (out / name).is_file(), name
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "示范数据" in page and "生态保护红线" in page and "ERL-4" in page
    assert "Demonstration" in (out / "index.en.html").read_text(encoding="utf-8")
    data = json.loads((out / "screening.json").read_text(encoding="utf-8"))
    assert data["summary"]["status"] == "demonstration" and data["summary"]["projects"] == 2
    bad = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"zone_type": ["red"]}, geometry=[at(box(0, 0, 1, 1))], crs=ALBERS).to_file(bad)
    done = runner.invoke(app, ["--lang", "zh", "controls", "check", str(bad)])
    assert done.exit_code == 1 and "不可识别" in done.output


def test_write_screening_without_accounts(tmp_path):
    zones = read_zones(two_zones())
    project = gpd.GeoDataFrame({"project_id": ["P"]}, geometry=[at(box(50, 25, 150, 75))], crs=ALBERS)
    result = screen(project, zones, activity="mining")
    write_screening(result, tmp_path / "o", alternatives=True)
    assert (tmp_path / "o" / "alternatives.csv").is_file()
    assert pd.read_csv(tmp_path / "o" / "projects.csv")["gep_yuan"].isna().all()  # missing, never 0


def test_jiangxi_demonstration_is_labelled_and_its_gep_matches_the_site_valuation(jiangxi_main, tmp_path):
    """The demo on the real accounts: every output says demonstration; the GEP inside a footprint
    equals the applications module's site flow (applications.vep.site_flows) for the same polygon."""
    from ecoledger.applications.vep import site_flows
    from ecoledger.controls.demo import run_demo

    accounts, _, pack = jiangxi_main
    out = tmp_path / "controls"
    summary = run_demo(pack, accounts, out)
    assert summary["status"] == "demonstration" and summary["projects"] >= 6
    for name in ("projects", "overlaps", "rules_triggered", "gep"):
        table = pd.read_csv(out / f"{name}.csv")
        assert len(table) and (table["status"] == "demonstration").all(), name
    zh = (out / "index.html").read_text(encoding="utf-8")
    assert "示范数据" in zh
    assert untranslated(zh) == []  # project ids, the PROJ string and the index name are code
    ranked = pd.read_csv(out / "alternatives.csv")
    park = ranked[ranked["group"] == "park"]
    assert park["rank"].iloc[0] == 1 and park["prohibited_m2"].is_monotonic_increasing
    footprints = gpd.read_file(out / "footprints.gpkg", layer="footprints")
    site = footprints[footprints["project_id"] == "park-A"][["geometry"]].reset_index(drop=True)
    expected = site_flows(accounts / "maps", site)["value_yuan"].sum()
    gep = pd.read_csv(out / "gep.csv")
    assert gep.loc[gep["project_id"] == "park-A", "value_yuan"].sum() == pytest.approx(expected, rel=1e-9)
    projects = pd.read_csv(out / "projects.csv").set_index("project_id")
    annuity = (1 - 1.03 ** -20) / 0.03  # the defaults, as a site's VEP certificate
    assert projects.loc["park-A", "vep_yuan"] == pytest.approx(expected * annuity, rel=1e-9)
    assert projects["habitat_quality_ha"].isna().all()  # no habitat-quality raster: missing


def test_geojson_entry_point_for_the_api(tmp_path):
    """``screen_geojson``: a GeoJSON upload (WGS 84) screened to a JSON-ready dict; bad uploads
    refused with the problem in zh and en."""
    from ecoledger.controls.screening import screen_geojson

    zones = read_zones(two_zones())
    lonlat = gpd.GeoSeries(
        [at(box(10, 10, 60, 60)), at(LineString([(-50, 80), (150, 80)]))], crs=ALBERS
    ).to_crs(4326)
    upload = json.loads(
        gpd.GeoDataFrame(
            {
                "project_id": ["site", "road"],
                "activity": ["mining", "linear_infrastructure"],
                "buffer_m": [None, 10.0],
            },
            geometry=lonlat,
        ).to_json()
    )
    result = screen_geojson(upload, zones)
    json.dumps(result)  # serialisable as it is
    by = {row["project_id"]: row for row in result["projects"]}
    assert by["site"]["prohibited_m2"] == pytest.approx(2500, rel=1e-6)  # 50 m × 50 m in the red line
    assert by["road"]["conditional_m2"] == pytest.approx(2000, rel=1e-4)
    with pytest.raises(ZoneError) as refused:
        screen_geojson({"type": "Point", "coordinates": [500, 20]}, zones, activity="tourism", radius_m=5)
    problem = refused.value.problems[0]
    assert "经纬度" in problem.message_zh and "longitude" in problem.message and problem.fix_zh


def test_zones_in_a_crs_that_is_not_equal_area_are_projected_for_areas():
    zones = two_zones().to_crs(4326)
    project = gpd.GeoDataFrame({"project_id": ["P"]}, geometry=[at(box(50, 25, 150, 75))], crs=ALBERS)
    result = screen(
        project, zones.assign(zone_id=["a", "b"], zone_name=["a", "b"], status="provided"), activity="mining"
    )
    assert result.overlaps["overlap_m2"].sum() == pytest.approx(3750, rel=1e-6)
    assert "+proj=aea" in result.area_crs


def test_habitat_quality_on_the_account_grid_from_filled_tables(tmp_path):
    """The template refuses to run empty; filled (test values, cited as such), it equals InVEST's
    method run by hand on threat rasters made from the ecosystem map, and its quality raster
    feeds the screening."""
    from ecoledger.controls.habitat import habitat_from_account, write_template
    from ecoledger.pipeline.habitat_quality import Threat, habitat_quality

    _, _, eco = small_maps(tmp_path)
    threats, sensitivity = write_template(tmp_path / "template")
    with pytest.raises(ZoneError) as raised:
        habitat_from_account(tmp_path, threats, sensitivity, 0.5, tmp_path / "hq")
    assert "habitat_threats.csv" in str(raised.value) and "max_dist" in str(raised.value)
    assert not (tmp_path / "hq").exists()  # nothing written
    threats.write_text("threat,ecosystem,max_dist,weight,decay,source,quote\n"
                       "farmland,farmland,30,1,linear,test value,test\n", encoding="utf-8")
    codes = {name: code for name, code in ECOSYSTEM_CODES.items()}
    sensitivity.write_text(
        "lucode,ecosystem,habitat,farmland,source,quote\n"
        + "".join(f"{code},{name},{1 if name == 'forest' else 0},{0.8 if name == 'forest' else 0},t,t\n"
                  for name, code in codes.items()),
        encoding="utf-8",
    )
    record = habitat_from_account(tmp_path, threats, sensitivity, 0.5, tmp_path / "hq")
    # by hand with the pipeline: the farmland threat raster of the same grid
    by_hand = tmp_path / "by-hand"
    by_hand.mkdir()
    with rasterio.open(tmp_path / "maps" / "ecosystem.tif") as src:
        profile = src.profile
    profile.update(nodata=None)
    with rasterio.open(by_hand / "farm.tif", "w", **profile) as dst:
        dst.write((eco == ECOSYSTEM_CODES["farmland"]).astype(np.uint8), 1)
    table = by_hand / "s.csv"
    rows = [f"{code},{1 if name == 'forest' else 0},{0.8 if name == 'forest' else 0}\n"
            for name, code in codes.items()]
    table.write_text("lucode,habitat,farmland\n" + "".join(rows), encoding="utf-8")
    farm = Threat("farmland", 30, 1, "linear", {"c": by_hand / "farm.tif"})
    habitat_quality(tmp_path / "maps" / "ecosystem.tif", [farm], table, by_hand, 0.5)
    with rasterio.open(tmp_path / "hq" / "quality_c.tif") as a, rasterio.open(by_hand / "quality_c.tif") as b:
        ours, theirs = a.read(1), b.read(1)
    np.testing.assert_array_equal(ours, theirs)
    assert ours[0, 0] < 1 and ours[0, 1] < ours[0, 0]  # forest next to farmland is degraded more
    assert record["threats"]["sha256"] and record["half_saturation"] == 0.5
    project = gpd.GeoDataFrame({"project_id": ["P"]}, geometry=[at(box(0, 0, 20, 40))], crs=ALBERS)
    result = screen(project, read_zones(two_zones()), activity="tourism",
                    habitat_quality=tmp_path / "hq" / "quality_c.tif")
    assert result.projects["habitat_quality_ha"].iloc[0] == pytest.approx(np.nanmean(ours[:, :2]) * 800 / 1e4)
