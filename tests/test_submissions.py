"""Uploads of yearly statistics: valid files pass; every bad input is refused precisely, bilingually."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import openpyxl
import openpyxl.xml
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoledger.errors import Problem, SubmissionError
from ecoledger.pack.validate import validate_pack
from ecoledger.platform.submissions import (
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    TEMPLATE_COLUMNS,
    display_name,
    normalise,
    parse_upload,
    template_csv,
    validate_rows,
)
from ecoledger.testing import make_pack, synthetic_statistics

HEADER = ",".join(TEMPLATE_COLUMNS)
GOOD_ROW = "360124,2019,gdp,2.5,亿元,《江西统计年鉴2020》表3-1"
KNOWN = {"360124", "360125", "360781"}


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode("utf-8")


def xlsx_bytes(rows: list[list], edit=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bilingual(problems: list[Problem]) -> list[Problem]:
    for p in problems:
        assert p.message and p.fix and p.message_zh and p.fix_zh, p
    return problems


def refused(filename: str, content: bytes) -> list[Problem]:
    with pytest.raises(SubmissionError) as raised:
        parse_upload(filename, content)
    return bilingual(raised.value.problems)


def the_problem(problems: list[Problem], field: str, words: str, severity: str = "error") -> Problem:
    """The one problem naming ``field`` whose message contains ``words``."""
    found = [p for p in problems if p.field == field and words in p.message]
    assert len(found) == 1, problems
    assert found[0].severity == severity
    return found[0]


def problems_of(*rows: str, allowed: set[str] | None = None, **years) -> list[Problem]:
    table = parse_upload("stats.csv", csv_bytes(*rows))
    return bilingual(validate_rows(table, known_codes=KNOWN, allowed_codes=allowed, **years))


def errors_of(*rows: str, **options) -> list[Problem]:
    return [p for p in problems_of(*rows, **options) if p.severity == "error"]


# --- valid uploads -------------------------------------------------------------------------------


def test_template_parses_validates_and_normalises():
    content = template_csv()
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    table = parse_upload("template.csv", content)
    assert list(table.columns) == [*TEMPLATE_COLUMNS, "row"]
    assert validate_rows(table, known_codes={"360124"}, allowed_codes={"360124"}) == []
    rows = normalise(table)
    assert rows["value_canonical"].tolist() == [321.5e8, 18500e4]
    assert rows["canonical_unit"].tolist() == ["yuan", "m3"]


def test_valid_csv():
    content = "\ufeff".encode() + csv_bytes(
        "360124 , 2019 ,gdp, 2.5 ,亿元,《江西统计年鉴2020》表3-1",
        "",  # blank rows are skipped but keep the numbering of the rows after them
        '360125,2019,population,"31.2",万人,"《宜春统计年鉴2020》表2-1, 表2-2"',
        "360781,2019,price_grain,2800,元/吨,调查",
        header=" Code ,YEAR, Indicator ,value,Unit,source ",
    )
    table = parse_upload("uploads/stats.csv", content)
    assert table["row"].tolist() == [2, 4, 5]
    assert table.loc[0, "code"] == "360124" and table.loc[0, "value"] == "2.5"
    assert validate_rows(table, known_codes=KNOWN, allowed_codes=None) == []
    rows = normalise(table)
    assert rows.dtypes["year"] == "int64" and rows.dtypes["value"] == "float64"
    assert rows["value_canonical"].tolist() == [2.5e8, 312_000, 2.8]
    assert rows["canonical_unit"].tolist() == ["yuan", "person", "yuan/kg"]
    assert rows["row"].tolist() == [2, 4, 5]


def test_valid_xlsx():
    content = xlsx_bytes([
        list(TEMPLATE_COLUMNS),
        [360124, 2019, "gdp", 2.5, "亿元", "《江西统计年鉴2020》表3-1"],
        [],
        [360125, 2019.0, "nature_tourism_share", 0.1, "1", "测算"],
        [360781, 2019, "water_use_domestic", 1234, "万立方米", "水资源公报"],
    ])
    table = parse_upload("stats.xlsx", content)
    assert table["row"].tolist() == [2, 4, 5]
    assert table["code"].tolist() == ["360124", "360125", "360781"]
    assert table["year"].tolist() == ["2019"] * 3  # not "2019.0"
    assert table["value"].tolist() == ["2.5", "0.1", "1234"]
    assert validate_rows(table, known_codes=KNOWN, allowed_codes=None) == []
    assert normalise(table)["value_canonical"].tolist() == [2.5e8, 0.1, 12_340_000]


def test_openpyxl_parses_workbook_xml_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_decimal_conversion_has_no_float_noise():
    table = parse_upload("s.csv", csv_bytes("360124,2019,gdp,1.1,亿元,x"))
    assert normalise(table).loc[0, "value_canonical"] == 110_000_000


# --- refused files -------------------------------------------------------------------------------


def test_empty_file_and_header_without_rows():
    the_problem(refused("s.csv", b""), "file", "empty")
    the_problem(refused("s.csv", b"\xef\xbb\xbf" + HEADER.encode()), "file", "no data rows")


def test_huge_file():
    problem = the_problem(refused("s.csv", b"x" * (MAX_UPLOAD_BYTES + 1)), "file", "limited to 2 MiB")
    assert "2 MiB" in problem.message_zh


def test_too_many_rows():
    content = csv_bytes(*[GOOD_ROW] * (MAX_ROWS + 1))
    assert len(content) < MAX_UPLOAD_BYTES
    the_problem(refused("s.csv", content), "file", f"more than {MAX_ROWS} data rows")


@pytest.mark.parametrize("filename", ["stats.xls", "stats.txt", "stats", "stats.csv.exe"])
def test_other_extensions(filename):
    the_problem(refused(filename, csv_bytes(GOOD_ROW)), "file", "is not accepted")


@pytest.mark.parametrize("encode, words", [
    (lambda text: text.encode("gbk"), "looks like GBK"),
    (lambda text: text.encode("utf-16"), "UTF-16"),
    (lambda text: text.encode("utf-16-le"), "UTF-16"),  # no BOM
])
def test_wrong_encoding(encode, words):
    content = encode(HEADER + "\n" + GOOD_ROW)
    problem = the_problem(refused("s.csv", content), "file", words)
    assert "CSV UTF-8 (逗号分隔)" in problem.fix and "CSV UTF-8 (逗号分隔)" in problem.fix_zh


def test_gbk_error_names_the_line():
    content = (HEADER + "\n360124,2019,gdp,2.5,亿元,年鉴").encode("gbk")
    assert "line 2" in the_problem(refused("s.csv", content), "file", "not UTF-8").message


def test_xlsx_extension_on_csv_text():
    the_problem(refused("stats.xlsx", csv_bytes(GOOD_ROW)), "file", "not an Excel workbook")


@pytest.mark.parametrize("content, words", [
    (xlsx_bytes([list(TEMPLATE_COLUMNS)]), "is a zip archive"),
    (b"code,year\x00\x01\x02binary", "binary data"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600, "Excel 97-2003"),
])
def test_csv_extension_on_binary(content, words):
    the_problem(refused("stats.csv", content), "file", words)


def test_encrypted_xlsx():
    # Excel stores a password-protected workbook as an OLE compound file, not a zip
    content = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600
    the_problem(refused("stats.xlsx", content), "file", "encrypted")


def test_corrupt_xlsx():
    valid = xlsx_bytes([list(TEMPLATE_COLUMNS), [360124, 2019, "gdp", 2.5, "亿元", "x"]])
    the_problem(refused("stats.xlsx", valid[: len(valid) // 2]), "file", "cannot be read")
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(broken, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            target.writestr(entry, b"<not xml" if entry.filename.endswith("sheet1.xml") else data)
    the_problem(refused("stats.xlsx", broken.getvalue()), "file", "cannot be read")


def test_rows_beyond_excels_last_row_are_refused_quickly():
    """openpyxl fills the gap before a forged row number with empty rows; reading stops early."""
    valid = xlsx_bytes([list(TEMPLATE_COLUMNS), [360124, 2019, "gdp", 2.5, "亿元", "x"]])
    forged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(forged, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="2"', b'<row r="2000000000"')
                data = data.replace(b'r="A2"', b'r="A2000000000"')
            target.writestr(entry, data)
    the_problem(refused("stats.xlsx", forged.getvalue()), "file", "beyond row 1048576")


def test_zip_without_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    the_problem(refused("stats.xlsx", out.getvalue()), "file", "not an Excel workbook")


def test_zip_bomb():
    """A small xlsx whose sheet unzips to more than 20 × the upload limit is refused unparsed."""
    valid = xlsx_bytes([list(TEMPLATE_COLUMNS), [360124, 2019, "gdp", 2.5, "亿元", "x"]])
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (41 * 2**20))
            target.writestr(entry.filename, data)
    content = bomb.getvalue()
    assert len(content) < MAX_UPLOAD_BYTES
    the_problem(refused("stats.xlsx", content), "file", "unzips to")


def set_text(cell: str, text: str):
    def edit(sheet):
        sheet[cell] = text
        sheet[cell].data_type = "s"  # a text cell that merely looks like a formula
    return edit


def set_formula(cell: str, formula: str):
    return lambda sheet: sheet.__setitem__(cell, formula)


@pytest.mark.parametrize("edit, row, column", [
    (set_formula("D2", "=1+1.5"), 2, "value"),
    (set_formula("F3", '=HYPERLINK("http://x.example","年鉴")'), 3, "source"),
    (set_text("A2", "=cmd|'/c calc'!A1"), 2, "code"),
])
def test_formula_in_xlsx_cell(edit, row, column):
    rows = [list(TEMPLATE_COLUMNS), [360124, 2019, "gdp", 2.5, "亿元", "x"],
            [360125, 2019, "gdp", 3.5, "亿元", "y"]]
    problems = refused("stats.xlsx", xlsx_bytes(rows, edit))
    problem = the_problem(problems, f"row {row} · {column}", "formula")
    assert problem.message_zh.startswith(f"第 {row} 行 · {column}：")
    assert "选择性粘贴" in problem.fix_zh


@pytest.mark.parametrize("row, field, words", [
    ('360124,2019,gdp,2.5,亿元,"=HYPERLINK(""http://x.example"",""年鉴"")"', "row 2 · source", "'='"),
    ("360124,2019,gdp,@SUM(A1:A9),亿元,x", "row 2 · value", "'@'"),
    ("360124,2019,gdp,2.5,+亿元,x", "row 2 · unit", "'+'"),
    ("360124,2019,gdp,2.5,亿元,-2+3", "row 2 · source", "'-'"),
    ('360124,2019,gdp,2.5,亿元,"\t=1+1"', "row 2 · source", "a tab"),
    ('360124,2019,gdp,2.5,亿元," =1+1"', "row 2 · source", "'='"),
])
def test_formula_injection_in_csv(row, field, words):
    problem = the_problem(refused("s.csv", csv_bytes(row)), field, words)
    assert "formula" in problem.message


def test_negative_number_is_not_an_injection():
    (problem,) = errors_of("360124,2019,gdp,-3,亿元,x")
    assert problem.field == "row 2 · value" and "outside" in problem.message


@pytest.mark.parametrize("header, missing", [
    ("code,year,indicator,value,source", "unit"),
    ("code;year;indicator;value;unit;source", "code, year, indicator, value, unit, source"),
    ("代码,年份,指标,数值,单位,来源", "code, year, indicator, value, unit, source"),
])
def test_missing_header_columns(header, missing):
    problems = refused("s.csv", csv_bytes(GOOD_ROW, header=header))
    problem = the_problem(problems, "row 1 · header", f"lacks the column(s) {missing}")
    if ";" in header:
        assert "separated by commas" in problem.fix
    if "代码" in header:
        assert "代码 → code" in problem.fix and "代码 → code" in problem.fix_zh


def test_unknown_and_repeated_header_columns():
    problems = refused("s.csv", csv_bytes(GOOD_ROW + ",note,2.5", header=HEADER + ",remark,value"))
    the_problem(problems, "row 1 · header", "unknown column(s) 'remark'")
    the_problem(problems, "row 1 · header", "column value appears more than once")


def test_cells_beyond_the_header():
    problems = refused("s.csv", csv_bytes("360124,2019,gdp,2.5,亿元,《年鉴》表3-1, 表3-2"))
    assert "double quotes" in the_problem(problems, "row 2 · column G", "outside the template").fix


def test_control_characters_and_overlong_cells():
    problems = refused("s.csv", csv_bytes("360124,2019,gdp,2.5,亿元,年鉴\x1b[31m",
                                          "360124,2020,gdp,2.5,亿元," + "长" * 1001))
    the_problem(problems, "row 2 · source", "control characters")
    the_problem(problems, "row 3 · source", "longer than 1000")


# --- refused rows --------------------------------------------------------------------------------


def test_wrong_unit():
    problem = the_problem(errors_of("360124,2019,gdp,2.5,吨,x"), "row 2 · unit",
                          "unit '吨' cannot be converted to yuan (gdp)")
    assert problem.message_zh == "第 2 行 · unit：单位“吨”无法换算为 元（gdp）"
    assert problem.fix_zh.startswith("请使用：元、万元、亿元")
    assert "yuan" in problem.fix


def test_unknown_code():
    the_problem(errors_of("999999,2019,gdp,2.5,亿元,x"), "row 2 · code", "code '999999' is not a unit")


def test_code_of_another_county():
    problems = errors_of(GOOD_ROW, "360125,2019,gdp,2.5,亿元,x", "360125,2020,gdp,2.5,亿元,x",
                         allowed={"360124"})
    problem = the_problem(problems, "rows 3, 4 · code", "you may submit for 360124 only")
    assert "360124" in problem.message_zh and "360125" in problem.message_zh


def test_duplicate_rows_name_both_rows():
    problems = errors_of(GOOD_ROW, "360125,2019,gdp,2.5,亿元,x", GOOD_ROW)
    problem = the_problem(problems, "row 4 · indicator", "row 4 = row 2")
    assert "第 4 行 = 第 2 行" in problem.message_zh


@pytest.mark.parametrize("year", ["1999", "2019.5", "二〇一九", "２０１９", "3000", "99999999999999"])
def test_bad_year(year):
    the_problem(errors_of(f"360124,{year},gdp,2.5,亿元,x"), "row 2 · year", "is not a year from 2000")


def test_year_limits_are_options():
    assert errors_of("360124,1995,gdp,2.5,亿元,x", first_year=1990) == []
    the_problem(errors_of("360124,2019,gdp,2.5,亿元,x", last_year=2018), "row 2 · year", "2000 to 2018")


def test_unknown_indicator_suggests():
    problem = the_problem(errors_of("360124,2019,GDPP,2.5,亿元,x"), "row 2 · indicator",
                          "unknown indicator 'GDPP' (did you mean gdp?)")
    assert "地区生产总值" in problem.message_zh
    chinese = the_problem(errors_of("360124,2019,地区生产总值,2.5,亿元,x"), "row 2 · indicator",
                          "did you mean gdp")
    assert "gdp" in chinese.message_zh


@pytest.mark.parametrize("value, words", [
    ("n/a", "is not a number"),
    ("１２３", "is not a number"),  # full-width digits
    ("1_000", "is not a number"),
    ("nan", "is not a number"),
    ("inf", "is not a number"),
    ("1e999", "is not a number"),
    ("1e-9999", "is not a number"),
    ("2.5亿", "is not a number"),
    ('"1,234.5"', "has thousands separators"),
    ('"1,234"', "has thousands separators"),
    ("", "the value is empty"),
])
def test_non_numeric_value(value, words):
    problem = the_problem(errors_of(f"360124,2019,gdp,{value},亿元,x"), "row 2 · value", words)
    if "separators" in words:
        assert "1234" in problem.fix


@pytest.mark.parametrize("row, words", [
    ("360124,2019,gdp,-3,亿元,x", "-3 亿元 of gdp is outside 0 … 2e+14 yuan"),
    ("360124,2019,nature_tourism_share,150,%,x", "150 % of nature_tourism_share is outside 0 … 1 1"),
    ("360124,2019,gdp,1e305,亿元,x", "1e+305 亿元 of gdp is outside 0 … 2e+14 yuan"),  # overflows
])
def test_value_out_of_range(row, words):
    problem = the_problem(errors_of(row), "row 2 · value", words)
    assert "超出允许范围" in problem.message_zh


def test_empty_source_is_a_warning_only():
    problems = problems_of("360124,2019,gdp,2.5,亿元,")
    problem = the_problem(problems, "row 2 · source", "the source is empty", severity="warning")
    assert problem.message_zh == "第 2 行 · source：数据来源为空"


def test_every_problem_at_once_grouped_by_field_and_message():
    problems = errors_of(
        "360124,2019,gdp,2.5,吨,x",
        "360124,2020,gdp,2.5,吨,x",
        "999999,1990,gdpp,abc,亿元,x",
    )
    assert {p.field for p in problems} == {
        "rows 2, 3 · unit", "row 4 · code", "row 4 · year", "row 4 · indicator", "row 4 · value"}
    assert the_problem(problems, "rows 2, 3 · unit", "吨").message_zh.startswith("第 2、3 行 · unit：")


def test_normalise_refuses_rows_it_cannot_convert():
    table = parse_upload("s.csv", csv_bytes("360124,2019,gdp,2.5,吨,x"))
    with pytest.raises(SubmissionError):
        normalise(table)


def test_pack_validation_uses_the_same_bilingual_rules(tmp_path):
    table = synthetic_statistics(2020).astype(str)
    table.loc[0, "unit"] = "吨"
    root = make_pack(tmp_path, statistics=table)
    (problem,) = [p for p in validate_pack(root) if p.field == "row 2 · unit"]
    assert problem.message_zh == "第 2 行 · unit：单位“吨”无法换算为 元（gdp）"


def test_display_name_is_safe():
    assert display_name("C:\\Users\\x\\..\\stats\x1b.csv") == "stats.csv"
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("") == "upload"


# --- hostile bytes -------------------------------------------------------------------------------


def parse_or_refuse(filename: str, content: bytes) -> None:
    try:
        table = parse_upload(filename, content)
    except SubmissionError as exc:
        assert exc.problems
        return
    assert isinstance(table, pd.DataFrame)
    validate_rows(table, known_codes=KNOWN, allowed_codes=None)


HYPOTHESIS = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])
VALID_XLSX = xlsx_bytes([list(TEMPLATE_COLUMNS), [360124, 2019, "gdp", 2.5, "亿元", "x"]])


@HYPOTHESIS
@given(content=st.binary(max_size=4096), extension=st.sampled_from(["csv", "xlsx"]))
def test_arbitrary_bytes_are_refused_cleanly(content, extension):
    parse_or_refuse(f"upload.{extension}", content)


@HYPOTHESIS
@given(text=st.text(max_size=400))
def test_arbitrary_csv_text_is_refused_cleanly(text):
    parse_or_refuse("upload.csv", (HEADER + "\n" + text).encode("utf-8"))


@HYPOTHESIS
@given(value=st.one_of(st.text(max_size=30), st.floats().map(repr), st.integers().map(str)),
       unit=st.sampled_from(["亿元", "万元", "元", "千元"]))
def test_accepted_values_normalise_to_finite_numbers(value, unit):
    row = f'360124,2019,gdp,"{value.replace(chr(34), "")}",{unit},x'
    try:
        table = parse_upload("s.csv", csv_bytes(row))
    except SubmissionError:
        return
    if any(p.severity == "error" for p in validate_rows(table, known_codes=KNOWN, allowed_codes=None)):
        return
    rows = normalise(table)
    assert np.isfinite(rows["value_canonical"]).all() and (rows["value_canonical"] >= 0).all()


@HYPOTHESIS
@given(changes=st.lists(st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)),
                        min_size=1, max_size=8))
def test_damaged_workbooks_are_refused_cleanly(changes):
    content = bytearray(VALID_XLSX)
    for position, byte in changes:
        content[position] = byte
    parse_or_refuse("upload.xlsx", bytes(content))
