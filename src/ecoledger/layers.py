"""The catalogue of layers a region pack can supply: unit, physical bounds, data type.

The data type decides the resampling rule when a layer is aligned to the accounting grid:
categorical layers take the mode when the source is finer than the grid and the nearest value
otherwise; continuous fields take the area-weighted average when the source is finer and a
bilinear interpolation when it is coarser (so a coarse field is not blocky at grid resolution).

Bounds come in two kinds, both in the layer's catalogue unit:

- **hard bounds** (``minimum``, ``maximum``): a pixel outside them is physically impossible (e.g.
  annual precipitation above the world record), so ``validate`` refuses the layer;
- **plausible bounds** (``plausible_min``, ``plausible_max``) for the *median* of the layer over
  the region: a median outside them means the whole layer is most likely in another unit. The
  ``slips`` say which: each is a conversion (value × scale + offset) and the unit mistake it
  undoes; ``validate`` names every slip that brings the median inside the plausible bounds and
  every pixel inside the hard bounds ("values look like metres; expected mm/a — multiply by
  1000"). A slip marked ``definite`` is refused (no region on Earth has that median in the
  catalogue unit); the others are warnings, which the accounts carry in the notes of the items
  that use the layer.

``basis`` cites the reasoning behind the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecoledger.messages import CATALOGUE, register, text


@dataclass(frozen=True)
class Slip:
    """A likely unit mistake: ``value × scale + offset`` is the value in the catalogue unit."""

    says: str  # what the values look like, e.g. "metres"
    fix: str  # how to convert, e.g. "multiply by 1000"
    scale: float = 1.0
    offset: float = 0.0
    definite: bool = False  # refuse (True) or warn (False) when it is the likely explanation

    def convert(self, value):
        return value * self.scale + self.offset


@dataclass(frozen=True)
class LayerKind:
    name: str
    unit: str
    minimum: float | None
    maximum: float | None
    categorical: bool
    description: str
    plausible_min: float | None = None
    plausible_max: float | None = None
    slips: tuple[Slip, ...] = ()
    basis: str = ""


def _kind(name, unit, lo, hi, description, categorical=False, plausible=(None, None),
          slips=(), basis="") -> LayerKind:
    return LayerKind(name, unit, lo, hi, categorical, description, plausible[0], plausible[1],
                     tuple(slips), basis)


METRES = Slip("metres", "multiply by 1000 (m → mm)", 1000.0, definite=True)
FLUX = Slip("a flux in kg m⁻² s⁻¹ (= mm/s, e.g. ERA5 or MODIS rates)",
            "multiply by 31 557 600 (seconds in a year)", 31_557_600.0, definite=True)
PERCENT = Slip("percent", "divide by 100", 0.01, definite=True)
KILO_CARBON = Slip("kgC/m²/a", "multiply by 1000 (kgC → gC)", 1000.0, definite=True)
_WATER = "world-record annual precipitation is ~26 000 mm (Cherrapunji 1860–61)"
_ET = ("actual ET cannot exceed the energy limit: potential ET is < 3000 mm/a everywhere "
       "(Penman); a region's median below 10 mm/a exists nowhere with vegetation")
_FRACTION = "a fraction or factor 0 … 1 by definition"


LAYERS: dict[str, LayerKind] = {
    k.name: k
    for k in [
        _kind("landcover", "class", None, None, "land-cover classes (see the crosswalk)", True),
        _kind("dem", "m", -500, 9000, "elevation above sea level",
              plausible=(-200, 6000),
              basis="Dead Sea shore −430 m, Everest 8849 m; no region's median elevation is "
                    "above ~5000 m (Tibetan plateau) or below −200 m"),
        _kind("precipitation", "mm/a", 0, 30000, "annual precipitation",
              plausible=(10, 13000), slips=(METRES, FLUX),
              basis=f"{_WATER}; the wettest places average ~12 000 mm/a (Mawsynram, Lloró) and "
                    "no region's median is below 10 mm/a (Atacama ~1 mm/a only at single "
                    "stations), so a median of 0.5 … 3 is metres"),
        _kind("storm_precipitation", "mm/a", 0, 30000,
              "precipitation on heavy-rain days (≥ 50 mm)", plausible=(0, 10000), slips=(FLUX,),
              basis=f"part of annual precipitation: {_WATER}; may be 0 in dry regions, so "
                    "values in metres cannot be told from a dry region"),
        _kind("actual_et", "mm/a", 0, 3000, "actual evapotranspiration",
              plausible=(10, 2000), slips=(METRES, FLUX), basis=_ET),
        _kind("transpiration", "mm/a", 0, 3000, "vegetation transpiration",
              plausible=(5, 1800), slips=(METRES, FLUX), basis=_ET + "; T/ET ≈ 0.6"),
        _kind("water_evaporation", "mm/a", 0, 4000, "open-water surface evaporation",
              plausible=(100, 3500), slips=(METRES, FLUX),
              basis="pan evaporation reaches ~3800 mm/a in hot deserts; open water evaporates "
                    "≥ 100 mm/a even in polar climates"),
        _kind("temperature", "degC", -70, 45, "mean annual air temperature",
              plausible=(-30, 32),
              slips=(Slip("kelvin", "subtract 273.15", 1.0, -273.15, definite=True),
                     Slip("tenths of a degree Celsius", "divide by 10", 0.1, definite=True),
                     Slip("degrees Fahrenheit", "compute (°F − 32) × 5/9", 5 / 9, -32 * 5 / 9,
                          definite=True)),
              basis="the coldest mean annual temperature is ~−55 °C (Vostok), the hottest "
                    "~35 °C (Dallol); 250 … 310 are kelvin"),
        _kind("hot_days", "d/a", 0, 366, "days with daily maximum temperature > 26 °C",
              basis="a count of days in a year"),
        _kind("npp", "gC/m2/a", 0, 4000, "net primary productivity",
              plausible=(5, 2500), slips=(KILO_CARBON,),
              basis="the most productive ecosystems reach ~2000–3000 gC/m²/a (tropical "
                    "forests, irrigated crops); a region's median below 5 gC is kgC"),
        _kind("heterotrophic_respiration", "gC/m2/a", 0, 4000, "soil heterotrophic respiration",
              plausible=(5, 2500), slips=(KILO_CARBON,),
              basis="of the order of NPP (soil respiration ≤ ~2000 gC/m²/a, Bond-Lamberty & "
                    "Thomson 2010)"),
        _kind("rainfall_erosivity", "MJ mm/(ha h a)", 0, 100000, "RUSLE R factor",
              plausible=(1, 60000),
              basis="the global maximum annual R is ~50 000 MJ mm/(ha h a) in the wettest "
                    "tropics (Panagos et al. 2017)"),
        _kind("soil_erodibility", "t ha h/(ha MJ mm)", 0, 1, "RUSLE K factor (SI)",
              plausible=(0, 0.1),
              slips=(Slip("US customary units (t·ac·h/(100·ac·ft·tonf·in), 0.1 … 0.7)",
                          "multiply by 0.1317", 0.1317),),
              basis="SI K is 0.005 … 0.09 for real soils (silts highest; Wischmeier nomograph)"),
        _kind("cover_management", "1", 0, 1, "RUSLE C factor", plausible=(0, 1),
              slips=(PERCENT,), basis=_FRACTION),
        _kind("support_practice", "1", 0, 1, "RUSLE P factor", plausible=(0, 1),
              slips=(PERCENT,), basis=_FRACTION),
        _kind("ndvi", "1", -1, 1, "normalised difference vegetation index",
              plausible=(-0.3, 0.95),
              slips=(Slip("scaled by 10000 (MODIS/Landsat integer NDVI)", "multiply by 0.0001",
                          1e-4, definite=True),
                     Slip("8-bit digital numbers (SPOT-VGT/PROBA-V, 0 … 250)",
                          "compute 0.004 × DN − 0.1", 0.004, -0.1, definite=True)),
              basis="(NIR − red)/(NIR + red) lies in −1 … 1 by definition"),
        _kind("soil_bulk_density", "t/m3", 0.1, 2.65, "topsoil bulk density",
              plausible=(0.5, 2.0),
              slips=(Slip("kg/m³", "divide by 1000", 1e-3, definite=True),
                     Slip("cg/cm³ (SoilGrids)", "divide by 100", 1e-2, definite=True)),
              basis="2.65 t/m³ is the density of quartz, the ceiling of any soil; peat is ~0.1"),
        _kind("soil_nitrogen", "%", 0, 10, "topsoil total nitrogen, mass %",
              plausible=(0.01, 0.6),
              slips=(Slip("g/kg", "divide by 10", 0.1),
                     Slip("cg/kg (SoilGrids)", "divide by 1000", 1e-3)),
              basis="mineral topsoils hold 0.02 … 0.5 % N (peat up to ~3 %); Chinese soil "
                    "surveys report g/kg (1 g/kg = 0.1 %)"),
        _kind("soil_phosphorus", "%", 0, 10, "topsoil total phosphorus, mass %",
              plausible=(0.005, 0.3), slips=(Slip("g/kg", "divide by 10", 0.1),),
              basis="topsoils hold 0.02 … 0.2 % P; Chinese soil surveys report g/kg"),
        _kind("wind_weather_factor", "kg/m", 0, 10000, "RWEQ weather factor WF",
              basis="RWEQ WF of the windiest deserts is a few hundred kg/m"),
        _kind("wind_erodible_fraction", "1", 0, 1, "RWEQ soil erodible fraction EF",
              plausible=(0, 1), slips=(PERCENT,), basis=_FRACTION),
        _kind("wind_crust_factor", "1", 0, 1, "RWEQ soil crust factor SCF",
              plausible=(0, 1), slips=(PERCENT,), basis=_FRACTION),
        _kind("wind_roughness_factor", "1", 0, 1, "RWEQ surface roughness factor K'",
              plausible=(0, 1), slips=(PERCENT,), basis=_FRACTION),
        _kind("wind_vegetation_factor", "1", 0, 1, "RWEQ vegetation factor C",
              plausible=(0, 1), slips=(PERCENT,), basis=_FRACTION),
    ]
}


def likely_slips(kind: LayerKind, low: float, median: float, high: float) -> list[Slip]:
    """The unit mistakes that explain a layer whose values run from ``low`` to ``high`` around
    ``median``: after the slip's conversion the median is plausible and every value possible."""
    found = []
    for slip in kind.slips:
        lo, hi = sorted((slip.convert(low), slip.convert(high)))
        mid = slip.convert(median)
        if _within(mid, kind.plausible_min, kind.plausible_max) and _within(
                lo, kind.minimum, kind.maximum) and _within(hi, kind.minimum, kind.maximum):
            found.append(slip)
    return found


