"""MODIS annual ET (MOD16A3) and NPP (MOD17A3) GeoTIFFs converted to the ``actual_et`` (mm/a)
and ``npp`` (gC/m²/a) layers.

The files hold the products' stored 16-bit integers, as exported from the HDF-EOS layers (e.g.
``gdal_translate`` of the ``ET_500m`` or ``Npp_500m`` subdataset, or an AppEEARS GeoTIFF), in
the sinusoidal or any other CRS. Scale factors and fill codes follow the user guides:

- MOD16A3 (Running S.W., Mu Q., Zhao M., Moreno A. 2019, *MODIS Global Terrestrial
  Evapotranspiration (ET) Product (MOD16A2/A3 and MOD16A2GF/A3GF) User's Guide, Collection 6*):
  ``ET_500m`` in kg/m²/a (= mm/a) with scale factor 0.1, so a stored 7500 is 750 mm/a.
- MOD17A3 (Running S.W., Zhao M. 2015/2021, *User's Guide Daily GPP and Annual NPP (MOD17A2H/
  A3H) and Year-end Gap-Filled (MOD17A2HGF/A3HGF) Products, Collection 6/6.1*): ``Npp_500m`` in
  kgC/m²/a with scale factor 0.0001, so a stored 8000 is 0.8 kgC/m²/a = 800 gC/m²/a.

Both guides reserve the top seven int16 codes for non-vegetated or unprocessed pixels: 32761
unclassified, 32762 urban, 32763 permanent wetland, 32764 snow/ice, 32765 barren, 32766 water,
32767 fill. A uint16 file has its top seven codes, 65529–65535, masked the same way (the
unsigned convention of MODIS land layers, not re-read in these guides). Those pixels, and the
file's own nodata value, become nodata.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio

from ecoledger.loaders.common import LoaderError, require_crs, write_geotiff


@dataclass(frozen=True)
class Product:
    scale: float  # stored integer → product unit
    to_layer: float  # product unit → layer unit


PRODUCTS: dict[str, Product] = {
    "mod16a3_et": Product(0.1, 1.0),  # kg/m²/a = mm/a: the actual_et layer
    "mod17a3_npp": Product(0.0001, 1000.0),  # kgC/m²/a → gC/m²/a: the npp layer
}

FIRST_FILL_CODE = {"int16": 32761, "uint16": 65529}


def modis_product(path: str | Path, product: str, out_path: str | Path) -> Path:
    """Convert a stored-integer MOD16A3 ET or MOD17A3 NPP GeoTIFF to its layer at ``out_path``.

    ``product`` is ``mod16a3_et`` (→ ``actual_et``, mm/a) or ``mod17a3_npp`` (→ ``npp``,
    gC/m²/a). A scale factor declared in the file must be 1 (none) or the guide's.
    """
    if product not in PRODUCTS:
        raise LoaderError(path, "product", f"unknown MODIS product {product!r}",
                          f"use one of {', '.join(PRODUCTS)}")
    spec = PRODUCTS[product]
    with rasterio.open(path) as src:
        crs = require_crs(src, "assign the MODIS sinusoidal CRS (gdal_edit.py -a_srs '+proj=sinu "
                               "+R=6371007.181 +nadgrids=@null +wktext')")
        dtype = src.dtypes[0]
        if dtype not in FIRST_FILL_CODE:
            raise LoaderError(path, "dtype", f"{dtype}, not the product's stored int16/uint16 values",
                              "export the HDF layer without unscaling (gdal_translate keeps int16)")
        scale, offset = src.scales[0], src.offsets[0]
        if offset != 0 or not any(np.isclose(scale, s) for s in (1.0, spec.scale)):
            raise LoaderError(path, "scale", f"the file declares scale {scale} and offset {offset}; "
                              f"{product} is stored with scale {spec.scale}",
                              f"check that the file is {product}")
        stored = src.read(1).astype("float64")
        invalid = stored >= FIRST_FILL_CODE[dtype]
        if src.nodata is not None:
            invalid |= stored == src.nodata
        values = np.where(invalid, np.nan, stored * spec.scale * spec.to_layer)
        return write_geotiff(out_path, values, src.transform, crs)
