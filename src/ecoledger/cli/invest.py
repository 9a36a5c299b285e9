"""`ecoledger invest ARGS_JSON`: run an InVEST model (SDR, annual water yield, carbon, habitat
quality) from its
InVEST datastack / ``args.json`` as it stands, writing InVEST's per-watershed table."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from ecoledger.cli._errors import require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import CATALOGUE, register

declare("invest", {
    "": ("用 InVEST 的输入运行 SDR（RKLS、USLE、避免的侵蚀量）、年产水量、碳储量或生境质量模型。\n\n"
         "按 InVEST 的文件名写入工作文件夹：watershed_results_sdr.shp（usle_tot、avoid_eros）、"
         "output/watershed_results_wyield.csv/.shp（precip_mn、PET_mn、AET_mn、wyield_mn、"
         "wyield_vol）、raster_values_summary.csv（碳储量）；与 InVEST 一样，每个流域使用各自的"
         "像元掩膜；生境质量写出 `deg_sum`、`quality`、`rarity` 栅格。",
         "Run SDR (RKLS, USLE, avoided erosion), annual water yield, carbon or habitat quality on "
         "InVEST inputs.\n\n"
         "Writes InVEST's files into the workspace: watershed_results_sdr.shp (usle_tot, "
         "avoid_eros), output/watershed_results_wyield.csv/.shp (precip_mn, PET_mn, AET_mn, "
         "wyield_mn, wyield_vol), raster_values_summary.csv (carbon); each watershed on its own "
         "cell mask, as InVEST; habitat quality: the deg_sum, quality and rarity rasters."),
    "datastack": ('InVEST 数据栈（*.invs.json）或 args.json：`{"args": {...}, "model_id": ...}` '
                  "或普通的参数字典；其中的相对路径相对于该文件所在文件夹",
                  'InVEST datastack (*.invs.json) or args.json: {"args": {...}, "model_id": ...}'
                  " or a plain args dict; relative paths are read relative to this file"),
    "model": ("`sdr`、`annual_water_yield`、`carbon` 或 `habitat_quality`；默认：数据栈的 "
              "`model_id` / `model_name`",
              "sdr, annual_water_yield, carbon or habitat_quality; default: the datastack's "
              "model_id / model_name"),
    "workspace": ("输出文件夹；默认：参数中的 `workspace_dir`",
                  "output folder; default: the args' workspace_dir"),
})
register({
    "model": ("模型 `{model}`：{workspace}", "{model}: {workspace}"),
    "output": ("  {name}：{path}", "  {name}: {path}"),
    "note": ("说明：{note}", "note: {note}"),
    # the pipeline's notes (pipeline/invest.py, English) in Chinese, by model
    "note.sdr": ("k_param、sdr_max 和 ic_0_param 只用于泥沙输出和沉积，ecoledger 不计算这两项："
                 "结果表有 usle_tot 和 avoid_eros，没有 sed_export、sed_dep、avoid_exp",
                 "k_param, sdr_max and ic_0_param enter only sediment export and deposition, which "
                 "ecoledger does not compute: the table has usle_tot and avoid_eros, not "
                 "sed_export, sed_dep, avoid_exp"),
}, prefix="cli.invest.")


def invest(
    datastack: Annotated[Path, typer.Argument()],
    model: Annotated[str | None, typer.Option()] = None,
    workspace: Annotated[Path | None, typer.Option()] = None,
) -> None:
    """Run SDR (RKLS, USLE, avoided erosion), annual water yield, carbon or habitat quality on
    InVEST inputs."""
    # A fresh run is mostly start-up: numpy, rasterio, numba's compiler registries and cached
    # kernels — some 140 000 long-lived objects, which the cyclic garbage collector would scan
    # again and again while they are being built, and once more when the interpreter exits
    # (together 0.2–0.4 s of a 1 s run). The run makes few reference cycles (its arrays are
    # freed by reference counting), so collection waits until the command is done, and the
    # objects still alive at exit are frozen (gc.freeze) so that the exit does not scan them.
    gc.disable()
    atexit.register(gc.freeze)
    # The pipelines do no BLAS work (their kernels are numba loops), yet numpy's OpenBLAS and
    # scipy's (which numba loads to see whether BLAS is there) each start a pool of worker
    # threads that spin while they wait, competing with the run for the cores (on a 2-core
    # machine at load average 3–4 a fresh SDR run took 0.1–0.25 s longer, median; no difference
    # measurable on a quiet one). One BLAS thread starts none.
    # Only before numpy is loaded (a fresh process), and never over the user's own setting.
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        _run(datastack, model, workspace)
    finally:
        gc.enable()


def _run(datastack: Path, model: str | None, workspace: Path | None) -> None:
    from ecoledger.pipeline.invest import run_datastack

    require(datastack, "the InVEST datastack / args.json", "DATASTACK", folder=False)
    result = run_datastack(datastack, model=model, workspace=workspace)
    typer.echo(text("invest.model", model=result["model"], workspace=result["workspace"]))
    table = result["table"]
    typer.echo(table.to_string())
    for name, path in result["outputs"].items():
        typer.echo(text("invest.output", name=name, path=path))
    translated = f"cli.invest.note.{result['model']}"
    for note in result["notes"]:
        if language() != "en" and translated in CATALOGUE:
            note = text(f"invest.note.{result['model']}")
        typer.echo(text("invest.note", note=note))
