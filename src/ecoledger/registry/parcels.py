"""Rights registration (issue 18, item 2): natural-resource parcels read, validated and checked.

Pure functions for the registry core: paths, bytes or GeoDataFrames in, dataclasses and frames
out. Nothing here touches a database or serves a route; ``ecoledger.registry.store`` / ``api``
store what ``read_parcels`` accepts and show the problems it lists.

API
---
``read_parcels(source, *, layer=None, name=None, encoding=None, columns=None, pack=None,
units=None, area_crs=None, source_crs=None, make_valid=False, limits=LIMITS) -> ParcelSet``
    Parcels from a GeoPackage (``.gpkg``), a shapefile (``.shp`` beside its ``.shx``/``.dbf``/
    ``.prj``/``.cpg``), a folder holding one of them, or a ``.zip`` of one of them. Raises
    ``ParcelError`` listing every problem at once; accepts nothing unless everything passes.
``read_parcels_upload(filename, content, **the keywords of read_parcels) -> ParcelSet``
    The same for an upload's bytes (its ``filename`` only names it in messages and picks nothing
    on disk: the bytes are written under a fixed name in a private temporary folder).
``prepare_parcels(frame, *, file="upload", columns=None, pack=None, units=None, area_crs=None,
source_crs=None, make_valid=False, limits=LIMITS, notes=()) -> ParcelSet``
    The checks of ``read_parcels`` on a GeoDataFrame already in memory (its index is taken as
    the feature id).
``equal_area_crs(pack=None, area_crs=None) -> AreaCrs``
    The CRS areas and overlaps are computed in (below), with its note in zh and en;
    ``is_equal_area(crs) -> bool`` tells whether a CRS keeps areas.
``label(kind, code, lang="zh") -> str``
    The name of a code (``label("type", "water", "zh") == "水流"``) or a field (``"field"``).
``overlaps(parcels, others=None, *, tolerance_m2=OVERLAP_TOLERANCE_M2, same_right_type=True,
same_period=True) -> GeoDataFrame``
    Pairs of parcels whose boundaries overlap by at least ``tolerance_m2``: a right registered
    twice. ``others`` (e.g. the parcels already registered) are paired with ``parcels`` only.
``gaps(parcels, boundary, *, min_area_m2=GAP_MIN_AREA_M2, right_type=None) -> GeoDataFrame``
    The parts of a declared registration area no parcel covers, each of at least ``min_area_m2``.
``check_parcels(parcels, boundary=None, others=None, *, tolerance_m2=…, min_area_m2=…,
same_right_type=True, same_period=True) -> ParcelChecks``
    Both checks at once; ``write_checks(checks, folder) -> dict[str, Path]`` writes
    ``overlaps.csv``, ``gaps.csv`` and the layers ``overlaps`` and ``gaps`` of ``checks.gpkg``.
``unit_boundary(pack, code) -> GeoSeries``
    A unit of the pack's ``units.gpkg`` as a registration area for ``gaps``.
``demonstration_parcels(pack, n=40, *, county=None, seed=0, tile_m=3000.0,
min_area_m2=DEMO_MIN_AREA_M2, year=None) -> GeoDataFrame``
    Demonstration parcels drawn from a real pack's land cover inside one real county, labelled
    as such (real parcels do not exist offline).

Columns
-------
A parcel file has one feature per registered right (the boundary is the parcel's) and these
fields; ``columns`` maps a field to the file's column of another name (``{"owner": "QLR"}``).
Without a mapping the field's own name is looked up (case-insensitive), then its Chinese names:

=============  ============================  ===================================================
field          Chinese names read            values
=============  ============================  ===================================================
``serial``     编号 登记编号 不动产单元号 …  registration serial number, unique in the file
``type``       类型 资源类型 …               forest 森林 (林地), water 水流 (水域 河流 湖泊 水库),
                                             wetland 湿地, farmland 耕地 (农田), grassland 草原
                                             (草地)
``owner``      权利人 所有权人 …             the right holder's name
``owner_type`` 权利人类型 权属性质 …         state 国家 (国有), collective 集体, individual 个人
                                             (农户), organisation 单位 (企业 法人 合作社)
``county``     县代码 行政区划代码 …         the 6-digit code of the county the parcel lies in
``right_type`` 权利类型 …                    ownership 所有权, use 使用权, management 经营权
``valid_from`` 起始日期 有效期起 …           YYYY-MM-DD (also YYYY/MM/DD, YYYYMMDD, 2020年1月1日)
``valid_to``   终止日期 有效期止 …           optional; empty = open-ended
=============  ============================  ===================================================

(Shapefile field names have at most 10 characters: the English names fit. In a GeoDataFrame read
the field as ``frame["type"]``: ``frame.type`` is the geometry type.) Codes are stored in
English (``forest``, ``collective``, ``ownership``); ``label(kind, code, lang)`` names them.
Other columns pass through unchanged (prefixed ``source_`` if their name is taken).

Checks
------
Every problem names the file, the feature (``fid``: the feature id GIS software shows, 0-based in
a shapefile, the ``fid`` column of a GeoPackage), the field and the fix, in English and Chinese
(``Problem.message_zh``/``fix_zh``, worded by the catalogue ``registry.parcels.*``). Refused:
a missing column; an empty, too long or unsafe text (control characters, a leading = + - @ that
spreadsheets run); an empty or duplicate serial; an unknown type, owner type or right type; an
ownership right held by an individual or an organisation (natural resources are owned by the
state or collectives only, Constitution art. 9–10); a county code that is not 6 digits, not a
unit of the pack's ``units.gpkg`` or not a county; a date that is not one (or not within
1949–2100) or an end before its start; a missing, non-polygonal or invalid boundary
(``shapely.is_valid_reason``; with ``make_valid=True`` an invalid one is repaired by
``shapely.make_valid``, its polygonal part kept, and a warning names it); an area below 1 m²;
a parcel with more than ``OUTSIDE_TOLERANCE`` of its area (and more than 1 m²) outside its
county; a file without a CRS (unless ``source_crs`` declares it), or a geographic CRS whose
coordinates are not degrees; hostile uploads (below).

Equal-area CRS: input in any CRS, geographic coordinates included; areas, overlaps and gaps are
computed after projecting to ``area_crs`` if given, else the pack's accounting CRS if it is
equal-area, else ``ALBERS_CHINA`` (``+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84``).
``ParcelSet.area_crs`` names the choice (``note(lang)``); every output table has an ``area_crs``
column and the GeoPackage layers carry the CRS.

Tolerances (design choices): overlaps below ``OVERLAP_TOLERANCE_M2`` (1 m²) are digitising noise
and not reported; gaps below ``GAP_MIN_AREA_M2`` (100 m², a 10 m × 10 m patch) are slivers between
adjacent boundaries and not reported; a parcel may stick out of its county by up to 2 % of its
area, because county boundaries (``units.gpkg``) are generalised compared with cadastral
boundaries. Parcels that touch along an edge overlap by 0 m² and are not reported. With
``same_period`` two rights whose validity periods do not meet are not a double registration.

Hostile uploads (limits as the platform's statistics uploads, ``ecoledger.platform.submissions``,
sized for boundaries): ``Limits.upload_bytes`` (16 MiB) per upload; an archive of at most
``zip_entries`` members, none absolute, with ``..``, a drive letter or a link, none encrypted,
unpacking to at most ``unpacked_bytes`` (128 MiB, counted while unpacking, whatever the headers
declare) and at a ratio of at most ``zip_ratio``:1 per member above 1 MiB; only the shapefile and
GeoPackage members are unpacked; at most ``features`` (20 000) features and ``vertices``
(5 000 000) vertices; the first ``max_problems`` problems are listed. The platform's request
guard (``platform.app.REQUEST_LIMIT_BYTES``, 2 MiB) must be raised for the route that takes
parcel files. A shapefile without ``.cpg`` is read as UTF-8, else as GB18030 (with a warning).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ecoledger.errors import InputError, Problem, SubmissionError
from ecoledger.limits import human_bytes
from ecoledger.messages import register, text
from ecoledger.pack.manifest import Pack, code_text, load_pack
from ecoledger.pack.validate import ALBERS_CHINA

PREFIX = "registry.parcels."
OVERLAP_TOLERANCE_M2 = 1.0
GAP_MIN_AREA_M2 = 100.0
MIN_PARCEL_AREA_M2 = 1.0
OUTSIDE_TOLERANCE = 0.02  # share of a parcel's area that may lie outside its county
OUTSIDE_TOLERANCE_M2 = 1.0
DEMO_MIN_AREA_M2 = 10_000.0  # 1 ha: county-edge slivers of a 1 km cell are not drawn
DEMONSTRATION_STATUS = "demonstration"
DEMONSTRATION_NOTE = "demonstration: not a registered parcel"
DEMONSTRATION_NOTE_ZH = "示范数据：并非已登记的宗地"
DEMONSTRATION_OWNER = "示范村集体 {k}"  # fictitious village collectives, numbered
DEMONSTRATION_VALID_FROM = "2020-01-01"  # fictitious, as the rest
CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)  # west, south, east, north: a sanity box
DATASET_SUFFIXES = (".shp", ".gpkg")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SQLITE_MAGIC = b"SQLite format 3\x00"
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # as platform.submissions: spreadsheets run them
EQUAL_AREA_METHODS = ("equal area", "mollweide", "sinusoidal", "equal earth", "eckert iv")


@dataclass(frozen=True)
class Limits:
    """Size limits of a parcel upload (module docstring); the registry may pass its own."""

    upload_bytes: int = 16 * 2**20
    unpacked_bytes: int = 128 * 2**20
    zip_entries: int = 100
    zip_ratio: int = 100
    features: int = 20_000
    vertices: int = 5_000_000
    text_chars: int = 200
    max_problems: int = 200


LIMITS = Limits()

# --- vocabulary ----------------------------------------------------------------------------------

FIELDS: dict[str, tuple[str, str, tuple[str, ...]]] = {  # field → (en label, zh label, zh names)
    "serial": ("serial number", "登记编号", ("编号", "登记编号", "不动产单元号", "单元号", "宗地编号",
                                           "宗地号")),
    "type": ("resource type", "资源类型", ("类型", "资源类型", "自然资源类型", "登记类型")),
    "owner": ("owner", "权利人", ("权利人", "所有权人", "权属人", "权利人名称")),
    "owner_type": ("owner type", "权利人类型", ("权利人类型", "权利人性质", "权属性质", "所有权性质")),
    "county": ("county code", "所在县代码", ("县代码", "行政区划代码", "区划代码", "所在县",
                                             "县级代码", "adcode")),
    "right_type": ("right type", "权利类型", ("权利类型", "权属类型", "权利种类")),
    "valid_from": ("valid from", "起始日期", ("起始日期", "有效期起", "开始日期", "登记日期")),
    "valid_to": ("valid to", "终止日期", ("终止日期", "有效期止", "结束日期", "到期日期")),
}
OPTIONAL_FIELDS = ("valid_to",)
VOCABULARY: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {  # kind → code → (zh, aliases)
    "type": {
        "forest": ("森林", ("森林", "林地", "林", "forest")),
        "water": ("水流", ("水流", "水域", "水面", "河流", "湖泊", "水库", "water")),
        "wetland": ("湿地", ("湿地", "wetland")),
        "farmland": ("耕地", ("耕地", "农田", "farmland", "cropland")),
        "grassland": ("草原", ("草原", "草地", "grassland")),
    },
    "owner_type": {
        "state": ("国家", ("国家", "国有", "全民所有", "国家所有", "state")),
        "collective": ("集体", ("集体", "农民集体", "集体所有", "村集体", "collective")),
        "individual": ("个人", ("个人", "自然人", "农户", "individual")),
        "organisation": ("单位", ("单位", "企业", "法人", "合作社", "其他组织", "organisation",
                                  "organization")),
    },
    "right_type": {
        "ownership": ("所有权", ("所有权", "ownership")),
        "use": ("使用权", ("使用权", "use")),
        "management": ("经营权", ("经营权", "management")),
    },
}
OWNERS_OF_RESOURCES = ("state", "collective")  # who may hold the ownership (Constitution art. 9–10)
LANDCOVER_TYPES = {"forest": "forest", "shrub": "forest", "grassland": "grassland",
                   "farmland": "farmland"}  # ecosystem → parcel type (wetland: by subtype, below)
WATER_SUBTYPES = ("", "lake", "river", "reservoir")  # wetland classes that are water (水流)
GEOS_REASONS_ZH = {
    "Self-intersection": "自相交", "Ring Self-intersection": "环自相交",
    "Too few distinct points in geometry component": "几何部件的不同点过少",
    "Too few points in geometry component": "几何部件的点过少",
    "Hole lies outside shell": "内环位于外环之外", "Holes are nested": "内环相互嵌套",
    "Interior is disconnected": "内部不连通", "Nested shells": "外环相互嵌套",
    "Duplicate Rings": "环重复", "Invalid Coordinate": "坐标无效", "Ring is not closed": "环未闭合",
    "Repeated Point": "点重复",
}
KINDS_ZH = {"Point": "点", "MultiPoint": "多点", "LineString": "线", "MultiLineString": "多线",
            "LinearRing": "线环", "GeometryCollection": "几何集合"}

register({
    # files and archives
    "upload.fix": ("请上传宗地的 GeoPackage（`.gpkg`）文件，或将 SHP 文件的各组成文件"
                   "（`.shp`、`.shx`、`.dbf`、`.prj`、`.cpg`）压缩为一个 zip 上传",
                   "upload the parcels as a GeoPackage (.gpkg), or the shapefile's files "
                   "(.shp, .shx, .dbf, .prj, .cpg) zipped together"),
    "split.fix": ("请按乡镇或资源类型拆分为多个文件，每个不超过 {limit}、{features} 个宗地",
                  "split the parcels into several files (by township or type) of at most {limit} "
                  "and {features} parcels each"),
    "missing": ("文件不存在", "the file does not exist"),
    "missing.fix": ("请更正路径", "correct the path"),
    "empty": ("文件为空", "the file is empty"),
    "too_large": ("文件大小为 {size}，超过 {limit} 的上限",
                  "the file has {size}, above the limit of {limit}"),
    "kind": ("不接受 `{suffix}` 文件", "a {suffix} file is not accepted"),
    "shp_alone": ("单独的 `.shp` 文件缺少属性与索引（`.dbf`、`.shx`）",
                  "a .shp file alone lacks its attributes and index (.dbf, .shx)"),
    "shp_alone.fix": ("请将 SHP 文件的各组成文件（`.shp`、`.shx`、`.dbf`、`.prj`、`.cpg`）压缩为"
                      "一个 zip 上传",
                      "zip the shapefile's files (.shp, .shx, .dbf, .prj, .cpg) together and upload "
                      "the zip"),
    "zip_damaged": ("压缩包已损坏，无法读取", "the zip archive is damaged and cannot be read"),
    "zip_damaged.fix": ("请重新压缩后上传", "zip the files again and upload the new archive"),
    "zip_encrypted": ("压缩包已加密", "the zip archive is encrypted"),
    "zip_encrypted.fix": ("请上传未加密的压缩包", "upload an archive without a password"),
    "zip_unsafe": ("压缩包中的 `{member}` 指向压缩包以外的位置（绝对路径、`..` 或链接）",
                   "the archive member `{member}` points outside the archive (an absolute path, "
                   "`..` or a link)"),
    "zip_unsafe.fix": ("请只压缩数据文件本身（不含上级目录与链接）",
                       "zip the data files themselves, without parent folders or links"),
    "zip_bomb": ("压缩包解压后超过 {limit}，或压缩比超过 {ratio}:1，疑为压缩炸弹，已拒绝",
                 "the archive unpacks to more than {limit} or at a ratio above {ratio}:1: refused "
                 "as a possible zip bomb"),
    "zip_entries": ("压缩包含 {count} 个文件，超过 {limit} 个的上限",
                    "the archive holds {count} files, more than {limit}"),
    "zip.fix": ("请只压缩宗地数据文件；数据过大时请拆分",
                "zip only the parcels' files; split a larger set"),
    "no_dataset": ("未找到 SHP 文件（`.shp`）或 GeoPackage（`.gpkg`）",
                   "found no shapefile (.shp) or GeoPackage (.gpkg)"),
    "several_datasets": ("含有多个数据集：{names}", "holds several datasets: {names}"),
    "several_datasets.fix": ("请每次上传一个数据集", "upload one dataset at a time"),
    "shp_parts": ("SHP 文件 `{name}` 缺少 {missing}", "the shapefile `{name}` lacks {missing}"),
    "shp_parts.fix": ("请将同名的 `.shp`、`.shx`、`.dbf`（及 `.prj`、`.cpg`）一起上传",
                      "upload the .shp, .shx and .dbf (and .prj, .cpg) of the same name together"),
    "unreadable": ("无法读取：`{error}`", "cannot be read: {error}"),
    "unreadable.fix": ("请在 QGIS 中打开检查，重新导出为 GeoPackage 后上传",
                       "open it in QGIS to check, export it again as GeoPackage and upload that"),
    "layers": ("文件含有多个图层（{layers}），未指定读取哪一个",
               "the file holds several layers ({layers}) and none was chosen"),
    "layers.fix": ("请指定图层，或只保留宗地图层", "name the layer to read, or keep only the parcels' layer"),
    "no_layer": ("文件中没有图层 `{layer}`；现有图层：{layers}",
                 "the file has no layer `{layer}`; its layers: {layers}"),
    "no_layer.fix": ("请指定现有图层之一", "name one of its layers"),
    "no_features": ("图层中没有要素", "the layer has no features"),
    "no_features.fix": ("请上传含有宗地的图层", "upload the layer holding the parcels"),
    "no_geometry": ("图层 `{layer}` 没有几何，不是宗地边界图层",
                    "the layer `{layer}` has no geometries: it is not a layer of parcel boundaries"),
    "no_geometry.fix": ("请上传宗地的面图层", "upload the polygon layer of the parcels"),
    "too_many_features": ("图层有 {count} 个要素，超过 {features} 个的上限",
                          "the layer has {count} features, more than {features}"),
    "too_many_vertices": ("边界共有 {count} 个顶点，超过 {limit} 个的上限",
                          "the boundaries have {count} vertices in all, more than {limit}"),
    "too_many_vertices.fix": ("请在 QGIS 中简化边界（容差不超过 0.5 米），或拆分文件",
                              "simplify the boundaries in QGIS (tolerance at most 0.5 m) or split "
                              "the file"),
    "encoding": ("SHP 文件没有 `.cpg`，文本按 {encoding} 编码读取",
                 "the shapefile has no .cpg: its text was read as {encoding}"),
    "encoding.fix": ("请核对权利人等中文内容；导出时选择 UTF-8 编码（会写出 `.cpg`）可避免此问题",
                     "check the owner names; export with UTF-8 encoding (which writes a .cpg) to "
                     "avoid this"),
    "more": ("另有 {count} 个问题未列出", "{count} more problems are not listed"),
    "more.fix": ("请先更正以上问题再上传", "fix those listed and upload again"),
    # coordinate reference systems
    "crs_missing": ("文件没有坐标参考系（缺少 `.prj` 或未定义）{hint_zh}",
                    "the file has no coordinate reference system (no .prj, or none defined){hint}"),
    "crs_missing.hint": ("；坐标值看起来是经纬度", "; the coordinates look like longitude and latitude"),
    "crs_missing.fix": ("请在 QGIS 中为图层指定坐标系（如 CGCS2000，EPSG:4490）后重新导出，或在上传时"
                        "声明坐标系",
                        "assign the CRS in QGIS (e.g. CGCS2000, EPSG:4490) and export again, or "
                        "declare the CRS with the upload"),
    "crs_assumed": ("文件没有坐标参考系，按声明的 `{crs}` 读取",
                    "the file has no CRS: read as the declared {crs}"),
    "crs_assumed.fix": ("请核对宗地位置", "check that the parcels lie where they should"),
    "crs_unknown": ("无法识别坐标参考系 `{crs}`", "the coordinate reference system `{crs}` is not known"),
    "crs_unknown.fix": ("请写成 `EPSG:4490` 等形式", "write it as e.g. EPSG:4490"),
    "crs_not_degrees": ("坐标参考系 `{crs}` 是地理坐标（经纬度），但坐标值超出 ±180°、±90°（范围 {bounds}）",
                        "the CRS {crs} is geographic (degrees), but the coordinates exceed ±180°, "
                        "±90° (extent {bounds})"),
    "crs_not_degrees.fix": ("坐标多半是投影坐标（米）：请为图层指定正确的投影坐标系"
                            "（如 CGCS2000 3 度带，EPSG:4513–4554）",
                            "the coordinates are probably projected metres: assign the right "
                            "projected CRS (e.g. a CGCS2000 3-degree zone, EPSG:4513–4554)"),
    "crs_transform": ("边界无法从 `{crs}` 转换到等积坐标系（得到无效坐标）",
                      "the boundary cannot be transformed from {crs} to the equal-area CRS "
                      "(invalid coordinates)"),
    "crs_transform.fix": ("请核对坐标参考系是否与坐标值相符", "check that the CRS matches the coordinates"),
    "outside_china": ("宗地范围（经度 {west}–{east}，纬度 {south}–{north}）超出中国范围",
                      "the parcels (longitude {west}–{east}, latitude {south}–{north}) lie outside "
                      "China"),
    "outside_china.fix": ("请核对坐标参考系是否与坐标值相符", "check that the CRS matches the coordinates"),
    "not_equal_area": ("数据包的核算坐标系 `{crs}` 不是等积投影，面积改按中国 Albers 等积投影计算",
                       "the pack's accounting CRS {crs} is not equal-area: areas are computed in "
                       "the Albers equal-area projection for China instead"),
    "not_equal_area.fix": ("无需处理；如需按数据包计算，请为数据包使用等积投影",
                           "nothing to do; give the pack an equal-area CRS to compute in it"),
    "note.pack": ("面积、重叠与空隙按数据包的核算坐标系（等积）计算：`{crs}`",
                  "areas, overlaps and gaps are computed in the region pack's accounting CRS "
                  "(equal-area): {crs}"),
    "note.albers_china": ("面积、重叠与空隙按中国 Albers 等积投影计算：`{crs}`",
                          "areas, overlaps and gaps are computed in the Albers equal-area "
                          "projection for China: {crs}"),
    "note.given": ("面积、重叠与空隙按指定的等积坐标系计算：`{crs}`",
                   "areas, overlaps and gaps are computed in the equal-area CRS given: {crs}"),
    # columns
    "column_missing": ("缺少{label_zh}列 `{column}`（现有列：{available}）",
                       "the column `{column}` ({label}) is missing; the file's columns: {available}"),
    "column_missing.fix": ("请添加该列，或在列对应关系中指明哪一列是{label_zh}（也可用中文列名 {aliases}）",
                           "add it, or map the file's column holding the {label} to `{column}` "
                           "(the Chinese names {aliases} are read too)"),
    "column_mapped_missing": ("列对应关系为{label_zh}（`{column}`）指定的列 `{source}` 不在文件中"
                              "（现有列：{available}）",
                              "the column mapping names `{source}` for `{column}` ({label}), which "
                              "the file lacks; its columns: {available}"),
    "column_mapped_missing.fix": ("请更正列对应关系", "map it to one of the file's columns"),
    # values (the Chinese message is prefixed by the features and the field)
    "value_empty": ("为空", "is empty"),
    "value_empty.fix": ("请为每个宗地填写{label_zh}", "fill in the {label} of every parcel"),
    "duplicate": ("编号 `{value}` 重复出现 {count} 次", "the serial `{value}` appears {count} times"),
    "duplicate.fix": ("每个宗地须有唯一编号：请更正重复的编号", "give every parcel a serial of its own"),
    "unsafe": ("含有控制字符，或以 `=`、`+`、`-`、`@` 开头（电子表格会将其当作公式执行）",
               "holds control characters or starts with =, +, -, @ (run as a formula by spreadsheets)"),
    "unsafe.fix": ("请删除这些字符", "remove those characters"),
    "too_long": ("超过 {limit} 个字符", "is longer than {limit} characters"),
    "too_long.fix": ("请精简内容", "shorten it"),
    "unknown": ("`{value}` 不是可用的{label_zh}", "`{value}` is not a known {label}"),
    "unknown.fix": ("请填写以下之一：{known_zh}", "write one of {known}"),
    "right_owner": ("{owner_type_zh}不能享有自然资源所有权", "an owner of type {owner_type} cannot hold "
                    "the ownership of natural resources"),
    "right_owner.fix": ("自然资源只属于国家或集体所有（宪法第九、十条）：请更正权利类型（使用权或经营权）"
                        "或权利人类型",
                        "natural resources are owned by the state or collectives only "
                        "(Constitution, articles 9 and 10): correct the right type (use or "
                        "management) or the owner type"),
    "county_format": ("`{value}` 不是 6 位行政区划代码", "`{value}` is not a 6-digit administrative code"),
    "county_format.fix": ("请填写宗地所在县（市、区）的 6 位代码，如 `360124`",
                          "write the 6-digit code of the county the parcel lies in, e.g. 360124"),
    "county_unknown": ("`{value}` 不是数据包行政区划（`{file}`）中的单位",
                       "`{value}` is not a unit of the region pack ({file})"),
    "county_unknown.fix": ("请填写 `{file}` 中的县级代码", "write a county code of {file}"),
    "county_not_leaf": ("`{value}`（{name}）不是县级单位", "`{value}` ({name}) is not a county"),
    "county_not_leaf.fix": ("请填写宗地所在县（市、区）的代码，如 `{example}`",
                            "write the code of the county the parcel lies in, e.g. {example}"),
    "county_outside": ("宗地面积的 {share} 位于所填县 `{value}`（{name}）之外{where_zh}",
                       "{share} of the parcel's area lies outside its county {value} ({name}){where}"),
    "county_outside.where": ("；宗地中心位于 `{code}`（{name}）", "; its centre lies in {code} ({name})"),
    "county_outside.fix": ("请更正所在县代码或宗地边界", "correct the county code or the boundary"),
    "date_invalid": ("`{value}` 不是日期", "`{value}` is not a date"),
    "date_invalid.fix": ("请按 `YYYY-MM-DD` 格式填写日期，如 `2020-01-01`",
                         "write dates as YYYY-MM-DD, e.g. 2020-01-01"),
    "date_range": ("年份 {year} 不在 {first}–{last} 之间", "the year {year} is not within {first}–{last}"),
    "date_order": ("终止日期 {end} 早于起始日期 {start}", "the end date {end} is before the start {start}"),
    "date_order.fix": ("请更正起止日期", "correct the dates"),
    "geometry_missing": ("没有边界（几何为空或无法读取）", "has no boundary (empty or unreadable)"),
    "geometry_missing.fix": ("请为每个宗地绘制边界", "draw the boundary of every parcel"),
    "geometry_type": ("边界是{kind_zh}，不是面", "the boundary is a {kind}, not a polygon"),
    "geometry_type.fix": ("宗地边界须为面（多边形）：请上传面图层",
                          "parcels are polygons: upload the polygon layer"),
    "geometry_invalid": ("边界无效：{reason_zh}{at_zh}", "the boundary is not valid: {reason}{at}"),
    "geometry_invalid.at": ("，位置 {at}", " at {at}"),
    "geometry_invalid.fix": ("请在 QGIS 中用“修复几何图形”工具修复后重新上传，或选择自动修复（`make_valid`）",
                             "repair it (QGIS: Vector → Geometry Tools → Fix Geometries) and upload "
                             "again, or upload with the make_valid option"),
    "geometry_repaired": ("边界无效（{reason_zh}），已按 `make_valid` 自动修复，修复后面积 {area} m²",
                          "the boundary was not valid ({reason}) and was repaired by make_valid; "
                          "area after repair {area} m²"),
    "geometry_repaired.fix": ("请核对修复后的边界", "check the repaired boundary"),
    "geometry_repair_failed": ("边界无效（{reason_zh}），自动修复后不再是面",
                               "the boundary is not valid ({reason}) and is no polygon once repaired"),
    "geometry_repair_failed.fix": ("请在 QGIS 中重新绘制该宗地的边界",
                                   "redraw the parcel's boundary in QGIS"),
    "area_small": ("面积为 {area} m²，小于 {limit} m²", "the area is {area} m², below {limit} m²"),
    "area_small.fix": ("请核对边界（是否退化为线或点）",
                       "check the boundary (collapsed to a line or a point?)"),
    # demonstration parcels
    "demo_county": ("`{county}` 不是数据包中的县级单位", "`{county}` is not a county of the pack"),
    "demo_too_few": ("县 `{county}` 只有 {count} 个可抽取的地块，少于所需的 {n} 个",
                     "county {county} has {count} patches to draw from, fewer than the {n} asked for"),
}, prefix=PREFIX)
register({f"field.{name}": (zh, en) for name, (en, zh, _) in FIELDS.items()}, prefix=PREFIX)
register({f"{kind}.{code}": (zh, code) for kind, codes in VOCABULARY.items()
          for code, (zh, _) in codes.items()}, prefix=PREFIX)
register({"field.geometry": ("边界", "boundary")}, prefix=PREFIX)
register({f"geos.{reason}": (zh, reason) for reason, zh in GEOS_REASONS_ZH.items()}, prefix=PREFIX)
register({f"kind.{kind}": (zh, kind) for kind, zh in KINDS_ZH.items()}, prefix=PREFIX)


def label(kind: str, code: str, lang: str = "zh") -> str:
    """The name of a ``type``, ``owner_type`` or ``right_type`` code (or a field) in ``lang``."""
    return text(f"{PREFIX}{kind}.{code}", lang)


# --- results -------------------------------------------------------------------------------------


class ParcelError(SubmissionError):
    """Parcels are refused; ``problems`` lists every problem found at once (zh and en)."""


@dataclass(frozen=True)
class AreaCrs:
    """The equal-area CRS areas, overlaps and gaps are computed in, and why it was chosen."""

    crs: str  # as given: the pack's string, the PROJ string of ALBERS_CHINA, or the caller's
    kind: str  # "pack" | "given" | "albers_china"
    problems: tuple[Problem, ...] = ()  # a warning when the pack's CRS is not equal-area

    def note(self, lang: str = "zh") -> str:
        return text(f"{PREFIX}note.{self.kind}", lang, crs=self.crs)


@dataclass
class ParcelSet:
    """Accepted parcels: one row per feature, in the equal-area CRS (``area_crs``).

    ``parcels`` has ``fid`` (the file's feature id), the fields of the module docstring (codes in
    English, dates as ``YYYY-MM-DD`` text, ``valid_to`` None when open-ended), ``area_m2`` and the
    file's other columns; ``warnings`` are problems that did not refuse the file; ``repaired`` the
    feature ids whose boundary ``make_valid`` repaired.
    """

    parcels: gpd.GeoDataFrame
    file: str
    area_crs: AreaCrs
    source_crs: str
    warnings: list[Problem] = field(default_factory=list)
    repaired: list = field(default_factory=list)


@dataclass
class ParcelChecks:
    """Overlaps and gaps of a set of parcels (``check_parcels``)."""

    overlaps: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame | None
    area_crs: str
    tolerance_m2: float
    min_gap_m2: float


# --- problems ------------------------------------------------------------------------------------


def _phrase(key: str, lang: str, **fields) -> str:
    return text(PREFIX + key, lang, **fields)


def _file_problem(file: str, where: str, key: str, fix: str | None = None, severity: str = "error",
                  **fields) -> Problem:
    """A problem of the whole file (or a column), worded by ``key`` and its fix (``key.fix``)."""
    fix = fix or f"{key}.fix"
    return Problem(file, where, _phrase(key, "en", **fields), _phrase(fix, "en", **fields), severity,
                   _phrase(key, "zh", **fields), _phrase(fix, "zh", **fields))


def _refuse(file: str, where: str, key: str, fix: str | None = None, **fields) -> ParcelError:
    return ParcelError([_file_problem(file, where, key, fix, **fields)])


def _listing(values: Sequence, lang: str, limit: int = 10) -> str:
    values = [str(v) for v in values]
    if lang == "zh":
        shown = "、".join(values[:limit])
        return shown if len(values) <= limit else f"{shown}等 {len(values)} 个"
    shown = ", ".join(values[:limit])
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit} more"


def _codes(values: Iterable, lang: str) -> str:
    """Names quoted as code: `a`、`b` in Chinese, a, b in English."""
    values = list(values)
    return "、".join(f"`{v}`" for v in values) if lang == "zh" else ", ".join(map(str, values))


class _Rows:
    """Problems of features gathered into one Problem per column, message and fix."""

    def __init__(self, file: str):
        self.file = file
        self.found: dict[tuple, list] = {}

    def add(self, fid, column: str, field_name: str, key: str, fix: str | None = None,
            severity: str = "error", **fields) -> None:
        fields = {"label": text(f"{PREFIX}field.{field_name}", "en"),
                  "label_zh": text(f"{PREFIX}field.{field_name}", "zh"), **fields}
        fix = fix or f"{key}.fix"
        texts = (_phrase(key, "en", **fields), _phrase(fix, "en", **fields),
                 _phrase(key, "zh", **fields), _phrase(fix, "zh", **fields))
        self.found.setdefault((column, fields["label_zh"], severity, *texts), []).append(fid)

    def problems(self) -> list[Problem]:
        out = []
        for (column, label_zh, severity, message, fix, message_zh, fix_zh), fids in self.found.items():
            where = f"fid {_listing(fids, 'en')} · {column}"
            where_zh = f"第 {_listing(fids, 'zh')} 号要素 · {label_zh}（`{column}`）"
            out.append(Problem(self.file, where, message, fix, severity, f"{where_zh}：{message_zh}",
                               fix_zh))
        return out


def _raise_if_errors(file: str, problems: list[Problem], limits: Limits) -> None:
    if any(p.severity == "error" for p in problems):
        problems = sorted(problems, key=lambda p: p.severity != "error")  # errors first, stable
        if len(problems) > limits.max_problems:
            rest = len(problems) - limits.max_problems
            problems = [*problems[:limits.max_problems], _file_problem(file, "file", "more", count=rest)]
        raise ParcelError(problems)


# --- the equal-area CRS ----------------------------------------------------------------------------


def _pack(pack: str | Path | Pack | None) -> Pack | None:
    return pack if pack is None or isinstance(pack, Pack) else load_pack(pack)


def is_equal_area(crs) -> bool:
    """Whether ``crs`` is a projected CRS whose projection keeps areas."""
    crs = CRS(crs)
    operation = crs.coordinate_operation if crs.is_projected else None
    method = (operation.method_name if operation is not None else "").lower()
    return any(name in method for name in EQUAL_AREA_METHODS)


def overlapping_pairs(geoms: np.ndarray, label: np.ndarray | None = None):
    """``(a, b, shared)``: the index pairs a < b of ``geoms`` that intersect (with ``label``, only
    pairs of one label) and the area of each overlap, in the CRS's units² (STRtree candidates,
    exact GEOS intersection)."""
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b if label is None else (a < b) & (label[a] == label[b])
    a, b = a[keep], b[keep]
    shared = shapely.area(shapely.intersection(geoms[a], geoms[b])) if len(a) else np.array([])
    return a, b, shared


def equal_area_crs(pack: str | Path | Pack | None = None, area_crs: str | None = None) -> AreaCrs:
    """``area_crs`` if given (it must be equal-area: ``ValueError`` otherwise), else the pack's
    accounting CRS if it is equal-area, else ``ALBERS_CHINA`` (with a warning if a pack's was not)."""
    if area_crs is not None:
        if not is_equal_area(area_crs):
            raise ValueError(f"area_crs {area_crs!r} is not an equal-area projection")
        return AreaCrs(str(area_crs), "given")
    pack = _pack(pack)
    if pack is None:
        return AreaCrs(ALBERS_CHINA, "albers_china")
    if is_equal_area(pack.region.crs):
        return AreaCrs(pack.region.crs, "pack")
    warning = _file_problem("pack.toml", "region.crs", "not_equal_area", severity="warning",
                            crs=pack.region.crs)
    return AreaCrs(ALBERS_CHINA, "albers_china", (warning,))


def _crs_name(crs: CRS) -> str:
    """EPSG:n, else the PROJ string, else the name."""
    epsg = crs.to_epsg(min_confidence=90)
    if epsg:
        return f"EPSG:{epsg}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # to_proj4 warns that PROJ strings lose information
        return (crs.to_proj4() or crs.name).replace(" +type=crs", "")


# --- reading files and uploads ------------------------------------------------------------------------


def read_parcels_upload(filename: str, content: bytes, **options) -> ParcelSet:
    """``read_parcels`` of an upload: ``content`` is a GeoPackage or a zip (of a shapefile or a
    GeoPackage), told apart by its first bytes; ``filename`` names it in the problems only."""
    limits: Limits = options.get("limits", LIMITS)
    name = _display_name(filename)
    if not content:
        raise _refuse(name, "file", "empty", "upload.fix")
    if len(content) > limits.upload_bytes:
        raise _refuse(name, "file", "too_large", "split.fix", size=human_bytes(len(content)),
                      limit=human_bytes(limits.upload_bytes), features=limits.features)
    if content.startswith(ZIP_MAGIC):
        stored = "upload.zip"
    elif content.startswith(SQLITE_MAGIC):
        stored = "upload.gpkg"
    elif Path(name).suffix.lower() in SHAPEFILE_PARTS:
        raise _refuse(name, "file", "shp_alone")
    else:
        raise _refuse(name, "file", "kind", "upload.fix", suffix=Path(name).suffix or "(?)")
    with tempfile.TemporaryDirectory(prefix="ecoledger-parcels-") as folder:
        path = Path(folder) / stored
        path.write_bytes(content)
        return read_parcels(path, name=name, **options)


def read_parcels(source: str | Path, *, layer: str | None = None, name: str | None = None,
                 encoding: str | None = None, limits: Limits = LIMITS, **options) -> ParcelSet:
    """Parcels from a ``.gpkg``, a ``.shp``, a folder holding one, or a ``.zip`` of one.

    ``options`` are those of ``prepare_parcels`` (``columns``, ``pack``, ``units``, ``area_crs``,
    ``source_crs``, ``make_valid``). ``encoding`` overrides a shapefile's. Raises ParcelError,
    listing every problem, unless all features pass.
    """
    path = Path(source)
    name = name or path.name
    if not path.exists():
        raise _refuse(name, "file", "missing")
    with tempfile.TemporaryDirectory(prefix="ecoledger-parcels-") as folder:
        dataset = _dataset(path, name, Path(folder), limits)
        frame, notes = _read_layer(dataset, name, layer, encoding, limits)
    return prepare_parcels(frame, file=name, limits=limits, notes=notes, **options)


def _display_name(filename: str) -> str:
    """The file's base name without control characters, to name it in messages."""
    base = re.split(r"[\\/]", str(filename or ""))[-1]
    return CONTROL_CHARACTERS.sub("", base).strip()[:120] or "upload"


def _dataset(path: Path, name: str, scratch: Path, limits: Limits) -> Path:
    """The one shapefile or GeoPackage ``path`` is or holds (a zip is unpacked into ``scratch``)."""
    if path.is_dir():
        return _one_dataset([p for p in path.iterdir() if p.suffix.lower() in DATASET_SUFFIXES],
                            path, name, limits)
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(16)
    if suffix == ".zip" or head.startswith(ZIP_MAGIC):
        if path.stat().st_size > limits.upload_bytes:
            raise _refuse(name, "file", "too_large", "split.fix", size=human_bytes(path.stat().st_size),
                          limit=human_bytes(limits.upload_bytes), features=limits.features)
        unpacked = scratch / "unpacked"
        unpacked.mkdir()
        _unzip(path, unpacked, name, limits)
        found = [p for p in unpacked.rglob("*")
                 if p.is_file() and p.suffix.lower() in DATASET_SUFFIXES and "__MACOSX" not in p.parts]
        return _one_dataset(found, unpacked, name, limits)
    if suffix in DATASET_SUFFIXES:
        return _one_dataset([path], path.parent, name, limits)
    raise _refuse(name, "file", "kind", "upload.fix", suffix=suffix or "(?)")


def _one_dataset(found: list[Path], root: Path, name: str, limits: Limits) -> Path:
    found = sorted(p for p in found if not p.name.startswith("._"))
    if not found:
        raise _refuse(name, "file", "no_dataset", "upload.fix")
    if len(found) > 1:
        names = [str(p.relative_to(root)) for p in found]
        raise ParcelError([Problem(name, "file", _phrase("several_datasets", "en",
                                                         names=_codes(names, "en")),
                                   _phrase("several_datasets.fix", "en"), "error",
                                   _phrase("several_datasets", "zh", names=_codes(names, "zh")),
                                   _phrase("several_datasets.fix", "zh"))])
    dataset = found[0]
    parts = [dataset]
    if dataset.suffix.lower() == ".shp":
        siblings = {p.suffix.lower(): p for p in dataset.parent.iterdir()
                    if p.stem == dataset.stem and p.is_file()}
        missing = [s for s in (".shx", ".dbf") if s not in siblings]
        if missing:
            raise ParcelError([Problem(name, "file", *(
                _phrase(k, lang, name=dataset.name, missing=_codes(missing, lang))
                for k, lang in (("shp_parts", "en"), ("shp_parts.fix", "en"))), "error", *(
                _phrase(k, lang, name=dataset.name, missing=_codes(missing, lang))
                for k, lang in (("shp_parts", "zh"), ("shp_parts.fix", "zh"))))])
        parts = list(siblings.values())
    size = sum(p.stat().st_size for p in parts)
    if size > limits.unpacked_bytes:
        raise _refuse(name, "file", "too_large", "split.fix", size=human_bytes(size),
                      limit=human_bytes(limits.unpacked_bytes), features=limits.features)
    return dataset


def _unsafe_member(member: str, info: zipfile.ZipInfo) -> bool:
    """An absolute path, a drive letter, a ``..`` step, a NUL or a symbolic link."""
    normal = member.replace("\\", "/")
    is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
    return (normal.startswith("/") or re.match(r"^[A-Za-z]:", normal) is not None
            or ".." in normal.split("/") or "\x00" in normal or is_link)


def _unzip(path: Path, target: Path, name: str, limits: Limits) -> None:
    """Unpack the shapefile and GeoPackage members of ``path`` into ``target``, refusing the whole
    archive for an unsafe member, encryption, too many members or too many bytes (zip bomb)."""
    bomb = {"limit": human_bytes(limits.unpacked_bytes), "ratio": limits.zip_ratio}
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refuse(name, "file", "zip_damaged") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.zip_entries:
            raise _refuse(name, "file", "zip_entries", "zip.fix", count=len(entries),
                          limit=limits.zip_entries)
        for entry in entries:
            if _unsafe_member(entry.filename, entry):
                raise _refuse(name, "file", "zip_unsafe", member=entry.filename.replace("`", "'"))
            if entry.flag_bits & 0x1:
                raise _refuse(name, "file", "zip_encrypted")
        if sum(entry.file_size for entry in entries) > limits.unpacked_bytes:
            raise _refuse(name, "file", "zip_bomb", "zip.fix", **bomb)
        written = 0
        root = target.resolve()
        for entry in entries:
            member = entry.filename.replace("\\", "/")
            if (entry.is_dir() or Path(member).suffix.lower() not in (*SHAPEFILE_PARTS, ".gpkg")
                    or "__MACOSX" in member.split("/")):
                continue
            destination = (target / member).resolve()
            if root not in destination.parents:  # belt and braces after _unsafe_member
                raise _refuse(name, "file", "zip_unsafe", member=member.replace("`", "'"))
            destination.parent.mkdir(parents=True, exist_ok=True)
            member_bytes = 0
            try:
                with archive.open(entry) as source, destination.open("xb") as out:
                    while chunk := source.read(1 << 20):
                        member_bytes += len(chunk)
                        written += len(chunk)
                        ratio = member_bytes / max(entry.compress_size, 1)
                        if (written > limits.unpacked_bytes
                                or (member_bytes > 2**20 and ratio > limits.zip_ratio)):
                            raise _refuse(name, "file", "zip_bomb", "zip.fix", **bomb)
                        out.write(chunk)
            except ParcelError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
                    ValueError):
                # a bad CRC, an unsupported method, a member named twice (FileExistsError) …
                raise _refuse(name, "file", "zip_damaged") from None


