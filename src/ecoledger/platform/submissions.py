"""Validated upload of yearly statistics: the platform's statistical reporting (统计填报).

The template is the long format of a region pack's ``statistics.csv``, one row per unit, year
and indicator, with the header in row 1::

    code,year,indicator,value,unit,source
    360124,2019,gdp,321.5,亿元,《江西统计年鉴2020》表 x-x

``indicator`` is a code of ``ecoledger/data/indicators.csv``; ``unit`` is any unit of
``ecoledger/data/units.csv`` convertible to the indicator's canonical unit (亿元, 万立方米, 吨 …);
``source`` cites the yearbook or bulletin (empty only with a warning).

Headers may be bilingual as in the filled-in template (``code 行政区划代码``); the template's
``name 单位名称`` column is there for the reader and is not read; ``status``, ``method`` and
``quote`` are optional provenance columns (``ecoledger.statistics.load``).

Accepted files: CSV in UTF-8 (Excel's "CSV UTF-8 (逗号分隔)"; a BOM is fine) and Excel workbooks
(.xlsx; the first worksheet, columns A–Z only). Limits: ``MAX_UPLOAD_BYTES`` (2 MiB) per file,
``MAX_ROWS`` (20 000) data rows, ``MAX_UNPACKED_BYTES`` (40 MiB) for a workbook once unzipped,
``MAX_CELL_CHARS`` characters per cell.

An upload is hostile input. ``parse_upload`` accepts plain cell text only: it refuses formulas,
text a spreadsheet would run as a formula (CSV injection: = + - @ tab CR), control characters,
zip bombs, encrypted, corrupt or mislabelled files; openpyxl parses the workbook's XML through
defusedxml. ``validate_rows`` applies the row rules region-pack validation applies
(``ecoledger.pack.validate.check_statistics_rows``) plus the submitter's own units. Every
problem is reported at once, in English and Chinese, naming the row and column and the fix.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import NamedTuple

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from ecoledger.errors import Problem, SubmissionError
from ecoledger.pack.validate import (
    STATISTICS_COLUMNS,
    RowProblems,
    StatisticsRules,
    check_statistics_rows,
    plain_number,
)
from ecoledger.tables import indicators, unit_factor

TEMPLATE_COLUMNS = STATISTICS_COLUMNS  # ("code", "year", "indicator", "value", "unit", "source")
OPTIONAL_COLUMNS = ("status", "method", "quote")  # provenance, read when the header has them
HELP_COLUMNS = ("name",)  # the filled-in template's unit names: for the reader, never read
COLUMN_LABELS_ZH = {  # the Chinese half of the template's bilingual headers ("code 行政区划代码")
    "code": "行政区划代码", "name": "单位名称", "year": "年份", "indicator": "指标代码",
    "value": "数值", "unit": "计量单位", "source": "数据来源", "status": "数据状态",
    "method": "推算方法", "quote": "原文摘录",
}
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_UNPACKED_BYTES = 20 * MAX_UPLOAD_BYTES  # a workbook unzipping to more is a zip bomb
MAX_ZIP_ENTRIES = 1_000
MAX_COLUMNS = 26  # columns A–Z are read; the template has six
MAX_CELL_CHARS = 1_000
EXCEL_ROW_LIMIT = 1_048_576  # a sheet claiming rows beyond Excel's last row is forged

TEMPLATE_EXAMPLE = (  # illustrative values, not published statistics
    ("360124", "2019", "gdp", "321.5", "亿元", "《江西统计年鉴2020》表 x-x"),
    ("360124", "2019", "water_use_agricultural", "18500", "万立方米", "《2019年南昌市水资源公报》"),
)
CODES_FROM = ("the platform's register of units", "平台行政区划名录")
SAVE_AS_CSV_UTF8 = 'in Excel choose Save As → "CSV UTF-8 (逗号分隔)(*.csv)"'
SAVE_AS_CSV_UTF8_ZH = "请在 Excel 中“另存为”，文件类型选择“CSV UTF-8 (逗号分隔)(*.csv)”"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # Excel 97-2003 files and encrypted .xlsx
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets run as a formula
FORMULA_START_NAMES = {"\t": ("a tab", "制表符"), "\r": ("a carriage return", "回车符")}
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
HEADER_ALIASES = {  # Chinese headers people write instead of the template's, for the fix
    "代码": "code", "区划代码": "code", "行政区划代码": "code", "年份": "year", "年度": "year",
    "指标": "indicator", "指标代码": "indicator", "数值": "value", "值": "value", "单位": "unit",
    "计量单位": "unit", "来源": "source", "数据来源": "source",
}
HEADER_FIELD = "row 1 · header"


def _accepted_headers() -> dict[str, str]:
    """Header keys (see ``_header_key``) → column: the English name alone, or followed by its
    Chinese label or a Chinese alias. A Chinese name alone is not taken (it gets a rename fix)."""
    accepted = {}
    for column in (*TEMPLATE_COLUMNS, *OPTIONAL_COLUMNS, *HELP_COLUMNS):
        labels = [COLUMN_LABELS_ZH[column], *(a for a, c in HEADER_ALIASES.items() if c == column)]
        accepted[column] = column
        accepted.update({_header_key(f"{column} {label}"): column for label in labels})
    return accepted


def template_csv() -> bytes:
    """The upload template: header and two example rows, UTF-8 with a BOM so Excel reads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows(TEMPLATE_EXAMPLE)
    return out.getvalue().encode("utf-8-sig")


