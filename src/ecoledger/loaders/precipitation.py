"""Monthly precipitation grids in NetCDF summed into the ``precipitation`` layer (mm/a).

Products this reads (any CF-style NetCDF file with a time axis and one monthly value per month):

- CMFD, the China Meteorological Forcing Dataset (He J. et al. 2020, Scientific Data 7: 25):
  ``prec``, mean precipitation rate in mm/h (kg m-2 s-1 in some copies), 0.1°, lat/lon.
- the 1 km monthly precipitation dataset for China (Peng S. et al. 2019, Earth System Science Data
  11: 1931–1946): ``pre`` in 0.1 mm per month.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from pyproj import CRS
from rasterio.transform import from_origin

from ecoledger.loaders.common import LoaderError, write_geotiff

ENGINE = "netcdf4"  # reads netCDF-3 classic and netCDF-4/HDF5 files alike

VARIABLES = ("prec", "pre", "pr", "precip", "precipitation")

# units text (lower case, single spaces) → (mm per unit of amount, seconds per unit of time or
# None for a monthly total). 1 kg m-2 of water is 1 mm.
UNITS: dict[str, tuple[float, float | None]] = {
    **dict.fromkeys(("mm", "mm/month", "mm month-1", "mm/mon", "mm mon-1"), (1.0, None)),
    **dict.fromkeys(("0.1 mm", "0.1mm", "0.1 mm/month", "0.1mm/month"), (0.1, None)),
    **dict.fromkeys(("mm/d", "mm/day", "mm d-1", "mm day-1"), (1.0, 86400.0)),
    **dict.fromkeys(("mm/h", "mm/hr", "mm h-1", "mm hr-1"), (1.0, 3600.0)),
    **dict.fromkeys(("kg m-2 s-1", "kg/m2/s", "kg m**-2 s**-1", "kg m^-2 s^-1", "mm/s", "mm s-1"),
                    (1.0, 1.0)),
}


def annual_precipitation(netcdf_path: str | Path, year: int, out_path: str | Path,
                         variable: str | None = None) -> Path:
    """Sum the 12 monthly values of ``year`` into annual precipitation (mm/a) at ``out_path``.

    ``variable`` defaults to the one data variable named like precipitation (VARIABLES). Its
    ``units`` attribute sets the conversion to mm per month: a monthly total (mm, 0.1 mm) is
    scaled; a rate (mm/d, mm/h, kg m-2 s-1) is multiplied by the days, hours or seconds of that
    month in the file's calendar. A cell missing in any month is nodata (never an undercount);
    the file must hold all 12 months of ``year``. The CRS is the variable's CF ``grid_mapping``,
    or EPSG:4326 for latitude/longitude axes. Months are read one at a time (dask chunks), so
    a national 1 km file fits in memory. ``storm_precipitation`` (rain on days ≥ 50 mm) cannot
    be derived from monthly values: it needs daily data.
    """
    try:
        ds = xr.open_dataset(netcdf_path, engine=ENGINE, chunks={"time": 1})
    except (OSError, ValueError) as exc:  # not NetCDF, or time units xarray cannot decode
        raise LoaderError(netcdf_path, "-", f"cannot read the file: {exc}",
                          "check it with ncdump -h; give time units as 'days since …' "
                          "(cdo setreftime), not 'months since'") from exc
    with ds:
        name = _variable(ds, netcdf_path, variable)
        values = ds[name]
        scale, period = _unit(values, netcdf_path, name)
        y, x, crs = _grid(ds, values, netcdf_path, name)
        months = values.isel(time=(values["time"].dt.year == year).values)
        found = [int(m) for m in months["time"].dt.month.values]
        if sorted(found) != list(range(1, 13)):
            raise LoaderError(netcdf_path, f"{name}.time", f"{year} has {len(found)} time steps in "
                              f"months {sorted(set(found))}, not one value for each month 1–12",
                              "use a file with the whole year of monthly values")
        monthly = months * scale
        if period is not None:
            monthly = monthly * (months["time"].dt.days_in_month * 86400.0 / period)
        annual = monthly.sum("time", skipna=False).sortby(x).sortby(y, ascending=False)
        return write_geotiff(out_path, annual.transpose(y, x).values,
                             _transform(annual[x].values, annual[y].values, netcdf_path, name), crs)


_Y = {"latitude", "lat", "projection_y_coordinate", "y"}
_X = {"longitude", "lon", "projection_x_coordinate", "x"}


def _variable(ds: xr.Dataset, path, variable: str | None) -> str:
    names = list(ds.data_vars)
    if variable is not None:
        if variable not in ds.data_vars:
            raise LoaderError(path, "variable", f"no variable {variable!r} (the file has {names})",
                              "pass the name of the precipitation variable")
        return variable
    found = [n for n in names if n.lower() in VARIABLES]
    if len(found) != 1:
        raise LoaderError(path, "variable", f"cannot tell the precipitation variable among {names}",
                          "pass variable= with its name")
    return found[0]


def _unit(values: xr.DataArray, path, name: str) -> tuple[float, float | None]:
    text = " ".join(str(values.attrs.get("units", "")).lower().split())
    if text not in UNITS:
        raise LoaderError(path, f"{name}.units", f"unknown precipitation units {text!r}",
                          f"set the units attribute to one of {', '.join(UNITS)}")
    return UNITS[text]


def _names(ds: xr.Dataset, dim: str) -> set[str]:
    """What a dimension calls itself: its name, CF standard_name and axis, in lower case."""
    attrs = ds[dim].attrs if dim in ds.variables else {}
    return {dim.lower(), attrs.get("standard_name", "").lower(), attrs.get("axis", "").lower()}


def _grid(ds: xr.Dataset, values: xr.DataArray, path, name: str) -> tuple[str, str, str]:
    """Names of the y and x dimensions of ``values`` and its CRS."""
    ys = [d for d in values.dims if _names(ds, d) & _Y]
    xs = [d for d in values.dims if _names(ds, d) & _X]
    if not (len(ys) == len(xs) == 1 and set(values.dims) == {"time", *ys, *xs}):
        raise LoaderError(path, f"{name}.dims", f"cannot tell the time, y and x axes among "
                          f"{values.dims}", "give the coordinates CF standard_name or axis attributes")
    mapping = values.attrs.get("grid_mapping") or values.encoding.get("grid_mapping")
    if mapping in ds.variables:
        return ys[0], xs[0], CRS.from_cf(ds[mapping].attrs).to_wkt()
    if _names(ds, ys[0]) & {"latitude", "lat"}:
        return ys[0], xs[0], "EPSG:4326"
    raise LoaderError(path, f"{name}.grid_mapping", "projected axes without a grid_mapping",
                      "add a CF grid_mapping variable naming the projection")


def _transform(x: np.ndarray, y: np.ndarray, path, name: str):
    """The affine transform of cell-centre coordinates (x ascending, y descending)."""
    steps = [np.diff(c) for c in (x, y)]
    if min(len(x), len(y)) < 2 or not all(np.allclose(s, s[0]) for s in steps):
        raise LoaderError(path, f"{name}.coordinates", "the grid is not regular (or one cell wide)",
                          "regrid it to regular x/y spacing (e.g. cdo remapbil)")
    dx, dy = steps[0][0], -steps[1][0]
    return from_origin(x[0] - dx / 2, y[0] + dy / 2, dx, dy)