def _gdal_message(exc: BaseException) -> str:
    message = " ".join(str(exc).split()).replace("`", "'")
    return re.sub(r"/\S*ecoledger-parcels-[^/\s]*/(unpacked/)?", "", message)[:300]


def _read_layer(dataset: Path, name: str, layer: str | None, encoding: str | None,
                limits: Limits) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """The features of ``layer`` (the only one, if None) with the fid as index."""
    import pyogrio

    notes: list[Problem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layers = [str(row[0]) for row in pyogrio.list_layers(dataset)]
        except Exception as exc:  # pyogrio raises DataSourceError and others
            raise _refuse(name, "file", "unreadable", error=_gdal_message(exc)) from None
        shown = {lang: _codes(layers[:20], lang) for lang in ("en", "zh")}
        if layer is None and len(layers) > 1:
            raise ParcelError([Problem(name, "layer", _phrase("layers", "en", layers=shown["en"]),
                                       _phrase("layers.fix", "en"), "error",
                                       _phrase("layers", "zh", layers=shown["zh"]),
                                       _phrase("layers.fix", "zh"))])
        if layer is not None and layer not in layers:
            raise ParcelError([Problem(name, "layer", *(
                _phrase(k, "en", layer=layer, layers=shown["en"]) for k in ("no_layer", "no_layer.fix")),
                "error", *(_phrase(k, "zh", layer=layer, layers=shown["zh"])
                           for k in ("no_layer", "no_layer.fix")))])
        if not layers:
            raise _refuse(name, "layer", "no_features")
        layer = layer or layers[0]
        try:
            info = pyogrio.read_info(dataset, layer=layer)
        except Exception as exc:
            raise _refuse(name, "file", "unreadable", error=_gdal_message(exc)) from None
        count = int(info.get("features", -1))
        if count > limits.features:
            raise _refuse(name, "layer", "too_many_features", "split.fix", count=count,
                          features=limits.features, limit=human_bytes(limits.upload_bytes))
        if count == 0:
            raise _refuse(name, "layer", "no_features")
        candidates = [encoding]
        if encoding is None and dataset.suffix.lower() == ".shp":
            has_cpg = any(p.suffix.lower() == ".cpg" and p.stem == dataset.stem
                          for p in dataset.parent.iterdir())
            if not has_cpg and str(info.get("encoding", "")).upper() in ("ISO-8859-1", ""):
                candidates = ["utf-8", "gb18030"]
        for chosen in candidates:
            try:
                frame = pyogrio.read_dataframe(dataset, layer=layer, encoding=chosen, fid_as_index=True,
                                               force_2d=True, on_invalid="ignore",
                                               max_features=limits.features + 1)
                break
            except UnicodeDecodeError:
                continue
            except Exception as exc:
                raise _refuse(name, "file", "unreadable", error=_gdal_message(exc)) from None
        else:
            raise _refuse(name, "file", "unreadable", error="the text is neither UTF-8 nor GB18030")
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name is None:
        raise _refuse(name, "layer", "no_geometry", layer=layer.replace("`", "'"))
    if chosen == "gb18030":
        notes.append(_file_problem(name, "file", "encoding", severity="warning", encoding="GB18030"))
    if len(frame) > limits.features:
        raise _refuse(name, "layer", "too_many_features", "split.fix", count=f"> {limits.features}",
                      features=limits.features, limit=human_bytes(limits.upload_bytes))
    return frame, notes


# --- checking a frame -----------------------------------------------------------------------------


def _match(header: str) -> str:
    return re.sub(r"\s+", " ", str(header)).strip().lower()


def _mapping(frame: pd.DataFrame, columns: Mapping[str, str] | None, file: str
             ) -> tuple[dict[str, str], list[Problem]]:
    """field → the frame's column, and the problems of missing ones."""
    columns = dict(columns or {})
    unknown = set(columns) - set(FIELDS)
    if unknown:
        raise ValueError(f"columns maps unknown fields {sorted(unknown)}; fields: {list(FIELDS)}")
    present = [c for c in frame.columns if c != frame.geometry.name]
    by_key = {}
    for column in present:
        by_key.setdefault(_match(column), column)
        first, _, rest = _match(column).partition(" ")
        if rest and re.search(r"[\u4e00-\u9fff]", rest):  # a bilingual header "owner 权利人"
            by_key.setdefault(first, column)
    available = {lang: _codes(present[:30], lang) or "—" for lang in ("en", "zh")}
    mapping, problems = {}, []
    for name, (label_en, label_zh, aliases) in FIELDS.items():
        fields = {"column": name, "label": label_en, "label_zh": label_zh}
        if name in columns:
            if columns[name] in present:
                mapping[name] = columns[name]
                continue
            fields["source"] = str(columns[name]).replace("`", "'")
            problems.append(Problem(file, f"header · {name}", *(
                _phrase(k, "en", available=available["en"], **fields)
                for k in ("column_mapped_missing", "column_mapped_missing.fix")), "error", *(
                _phrase(k, "zh", available=available["zh"], **fields)
                for k in ("column_mapped_missing", "column_mapped_missing.fix"))))
            continue
        found = next((by_key[_match(key)] for key in (name, *aliases) if _match(key) in by_key), None)
        if found is not None:
            mapping[name] = found
        elif name not in OPTIONAL_FIELDS:
            problems.append(Problem(file, f"header · {name}", *(
                _phrase(k, "en", available=available["en"], aliases=_codes(aliases[:4], "en"), **fields)
                for k in ("column_missing", "column_missing.fix")), "error", *(
                _phrase(k, "zh", available=available["zh"], aliases=_codes(aliases[:4], "zh"), **fields)
                for k in ("column_missing", "column_missing.fix"))))
    return mapping, problems


def _text_values(series: pd.Series) -> list[str]:
    """Cells as stripped text: integral numbers without ".0", blanks as ""."""
    numbers = pd.to_numeric(series, errors="coerce") if series.dtype.kind in "fiu" else None
    out = []
    for i, value in enumerate(series.tolist()):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            out.append("")
        elif numbers is not None and float(numbers.iloc[i]).is_integer():
            out.append(str(int(numbers.iloc[i])))
        else:
            out.append(str(value).strip())
    return out


def _lookup(kind: str) -> dict[str, str]:
    return {_match(alias): code for code, (_, aliases) in VOCABULARY[kind].items()
            for alias in (code, *aliases)}


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def _date(value) -> dt.date | bool | None:
    """A date, None for a blank, False for what is not a date."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    raw = str(value).strip()
    if not raw:
        return None
    raw = raw[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T][\d:.]+(Z|[+-][\d:]+)?", raw) else raw
    found = _DATE.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw)
    if not found:
        return False
    try:
        return dt.date(*(int(g) for g in found.groups()))
    except ValueError:
        return False


def prepare_parcels(frame: gpd.GeoDataFrame, *, file: str = "upload",
                    columns: Mapping[str, str] | None = None, pack: str | Path | Pack | None = None,
                    units: gpd.GeoDataFrame | None = None, area_crs: str | None = None,
                    source_crs: str | None = None, make_valid: bool = False, limits: Limits = LIMITS,
                    notes: Iterable[Problem] = ()) -> ParcelSet:
    """Check ``frame`` (its index is the feature id) and return it in the equal-area CRS.

    ``units`` (code, name, parent, geometry; default: the pack's ``units.gpkg``) enables the
    county checks; ``source_crs`` is used only when the frame has no CRS. Raises ParcelError
    listing every problem (the first ``limits.max_problems``) unless every feature passes.
    """
    pack = _pack(pack)
    area = equal_area_crs(pack, area_crs)
    problems = [*notes, *area.problems]
    if len(frame) > limits.features:
        raise _refuse(file, "layer", "too_many_features", "split.fix", count=len(frame),
                      features=limits.features, limit=human_bytes(limits.upload_bytes))
    if len(frame) == 0:
        raise _refuse(file, "layer", "no_features")
    units_file = "units"
    if units is None and pack is not None:
        units, units_file = _pack_units(pack), pack.manifest.units.file
    fids = list(frame.index)
    rows = _Rows(file)
    mapping, header_problems = _mapping(frame, columns, file)
    problems += header_problems
    values = {name: _field_values(frame, mapping, name, fids, rows, limits) for name in mapping}
    _check_fields(values, mapping, fids, rows, units, units_file)
    geometry, crs, repaired = _check_geometry(frame, fids, rows, file, problems, make_valid, source_crs,
                                              limits)
    projected = areas = None
    if crs is not None:
        projected, areas = _project(geometry, crs, area.crs, fids, rows, file, problems)
        if units is not None and "county" in values:
            _check_counties(projected, areas, values["county"], mapping["county"], units, area.crs,
                            fids, rows)
    for i, fields in repaired:
        value = f"{areas[i]:,.1f}" if areas is not None and np.isfinite(areas[i]) else "?"
        rows.add(fids[i], frame.geometry.name, "geometry", "geometry_repaired", severity="warning",
                 area=value, **fields)
    problems += rows.problems()
    _raise_if_errors(file, problems, limits)
    table = {"fid": fids}
    for name in FIELDS:
        column = values.get(name)
        table[name] = column if column is not None else [None] * len(fids)
    table["area_m2"] = areas
    used = set(mapping.values()) | {frame.geometry.name}
    for column in frame.columns:
        if column not in used:
            table[f"source_{column}" if column in table else column] = frame[column].to_numpy()
    parcels = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(projected, crs=area.crs))
    return ParcelSet(parcels, file, area, _crs_name(crs), [p for p in problems if p.severity != "error"],
                     [fids[i] for i, _ in repaired])


def _field_values(frame, mapping, name, fids, rows: _Rows, limits: Limits) -> list:
    """The field's values normalised (codes, ISO dates), problems of single cells added to rows."""
    column = mapping[name]
    series = frame[column]
    if name in ("valid_from", "valid_to"):
        out = []
        for fid, value in zip(fids, series.tolist(), strict=True):
            day = _date(value)
            if day is False:
                rows.add(fid, column, name, "date_invalid", value=str(value).replace("`", "'")[:40])
            elif day is None and name not in OPTIONAL_FIELDS:
                rows.add(fid, column, name, "value_empty")
            elif day and not 1949 <= day.year <= 2100:
                rows.add(fid, column, name, "date_range", "date_invalid.fix", year=day.year,
                         first=1949, last=2100)
            out.append(day.isoformat() if day else None)
        return out
    texts = code_text(series).tolist() if name == "county" else _text_values(series)
    vocabulary = _lookup(name) if name in VOCABULARY else None
    out = []
    for fid, value in zip(fids, texts, strict=True):
        if not value:
            rows.add(fid, column, name, "value_empty")
        elif len(value) > limits.text_chars:
            rows.add(fid, column, name, "too_long", limit=limits.text_chars)
            value = None
        elif CONTROL_CHARACTERS.search(value) or value.startswith(FORMULA_STARTS):
            rows.add(fid, column, name, "unsafe")
            value = None
        elif vocabulary is not None:
            code = vocabulary.get(_match(value))
            if code is None:
                codes = VOCABULARY[name]
                rows.add(fid, column, name, "unknown", value=value.replace("`", "'"),
                         known=", ".join(f"{c} ({zh})" for c, (zh, _) in codes.items()),
                         known_zh="、".join(f"{zh}（`{c}`）" for c, (zh, _) in codes.items()))
            value = code
        elif name == "county" and not re.fullmatch(r"\d{6}", value):
            rows.add(fid, column, name, "county_format", value=value.replace("`", "'"))
            value = None
        out.append(value or None)
    return out


def _check_fields(values: dict[str, list], mapping: dict[str, str], fids: list, rows: _Rows, units,
                  units_file: str) -> None:
    """Checks across cells and fields: duplicate serials, who may own, dates in order, counties."""
    serials = values.get("serial")
    if serials is not None:
        seen: dict[str, list] = {}
        for fid, serial in zip(fids, serials, strict=True):
            if serial:
                seen.setdefault(serial, []).append(fid)
        for serial, where in seen.items():
            if len(where) > 1:
                for fid in where:
                    rows.add(fid, mapping["serial"], "serial", "duplicate",
                             value=serial.replace("`", "'"), count=len(where))
    if "right_type" in values and "owner_type" in values:
        for fid, right, owner in zip(fids, values["right_type"], values["owner_type"], strict=True):
            if right == "ownership" and owner and owner not in OWNERS_OF_RESOURCES:
                rows.add(fid, mapping["right_type"], "right_type", "right_owner",
                         owner_type=owner, owner_type_zh=label("owner_type", owner, "zh"))
    if "valid_from" in values and "valid_to" in values:
        for fid, start, end in zip(fids, values["valid_from"], values["valid_to"], strict=True):
            if start and end and end < start:
                rows.add(fid, mapping["valid_to"], "valid_to", "date_order", start=start,
                         end=end)
    if units is not None and "county" in values:
        known = dict(zip(units["code"], units["name"], strict=True))
        parents = set(units["parent"])
        leaves = sorted(c for c in known if c not in parents)
        example = leaves[0] if leaves else "360124"
        county = values["county"]
        for i, (fid, code) in enumerate(zip(fids, county, strict=True)):
            if not code:
                continue
            if code not in known:
                rows.add(fid, mapping["county"], "county", "county_unknown", value=code,
                         file=units_file)
                county[i] = None
            elif code in parents:
                rows.add(fid, mapping["county"], "county", "county_not_leaf", value=code,
                         name=known[code], example=example)
                county[i] = None


def _check_geometry(frame, fids, rows: _Rows, file, problems, make_valid, source_crs, limits):
    """Shapely geometries (None where refused), the source CRS (None if refused) and the repaired
    ones (position, reason). Polygons only; invalid ones repaired with ``make_valid`` when asked."""
    column = frame.geometry.name
    geoms = np.asarray(frame.geometry.array, dtype=object)
    vertices = int(shapely.get_num_coordinates(geoms).sum())
    if vertices > limits.vertices:
        raise _refuse(file, column, "too_many_vertices", count=vertices, limit=limits.vertices)
    out = np.full(len(geoms), None, dtype=object)
    repaired = []
    for i, (fid, geom) in enumerate(zip(fids, geoms, strict=True)):
        if geom is None or geom.is_empty:
            rows.add(fid, column, "geometry", "geometry_missing")
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            rows.add(fid, column, "geometry", "geometry_type", kind=geom.geom_type,
                     kind_zh=KINDS_ZH.get(geom.geom_type, "其他几何"))
            continue
        reason = shapely.is_valid_reason(geom)
        if reason == "Valid Geometry":
            out[i] = geom
            continue
        kind, at = _reason(reason)
        fields = {"reason": kind, "reason_zh": GEOS_REASONS_ZH.get(kind, f"`{kind}`")}
        if not make_valid:
            rows.add(fid, column, "geometry", "geometry_invalid", **fields,
                     at=_phrase("geometry_invalid.at", "en", at=at) if at else "",
                     at_zh=_phrase("geometry_invalid.at", "zh", at=at) if at else "")
            continue
        fixed = _polygonal(shapely.make_valid(geom))
        if fixed is None:
            rows.add(fid, column, "geometry", "geometry_repair_failed", **fields)
            continue
        out[i] = fixed
        repaired.append((i, fields))  # the warning, with the area, once projected
    crs = frame.crs
    if crs is None and source_crs is not None:
        try:
            crs = CRS(source_crs)
        except CRSError:
            problems.append(_file_problem(file, "crs", "crs_unknown", crs=str(source_crs).replace("`", "'")))
            return out, None, repaired
        problems.append(_file_problem(file, "crs", "crs_assumed", severity="warning", crs=_crs_name(crs)))
    good = [g for g in out if g is not None]
    bounds = shapely.total_bounds(np.asarray(good, dtype=object)) if good else None
    if crs is None:
        degrees = bounds is not None and -180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] \
            and bounds[3] <= 90
        problems.append(_file_problem(
            file, "crs", "crs_missing", hint=_phrase("crs_missing.hint", "en") if degrees else "",
            hint_zh=_phrase("crs_missing.hint", "zh") if degrees else ""))
        return out, None, repaired
    crs = CRS(crs)
    if crs.is_geographic and bounds is not None and not (
            -180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] and bounds[3] <= 90):
        shown = ", ".join(f"{b:.6g}" for b in bounds)
        problems.append(_file_problem(file, "crs", "crs_not_degrees", crs=_crs_name(crs),
                                      bounds=f"({shown})"))
        return out, None, repaired
    return out, crs, repaired


