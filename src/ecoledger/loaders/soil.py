"""HWSD-style soil maps (a raster of mapping-unit ids plus an attribute table of soil components)
converted to the ``soil_erodibility`` layer (RUSLE K, t·ha·h·ha⁻¹·MJ⁻¹·mm⁻¹).

The attribute table is the HWSD v1.2 ``HWSD_DATA`` table exported to CSV (FAO/IIASA/ISRIC/ISSCAS/
JRC 2012, Harmonized World Soil Database v1.2; its China part is the 1:1 000 000 soil map of the
Second National Soil Survey from ISSCAS): one row per soil component of a mapping unit with
``MU_GLOBAL`` (the raster value), ``SHARE`` (% of the unit), topsoil ``T_SAND``, ``T_SILT``,
``T_CLAY`` (% weight) and ``T_OC`` (organic carbon, % weight).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import rasterio

from ecoledger.loaders.common import LoaderError, require_crs, write_geotiff

COLUMNS = ("MU_GLOBAL", "SHARE", "T_SAND", "T_SILT", "T_CLAY", "T_OC")
US_TO_SI = 0.1317  # short ton·acre·h/(hundreds of acre·ft·tonf·in) → t·ha·h/(ha·MJ·mm)


def epic_k(sand, silt, clay, organic_carbon, china_correction: bool = True):
    """RUSLE K (SI, t·ha·h·ha⁻¹·MJ⁻¹·mm⁻¹) from topsoil texture and organic carbon, all in % weight.

    EPIC (Williams J.R. 1990, "The erosion-productivity impact calculator (EPIC) model: a case
    history", Phil. Trans. R. Soc. Lond. B 329: 421–428), in US customary units:
    K_EPIC = {0.2 + 0.3·exp[−0.0256·SAN·(1 − SIL/100)]}·[SIL/(CLA + SIL)]^0.3
             ·{1 − 0.25·C/[C + exp(3.72 − 2.95·C)]}·{1 − 0.7·SN1/[SN1 + exp(−5.51 + 22.9·SN1)]},
    SN1 = 1 − SAN/100, then × 0.1317 to SI.

    ``china_correction`` applies K = −0.01383 + 0.51575·K_EPIC (Zhang Keli, Peng Wenying, Yang
    Hongli 2007, 土壤学报 44(1): 7–13, "中国土壤可蚀性值及其估算"), to K_EPIC in US units before the
    conversion to SI, as the correction is usually quoted (K = (−0.01383 + 0.51575·K_EPIC)·0.1317);
    this roughly halves K_EPIC, in line with measured Chinese K being 2–3 times below US values.
    The coefficients are "memory" confidence (jiangxi-parameters.md §2): not re-read from the
    original. Texture with no silt and no clay (pure sand) gives NaN.
    """
    sand, silt, clay, c = (np.asarray(v, dtype="float64") for v in (sand, silt, clay, organic_carbon))
    sn1 = 1.0 - sand / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        k = ((0.2 + 0.3 * np.exp(-0.0256 * sand * (1.0 - silt / 100.0)))
             * (silt / (clay + silt)) ** 0.3
             * (1.0 - 0.25 * c / (c + np.exp(3.72 - 2.95 * c)))
             * (1.0 - 0.7 * sn1 / (sn1 + np.exp(-5.51 + 22.9 * sn1))))
    if china_correction:
        k = -0.01383 + 0.51575 * k
    return k * US_TO_SI


def soil_erodibility_from_hwsd(raster_path: str | Path, attributes_csv: str | Path,
                               out_path: str | Path, china_correction: bool = True) -> Path:
    """K per mapping unit, written as the ``soil_erodibility`` layer GeoTIFF at ``out_path``.

    K of each soil component by ``epic_k``; the unit's K is the SHARE-weighted mean over its
    components that have texture and organic carbon (rock, water and urban components of HWSD
    have none and are left out of the weights). A unit with no such component, and the raster's
    nodata, become nodata. Every other raster value must be a MU_GLOBAL of the table.
    """
    table = pd.read_csv(attributes_csv)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise LoaderError(attributes_csv, ", ".join(missing), "columns missing",
                          f"export the HWSD_DATA table with the columns {', '.join(COLUMNS)}")
    soil = table[list(COLUMNS)].apply(pd.to_numeric, errors="coerce")
    for column in ("T_SAND", "T_SILT", "T_CLAY", "T_OC"):
        bad = soil.index[(soil[column] < 0) | (soil[column] > 100)]
        if len(bad):
            raise LoaderError(attributes_csv, f"{column} (row {bad[0] + 2})",
                              f"{soil.at[bad[0], column]} is not a percentage",
                              "give texture and organic carbon in % weight (0–100)")
    soil["K"] = epic_k(soil["T_SAND"], soil["T_SILT"], soil["T_CLAY"], soil["T_OC"],
                       china_correction)
    soil = soil[np.isfinite(soil["K"]) & (soil["SHARE"] > 0)]
    weighted = (soil["K"] * soil["SHARE"]).groupby(soil["MU_GLOBAL"]).sum()
    unit_k = weighted / soil.groupby("MU_GLOBAL")["SHARE"].sum()

    with rasterio.open(raster_path) as src:
        crs = require_crs(src, "assign the CRS (HWSD v1.2 is EPSG:4326: gdal_edit.py -a_srs EPSG:4326)")
        ids = src.read(1)
        mapped = src.read_masks(1) > 0
        units, cells = np.unique(ids[mapped], return_inverse=True)
        unknown = sorted(set(units.tolist()) - set(table["MU_GLOBAL"].tolist()))
        if unknown:
            raise LoaderError(raster_path, "MU_GLOBAL", f"mapping units {unknown[:5]} of the raster "
                              f"are not in {attributes_csv}", "use the attribute table of the same "
                              "HWSD version, or set the raster's nodata (gdal_edit.py -a_nodata)")
        k = np.full(ids.shape, np.nan)
        k[mapped] = unit_k.reindex(units).to_numpy()[cells]
        return write_geotiff(out_path, k, src.transform, crs)
