"""Screening of projects and plans against control zones (issue 19, item 2).

``project_footprints(frame, *, buffer_m=None, radius_m=None, activity=None, pack=None,
area_crs=None, id_column=None, file="footprints") -> GeoDataFrame``
    Footprints in the equal-area CRS: polygons as drawn, lines (roads, pipelines) buffered by
    ``buffer_m`` metres (or their ``buffer_m`` column), points by ``radius_m`` (or ``radius_m``).
    Columns: project_id, activity, kind (polygon | line | point), buffer_m, footprint_m2, group
    (candidates of one project share a group), geometry. Raises ZoneError naming every problem.
``screen(footprints, zones, rules=None, *, accounts=None, activity=None, habitat_quality=None,
rate=None, horizon=None) -> Screening``
    Exact overlay of every footprint with every zone (STRtree candidates, vectorised GEOS
    ``intersection``/``area`` on arrays, in the zones' equal-area CRS), the rules the project's
    activity triggers in each zone it touches, the GEP inside each footprint from the
    account's value maps (``accounts``: an ``ecoledger account`` output folder) by item and
    ecosystem, its VEP (the present value of that yearly flow at ``rate`` over ``horizon``
    years, ``applications.valuation.present_value``, as a site's VEP certificate) and the
    habitat quality lost (``habitat_in_footprints``, from a habitat-quality raster).
    ``footprints`` may be a GeoDataFrame (run through ``project_footprints``) or its result;
    ``zones`` a ``ZoneSet`` or a GeoDataFrame of ``read_zones``' columns. ``rate`` and
    ``horizon`` left None take ``applications.valuation``'s defaults.
``gep_in_footprints(maps_dir, geometries, crs) -> DataFrame``
    Σ_cells v_c × f_c per footprint, item and ecosystem, f_c the exact fraction of the cell inside
    the footprint (exactextract coverage, as the engine's zonal sums and ``applications.vep``).
``habitat_in_footprints(quality_path, geometries, crs, footprint_m2) -> DataFrame``
    Mean habitat quality inside each footprint and the quality-weighted hectares lost if the
    footprint loses its habitat.
``rank_alternatives(screening) -> DataFrame``
    Candidates ranked within their group by (prohibited overlap m², conditional overlap m², GEP
    at stake yuan), lexicographically: any prohibited overlap ranks a candidate below every one
    without; among equals the smaller GEP inside the footprint wins.
``screen_files(footprints, zones, *, rules=None, accounts=None, activity=None, buffer_m=None,
radius_m=None, pack=None) -> Screening``
    The whole chain from file paths (the CLI's).
``screen_geojson(source, zones, *, rules=None, accounts=None, activity=None, buffer_m=None,
radius_m=None) -> dict``
    A GeoJSON upload (WGS 84 longitude/latitude; ``read_footprints_geojson`` checks it) screened
    to a JSON-ready dict (summary, projects, overlaps, triggered, gep): the function an API
    route calls, with the zones read once (``read_zones``).

Tables of a ``Screening``: ``projects`` (one row per footprint: footprint_m2, zones_touched,
prohibited_m2, conditional_m2, permitted_m2, no_rule_m2, prohibited_overlaps,
conditional_overlaps, gep_yuan, vep_yuan, habitat_quality_ha (with a raster also
habitat_mean_quality, habitat_covered_share), verdict prohibited | conditional | no_rule | clear),
``overlaps`` (project × zone: overlap_m2, share_of_footprint, share_of_zone, ruling, rule_ids),
``triggered`` (project × zone type × rule with its source and quote), ``gep`` (project × item ×
ecosystem value_yuan). Every table carries ``status`` (demonstration when any zone is a
demonstration zone) and ``area_crs``.

Overlap shares: share_of_footprint = overlap / footprint area, share_of_zone = overlap / zone
area. Zones of one type that overlap each other (reported by ``read_zones``) each count in full.
A ruling per overlap is the strictest of the rules recorded for the zone type and the activity
(prohibited > conditional > permitted); with none recorded it is ``none`` ("no rule recorded"),
never permitted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecoledger.applications.valuation import DEFAULT_HORIZON_YEARS, DEFAULT_RATE, present_value
from ecoledger.controls.zones import (
    ACTIVITIES,
    DEMONSTRATION,
    ZoneError,
    ZoneSet,
    _problem,
    crs_name,
    read_rules,
    read_zones,
)
from ecoledger.messages import register
from ecoledger.registry.parcels import equal_area_crs, is_equal_area

STRICTNESS = {"prohibited": 3, "conditional": 2, "permitted": 1, "none": 0}
VALUE_SUFFIX = "_value.tif"
ECOSYSTEM_MAP = "ecosystem.tif"

register(
    {
        "footprint_buffer": ("线要素没有缓冲距离", "a line has no buffer distance"),
        "footprint_buffer.fix": (
            "请给出缓冲距离（米）：`--buffer-m`，或 `buffer_m` 列",
            "give the buffer in metres: --buffer-m, or a buffer_m column",
        ),
        "footprint_radius": ("点要素没有半径", "a point has no radius"),
        "footprint_radius.fix": (
            "请给出半径（米）：`--radius-m`，或 `radius_m` 列",
            "give the radius in metres: --radius-m, or a radius_m column",
        ),
        "habitat_range": (
            "生境质量栅格的值超出 0–1",
            "the habitat-quality raster has values outside 0–1",
        ),
        "habitat_range.fix": (
            "请给出生境质量模型输出的质量栅格（`quality_c.tif`，0–1）",
            "give the quality raster of a Habitat Quality run (quality_c.tif, 0–1)",
        ),
        "footprint_activity": ("活动类型 `{value}` 不可识别", "the activity `{value}` is not known"),
        "footprint_activity.fix": ("请填写以下之一：{known}", "write one of {known}"),
        "geojson.not_object": ("不是 GeoJSON 对象", "not a GeoJSON object"),
        "geojson.not_object.fix": (
            "请给出 FeatureCollection、Feature 或几何对象",
            "give a FeatureCollection, a Feature or a geometry",
        ),
        "geojson.no_features": ("没有要素", "no features"),
        "geojson.no_features.fix": (
            "请给出含有用地范围的 FeatureCollection",
            "give a FeatureCollection of footprints",
        ),
        "geojson.too_many": (
            "共 {count} 个要素，超过 {limit} 个的上限",
            "{count} features, more than {limit}",
        ),
        "geojson.too_many.fix": ("请拆分规划，分批筛查", "split the plan and screen it in parts"),
        "geojson.unreadable": (
            "无法读取为 GeoJSON 要素（`{error}`）",
            "not readable as GeoJSON features ({error})",
        ),
        "geojson.unreadable.fix": (
            "每个要素须有几何（面、线或点）和属性",
            "give every feature a geometry (polygon, line or point) and properties",
        ),
        "geojson.positions": ("坐标点超过 {limit} 个", "more than {limit} positions"),
        "geojson.positions.fix": ("请简化用地范围", "simplify the footprints"),
        "geojson.coordinates": ("坐标不是 WGS 84 经纬度", "a coordinate is not a WGS 84 longitude/latitude"),
        "geojson.coordinates.fix": (
            "请按经度、纬度（度）给出坐标（RFC 7946）",
            "give longitude, latitude in degrees (RFC 7946)",
        ),
    },
    prefix="controls.",
)


@dataclass
class Screening:
    """The result of ``screen`` (module docstring)."""

    projects: pd.DataFrame
    overlaps: pd.DataFrame
    triggered: pd.DataFrame
    gep: pd.DataFrame
    footprints: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    area_crs: str
    status: str
    accounts: str | None = None
    notes: list[str] = field(default_factory=list)
    rate: float = DEFAULT_RATE
    horizon: int = DEFAULT_HORIZON_YEARS
    habitat_quality: str | None = None

    def summary(self) -> dict:
        p = self.projects
        return {
            "projects": len(p),
            "status": self.status,
            "area_crs": self.area_crs,
            "accounts": self.accounts,
            "verdicts": {k: int(v) for k, v in p["verdict"].value_counts().items()},
            "footprint_m2": float(p["footprint_m2"].sum()),
            "prohibited_m2": float(p["prohibited_m2"].sum()),
            "conditional_m2": float(p["conditional_m2"].sum()),
            "gep_yuan": _total(p, "gep_yuan"),
            "vep_yuan": _total(p, "vep_yuan"),
            "vep_rate": self.rate,
            "vep_horizon_years": self.horizon,
            "habitat_quality": self.habitat_quality,
            "habitat_quality_ha": _total(p, "habitat_quality_ha"),
            "notes": self.notes,
        }


def _total(frame: pd.DataFrame, column: str) -> float | None:
    """The column's sum; None when the column is absent or has no value (missing, never 0)."""
    if column not in frame:
        return None
    total = frame[column].sum(min_count=1)
    return None if pd.isna(total) else float(total)


