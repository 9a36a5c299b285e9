"""Loaders: standard data products a province office holds, converted into region-pack inputs.

Each loader is a pure function from product files to one pack input: a layer GeoTIFF (float32,
nodata −9999, CRS set, deflate-compressed, tiled, in the layer's unit of ``ecoledger.layers``)
or a land-cover crosswalk CSV. One module per product family:

- ``landcover``: CLCD, ESA WorldCover and MODIS IGBP crosswalks to the GEP ecosystem types;
- ``dem``: DEM tiles mosaicked into ``dem`` (m);
- ``precipitation``: monthly NetCDF (CMFD, China 1 km) summed into ``precipitation`` (mm/a);
- ``modis``: MOD16A3 ET → ``actual_et`` (mm/a), MOD17A3 NPP → ``npp`` (gC/m²/a);
- ``soil``: HWSD mapping units and attributes → ``soil_erodibility`` (EPIC K, SI).

Errors are ``LoaderError`` (an ``EcoledgerError``) naming the file, the field and the fix.
"""

from ecoledger.loaders.common import NODATA, LoaderError, write_geotiff
from ecoledger.loaders.dem import mosaic_dem
from ecoledger.loaders.landcover import PRODUCTS, crosswalk, write_crosswalk
from ecoledger.loaders.modis import modis_product
from ecoledger.loaders.precipitation import annual_precipitation
from ecoledger.loaders.soil import epic_k, soil_erodibility_from_hwsd

__all__ = [
    "NODATA",
    "PRODUCTS",
    "LoaderError",
    "annual_precipitation",
    "crosswalk",
    "epic_k",
    "modis_product",
    "mosaic_dem",
    "soil_erodibility_from_hwsd",
    "write_crosswalk",
    "write_geotiff",
]