def slip_text(kind: LayerKind, slips: list[Slip], lang: str = "en") -> tuple[str, str]:
    """(what the values look like, the fix) naming every likely slip, in ``lang`` (en or zh)."""
    if lang == "zh":
        return _slip_text_zh(kind, slips)
    looks = " or ".join(s.says for s in slips)
    fix = "; or ".join(f"{s.fix} if {s.says}" for s in slips) if len(slips) > 1 else slips[0].fix
    unit = "a plain fraction (unit 1)" if kind.unit == "1" else kind.unit
    return f"values look like {looks}; expected {unit}", f"convert the layer to {unit}: {fix}"


def _slip_text_zh(kind: LayerKind, slips: list[Slip]) -> tuple[str, str]:
    def zh(part: str, english: str) -> str:
        key = f"layer.slip.{part}.{english}"
        return text(key, "zh") if key in CATALOGUE else english

    looks = " 或 ".join(zh("says", s.says) for s in slips)
    fixes = ("；或".join(text("layer.slip.if", "zh", says=zh("says", s.says), fix=zh("fix", s.fix))
                         for s in slips) if len(slips) > 1 else zh("fix", slips[0].fix))
    unit = text("layer.unit_1", "zh") if kind.unit == "1" else kind.unit
    return (text("layer.slip.looks", "zh", looks=looks, unit=unit),
            text("layer.slip.convert", "zh", unit=unit, fix=fixes))