# --- footprints ----------------------------------------------------------------------------------


def _per_feature(frame: gpd.GeoDataFrame, column: str, default: float | None) -> np.ndarray:
    if column in frame:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        return np.where(np.isfinite(values), values, np.nan if default is None else default)
    return np.full(len(frame), np.nan if default is None else float(default))


def project_footprints(
    frame: gpd.GeoDataFrame,
    *,
    buffer_m: float | None = None,
    radius_m: float | None = None,
    activity: str | None = None,
    pack=None,
    area_crs: str | None = None,
    id_column: str | None = None,
    file: str = "footprints",
) -> gpd.GeoDataFrame:
    """Footprints in the equal-area CRS (module docstring)."""
    if "kind" in frame and "footprint_m2" in frame and "project_id" in frame:
        return frame  # already footprints
    target = area_crs if area_crs is not None else equal_area_crs(pack).crs
    if frame.crs is None:
        raise ZoneError([_problem(file, "crs", "crs_missing")])
    fids = list(frame.index)
    local = frame.to_crs(target)
    geoms = np.asarray(local.geometry.array, dtype=object)
    kinds = np.asarray(shapely.get_type_id(geoms))
    buffers = _per_feature(frame, "buffer_m", buffer_m)
    radii = _per_feature(frame, "radius_m", radius_m)
    problems = []
    kind = np.full(len(geoms), "polygon", dtype=object)
    distance = np.zeros(len(geoms))
    for i, (fid, type_id) in enumerate(zip(fids, kinds, strict=True)):
        where, where_zh = f"fid {fid} · geometry", f"第 {fid} 号要素 · 几何"
        if geoms[i] is None or geoms[i].is_empty:
            problems.append(_problem(file, where, "geometry_missing", where_zh=where_zh))
        elif type_id in (1, 5):  # LineString, MultiLineString
            kind[i], distance[i] = "line", buffers[i]
            if not np.isfinite(buffers[i]) or buffers[i] <= 0:
                problems.append(_problem(file, where, "footprint_buffer", where_zh=where_zh))
        elif type_id in (0, 4):  # Point, MultiPoint
            kind[i], distance[i] = "point", radii[i]
            if not np.isfinite(radii[i]) or radii[i] <= 0:
                problems.append(_problem(file, where, "footprint_radius", where_zh=where_zh))
        elif type_id in (3, 6):
            reason = shapely.is_valid_reason(geoms[i])
            if reason != "Valid Geometry":
                from ecoledger.registry.parcels import GEOS_REASONS_ZH, _reason

                found, at = _reason(reason)
                problems.append(
                    _problem(
                        file,
                        where,
                        "geometry_invalid",
                        reason=found,
                        reason_zh=GEOS_REASONS_ZH.get(found, found),
                        at=f" {at}" if at else "",
                        where_zh=where_zh,
                    )
                )
        else:
            problems.append(
                _problem(file, where, "geometry_type", kind=geoms[i].geom_type, where_zh=where_zh)
            )
    activities = (
        frame["activity"].fillna(activity or "").astype(str).tolist()
        if "activity" in frame
        else [activity or ""] * len(frame)
    )
    for fid, value in zip(fids, activities, strict=True):
        if value not in ACTIVITIES:
            problems.append(
                _problem(
                    file,
                    f"fid {fid} · activity",
                    "footprint_activity",
                    value=value or "—",
                    known=", ".join(ACTIVITIES),
                    where_zh=f"第 {fid} 号要素 · 活动类型",
                )
            )
    if problems:
        raise ZoneError(problems)
    buffered = np.asarray(geoms, dtype=object).copy()
    grow = kind != "polygon"
    if grow.any():
        buffered[grow] = shapely.buffer(geoms[grow], distance[grow], quad_segs=16)
    ids = (
        frame[id_column].astype(str).tolist()
        if id_column
        else frame["project_id"].astype(str).tolist()
        if "project_id" in frame
        else [str(f) for f in fids]
    )
    group = frame["group"].astype(str).tolist() if "group" in frame else ids
    name = frame["name"].astype(str).tolist() if "name" in frame else ids
    return gpd.GeoDataFrame(
        {
            "project_id": ids,
            "name": name,
            "group": group,
            "activity": activities,
            "kind": kind,
            "buffer_m": np.where(grow, distance, 0.0),
            "footprint_m2": shapely.area(buffered),
        },
        geometry=gpd.GeoSeries(buffered, crs=target),
    )


