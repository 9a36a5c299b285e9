"""Jiangxi demonstration (issue 20, items 5–6): a county's departure audit and demonstration chiefs.

``run_demo(pack, accounts, extent, out)`` writes atomically into ``out``:

* ``departure-<unit>/``: the departure audit of the county (井冈山市 360881 by default) over the
  first and last year of the given account folders (2018–2019), from the real accounts;
* ``chiefs-demo/``: demonstration chief areas built from the real account grid of the latest
  account (``maps/ecosystem.tif``) inside the county, and demonstration records:

  - forest parcels: the ``FOREST_PARCELS`` largest 4-connected forest patches of the county;
  - a lake: the largest 4-connected wetland/water patch of the county, else of its city (then said
    so), else none;
  - a river reach: the path of steepest descent on the pack's DEM from the county's interior point
    until it leaves the county or reaches a pit — a terrain line, not a mapped river — counted as a
    strip one account cell wide (half a cell each side: the finest width the value maps resolve);
  - officials with placeholder names (示范林长甲, 示范河长乙, 示范湖长丙 …; no real person),
    patrols and issues invented for the demonstration in ``DEMO_YEAR``.

Every file and page says ``demonstration``. The forest chiefs' patrol requirement is the cited
county rule of the 《江西省林长制条例》 (``jx-forest-2022-county``); no published Jiangxi river/lake
rule was found, so the river and lake chiefs' requirement stays missing (a user gives it with
``--required``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ecoledger.accountability.chiefs import DEMONSTRATION

DEMO_COUNTY = "360881"  # 井冈山市
DEMO_YEAR = 2023
FOREST_PARCELS = 3
FOREST_RULE = "jx-forest-2022-county"
MAX_REACH_STEPS = 400


def _patches(mask: np.ndarray, transform, count: int) -> list:
    """The ``count`` largest 4-connected patches of ``mask`` as polygons, largest first."""
    from rasterio import features

    found = [
        shapely.geometry.shape(g)
        for g, _ in features.shapes(mask.astype(np.uint8), mask=mask, transform=transform, connectivity=4)
    ]
    return sorted(found, key=lambda g: -g.area)[:count]


def _unit_mask(pack, code: str, shape, transform, crs) -> np.ndarray:
    from rasterio import features

    from ecoledger.registry.parcels import unit_boundary

    geometry = unit_boundary(pack, code).to_crs(crs)
    return features.geometry_mask(list(geometry), out_shape=shape, transform=transform, invert=True)


def steepest_descent(
    dem: np.ndarray, inside: np.ndarray, start: tuple[int, int], max_steps: int = MAX_REACH_STEPS
) -> list[tuple[int, int]]:
    """Cells (row, col) from ``start`` along the lowest of the 8 neighbours while it is lower and
    inside ``inside``; stops at a pit, at the edge of ``inside`` or after ``max_steps``."""
    path = [start]
    r, c = start
    for _ in range(max_steps):
        best, low = None, dem[r, c]
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                rr, cc = r + dr, c + dc
                if (
                    (dr or dc)
                    and 0 <= rr < dem.shape[0]
                    and 0 <= cc < dem.shape[1]
                    and np.isfinite(dem[rr, cc])
                    and dem[rr, cc] < low
                ):
                    best, low = (rr, cc), dem[rr, cc]
        if best is None:
            break
        path.append(best)
        r, c = best
        if not inside[r, c]:
            break
    return path


def demonstration_areas(pack, accounts: str | Path, county: str = DEMO_COUNTY):
    """The demonstration areas (module docstring) in the account grid's CRS, with a note each."""
    import geopandas as gpd
    import rasterio

    from ecoledger.ecosystems import ECOSYSTEM_CODES
    from ecoledger.pack.manifest import load_pack

    pack = load_pack(pack)
    with rasterio.open(Path(accounts) / "maps" / "ecosystem.tif") as src:
        eco, transform, crs, shape = src.read(1), src.transform, src.crs, (src.height, src.width)
    inside = _unit_mask(pack, county, shape, transform, crs)
    rows = []
    for k, patch in enumerate(
        _patches((eco == ECOSYSTEM_CODES["forest"]) & inside, transform, FOREST_PARCELS), start=1
    ):
        rows.append(
            {
                "area_id": f"DEMO-FOREST-{k}",
                "name": f"示范林长责任区{k}",
                "kind": "forest_parcel",
                "note": "demonstration: a connected forest patch of the account grid, not an official "
                "forest-chief area",
                "note_zh": "示范：核算栅格上相连的森林斑块，并非官方林长责任区",
                "geometry": patch,
            }
        )
    water = eco == ECOSYSTEM_CODES["wetland"]
    lakes = _patches(water & inside, transform, 1)
    where, where_zh = "county", "本县"
    if not lakes:  # no wetland cell in the county: its city's largest, and the note says so
        city = county[:4] + "00"
        lakes = _patches(water & _unit_mask(pack, city, shape, transform, crs), transform, 1)
        where, where_zh = f"city {city} (none in the county)", f"所在设区市 {city}（本县没有湿地栅格）"
    if lakes:
        rows.append(
            {
                "area_id": "DEMO-LAKE-1",
                "name": "示范湖泊责任区",
                "kind": "lake",
                "note": f"demonstration: the largest wetland/water patch of the {where} on the account "
                "grid, not an official lake-chief area",
                "note_zh": f"示范：{where_zh}核算栅格上最大的湿地（水体）斑块，并非官方湖长责任区",
                "geometry": lakes[0],
            }
        )
    dem_spec = pack.layers_for(pack.years[-1])["dem"]
    with rasterio.open(pack.path(dem_spec.file)) as src:
        dem = src.read(1, masked=True).astype(float).filled(np.nan)
    boundary = _boundary(pack, county).to_crs(crs).iloc[0]
    centre = shapely.point_on_surface(boundary)
    row, col = rasterio.transform.rowcol(transform, centre.x, centre.y)
    path = steepest_descent(dem, inside, (int(row), int(col)))
    if len(path) >= 2:
        xs, ys = rasterio.transform.xy(transform, [p[0] for p in path], [p[1] for p in path])
        rows.append(
            {
                "area_id": "DEMO-REACH-1",
                "name": "示范河段责任区",
                "kind": "river_reach",
                "note": "demonstration: steepest-descent path on the pack's DEM, not a mapped river",
                "note_zh": "示范：在数据包 DEM 上按最陡下降方向追踪的路径，并非实测河道",
                "geometry": shapely.LineString(list(zip(xs, ys, strict=True))),
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    frame["status"] = DEMONSTRATION
    return frame


def _boundary(pack, code: str):
    from ecoledger.registry.parcels import unit_boundary

    return unit_boundary(pack, code)


def demonstration_records(areas, year: int = DEMO_YEAR) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Demonstration officials, patrols and issues (module docstring): placeholder names, invented
    dates, every row labelled demonstration."""
    letters = "甲乙丙丁戊己庚"
    posts = {
        "forest_parcel": ("林长", "示范县级林长"),
        "lake": ("湖长", "示范县级湖长"),
        "river_reach": ("河长", "示范县级河长"),
    }
    officials, patrols, issues = [], [], []
    for k, r in enumerate(areas.to_dict("records")):
        word, post = posts[r["kind"]]
        name = f"示范{word}{letters[k % len(letters)]}"
        officials.append(
            {
                "area_id": r["area_id"],
                "name": name,
                "post": post,
                "level": "county",
                "date_from": f"{year}-01-01",
                "date_to": "",
                "status": DEMONSTRATION,
            }
        )
        # Patrol pattern: the first forest chief every quarter, the others skip the third quarter,
        # the river and lake chiefs monthly — so that the demonstration shows met and not met.
        months = range(1, 13) if r["kind"] != "forest_parcel" else (2, 5, 8, 11) if k == 0 else (2, 5, 11)
        for m in months:
            patrols.append(
                {
                    "patrol_id": f"P-{r['area_id']}-{m:02d}",
                    "area_id": r["area_id"],
                    "official": name,
                    "date": dt.date(year, m, 15).isoformat(),
                    "note": "示范记录",
                    "status": DEMONSTRATION,
                }
            )
        for j, (opened, closed) in enumerate(
            ((f"{year}-03-02", f"{year}-03-20"), (f"{year}-06-10", f"{year}-08-09"), (f"{year}-11-20", "")),
            start=1,
        ):
            issues.append(
                {
                    "issue_id": f"I-{r['area_id']}-{j}",
                    "area_id": r["area_id"],
                    "opened": opened,
                    "status": "closed" if closed else "opened",
                    "closed": closed,
                    "description": "示范问题",
                    "status_label": DEMONSTRATION,
                }
            )
    return pd.DataFrame(officials), pd.DataFrame(patrols), pd.DataFrame(issues)


def run_demo(pack, accounts, extent, out, indicators=None, unit: str = DEMO_COUNTY) -> dict:
    """Departure audit and chiefs demonstration into ``out`` (atomic); returns the summary."""
    import rasterio

    from ecoledger.accountability.chiefs import chiefs_indicators
    from ecoledger.accountability.chiefs_report import write_chiefs_files
    from ecoledger.accountability.departure import departure_audit, runs_by_year
    from ecoledger.accountability.report import write_departure_files
    from ecoledger.atomic import atomic_directory

    runs = runs_by_year(accounts)
    start, end = min(runs), max(runs)
    audit = departure_audit(unit, start, end, accounts, extent=extent, indicators=indicators)
    latest = next(
        (runs[y].folder for y in sorted(runs, reverse=True) if (runs[y].folder / "maps").is_dir()), None
    )
    areas = demonstration_areas(pack, latest, unit) if latest is not None else None
    out = Path(out)
    with atomic_directory(out) as staging:
        folder = staging / f"departure-{unit}"
        folder.mkdir()
        write_departure_files(audit, folder)
        count = 0
        if areas is not None and len(areas):
            officials, patrols, issues = demonstration_records(areas)
            # the reach as a strip one account cell wide: the finest width the value maps resolve
            with rasterio.open(Path(latest) / "maps" / "ecosystem.tif") as src:
                half_cell_m = abs(src.transform.a) / 2
            chiefs = chiefs_indicators(
                areas,
                officials,
                patrols,
                issues,
                accounts=latest,
                rules=[FOREST_RULE],
                buffer_m=half_cell_m,
                period_start=f"{DEMO_YEAR}-01-01",
                period_end=f"{DEMO_YEAR}-12-31",
                status=DEMONSTRATION,
            )
            folder = staging / "chiefs-demo"
            folder.mkdir()
            write_chiefs_files(chiefs, folder)
            count = len(areas)
        summary = {
            "unit": unit,
            "unit_name": audit.unit_name,
            "start": start,
            "end": end,
            "areas": count,
            "status": DEMONSTRATION,
            "chiefs_accounts": str(latest or ""),
        }
        (staging / "demo.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return summary
