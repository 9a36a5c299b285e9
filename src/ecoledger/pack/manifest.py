"""The ``pack.toml`` manifest of a region pack, parsed into typed objects.

Example::

    [region]
    name = "Jiangxi"
    name_zh = "江西省"
    crs = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m"
    resolution = 1000                       # accounting grid cell size, metres
    not_applicable = ["coastal_protection"] # items that cannot occur in the region

    [units]                                 # administrative units
    file = "units.gpkg"                     # fields: code, name, level, parent
    [landcover]
    scheme = "IGBP"
    crosswalk = "crosswalk.csv"             # class, label, ecosystem, subtype
    [water_bodies]                          # optional: lakes, reservoirs, marshes
    file = "water_bodies.gpkg"              # fields: name, kind, capacity_m3, flood_storage_m3
    [statistics]
    files = ["statistics.csv"]              # code, year, indicator, value, unit, source
    [parameters]
    files = ["parameters.csv"]              # optional overrides of the parameter table

    [layers]                                # the same for every year
    dem = { file = "dem.tif" }
    soil_erodibility = { constant = 0.03, source = "…", source_zh = "…" }
    [years.2020.layers]                     # per year
    landcover = { file = "lc2020.tif" }

A layer is a raster ``file`` (with optional ``band``), a documented ``constant``, or
``by_landcover`` (a column of the crosswalk table giving a value per land-cover class).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ecoledger.errors import PackError, Problem

MANIFEST = "pack.toml"


class LayerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    band: int = 1
    constant: float | None = None
    by_landcover: str | None = None
    unit: str | None = None
    source: str = ""
    source_zh: str = ""  # the source in Chinese, for the zh report (else ``source`` is shown)
    method: str = ""
    method_zh: str = ""  # the method in Chinese, for the zh report
    status: str = "measured"  # measured | derived
    # layers this one is derived as a fixed share of (transpiration = T/ET × ET): their
    # uncertainty carries over to it (``ecoledger.uncertainty``)
    proportional_to: list[str] = []

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [x for x in (self.file, self.constant, self.by_landcover) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'file', 'constant' or 'by_landcover'")
        if self.constant is not None and not self.source:
            raise ValueError("a constant layer needs a 'source' saying where the value comes from")
        if self.status not in ("measured", "derived"):
            raise ValueError("'status' is 'measured' or 'derived'")
        return self


class RegionSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    name_zh: str = ""
    crs: str
    resolution: float = Field(gt=0)
    not_applicable: list[str] = []
    description: str = ""


class UnitsSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    layer: str | None = None
    code: str = "code"
    name: str = "name"
    level: str = "level"
    parent: str = "parent"


class LandcoverSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scheme: str
    crosswalk: str


class WaterBodiesSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    layer: str | None = None


class FilesSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[str] = []


class YearSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    layers: dict[str, LayerSpec] = {}


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: RegionSection
    units: UnitsSection
    landcover: LandcoverSection
    water_bodies: WaterBodiesSection | None = None
    statistics: FilesSection = FilesSection()
    parameters: FilesSection = FilesSection()
    layers: dict[str, LayerSpec] = {}
    years: dict[int, YearSection] = {}


@dataclass
class Pack:
    """A parsed region pack. Paths are resolved against the pack folder."""

    root: Path
    manifest: Manifest
    problems: list[Problem] = field(default_factory=list)

    @property
    def region(self) -> RegionSection:
        return self.manifest.region

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()

    @property
    def years(self) -> list[int]:
        return sorted(self.manifest.years)

    def layers_for(self, year: int) -> dict[str, LayerSpec]:
        """Layers in force for ``year``: the common ones, then the year's own."""
        merged = dict(self.manifest.layers)
        if year in self.manifest.years:
            merged.update(self.manifest.years[year].layers)
        return merged

    @property
    def statistics_files(self) -> list[Path]:
        return [self.path(f) for f in self.manifest.statistics.files]

    @property
    def parameter_files(self) -> list[Path]:
        return [self.path(f) for f in self.manifest.parameters.files]


def load_pack(root: str | Path) -> Pack:
    """Parse ``root/pack.toml``. Raises PackError naming every manifest problem at once."""
    root = Path(root)
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise PackError([Problem(str(manifest_path), "-", "the pack has no manifest",
                                 f"create {MANIFEST} in the pack folder (see docs/region-packs.md)")])
    try:
        raw = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PackError([Problem(str(manifest_path), "-", f"not valid TOML: {exc}",
                                 "fix the syntax at the position given")]) from exc
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(str(manifest_path), ".".join(str(p) for p in err["loc"]) or "-",
                    err["msg"], _fix_for(err))
            for err in exc.errors()
        ]
        raise PackError(problems) from exc
    return Pack(root=root.resolve(), manifest=manifest)


def code_text(series):
    """Administrative codes as text: integer-valued numbers (e.g. 360000.0 read from a file
    whose empty parents made the column float) become "360000"; blanks become ""."""
    import pandas as pd

    numbers = pd.to_numeric(series, errors="coerce")
    integral = numbers.notna() & (numbers == numbers.round())
    text = series.astype("string").fillna("").str.strip()
    text[integral] = numbers[integral].astype("int64").astype("string")
    return text.replace({"None": "", "nan": "", "<NA>": ""}).astype(str)


def _fix_for(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "add this field"
    if kind == "extra_forbidden":
        return "remove this field or correct its spelling"
    return "correct the value as the message says"