# --- GEP in footprints ---------------------------------------------------------------------------


def _footprint_cells(grid_path: Path, geometries, crs):
    """The cells of ``grid_path``'s grid that each footprint covers: (owner footprint, window, cell
    positions inside the window, coverage f_c in 0–1), or None when no footprint touches the grid.
    exactextract's coverage, as the engine's zonal sums and ``applications.vep``."""
    import rasterio
    from exactextract import exact_extract
    from rasterio.windows import Window

    with rasterio.open(grid_path) as grid:
        raster_crs, width = grid.crs, grid.width
    shapes = gpd.GeoDataFrame(
        {"index": np.arange(len(geometries))}, geometry=gpd.GeoSeries(list(geometries), crs=crs)
    ).to_crs(raster_crs)
    found = exact_extract(
        str(grid_path), shapes, ["cell_id", "coverage"], include_cols=["index"], output="pandas"
    )
    counts = np.array([len(c) for c in found["cell_id"]], dtype=np.int64)
    if counts.sum() == 0:
        return None
    owner = np.repeat(found["index"].to_numpy(dtype=np.int64), counts)
    cells = np.concatenate([np.asarray(c, dtype=np.int64) for c in found["cell_id"]])
    cover = np.concatenate([np.asarray(c, dtype=np.float64) for c in found["coverage"]])
    rows, cols = cells // width, cells % width
    r0, c0 = rows.min(), cols.min()
    window = Window(int(c0), int(r0), int(cols.max() + 1 - c0), int(rows.max() + 1 - r0))
    return owner, window, (rows - r0, cols - c0), cover


