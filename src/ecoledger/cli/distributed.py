"""``ecoledger distributed PACK --year … --out FILE.csv``: raster items on a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import text
from ecoledger.messages import CATALOGUE, register

declare("distributed", {
    "": ("在 Dask 集群上计算逐像元的栅格项目，按最低一级单位和生态系统类型汇总。",
         "Per-cell raster items per leaf unit and ecosystem type, computed on a Dask cluster."),
    "pack": ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)"),
    "year": ("核算年份", "accounting year"),
    "scheduler": ("`dask.distributed` 调度器地址（`tcp://host:8786`）；默认：本机集群",
                  "dask.distributed scheduler address (tcp://host:8786); default: a local cluster"),
    "out": ("要写出的 CSV（`adcode`、`item`、`ecosystem`、`physical_value`）",
            "CSV to write (adcode, item, ecosystem, physical_value)"),
    "chunk": ("分块边长（像元数）", "chunk edge in cells"),
    "profile": ("核算规范：`ndrc2022`、`mee2020` 或 `db36_1402`", "ndrc2022 | mee2020 | db36_1402"),
    "routing": ("计算坡长坡度因子的汇流算法：`mfd` 或 `d8`", "mfd | d8 (flow routing for the LS factor)"),
})
register({
    "written": ("{rows} 行 → {out}（{steps}）", "{rows} rows → {out} ({steps})"),
    "step": ("{step} {seconds:.1f} 秒", "{step} {seconds:.1f} s"),
    "separator": ("，", ", "),
    "stage.setup": ("准备", "setup"),
    "stage.basins": ("流域划分", "basins"),
    "stage.compute": ("计算", "compute"),
    "stage.total": ("合计", "total"),
}, prefix="cli.distributed.")


def distributed(
    pack: Path = typer.Argument(...),
    year: int = typer.Option(...),
    scheduler: str | None = typer.Option(None),
    out: Path = typer.Option(...),
    chunk: int = typer.Option(2048),
    profile: str = typer.Option("ndrc2022"),
    routing: str = typer.Option("mfd"),
) -> None:
    """Per-cell raster items per leaf unit and ecosystem type, computed on a Dask cluster."""
    from ecoledger.distributed import run_distributed  # dask.distributed only when used

    require(pack, "the region pack", "PACK", folder=True)
    timings: dict[str, float] = {}
    table = run_distributed(pack, year, scheduler=scheduler, chunk=chunk, profile=profile,
                            routing=routing, timings=timings)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    table.to_csv(partial, index=False, encoding="utf-8")
    partial.replace(out)
    steps = text("distributed.separator").join(
        text("distributed.step", step=_stage(step), seconds=seconds)
        for step, seconds in timings.items())
    typer.echo(text("distributed.written", rows=len(table), out=out, steps=steps))


def _stage(name: str) -> str:
    """A stage of ``run_distributed``'s timings in the command's language."""
    return text(f"distributed.stage.{name}") if f"cli.distributed.stage.{name}" in CATALOGUE else name