def parse_upload(filename: str, content: bytes) -> pd.DataFrame:
    """The uploaded rows as stripped text, with ``row`` (the spreadsheet row; the header is row 1).

    Blank rows are dropped. Raises SubmissionError, listing every problem found, for a file that
    is not a readable CSV or XLSX within the limits or holds formulas or unsafe text.
    """
    name = display_name(filename)
    kind = _file_kind(name, _extension(filename), content)
    sheet = _read_csv(name, content) if kind == "csv" else _read_xlsx(name, content)
    return _table(name, sheet)


def validate_rows(table: pd.DataFrame, *, known_codes: set[str], allowed_codes: set[str] | None,
                  first_year: int = 2000, last_year: int | None = None,
                  file: str = "upload", levels: dict[str, str] | None = None) -> list[Problem]:
    """Every problem of the rows of ``parse_upload``: errors, and warnings (empty source).

    ``known_codes`` are the platform's units; ``allowed_codes`` those the submitter may report
    for (None: any); years run from ``first_year`` to ``last_year`` (default: this year).
    ``levels`` (code → province, city, county) selects each row's magnitude bounds; a code it
    lacks takes the level its GB/T 2260 form says — the rules region packs apply, in one place
    (``ecoledger.pack.validate.check_statistics_rows``).
    """
    rules = StatisticsRules(
        known_codes=set(known_codes), codes_from=CODES_FROM, first_year=first_year,
        last_year=datetime.date.today().year if last_year is None else last_year,
        allowed_codes=None if allowed_codes is None else set(allowed_codes),
        levels=None if levels is None else dict(levels),
    )
    return check_statistics_rows(_numbered(table), display_name(file), rules)


