"""`ecoledger applications …`."""

import typer

app = typer.Typer(help="applications", no_args_is_help=True)
