"""GeoTIFF-in/GeoTIFF-out runs of GEP quantities, fast and fused (InVEST-comparable).

* ``soil_retention``: InVEST SDR's flow accumulation, LS, RKLS and avoided erosion
  (RKLS·(1 − C·P)), D8 or MFD routing via ``ecoledger.terrain``.
* ``water_yield``: InVEST Annual Water Yield per cell (mm, m³) and AET.
* ``carbon_stock``: InVEST Carbon baseline storage per cell (Mg C).

Each reads its inputs whole (they must share one grid: ``GridMismatchError`` otherwise),
computes in compiled parallel passes without intermediate files, writes float32 GeoTIFFs and
returns ``{"outputs": {name: path}, "timings_s": {step: s}, "watershed_sums": {name: {id: sum}},
"watershed_cells": {name: {id: valid cells}}}``.
"""

from ecoledger.pipeline.carbon_stock import carbon_stock
from ecoledger.pipeline.rasters import GridMismatchError, PipelineError
from ecoledger.pipeline.soil_retention import soil_retention
from ecoledger.pipeline.water_yield import water_yield

__all__ = ["GridMismatchError", "PipelineError", "carbon_stock", "soil_retention", "water_yield"]
