"""The sheet users fill for the indicator values the statistics lack.

``template_rows(values, system)`` lists one row per unit × year × indicator that is ``missing``
and that a statistics table can give (``computed_from`` statistic or biodiversity: not the
accounts' or the carbon inventory's), in the columns of the statistics template
(``ecoledger.statistics.template.TEMPLATE_COLUMNS``: code, name, year, indicator, value, unit,
source, status, method, quote) with the system's unit. ``write_template(path, rows, system)``
writes it as CSV (the statistics template's writer) or XLSX (first sheet the rows, second sheet
each indicator's names and unit), atomically. A filled sheet passed back with ``--statistics``
is read by the platform's upload parser (``values.read_statistics``).
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Font

from ecoledger.statistics import template as statistics_template
from ecoledger.statistics.template import (
    SHEET_DATA,
    SHEET_NOTES,
    TEMPLATE_COLUMNS,
    bilingual_header,
)

FILLABLE = ("statistic", "biodiversity")


def template_rows(values: pd.DataFrame, system: pd.DataFrame) -> pd.DataFrame:
    """The missing, fillable rows of ``values`` (``indicator_values``) as template rows."""
    fillable = set(system.loc[system["computed_from"].isin(FILLABLE), "indicator"])
    fillable.discard("electricity_consumption_per_gdp")  # computed from electricity use and GDP
    missing = values[(values["status"] == "missing") & values["indicator"].isin(fillable)]
    rows = pd.DataFrame({"code": missing["code"], "name": missing["unit_name"],
                         "year": missing["year"].astype(int).astype(str), "indicator": missing["indicator"],
                         "value": "", "unit": missing["unit"], "source": "", "status": "", "method": "",
                         "quote": ""})
    return rows[list(TEMPLATE_COLUMNS)].reset_index(drop=True)


def template_xlsx_bytes(rows: pd.DataFrame, system: pd.DataFrame) -> bytes:
    """The rows on the first sheet (the one the upload parser reads), the indicators on the second."""
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = SHEET_DATA
    data.append(bilingual_header(rows.columns))
    for record in rows.astype(str).itertuples(index=False):
        data.append(list(record))
    for column in (i for i, c in enumerate(rows.columns, start=1) if c != "value"):
        for cell in data.iter_rows(min_row=2, min_col=column, max_col=column):
            cell[0].number_format = "@"  # text: Excel keeps codes such as 360100 as typed
    notes = workbook.create_sheet(SHEET_NOTES)
    notes.append(["indicator 指标代码", "name_zh 中文名称", "name_en English name", "unit 单位",
                  "direction 方向", "note 说明"])
    for ind in system[system["indicator"].isin(set(rows["indicator"]))].itertuples():
        notes.append([ind.indicator, ind.name_zh, ind.name_en, ind.unit, ind.direction, ind.note])
    notes.append([])
    notes.append(["source 数据来源: 公报或文件名称或网址; quote 原文摘录: 含该数值的原句"])
    for sheet in (data, notes):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_template(path: str | Path, rows: pd.DataFrame, system: pd.DataFrame) -> Path:
    """``rows`` as .csv or .xlsx (by the suffix), atomically; ValueError for another suffix."""
    return statistics_template.write_template(path, rows, system, xlsx=template_xlsx_bytes)