def gep_in_footprints(maps_dir: str | Path, geometries, crs) -> pd.DataFrame:
    """Value inside each footprint per item and ecosystem (long table: index, item, ecosystem,
    value_yuan, covered_cells). Cells whose value is missing count nothing."""
    import rasterio

    from ecoledger.ecosystems import ECOSYSTEM_CODES

    maps_dir = Path(maps_dir)
    maps = {p.name[: -len(VALUE_SUFFIX)]: p for p in sorted(maps_dir.glob(f"*{VALUE_SUFFIX}"))}
    columns = ["index", "item", "ecosystem", "value_yuan", "covered_cells"]
    if not maps:
        return pd.DataFrame(columns=columns)
    grid_path = (
        maps_dir / ECOSYSTEM_MAP if (maps_dir / ECOSYSTEM_MAP).is_file() else next(iter(maps.values()))
    )
    with rasterio.open(grid_path) as grid:
        width, height = grid.width, grid.height
    covered_cells = _footprint_cells(grid_path, geometries, crs)
    if covered_cells is None:
        return pd.DataFrame(columns=columns)
    owner, window, local, cover = covered_cells
    names = {code: name for name, code in ECOSYSTEM_CODES.items()}
    if (maps_dir / ECOSYSTEM_MAP).is_file():
        with rasterio.open(maps_dir / ECOSYSTEM_MAP) as src:
            eco = src.read(1, window=window).astype(np.int64)[local]
    else:
        eco = np.zeros(len(owner), dtype=np.int64)
    n_eco = max(names) + 1
    key = owner * n_eco + np.clip(eco, 0, n_eco - 1)
    n = len(geometries) * n_eco
    out = []
    for item, path in maps.items():
        with rasterio.open(path) as src:
            if (src.width, src.height) != (width, height):
                raise ValueError(f"{path}: the value maps are not on one grid")
            values = src.read(1, window=window, masked=True).astype(np.float64).filled(np.nan)[local]
        present = np.isfinite(values)
        sums = np.bincount(key[present], weights=values[present] * cover[present], minlength=n)
        covered = np.bincount(key[present], weights=cover[present], minlength=n)
        hit = np.nonzero(covered > 0)[0]
        out.append(
            pd.DataFrame(
                {
                    "index": hit // n_eco,
                    "item": item,
                    "ecosystem": [names.get(int(c), "unclassified") for c in hit % n_eco],
                    "value_yuan": sums[hit],
                    "covered_cells": covered[hit],
                }
            )
        )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)


