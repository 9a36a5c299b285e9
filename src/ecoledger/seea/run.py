"""The SEEA-EA-shaped tables of one account run (moved here from ``outputs.method_tables``).

A run knows one year: the region's extent by ecosystem type at the end of that year (the
closing extent of a one-year extent account) and the supply of each service by ecosystem type,
physical and monetary. The two-year extent account with its change matrix, and the condition
account, are built from the pack by ``seea.extent`` and ``seea.condition``.
"""

from __future__ import annotations

from pathlib import Path

from ecoledger.ecosystems import ALL, ECOSYSTEMS


def run_tables(result, folder: Path) -> None:
    """``SEEA_extent.csv`` (the region's closing extent by ecosystem type, km²) and
    ``SEEA_supply_physical.csv`` / ``SEEA_supply_monetary.csv`` (service × ecosystem type) of an
    ``AccountResult``, written into ``folder``."""
    from ecoledger.outputs import _missing_stays_missing

    accounts = result.accounts
    roots = result.units.loc[result.units["parent"] == "", "code"].tolist()
    seea_extent = result.extent.loc[roots].sum().rename("closing_extent_km2")
    seea_extent.index.name = "ecosystem_type"
    seea_extent.to_frame().assign(name_zh=lambda f: f.index.map(ECOSYSTEMS)).to_csv(
        folder / "SEEA_extent.csv", encoding="utf-8")
    region = accounts[accounts["adcode"].isin(roots) & (accounts["ecosystem"] != ALL)]
    for measure, column in (("physical", "physical_value"), ("monetary", "value_yuan")):
        supply = _missing_stays_missing(region, ["service", "item", "physical_unit"], "ecosystem", column)
        supply.to_csv(folder / f"SEEA_supply_{measure}.csv", encoding="utf-8")
