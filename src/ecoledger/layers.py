"""The catalogue of layers a region pack can supply: unit, physical bounds, data type.

The data type decides the resampling rule when a layer is aligned to the accounting grid:
categorical layers take the mode when the source is finer than the grid and the nearest value
otherwise; continuous fields take the area-weighted average when the source is finer and a
bilinear interpolation when it is coarser (so a coarse field is not blocky at grid resolution).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerKind:
    name: str
    unit: str
    minimum: float | None
    maximum: float | None
    categorical: bool
    description: str


def _kind(name, unit, lo, hi, description, categorical=False) -> LayerKind:
    return LayerKind(name, unit, lo, hi, categorical, description)


LAYERS: dict[str, LayerKind] = {
    k.name: k
    for k in [
        _kind("landcover", "class", None, None, "land-cover classes (see the crosswalk)", True),
        _kind("dem", "m", -500, 9000, "elevation above sea level"),
        _kind("precipitation", "mm/a", 0, 15000, "annual precipitation"),
        _kind("storm_precipitation", "mm/a", 0, 15000, "precipitation on heavy-rain days (≥ 50 mm)"),
        _kind("actual_et", "mm/a", 0, 3000, "actual evapotranspiration"),
        _kind("transpiration", "mm/a", 0, 3000, "vegetation transpiration"),
        _kind("water_evaporation", "mm/a", 0, 4000, "open-water surface evaporation"),
        _kind("temperature", "degC", -60, 50, "mean annual air temperature"),
        _kind("hot_days", "d/a", 0, 366, "days with daily maximum temperature > 26 °C"),
        _kind("npp", "gC/m2/a", 0, 4000, "net primary productivity"),
        _kind("heterotrophic_respiration", "gC/m2/a", 0, 4000, "soil heterotrophic respiration"),
        _kind("rainfall_erosivity", "MJ mm/(ha h a)", 0, 100000, "RUSLE R factor"),
        _kind("soil_erodibility", "t ha h/(ha MJ mm)", 0, 1, "RUSLE K factor (SI)"),
        _kind("cover_management", "1", 0, 1, "RUSLE C factor"),
        _kind("support_practice", "1", 0, 1, "RUSLE P factor"),
        _kind("ndvi", "1", -1, 1, "normalised difference vegetation index"),
        _kind("soil_bulk_density", "t/m3", 0.1, 2.65, "topsoil bulk density"),
        _kind("soil_nitrogen", "%", 0, 10, "topsoil total nitrogen, mass %"),
        _kind("soil_phosphorus", "%", 0, 10, "topsoil total phosphorus, mass %"),
        _kind("wind_weather_factor", "kg/m", 0, 10000, "RWEQ weather factor WF"),
        _kind("wind_erodible_fraction", "1", 0, 1, "RWEQ soil erodible fraction EF"),
        _kind("wind_crust_factor", "1", 0, 1, "RWEQ soil crust factor SCF"),
        _kind("wind_roughness_factor", "1", 0, 1, "RWEQ surface roughness factor K'"),
        _kind("wind_vegetation_factor", "1", 0, 1, "RWEQ vegetation factor C"),
    ]
}

_RUSLE = ("landcover", "dem", "rainfall_erosivity", "soil_erodibility", "cover_management",
          "support_practice")
_RWEQ = ("landcover", "wind_weather_factor", "wind_erodible_fraction", "wind_crust_factor",
         "wind_roughness_factor", "wind_vegetation_factor")

# Layers each raster-based item needs; an item whose layers are missing is reported missing.
ITEM_LAYERS: dict[str, tuple[str, ...]] = {
    "water_conservation": ("landcover", "precipitation", "actual_et"),
    "soil_retention_sediment": (*_RUSLE, "soil_bulk_density"),
    "soil_retention_nitrogen": (*_RUSLE, "soil_nitrogen"),
    "soil_retention_phosphorus": (*_RUSLE, "soil_phosphorus"),
    "flood_regulation_vegetation": ("landcover", "storm_precipitation"),
    "carbon_sequestration": ("landcover", "npp", "heterotrophic_respiration"),
    "oxygen_release": ("landcover", "npp", "heterotrophic_respiration"),
    "air_purification_so2": ("landcover",),
    "air_purification_nox": ("landcover",),
    "air_purification_dust": ("landcover",),
    "water_purification_cod": ("landcover",),
    "water_purification_ammonia_nitrogen": ("landcover",),
    "water_purification_total_phosphorus": ("landcover",),
    "climate_regulation_transpiration": ("landcover", "transpiration", "hot_days"),
    "climate_regulation_evaporation": ("landcover", "water_evaporation", "hot_days"),
    "pest_control": ("landcover",),
    "sand_fixation": _RWEQ,
}