def habitat_in_footprints(quality_path: str | Path, geometries, crs, footprint_m2) -> pd.DataFrame:
    """Habitat quality inside each footprint, from a habitat-quality raster (values 0–1, e.g.
    ``quality_c.tif`` of ``ecoledger invest habitat_quality``). Per footprint (``index``):

    * ``habitat_mean_quality`` Q̄ = Σ_c Q_c f_c / Σ_c f_c over the cells with a quality (unitless);
    * ``habitat_covered_share`` = Σ_c f_c over cells with a quality / the cells the footprint
      spans (its area / the cell area, in the raster's CRS);
    * ``habitat_quality_ha`` = Q̄ × covered share × footprint area / 10⁴: the quality-weighted
      area (ha) lost if the footprint loses its habitat (Q → 0 inside). Degradation the project
      would add around its footprint (a new threat) is not included.

    A footprint outside the raster gets NaN, never 0. Raises ZoneError when a value lies outside
    0–1 (not a habitat-quality raster)."""
    import rasterio

    quality_path = Path(quality_path)
    columns = ["index", "habitat_mean_quality", "habitat_covered_share", "habitat_quality_ha"]
    n = len(geometries)
    covered_cells = _footprint_cells(quality_path, geometries, crs)
    if covered_cells is None:
        return pd.DataFrame({"index": np.arange(n)}).reindex(columns=columns)
    owner, window, local, cover = covered_cells
    with rasterio.open(quality_path) as src:
        quality = src.read(1, window=window, masked=True).astype(np.float64).filled(np.nan)[local]
        raster_crs, cell_area = src.crs, abs(src.transform.a * src.transform.e)
    present = np.isfinite(quality)
    if ((quality[present] < 0) | (quality[present] > 1)).any():
        raise ZoneError([_problem(quality_path.name, "band 1", "habitat_range")])
    weighted = np.bincount(owner[present], weights=quality[present] * cover[present], minlength=n)
    with_quality = np.bincount(owner[present], weights=cover[present], minlength=n)
    # the cells a footprint spans, nodata ones included (exactextract leaves those out)
    every = gpd.GeoSeries(list(geometries), crs=crs).to_crs(raster_crs).area.to_numpy() / cell_area
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(with_quality > 0, weighted / with_quality, np.nan)
        share = np.where(every > 0, np.minimum(with_quality / every, 1.0), np.nan)
    return pd.DataFrame(
        {
            "index": np.arange(n),
            "habitat_mean_quality": mean,
            "habitat_covered_share": share,
            "habitat_quality_ha": mean * share * np.asarray(footprint_m2, dtype=float) / 1e4,
        }
    )


# --- screening -----------------------------------------------------------------------------------


def _zone_frame(zones) -> tuple[gpd.GeoDataFrame, str]:
    if isinstance(zones, ZoneSet):
        return zones.zones, zones.area_crs.crs
    if zones.crs is None:
        raise ValueError("the zones have no CRS")
    if not is_equal_area(zones.crs):  # areas only in an equal-area CRS
        zones = zones.to_crs(equal_area_crs().crs)
    zones = zones.assign(area_m2=zones.geometry.area)
    return zones, str(zones.crs.to_string())


