"""Protected-area and species indicators per county, city and province (issue 19, item 5).

``county_indicators(units, areas, records=None, *, area_crs) -> DataFrame``
    One row per unit: code, unit_name, level, parent, area_km2, protected_km2, protected_share,
    records, records_inside, species, status. For a county (a unit with no children):

    * ``area_km2`` = area of the county's boundary, km², in ``area_crs`` (equal-area);
    * ``protected_km2`` = area(county ∩ ⋃ protected areas) / 10⁶: the union first, so land under
      two designations (a forest park inside a reserve) is counted once; exact GEOS overlay;
    * ``protected_share`` = protected_km2 / area_km2 (dimensionless, 0–1);
    * ``records`` = species records whose point lies in the county (a point on a shared border
      goes to the first county in code order, so no record is counted twice);
      ``records_inside`` = those of them inside the union of protected areas;
      ``species`` = distinct species among the county's records.

    A city or the province sums its counties' ``area_km2``, ``protected_km2``, ``records`` and
    ``records_inside`` (its share is the ratio of the sums) and counts the distinct species of all
    their records (species are not additive). ``status`` is ``demonstration`` when any protected
    area or record used is demonstration data, else ``provided``.
``by_designation(units, areas, *, area_crs, by="type"|"level") -> DataFrame``
    Long table code, unit_name, unit_level, <by>, protected_km2: the union of each type (or level)
    inside each unit. Types overlap one another, so their sum may exceed ``protected_km2``.
``records_in_units(units, records, areas, *, area_crs) -> GeoDataFrame``
    Each record with its county code and whether it lies inside a protected area (and which).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecoledger.biodiversity.register import DEMONSTRATION, PROVIDED

M2_PER_KM2 = 1e6
COLUMNS = [
    "code",
    "unit_name",
    "level",
    "parent",
    "area_km2",
    "protected_km2",
    "protected_share",
    "records",
    "records_inside",
    "species",
    "status",
]


def _leaves(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Units with no children (counties), in code order."""
    parents = set(units["parent"].astype(str))
    return units[~units["code"].astype(str).isin(parents)].sort_values("code")


def _ancestors(units: gpd.GeoDataFrame) -> dict[str, list[str]]:
    """Each unit's code → itself and every unit above it."""
    parent = dict(zip(units["code"].astype(str), units["parent"].astype(str), strict=True))
    chain = {}
    for code in parent:
        found, current = [], code
        while current in parent and current not in found:
            found.append(current)
            current = parent[current]
        chain[code] = found
    return chain


def _union(areas: gpd.GeoDataFrame | None):
    if areas is None or not len(areas):
        return shapely.Polygon()
    return shapely.union_all(np.asarray(areas.geometry.array, dtype=object))


def _status(*frames) -> str:
    for frame in frames:
        if (
            frame is not None
            and len(frame)
            and "status" in frame
            and (frame["status"] == DEMONSTRATION).any()
        ):
            return DEMONSTRATION
    return PROVIDED


def records_in_units(
    units: gpd.GeoDataFrame, records: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame | None, *, area_crs
) -> gpd.GeoDataFrame:
    """Records with ``county`` (the leaf unit holding the point, None outside every county),
    ``inside_protected`` and ``protected_areas`` (the names of the areas holding it, "、"-joined)."""
    if records is None or not len(records):
        return gpd.GeoDataFrame(
            {"county": [], "inside_protected": [], "protected_areas": []}, geometry=[], crs=area_crs
        )
    points = records.to_crs(area_crs).copy()
    leaves = _leaves(units.to_crs(area_crs))
    shapes = np.asarray(leaves.geometry.array, dtype=object)
    codes = leaves["code"].astype(str).to_numpy()
    geoms = np.asarray(points.geometry.array, dtype=object)
    county = [None] * len(points)
    where, which = shapely.STRtree(shapes).query(geoms, predicate="intersects")
    for i, j in sorted(zip(where, which, strict=True), key=lambda p: (p[0], codes[p[1]])):
        if county[i] is None:
            county[i] = codes[j]
    points["county"] = county
    names = [[] for _ in range(len(points))]
    if areas is not None and len(areas):
        area_geoms = np.asarray(areas.to_crs(area_crs).geometry.array, dtype=object)
        hit, held = shapely.STRtree(area_geoms).query(geoms, predicate="intersects")
        labels = areas["name"].tolist()
        for i, j in zip(hit, held, strict=True):
            names[i].append(labels[j])
    points["inside_protected"] = [bool(n) for n in names]
    points["protected_areas"] = ["、".join(n) for n in names]
    return points


