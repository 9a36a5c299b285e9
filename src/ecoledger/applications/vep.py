"""Value of ecosystem products of a site or project (VEP) from the account's per-cell maps.

The yearly flow of each service inside a polygon is Σ_cells v_c × f_c, where v_c is the cell's
value (``maps/<item>_value.tif`` of ``ecoledger account``, yuan per cell) and f_c the fraction of
the cell inside the polygon (exactextract, as the engine's zonal sums): the per-pixel values,
not a county average. Items accounted from statistics (material products, recreation) have no
per-cell map and are not part of a site's flow. The present value discounts the flow
(valuation.py) and the certificate carries the method, parameters, data vintage (the run's
run.json hashes) and a content hash (certificate.py).

When the account folder holds its Monte Carlo draws (``uncertainty/``, ``ecoledger account
--draws N``), the flow, the present value and each item get their median and 5–95 % interval:
each item's value inside the site × that item's region-wide ratio in every draw
(``intervals.site_flow``; the approximation is named in the certificate, ``intervals.SITE_METHOD``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from exactextract import exact_extract
from markupsafe import Markup

from ecoledger import messages, notes
from ecoledger.applications import certificate, intervals, parameters, valuation
from ecoledger.applications.errors import ApplicationError

SUFFIX = "_value.tif"
METHOD = messages.text("certificate.method", "en")  # the certificate keeps its English; pages translate
COLLATERAL_NOTE = messages.text("certificate.collateral_note", "en")

# why a valuation may not bear weight: note templates (ecoledger.notes), so that the English kept in
# a certificate reads in Chinese on the Chinese pages (``warning_text``)
messages.register({
    "vep_derived": ("{total} 项服务中有 {count} 项依赖推算（模型估算而非实测）的输入图层：{items}",
                    "{count} of {total} services rest on derived (modelled, not measured) input "
                    "layers: {items}"),
    "vep_coarse": ("价值图的栅格为 {cell} m（粗于 {coarse} m）：一个栅格跨越许多地块，地块的价值是其"
                   "所在栅格的平均值，而非对地块的实地调查",
                   "the value maps have {cell} m cells (coarser than {coarse} m): a cell spans many "
                   "parcels, so the site's value is an average over its cells, not a survey of the site"),
    "vep_few_cells": ("地块仅覆盖 {cells} 个栅格（少于 {min_cells} 个）：其价值只取决于少数粗栅格",
                      "the site covers {cells} cells (fewer than {min_cells}): its value rests on a few "
                      "coarse cells"),
    "vep_outside": ("地块的 {cells} 个栅格中有 {outside} 个在任何服务价值图中都没有值（位于核算区域之外"
                    "或缺失）：这部分不计价值",
                    "{outside} of the site's {cells} cells have a value in no service map (outside the "
                    "accounted region or missing): that part counts nothing"),
    "vep_differs": ("价值图由地区数据包计算；{items} 的区域合计与已发布的核算运行 {run} 不同（其统计数据"
                    "或参数不同），因此地块的服务流量以数据包为准，而非已发布的数字",
                    "the value maps were computed from the region pack; for {items} their regional "
                    "total differs from published run {run} (its statistics or parameters differ), so "
                    "the site's flow follows the pack, not the published figure"),
}, prefix=notes.PREFIX)


def warning_text(text: str, lang: str) -> str | Markup:
    """A certificate's warning in ``lang``: the Chinese of our own templates; any other text (a
    certificate of another version) as written, marked ``lang="en"`` on a Chinese page."""
    if lang == "en" or not text:
        return text
    zh = notes.part_zh(text)
    return zh if zh != text else Markup('<span lang="en">{}</span>').format(text)

MAX_FEATURES = 1000
MAX_POSITIONS = 100_000  # vertices in all, which also bounds the work of union and exactextract
MAX_RINGS = 10_000
GEOGRAPHIC_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "OGC:CRS84", "CRS84",
                    "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"}


def read_site(source: str | Path | dict, file: str = "site") -> gpd.GeoDataFrame:
    """One (multi)polygon from a GeoJSON file or mapping (CRS84 unless it names another).

    A mapping is checked whole first (``check_site``): structure, geometry types, coordinates
    (count, finite numbers, longitude/latitude range in CRS84), the ``crs`` member; every problem
    is an ApplicationError naming the file and the fix, never a server error.
    """
    crs = check_site(source, file) if isinstance(source, dict) else None
    try:
        frame = (gpd.read_file(source) if isinstance(source, str | Path)
                 else gpd.GeoDataFrame.from_features(_features(source), crs=crs or "EPSG:4326"))
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        if frame.empty or not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
            raise ApplicationError(file, "geometry", "no polygon found",
                                   "give a Polygon or MultiPolygon (a site's boundary)")
        if frame.crs is None:
            frame = frame.set_crs("EPSG:4326")
        geometry = frame.geometry.make_valid().union_all()
    except ApplicationError:
        raise
    except Exception as exc:  # shapely/GEOS, pyogrio: the file is not a usable polygon
        why = f"{type(exc).__name__}: {exc}"[:300]
        raise ApplicationError(file, "geometry", f"not readable as a polygon: {why}",
                               "upload a GeoJSON Feature, FeatureCollection, Polygon or MultiPolygon "
                               "with closed rings") from exc
    if geometry is None or geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ApplicationError(file, "geometry", "the polygons enclose no area",
                               "give a site boundary with an area (three or more distinct corners)")
    return gpd.GeoDataFrame({"site": [1]}, geometry=[geometry], crs=frame.crs)


def check_site(source: dict, file: str = "site") -> str:
    """Check a GeoJSON mapping before any library sees it; returns its CRS (``EPSG:4326`` or the
    one its ``crs`` member names). Raises ApplicationError with the first problem found."""

    def refuse(field: str, message: str, fix: str):
        raise ApplicationError(file, field, message, fix)

    if not isinstance(source, dict):
        refuse("GeoJSON", "not a GeoJSON object", "upload a GeoJSON Feature, FeatureCollection or Polygon")
    crs = _site_crs(source.get("crs"), refuse)
    kind = source.get("type")
    if kind == "FeatureCollection":
        features = source.get("features")
        if not isinstance(features, list) or not features:
            refuse("features", "a FeatureCollection needs a non-empty list of features",
                   "put the site's polygon(s) in \"features\"")
        if len(features) > MAX_FEATURES:
            refuse("features", f"{len(features)} features (at most {MAX_FEATURES})",
                   "dissolve the site into fewer polygons")
    elif kind == "Feature":
        features = [source]
    elif kind in ("Polygon", "MultiPolygon"):
        features = [{"type": "Feature", "geometry": source, "properties": {}}]
    else:
        refuse("type", f"GeoJSON type {str(kind)[:40]!r} is not a site boundary",
               "upload a Feature, FeatureCollection, Polygon or MultiPolygon")
    positions = 0
    for i, feature in enumerate(features, start=1):
        where = f"feature {i}" if kind == "FeatureCollection" else "geometry"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            refuse(where, "not a GeoJSON Feature", 'each feature needs "type": "Feature" and a geometry')
        if not isinstance(feature.get("properties", {}), dict | None):
            refuse(where, "properties must be an object or null", 'give "properties": {} or null')
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            refuse(where, "the feature has no geometry", "give the site's Polygon or MultiPolygon")
        positions += _check_geometry(geometry, where, crs == "EPSG:4326", refuse)
        if positions > MAX_POSITIONS:
            refuse(where, f"more than {MAX_POSITIONS} vertices", "simplify the boundary (e.g. to 1 m)")
    return crs


def _site_crs(member, refuse) -> str:
    """``EPSG:4326`` without a ``crs`` member (RFC 7946), else the CRS it names (GeoJSON 2008)."""
    if member is None:
        return "EPSG:4326"
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(member, dict) or member.get("type") != "name" or not isinstance(name, str) \
            or not 0 < len(name) <= 100:
        refuse("crs", "the crs member is not {\"type\": \"name\", \"properties\": {\"name\": …}}",
               "leave the crs member out (WGS84 longitude/latitude), or name an EPSG code")
    if name in GEOGRAPHIC_NAMES:
        return "EPSG:4326"
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(name)
    except (CRSError, ValueError, TypeError):
        refuse("crs", f"unknown coordinate reference system {name!r}",
               "leave the crs member out (WGS84 longitude/latitude), or name an EPSG code")
    if crs.to_epsg() == 4326 or crs.equals(CRS("OGC:CRS84"), ignore_axis_order=True):
        return "EPSG:4326"
    if not crs.is_projected:
        refuse("crs", f"{name!r} is neither WGS84 nor a projected system",
               "give longitude/latitude in WGS84, or metres in a projected EPSG system")
    return crs.to_wkt()


def _check_geometry(geometry: dict, where: str, lonlat: bool, refuse) -> int:
    """The number of positions of a Polygon or MultiPolygon, checked."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        refuse(where, f"geometry type {str(kind)[:40]!r} is not a polygon",
               "give a Polygon or MultiPolygon (a site's boundary)")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        refuse(where, f"a {kind} needs a non-empty list of coordinates", "see RFC 7946 §3.1.6–3.1.7")
    count, rings = 0, 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            refuse(where, "a polygon needs a list of rings (an outer ring, then any holes)",
                   "see RFC 7946 §3.1.6")
        for ring in polygon:
            rings += 1
            if rings > MAX_RINGS:
                refuse(where, f"more than {MAX_RINGS} rings", "simplify the site")
            if not isinstance(ring, list) or len(ring) < 4:
                refuse(where, "a ring needs at least 4 positions (3 corners and the first again)",
                       "close each ring: its last position repeats the first")
            count += len(ring)
            if count > MAX_POSITIONS:
                refuse(where, f"more than {MAX_POSITIONS} vertices", "simplify the boundary (e.g. to 1 m)")
            for position in ring:
                _check_position(position, where, lonlat, refuse)
            if ring[0][:2] != ring[-1][:2]:
                refuse(where, "a ring is not closed (its last position differs from its first)",
                       "repeat the first position at the end of each ring")
    return count