def screen(
    footprints: gpd.GeoDataFrame,
    zones,
    rules: pd.DataFrame | None = None,
    *,
    accounts: str | Path | None = None,
    activity: str | None = None,
    habitat_quality: str | Path | None = None,
    rate: float | None = None,
    horizon: int | None = None,
) -> Screening:
    """Screen every footprint against every zone (module docstring)."""
    rate = DEFAULT_RATE if rate is None else rate
    horizon = DEFAULT_HORIZON_YEARS if horizon is None else horizon
    zone_frame, area_crs = _zone_frame(zones)
    rules = read_rules() if rules is None else rules
    fp = project_footprints(footprints, activity=activity, area_crs=area_crs)
    if fp.crs is not None and not fp.crs.equals(zone_frame.crs):
        fp = fp.to_crs(zone_frame.crs)
    fgeoms = np.asarray(fp.geometry.array, dtype=object)
    zgeoms = np.asarray(zone_frame.geometry.array, dtype=object)
    if len(zgeoms):
        pi, zi = shapely.STRtree(zgeoms).query(fgeoms, predicate="intersects")
    else:
        pi = zi = np.array([], dtype=np.int64)
    shared = shapely.area(shapely.intersection(fgeoms[pi], zgeoms[zi])) if len(pi) else np.array([])
    keep = shared > 0
    pi, zi, shared = pi[keep], zi[keep], shared[keep]
    ztype = zone_frame["zone_type"].to_numpy()[zi]
    acts = fp["activity"].to_numpy()[pi]
    # rulings: the strictest rule per (zone type, activity)
    strictest: dict[tuple[str, str], tuple[str, str]] = {}
    for (zt, act), rows in rules.groupby(["zone_type", "activity"]):
        ruling = max(rows["ruling"], key=STRICTNESS.get)
        strictest[(zt, act)] = (ruling, ";".join(rows.loc[rows["ruling"] == ruling, "rule_id"]))
    ruled = [strictest.get((t, a), ("none", "")) for t, a in zip(ztype, acts, strict=True)]
    zone_area = zone_frame["area_m2"].to_numpy()[zi]
    foot_area = fp["footprint_m2"].to_numpy()[pi]
    status = (
        DEMONSTRATION
        if "status" in zone_frame and (zone_frame["status"] == DEMONSTRATION).any()
        else "provided"
    )
    overlaps = pd.DataFrame(
        {
            "project_id": fp["project_id"].to_numpy()[pi],
            "activity": acts,
            "zone_id": zone_frame["zone_id"].to_numpy()[zi],
            "zone_type": ztype,
            "zone_name": zone_frame["zone_name"].to_numpy()[zi],
            "zone_status": zone_frame["status"].to_numpy()[zi] if "status" in zone_frame else "provided",
            "overlap_m2": shared,
            "share_of_footprint": shared / np.where(foot_area > 0, foot_area, np.nan),
            "share_of_zone": shared / np.where(zone_area > 0, zone_area, np.nan),
            "ruling": [r for r, _ in ruled],
            "rule_ids": [ids for _, ids in ruled],
            "status": status,
            "area_crs": crs_name(zone_frame.crs),
        }
    )
    overlaps["_p"] = pi
    n = len(fp)
    by_ruling = {
        r: np.bincount(
            pi[overlaps["ruling"].to_numpy() == r],
            weights=shared[overlaps["ruling"].to_numpy() == r],
            minlength=n,
        )
        for r in STRICTNESS
    }
    count = {r: np.bincount(pi[overlaps["ruling"].to_numpy() == r], minlength=n) for r in STRICTNESS}
    projects = pd.DataFrame(
        {
            "project_id": fp["project_id"].to_numpy(),
            "name": fp["name"].to_numpy(),
            "group": fp["group"].to_numpy(),
            "activity": fp["activity"].to_numpy(),
            "kind": fp["kind"].to_numpy(),
            "buffer_m": fp["buffer_m"].to_numpy(),
            "footprint_m2": fp["footprint_m2"].to_numpy(),
            "zones_touched": np.bincount(pi, minlength=n),
            "prohibited_m2": by_ruling["prohibited"],
            "conditional_m2": by_ruling["conditional"],
            "permitted_m2": by_ruling["permitted"],
            "no_rule_m2": by_ruling["none"],
            "prohibited_overlaps": count["prohibited"],
            "conditional_overlaps": count["conditional"],
        }
    )
    projects["verdict"] = np.select(
        [projects["prohibited_overlaps"] > 0, projects["conditional_overlaps"] > 0, count["none"] > 0],
        ["prohibited", "conditional", "no_rule"],
        "clear",
    )
    # the rules triggered, with their words
    pairs = overlaps[["project_id", "activity", "zone_type"]].drop_duplicates()
    triggered = pairs.merge(rules, on=["zone_type", "activity"], how="inner")
    triggered = triggered[
        [
            "project_id",
            "activity",
            "zone_type",
            "rule_id",
            "ruling",
            "source",
            "article",
            "url",
            "quote",
            "note",
        ]
    ].assign(status=status)
    gep = pd.DataFrame(columns=["project_id", "item", "ecosystem", "value_yuan", "covered_cells"])
    notes = []
    if accounts is not None:
        found = gep_in_footprints(Path(accounts) / "maps", fgeoms, fp.crs)
        found["project_id"] = fp["project_id"].to_numpy()[found["index"].to_numpy(dtype=np.int64)]
        gep = found.drop(columns="index")[["project_id", "item", "ecosystem", "value_yuan", "covered_cells"]]
        totals = np.bincount(
            found["index"].to_numpy(dtype=np.int64),
            weights=found["value_yuan"].to_numpy(dtype=float),
            minlength=n,
        )
        has = np.bincount(found["index"].to_numpy(dtype=np.int64), minlength=n) > 0
        projects["gep_yuan"] = np.where(has, totals, np.nan)
        gep = gep.assign(status=status)
    else:
        projects["gep_yuan"] = np.nan
        notes.append("no account given: GEP at stake not computed")
    projects["vep_yuan"] = present_value(projects["gep_yuan"].to_numpy(dtype=float), rate, horizon)
    if habitat_quality is not None:
        habitat = habitat_in_footprints(habitat_quality, fgeoms, fp.crs, projects["footprint_m2"])
        for column in habitat.columns.drop("index"):
            projects[column] = habitat[column].to_numpy()
    else:
        projects["habitat_quality_ha"] = np.nan
        notes.append("no habitat-quality raster given: habitat quality lost not computed")
    projects["status"] = status
    projects["area_crs"] = crs_name(zone_frame.crs)
    overlaps = overlaps.drop(columns="_p")
    return Screening(
        projects,
        overlaps,
        triggered.reset_index(drop=True),
        gep.reset_index(drop=True),
        fp,
        zone_frame,
        crs_name(zone_frame.crs),
        status,
        str(accounts) if accounts else None,
        notes,
        rate,
        horizon,
        str(habitat_quality) if habitat_quality else None,
    )


