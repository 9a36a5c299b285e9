"""Size guards: refuse a raster before anything allocates memory for it.

A GeoTIFF header can declare any size; GDAL only fails when the pixels are read (a 200 000 ×
200 000 float32 layer asks for 149 GiB). ``validate`` and the raster pipelines call these checks
first, so the user gets the figure and the fix instead of a GDAL traceback.

Two settings, read from the environment so every command honours them:

- ``ECOLEDGER_MAX_CELLS``: the most cells a raster (or the accounting grid) may have; default
  2³¹ − 1, the largest count every library on the path (GDAL block indices, numba kernels, the
  exactextract cell ids) indexes safely;
- ``ECOLEDGER_MEMORY_LIMIT``: the bytes one whole-array read may take, e.g. ``8G``, ``512M`` or a
  plain number of bytes; default half of the machine's physical memory.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import rasterio

from ecoledger.errors import PipelineError, Problem
from ecoledger.messages import register, text

register({
    "resample_fix": (
        "请在使用前将其重采样到核算分辨率，如 gdal_translate -r average -outsize {w} {h} {file} "
        "smaller.tif（每边缩小为 1/{factor}）或 gdalwarp -tr RES RES -r average；或用 gdalwarp -te "
        "将其裁剪到区域范围；若机器内存足够，也可调高上限 ECOLEDGER_MAX_CELLS / ECOLEDGER_MEMORY_LIMIT",
        "resample it to the accounting resolution before use, e.g. gdal_translate -r average "
        "-outsize {w} {h} {file} smaller.tif (÷{factor} per side) or gdalwarp -tr RES RES "
        "-r average; or clip it to the region with gdalwarp -te; or raise the limits "
        "ECOLEDGER_MAX_CELLS / ECOLEDGER_MEMORY_LIMIT if the machine has the memory"),
    "too_many_cells": (
        "{what_zh}声明了 {width} × {height} = {cells:.3g} 个单元，超过上限 {cell_limit:.3g} 个单元"
        "（ECOLEDGER_MAX_CELLS）；读取它需要 {needed}",
        "{what} declares {width} × {height} = {cells:.3g} cells, above the limit of "
        "{cell_limit:.3g} cells (ECOLEDGER_MAX_CELLS); reading it would need {needed}"),
    "too_many_bytes": (
        "{what_zh}（{width} × {height} 个单元）将作为一个 {needed} 的数组读入，超过内存上限 "
        "{byte_limit}（ECOLEDGER_MEMORY_LIMIT）",
        "{what} ({width} × {height} cells) is read as one array of {needed}, above the memory "
        "limit of {byte_limit} (ECOLEDGER_MEMORY_LIMIT)"),
    "the_raster": ("该栅格", "the raster"),
}, prefix="limits.")

DEFAULT_MAX_CELLS = 2**31 - 1
MEMORY_SHARE = 0.5  # of physical memory, when ECOLEDGER_MEMORY_LIMIT is not set
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kKmMgGtT]?)i?[bB]?\s*")
_FACTORS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def max_cells() -> int:
    """The configured cell limit (``ECOLEDGER_MAX_CELLS``)."""
    text = os.environ.get("ECOLEDGER_MAX_CELLS", "").strip()
    return int(float(text)) if text else DEFAULT_MAX_CELLS


def memory_limit() -> int:
    """The configured bytes a whole-array read may take (``ECOLEDGER_MEMORY_LIMIT``)."""
    text = os.environ.get("ECOLEDGER_MEMORY_LIMIT", "").strip()
    if text:
        found = _SIZE.fullmatch(text)
        if found:
            return int(float(found[1]) * _FACTORS[found[2].lower()])
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a small machine
        physical = 4 * 2**30
    return max(2**30, int(physical * MEMORY_SHARE))


def human_bytes(n: float) -> str:
    for unit, factor in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n:.0f} B"


def resample_fix(file: str, width: int, height: int, limit_cells: int, lang: str = "en") -> str:
    """How to bring a raster of ``width × height`` cells under ``limit_cells`` (in ``lang``)."""
    factor = max(2, math.ceil(math.sqrt(width * height / max(limit_cells, 1))))
    w, h = max(1, width // factor), max(1, height // factor)
    return text("limits.resample_fix", lang, w=w, h=h, file=file, factor=factor)


def raster_size_problems(
    width: int,
    height: int,
    itemsize: int,
    file: str,
    field: str,
    whole_read: bool,
    what: str = "the raster",
    cell_limit: int | None = None,
    byte_limit: int | None = None,
) -> list[Problem]:
    """Problems of a raster of ``width × height`` cells of ``itemsize`` bytes: too many cells,
    or (``whole_read``: the code reads it as one array) more bytes than the memory limit."""
    cell_limit = max_cells() if cell_limit is None else cell_limit
    byte_limit = memory_limit() if byte_limit is None else byte_limit
    cells = int(width) * int(height)
    needed = cells * int(itemsize)
    what_zh = text("limits.the_raster", "zh") if what == "the raster" else what
    fields = {"what": what, "what_zh": what_zh, "width": width, "height": height,
              "needed": human_bytes(needed)}
    if cells > cell_limit:
        fields.update(cells=cells, cell_limit=cell_limit)
        key, fitting = "limits.too_many_cells", cell_limit
    elif whole_read and needed > byte_limit:
        fields.update(byte_limit=human_bytes(byte_limit))
        key, fitting = "limits.too_many_bytes", byte_limit // max(int(itemsize), 1)
    else:
        return []
    return [Problem(file, field, text(key, "en", **fields),
                    resample_fix(file, width, height, fitting), "error",
                    text(key, "zh", **fields), resample_fix(file, width, height, fitting, "zh"))]


def raster_problems(
    src, file: str, field: str, whole_read: bool = False, itemsize: int | None = None
) -> list[Problem]:
    """``raster_size_problems`` of an open rasterio dataset, from its header only."""
    if itemsize is None:
        itemsize = max(np.dtype(d).itemsize for d in src.dtypes)
    return raster_size_problems(src.width, src.height, itemsize, file, field, whole_read)


def require_whole_reads(paths, itemsize: int = 4) -> None:
    """Raise PipelineError, naming each file, the figure and the fix, when any raster of
    ``paths`` (``{name: path}``) is too large to read whole as ``itemsize``-byte cells (the
    raster pipelines read float32 arrays). Reads headers only."""
    problems: list[Problem] = []
    for name, path in paths.items():
        try:
            with rasterio.open(path) as src:
                problems += raster_problems(
                    src,
                    Path(path).name,
                    name,
                    whole_read=True,
                    itemsize=max(itemsize, *(np.dtype(d).itemsize for d in src.dtypes)),
                )
        except rasterio.errors.RasterioIOError:
            continue  # unreadable files are reported by the reader itself
    if problems:
        raise PipelineError("; ".join(str(p) for p in problems), problems=problems)