def _check_position(position, where: str, lonlat: bool, refuse) -> None:
    if not isinstance(position, list) or not 2 <= len(position) <= 3 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in position):
        refuse(where, "a position must be [x, y] or [x, y, z] numbers", "give [longitude, latitude]")
    if not all(abs(v) < 1e12 and np.isfinite(float(v)) for v in position):  # int too large: OverflowError
        refuse(where, "a coordinate is not a finite number", "give finite numbers")
    if lonlat and not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
        refuse(where, f"position {position[:2]} is outside longitude −180…180, latitude −90…90",
               "give WGS84 longitude, latitude (in that order)")


def _features(source: dict) -> list[dict]:
    if source.get("type") == "FeatureCollection":
        return source["features"]
    if source.get("type") == "Feature":
        return [source]
    return [{"type": "Feature", "geometry": source, "properties": {}}]


def value_maps(maps_dir: Path) -> dict[str, Path]:
    """item → its value map in ``maps_dir``."""
    found = {p.name[: -len(SUFFIX)]: p for p in sorted(Path(maps_dir).glob(f"*{SUFFIX}"))}
    if not found:
        raise ApplicationError(maps_dir, "maps/*_value.tif", "no value maps",
                               "account the year with maps on (`ecoledger account PACK --year Y --out DIR`, "
                               "the default) and give that output folder")
    return found


