"""The command line in Chinese and English (issue 17): ``--lang zh|en``, else ``ECOLEDGER_LANG``,
else the locale. The bad inputs users meet most are refused in Chinese with the same exit code,
and no English is left beyond file names, fields, codes and commands; in English nothing changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from ecoledger.cli._lang import from_environment
from ecoledger.cli.main import app
from ecoledger.testing import ACCOUNTING_CRS, ORIGIN, make_pack, rewrite_raster, synthetic_statistics
from ecoledger.untranslated import english_phrases

YEAR = 2020
runner = CliRunner()
# words of commands, options, fields and units the messages quote as they are typed
ALLOW = ("validate", "debug", "account", "block-rows", "rio", "edit-info", "nodata", "average",
         "outsize", "gdalwarp", "te", "tr", "gdalinfo", "ogrinfo", "gdp", "value", "units",
         "landcover", "lang", "GiB", "MiB")


def english(output: str) -> list[str]:
    """English phrases of ``output`` beyond ``ALLOW`` and snake_case codes (layer and item names)."""
    return [phrase for phrase in english_phrases(output, ALLOW)
            if not all("_" in word or not english_phrases(word, ALLOW) for word in phrase.split())]


def quoted_out(output: str) -> str:
    """``output`` without what it quotes as code: `…` spans, '…' names and --options."""
    return re.sub(r"`[^`\n]*`|'[^'\n]*'|(?<![\w.])--[\w-]+", " ", output)


def run(*args, env=None):
    result = runner.invoke(app, [str(a) for a in args], env=env)
    return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.mark.parametrize("environ, lang", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL overrides LANG
    ({"LC_MESSAGES": "zh_TW", "LANG": "en_GB"}, "zh"),
    ({"ECOLEDGER_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"ECOLEDGER_LANG": "zh", "LC_ALL": "C"}, "zh"),
    ({"ECOLEDGER_LANG": "klingon", "LANG": "zh_CN"}, "zh"),  # not a language: the locale decides
])
def test_language_from_the_environment(environ, lang):
    assert from_environment(environ) == lang


def test_lang_option_wins_over_the_environment_and_is_checked(tmp_path):
    missing = tmp_path / "nowhere"
    _, zh = run("--lang", "zh", "validate", missing, env={"ECOLEDGER_LANG": "en"})
    _, en = run("--lang", "en", "validate", missing, env={"ECOLEDGER_LANG": "zh", "LANG": "zh_CN"})
    _, by_env = run("validate", missing, env={"ECOLEDGER_LANG": "zh"})
    assert "不存在" in zh and "no such folder" in en and "不存在" in by_env
    result, output = run("--lang", "fr", "validate", missing)
    assert result.exit_code == 2 and "--lang" in output


def declared_only(path, width, height, cell=0.12):
    """A GeoTIFF whose header declares width × height float32 cells, none written (sparse)."""
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="float32", crs=ACCOUNTING_CRS, nodata=-9999.0, tiled=True,
                       blockxsize=512, blockysize=512, sparse_ok=True, bigtiff="yes",
                       transform=Affine(cell, 0, ORIGIN[0], 0, -cell, ORIGIN[1])):
        pass


def wrong_crs(root):
    rewrite_raster(root / "layers/landcover.tif", crs="EPSG:3857")


def no_nodata(root):
    rewrite_raster(root / "layers/landcover.tif", nodata=None)


def huge_header(root):
    declared_only(root / "layers/precipitation.tif", 200_000, 200_000)


def yi_for_wan(root):
    table = synthetic_statistics(YEAR)
    table = table[~((table["code"] == "990101") & (table["indicator"] == "gdp"))]
    row = {"code": "990101", "year": YEAR, "indicator": "gdp", "value": 5e4, "unit": "亿元",
           "source": "synthetic"}
    pd.concat([table, pd.DataFrame([row])]).to_csv(root / "statistics.csv", index=False)


def metres(root):
    ramp = np.linspace(1.4, 1.8, 32, dtype=np.float32)[None, :].repeat(24, 0)
    make_pack(root, layers={"precipitation": ramp})


CASES = {  # name: (how to spoil the pack, words in English, words in Chinese)
    "wrong CRS": (wrong_crs, ["does not overlap", "fix:"], ["不重叠", "修改："]),
    "no nodata": (no_nodata, ["no nodata value", "gdal_edit.py -a_nodata"],
                  ["没有设置无数据值", "gdal_edit.py -a_nodata"]),
    "precipitation in metres": (metres, ["values look like metres; expected mm/a",
                                         "multiply by 1000"],
                                ["数值看似以米为单位；应为 mm/a", "乘以 1000"]),
    "200000² header": (huge_header, ["declares 200000 × 200000 = 4e+10 cells", "149.0 GiB"],
                       ["200000 × 200000 = 4e+10 个单元", "149.0 GiB", "-outsize 40000 40000"]),
    "万/亿 slip": (yi_for_wan, ["check the unit: 万元 vs 亿元"], ["万元 还是 亿元", "县级单位"]),
}


@pytest.fixture(scope="module", params=list(CASES))
def spoiled(request, tmp_path_factory):
    spoil, en, zh = CASES[request.param]
    root = tmp_path_factory.mktemp("pack") / "pack"
    if spoil is metres:
        spoil(root)
    else:
        make_pack(root)
        spoil(root)
    return root, en, zh


@pytest.mark.parametrize("command", ["account", "validate"])
def test_bad_packs_are_refused_in_chinese_with_the_same_exit_code(spoiled, command, tmp_path):
    root, en_words, zh_words = spoiled
    args = (["account", root, "--year", YEAR, "--out", tmp_path / "out", "--no-report"]
            if command == "account" else ["validate", root, "--year", YEAR])
    en, en_output = run("--lang", "en", *args)
    zh, zh_output = run("--lang", "zh", *args)
    assert zh.exit_code == en.exit_code == (2 if command == "account" else 1), (en_output, zh_output)
    assert "Traceback" not in en_output + zh_output
    for word in en_words:
        assert word in en_output, (word, en_output)
    for word in zh_words:
        assert word in zh_output, (word, zh_output)
    assert english(zh_output) == [], zh_output
    if command == "validate":
        assert "error(s)" in en_output and "个错误" in zh_output
    else:
        assert "nothing was computed or written" in en_output and "未进行任何计算" in zh_output
    assert not (tmp_path / "out").exists()


def test_missing_path_and_year_not_in_pack_in_chinese(tmp_path):
    missing = tmp_path / "nowhere"
    for lang, words in (("en", ["no such folder", "the region pack"]),
                        ("zh", ["文件夹不存在", "区域数据包"])):
        result, output = run("--lang", lang, "account", missing, "--year", YEAR, "--out",
                             tmp_path / "o")
        assert result.exit_code == 2 and str(missing) in output and "PACK" in output
        assert all(w in output for w in words), output
    assert english(output) == [], output
    pack = make_pack(tmp_path / "pack")
    for lang, words in (("en", ["the pack has no year 2030 (it has 2020)", "[years.2030.layers]"]),
                        ("zh", ["数据包中没有 2030 年（已有：2020）", "[years.2030.layers]"])):
        result, output = run("--lang", lang, "account", pack, "--year", 2030, "--out", tmp_path / "o")
        assert result.exit_code == 2 and "pack.toml" in output, output
        assert all(w in output for w in words), output
    assert english(output) == [], output
    assert not (tmp_path / "o").exists()


def test_a_bug_is_worded_in_chinese_with_exit_1(monkeypatch, tmp_path):
    import ecoledger.testing

    def broken(*args, **kwargs):
        raise TypeError("unexpected keyword")

    monkeypatch.setattr(ecoledger.testing, "make_pack", broken)
    result, output = run("--lang", "zh", "pack", "synthetic", tmp_path / "p")
    assert result.exit_code == 1 and "内部错误：TypeError" in output and "--debug" in output


# --- engine errors: a catalogue key and fields, printed in the chosen language ------------------


def test_keyed_errors_keep_english_for_logs_and_survive_pickling():
    import pickle

    from ecoledger.errors import ParameterError
    from ecoledger.tables import profile

    with pytest.raises(ParameterError) as raised:
        profile("ndrc2030")
    exc = raised.value
    assert str(exc) == "unknown profile 'ndrc2030'; choose one of db36_1402, mee2020, ndrc2022"
    assert exc.in_language("en") == str(exc)
    assert exc.in_language("zh").startswith("未知的核算规范 `ndrc2030`")
    again = pickle.loads(pickle.dumps(exc))  # dask sends errors between processes
    assert str(again) == str(exc) and again.in_language("zh") == exc.in_language("zh")
    assert ParameterError("plain words").in_language("zh") == "plain words"
    with pytest.raises(TypeError):
        ParameterError("a message", name="fields without a key")


@pytest.mark.parametrize("args, en_words, zh_words", [
    (["--profile", "ndrc2030"], ["unknown profile 'ndrc2030'; choose one of"],
     ["未知的核算规范 `ndrc2030`", "`ndrc2022`"]),
    (["--provisioning-basis", "gross"], ["unknown provisioning basis 'gross'", "gross_output"],
     ["未知的物质产品核算口径 `gross`", "`gross_output`"]),
])
def test_engine_errors_in_chinese(synthetic_pack, tmp_path, args, en_words, zh_words):
    command = ["account", synthetic_pack, "--year", YEAR, "--out", tmp_path / "o", "--no-report",
               *args]
    en, en_output = run("--lang", "en", *command)
    zh, zh_output = run("--lang", "zh", *command)
    assert en.exit_code == zh.exit_code == 2 and not (tmp_path / "o").exists()
    assert all(word in en_output for word in en_words), en_output
    assert all(word in zh_output for word in zh_words), zh_output
    assert english(quoted_out(zh_output)) == [], zh_output


def test_pack_build_errors_in_chinese(tmp_path):
    result, output = run("--lang", "zh", "pack", "build", "jiangxi", "--out", tmp_path / "p",
                         "--years", 2030)
    assert result.exit_code == 2 and "2030 年没有子流域降水数据" in output and "2006–2019" in output
    assert english(output) == [], output
    result, output = run("--lang", "en", "pack", "build", "jiangxi", "--out", tmp_path / "p",
                         "--years", 2030)
    assert result.exit_code == 2 and "no sub-basin precipitation for [2030]" in output


def test_raster_size_guard_in_chinese(tmp_path):
    from ecoledger import limits
    from ecoledger.cli._errors import user_error_message
    from ecoledger.errors import PipelineError

    declared_only(tmp_path / "dem.tif", 200_000, 200_000)
    with pytest.raises(PipelineError) as raised:
        limits.require_whole_reads({"dem_path": tmp_path / "dem.tif"})
    assert "dem.tif · dem_path" in str(raised.value)  # the English record, as before
    zh = user_error_message(raised.value, (), "zh")
    en = user_error_message(raised.value, (), "en")
    assert zh.startswith("错误：输入有 1 个问题") and "200000 × 200000" in zh and "GiB" in zh
    assert "gdal_translate" in zh and english(quoted_out(zh)) == [], zh
    assert en.startswith("error: the input has 1 problem(s)") and "fix:" in en


def test_pipeline_errors_in_chinese(tmp_path):
    from ecoledger.cli._errors import user_error_message
    from ecoledger.errors import GridMismatchError, PipelineError
    from ecoledger.pipeline.rasters import check_grid

    for name, width, crs in (("a", 4, ACCOUNTING_CRS), ("b", 5, ACCOUNTING_CRS), ("c", 4, "EPSG:4326")):
        with rasterio.open(tmp_path / f"{name}.tif", "w", driver="GTiff", width=width, height=3,
                           count=1, dtype="float32", crs=crs,
                           transform=Affine(30, 0, ORIGIN[0], 0, -30, ORIGIN[1])) as dst:
            dst.write(np.zeros((3, width), np.float32), 1)
    with pytest.raises(GridMismatchError) as raised:
        check_grid({"dem_path": tmp_path / "a.tif", "lulc_path": tmp_path / "b.tif"})
    assert str(raised.value).startswith("the input rasters are not on one grid:\n  - dem_path (")
    zh = user_error_message(raised.value, (), "zh")
    assert "输入栅格不在同一网格上" in zh and "3×5 个像元" in zh and "gdalwarp -tap" in zh
    assert english(quoted_out(zh)) == [], zh
    with pytest.raises(PipelineError) as raised:
        check_grid({"lulc_path": tmp_path / "c.tif"})
    zh = user_error_message(raised.value, (), "zh")
    assert "投影坐标系" in zh and english(quoted_out(zh)) == [], zh


def test_invest_missing_layer_in_chinese(tmp_path):
    stack = tmp_path / "args.json"
    stack.write_text('{"model_id": "carbon", "args": {"workspace_dir": "ws", '
                     '"lulc_bas_path": "nope.tif", "carbon_pools_path": "pools.csv"}}')
    (tmp_path / "pools.csv").write_text("lucode,c_above,c_below,c_soil,c_dead\n1,1,1,1,1\n")
    en, en_output = run("--lang", "en", "invest", stack)
    zh, zh_output = run("--lang", "zh", "invest", stack)
    assert en.exit_code == zh.exit_code == 2
    assert "arg 'lulc_bas_path': no such file" in en_output and "fix: correct the path" in en_output
    assert "参数 `lulc_bas_path`：文件不存在" in zh_output and "请更正路径" in zh_output
    assert english(quoted_out(zh_output)) == [], zh_output


def test_invest_prints_in_chinese(tmp_path):
    with rasterio.open(tmp_path / "lulc.tif", "w", driver="GTiff", width=4, height=3, count=1,
                       dtype="int32", crs="EPSG:32650", nodata=255,
                       transform=Affine(30, 0, 500000, 0, -30, 3000000)) as dst:
        dst.write(np.array([[1, 1, 2, 2]] * 3, np.int32), 1)
    (tmp_path / "pools.csv").write_text("lucode,c_above,c_below,c_soil,c_dead\n1,10,2,40,1\n"
                                        "2,1,1,20,0\n")
    stack = tmp_path / "args.json"
    stack.write_text('{"model_id": "carbon", "args": {"workspace_dir": "ws", '
                     '"lulc_bas_path": "lulc.tif", "carbon_pools_path": "pools.csv"}}')
    result, output = run("--lang", "zh", "invest", stack)
    assert result.exit_code == 0 and output.startswith("模型 `carbon`：") and "Total" in output
    # the lines of the command itself; the table between them is InVEST's, as InVEST writes it
    own = [line for line in output.splitlines() if "：" in line]
    assert len(own) == 3 and english(quoted_out("\n".join(own))) == [], output
    assert in_english("invest", stack).startswith("carbon: ")


def test_platform_errors_speak_their_chinese(tmp_path):
    data = tmp_path / "store"
    args = ("platform", "add-user", "alice", "--role", "viewer", "--data", data)
    result, output = run("--lang", "zh", *args, env={"ECOLEDGER_PASSWORD": "short"})
    assert result.exit_code == 2 and "密码至少需要" in output and english(output) == [], output
    result, output = run("--lang", "en", *args, env={"ECOLEDGER_PASSWORD": "short"})
    assert result.exit_code == 2 and "password" in output


# --- help: every command and option, in both languages -------------------------------------------


def commands(command=None, path=()):
    """``(path, command)`` of the root and of every command below it."""
    import typer.main

    command = typer.main.get_command(app) if command is None else command
    yield list(path), command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


PATHS = [path for path, _ in commands()]
# code in help: options, metavars (<int>, zh|en), defaults and ranges, the names in a panel's first
# column (commands, arguments), `quoted` words, the box lines
HELP_CODE = re.compile(r"(?<![\w.])--?[\w-]+|\b\w+(?:\|\w+)+|<[^>]*>|`[^`]*`"
                       r"|\[(?:默认|环境变量) [^\]]*\]|\[[\d.<=x]+\]|[│╭╮╰╯─*…]")
PROPER_NAMES = ("Dask", "SQLAlchemy", "Cookie", "Brightway", "ecoinvent")


def help_english(output: str) -> list[str]:
    """English phrases of a help page beyond its code (``HELP_CODE``), the usage line and names."""
    lines = [line for line in output.splitlines()
             if not line.strip().startswith(("用法：", "Usage:"))]
    lines = [re.sub(r"^│[ *]{1,7}[\w-]+", " ", line) for line in lines]
    text = HELP_CODE.sub(" ", "\n".join(lines))
    return [phrase for phrase in english_phrases(text, (*ALLOW, *PROPER_NAMES))
            if not all("_" in word for word in phrase.split())]


def test_every_command_and_option_has_help_in_both_languages():
    from ecoledger import messages
    from ecoledger.cli import _paths  # noqa: F401  (registers its phrase)
    from ecoledger.cli._help import help_key

    wanted = set()
    for path, command in commands():
        wanted.add(help_key(path))
        wanted.update(f"{help_key(path)}.{param.name}" for param in command.params)
    declared = {key for key in messages.CATALOGUE if key.startswith("cli.help.")}
    assert sorted(wanted - declared) == [] and sorted(declared - wanted) == []
    assert messages.problems() == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "ecoledger")
def test_help_in_chinese_has_no_english(path):
    by_env, output = run(*path, "--help", env={"ECOLEDGER_LANG": "zh", "COLUMNS": "100"})
    assert by_env.exit_code == 0 and "用法：" in output, output
    assert help_english(output) == [], output
    cut = re.search(r"(?<![-\w…])[^\s│]*…(?!…)\s*│", output)  # rich's cut of a long cell
    assert cut is None, cut
    by_option, again = run("--lang", "zh", *path, "--help", env={"LANG": "en_US", "COLUMNS": "100"})
    assert by_option.exit_code == 0 and again == output


def test_help_in_english():
    _, output = run("--lang", "en", "account", "--help", env={"LANG": "zh_CN.UTF-8", "COLUMNS": "200"})
    for words in ("Usage:", "Run the GEP accounts of PACK", "accounting year", "[required]",
                  "Options", "Show this message and exit.", "[default: ndrc2022]"):
        assert words in output, (words, output)
    _, root = run("--help", env={"ECOLEDGER_LANG": "en"})
    assert "Commands" in root and "Build region packs." in root and "命令" not in root


def test_usage_errors_in_chinese(tmp_path):
    result, output = run("--lang", "zh", "account")
    assert result.exit_code == 2 and "缺少参数 'pack'" in output and "用法：" in output
    assert help_english(quoted_out(output)) == [], output
    result, output = run("--lang", "zh", "series", tmp_path, "--bogus")
    assert result.exit_code == 2 and "没有选项 --bogus" in output
    result, output = run("--lang", "zh", "frobnicate")
    assert result.exit_code == 2 and "没有命令 'frobnicate'" in output
    result, output = run("--lang", "en", "account")
    assert result.exit_code == 2 and "Missing argument 'pack'" in output


# --- what each command family prints, in Chinese and in English ---------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# names the data give in English: the synthetic pack's region, the example sink project's name
DATA_NAMES = ("Synthetic region", "illustrative afforestation project, Ningdu")


def chinese(*args, env=None, exit_code=0) -> str:
    """The output of ``ecoledger --lang zh ARGS``; it has no English beyond code and data names."""
    result, output = run("--lang", "zh", *args, env=env)
    assert result.exit_code == exit_code, (result.exit_code, output, result.exception)
    assert "Traceback" not in output
    shown = quoted_out(output)
    for name in DATA_NAMES:
        shown = shown.replace(name, " ")
    assert english(shown) == [], output
    return output


def in_english(*args, env=None, exit_code=0) -> str:
    result, output = run("--lang", "en", *args, env=env)
    assert result.exit_code == exit_code, (result.exit_code, output, result.exception)
    return output


@pytest.fixture(scope="module")
def accounted(tmp_path_factory):
    """The synthetic pack and its accounts written by ``ecoledger --lang zh account``."""
    folder = tmp_path_factory.mktemp("accounted")
    pack = make_pack(folder / "pack")
    output = chinese("account", pack, "--year", YEAR, "--out", folder / "accounts", "--no-report",
                     "--no-maps")
    assert f"{YEAR} 年 GEP：" in output and "亿元 →" in output
    return pack, folder / "accounts"


def test_account_series_and_report_print_in_chinese(accounted, tmp_path):
    pack, accounts = accounted
    assert "1 个年份 →" in chinese("series", pack, "--years", YEAR, "--out", tmp_path / "s")
    assert "1 years →" in in_english("series", pack, "--years", YEAR, "--out", tmp_path / "e")
    result, output = run("--lang", "zh", "report", accounts, "--no-pdf", "--lang", "zh")
    assert result.exit_code == 0 and "report.zh.html" in output, output
    # the report's own warnings (no CJK font, …) are worded by ecoledger.report, in English only
    kept = "\n".join(line for line in output.splitlines() if not line.startswith("警告："))
    assert english(quoted_out(kept)) == [], output
    assert "0 个错误" in chinese("validate", pack, "--year", YEAR)


def test_distributed_prints_in_chinese(accounted, tmp_path, monkeypatch):
    import ecoledger.distributed

    def computed(pack, year, timings, **options):
        timings.update(setup=0.5, basins=1.25, compute=2.0, total=3.75)
        return pd.DataFrame({"adcode": ["990101"], "item": ["water_conservation"],
                             "ecosystem": ["forest"], "physical_value": [1.0]})

    monkeypatch.setattr(ecoledger.distributed, "run_distributed", computed)
    output = chinese("distributed", accounted[0], "--year", YEAR, "--out", tmp_path / "d.csv")
    assert "1 行 →" in output and "准备 0.5 秒" in output and "合计 3.8 秒" in output
    assert "(setup 0.5 s, basins 1.2 s" in in_english(
        "distributed", accounted[0], "--year", YEAR, "--out", tmp_path / "e.csv")


def test_serve_prints_in_chinese(accounted, tmp_path, monkeypatch):
    import uvicorn

    import ecoledger.platform.app

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setattr(ecoledger.platform.app, "create_app", lambda settings: object())
    output = chinese("serve", "--data", tmp_path / "data", "--port", 8123)
    assert "ecoledger 平台运行于 http://127.0.0.1:8123/（数据库：" in output
    assert "ecoledger platform on http://127.0.0.1:8123/" in in_english(
        "serve", "--data", tmp_path / "data", "--port", 8123)
    output = chinese("serve", "--data", tmp_path / "d", "--trusted-proxy", "proxy.example",
                     exit_code=2)
    assert "'proxy.example' 不是 IP 地址或网段" in output and "10.0.0.0/8" in output


def test_pack_commands_print_in_chinese(accounted, tmp_path):
    pack = accounted[0]
    assert "合成数据包已写入" in chinese("pack", "synthetic", tmp_path / "p")
    output = chinese("pack", "template", pack, "--year", YEAR, "--out", tmp_path / "t.csv")
    assert "统计模板（" in output and "项指标 ×" in output
    assert "未填写任何数值，未添加数据" in chinese("pack", "add-statistics", tmp_path / "p",
                                               tmp_path / "t.csv")
    english_output = in_english("pack", "add-statistics", tmp_path / "p", tmp_path / "t.csv")
    assert "no value filled in t.csv: nothing added" in english_output
    assert "未填写" not in english_output  # English only
    output = chinese("pack", "template", pack, "--year", YEAR, "--out", tmp_path / "t.txt",
                     exit_code=2)
    assert "模板只能写为" in output


def test_platform_commands_print_in_chinese(tmp_path):
    password = {"ECOLEDGER_PASSWORD": "a long enough password"}
    output = chinese("platform", "add-user", "张三", "--role", "reviewer", "--data", tmp_path,
                     env=password)
    assert "已创建用户 张三（审核员，`reviewer`）" in output
    assert "user bob (reviewer) created" in in_english(
        "platform", "add-user", "bob", "--role", "reviewer", "--data", tmp_path, env=password)
    output = chinese("platform", "verify-audit", "--data", tmp_path / "elsewhere", exit_code=1)
    assert "没有审计密钥" in output


def test_applications_print_in_chinese(accounted, tmp_path):
    from ecoledger.applications import certificate

    rule = tmp_path / "transfer.toml"
    rule.write_text('kind = "transfer"\nillustrative = true\nlevel = "county"\n'
                    'budget_yuan = 1000000\n[[factor]]\nname = "GEP"\nbasis = "gep"\nweight = 1\n')
    output = chinese("applications", "apply", rule, "--accounts", accounted[1], "--out",
                     tmp_path / "a")
    assert "财政转移支付分配：" in output and "行 →" in output
    assert "transfer: " in in_english("applications", "apply", rule, "--accounts", accounted[1],
                                      "--out", tmp_path / "b")
    sealed = certificate.seal({"format": certificate.FORMAT, "name": "test"})
    (tmp_path / "certificate.json").write_text(json.dumps(sealed), encoding="utf-8")
    assert "有效：" in chinese("applications", "verify", tmp_path / "certificate.json")


def test_carbon_prints_in_chinese(tmp_path):
    output = chinese("carbon", "sink", EXAMPLES / "carbon" / "sink_project.json")
    for words in ("可计入清除量：", "t CO₂/年", "不确定性扣减："):
        assert words in output, output
    assert "creditable removals:" in in_english("carbon", "sink",
                                                EXAMPLES / "carbon" / "sink_project.json")
    result, output = run("--lang", "zh", "carbon", "factors")
    header = output.splitlines()[:2]  # below: the registry's rows (ids, units, series codes)
    assert result.exit_code == 0 and english(quoted_out("\n".join(header))) == [], header
    assert header[1] == "编号 数值 单位 年份 系列 可信度"
    output = chinese("carbon", "inventory",
                     Path(__file__).resolve().parents[1] / "data/jiangxi/statistics/jiangxi_statistics.csv",
                     "--out", tmp_path / "inventory")
    assert "个单位-年" in output and "缺少数据的年份" in output


def test_monitoring_prints_in_chinese(tmp_path):
    monitoring = EXAMPLES / "monitoring"
    output = chinese("monitoring", "water", monitoring / "records-illustrative.csv", "--out",
                     tmp_path / "w")
    assert "条记录" in output and "个站点-年" in output
    assert "行 →" in chinese("monitoring", "aqi", monitoring / "aqi-days-illustrative.csv",
                             "--out", tmp_path / "aqi.csv")
    assert "条预警 →" in chinese("monitoring", "alerts", monitoring / "series-illustrative.csv",
                                 "--rules", monitoring / "rules-illustrative.toml", "--out",
                                 tmp_path / "alerts.csv")
    output = chinese("monitoring", "aqi", tmp_path / "aqi.csv", "--out", tmp_path / "x.csv")
    assert "行 →" in output
    (tmp_path / "bad.csv").write_text("town,day\nx,1\n", encoding="utf-8")
    output = chinese("monitoring", "aqi", tmp_path / "bad.csv", "--out", tmp_path / "y.csv",
                     exit_code=2)
    assert "缺少列 `city`、`date`" in output