def normalise(table: pd.DataFrame) -> pd.DataFrame:
    """Typed rows with the value in the indicator's canonical unit.

    Columns code, year (int), indicator, value (float, in ``unit``), unit, source,
    value_canonical (float, in ``canonical_unit``), canonical_unit, the provenance columns
    (status, method, quote) the upload has, and ``row``. Run
    ``validate_rows`` first: this raises SubmissionError for any row those rules refuse whatever
    the units and years (a value, unit or indicator that does not convert, a repeated row).
    """
    table = _numbered(table)
    anything = StatisticsRules(known_codes=None, codes_from=CODES_FROM, first_year=0, last_year=9999)
    errors = [p for p in check_statistics_rows(table, "upload", anything) if p.severity == "error"]
    if errors:
        raise SubmissionError(errors)
    text = {column: _stripped(table[column]) for column in TEMPLATE_COLUMNS}
    canonical = text["indicator"].map(indicators()["unit"])
    canonical_values = [
        _converted(value, unit_factor(unit, unit_to))
        for value, unit, unit_to in zip(text["value"], text["unit"], canonical, strict=True)
    ]
    provenance = {column: _stripped(table[column]) for column in OPTIONAL_COLUMNS
                  if column in table.columns}
    return pd.DataFrame({
        "code": text["code"],
        "year": text["year"].astype(int),
        "indicator": text["indicator"],
        "value": text["value"].map(plain_number).astype(float),
        "unit": text["unit"],
        "source": text["source"],
        "value_canonical": pd.Series(canonical_values, index=table.index, dtype=float),
        "canonical_unit": canonical,
        **provenance,
        "row": table["row"].astype(int),
    }).reset_index(drop=True)


def display_name(filename: str) -> str:
    """The file's own name, safe to show: no folders, no control characters, at most 100 chars."""
    name = re.split(r"[\\/]", str(filename))[-1]
    name = CONTROL_CHARACTERS.sub("", name).replace("\n", "").replace("\r", "").replace("\t", "")
    name = name.strip().lstrip(".")  # never "..", nor a hidden file's name
    if len(name) > 100:  # shortened, keeping the extension the file's kind is read from
        stem, dot, extension = name.rpartition(".")
        name = stem[:90] + dot + extension[:9] if dot and len(extension) <= 9 else name[:100]
    return name or "upload"


# --- helpers -------------------------------------------------------------------------------------


class Sheet(NamedTuple):
    """The cells of an upload as text, by spreadsheet row; ``formulas`` by (row, column index)."""

    rows: list[tuple[int, list[str]]]
    formulas: dict[tuple[int, int], str]


def _problem(file: str, field: str, message: str, fix: str, message_zh: str, fix_zh: str,
             severity: str = "error") -> Problem:
    return Problem(file=file, field=field, message=message, fix=fix, severity=severity,
                   message_zh=message_zh, fix_zh=fix_zh)


def _refuse(file: str, message: str, fix: str, message_zh: str, fix_zh: str,
            field: str = "file") -> SubmissionError:
    return SubmissionError([_problem(file, field, message, fix, message_zh, fix_zh)])