def _reason(reason: str) -> tuple[str, str]:
    """GEOS's reason split into its kind and the location: ("Self-intersection", "(0.5, 0.5)")."""
    found = re.fullmatch(r"(.*?)\s*\[\s*([-\d.eE+]+)\s+([-\d.eE+]+)\s*\]\s*", reason)
    if not found:
        return reason, ""
    x, y = (f"{float(v):.6f}".rstrip("0").rstrip(".") for v in found.groups()[1:])
    return found[1], f"({x}, {y})"


def _polygonal(geom):
    """The polygonal part of ``geom`` (a Polygon or MultiPolygon), None if it has none."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in ("Polygon", "MultiPolygon") and not merged.is_empty else None


def _project(geoms, crs: CRS, target: str, fids, rows: _Rows, file, problems):
    """``geoms`` in the equal-area ``target`` and their areas (m²); refuses what does not project."""
    projected = np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs(target).array, dtype=object)
    areas = np.full(len(geoms), np.nan)
    column = "geometry"
    for i, (fid, geom) in enumerate(zip(fids, projected, strict=True)):
        if geom is None:
            continue
        if not np.isfinite(shapely.bounds(geom)).all():
            rows.add(fid, column, "geometry", "crs_transform", crs=_crs_name(crs))
            projected[i] = None
            continue
        areas[i] = shapely.area(geom)
        if areas[i] < MIN_PARCEL_AREA_M2:
            rows.add(fid, column, "geometry", "area_small", area=f"{areas[i]:.3g}", limit=MIN_PARCEL_AREA_M2)
    good = [g for g in projected if g is not None]
    if good:
        lon_lat = gpd.GeoSeries(good, crs=target).to_crs(4326).total_bounds
        west, south, east, north = CHINA_LONLAT
        if lon_lat[2] < west or lon_lat[0] > east or lon_lat[3] < south or lon_lat[1] > north:
            problems.append(_file_problem(file, "crs", "outside_china", severity="warning",
                                          **dict(zip(("west", "south", "east", "north"),
                                                     (f"{v:.3f}" for v in lon_lat), strict=True))))
    return projected, areas


def _pack_units(pack: Pack) -> gpd.GeoDataFrame:
    """The pack's units (code, name, level, parent, geometry) in the pack's CRS."""
    fields = pack.manifest.units
    path = pack.path(fields.file)
    raw = gpd.read_file(path, layer=fields.layer) if fields.layer else gpd.read_file(path)
    return gpd.GeoDataFrame({"code": code_text(raw[fields.code]), "name": raw[fields.name].astype(str),
                             "level": raw[fields.level].astype(str),
                             "parent": code_text(raw[fields.parent])},
                            geometry=raw.geometry.to_crs(pack.region.crs))


def _check_counties(geoms, areas, counties, column, units, target, fids, rows: _Rows) -> None:
    """A parcel with more than OUTSIDE_TOLERANCE of its area outside its county is refused."""
    units = units.to_crs(target)
    shapes = dict(zip(units["code"], units.geometry, strict=True))
    names = dict(zip(units["code"], units["name"], strict=True))
    parents = set(units["parent"])
    leaves = units[~units["code"].isin(parents)]
    tree = shapely.STRtree(np.asarray(leaves.geometry.array, dtype=object))
    for code in {c for c in counties if c}:
        county = shapes[code]
        shapely.prepare(county)
        for i in (i for i, c in enumerate(counties) if c == code and geoms[i] is not None):
            if county.covers(geoms[i]):
                continue
            outside = shapely.area(shapely.difference(geoms[i], county))
            if outside <= max(OUTSIDE_TOLERANCE_M2, OUTSIDE_TOLERANCE * areas[i]):
                continue
            centre = shapely.point_on_surface(geoms[i])
            hits = [leaves["code"].iloc[j] for j in tree.query(centre, predicate="intersects")]
            where = {"where": "", "where_zh": ""}
            if hits and hits[0] != code:
                where = {k: _phrase("county_outside.where", lang, code=hits[0], name=names[hits[0]])
                         for k, lang in (("where", "en"), ("where_zh", "zh"))}
            rows.add(fids[i], column, "county", "county_outside", value=code, name=names[code],
                     share=f"{outside / areas[i]:.1%}", **where)


# --- overlaps and gaps --------------------------------------------------------------------------------


def _frame(parcels: ParcelSet | gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """Parcels in an equal-area CRS (a frame in another CRS is projected to ALBERS_CHINA) and the
    CRS's name for the outputs."""
    if isinstance(parcels, ParcelSet):
        return parcels.parcels, parcels.area_crs.crs
    if parcels.crs is None:
        raise ValueError("the parcels have no CRS")
    if is_equal_area(parcels.crs):
        return parcels, _crs_name(CRS(parcels.crs))
    return parcels.to_crs(ALBERS_CHINA), ALBERS_CHINA