def site_flows(maps_dir: Path, site: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per item: yearly value inside the site (yuan), covered cells (Σ coverage of cells with a
    value), cells of the site without a value, and the cell size (m)."""
    rows = []
    for item, path in value_maps(maps_dir).items():
        with rasterio.open(path) as src:
            crs, cell = src.crs, abs(src.transform.a)
            cell_area = abs(src.transform.a * src.transform.e)
        local = site.to_crs(crs)
        stats = exact_extract(str(path), local, ["sum", "count"], output="pandas")
        site_cells = float(local.geometry.area.iloc[0] / cell_area)
        covered = float(stats["count"].iloc[0])
        rows.append({"item": item, "value_yuan": float(stats["sum"].iloc[0]) if covered > 0 else np.nan,
                     "covered_cells": covered, "cells_without_value": max(0.0, site_cells - covered),
                     "site_cells": site_cells, "cell_size_m": cell})
    return pd.DataFrame(rows)


def _run_record(run_dir: Path) -> tuple[dict, pd.DataFrame | None]:
    run_json = run_dir / "run.json"
    if not run_json.is_file():
        raise ApplicationError(run_dir, "run.json", "no run.json next to the maps",
                               "give the whole output folder of `ecoledger account`")
    record = json.loads(run_json.read_text(encoding="utf-8"))
    accounts = run_dir / "accounts.csv"
    rows = pd.read_csv(accounts, dtype={"adcode": str}) if accounts.is_file() else None
    return record, rows


def item_status(rows: pd.DataFrame | None) -> dict[str, str]:
    """item → data_status of the region's total row (measured, derived, …)."""
    if rows is None:
        return {}
    totals = rows[rows["ecosystem"] == "all"]
    top = totals[totals["level"] == totals["level"].iloc[0]]
    return dict(zip(top["item"], top["data_status"], strict=False))


def warnings(flows: pd.DataFrame, status: dict[str, str]) -> list[str]:
    """Why a valuation may not bear weight: derived or coarse inputs, cells without values."""
    coarse = parameters.value("param:vep_coarse_cell_m")
    min_cells = parameters.value("param:vep_min_cells")
    out = []
    derived = [i for i in flows["item"] if status.get(i) == "derived"]
    if derived:
        out.append(notes.note("vep_derived", count=len(derived), total=len(flows), items=", ".join(derived)))
    cell = float(flows["cell_size_m"].max())
    if cell > coarse:
        out.append(notes.note("vep_coarse", cell=f"{cell:g}", coarse=f"{coarse:g}"))
    site_cells = float(flows["site_cells"].max())
    if site_cells < min_cells:
        out.append(notes.note("vep_few_cells", cells=f"{site_cells:.2f}", min_cells=f"{min_cells:g}"))
    # a map is empty where its service does not occur (evaporation off water): only cells with no
    # value in any map lie outside the accounted region
    outside = site_cells - float(flows["covered_cells"].max())
    if outside > 1e-6:
        out.append(notes.note("vep_outside", outside=f"{outside:.2f}", cells=f"{site_cells:.2f}"))
    return out


def certify(run_dir: str | Path, site: gpd.GeoDataFrame, name: str, rate: float, horizon: int,
            rates: list[float], horizons: list[int], issued_by: str = "ecoledger",
            issued_at: str | None = None, published: dict | None = None) -> dict:
    """The sealed VEP certificate (a dict) of ``site`` on the account in ``run_dir``.

    ``published`` (platform): the published run the valuation stands for (id, year, parameter
    version) and, per item, its regional value; an item whose map total differs from it is warned.
    """
    run_dir = Path(run_dir)
    record, rows = _run_record(run_dir)
    flows = site_flows(run_dir / "maps", site)
    if not (flows["covered_cells"] > 0).any():
        raise ApplicationError("site", "geometry",
                               "the site lies outside the accounted region (no value-map cell inside it)",
                               "give a polygon inside the region, in WGS84 longitude/latitude")
    status = item_status(rows)
    flows["data_status"] = [status.get(i, "unknown") for i in flows["item"]]
    annual = float(flows["value_yuan"].sum())
    drawn = site_draws(run_dir, flows)
    table = valuation.sensitivity(annual, rates, horizons)
    equal_area = site.to_crs(record["grid"]["crs"]) if record.get("grid") else site
    maps = {k: v for k, v in record.get("outputs", {}).items()
            if k.startswith("maps/") and k.endswith(SUFFIX)}
    cert = {
        "format": certificate.FORMAT,
        "issued_at": issued_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "issued_by": issued_by,
        "site": {"name": name, "area_km2": float(equal_area.geometry.area.iloc[0] / 1e6),
                 "geometry_crs84": json.loads(gpd.GeoSeries(site.geometry, crs=site.crs)
                                              .to_crs("EPSG:4326").to_json())["features"][0]["geometry"]},
        "method": {"text": METHOD, "collateral_note": COLLATERAL_NOTE, "coverage": "exactextract fractional"},
        "parameters": {"discount_rate": rate, "horizon_years": horizon,
                       "policy_table_version": parameters.version()},
        "flows": [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
                  for row in flows.to_dict("records")],
        "annual_flow_yuan": annual,
        "present_value_yuan": valuation.present_value(annual, rate, horizon),
        "sensitivity": {"rates": list(rates), "horizons": list(horizons),
                        "rows": [{"rate": r, "values": [float(v) for v in table.loc[r]]} for r in rates]},
        "warnings": warnings(flows, status) + _differences(run_dir, rows, published),
        "data_vintage": {k: record.get(k) for k in ("region", "year", "profile", "parameter_table_version",
                                                    "code_version", "price_year")}
        | {"inputs_sha256": record.get("inputs", {}), "maps_sha256": maps},
    }
    if drawn is not None:
        total, meta = drawn
        present = valuation.present_value(total, rate, horizon)
        cert["uncertainty"] = {**meta, "annual_flow_yuan": intervals.summary(total),
                               "present_value_yuan": intervals.summary(present)}
    if published is not None:
        cert["published_run"] = {k: v for k, v in published.items() if k != "item_values"}
    return certificate.seal(cert)


def site_draws(run_dir: Path, flows: pd.DataFrame) -> tuple[np.ndarray, dict] | None:
    """The site's yearly flow in every draw of the account (yuan) and the record of how, each
    item's median and interval added to ``flows`` (``median_yuan``, ``p05_yuan``, ``p95_yuan``);
    None when the account has no draws."""
    found = intervals.read_ratios(run_dir)
    if found is None:
        return None
    ratios, meta = found
    total, per_item, fixed = intervals.site_flow(flows, ratios)
    for statistic, values in intervals.quantiles(per_item.T).items():
        flows[f"{statistic}_yuan"] = values
    return total, {"draws": len(ratios), "quantiles": list(intervals.QUANTILES),
                   "method": intervals.SITE_METHOD, "fixed_items": fixed,
                   **{k: v for k, v in meta.items() if k != "draws"}}


def _differences(run_dir: Path, rows: pd.DataFrame | None, published: dict | None) -> list[str]:
    """Items whose regional value in the maps' account differs from the published run's."""
    if published is None or rows is None:
        return []
    top = rows[(rows["ecosystem"] == "all") & (rows["level"] == rows["level"].iloc[0])]
    ours = dict(zip(top["item"], top["value_yuan"], strict=False))
    differing = [item for item in value_maps(run_dir / "maps")
                 if not np.isclose(ours.get(item, np.nan), published["item_values"].get(item, np.nan),
                                   rtol=1e-6, equal_nan=True)]
    if not differing:
        return []
    return [notes.note("vep_differs", items=", ".join(differing), run=published.get("run_id"))]


def write(cert: dict, out: Path) -> dict:
    """certificate.json, the printable certificate in Chinese (certificate.html) and English
    (certificate.en.html), and (with chromium) certificate.pdf of the Chinese one in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    certificate.write_json(cert, out / "certificate.json")
    pages = certificate.write_html(cert, out)
    skipped = certificate.write_pdf(pages["zh"], out / "certificate.pdf")
    return {"json": out / "certificate.json", "html": pages["zh"], "html_en": pages["en"],
            "pdf": None if skipped else out / "certificate.pdf", "pdf_skipped": skipped}


def damage_case(run_dir: str | Path, site: gpd.GeoDataFrame, damaged_fraction: float, recovery_years: int,
                rate: float, restoration_cost: float, other_costs: float = 0.0) -> dict:
    """Damage compensation of a damaged area (carbon-and-policy-methods.md §7.2): its yearly
    service flow from the value maps, the discounted interim loss under linear recovery
    (valuation.damage) and the restoration and other costs, with the valuation's warnings."""
    run_dir = Path(run_dir)
    _, rows = _run_record(run_dir)
    flows = site_flows(run_dir / "maps", site)
    flow = float(flows["value_yuan"].sum())
    case = valuation.damage(flow, damaged_fraction, recovery_years, rate, restoration_cost, other_costs)
    out = {"annual_flow_yuan": flow, "damaged_fraction": damaged_fraction, "recovery_years": recovery_years,
           "recovery_curve": "linear: the lost fraction falls from d at the damage to 0 after R years",
           "discount_rate": rate, **case, "warnings": warnings(flows, item_status(rows)),
           "method": ("total = restoration cost + other costs "
                      "+ Σ_t F·d·(1 − (t − ½)/R) / (1 + r)^t, t = 1..R")}
    drawn = site_draws(run_dir, flows)
    if drawn is not None:  # the interim loss is proportional to the flow; the costs are fixed
        total, meta = drawn
        interim = total * valuation.damage(1.0, damaged_fraction, recovery_years, rate,
                                           0.0)["interim_loss_discounted_yuan"]
        out["uncertainty"] = {**meta, "annual_flow_yuan": intervals.summary(total),
                              "interim_loss_discounted_yuan": intervals.summary(interim),
                              "total_yuan": intervals.summary(interim + restoration_cost + other_costs)}
    return out