def _stripped(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip().astype(str)


def _numbered(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``row`` column (row 1 being the header) if it has none."""
    return table if "row" in table.columns else table.assign(row=range(2, len(table) + 2))


def _converted(value: str, factor: float) -> float:
    # decimal arithmetic, so 1.1 亿元 is 110000000 yuan and not 110000000.00000001
    return float(Decimal(value) * Decimal(repr(factor)))


def _extension(filename: str) -> str:
    name = re.split(r"[\\/]", str(filename))[-1]
    return name.rsplit(".", 1)[-1].lower().strip() if "." in name else ""


# --- file-level checks ---------------------------------------------------------------------------


def _file_kind(name: str, extension: str, content: bytes) -> str:
    """"csv" or "xlsx" if the content can be what its extension says; refuses otherwise."""
    if not content:
        raise _refuse(name,
                      "the file is empty",
                      "upload the filled-in template (.csv or .xlsx)",
                      "文件为空",
                      "请上传填好的模板（.csv 或 .xlsx）")
    if len(content) > MAX_UPLOAD_BYTES:
        mib = len(content) / 2**20
        raise _refuse(name,
                      f"the file has {mib:.1f} MiB; uploads are limited to 2 MiB",
                      f"split the statistics into several files of at most {MAX_ROWS} rows",
                      f"文件大小为 {mib:.1f} MiB，超过 2 MiB 的上限",
                      f"请将数据拆分为多个文件上传，每个不超过 {MAX_ROWS} 行")
    if extension not in ("csv", "xlsx"):
        raise _refuse(name,
                      f"a .{extension or '(no extension)'} file is not accepted: upload .csv or .xlsx",
                      'save as "CSV UTF-8 (逗号分隔)(*.csv)" or as "Excel 工作簿 (*.xlsx)"',
                      f"不接受 .{extension or '（无扩展名）'} 文件，只接受 .csv 或 .xlsx",
                      "请另存为“CSV UTF-8 (逗号分隔)(*.csv)”或“Excel 工作簿 (*.xlsx)”")
    if content.startswith(OLE_MAGIC):
        raise _refuse(name,
                      "the file is an encrypted (password-protected) workbook or an old Excel "
                      "97-2003 .xls file",
                      "remove the password (File → Info → Protect Workbook) and save as "
                      "Excel 工作簿 (*.xlsx)",
                      "文件是加密（设有打开密码）的工作簿，或旧版 Excel 97-2003（.xls）文件",
                      "请取消密码（文件 → 信息 → 保护工作簿），另存为“Excel 工作簿 (*.xlsx)”")
    is_zip = content.startswith(ZIP_MAGIC)
    if extension == "xlsx" and not is_zip:
        raise _refuse(name,
                      "the file is named .xlsx but is not an Excel workbook (CSV text?)",
                      "rename a CSV file to .csv, or save the file from Excel as "
                      "Excel 工作簿 (*.xlsx)",
                      "文件扩展名为 .xlsx，但内容不是 Excel 工作簿（可能是 CSV 文本）",
                      "如是 CSV 文件请将扩展名改为 .csv，否则请在 Excel 中另存为"
                      "“Excel 工作簿 (*.xlsx)”")
    if extension == "csv" and is_zip:
        raise _refuse(name,
                      "the file is named .csv but is a zip archive (an Excel workbook?)",
                      "rename a workbook to .xlsx, or save it as CSV UTF-8",
                      "文件扩展名为 .csv，但内容是压缩包（可能是 Excel 工作簿）",
                      "如是工作簿请将扩展名改为 .xlsx，或另存为“CSV UTF-8 (逗号分隔)”")
    return extension


def _looks_utf16(content: bytes) -> bool:
    """UTF-16 (Excel's "Unicode text"): a BOM, or NUL in every other byte of ASCII text."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = content[:4096]
    half = len(sample) // 2
    nul_even, nul_odd = sample[0::2].count(0), sample[1::2].count(0)
    return half > 0 and (nul_even > 0.3 * half) != (nul_odd > 0.3 * half)


def _decoded(name: str, content: bytes) -> str:
    if _looks_utf16(content):
        raise _refuse(name,
                      "the file is UTF-16 text (Excel's \"Unicode text\"), not UTF-8",
                      SAVE_AS_CSV_UTF8,
                      "文件是 UTF-16 编码（Excel 的“Unicode 文本”），不是 UTF-8",
                      SAVE_AS_CSV_UTF8_ZH)
    if b"\x00" in content:
        raise _refuse(name,
                      "the file holds binary data (NUL bytes), not CSV text",
                      "upload the template saved as CSV UTF-8, or as .xlsx",
                      "文件含有二进制数据（NUL 字节），不是 CSV 文本",
                      "请上传另存为“CSV UTF-8 (逗号分隔)”的模板，或 .xlsx 文件")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        gbk = _decodes_as(content, "gb18030")
        raise _refuse(name,
                      f"the file is not UTF-8 text: line {line} has bytes UTF-8 cannot read"
                      + (" (it looks like GBK, Excel's plain \"CSV (逗号分隔)\")" if gbk else ""),
                      SAVE_AS_CSV_UTF8,
                      f"文件不是 UTF-8 编码：第 {line} 行有无法按 UTF-8 读取的字节"
                      + ("（看起来是 GBK 编码，即 Excel 的“CSV (逗号分隔)”）" if gbk else ""),
                      SAVE_AS_CSV_UTF8_ZH) from None


def _decodes_as(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _counted(name: str, rows: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The non-blank ``rows``; refuses once the data rows (below the header) exceed MAX_ROWS."""
    data_rows = 0
    for number, cells in rows:
        if number > EXCEL_ROW_LIMIT:
            raise _refuse(name,
                          f"the file has rows beyond row {EXCEL_ROW_LIMIT} (Excel's last row)",
                          "save the workbook again from Excel, or upload CSV UTF-8",
                          f"文件的行超过第 {EXCEL_ROW_LIMIT} 行（Excel 的最后一行）",
                          "请用 Excel 重新保存，或上传 CSV UTF-8 文件")
        if not any(cell.strip() for cell in cells):
            continue
        data_rows += number > 1
        if data_rows > MAX_ROWS:
            raise _refuse(name,
                          f"the file has more than {MAX_ROWS} data rows",
                          f"split it into files of at most {MAX_ROWS} rows",
                          f"文件的数据超过 {MAX_ROWS} 行",
                          f"请拆分为多个文件，每个不超过 {MAX_ROWS} 行")
        yield number, cells


def _read_csv(name: str, content: bytes) -> Sheet:
    reader = csv.reader(io.StringIO(_decoded(name, content), newline=""))
    try:
        return Sheet(list(_counted(name, enumerate(reader, start=1))), {})
    except csv.Error as exc:
        raise _refuse(name,
                      f"the file cannot be read as CSV near line {reader.line_num}: {exc}",
                      f"check the quotes on that line; {SAVE_AS_CSV_UTF8}",
                      f"第 {reader.line_num} 行附近无法按 CSV 读取（{exc}）",
                      f"请检查该行的引号；{SAVE_AS_CSV_UTF8_ZH}") from None


def _unreadable_workbook(name: str, why: str, why_zh: str) -> SubmissionError:
    return _refuse(name,
                   f"the workbook cannot be read: {why}",
                   "open it in Excel and save it again as Excel 工作簿 (*.xlsx), or upload CSV UTF-8",
                   f"无法读取工作簿：{why_zh}",
                   "请用 Excel 打开后重新另存为“Excel 工作簿 (*.xlsx)”，或上传 CSV UTF-8 文件")


def _check_archive(name: str, content: bytes) -> None:
    """Refuse what is not an xlsx zip, or would unzip to too much (zip bomb), before parsing."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except Exception:  # zipfile raises several types for damaged archives
        raise _unreadable_workbook(name, "its zip structure is damaged", "压缩结构已损坏") from None
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise _refuse(name,
                      "the file is a zip archive but not an Excel workbook (no xl/workbook.xml)",
                      "save it as Excel 工作簿 (*.xlsx) (WPS and LibreOffice can), or upload "
                      "CSV UTF-8",
                      "文件是压缩包，但不是 Excel 工作簿（缺少 xl/workbook.xml）",
                      "请另存为“Excel 工作簿 (*.xlsx)”（WPS、LibreOffice 均可），"
                      "或上传 CSV UTF-8 文件")
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise _refuse(name,
                      "the workbook is encrypted",
                      "remove the password and save it again",
                      "工作簿已加密",
                      "请取消密码后重新保存")
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        limit = MAX_UNPACKED_BYTES // 2**20
        raise _refuse(name,
                      f"the workbook unzips to {unpacked / 2**20:.0f} MiB in {len(entries)} parts, "
                      f"more than the {limit} MiB allowed",
                      "keep only the statistics sheet (no images, no formatting of whole "
                      "columns), or upload CSV UTF-8",
                      f"工作簿解压后为 {unpacked / 2**20:.0f} MiB（{len(entries)} 个部件），"
                      f"超过 {limit} MiB 的上限",
                      "请只保留统计数据工作表（删除图片及整列格式），或上传 CSV UTF-8 文件")


def _read_xlsx(name: str, content: bytes) -> Sheet:
    _check_archive(name, content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it ignores
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
            try:
                return _first_sheet(name, workbook)
            finally:
                workbook.close()
    except SubmissionError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise _unreadable_workbook(name, f"it is damaged ({type(exc).__name__})",
                                   f"文件可能已损坏（{type(exc).__name__}）") from None


def _first_sheet(name: str, workbook) -> Sheet:
    if not workbook.worksheets:
        raise _unreadable_workbook(name, "it has no worksheet", "没有工作表")
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # the stored dimensions may be wrong; read what is there
    formulas: dict[tuple[int, int], str] = {}

    def texts() -> Iterator[tuple[int, list[str]]]:
        rows = sheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS)
        gap = None  # openpyxl yields one shared tuple for every missing row: skip it quickly
        for number, cells in enumerate(rows, start=1):
            if cells is gap:
                yield number, []
                continue
            if all(cell.value is None for cell in cells):
                gap = cells
            for column, cell in enumerate(cells):
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    formulas[number, column] = str(cell.value)
            yield number, [_cell_text(cell.value) for cell in cells]

    return Sheet(list(_counted(name, texts())), formulas)


def _cell_text(value) -> str:
    """A cell's value as the text a user typed: 2019, not 2019.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)  # the shortest text giving back the same number
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


# --- header and cells ----------------------------------------------------------------------------


def _table(name: str, sheet: Sheet) -> pd.DataFrame:
    rows = sheet.rows  # blank rows are already dropped
    header = next((cells for number, cells in rows if number == 1), [])
    positions, problems = _header(name, header)
    data = [(number, cells) for number, cells in rows if number > 1]
    if not data and not problems:
        problems.append(_problem(name, "file", "the file has no data rows below the header",
                                 "write one row per code, year and indicator",
                                 "表头下方没有数据行", "请按代码、年份、指标每项填写一行"))
    labelled = {i for i, cell in enumerate(header) if cell.strip()}
    problems += _cell_problems(name, data, positions, labelled, sheet.formulas)
    if problems:
        raise SubmissionError(problems)
    columns = {
        column: [cells[i].strip() if i < len(cells) else "" for _, cells in data]
        for column, i in positions.items()
    }
    optional = [c for c in OPTIONAL_COLUMNS if c in positions]
    return pd.DataFrame({**columns, "row": [number for number, _ in data]},
                        columns=[*TEMPLATE_COLUMNS, *optional, "row"]).astype({"row": int})


def _header_key(cell: str) -> str:
    """Header cells match case- and whitespace-insensitively."""
    return "".join(cell.replace("\ufeff", "").split()).lower()


def _header(name: str, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    """Column positions of the template's columns in ``header``, and the header's problems."""
    positions: dict[str, int] = {}
    unknown, repeated, seen = [], [], set()
    accepted = _accepted_headers()
    for i, cell in enumerate(header):
        key = _header_key(cell)
        column = accepted.get(key)
        if column is not None and column in seen:
            repeated.append(column)
        elif column is not None:
            seen.add(column)
            if column not in HELP_COLUMNS:
                positions[column] = i
        elif key:
            unknown.append(cell.strip())
    missing = [c for c in TEMPLATE_COLUMNS if c not in positions]
    problems = []
    expected = ", ".join(TEMPLATE_COLUMNS)
    renames = [f"{cell} → {HEADER_ALIASES[cell]}" for cell in unknown if cell in HEADER_ALIASES]
    rename_hint = f"; rename {', '.join(renames)}" if renames else ""
    rename_hint_zh = f"；请将列名改为：{'，'.join(renames)}" if renames else ""
    if missing:
        found = ", ".join(repr(c.strip()[:40]) for c in header if c.strip()) or "nothing"
        problems.append(_problem(
            name, HEADER_FIELD, f"the header lacks the column(s) {', '.join(missing)} (row 1 has "
            f"{found})", f"row 1 must be the header {expected}{rename_hint}{_separator_hint(header)}",
            f"第 1 行（表头）缺少列：{'、'.join(missing)}", f"第 1 行须为表头 {expected}（可下载模板对照）"
            f"{rename_hint_zh}{_separator_hint(header, zh=True)}"))
    if unknown:
        shown = ", ".join(repr(c[:40]) for c in unknown)
        problems.append(_problem(
            name, HEADER_FIELD, f"unknown column(s) {shown}",
            f"remove them; the template's columns are {expected} (optional: "
            f"{', '.join(OPTIONAL_COLUMNS)}){rename_hint}",
            f"第 1 行（表头）含有模板之外的列：{'、'.join(c[:40] for c in unknown)}",
            f"请删除这些列；模板的列为 {expected}{rename_hint_zh}"))
    for column in dict.fromkeys(repeated):
        problems.append(_problem(name, HEADER_FIELD, f"the column {column} appears more than once",
                                 "keep one column of each name",
                                 f"第 1 行（表头）中 {column} 列出现了不止一次", "每个列名只保留一列"))
    return positions, problems


def _separator_hint(header: list[str], zh: bool = False) -> str:
    """A fix for CSV saved with ';' or tabs between columns, which reads as one column."""
    cells = [c for c in header if c.strip()]
    if len(cells) != 1 or not any(s in cells[0] for s in ";\t"):
        return ""
    return "；列之间须用逗号分隔，" + SAVE_AS_CSV_UTF8_ZH if zh else \
        f"; columns must be separated by commas: {SAVE_AS_CSV_UTF8}"


def _cell_problems(name: str, data: list[tuple[int, list[str]]], positions: dict[str, int],
                   labelled: set[int], formulas: dict[tuple[int, int], str]) -> list[Problem]:
    """Formulas, formula-like text, control characters, overlong cells, and cells in columns
    without a header (cells under an unknown header are covered by the header's problem)."""
    names = {i: column for column, i in positions.items()}
    rows = RowProblems(name)
    for number, cells in data:
        for i, raw in enumerate(cells):
            column = names.get(i, f"column {get_column_letter(i + 1)}")
            if (number, i) in formulas:
                rows.add(number, column, "the cell holds a formula",
                         "replace formulas by their values: copy the cells, then Paste Special → "
                         "Values", "error", "单元格含有公式",
                         "请将公式转换为数值：复制后“选择性粘贴 → 数值”")
            elif (start := _formula_start(raw)) is not None:
                shown, shown_zh = FORMULA_START_NAMES.get(start, (repr(start), f"“{start}”"))
                rows.add(number, column, f"the text starts with {shown}, which a spreadsheet "
                         "would run as a formula", "remove that leading character", "error",
                         f"内容以{shown_zh}开头，在电子表格中会被当作公式执行", "请删除开头的该字符")
            if CONTROL_CHARACTERS.search(raw):
                rows.add(number, column, "the text holds invisible control characters",
                         "retype the text", "error", "内容含有不可见的控制字符", "请重新输入该内容")
            if len(raw) > MAX_CELL_CHARS:
                rows.add(number, column, f"the text is longer than {MAX_CELL_CHARS} characters",
                         "shorten it", "error", f"内容超过 {MAX_CELL_CHARS} 个字符", "请精简内容")
            if i not in labelled and raw.strip():
                rows.add(number, column, "a value outside the template's columns",
                         "delete it; if a source contains a comma, put it in double quotes",
                         "error", "模板列之外有内容",
                         "请删除；如数据来源中含有逗号，请用英文双引号括起该内容")
    return rows.problems()


def _formula_start(text: str) -> str | None:
    """The character that would make a spreadsheet run ``text`` as a formula, if any."""
    for candidate in (text, text.strip()):  # " =1+1" is stored stripped, so check both
        if candidate[:1] in FORMULA_STARTS and candidate[:1] and plain_number(candidate) is None:
            return candidate[:1]
    return None
