"""Demonstration control zones and projects for Jiangxi (issue 19, item 2).

No official ecological red line, permanent-farmland or urban-development boundary of Jiangxi is
open data. ``demonstration_zones`` builds clearly labelled stand-ins from the real account
grid, each with ``status = demonstration`` and a note saying what it is not:

* ``ecological_red_line``: the forest cells of the account's ecosystem map (``maps/ecosystem.tif``)
  whose slope (from the pack's DEM, 1 km cells, central differences) is at least
  ``RED_LINE_SLOPE_DEG`` (5°) — hill and mountain forest, as a red line mostly is; not the
  official red line.
* ``permanent_farmland``: the farmland cells with a slope below ``FARMLAND_SLOPE_DEG`` (2°); not
  the official permanent basic farmland.
* ``urban_development_boundary``: the urban cells; not an official boundary (and no rule is
  recorded for it: its screening reads "no rule recorded").

Each connected patch of cells (4-connected) is one zone. ``demonstration_projects`` draws a few
footprints in one real county (井冈山市 by default): an industrial park (polygon) with three
alternative sites (and, in ``run_demo``, a fifth: the nearest site on a 2 km grid that touches no
demonstration zone, ``clear_site``), a road (line, buffered) and a viewpoint (point with a radius).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecoledger.controls.zones import DEMONSTRATION

RED_LINE_SLOPE_DEG = 5.0
FARMLAND_SLOPE_DEG = 2.0
DEMO_COUNTY = "360881"  # 井冈山市
NOTES = {
    "ecological_red_line": (
        "示范数据：并非官方生态保护红线（坡度 ≥ 5° 的森林栅格）",
        "demonstration: not the official red line (forest cells with slope ≥ 5°)",
    ),
    "permanent_farmland": (
        "示范数据：并非官方永久基本农田（坡度 < 2° 的农田栅格）",
        "demonstration: not the official permanent farmland (farmland cells with slope < 2°)",
    ),
    "urban_development_boundary": (
        "示范数据：并非官方城镇开发边界（城镇栅格）",
        "demonstration: not the official urban development boundary (urban cells)",
    ),
}
ZONE_NAMES_ZH = {
    "ecological_red_line": "生态保护红线",
    "permanent_farmland": "永久基本农田",
    "urban_development_boundary": "城镇开发边界",
}
PREFIXES = {"ecological_red_line": "ERL", "permanent_farmland": "PBF", "urban_development_boundary": "UDB"}


def _slope_deg(dem: np.ndarray, cell: float) -> np.ndarray:
    gy, gx = np.gradient(dem, cell)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def demonstration_zones(pack: str | Path, accounts: str | Path) -> gpd.GeoDataFrame:
    """The demonstration zones (module docstring) in the account grid's CRS."""
    import rasterio
    from rasterio import features

    from ecoledger.ecosystems import ECOSYSTEM_CODES
    from ecoledger.pack.manifest import load_pack

    pack = load_pack(pack)
    with rasterio.open(Path(accounts) / "maps" / "ecosystem.tif") as src:
        eco, transform, crs, shape = src.read(1), src.transform, src.crs, (src.height, src.width)
    dem_spec = pack.layers_for(pack.years[-1])["dem"]
    with rasterio.open(pack.path(dem_spec.file)) as src:
        if (src.height, src.width) != shape:
            raise ValueError("the DEM is not on the account's grid")
        dem = src.read(1, masked=True).astype(float).filled(np.nan)
    slope = _slope_deg(dem, abs(transform.a))
    masks = {
        "ecological_red_line": (eco == ECOSYSTEM_CODES["forest"]) & (slope >= RED_LINE_SLOPE_DEG),
        "permanent_farmland": (eco == ECOSYSTEM_CODES["farmland"]) & (slope < FARMLAND_SLOPE_DEG),
        "urban_development_boundary": eco == ECOSYSTEM_CODES["urban"],
    }
    rows = []
    for zone_type, mask in masks.items():
        found = features.shapes(mask.astype(np.uint8), mask=mask, transform=transform, connectivity=4)
        for k, (geometry, _) in enumerate(found, start=1):
            rows.append(
                {
                    "zone_id": f"DEMO-{PREFIXES[zone_type]}-{k:05d}",
                    "zone_type": zone_type,
                    "name": f"示范{ZONE_NAMES_ZH[zone_type]} {k}",
                    "status": DEMONSTRATION,
                    "note": NOTES[zone_type][1],
                    "note_zh": NOTES[zone_type][0],
                    "geometry": shapely.geometry.shape(geometry),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def demonstration_projects(pack: str | Path, county: str = DEMO_COUNTY) -> gpd.GeoDataFrame:
    """Footprints in one real county (module docstring), in the pack's CRS; not real projects."""
    from ecoledger.pack.manifest import load_pack
    from ecoledger.registry.parcels import unit_boundary

    pack = load_pack(pack)
    boundary = unit_boundary(pack, county).iloc[0]
    centre = shapely.point_on_surface(boundary)
    x, y = centre.x, centre.y
    minx, _, maxx, _ = boundary.bounds

    def park(dx: float, dy: float):
        return shapely.box(x + dx - 1000, y + dy - 750, x + dx + 1000, y + dy + 750)

    road = shapely.LineString(
        [(minx + 0.2 * (maxx - minx), y - 4000), (x, y + 1500), (maxx - 0.2 * (maxx - minx), y + 6000)]
    )
    rows = [
        ("park-A", "示范产业园 方案A", "park", "industrial_construction", park(0, 0)),
        ("park-B", "示范产业园 方案B", "park", "industrial_construction", park(-6000, -5000)),
        ("park-C", "示范产业园 方案C", "park", "industrial_construction", park(5000, -7000)),
        ("park-D", "示范产业园 方案D", "park", "industrial_construction", park(-3000, 8000)),
        ("road-1", "示范县道", "road-1", "linear_infrastructure", road),
        ("view-1", "示范观景台", "view-1", "tourism", shapely.Point(x + 3000, y + 3000)),
    ]
    frame = gpd.GeoDataFrame(
        {
            "project_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "group": [r[2] for r in rows],
            "activity": [r[3] for r in rows],
            "status": DEMONSTRATION,
        },
        geometry=[r[4] for r in rows],
        crs=pack.region.crs,
    )
    frame["buffer_m"] = np.where(frame["project_id"] == "road-1", 30.0, np.nan)
    frame["radius_m"] = np.where(frame["project_id"] == "view-1", 500.0, np.nan)
    return frame


def clear_site(
    projects: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    pack,
    county: str = DEMO_COUNTY,
    step_m: float = 2000.0,
    reach_m: float = 20_000.0,
):
    """A fifth park site: the first 2 km × 1.5 km box on a ``step_m`` grid around park A (nearest
    first, inside the county) that touches no demonstration zone; None if there is none."""
    from ecoledger.pack.manifest import load_pack
    from ecoledger.registry.parcels import unit_boundary

    boundary = unit_boundary(load_pack(pack), county).to_crs(zones.crs).iloc[0]
    park = projects.to_crs(zones.crs).geometry.iloc[0]
    tree = shapely.STRtree(np.asarray(zones.geometry.array))
    offsets = np.arange(-reach_m, reach_m + 1, step_m)
    grid = sorted(((dx, dy) for dx in offsets for dy in offsets), key=lambda d: (np.hypot(*d), d))
    for dx, dy in grid:
        site = shapely.affinity.translate(park, dx, dy)
        if boundary.contains(site) and not len(tree.query(site, predicate="intersects")):
            return gpd.GeoSeries([site], crs=zones.crs).to_crs(projects.crs).iloc[0]
    return None


def run_demo(pack: str | Path, accounts: str | Path, out: str | Path) -> dict:
    """Zones, projects, screening and the page into ``out`` (atomic); returns the summary."""
    from ecoledger.controls.report import write_screening
    from ecoledger.controls.screening import project_footprints, screen
    from ecoledger.controls.zones import read_rules, read_zones

    zones = read_zones(demonstration_zones(pack, accounts), pack=pack, file="demonstration_zones")
    projects = demonstration_projects(pack)
    clear = clear_site(projects, zones.zones, pack)
    if clear is not None:
        row = {
            **projects.iloc[0].to_dict(),
            "project_id": "park-E",
            "name": "示范产业园 方案E",
            "geometry": clear,
        }
        projects = gpd.GeoDataFrame(
            pd.concat([projects, gpd.GeoDataFrame([row], crs=projects.crs)], ignore_index=True),
            crs=projects.crs,
        )
    fp = project_footprints(projects, area_crs=zones.area_crs.crs, file="demonstration_projects")
    result = screen(fp, zones, read_rules(), accounts=accounts)
    write_screening(result, out, alternatives=True, zone_problems=zones.problems)
    return result.summary()
