"""A hillshade PNG for the web map, made once from the region pack's DEM.

Horn's slope and aspect (the formula of ``gdaldem hillshade``), sun azimuth 315°, altitude 45°,
on the DEM reprojected to EPSG:4326 so Leaflet can lay it under the boundaries as an image
overlay; grey with transparency, transparent outside the region's units and where there is no
data. Cached in the platform's data folder (keyed by the DEM's modification time and size), built
once: concurrent first requests wait on one lock, the image is written under a unique temporary
name and renamed into place (``artefacts.build_once``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np


def shade(elevation: np.ndarray, dx: float, dy: float, azimuth: float = 315.0,
          altitude: float = 45.0) -> np.ndarray:
    """Hillshade in [0, 1] of ``elevation`` (m) with cell sizes ``dx``, ``dy`` (m)."""
    z = np.pad(elevation, 1, mode="edge")
    east = z[:-2, 2:] + 2 * z[1:-1, 2:] + z[2:, 2:]
    west = z[:-2, :-2] + 2 * z[1:-1, :-2] + z[2:, :-2]
    south = z[2:, :-2] + 2 * z[2:, 1:-1] + z[2:, 2:]
    north = z[:-2, :-2] + 2 * z[:-2, 1:-1] + z[:-2, 2:]
    dzdx, dzdy = (east - west) / (8 * dx), (south - north) / (8 * dy)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(dzdy, -dzdx)
    zenith, sun = np.radians(90.0 - altitude), np.radians(360.0 - azimuth + 90.0)
    value = np.cos(zenith) * np.cos(slope) + np.sin(zenith) * np.sin(slope) * np.cos(sun - aspect)
    return np.clip(value, 0.0, 1.0)


def hillshade_png(pack: Path | None, data_dir: Path) -> tuple[Path, list[list[float]]] | None:
    """(PNG path, [[south, west], [north, east]]) or None when the pack has no DEM file."""
    if pack is None:
        return None
    from ecoledger.pack.manifest import load_pack

    loaded = load_pack(pack)
    layers = loaded.layers_for(loaded.years[-1]) if loaded.years else loaded.manifest.layers
    spec = layers.get("dem")  # the newest year's DEM (packs may give one per year)
    if spec is None or spec.file is None:
        return None
    dem = loaded.path(spec.file)
    stat = dem.stat()
    key = (str(dem), stat.st_mtime_ns, stat.st_size, str(data_dir), str(pack))
    with _lock:  # concurrent first requests: one renders, the others wait for its answer
        if key not in _rendered:
            _rendered[key] = _render(*key)
        return _rendered[key]


_lock = threading.Lock()
_rendered: dict[tuple, tuple[Path, list[list[float]]]] = {}


def _render(dem: str, mtime: int, size: int, data_dir: str, pack: str) -> tuple[Path, list[list[float]]]:
    import matplotlib.image
    import rasterio
    from rasterio.features import geometry_mask
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from ecoledger.pack.manifest import load_pack
    from ecoledger.platform.artefacts import build_once
    from ecoledger.zonal import Units

    out = Path(data_dir) / f"hillshade-{mtime}-{size}.png"
    with rasterio.open(dem) as src:
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:4326", src.width, src.height, *src.bounds)
        target = np.full((height, width), np.nan, dtype="float64")
        reproject(rasterio.band(src, 1), target, dst_transform=transform, dst_crs="EPSG:4326",
                  dst_nodata=np.nan, resampling=Resampling.bilinear)
    west, north = transform.c, transform.f
    east, south = west + transform.a * width, north + transform.e * height
    metres = 111_320.0  # per degree of latitude; longitude scaled by cos(latitude)
    dy = abs(transform.e) * metres
    dx = transform.a * metres * np.cos(np.radians((north + south) / 2))
    light = shade(np.nan_to_num(target, nan=float(np.nanmean(target))), dx, dy)
    loaded = load_pack(pack)
    units = Units.read(loaded.path(loaded.manifest.units.file), loaded.manifest.units, loaded.region.crs)
    outside = geometry_mask(units.table.to_crs("EPSG:4326").geometry, (height, width), transform)
    rgba = np.zeros((height, width, 4), dtype="float64")
    rgba[..., :3] = light[..., None]
    rgba[..., 3] = np.where(np.isnan(target) | outside, 0.0, 0.45 * (1.0 - light) + 0.1)
    build_once(out, lambda staging: matplotlib.image.imsave(staging, rgba, format="png"))
    return out, [[south, west], [north, east]]
