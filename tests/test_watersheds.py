import numpy as np
import pytest

from ecoledger.terrain import fill_depressions, flow_direction_d8
from ecoledger.terrain.watersheds import watersheds


def test_two_valleys_drain_to_their_outlets():
    # a ridge along the middle column; the left half drains west, the right half east
    x = np.abs(np.arange(7) - 3).astype(float)
    dem = np.tile(10.0 - x, (5, 1)) + np.arange(5)[:, None] * 0.1
    directions = flow_direction_d8(fill_depressions(dem))
    outlets = np.zeros(dem.shape, dtype=int)
    outlets[0, 0] = 1
    outlets[0, 6] = 2
    labels = watersheds(directions, outlets)
    assert (labels[:, :3] == 1).all() and (labels[:, 4:] == 2).all()


def test_cells_leaving_the_grid_elsewhere_are_unlabelled():
    east = np.zeros((3, 3), dtype=np.uint8)  # everything flows east, off the grid
    outlets = np.zeros((3, 3), dtype=int)
    outlets[1, 1] = 5
    labels = watersheds(east, outlets)
    assert labels[1, 0] == 5 and labels[1, 1] == 5
    assert labels[1, 2] == 0 and labels[0].sum() == 0


# --------------------------------------------------------------------------- per-polygon sums (pipeline)


def _grid(n=10, cell=10.0):
    import rasterio
    from rasterio.crs import CRS

    from ecoledger.pipeline.rasters import Grid

    return Grid((n, n), rasterio.Affine(cell, 0.0, 0.0, 0.0, -cell, n * cell), CRS.from_epsg(32650))


def _write_polygons(path, geometries, ids):
    import geopandas as gpd

    gpd.GeoDataFrame({"ws_id": ids}, geometry=geometries, crs="EPSG:32650").to_file(path)
    return path


def test_nested_and_overlapping_polygons_each_get_their_full_sums(tmp_path):
    from shapely.geometry import box

    from ecoledger.pipeline.rasters import watershed_sums

    # 10×10 grid of 10 m cells, origin (0, 100) top-left; cell (r, c) has value 100·r + c
    grid = _grid()
    values = (100.0 * np.arange(10)[:, None] + np.arange(10)[None, :]).astype(np.float32)
    values[1, 1] = np.nan  # a nodata cell inside all of the first three polygons
    outer = box(0, 40, 60, 100)  # rows 0–5, cols 0–5: 36 cells
    nested = box(10, 70, 30, 90)  # rows 1–2, cols 1–2: 4 cells, inside outer
    overlapping = box(50, 60, 90, 100)  # rows 0–3, cols 5–8: overlaps outer in column 5
    beyond = box(80, -50, 150, 20)  # partly off the grid: rows 8–9, cols 8–9
    path = _write_polygons(tmp_path / "w.gpkg", [outer, nested, overlapping, beyond], [10, 11, 12, 13])
    sums, cells = watershed_sums(path, "ws_id", grid, {"v": values})

    def by_hand(rows, cols):
        block = values[rows, cols]
        return float(np.nansum(block)), int(np.count_nonzero(~np.isnan(block)))

    expected = {
        10: by_hand(slice(0, 6), slice(0, 6)),
        11: by_hand(slice(1, 3), slice(1, 3)),
        12: by_hand(slice(0, 4), slice(5, 9)),
        13: by_hand(slice(8, 10), slice(8, 10)),
    }
    # by hand: rows 0–5 × cols 0–5 = Σ_r Σ_c (100 r + c) = 6·100·15 + 6·15 = 9090, less cell (1, 1) = 101
    assert expected[10] == (9090.0 - 101.0, 35)
    assert expected[11] == (101 + 102 + 201 + 202 - 101.0, 3)
    for ws, (s, n) in expected.items():
        assert sums["v"][ws] == pytest.approx(s)
        assert cells["v"][ws] == n
    # the nested catchment's cells are in the outer one too (not given to the last polygon only)
    assert sums["v"][10] > sums["v"][11] + 8000


def test_cell_centre_rule_and_small_polygon_fallback(tmp_path):
    from shapely.geometry import Polygon, box

    from ecoledger.pipeline.rasters import polygon_zones

    grid = _grid()
    # a triangle whose edge passes through cells: a cell counts only if its centre is inside
    triangle = Polygon([(0, 100), (42, 100), (0, 58)])  # x + (100 − y) < 42
    tiny = box(51, 51, 54, 54)  # inside cell (4, 5), not covering its centre (55, 55)
    zones = polygon_zones([triangle, tiny], grid)
    mask = np.zeros((10, 10), dtype=bool)
    mask[zones[0].rows, zones[0].cols] = zones[0].mask
    centres_x = 5 + 10 * np.arange(10)[None, :]
    centres_y = 95 - 10 * np.arange(10)[:, None]
    expected = (centres_x + (100 - centres_y)) < 42
    np.testing.assert_array_equal(mask, expected)
    assert expected.sum() == 10  # centre 10 + 10 (r + c) < 42: r + c ≤ 3
    # no centre inside: pygeoprocessing takes the cells under the bounding box, here cell (4, 5)
    assert (zones[1].rows, zones[1].cols) == (slice(4, 5), slice(5, 6)) and zones[1].mask.all()


def test_duplicate_ids_are_refused(tmp_path):
    from shapely.geometry import box

    from ecoledger.errors import PipelineError
    from ecoledger.pipeline.rasters import watershed_sums

    path = _write_polygons(tmp_path / "w.gpkg", [box(0, 0, 50, 50), box(50, 50, 100, 100)], [1, 1])
    with pytest.raises(PipelineError, match=r"ws_id values \[1\] occur more than once"):
        watershed_sums(path, "ws_id", _grid(), {"v": np.ones((10, 10), np.float32)})
