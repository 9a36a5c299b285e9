"""Reading what the report shows: a run's output folder and the units of its pack."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ecoledger.ecosystems import ALL
from ecoledger.errors import EcoledgerError
from ecoledger.pack import load_pack
from ecoledger.pack.manifest import RegionSection, code_text


@dataclass
class RunOutputs:
    """The files of ``ecoledger account … --out DIR`` the report needs, plus the pack's units."""

    folder: Path
    pack_root: Path
    summary: dict
    run: dict
    accounts: pd.DataFrame
    extent: pd.DataFrame  # T1
    prices: pd.DataFrame  # T4
    units_summary: pd.DataFrame  # T6, indexed by adcode
    by_ecosystem: pd.DataFrame  # T7
    region_pack: RegionSection | None
    units: gpd.GeoDataFrame | None  # adcode, name, level, parent, geometry

    @property
    def roots(self) -> list[str]:
        """Codes of the top units (the region)."""
        top_level = self.accounts["level"].iloc[0]  # accounts list the top units first
        return self.units_summary.index[self.units_summary["level"] == top_level].tolist()

    @property
    def region_rows(self) -> pd.DataFrame:
        """The ``ecosystem = all`` rows of the region, one per item (of the first top unit when a
        pack has several; the headline figures of ``summary.json`` cover them all)."""
        rows = self.accounts[(self.accounts["ecosystem"] == ALL) & self.accounts["adcode"].isin(self.roots)]
        return rows.drop_duplicates("item")

    def region_name(self, lang: str) -> str:
        """The region's name: in Chinese the pack's ``name_zh`` or the top units' names."""
        if lang != "zh":
            return self.summary["region"]
        if self.region_pack is not None and self.region_pack.name_zh:
            return self.region_pack.name_zh
        return "、".join(self.units_summary.loc[self.roots, "name"])

    @property
    def synthetic(self) -> bool:
        texts = [self.summary["region"], *(layer.get("source", "") for layer in self.run["layers"].values())]
        if self.region_pack is not None:
            texts.append(self.region_pack.description)
        return any("synthetic" in text.lower() for text in texts)


def read_outputs(out_dir: str | Path, pack_root: str | Path | None = None) -> RunOutputs:
    """Read the outputs in ``out_dir``; the pack defaults to the one named in ``run.json``."""
    folder = Path(out_dir)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    codes = {"adcode": str}
    pack_root = Path(pack_root or run.get("pack") or folder / "no-pack-recorded")
    region_pack, units = _read_units(pack_root)
    return RunOutputs(
        folder=folder,
        pack_root=pack_root,
        summary=json.loads((folder / "summary.json").read_text(encoding="utf-8")),
        run=run,
        accounts=pd.read_csv(folder / "accounts.csv", dtype=codes, keep_default_na=False,
                             na_values=[""]),
        extent=pd.read_csv(folder / "tables" / "T1_extent.csv", dtype=codes),
        prices=pd.read_csv(folder / "tables" / "T4_prices.csv", dtype=str, keep_default_na=False),
        units_summary=pd.read_csv(folder / "tables" / "T6_summary.csv", dtype=codes).set_index("adcode"),
        by_ecosystem=pd.read_csv(folder / "tables" / "T7_by_ecosystem.csv", dtype=codes),
        region_pack=region_pack,
        units=units,
    )


def _read_units(pack_root: Path) -> tuple[RegionSection | None, gpd.GeoDataFrame | None]:
    """The pack's region section and unit polygons; None for what cannot be read."""
    try:
        pack = load_pack(pack_root)
    except EcoledgerError:
        return None, None
    spec = pack.manifest.units
    if not pack.path(spec.file).is_file():
        return pack.region, None
    units = gpd.read_file(pack.path(spec.file), layer=spec.layer)
    columns = {spec.code: "adcode", spec.name: "name", spec.level: "level", spec.parent: "parent"}
    units = units.rename(columns=columns)[[*columns.values(), "geometry"]]
    units["adcode"], units["parent"] = code_text(units["adcode"]), code_text(units["parent"])
    return pack.region, units
