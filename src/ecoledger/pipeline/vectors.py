"""Watershed polygons in and per-watershed tables out, without pandas on the common path.

``read_polygons`` reads a GeoPackage of plain polygons with the standard library (``sqlite3``)
and shapely; ``write_shapefile`` writes the ESRI Shapefile InVEST writes its per-watershed
results to. Together they keep pandas, geopandas and pyogrio (about 0.25 s of imports: importing
any part of pyogrio imports pandas, geopandas, pyarrow and pyproj) out of a fresh
``ecoledger invest`` run.

What they read and write is what geopandas/pyogrio (GDAL's GPKG and Shapefile drivers) read and
write, byte for byte on the cases tested (tests/test_vectors.py). They only handle the plain
case and say so (``Unusual``) otherwise, and the caller then reads or writes through geopandas
as before:

* reading: a GeoPackage with one table (a feature table), a 2-D Polygon/MultiPolygon geometry
  column, attribute columns of type INTEGER, REAL/DOUBLE or TEXT, no NULL attribute and no
  NULL or empty geometry, an EPSG or WKT spatial reference;
* writing: fields of Python ``int`` (DBF ``N 18.0``), ``float`` (``N 24.15``, NaN/None as
  null) or ``str`` (``C 80``, at most 80 bytes UTF-8) with names of at most 10 ASCII
  characters; Polygon/MultiPolygon geometries (outer rings written clockwise and holes
  counter-clockwise, as GDAL does).
"""

from __future__ import annotations

import datetime
import re
import sqlite3
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class Unusual(Exception):
    """A file or table beyond the plain case: read or write it through geopandas instead."""


@dataclass
class Polygons:
    """Polygons with their attribute fields, as read from a vector file.

    ``fields`` holds each attribute column (file order) as a list; ``geometry`` the shapely
    geometries in feature order; ``crs`` a ``rasterio.crs.CRS`` or ``None``. ``frame`` is the
    GeoDataFrame when the file was read through geopandas (anything but a plain GeoPackage).
    """

    fields: dict[str, list]
    geometry: list
    crs: object | None
    frame: object | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.geometry)


# --------------------------------------------------------------------------- GeoPackage