def county_indicators(
    units: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | None,
    records: gpd.GeoDataFrame | None = None,
    *,
    area_crs,
) -> pd.DataFrame:
    """The indicator table (module docstring); ``units`` has code, name, level, parent, geometry."""
    units = units.to_crs(area_crs)
    leaves = _leaves(units)
    protected = _union(areas.to_crs(area_crs) if areas is not None and len(areas) else None)
    shapely.prepare(protected)
    shapes = np.asarray(leaves.geometry.array, dtype=object)
    area_km2 = shapely.area(shapes) / M2_PER_KM2
    protected_km2 = shapely.area(shapely.intersection(shapes, protected)) / M2_PER_KM2
    located = records_in_units(units, records, areas, area_crs=area_crs)
    chain = _ancestors(units)
    sums = {code: [0.0, 0.0, 0, 0] for code in units["code"].astype(str)}
    species: dict[str, set] = {code: set() for code in sums}
    for code, a, p in zip(leaves["code"].astype(str), area_km2, protected_km2, strict=True):
        for up in chain[code]:
            sums[up][0] += a
            sums[up][1] += p
    for code, inside, kind in zip(
        located["county"],
        located["inside_protected"],
        located.get("species_id", [None] * len(located)),
        strict=True,
    ):
        if code is None:
            continue
        for up in chain[code]:
            sums[up][2] += 1
            sums[up][3] += int(inside)
            species[up].add(kind)
    status = _status(areas, records)
    rows = []
    for code, name, level, parent in (
        units[["code", "name", "level", "parent"]].astype(str).itertuples(index=False)
    ):
        a, p, n, inside = sums[code]
        rows.append(
            {
                "code": code,
                "unit_name": name,
                "level": level,
                "parent": parent or None,
                "area_km2": a,
                "protected_km2": p,
                "protected_share": p / a if a > 0 else np.nan,
                "records": n,
                "records_inside": inside,
                "species": len(species[code]),
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def by_designation(
    units: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None, *, area_crs, by: str = "type"
) -> pd.DataFrame:
    """Protected km² per unit and type (or level), each type's own union (module docstring)."""
    columns = ["code", "unit_name", "unit_level", by, "protected_km2"]
    if areas is None or not len(areas):
        return pd.DataFrame(columns=columns)
    units = units.to_crs(area_crs)
    areas = areas.to_crs(area_crs)
    leaves = _leaves(units)
    shapes = np.asarray(leaves.geometry.array, dtype=object)
    chain = _ancestors(units)
    totals: dict[tuple[str, str], float] = {}
    for value, part in areas.groupby(by):
        km2 = shapely.area(shapely.intersection(shapes, _union(part))) / M2_PER_KM2
        for code, k in zip(leaves["code"].astype(str), km2, strict=True):
            for up in chain[code]:
                totals[(up, value)] = totals.get((up, value), 0.0) + k
    names = dict(zip(units["code"].astype(str), units["name"], strict=True))
    levels = dict(zip(units["code"].astype(str), units["level"], strict=True))
    rows = [
        {"code": c, "unit_name": names[c], "unit_level": levels[c], by: v, "protected_km2": k}
        for (c, v), k in totals.items()
        if k > 0
    ]
    return pd.DataFrame(rows, columns=columns).sort_values(["code", by]).reset_index(drop=True)
