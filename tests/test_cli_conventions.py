"""How the command line behaves for users: --version, plain untruncated messages off a terminal,
output folders under the user's umask, demos and commands run from any folder, a light --help."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import rasterio
from typer.testing import CliRunner

from ecoledger.atomic import atomic_directory
from ecoledger.cli.main import app
from ecoledger.testing import make_pack

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
ECOLEDGER = PYTHON.with_name("ecoledger")
YEAR = 2020
runner = CliRunner()


def run_script(*args, cwd: Path, timeout: float = 600):
    done = subprocess.run(
        [str(ECOLEDGER), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"ecoledger {version('ecoledger')}"


def test_help_does_not_import_the_engine():
    heavy = (
        "pandas",
        "geopandas",
        "rasterio",
        "numba",
        "numpy",
        "matplotlib",
        "fastapi",
        "sqlalchemy",
        "ecoledger.accounts",
        "ecoledger.pipeline",
    )
    code = (
        "import sys; from ecoledger.cli.main import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_validate_off_a_terminal_prints_whole_lines(tmp_path):
    pack = make_pack(tmp_path / "a-region-pack-with-a-rather-long-folder-name")
    long_name = "layers/landcover-of-the-region-2020-clcd-30m-reprojected-to-albers.tif"
    (pack / "layers/landcover.tif").rename(pack / long_name)
    toml = pack / "pack.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("layers/landcover.tif", long_name), encoding="utf-8"
    )
    with rasterio.open(pack / long_name, "r+") as dst:
        dst.nodata = None
    result = runner.invoke(app, ["validate", str(pack), "--year", str(YEAR)])
    assert result.exit_code == 1  # the verdict: the pack has errors
    line = next(line for line in result.output.splitlines() if line.startswith("[error]"))
    assert long_name in line and "years.2020.layers.landcover" in line and "fix:" in line
    assert "…" not in result.output and "┃" not in result.output  # no rich table, nothing cut


def test_messages_are_not_read_as_markup(tmp_path):
    pack = make_pack(tmp_path / "pack")
    result = runner.invoke(app, ["validate", str(pack), "--year", "2030"])
    assert "[years.2030.layers]" in result.output


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_output_folders_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        with atomic_directory(tmp_path / "out") as folder:
            (folder / "a.csv").write_text("x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o777 & ~mask


def test_commands_run_from_any_folder(tmp_path):
    """The synthetic pack, validate and account with relative paths, from a temporary folder."""
    assert run_script("pack", "synthetic", "pack", cwd=tmp_path).returncode == 0
    assert run_script("validate", "pack", cwd=tmp_path).returncode == 0
    done = run_script("account", "pack", "--year", YEAR, "--out", "out", "--no-report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "accounts.csv").is_file()
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o777 & ~_umask()


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def test_monitoring_demo_from_any_folder(tmp_path):
    done = run_script("monitoring", "demo", "--out", "m", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "m" / "index.html").is_file()


def test_carbon_demo_from_any_folder(tmp_path, monkeypatch):
    done = run_script("carbon", "demo", "--out", "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c" / "index.html").is_file()


def test_applications_demo_from_any_folder(tmp_path, jiangxi_main):
    done = run_script(
        "applications",
        "demo",
        "--accounts",
        jiangxi_main[0],
        "--previous",
        jiangxi_main[1],
        "--out",
        "a",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a" / "index.html").is_file()