_INTEGER = re.compile(r"^\s*(INTEGER|INT)\s*$", re.IGNORECASE)
_REAL = re.compile(r"^\s*(REAL|DOUBLE)\s*$", re.IGNORECASE)
_TEXT = re.compile(r"^\s*TEXT\s*(\(\s*\d+\s*\))?\s*$", re.IGNORECASE)
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_geopackage(path: str | Path) -> Polygons:
    """The polygons of a plain GeoPackage (see the module docstring); ``Unusual`` otherwise.

    Features in FID order, attribute columns in table order (GDAL's order); the CRS from the
    EPSG code when the spatial reference is EPSG's own entry, else from its WKT (GDAL's rule).
    """
    import shapely
    from rasterio.crs import CRS

    path = Path(path)
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise Unusual(f"{path}: not a GeoPackage")
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise Unusual(f"{path}: {exc}") from exc
    try:
        contents = con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall()
        if len(contents) != 1 or contents[0][1] != "features":
            raise Unusual(f"{path}: not exactly one feature table")
        table = contents[0][0]
        columns = con.execute(
            "SELECT column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns"
            " WHERE table_name = ?",
            (table,),
        ).fetchall()
        if len(columns) != 1:
            raise Unusual(f"{path}: not exactly one geometry column")
        geom_column, geom_type, srs_id, z, m = columns[0]
        if str(geom_type).upper() not in ("POLYGON", "MULTIPOLYGON") or z != 0 or m != 0:
            raise Unusual(f"{path}: geometry type {geom_type} (z={z}, m={m})")
        info = con.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        fid = [name for _, name, kind, _, _, pk in info if pk and _INTEGER.match(kind or "")]
        if len(fid) != 1 or sum(1 for row in info if row[5]) != 1:
            raise Unusual(f"{path}: no single integer primary key")
        kinds = {}
        for _, name, kind, _, _, _ in info:
            if name in (fid[0], geom_column):
                continue
            for label, pattern in (("int", _INTEGER), ("float", _REAL), ("str", _TEXT)):
                if pattern.match(kind or ""):
                    kinds[name] = label
                    break
            else:
                raise Unusual(f"{path}: field {name!r} of type {kind!r}")
        names = list(kinds)
        select = ", ".join(_quote(c) for c in [geom_column, *names])
        rows = con.execute(
            f"SELECT {select} FROM {_quote(table)} ORDER BY {_quote(fid[0])}"
        ).fetchall()
        srs = con.execute(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys"
            " WHERE srs_id = ?",
            (srs_id,),
        ).fetchall()
    except sqlite3.Error as exc:
        raise Unusual(f"{path}: {exc}") from exc
    finally:
        con.close()
    if srs_id is None or srs_id <= 0 or len(srs) != 1:
        raise Unusual(f"{path}: spatial reference {srs_id}")
    organization, code, definition = srs[0]
    try:
        if str(organization).upper() == "EPSG" and code == srs_id:
            crs = CRS.from_epsg(int(code))
        else:
            crs = CRS.from_wkt(definition)
    except Exception as exc:  # rasterio's CRSError: leave odd definitions to GDAL
        raise Unusual(f"{path}: spatial reference {srs_id}: {exc}") from exc

    blobs, values = [], {name: [] for name in names}
    for row in rows:
        blobs.append(_wkb(row[0], path))
        for name, value in zip(names, row[1:], strict=True):
            kind = kinds[name]
            if value is None:
                raise Unusual(f"{path}: NULL in field {name!r}")
            if kind == "int" and type(value) is not int:
                raise Unusual(f"{path}: non-integer {value!r} in field {name!r}")
            if kind == "float":
                if type(value) not in (int, float):
                    raise Unusual(f"{path}: non-number {value!r} in field {name!r}")
                value = float(value)
            if kind == "str" and type(value) is not str:
                raise Unusual(f"{path}: non-text {value!r} in field {name!r}")
            values[name].append(value)
    try:
        geometry = shapely.from_wkb(blobs).tolist() if blobs else []
    except Exception as exc:  # shapely's GEOSException: leave it to GDAL
        raise Unusual(f"{path}: {exc}") from exc
    for g in geometry:
        if g is None or g.is_empty or g.has_z or g.geom_type not in ("Polygon", "MultiPolygon"):
            raise Unusual(f"{path}: a geometry that is not a plain 2-D polygon")
    return Polygons(values, geometry, crs)


def _wkb(blob, path: Path) -> bytes:
    """The standard WKB inside a GeoPackage geometry blob (GeoPackage 1.x, clause 2.1.3)."""
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        raise Unusual(f"{path}: a NULL or non-GeoPackage geometry")
    flags = blob[3]
    envelope = (flags >> 1) & 0b111
    if flags & 0b0010_0000 or flags & 0b0001_0000 or envelope not in _ENVELOPE_BYTES:
        raise Unusual(f"{path}: an empty or extended geometry")
    return blob[8 + _ENVELOPE_BYTES[envelope] :]


# --------------------------------------------------------------------------- Shapefile

_NAME = re.compile(r"^[A-Za-z0-9_]{1,10}$")
_STRING_WIDTH = 80  # GDAL's width for a string field given without one
_SHP_POLYGON = 5


def _field_specs(fields: Mapping[str, Sequence]) -> list[tuple[str, str, int, int]]:
    """(name, DBF type, width, decimals) per field as GDAL's Shapefile driver makes them."""
    specs = []
    for name, values in fields.items():
        if not _NAME.match(name):
            raise Unusual(f"field name {name!r} (Shapefile: at most 10 ASCII characters)")
        kinds = {type(v) for v in values}
        if kinds <= {int}:
            specs.append((name, "N", 18, 0))
        elif kinds <= {float, type(None)}:
            specs.append((name, "N", 24, 15))
        elif kinds <= {str}:
            if any(len(v.encode("utf-8")) > _STRING_WIDTH for v in values):
                raise Unusual(f"field {name!r}: text longer than {_STRING_WIDTH} bytes")
            specs.append((name, "C", _STRING_WIDTH, 0))
        else:
            raise Unusual(f"field {name!r}: values of types {sorted(k.__name__ for k in kinds)}")
    if not specs:
        raise Unusual("no attribute field")
    return specs


