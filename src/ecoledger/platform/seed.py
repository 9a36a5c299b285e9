"""Reference data the platform needs before anyone logs in: units, the parameter table, accounts.

* Units and their boundaries come from the region pack (``units`` of pack.toml), reprojected to
  EPSG:4326 and simplified to ~100 m for the web map; areas are computed in the pack's equal-area
  accounting CRS.
* The parameter table in force (the package's table plus the pack's override files) is
  registered under the engine's own version string, so a run's recorded version names a row.
* Output folders of CLI runs (``ecoledger account``) can be imported as published runs: this is
  how ``ecoledger serve`` starts with the Jiangxi accounts loaded.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from ecoledger.platform import audit, runs
from ecoledger.platform.db import Database
from ecoledger.platform.models import ParameterTable, Unit

FIRST_NOTE = "table in force at first start"  # the note of the table seeded at first start
SIMPLIFY_DEGREES = 0.001  # ≈ 100 m: invisible on a province map, 10× smaller GeoJSON


def ensure_reference_data(db: Database, pack: Path | None, outputs: list[Path] = ()) -> None:
    with db.transaction() as s:
        has_units = s.scalar(select(func.count()).select_from(Unit)) > 0
        has_parameters = s.scalar(select(func.count()).select_from(ParameterTable)) > 0
    if pack is not None and not has_units:
        load_units(db, pack)
    if not has_parameters:
        register_parameters(db, pack, overrides=None, note=FIRST_NOTE, actor="system")
    for folder in outputs:
        runs.import_outputs(db, Path(folder))


def load_units(db: Database, pack: Path) -> int:
    from ecoledger.pack.manifest import load_pack
    from ecoledger.zonal import Units

    loaded = load_pack(pack)
    fields = loaded.manifest.units
    table = Units.read(loaded.path(fields.file), fields, loaded.region.crs).table
    area_km2 = table.geometry.area / 1e6
    lonlat = table.to_crs("EPSG:4326").geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    order = sorted(table.index, key=lambda c: (_depth(table["parent"], c), c))
    with db.transaction() as s:
        for code in order:  # parents before children (foreign key)
            s.add(Unit(code=code, name_zh=table.at[code, "name"], name_en="",
                       level=table.at[code, "level"], parent_code=table.at[code, "parent"] or None,
                       area_km2=float(area_km2[code]), geometry=_geojson(lonlat[code])))
            s.flush()
        audit.append(s, "system", "units.load", "pack", str(pack), {"units": len(table)})
    return len(table)


def _depth(parents, code: str) -> int:
    depth = 0
    while parents.get(code, "") not in ("", None) and depth < 10:
        code, depth = parents[code], depth + 1
    return depth


def _geojson(geometry) -> str:
    import shapely

    return shapely.to_geojson(geometry, indent=None)


def parameter_table(pack: Path | None, overrides: bytes | None):
    """The engine's ``Parameters`` for the package table + the pack's files + ``overrides``
    (a run passes the same files, so its recorded version names this table)."""
    import tempfile

    from ecoledger.pack.manifest import load_pack
    from ecoledger.params import Parameters

    files = load_pack(pack).parameter_files if pack is not None else []
    with tempfile.TemporaryDirectory() as tmp:
        if overrides:
            path = Path(tmp) / "parameters.csv"
            path.write_bytes(overrides)
            files = [*files, path]
        return Parameters.load(2020, files)  # neither the version nor the rows depend on the year


def register_parameters(db: Database, pack: Path | None, overrides: bytes | None, note: str,
                        actor: str) -> str:
    """Record a parameter-table version (the engine's table + pack files + ``overrides``)."""
    version = parameter_table(pack, overrides).version
    with db.transaction() as s:
        if s.get(ParameterTable, version) is None:
            s.add(ParameterTable(version=version, note=note,
                                 content=overrides.decode("utf-8") if overrides else ""))
            audit.append(s, actor, "parameters.register", "parameter_table", version, {"note": note})
    return version