def _column_or(frame: pd.DataFrame, name: str, default=None) -> list:
    return frame[name].tolist() if name in frame else [default] * len(frame)


def _lon_lat(geoms, crs) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of a point on each geometry, to find it on a map."""
    if len(geoms) == 0:
        return np.array([]), np.array([])
    points = gpd.GeoSeries(shapely.point_on_surface(np.asarray(geoms, dtype=object)), crs=crs).to_crs(4326)
    return points.x.to_numpy().round(6), points.y.to_numpy().round(6)


def overlaps(parcels: ParcelSet | gpd.GeoDataFrame, others: ParcelSet | gpd.GeoDataFrame | None = None,
             *, tolerance_m2: float = OVERLAP_TOLERANCE_M2, same_right_type: bool = True,
             same_period: bool = True) -> gpd.GeoDataFrame:
    """Pairs of parcels overlapping by at least ``tolerance_m2`` m² (a right registered twice).

    Candidates come from an STRtree of the boundaries; the overlap is the exact GEOS intersection
    in the equal-area CRS. With ``same_right_type`` only parcels of one right type pair up; with
    ``same_period`` only those whose validity periods meet. ``others`` pair with ``parcels`` only
    (not among themselves). Columns: serial_a, serial_b, fid_a, fid_b, right_type, type_a, type_b,
    owner_a, owner_b, area_a_m2, area_b_m2, overlap_m2, share_a, share_b (overlap / area, 0–1),
    lon, lat (a point of the overlap, WGS 84), area_crs, geometry (the overlap), largest first.
    """
    frame, crs_text = _frame(parcels)
    n_new = len(frame)
    if others is not None:
        extra, _ = _frame(others)
        frame = pd.concat([frame, extra.to_crs(frame.crs)], ignore_index=True)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    serial = _column_or(frame, "serial")
    fid = _column_or(frame, "fid")
    right = _column_or(frame, "right_type")
    kind = _column_or(frame, "type")
    owner = _column_or(frame, "owner")
    start = [_date(v) or dt.date.min for v in _column_or(frame, "valid_from")]
    end = [_date(v) or dt.date.max for v in _column_or(frame, "valid_to")]
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = (a < b) & (a < n_new)
    a, b = a[keep], b[keep]
    if same_right_type:
        keep = np.array([right[i] == right[j] for i, j in zip(a, b, strict=True)], dtype=bool)
        a, b = a[keep], b[keep]
    if same_period:
        keep = np.array([start[i] <= end[j] and start[j] <= end[i] for i, j in zip(a, b, strict=True)],
                        dtype=bool)
        a, b = a[keep], b[keep]
    shared = shapely.intersection(geoms[a], geoms[b]) if len(a) else np.array([], dtype=object)
    shared = np.array([_polygonal(g) for g in shared], dtype=object)
    area = np.array([shapely.area(g) if g is not None else 0.0 for g in shared])
    keep = area >= tolerance_m2
    a, b, shared, area = a[keep], b[keep], shared[keep], area[keep]
    area_a, area_b = shapely.area(geoms[a]), shapely.area(geoms[b])
    lon, lat = _lon_lat(shared, frame.crs)
    table = gpd.GeoDataFrame({
        "serial_a": [serial[i] for i in a], "serial_b": [serial[j] for j in b],
        "fid_a": [fid[i] for i in a], "fid_b": [fid[j] for j in b],
        "right_type": [right[i] for i in a],
        "type_a": [kind[i] for i in a], "type_b": [kind[j] for j in b],
        "owner_a": [owner[i] for i in a], "owner_b": [owner[j] for j in b],
        "area_a_m2": area_a, "area_b_m2": area_b, "overlap_m2": area,
        "share_a": area / np.where(area_a > 0, area_a, np.nan),
        "share_b": area / np.where(area_b > 0, area_b, np.nan),
        "lon": lon, "lat": lat, "area_crs": [crs_text] * len(a),
    }, geometry=gpd.GeoSeries(list(shared), crs=frame.crs))
    return table.sort_values("overlap_m2", ascending=False, kind="stable").reset_index(drop=True)


def gaps(parcels: ParcelSet | gpd.GeoDataFrame, boundary: gpd.GeoDataFrame | gpd.GeoSeries, *,
         min_area_m2: float = GAP_MIN_AREA_M2, right_type: str | None = None) -> gpd.GeoDataFrame:
    """The parts of the registration area ``boundary`` (its union) that no parcel covers (of
    ``right_type`` only, if given), each of at least ``min_area_m2`` m².

    Columns: gap_id (1…), area_m2, share_of_area (gap / registration area), lon, lat (a point of
    the gap, WGS 84), area_crs, geometry; largest first.
    """
    frame, crs_text = _frame(parcels)
    if boundary.crs is None:
        raise ValueError("the registration area has no CRS")
    if right_type is not None:
        frame = frame[frame["right_type"] == right_type]
    region = shapely.union_all(np.asarray(boundary.to_crs(frame.crs).geometry.array, dtype=object))
    covered = shapely.union_all(np.asarray(frame.geometry.array, dtype=object))
    rest = shapely.difference(region, covered)
    parts = [p for p in shapely.get_parts(rest) if p.geom_type == "Polygon"] if not rest.is_empty else []
    parts = sorted((p for p in parts if p.area >= min_area_m2), key=lambda p: -p.area)
    areas = np.array([p.area for p in parts])
    lon, lat = _lon_lat(parts, frame.crs)
    total = region.area
    return gpd.GeoDataFrame({
        "gap_id": np.arange(1, len(parts) + 1), "area_m2": areas,
        "share_of_area": areas / total if total > 0 else np.full(len(parts), np.nan),
        "lon": lon, "lat": lat, "area_crs": [crs_text] * len(parts),
    }, geometry=gpd.GeoSeries(parts, crs=frame.crs))


def check_parcels(parcels: ParcelSet | gpd.GeoDataFrame,
                  boundary: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                  others: ParcelSet | gpd.GeoDataFrame | None = None, *,
                  tolerance_m2: float = OVERLAP_TOLERANCE_M2, min_area_m2: float = GAP_MIN_AREA_M2,
                  same_right_type: bool = True, same_period: bool = True) -> ParcelChecks:
    """``overlaps`` and (with a registration area ``boundary``) ``gaps`` of the parcels."""
    return ParcelChecks(
        overlaps(parcels, others, tolerance_m2=tolerance_m2, same_right_type=same_right_type,
                 same_period=same_period),
        gaps(parcels, boundary, min_area_m2=min_area_m2) if boundary is not None else None,
        _frame(parcels)[1], tolerance_m2, min_area_m2)


def write_checks(checks: ParcelChecks, folder: str | Path) -> dict[str, Path]:
    """``overlaps.csv``, ``gaps.csv`` (UTF-8 with BOM, for Excel) and ``checks.gpkg`` (layers
    ``overlaps``, ``gaps``) in ``folder``; each file is written aside and renamed into place. In
    the CSV a text cell a spreadsheet would run as a formula gets a leading apostrophe — the PROJ
    string of ``area_crs`` (``'+proj=aea …``) too; the GeoPackage keeps the values as they are."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"overlaps": checks.overlaps}
    if checks.gaps is not None:
        tables["gaps"] = checks.gaps
    written = {}
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        staging = folder / f".{name}.csv.{os.getpid()}"
        _csv_safe(pd.DataFrame(table.drop(columns=table.geometry.name))).to_csv(
            staging, index=False, encoding="utf-8-sig")
        staging.replace(path)
        written[name] = path
    staging = folder / f".checks.{os.getpid()}.gpkg"
    staging.unlink(missing_ok=True)
    try:
        for name, table in tables.items():
            table.to_file(staging, layer=name, driver="GPKG")
        staging.replace(folder / "checks.gpkg")
    finally:
        staging.unlink(missing_ok=True)
    written["gpkg"] = folder / "checks.gpkg"
    return written


def _csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula get a leading apostrophe."""
    table = table.copy()
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
                             for v in table[column]]
    return table


# --- registration areas and demonstration parcels -------------------------------------------------------


def unit_boundary(pack: str | Path | Pack, code: str) -> gpd.GeoSeries:
    """The boundary of unit ``code`` of the pack's ``units.gpkg`` (e.g. a county), in the pack's
    CRS: a registration area for ``gaps``. ``KeyError`` for an unknown code."""
    units = _pack_units(_pack(pack))
    chosen = units[units["code"] == str(code)]
    if chosen.empty:
        raise KeyError(code)
    return chosen.geometry.reset_index(drop=True)


def _landcover_types(crosswalk: pd.DataFrame) -> dict[int, str]:
    """Land-cover class → parcel type: forest and shrub (林地 includes 灌木林地) → forest,
    grassland, farmland; wetland marsh-like subtypes → wetland, open water (lake, river,
    reservoir, no subtype) → water; others (urban, bare …) are not drawn."""
    out = {}
    subtypes = crosswalk["subtype"].fillna("").astype(str) if "subtype" in crosswalk else None
    for i, (code, ecosystem) in enumerate(zip(crosswalk["class"], crosswalk["ecosystem"], strict=True)):
        subtype = subtypes.iloc[i].strip() if subtypes is not None else ""
        if ecosystem == "wetland":
            out[int(code)] = "water" if subtype in WATER_SUBTYPES else "wetland"
        elif ecosystem in LANDCOVER_TYPES:
            out[int(code)] = LANDCOVER_TYPES[ecosystem]
    return out


def demonstration_parcels(pack: str | Path | Pack, n: int = 40, *, county: str | None = None,
                          seed: int = 0, tile_m: float = 3000.0, min_area_m2: float = DEMO_MIN_AREA_M2,
                          year: int | None = None) -> gpd.GeoDataFrame:
    """``n`` demonstration parcels drawn from a real pack: contiguous patches of one land-cover
    class inside one real county, cut by a ``tile_m`` grid aligned with the land-cover cells (so a
    parcel is at most village-sized), parts below ``min_area_m2`` dropped, ``n`` drawn at random
    (``seed``). ``county`` defaults to the first county in a seeded order with at least ``n``.

    Not registered parcels: ``status`` is "demonstration", ``note`` "demonstration: not a
    registered parcel" (``note_zh`` in Chinese), owners are fictitious ("示范村集体 1" …, one per
    2 × 2 tiles), serials ``DEMO-<county>-0001`` …, all ownership rights of collectives valid from
    2020-01-01. Columns: the fields of the module docstring, landcover_class, landcover_label,
    county_name, area_m2, status, note, note_zh, geometry (the pack's CRS). The parcels do not
    overlap and each covers cells of its class only.
    """
    import rasterio
    from rasterio import features, windows

    pack = _pack(pack)
    units = _pack_units(pack)
    parents = set(units["parent"])
    leaves = units[~units["code"].isin(parents)].sort_values("code").reset_index(drop=True)
    crosswalk = pd.read_csv(pack.path(pack.manifest.landcover.crosswalk))
    types = _landcover_types(crosswalk)
    labels = dict(zip(crosswalk["class"].astype(int), crosswalk["label"].astype(str), strict=True)) \
        if "label" in crosswalk else {}
    year = year if year is not None else (pack.years[-1] if pack.years else 0)
    spec = pack.layers_for(year)["landcover"]
    rng = np.random.default_rng(seed)
    if county is not None:
        if str(county) not in set(leaves["code"]):
            raise InputError(key=f"{PREFIX}demo_county", county=county)
        order = [str(county)]
    else:
        order = list(rng.permutation(leaves["code"].to_numpy()))
    with rasterio.open(pack.path(spec.file)) as source:
        cell = abs(source.transform.a) * (111_320.0 if source.crs.is_geographic else 1.0)  # m
        tile = max(1, round(tile_m / cell))
        area_crs = equal_area_crs(pack).crs
        best = (None, [])
        for code in order:
            shape = leaves.loc[leaves["code"] == code].geometry.to_crs(source.crs).iloc[0]
            found = _patches(source, shape, types, tile, min_area_m2, area_crs, features, windows)
            if len(found) >= n:
                best = (code, found)
                break
            if len(found) > len(best[1]):
                best = (code, found)
        code, found = best
        crs = source.crs
    if len(found) < n:
        raise InputError(key=f"{PREFIX}demo_too_few", county=code or county, count=len(found), n=n)
    chosen = sorted(rng.choice(len(found), size=n, replace=False))
    picked = [found[i] for i in chosen]
    villages: dict[tuple[int, int], int] = {}
    owners = []
    for patch in picked:
        village = (patch["tile_row"] // 2, patch["tile_col"] // 2)
        villages.setdefault(village, len(villages) + 1)
        owners.append(DEMONSTRATION_OWNER.format(k=villages[village]))
    name = leaves.loc[leaves["code"] == code, "name"].iloc[0]
    frame = gpd.GeoDataFrame({
        "serial": [f"DEMO-{code}-{k:04d}" for k in range(1, n + 1)],
        "type": [types[p["class"]] for p in picked],
        "owner": owners,
        "owner_type": "collective",
        "county": code,
        "right_type": "ownership",
        "valid_from": DEMONSTRATION_VALID_FROM,
        "valid_to": None,
        "landcover_class": [p["class"] for p in picked],
        "landcover_label": [labels.get(p["class"], "") for p in picked],
        "county_name": name,
        "status": DEMONSTRATION_STATUS,
        "note": DEMONSTRATION_NOTE,
        "note_zh": DEMONSTRATION_NOTE_ZH,
    }, geometry=gpd.GeoSeries([p["geometry"] for p in picked], crs=crs))
    frame = frame.to_crs(pack.region.crs)
    area = frame.geometry.to_crs(equal_area_crs(pack).crs).area.to_numpy()
    frame.insert(len(frame.columns) - 1, "area_m2", area)
    return frame


def _patches(source, county, types: dict[int, str], tile: int, min_area_m2: float, area_crs: str,
             features, windows) -> list[dict]:
    """Contiguous cells of one class within one tile of ``tile`` × ``tile`` cells, clipped to the
    county; parts of at least ``min_area_m2`` (measured in ``area_crs``)."""
    exact = windows.from_bounds(*county.bounds, transform=source.transform)
    col, row = math.floor(exact.col_off), math.floor(exact.row_off)
    window = windows.Window(col, row, math.ceil(exact.col_off + exact.width) - col,
                            math.ceil(exact.row_off + exact.height) - row)
    try:
        window = window.intersection(windows.Window(0, 0, source.width, source.height))
    except windows.WindowError:  # the county lies outside the raster
        return []
    classes = source.read(1, window=window)
    transform = source.window_transform(window)
    row0, col0 = int(window.row_off), int(window.col_off)
    rows = (np.arange(classes.shape[0]) + row0) // tile
    cols = (np.arange(classes.shape[1]) + col0) // tile
    tile_rows, tile_cols = rows - rows.min(), cols - cols.min()
    tile_id = tile_rows[:, None] * (tile_cols.max() + 1) + tile_cols[None, :]
    known = np.zeros(256, dtype=bool)
    known[list(types)] = True
    usable = known[classes.astype(np.int64).clip(0, 255)]
    if source.nodata is not None:
        usable &= classes != source.nodata
    ids = np.where(usable, tile_id.astype(np.int64) * 256 + classes + 1, 0).astype(np.int32)
    shapely.prepare(county)
    found = []
    for geometry, value in features.shapes(ids, mask=ids > 0, transform=transform, connectivity=4):
        value = int(value) - 1
        klass, tile_index = value % 256, value // 256
        patch = shapely.geometry.shape(geometry)
        if not county.intersects(patch):
            continue
        clipped = patch if county.covers(patch) else _polygonal(shapely.intersection(patch, county))
        if clipped is None:
            continue
        for part in shapely.get_parts(clipped):
            if part.geom_type == "Polygon":
                found.append({"class": klass, "geometry": part,
                              "tile_row": int(rows.min() + tile_index // (tile_cols.max() + 1)),
                              "tile_col": int(cols.min() + tile_index % (tile_cols.max() + 1))})
    if found:
        areas = gpd.GeoSeries([p["geometry"] for p in found], crs=source.crs).to_crs(area_crs).area
        found = [p for p, area in zip(found, areas, strict=True) if area >= min_area_m2]
    found.sort(key=lambda p: (p["tile_row"], p["tile_col"], p["class"], -p["geometry"].area,
                              p["geometry"].bounds))
    return found