def _dbf_value(value, kind: str, width: int, decimals: int) -> bytes:
    if kind == "C":
        return value.encode("utf-8").ljust(width, b" ")
    if decimals == 0:
        text = f"{value:>{width}d}"
        if len(text) > width:
            raise Unusual(f"integer {value} wider than {width} characters")
        return text.encode("ascii")
    if value is None or value != value:  # a null number: GDAL fills the field with '*'
        return b"*" * width
    # shapelib's DBFWriteAttribute: printf("%24.15f"), cut to the field width when longer
    return f"{value:>{width}.{decimals}f}"[:width].encode("ascii")


def _rings(geometry) -> list[np.ndarray]:
    """The rings of a (multi)polygon as GDAL writes them: each polygon's outer ring clockwise,
    then its holes counter-clockwise."""
    polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    rings = []
    for polygon in polygons:
        if polygon.is_empty:
            continue
        for i, ring in enumerate([polygon.exterior, *polygon.interiors]):
            xy = np.asarray(ring.coords, dtype=np.float64)[:, :2]
            if ring.is_ccw == (i == 0):  # outer rings clockwise, holes counter-clockwise
                xy = xy[::-1]
            rings.append(xy)
    return rings


def write_shapefile(
    path: str | Path, fields: Mapping[str, Sequence], geometry: Sequence, crs
) -> Path:
    """Write ``path`` (.shp with .shx, .dbf, .prj, .cpg) as geopandas' ``to_file`` does.

    ``fields``: ``{name: values}`` in column order (see the module docstring for the types);
    ``geometry``: shapely Polygons/MultiPolygons; ``crs``: a ``rasterio.crs.CRS`` or ``None``.
    Raises ``Unusual`` before writing anything if a field or geometry is beyond the plain case.
    """
    path = Path(path)
    specs = _field_specs(fields)
    n = len(geometry)
    if any(len(values) != n for values in fields.values()):
        raise Unusual("fields and geometries differ in length")
    records = []
    for g in geometry:
        if g is None or g.is_empty or g.has_z or g.geom_type not in ("Polygon", "MultiPolygon"):
            raise Unusual("a geometry that is not a plain 2-D polygon")
        rings = _rings(g)
        points = np.concatenate(rings)
        starts = np.cumsum([0] + [len(r) for r in rings[:-1]])
        box = (points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max())
        content = (
            struct.pack("<i4dii", _SHP_POLYGON, *box, len(rings), len(points))
            + np.asarray(starts, dtype="<i4").tobytes()
            + np.ascontiguousarray(points, dtype="<f8").tobytes()
        )
        records.append((box, content))
    dbf_records = []
    for i in range(n):
        row = b" " + b"".join(
            _dbf_value(fields[name][i], kind, width, decimals) for name, kind, width, decimals in specs
        )
        dbf_records.append(row)

    # .shp and .shx: 100-byte headers, lengths in 16-bit words
    offsets, body = [], []
    position = 50
    for number, (_, content) in enumerate(records, start=1):
        offsets.append((position, len(content) // 2))
        body.append(struct.pack(">ii", number, len(content) // 2) + content)
        position += 4 + len(content) // 2
    if records:
        boxes = np.array([b for b, _ in records])
        extent = (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
    else:
        extent = (0.0, 0.0, 0.0, 0.0)

    def header(words: int) -> bytes:
        return (
            struct.pack(">7i", 9994, 0, 0, 0, 0, 0, words)
            + struct.pack("<2i4d4d", 1000, _SHP_POLYGON, *extent, 0.0, 0.0, 0.0, 0.0)
        )

    shp = header(position) + b"".join(body)
    shx = header(50 + 4 * n) + b"".join(struct.pack(">ii", o, w) for o, w in offsets)
    today = datetime.date.today()
    record_length = 1 + sum(width for _, _, width, _ in specs)
    dbf = bytearray(
        struct.pack(
            "<4BIHH20x",
            3,
            today.year - 1900,
            today.month,
            today.day,
            n,
            32 + 32 * len(specs) + 1,
            record_length,
        )
    )
    for name, kind, width, decimals in specs:
        dbf += struct.pack("<11sc4xBB14x", name.encode("ascii"), kind.encode("ascii"), width, decimals)
    dbf += b"\r" + b"".join(dbf_records) + b"\x1a"

    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(path.stem + ".*"):
        if old.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            old.unlink()
    path.write_bytes(shp)
    path.with_suffix(".shx").write_bytes(shx)
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    if crs is not None:
        path.with_suffix(".prj").write_text(crs.to_wkt(version="WKT1_ESRI"), encoding="utf-8")
    return path