def rank_alternatives(screening: Screening) -> pd.DataFrame:
    """Candidates ranked within their group (module docstring); rank 1 is the preferred site."""
    p = screening.projects.copy()
    p["_gep"] = p["gep_yuan"].fillna(0.0)
    p = p.sort_values(["group", "prohibited_m2", "conditional_m2", "_gep", "project_id"], kind="stable")
    p["rank"] = p.groupby("group").cumcount() + 1
    return p.drop(columns="_gep").reset_index(drop=True)[
        [
            "group",
            "rank",
            "project_id",
            "name",
            "prohibited_m2",
            "conditional_m2",
            "gep_yuan",
            "verdict",
            "footprint_m2",
            "status",
        ]
    ]


def screen_files(
    footprints: str | Path,
    zones: str | Path,
    *,
    rules: str | Path | None = None,
    accounts: str | Path | None = None,
    activity: str | None = None,
    buffer_m: float | None = None,
    radius_m: float | None = None,
    pack=None,
    footprints_layer: str | None = None,
    zones_layer: str | None = None,
    habitat_quality: str | Path | None = None,
    rate: float | None = None,
    horizon: int | None = None,
) -> Screening:
    """``screen`` from files: the zones (checked by ``read_zones``), the footprints, the rules."""
    from ecoledger.controls.zones import _read

    zone_set = read_zones(zones, layer=zones_layer, pack=pack)
    raw = _read(footprints, footprints_layer, Path(footprints).name)
    fp = project_footprints(
        raw,
        buffer_m=buffer_m,
        radius_m=radius_m,
        activity=activity,
        area_crs=zone_set.area_crs.crs,
        file=Path(footprints).name,
    )
    return screen(
        fp,
        zone_set,
        read_rules(rules),
        accounts=accounts,
        habitat_quality=habitat_quality,
        rate=rate,
        horizon=horizon,
    )