def _within(value: float, lo: float | None, hi: float | None) -> bool:
    return (lo is None or value >= lo) and (hi is None or value <= hi)


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


# --- the slips' wording in Chinese (the catalogue's ``layer.*``; a slip's key is its English) ------

register({
    "slip.looks": ("数值看似以{looks}为单位；应为 {unit}", "values look like {looks}; expected {unit}"),
    "slip.convert": ("请将图层换算为 {unit}：{fix}", "convert the layer to {unit}: {fix}"),
    "slip.if": ("若为{says}，{fix}", "{fix} if {says}"),
    "unit_1": ("无量纲比值（单位 1）", "a plain fraction (unit 1)"),
}, prefix="layer.")
_SLIPS_ZH = {  # English (says or fix) → Chinese
    "says": {
        "metres": "米",
        "a flux in kg m⁻² s⁻¹ (= mm/s, e.g. ERA5 or MODIS rates)":
            "通量 kg m⁻² s⁻¹（= mm/s，如 ERA5 或 MODIS 的速率）",
        "percent": "百分数",
        "kgC/m²/a": "kgC/m²/a",
        "kelvin": "开尔文（K）",
        "tenths of a degree Celsius": "0.1 摄氏度",
        "degrees Fahrenheit": "华氏度",
        "US customary units (t·ac·h/(100·ac·ft·tonf·in), 0.1 … 0.7)":
            "美制单位（t·ac·h/(100·ac·ft·tonf·in)，0.1 … 0.7）",
        "scaled by 10000 (MODIS/Landsat integer NDVI)": "放大 10000 倍的整数（MODIS/Landsat 整型 NDVI）",
        "8-bit digital numbers (SPOT-VGT/PROBA-V, 0 … 250)": "8 位灰度值（SPOT-VGT/PROBA-V，0 … 250）",
        "kg/m³": "kg/m³",
        "cg/cm³ (SoilGrids)": "cg/cm³（SoilGrids）",
        "g/kg": "g/kg",
        "cg/kg (SoilGrids)": "cg/kg（SoilGrids）",
    },
    "fix": {
        "multiply by 1000 (m → mm)": "乘以 1000（米 → 毫米）",
        "multiply by 31 557 600 (seconds in a year)": "乘以 31 557 600（一年的秒数）",
        "divide by 100": "除以 100",
        "multiply by 1000 (kgC → gC)": "乘以 1000（kgC → gC）",
        "subtract 273.15": "减去 273.15",
        "divide by 10": "除以 10",
        "compute (°F − 32) × 5/9": "按 (°F − 32) × 5/9 换算",
        "multiply by 0.1317": "乘以 0.1317",
        "multiply by 0.0001": "乘以 0.0001",
        "compute 0.004 × DN − 0.1": "按 0.004 × DN − 0.1 换算",
        "divide by 1000": "除以 1000",
    },
}
register({f"{part}.{en}": (zh, en) for part, texts in _SLIPS_ZH.items() for en, zh in texts.items()},
         prefix="layer.slip.")
