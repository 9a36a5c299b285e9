"""Bad input to every command: exit code 2, a message naming the file (or field) and the fix, no
Python traceback, and no output folder left behind. A few cases run the installed console script
(``.venv/bin/ecoledger``, the real entry point); the rest use typer's CliRunner on the root app."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import rasterio
from typer.testing import CliRunner

from ecoledger.cli.main import app
from ecoledger.testing import make_pack, rewrite_raster

ECOLEDGER = Path(sys.executable).with_name("ecoledger")
YEAR = 2020
LC = "layers/landcover.tif"
runner = CliRunner()


@pytest.fixture(scope="module")
def good_pack(tmp_path_factory):
    return make_pack(tmp_path_factory.mktemp("good") / "pack")


@pytest.fixture
def pack(tmp_path):
    return make_pack(tmp_path / "pack")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(result, *words):
    """Exit code 2, each of ``words`` in the output, no traceback."""
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 2, (result.exit_code, output, result.exception)
    assert "Traceback" not in output
    for word in words:
        assert word in output, (word, output)
    return output


def run_script(*args, cwd=None):
    return subprocess.run(
        [str(ECOLEDGER), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300
    )


# --- region packs: account refuses, writes nothing -------------------------------------------------


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"crs": "EPSG:3857"}, "does not overlap"),
        ({"transform": rasterio.transform.from_origin(5e6, 3.3e6, 1000, 1000)}, "does not overlap"),
        ({"nodata": None}, "no nodata value"),
    ],
)
def test_account_refuses_bad_rasters(pack, tmp_path, changes, words):
    rewrite_raster(pack / LC, **changes)
    out = tmp_path / "out"
    refused(invoke("account", pack, "--year", YEAR, "--out", out, "--no-report"), LC, words, "fix:")
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no staging folder


def test_account_refuses_a_truncated_geotiff(pack, tmp_path):
    dem = pack / "layers/dem.tif"
    dem.write_bytes(dem.read_bytes()[: dem.stat().st_size // 3])
    out = tmp_path / "out"
    refused(invoke("account", pack, "--year", YEAR, "--out", out), "layers/dem.tif", "fix:")
    assert not out.exists()


def test_account_year_not_in_pack_names_the_table(good_pack, tmp_path):
    out = tmp_path / "out"
    output = refused(invoke("account", good_pack, "--year", 2030, "--out", out), "pack.toml", "years.2030")
    assert "[years.2030.layers]" in output  # not eaten as rich markup
    assert not out.exists()


def test_missing_pack_and_tables(tmp_path, good_pack):
    missing = tmp_path / "nowhere"
    refused(invoke("account", missing, "--year", YEAR, "--out", tmp_path / "o"), str(missing), "PACK")
    refused(invoke("validate", missing), str(missing))
    refused(invoke("series", missing, "--years", YEAR, "--out", tmp_path / "o"), str(missing))
    refused(
        invoke(
            "account", good_pack, "--year", YEAR, "--out", tmp_path / "o", "--parameters", tmp_path / "p.csv"
        ),
        "p.csv",
        "--parameters",
    )
    refused(invoke("report", tmp_path), "run.json", str(tmp_path))
    assert not (tmp_path / "o").exists()


def test_serve_refuses_a_trusted_proxy_that_is_no_address(tmp_path):
    refused(invoke("serve", "--data", tmp_path / "d", "--trusted-proxy", "proxy.example"),
            "--trusted-proxy", "proxy.example", "10.0.0.0/8")
    assert not (tmp_path / "d").exists()


def test_validate_reports_overlapping_units_as_a_warning(pack):
    import geopandas as gpd

    units = gpd.read_file(pack / "units.gpkg")
    units.loc[3, "geometry"] = units.geometry[3].buffer(2000)
    units.to_file(pack / "units.gpkg")
    result = invoke("validate", pack, "--year", YEAR)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "[warning] units.gpkg" in result.output and "990101 × 990102" in result.output


# --- hostile tables -------------------------------------------------------------------------------


def statistics_csv(path: Path, value: str, encoding: str = "utf-8", header: str | None = None) -> Path:
    header = header or "code,year,indicator,value,unit,source"
    path.write_bytes(f"{header}\n990101,{YEAR},tourist_visits,{value},万人次,统计年鉴\n".encode(encoding))
    return path


def test_add_statistics_refuses_formula_injection_and_writes_nothing(pack, tmp_path):
    before = (pack / "pack.toml").read_bytes()
    table = statistics_csv(tmp_path / "inject.csv", '=HYPERLINK("http://x")')
    refused(invoke("pack", "add-statistics", pack, table), "inject.csv", "row 2", "formula", "fix:")
    assert (pack / "pack.toml").read_bytes() == before


def test_add_statistics_refuses_wrong_encoding_and_missing_columns(pack, tmp_path):
    gbk = statistics_csv(tmp_path / "gbk.csv", "12", encoding="gbk")
    refused(invoke("pack", "add-statistics", pack, gbk), "gbk.csv")
    columns = statistics_csv(tmp_path / "columns.csv", "12", header="code,year,what,value,unit,source")
    refused(invoke("pack", "add-statistics", pack, columns), "columns.csv", "indicator")


def test_monitoring_tables(tmp_path):
    records = tmp_path / "records.csv"
    records.write_bytes("站点,日期\n甲,2020-01-01\n".encode("gbk"))
    refused(invoke("monitoring", "water", records, "--out", tmp_path / "w"), "records.csv")
    assert not (tmp_path / "w").exists()
    days = tmp_path / "days.csv"
    days.write_text("town,day,pm25_24h\nA,2020-01-01,35\n", encoding="utf-8")
    refused(invoke("monitoring", "aqi", days, "--out", tmp_path / "aqi.csv"), "days.csv", "city", "fix:")
    activity = tmp_path / "activity.csv"
    activity.write_text("source,amount\npigs,3\n", encoding="utf-8")
    refused(
        invoke("monitoring", "tp-load", activity, "--out", tmp_path / "tp", "--year", 2020, "--source", "x"),
        "activity.csv",
        "activity",
        "fix:",
    )
    refused(
        invoke(
            "monitoring",
            "alerts",
            tmp_path / "no-series.csv",
            "--rules",
            tmp_path / "no.toml",
            "--out",
            tmp_path / "alerts.csv",
        ),
        "no.toml",
    )
    assert not (tmp_path / "aqi.csv").exists() and not (tmp_path / "tp").exists()


def test_applications_missing_inputs(tmp_path):
    refused(
        invoke(
            "applications", "apply", tmp_path / "rule.toml", "--accounts", tmp_path, "--out", tmp_path / "o"
        ),
        "rule.toml",
        "RULE",
    )
    refused(
        invoke(
            "applications", "vep", tmp_path / "site.geojson", "--accounts", tmp_path, "--out", tmp_path / "o"
        ),
        "site.geojson",
    )
    broken = tmp_path / "certificate.json"
    broken.write_text("{not json", encoding="utf-8")
    refused(invoke("applications", "verify", broken), "certificate.json", "fix:")
    assert not (tmp_path / "o").exists()


# --- platform rerun: the archive is checked before anything is computed ---------------------------


def archive(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


MANIFEST = json.dumps(
    {
        "format": "ecoledger-run-archive/1",
        "run": 1,
        "year": YEAR,
        "profile": "ndrc2022",
        "parameter_table_version": 1,
        "pack_inputs": {},
    }
)


@pytest.mark.parametrize(
    "members, words",
    [
        ({"manifest.json": MANIFEST, "inputs/statistics.csv": "code\n"}, "outputs/accounts.csv"),
        ({"../../evil.txt": "x", "inputs/statistics.csv": "code\n"}, "../../evil.txt"),
        ({"inputs/statistics.csv": "code\n", "outputs/accounts.csv": "adcode\n"}, "manifest.json"),
        (
            {"manifest.json": "{broken", "inputs/statistics.csv": "", "outputs/accounts.csv": ""},
            "manifest.json",
        ),
        (
            {
                "manifest.json": json.dumps({"format": "ecoledger-run-archive/1"}),
                "inputs/statistics.csv": "",
                "outputs/accounts.csv": "",
            },
            "lacks",
        ),
    ],
)
def test_rerun_refuses_bad_archives_before_computing(good_pack, tmp_path, members, words):
    bad = archive(tmp_path / "run-1.zip", members)
    out = tmp_path / "rerun"
    refused(invoke("platform", "rerun", bad, "--pack", good_pack, "--out", out), "run-1.zip", words, "fix:")
    assert not out.exists()
    assert not (tmp_path.parent / "evil.txt").exists()


def test_rerun_refuses_a_file_that_is_not_a_zip_and_missing_paths(good_pack, tmp_path):
    bad = tmp_path / "run-2.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    refused(
        invoke("platform", "rerun", bad, "--pack", good_pack, "--out", tmp_path / "o"),
        "run-2.zip",
        "not a zip",
    )
    refused(
        invoke("platform", "rerun", tmp_path / "none.zip", "--pack", good_pack, "--out", tmp_path / "o"),
        "none.zip",
    )
    assert not (tmp_path / "o").exists()


# --- the real entry point ---------------------------------------------------------------------------


def test_console_script_user_errors_exit_2_without_traceback(tmp_path, good_pack):
    done = run_script("carbon", "demo", "--accounts", tmp_path / "missing.csv", "--out", tmp_path / "c")
    assert done.returncode == 2, done.stderr
    assert "missing.csv" in done.stderr and "--accounts" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "c").exists()
    broken = make_pack(tmp_path / "broken")
    (broken / "layers/dem.tif").write_bytes(b"II*\x00" + b"\x00" * 64)  # a GeoTIFF header, nothing else
    done = run_script("account", broken, "--year", YEAR, "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr + done.stdout
    assert "layers/dem.tif" in done.stderr and not (tmp_path / "o").exists()


def test_debug_shows_the_traceback(tmp_path, good_pack):
    bad = archive(tmp_path / "run-3.zip", {"inputs/statistics.csv": ""})
    done = run_script("--debug", "platform", "rerun", bad, "--pack", good_pack, "--out", tmp_path / "o")
    assert done.returncode != 0 and "Traceback" in done.stderr and "manifest.json" in done.stderr


def test_a_bug_is_one_line_with_exit_1(monkeypatch, tmp_path):
    import ecoledger.testing

    def broken(*args, **kwargs):
        raise TypeError("unexpected keyword")

    monkeypatch.setattr(ecoledger.testing, "make_pack", broken)
    result = invoke("pack", "synthetic", tmp_path / "p")
    assert result.exit_code == 1
    assert "internal error: TypeError: unexpected keyword" in result.output and "--debug" in result.output
    assert "Traceback" not in result.output
