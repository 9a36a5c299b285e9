"""Compiled terrain kernels for GEP soil retention (RUSLE), matching InVEST 3.20 SDR.

Pure functions on 2-D numpy arrays; float rasters use **NaN for nodata**.

* ``fill_depressions`` → ``flow_direction_d8`` / ``flow_direction_mfd`` →
  ``flow_accumulation_d8`` / ``flow_accumulation_mfd`` (module ``routing``): pygeoprocessing
  2.4.11's routing, reproduced cell for cell.
* ``slope_percent``, ``ls_factor_desmet_govers``, ``ls_factor_rusle_china`` (module
  ``factors``): local algebra, parallel over rows.

Rasters larger than memory: every kernel takes ``np.memmap`` inputs and an optional ``out=``
array, which may be an ``np.memmap`` too, so inputs and results can stay on disk. The local
kernels (slope, LS) can also be run tile by tile with ``map_tiles`` (1-cell halo for slope, none
for LS), giving exactly the untiled result. The routing kernels are global (one drop of water
can cross the whole grid); they work on the whole grid at once and keep their working arrays
(about 10–30 bytes per cell; MFD direction needs the most) in memory.

See docs/invest-comparison.md for the measured agreement with InVEST.
"""

from ecoledger.terrain.factors import (
    ls_factor_desmet_govers,
    ls_factor_rusle_china,
    map_tiles,
    slope_percent,
)
from ecoledger.terrain.routing import (
    D8_NODATA,
    fill_depressions,
    flow_accumulation_d8,
    flow_accumulation_mfd,
    flow_direction_d8,
    flow_direction_mfd,
)

__all__ = [
    "D8_NODATA",
    "fill_depressions",
    "flow_accumulation_d8",
    "flow_accumulation_mfd",
    "flow_direction_d8",
    "flow_direction_mfd",
    "ls_factor_desmet_govers",
    "ls_factor_rusle_china",
    "map_tiles",
    "slope_percent",
]
