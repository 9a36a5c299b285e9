"""``ecoledger report OUT``: the bilingual GEP report of an accounting run's output folder."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer

from ecoledger.cli._errors import require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import text
from ecoledger.messages import register

declare("report", {
    "": ("写出 OUT/report.zh.html、OUT/report.en.html 和 OUT/report.zh.pdf。",
         "Write OUT/report.zh.html, OUT/report.en.html and OUT/report.zh.pdf."),
    "out": ("`ecoledger account` 的输出文件夹", "output folder of `ecoledger account`"),
    "pack": ("区域数据包（默认：OUT/run.json 中记录的数据包）",
             "region pack (default: the one in OUT/run.json)"),
    "lang": ("报告语言：`zh`、`en`（可多次给出）", "report language(s): zh, en"),
    "pdf": ("同时将第一种语言的报告打印为 PDF（需要 Chromium）",
            "also print the first language to PDF (needs chromium)"),
    "previous": ("同一批单位上一年的输出文件夹（用于绘制逐年变化）",
                 "an earlier year's output folder of the same units (draws the year-over-year "
                 "change)"),
})
register({
    "no_run_json": ("{out} 不是 `ecoledger account` 的输出文件夹（没有 run.json）；"
                    "修改：请给出 `ecoledger account --out` 写出的文件夹",
                    "{out} is not an output folder of `ecoledger account` (no run.json); "
                    "fix: give the folder `ecoledger account --out` wrote"),
    "cannot_write": ("{out}：无法写出报告：{exc}", "{out}: the report cannot be written: {exc}"),
    "warning": ("警告：{message}", "warning: {message}"),
    "written": ("→ {path}", "→ {path}"),
}, prefix="cli.report.")


def report(
    out: Path = typer.Argument(...),
    pack: Path | None = typer.Option(None),
    lang: list[str] = typer.Option(["zh", "en"]),
    pdf: bool = typer.Option(True),
    previous: Path | None = typer.Option(None),
) -> None:
    """Write OUT/report.zh.html, OUT/report.en.html and OUT/report.zh.pdf."""
    from ecoledger.errors import InputPathError
    from ecoledger.report import ReportWarning, write_report

    require(out, "an output folder of `ecoledger account`", "OUT", folder=True)
    require(pack, "the region pack", "--pack", folder=True)
    require(previous, "the previous year's output folder", "--previous", folder=True)
    if not (out / "run.json").is_file():
        raise InputPathError(text("report.no_run_json", out=out))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportWarning)
        try:
            written = write_report(out, pack, languages=lang, pdf=pdf, previous=previous)
        except ValueError as exc:
            raise InputPathError(text("report.cannot_write", out=out, exc=exc)) from exc
    for warning in caught:
        if issubclass(warning.category, ReportWarning):
            typer.echo(text("report.warning", message=warning.message), err=True)
    for path in written:
        typer.echo(text("report.written", path=path))
