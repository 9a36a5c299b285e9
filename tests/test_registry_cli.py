"""The registry's command line beyond the core (issue 18 items 2, 5, 6, 7): ``registry --help`` by
section, ``parcels check`` / ``parcels register``, ``credit score``, ``trace new/step/certify/verify/
lookup``, each in Chinese and English, with their exit codes (0 done, 1 a verdict: overlaps, a bad
trace code; 2 a user error)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from typer.testing import CliRunner

from ecoledger.cli.main import app
from ecoledger.untranslated import untranslated

runner = CliRunner()
LANGS = ("zh", "en")
COUNTY = "360722"


def run(lang: str, *args):
    return runner.invoke(app, ["--lang", lang, "registry", *map(str, args)])


def parcel_file(path: Path, squares, **changes) -> Path:
    """A GeoPackage of parcels: one square (lon, lat, side in degrees) each, the fields of
    ``registry.parcels`` filled in, ``changes`` overriding columns."""
    n = len(squares)
    frame = gpd.GeoDataFrame(
        {
            "serial": [f"T-{COUNTY}-{k:03d}" for k in range(1, n + 1)],
            "type": ["forest"] * n,
            "owner": [f"测试村集体 {k}" for k in range(1, n + 1)],
            "owner_type": ["collective"] * n,
            "county": [COUNTY] * n,
            "right_type": ["ownership"] * n,
            "valid_from": ["2020-01-01"] * n,
        },
        geometry=[box(lon, lat, lon + d, lat + d) for lon, lat, d in squares],
        crs="EPSG:4326",
    )
    for column, values in changes.items():
        frame[column] = values
    frame.to_file(path, driver="GPKG")
    return path


SQUARES = [(114.90, 25.40, 0.01), (114.92, 25.40, 0.01), (114.94, 25.40, 0.01)]


@pytest.fixture
def files(tmp_path):
    area = tmp_path / "area.geojson"
    gpd.GeoSeries([box(114.89, 25.39, 114.96, 25.42)], crs="EPSG:4326").to_file(area, driver="GeoJSON")
    return {
        "good": parcel_file(tmp_path / "good.gpkg", SQUARES),
        "overlap": parcel_file(tmp_path / "overlap.gpkg", [*SQUARES, (114.905, 25.40, 0.01)]),
        "bad": parcel_file(
            tmp_path / "bad.gpkg",
            SQUARES,
            type=["forest", "volcano", "forest"],
            owner_type=["individual"] * 3,
        ),
        "area": area,
    }


# --- help ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, sections",
    [
        (
            "en",
            ["Registration", "Valuation and finance", "Resource bank", "Trading", "Credit", "Traceability"],
        ),
        ("zh", ["登记", "估值与绿色金融", "“两山”银行", "权利交易", "生态信用", "产品追溯"]),
    ],
)
def test_help_lists_the_registry_by_section(lang, sections):
    done = run(lang, "--help")
    assert done.exit_code == 0, done.output
    where = [done.output.index(f"─ {s}") for s in sections]
    assert where == sorted(where), where
    for command in ("parcels", "register", "pledge", "deposit", "bid", "settle", "retire", "credit", "trace"):
        assert f" {command} " in done.output
    assert "demo" in done.output


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("group", ["parcels", "credit", "trace"])
def test_sub_groups_have_help_in_the_language(lang, group):
    done = run(lang, group, "--help")
    assert done.exit_code == 0, done.output
    if lang == "zh":
        assert {"parcels": "宗地", "credit": "信用", "trace": "追溯"}[group] in done.output
    else:
        assert {"parcels": "check", "credit": "score", "trace": "lookup"}[group] in done.output


# --- parcels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_parcels_check_writes_the_tables(lang, files, tmp_path):
    out = tmp_path / f"checks-{lang}"
    done = run(lang, "parcels", "check", files["good"], "--boundary", files["area"], "--out", out)
    assert done.exit_code == 0, done.output
    assert {p.name for p in out.iterdir()} == {"overlaps.csv", "gaps.csv", "checks.gpkg"}
    assert ("3 个宗地通过检查" if lang == "zh" else "3 parcels pass") in done.output
    assert ("重叠：0 对" if lang == "zh" else "overlaps: 0 pairs") in done.output
    assert ("空隙：1 处" if lang == "zh" else "gaps: 1,") in done.output


@pytest.mark.parametrize("lang", LANGS)
def test_parcels_check_exits_1_on_overlaps(lang, files, tmp_path):
    out = tmp_path / "checks"
    done = run(lang, "parcels", "check", files["overlap"], "--out", out)
    assert done.exit_code == 1, done.output
    assert f"T-{COUNTY}-001" in done.output and f"T-{COUNTY}-004" in done.output
    assert ("与" if lang == "zh" else "overlaps") in done.output
    assert len((out / "overlaps.csv").read_text(encoding="utf-8-sig").splitlines()) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_parcels_check_lists_every_problem_and_exits_2(lang, files, tmp_path):
    out = tmp_path / "checks"
    done = run(lang, "parcels", "check", files["bad"], "--out", out)
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output and not out.exists()
    if lang == "zh":
        assert (
            "文件被拒收" in done.output
            and "volcano" in done.output
            and "个人不能享有自然资源所有权" in done.output
        )
    else:
        assert "`volcano` is not a known resource type" in done.output
        assert "cannot hold the ownership" in done.output


@pytest.mark.parametrize("lang", LANGS)
def test_parcels_register_all_or_none(lang, files, tmp_path):
    data = tmp_path / "store"
    done = run(lang, "parcels", "register", files["overlap"], "--data", data)
    assert done.exit_code == 2, done.output
    assert ("未登记任何宗地" if lang == "zh" else "nothing registered") in done.output
    done = run(lang, "parcels", "register", files["good"], "--data", data, "--demonstration")
    assert done.exit_code == 0, done.output
    assert ("已登记 3 个宗地" if lang == "zh" else "registered 3 parcels") in done.output
    done = run(lang, "parcels", "register", files["good"], "--data", data)  # registered already: overlaps
    assert done.exit_code == 2, done.output
    done = run(lang, "verify", "--data", data)  # the refused attempts left no entry
    assert done.exit_code == 0 and (" 3 条" if lang == "zh" else " 3 entries") in done.output


def test_a_missing_parcel_file_is_a_user_error(tmp_path):
    done = run("zh", "parcels", "check", tmp_path / "none.gpkg", "--out", tmp_path / "o")
    assert done.exit_code == 2 and "宗地文件" in done.output


# --- credit ----------------------------------------------------------------------------------------


@pytest.fixture
def evidence(tmp_path):
    csv = tmp_path / "evidence.csv"
    csv.write_text(
        "indicator,value,evidence_id,date,recorded_by,description\n"
        "pollution_prevention,29,E1,2025-01-10,test,\n"
        "ecological_protection,5,E2,2025-01-10,test,\n"
        "environmental_management,54,E3,2025-01-10,test,\n"
        "social_supervision,6,E4,2025-01-10,test,\n",
        encoding="utf-8",
    )
    partial = tmp_path / "partial.json"
    partial.write_text(
        json.dumps({"pollution_prevention": 29, "environmental_management": 27}), encoding="utf-8"
    )
    return {"csv": csv, "partial": partial}


@pytest.mark.parametrize("lang", LANGS)
def test_credit_score_by_hand(lang, evidence):
    done = run(
        lang,
        "credit",
        "score",
        "--rule",
        "gz_enterprise_2015",
        "--values",
        evidence["csv"],
        "--on",
        "2025-03-01",
    )
    assert done.exit_code == 0, done.output
    # 29 + 5 + 54 + 6 points of 100: 94, blue card (80–100 without the green card's conditions)
    assert ("得分：94" if lang == "zh" else "score: 94") in done.output
    assert ("环保良好企业（蓝牌）" if lang == "zh" else "Environmentally good (blue card)") in done.output
    assert ("有效至：2026-03-01" if lang == "zh" else "valid until: 2026-03-01") in done.output
    assert ("缺失指标：无" if lang == "zh" else "missing: none") in done.output


@pytest.mark.parametrize("lang", LANGS)
def test_credit_score_partial_is_withheld(lang, evidence):
    done = run(
        lang,
        "credit",
        "score",
        "--rule",
        "gz_enterprise_2015",
        "--values",
        evidence["partial"],
        "--on",
        "2025-03-01",
    )
    assert done.exit_code == 0, done.output
    # (29 + 27) / (29 + 54) weight covered = 83 %: score 56/83 × 100 = 67.4699; missing 17 of 100
    assert "67.4699" in done.output
    assert ("社会监督" if lang == "zh" else "Social supervision") in done.output


def test_credit_score_json_record(evidence):
    done = run(
        "en",
        "credit",
        "score",
        "--rule",
        "gz_enterprise_2015",
        "--values",
        evidence["csv"],
        "--on",
        "2025-03-01",
        "--json",
    )
    assert done.exit_code == 0, done.output
    record = json.loads(done.output)
    assert record["score"] == 94 and record["grade"] == "blue" and len(record["digest"]) == 64


@pytest.mark.parametrize("lang", LANGS)
def test_a_template_rule_refuses(lang, evidence):
    done = run(lang, "credit", "score", "--rule", "village_template", "--values", evidence["partial"])
    assert done.exit_code == 2, done.output
    assert ("是模板，不能评分" if lang == "zh" else "is a template and cannot score") in done.output


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_rule_and_bad_values_are_user_errors(lang, evidence, tmp_path):
    done = run(lang, "credit", "score", "--rule", "nope", "--values", evidence["csv"])
    assert done.exit_code == 2 and "gz_enterprise_2015" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    done = run(lang, "credit", "score", "--rule", "gz_enterprise_2015", "--values", bad)
    assert done.exit_code == 2 and ("证据" if lang == "zh" else "evidence") in done.output


# --- traceability ----------------------------------------------------------------------------------


def _batch(lang: str, folder: Path) -> Path:
    path = folder / "batch.json"
    steps = [
        (
            "new",
            "--batch-id",
            "B1",
            "--product",
            "赣南脐橙",
            "--product-en",
            "Gannan navel orange",
            "--parcel",
            f"T-{COUNTY}-001",
            "--county",
            "信丰县",
            "--county-code",
            COUNTY,
            "--producer",
            "测试合作社",
            "--created",
            "2024-11-01T08:00:00+08:00",
        ),
        (
            "step",
            "--kind",
            "harvest",
            "--actor",
            "采摘组",
            "--place",
            "果园",
            "--at",
            "2024-11-05T08:30:00+08:00",
            "--output",
            "1200 kg",
        ),
        (
            "step",
            "--kind",
            "packing",
            "--actor",
            "选果厂",
            "--place",
            "园区",
            "--at",
            "2024-11-06T08:30:00+08:00",
            "--output",
            "2300 斤",
            "--input",
            "1200 kg",
        ),
        (
            "step",
            "--kind",
            "sale",
            "--actor",
            "超市",
            "--place",
            "南昌",
            "--at",
            "2024-11-09T08:30:00+08:00",
            "--output",
            "2300 斤",
            "--input",
            "2300 斤",
        ),
        (
            "certify",
            "--kind",
            "brand",
            "--brand",
            "gannan_navel_orange",
            "--number",
            "G-1",
            "--issuer",
            "测试",
            "--valid-from",
            "2024-01-01",
            "--valid-until",
            "2026-12-31",
        ),
        (
            "certify",
            "--kind",
            "climate_quality",
            "--number",
            "Q-1",
            "--issuer",
            "测试",
            "--issued",
            "2024-11-01",
        ),
    ]
    for command, *options in steps:
        args = (command, path, *options)
        done = run(lang, "trace", *args)
        assert done.exit_code == 0, (command, done.output)
    return path


@pytest.mark.parametrize("lang", LANGS)
def test_trace_a_batch_through_the_commands(lang, tmp_path):
    path = _batch(lang, tmp_path)
    batch = json.loads(path.read_text(encoding="utf-8"))
    assert [e["type"] for e in batch["entries"]] == ["step"] * 3 + ["certificate"] * 2
    climate = batch["entries"][-1]["record"]["evaluation"]
    assert climate["rule"] == "gannan_navel_orange_suitability" and climate["data"]["county_code"] == COUNTY
    done = run(lang, "trace", "verify", path)
    assert done.exit_code == 0, done.output
    assert ("有效" if lang == "zh" else "Valid") in done.output
    out = tmp_path / "lookup"
    done = run(lang, "trace", "lookup", path, "--out", out, "--on", "2024-11-10")
    assert done.exit_code == 0, done.output
    zh = (out / "index.html").read_text(encoding="utf-8")
    en = (out / "index.en.html").read_text(encoding="utf-8")
    assert untranslated(zh) == [] and 'href="index.en.html"' in zh and 'lang="en"' in en
    from ecoledger.registry import trace

    assert trace.display_code(batch["code"]) in zh


@pytest.mark.parametrize("lang", LANGS)
def test_trace_refusals_and_verdicts(lang, tmp_path):
    path = _batch(lang, tmp_path)
    done = run(
        lang,
        "trace",
        "new",
        path,
        "--batch-id",
        "B2",
        "--product",
        "x",
        "--parcel",
        "p",
        "--county",
        "c",
        "--producer",
        "q",
    )
    assert done.exit_code == 2 and ("已存在" if lang == "zh" else "exists") in done.output
    done = run(
        lang,
        "trace",
        "step",
        path,
        "--kind",
        "transport",
        "--actor",
        "a",
        "--place",
        "b",
        "--at",
        "2024-11-10T08:00:00+08:00",
        "--output",
        "3000 斤",
        "--input",
        "2300 斤",
    )
    assert (
        done.exit_code == 2
        and ("损耗不能为负" if lang == "zh" else "a loss cannot be negative") in done.output
    )
    done = run(
        lang,
        "trace",
        "step",
        path,
        "--kind",
        "transport",
        "--actor",
        "a",
        "--place",
        "b",
        "--at",
        "2024-11-10T08:00:00+08:00",
        "--output",
        "many",
    )
    assert done.exit_code == 2 and "950 kg" in done.output
    done = run(lang, "trace", "certify", path, "--kind", "organic", "--number", "O-1", "--issuer", "x")
    assert done.exit_code == 2 and "--valid-from" in done.output
    batch = json.loads(path.read_text(encoding="utf-8"))
    batch["entries"][0]["record"]["quantity_out"]["amount"] = 1500  # a larger harvest, written in later
    path.write_text(json.dumps(batch, ensure_ascii=False), encoding="utf-8")
    done = run(lang, "trace", "verify", path)
    assert done.exit_code == 1, done.output
    assert ("第 1 条记录的内容已被改动" if lang == "zh" else "entry 1 was changed") in done.output
    done = run(
        lang,
        "trace",
        "verify",
        path,
        "--code",
        batch["code"][:-1] + ("0" if batch["code"][-1] != "0" else "1"),
    )
    assert done.exit_code == 1
    assert ("无效追溯码" if lang == "zh" else "Invalid code") in done.output
