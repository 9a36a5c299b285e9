"""DEM tiles (SRTM, ASTER GDEM, Copernicus GLO-30/90, …) mosaicked into the ``dem`` layer (m)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import rasterio
from rasterio.merge import merge

from ecoledger.loaders.common import LoaderError, require_crs, write_geotiff


def mosaic_dem(tiles: Sequence[str | Path], out_path: str | Path,
               bounds: tuple[float, float, float, float] | None = None) -> Path:
    """Mosaic DEM tiles (GeoTIFF, elevation in m) into one ``dem`` layer GeoTIFF at ``out_path``.

    All tiles must share one CRS, data type and resolution and declare their nodata value (SRTM
    voids, sea); the mosaic is cropped to ``bounds`` = (left, bottom, right, top) in the tiles'
    CRS if given. Where tiles overlap the first one listed wins (``rasterio.merge.merge``).
    """
    if not tiles:
        raise LoaderError("-", "tiles", "no DEM tiles given", "pass the paths of the tile GeoTIFFs")
    with ExitStack() as stack:
        sources = [stack.enter_context(rasterio.open(tile)) for tile in tiles]
        first = sources[0]
        require_crs(first, "assign the tile's CRS (e.g. gdal_edit.py -a_srs EPSG:4326)")
        for src in sources:
            if src.nodata is None:
                raise LoaderError(src.name, "nodata", "the tile declares no nodata value",
                                  "set it (e.g. gdal_edit.py -a_nodata -32768 for SRTM voids)")
            for field, value, expected in (("crs", src.crs, first.crs),
                                           ("dtype", src.dtypes[0], first.dtypes[0]),
                                           ("resolution", src.res, first.res)):
                if value != expected:
                    raise LoaderError(src.name, field, f"{value} differs from {expected} in "
                                      f"{first.name}", "mosaic tiles of one product and version only, "
                                      "or warp them to one grid first (gdalwarp)")
        elevation, transform = merge(sources, bounds=bounds, nodata=np.nan, dtype="float32")
        return write_geotiff(out_path, elevation[0], transform, first.crs)
