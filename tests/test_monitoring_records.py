"""Monitoring records: units, detection limits, impossible values, duplicates; nothing partial."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ecoledger.monitoring import records

HEADER = "station,water_type,city,basin,date,parameter,value,unit"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def test_units_are_converted_and_detection_limits_kept():
    rows = records.load("ok.csv", csv_bytes(
        "星子,lake,360400,鄱阳湖,2020-07-15,tp,61,µg/L",
        "星子,lake,360400,鄱阳湖,2020-07-15,NH3-N,<0.025,mg/L",
        "星子,lake,360400,鄱阳湖,2020-07-15,sd,45,cm",
        "外洲,river,,赣江,2020-07-15,do,7.5,mg/L"))
    by = rows.set_index("parameter")
    assert by.loc["tp", "value"] == pytest.approx(0.061) and by.loc["tp", "unit"] == "mg/L"
    # below detection enters as half the detection limit: 0.025 × 0.5
    assert by.loc["nh3n", "value"] == pytest.approx(0.0125) and by.loc["nh3n", "below_detection"]
    assert by.loc["sd", "value"] == pytest.approx(0.45)
    assert list(rows["row"]) == [2, 3, 4, 5]


def test_bad_rows_are_refused_naming_row_and_field():
    content = csv_bytes(
        "星子,lake,360400,鄱阳湖,2020-07-15,tp,0.06,mg/L",      # row 2 fine
        "星子,lake,360400,鄱阳湖,2020-07-15,zinc,0.1,mg/L",     # row 3 unknown parameter
        "星子,lake,360400,鄱阳湖,2020-08-15,tp,150,mg/L",       # row 4 impossible (µg/L as mg/L)
        "星子,lake,360400,鄱阳湖,2020-07-15,TP,0.07,mg/L",      # row 5 repeats row 2
        "星子,lake,360400,鄱阳湖,2020-13-01,tp,0.07,mg/L",      # row 6 not a date
        "星子,pond,360400,鄱阳湖,2020-09-15,tp,0.07,mg/L",      # row 7 water type
        "星子,lake,360400,鄱阳湖,2020-10-15,tp,0.07,kg",        # row 8 unit
        "星子,lake,360400,鄱阳湖,2020-11-15,tp,-0.01,mg/L",     # row 9 negative
        "星子,lake,360400,鄱阳湖,2020-12-15,tp,n.d.,mg/L",      # row 10 not a number
        "星子,lake,999999,鄱阳湖,2020-12-16,tp,<0,mg/L")        # row 11 city, zero detection limit
    with pytest.raises(records.MonitoringFileError) as caught:
        records.load("bad.csv", content, known_cities={"360400"})
    fields = {p.field for p in caught.value.problems}
    assert {"row 3 · parameter", "row 4 · value", "row 5 · parameter", "row 6 · date",
            "row 7 · water_type", "row 8 · unit", "row 9 · value", "row 10 · value",
            "row 11 · city", "row 11 · value"} <= fields
    assert all(p.file == "bad.csv" and p.message_zh for p in caught.value.problems)
    duplicate = next(p for p in caught.value.problems if p.field == "row 5 · parameter")
    assert "row 2" in duplicate.message


def test_a_wrong_header_and_unsafe_cells_are_refused():
    with pytest.raises(records.MonitoringFileError) as caught:
        records.load("h.csv", b"site,date,value\nx,2020-01-01,1\n")
    assert caught.value.problems[0].field == "row 1 · header"
    with pytest.raises(records.MonitoringFileError) as caught:
        records.load("r.csv", (HEADER + ",unit\n星子,lake,,,2020-07-15,tp,0.06,mg/L,mg/L\n").encode())
    assert "repeated: unit" in caught.value.problems[0].message
    with pytest.raises(records.MonitoringFileError) as caught:
        records.load("f.csv", csv_bytes('星子,lake,,,2020-07-15,tp,"=1+1",mg/L'))
    assert "formula" in str(caught.value)


def test_xlsx_uploads_are_read_and_formulas_refused():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["星子", "lake", "360400", "鄱阳湖", "2020-07-15", "tp", 0.061, "mg/L"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = records.load("ok.xlsx", buffer.getvalue())
    assert rows["value"].tolist() == [pytest.approx(0.061)]
    sheet.append(["星子", "lake", "360400", "鄱阳湖", "2020-08-15", "tp", "=0.05*2", "mg/L"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(records.MonitoringFileError) as caught:
        records.load("f.xlsx", buffer.getvalue())
    assert any(p.field == "row 3 · value" for p in caught.value.problems)


def test_the_template_loads():
    assert len(records.load("template.csv", records.template_csv())) == 2


def test_unusually_high_values_are_warned_not_refused():
    rows = records.load("w.csv", csv_bytes("星子,lake,,,2020-07-15,tp,71,mg/L"))
    assert rows["value"].tolist() == [71.0]
    (warning,) = rows.attrs["warnings"]
    assert warning.severity == "warning" and warning.field == "row 2 · value" and "µg/L" in warning.fix