def to_json(screening: Screening) -> str:
    def records(frame: pd.DataFrame) -> list[dict]:
        return json.loads(frame.to_json(orient="records", force_ascii=False))

    return json.dumps(
        {
            "summary": screening.summary(),
            "projects": records(screening.projects),
            "overlaps": records(screening.overlaps),
            "triggered": records(screening.triggered),
            "gep": records(screening.gep),
        },
        ensure_ascii=False,
        indent=1,
    )


MAX_FEATURES = 5000
MAX_POSITIONS = 500_000


def read_footprints_geojson(source: dict, file: str = "footprints.geojson") -> gpd.GeoDataFrame:
    """Footprints from a GeoJSON mapping (a FeatureCollection, Feature or bare geometry; WGS 84
    longitude/latitude, RFC 7946) as a platform upload gives them: Polygons, LineStrings and
    Points (and their Multi forms), properties ``project_id``, ``name``, ``group``, ``activity``,
    ``buffer_m``, ``radius_m`` read when present. At most ``MAX_FEATURES`` features and
    ``MAX_POSITIONS`` positions; coordinates finite and within ±180°, ±90°. Raises ZoneError."""

    def refuse(where: str, key: str, **fields):
        raise ZoneError([_problem(file, where, f"geojson.{key}", **fields)])

    if not isinstance(source, dict):
        refuse("GeoJSON", "not_object")
    kind = source.get("type")
    if kind == "FeatureCollection":
        features = source.get("features")
    elif kind == "Feature":
        features = [source]
    elif kind in ("Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point", "MultiPoint"):
        features = [{"type": "Feature", "geometry": source, "properties": {}}]
    else:
        features = None
    if not isinstance(features, list) or not features:
        refuse("type", "no_features")
    if len(features) > MAX_FEATURES:
        refuse("features", "too_many", count=len(features), limit=MAX_FEATURES)
    try:
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except Exception as exc:  # shapely, malformed members
        refuse("features", "unreadable", error=type(exc).__name__)
    coords = shapely.get_coordinates(np.asarray(frame.geometry.array, dtype=object))
    if len(coords) > MAX_POSITIONS:
        refuse("features", "positions", limit=MAX_POSITIONS)
    if (
        not np.isfinite(coords).all()
        or (np.abs(coords[:, 0]) > 180).any()
        or (np.abs(coords[:, 1]) > 90).any()
    ):
        refuse("coordinates", "coordinates")
    return frame


def screen_geojson(
    source: dict,
    zones,
    *,
    rules: pd.DataFrame | None = None,
    accounts: str | Path | None = None,
    activity: str | None = None,
    buffer_m: float | None = None,
    radius_m: float | None = None,
    habitat_quality: str | Path | None = None,
    rate: float | None = None,
    horizon: int | None = None,
) -> dict:
    """The screening of a GeoJSON upload as a JSON-ready dict (``summary``, ``projects``,
    ``overlaps``, ``triggered``, ``gep``): the function an API route calls. ``zones`` is a
    ``ZoneSet`` (``read_zones`` once at start-up) or a path."""
    zone_set = zones if isinstance(zones, ZoneSet) else read_zones(zones)
    frame = read_footprints_geojson(source)
    fp = project_footprints(
        frame,
        buffer_m=buffer_m,
        radius_m=radius_m,
        activity=activity,
        area_crs=zone_set.area_crs.crs,
        file="footprints.geojson",
    )
    result = screen(
        fp,
        zone_set,
        rules if rules is not None else read_rules(),
        accounts=accounts,
        habitat_quality=habitat_quality,
        rate=rate,
        horizon=horizon,
    )
    return json.loads(to_json(result))
