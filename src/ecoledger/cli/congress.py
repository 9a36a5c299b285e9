"""``ecoledger congress …``: the annual report to the People's Congress (issue 20, item 4)."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="congress", no_args_is_help=True)

declare(
    "congress",
    {
        "": (
            "向人民代表大会报告生态文明建设情况的年度报告（中文为主，附英文；HTML 和 PDF）。",
            "The annual report to the People's Congress on the decision (zh first, en; HTML and PDF).",
        ),
    },
)

OPTIONAL_HELP = (
    "（可选；未提供或不存在时列入报告的缺口部分）",
    " (optional; absent, it is listed in the gaps)",
)


def _optional(zh: str, en: str) -> tuple[str, str]:
    return zh + OPTIONAL_HELP[0], en + OPTIONAL_HELP[1]


declare(
    "congress.report",
    {
        "": (
            "汇编年度报告：封面、主要数字、按决定目标分章（GEP 核算、结果应用、碳排放、环境质量、生态系统与"
            "自然保护地、制度建设）、全省及 11 个设区市指标考核、缺口与来源；每个数值注明来源或缺失原因。"
            "写出 `report.zh.html`、`report.en.html` 及其 PDF（需要 `Chromium`）。",
            "Assemble the annual report: cover, headline figures, a section per goal of the decision (GEP "
            "accounting, using the results, carbon, environmental quality, ecosystems and protected areas, "
            "institutions), the scorecard of the province and its 11 cities, the gaps and the sources; every "
            "value carries its source or the reason it is missing. Writes report.zh.html, report.en.html "
            "and their PDFs (needs Chromium).",
        ),
        "year": ("报告年度", "the year reported"),
        "accounts": (
            "该年度的核算结果文件夹（`ecoledger account` 的输出）",
            "the year's account output folder (of ecoledger account)",
        ),
        "previous": _optional(
            "上一年度的核算结果文件夹（年度变化）", "the previous year's account folder (change)"
        ),
        "targets": _optional(
            "指标考核输出文件夹（含 `scorecard.csv`）", "the scorecard folder (with scorecard.csv)"
        ),
        "monitoring": _optional("环境监测输出文件夹", "the monitoring output folder"),
        "carbon": _optional(
            "碳排放输出文件夹（含 `inventory.csv`）", "the carbon output folder (with inventory.csv)"
        ),
        "seea_extent": _optional("生态系统范围账户文件夹", "the SEEA extent account folder"),
        "seea_condition": _optional("生态系统状况账户文件夹", "the SEEA condition account folder"),
        "biodiversity": _optional("自然保护地与物种指标文件夹", "the protected areas and species folder"),
        "controls": _optional("国土空间管控筛查文件夹", "the spatial control screening folder"),
        "audit": _optional("离任审计与河湖林长文件夹", "the departure audit and chiefs folder"),
        "applications": _optional("核算结果应用文件夹", "the applications folder"),
        "out": ("输出文件夹（整体替换）", "output folder (replaced atomically)"),
        "no_pdf": ("只写 HTML，不生成 PDF", "write the HTML only, no PDF"),
    },
)
register(
    {
        "written": (
            "已写出 {count} 个文件 → {out}（缺口 {gaps} 项）",
            "{count} files written → {out} ({gaps} gaps)",
        ),
        "no_pdf": ("未生成 PDF：{why}", "PDF not written: {why}"),
    },
    prefix="cli.congress.",
)


@app.command("report", cls=Command)
def report_command(
    year: int = typer.Option(...),
    accounts: Path = typer.Option(...),
    out: Path = typer.Option(...),
    previous: Path | None = typer.Option(None),
    targets: Path | None = typer.Option(None),
    monitoring: Path | None = typer.Option(None),
    carbon: Path | None = typer.Option(None),
    seea_extent: Path | None = typer.Option(None),
    seea_condition: Path | None = typer.Option(None),
    biodiversity: Path | None = typer.Option(None),
    controls: Path | None = typer.Option(None),
    audit: Path | None = typer.Option(None),
    applications: Path | None = typer.Option(None),
    no_pdf: bool = typer.Option(False, "--no-pdf"),
) -> None:
    """Assemble the annual report to the People's Congress."""
    from ecoledger.congress import Inputs, write_congress_report
    from ecoledger.congress.build import gaps_count
    from ecoledger.report.figures import ReportWarning

    require(accounts, "the account folder", "--accounts", folder=True)
    inputs = Inputs(
        year=year,
        accounts=accounts,
        previous=previous,
        targets=targets,
        monitoring=monitoring,
        carbon=carbon,
        seea_extent=seea_extent,
        seea_condition=seea_condition,
        biodiversity=biodiversity,
        controls=controls,
        audit=audit,
        applications=applications,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportWarning)
        written = write_congress_report(inputs, out, pdf=not no_pdf)
    for warning in caught:
        if issubclass(warning.category, ReportWarning):
            typer.echo(text("congress.no_pdf", why=warning.message), err=True)
    typer.echo(text("congress.written", count=len(written), out=out, gaps=gaps_count(out)))
