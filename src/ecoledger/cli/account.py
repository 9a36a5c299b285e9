"""``ecoledger account PACK --year YEAR --out DIR``: run and write a year's GEP accounts."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import CATALOGUE, register

# the steps run_account reports, as the progress bar shows them
register({
    "raster items": ("栅格项目", "raster items"),
    "terrain (fill, routing, LS)": ("地形（填洼、汇流、坡长坡度因子）", "terrain (fill, routing, LS)"),
    "capping and pricing": ("上限与定价", "capping and pricing"),
    "water bodies and statistics items": ("水体和统计类项目", "water bodies and statistics items"),
    "assemble": ("汇总", "assemble"),
}, prefix="cli.account.step.")
register({
    "basis": ("未知的物质产品核算口径 `{basis}`；修改：--provisioning-basis 请使用以下之一：{bases_zh}",
              "unknown provisioning basis {basis!r}; fix: --provisioning-basis one of {bases}"),
}, prefix="cli.account.")

declare("account", {
    "": ("运行区域数据包 PACK 在 YEAR 年的 GEP 核算，结果写入 OUT。",
         "Run the GEP accounts of PACK for YEAR and write them to OUT."),
    "pack": ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)"),
    "year": ("核算年份", "accounting year"),
    "out": ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)"),
    "profile": ("核算规范：`ndrc2022`、`mee2020` 或 `db36_1402`", "ndrc2022 | mee2020 | db36_1402"),
    "parameters": ("参数覆盖表（可多次给出）", "parameter override table(s)"),
    "statistics": ("统计数据文件（可多次给出），其中的行优先于数据包中的数据（如运行归档中的统计表）",
                   "statistics file(s) whose rows take precedence over the pack's (e.g. a run "
                   "archive's)"),
    "block_rows": ("按行块处理核算栅格，每块的行数", "process the grid in row blocks"),
    "routing": ("计算坡长坡度因子的汇流算法：`mfd` 或 `d8`", "flow routing for LS: mfd | d8"),
    "maps": ("写出逐像元地图", "write per-cell maps"),
    "report": ("写出中英文 HTML/PDF 报告", "write the bilingual HTML/PDF report"),
    "provisioning_basis": (
        "物质产品的核算口径：`gross_output`、`net_output` 或 `quantity_price`（默认：按核算规范）",
        "material products: gross_output | net_output | quantity_price (default: profile's)"),
    "max_missing_share": (
        "单位的计入面积中缺少某项输入的比例超过此值时，该项目记为缺失；不超过时记为部分值，并注明"
        "其覆盖比例（默认：`accounts.MAX_MISSING_SHARE`，即 0.5）",
        "a unit whose credited area lacks an input on more than this share gets the item "
        "missing; below it, partial with its own covered share (default: "
        "accounts.MAX_MISSING_SHARE, 0.5)"),
    "draws": ("蒙特卡洛抽样次数，用于区间和主要驱动因素（0：不计算；建议 1000）",
              "Monte Carlo draws for intervals and drivers (0: none; 1000 recommended)"),
    "ranges": ("取值范围表（可多次给出），覆盖内置的参数和图层范围",
               "range table(s) overriding the bundled parameter and layer ranges"),
    "seed": ("蒙特卡洛抽样的随机种子", "seed of the Monte Carlo sample"),
})


def account(
    pack: Path = typer.Argument(...),
    year: int = typer.Option(...),
    out: Path = typer.Option(...),
    profile: str = typer.Option("ndrc2022"),
    parameters: list[Path] = typer.Option([]),
    statistics: list[Path] = typer.Option([]),
    block_rows: int | None = typer.Option(None),
    routing: str = typer.Option("mfd"),
    maps: bool = typer.Option(True),
    report: bool = typer.Option(True),
    provisioning_basis: str | None = typer.Option(None),
    max_missing_share: float | None = typer.Option(None, min=0.0, max=1.0),
    draws: int = typer.Option(0, min=0),
    ranges: list[Path] = typer.Option([]),
    seed: int = typer.Option(20190101),
) -> None:
    """Run the GEP accounts of PACK for YEAR and write them to OUT."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ecoledger.accounts import run_account
    from ecoledger.outputs import YI, write_outputs

    require(pack, "the region pack", "PACK", folder=True)
    _require_basis(provisioning_basis)
    for path in (*parameters, *statistics, *ranges):
        require(path, "a parameter or statistics table", "--parameters/--statistics", folder=False)
    console = Console(markup=False, highlight=False)
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task(text("account.validating"), total=1.0)
        result = run_account(
            pack, year, profile=profile, parameter_overrides=parameters,
            statistics_overrides=statistics,
            block_rows=block_rows, routing=routing, keep_maps=maps,
            provisioning_basis=provisioning_basis,
            **({} if max_missing_share is None else {"max_missing_share": max_missing_share}),
            progress=lambda step, done: bar.update(task, description=_step(step), completed=done),
            components=draws > 0,
        )
        if draws:
            from ecoledger.uncertainty.propagate import propagate, ranges_for

            bar.update(task, description=text("account.uncertainty", draws=draws))
            result.uncertainty = propagate(result, ranges_for(result, ranges), draws, seed)
        bar.update(task, description=text("account.writing"))
        write_outputs(result, out, pack, report=report)
    accounts = result.accounts
    total = accounts.loc[(accounts["ecosystem"] == "all")
                         & (accounts["level"] == accounts["level"].iloc[0]), "value_yuan"].sum()
    console.print(text("account.summary", year=year, region=result.provenance["region"],
                       total=f"{total / YI:,.2f}", out=out))
    zh = language() == "zh"
    for row in result.plausibility[result.plausibility["flagged"]].itertuples():
        console.print(text("account.plausibility", name=row.name, check=row.check,
                           quantity=row.quantity, unit=row.unit, ratio=row.ratio,
                           reference_year=row.reference_year,
                           explanation=row.explanation_zh if zh else row.explanation_en),
                      style="yellow")


def _step(step: str) -> str:
    """A step of ``run_account``'s progress in the command's language (as given if unknown)."""
    return text(f"account.step.{step}") if f"cli.account.step.{step}" in CATALOGUE else step


def _require_basis(basis: str | None) -> None:
    """Refuse an unknown --provisioning-basis before anything is read (run_account refuses it
    too, in English only, after validating the pack)."""
    from ecoledger.items.provisioning import PROVISIONING_BASES

    if basis is not None and basis not in PROVISIONING_BASES:
        from ecoledger.errors import InputError

        raise InputError(key="cli.account.basis", basis=basis, bases=", ".join(PROVISIONING_BASES),
                         bases_zh="、".join(f"`{b}`" for b in PROVISIONING_BASES))
