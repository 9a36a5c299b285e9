"""`ecoledger invest ARGS_JSON`: run an InVEST model (SDR, annual water yield, carbon) from its
InVEST datastack / ``args.json`` as it stands, writing InVEST's per-watershed table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecoledger.cli._errors import require


def invest(
    datastack: Annotated[
        Path,
        typer.Argument(
            help='InVEST datastack (*.invs.json) or args.json: {"args": {...}, "model_id": ...}'
            " or a plain args dict; relative paths are read relative to this file"
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            help="sdr, annual_water_yield or carbon; default: the datastack's model_id / model_name"
        ),
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option(help="output folder; default: the args' workspace_dir")
    ] = None,
) -> None:
    """Run SDR (RKLS, USLE, avoided erosion), annual water yield or carbon on InVEST inputs.

    Writes InVEST's files into the workspace: watershed_results_sdr.shp (usle_tot, avoid_eros),
    output/watershed_results_wyield.csv/.shp (precip_mn, PET_mn, AET_mn, wyield_mn, wyield_vol),
    raster_values_summary.csv (carbon); each watershed on its own cell mask, as InVEST.
    """
    from ecoledger.pipeline.invest import run_datastack

    require(datastack, "the InVEST datastack / args.json", "DATASTACK", folder=False)
    result = run_datastack(datastack, model=model, workspace=workspace)
    typer.echo(f"{result['model']}: {result['workspace']}")
    table = result["table"]
    typer.echo(table.to_string(index=False))
    for name, path in result["outputs"].items():
        typer.echo(f"  {name}: {path}")
    for note in result["notes"]:
        typer.echo(f"note: {note}")
