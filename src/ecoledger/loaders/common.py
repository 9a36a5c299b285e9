"""What every loader shares: its error type and the one way a layer GeoTIFF is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine

from ecoledger.errors import EcoledgerError

NODATA = -9999.0

PROFILE = {
    "driver": "GTiff",
    "dtype": "float32",
    "count": 1,
    "nodata": NODATA,
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
    "compress": "deflate",
    "predictor": 3,
}


class LoaderError(EcoledgerError):
    """A product file cannot be converted: names the file, the field and the fix."""

    def __init__(self, file: str | Path, field: str, message: str, fix: str):
        self.file, self.field, self.fix = str(file), field, fix
        super().__init__(f"{file} · {field}: {message} → fix: {fix}")


def write_geotiff(path: str | Path, values: np.ndarray, transform: Affine, crs: CRS | str) -> Path:
    """Write one layer as a float32, deflate-compressed, tiled GeoTIFF; NaN becomes nodata −9999."""
    path = Path(path)
    values = np.where(np.isfinite(values), values, NODATA).astype("float32")
    rows, cols = values.shape
    with rasterio.open(path, "w", height=rows, width=cols, transform=transform, crs=crs,
                       **PROFILE) as dst:
        dst.write(values, 1)
    return path


def require_crs(src: rasterio.DatasetReader, fix: str) -> CRS:
    """The CRS of an open raster, or a LoaderError naming the file and ``fix``."""
    if src.crs is None:
        raise LoaderError(src.name, "crs", "the raster has no CRS", fix)
    return src.crs
