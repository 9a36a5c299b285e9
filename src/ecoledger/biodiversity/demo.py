"""The Jiangxi demonstration: published protected areas and species localities as layers.

Official boundaries of Jiangxi's protected areas are not open data. The register
``data/biodiversity/protected_areas_jiangxi.csv`` records what was read (name, type, level, the
counties the source names, year, area as published, source address and quote).
``demonstration_areas(pack)`` turns each row with a published area and at least one named county
into a **demonstration boundary** by one documented rule:

    a circle of the published area (radius r = √(area_ha · 10⁴ / π) m, in the pack's equal-area
    CRS) centred on the representative point (``shapely.point_on_surface``) of the named county, or
    of the union of the named counties when the source names several.

Rows without an area or a county get no boundary and are listed as such (``register.csv``,
``boundary = none``). A county is found in the pack's units by its name, or by its name's stem
when the county has since changed its suffix (龙南县 → 龙南市, 广丰县 → 广丰区, 新建县 → 新建区).

``demonstration_records(pack)`` places each published locality statement of
``species_records_jiangxi.csv`` (a species in a named county) at that county's representative point.
Every row and every output says ``demonstration`` and that the geometry is not the official one.

``run_demo(pack, out) -> dict`` writes the whole demonstration (``report.write_outputs``) atomically.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecoledger.biodiversity.register import DEMONSTRATION

SUFFIXES = ("县", "市", "区")
NOTE_AREA = (
    "示范边界：按公布面积、以来源所述区县的代表点为圆心的圆，并非官方边界",
    "demonstration boundary: a circle of the published area at the representative point of the "
    "county the source names; not the official boundary",
)
NOTE_RECORD = (
    "示范记录：已发表的分布地点描述，置于所述区县的代表点，并非观测坐标",
    "demonstration record: a published locality statement placed at the representative point "
    "of the county named; not an observed position",
)


def data_path(name: str) -> Path:
    return Path(str(resources.files("ecoledger.data") / "biodiversity" / name))


def read_table(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path(name), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _stem(name: str) -> str:
    return name[:-1] if name.endswith(SUFFIXES) and len(name) > 2 else name


def county_codes(counties: str, units: gpd.GeoDataFrame) -> tuple[list[str], list[str]]:
    """(codes found, names not found) for a "、"-separated list of county names."""
    leaves = units[units["level"] == "county"]
    exact = dict(zip(leaves["name"], leaves["code"], strict=True))
    stems: dict[str, list[str]] = {}
    for name, code in exact.items():
        stems.setdefault(_stem(name), []).append(code)
    found, missing = [], []
    for name in (n.strip() for n in counties.split("、") if n.strip()):
        if name in exact:
            found.append(exact[name])
        elif len(stems.get(_stem(name), [])) == 1:
            found.append(stems[_stem(name)][0])
        else:
            missing.append(name)
    return found, missing


def circle(centre, area_ha: float):
    """A circle of ``area_ha`` hectares around ``centre`` (metres, equal-area CRS)."""
    radius = np.sqrt(area_ha * 1e4 / np.pi)
    return centre.buffer(radius, quad_segs=64)


def _units(pack):
    from ecoledger.pack.manifest import load_pack
    from ecoledger.registry.parcels import _pack_units, equal_area_crs

    pack = load_pack(pack) if not hasattr(pack, "manifest") else pack
    area_crs = equal_area_crs(pack).crs
    return _pack_units(pack).to_crs(area_crs), area_crs


def demonstration_areas(pack, table: pd.DataFrame | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """(the demonstration boundaries as a protected-area layer in the pack's equal-area CRS, the
    register with ``county_codes``, ``boundary`` (circle | none) and ``why_none``)."""
    units, area_crs = _units(pack)
    table = read_table("protected_areas_jiangxi.csv") if table is None else table.copy()
    shapes = dict(zip(units["code"], units.geometry, strict=True))
    rows, codes_col, boundary, why = [], [], [], []
    for row in table.to_dict("records"):
        codes, missing = county_codes(row["counties"], units)
        codes_col.append("、".join(codes))
        reason = (
            "county missing"
            if not row["counties"]
            else f"county not found: {'、'.join(missing)}"
            if missing
            else "area missing"
            if not row["area_ha"]
            else ""
        )
        boundary.append("none" if reason else "circle")
        why.append(reason)
        if reason:
            continue
        centre = shapely.point_on_surface(shapely.union_all([shapes[c] for c in codes]))
        rows.append(
            {
                **row,
                "status": DEMONSTRATION,
                "established": row["established"],
                "note": f"{NOTE_AREA[1]}. {row['note']}".strip(". ") if row["note"] else NOTE_AREA[1],
                "note_zh": NOTE_AREA[0],
                "county_codes": "、".join(codes),
                "geometry": circle(centre, float(row["area_ha"])),
            }
        )
    register = table.assign(county_codes=codes_col, boundary=boundary, why_none=why, status=DEMONSTRATION)
    layer = gpd.GeoDataFrame(rows, geometry="geometry", crs=area_crs)
    return layer, register


def demonstration_records(pack, table: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The published locality statements as points (WGS 84 longitude/latitude columns too)."""
    units, area_crs = _units(pack)
    table = read_table("species_records_jiangxi.csv") if table is None else table.copy()
    shapes = dict(zip(units["code"], units.geometry, strict=True))
    points, keep = [], []
    for row in table.to_dict("records"):
        codes, _ = county_codes(row["county"], units)
        keep.append(bool(codes))
        if codes:
            points.append(shapely.point_on_surface(shapely.union_all([shapes[c] for c in codes])))
    table = table[keep].reset_index(drop=True)
    layer = gpd.GeoDataFrame(
        table.assign(status=DEMONSTRATION, note=NOTE_RECORD[1], note_zh=NOTE_RECORD[0]),
        geometry=points,
        crs=area_crs,
    )
    wgs = layer.to_crs(4326)
    layer["longitude"] = wgs.geometry.x.round(6)
    layer["latitude"] = wgs.geometry.y.round(6)
    return layer


def run_demo(pack: str | Path, out: str | Path) -> dict:
    """The demonstration layers, checked by the same readers as a user's files, their indicators,
    tables, layers and page, written atomically into ``out``; returns the summary."""
    from ecoledger.biodiversity.register import read_protected_areas
    from ecoledger.biodiversity.report import write_outputs
    from ecoledger.biodiversity.species import read_records

    units, area_crs = _units(pack)
    layer, register = demonstration_areas(pack)
    areas = read_protected_areas(layer, pack=pack, file="protected_areas_jiangxi.csv")
    points = demonstration_records(pack)
    province = units[units["level"] == "province"].to_crs(4326).geometry.iloc[0]
    records = read_records(
        pd.DataFrame(points.drop(columns="geometry")), region=province, file="species_records_jiangxi.csv"
    )
    return write_outputs(
        out,
        units=units,
        areas=areas,
        records=records,
        register=register,
        area_crs=area_crs,
        demonstration=True,
    )
