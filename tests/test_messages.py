"""The one message catalogue: complete in both languages, no key with two texts, notes in Chinese."""

import ast
import importlib
from pathlib import Path

import pytest

from ecoledger import messages, notes

# every module that declares phrases (importing it registers them)
DECLARING = ["ecoledger.platform.i18n", "ecoledger.report.i18n", "ecoledger.notes",
             "ecoledger.applications.api", "ecoledger.carbon.api", "ecoledger.monitoring.api",
             "ecoledger.cli._messages", "ecoledger.pack.validate", "ecoledger.layers", "ecoledger.limits"]
SOURCES = Path(messages.__file__).parent


@pytest.fixture(scope="module")
def catalogue():
    for module in DECLARING:
        importlib.import_module(module)
    return messages.CATALOGUE


def test_every_key_has_zh_and_en(catalogue):
    assert len(catalogue) > 300
    assert messages.problems() == []


def test_a_key_cannot_be_registered_with_other_texts(catalogue):
    messages.register({"nav.map": ("地图", "Map")})  # the same texts again: fine
    with pytest.raises(ValueError, match="defined twice"):
        messages.register({"nav.map": ("地图2", "Map")})
    assert messages.text("nav.map", "zh") == "地图"


def test_no_declaration_repeats_a_key():
    """A dict literal that repeats a key silently keeps the last text: none of ours does."""
    repeated = []
    for path in SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys
                        if isinstance(k, ast.Constant) and isinstance(k.value, str)]
                repeated += [f"{path.name}: {k}" for k in set(keys) if keys.count(k) > 1]
    assert repeated == []


def test_platform_and_report_read_the_one_catalogue(catalogue):
    from ecoledger.platform import i18n
    from ecoledger.report.i18n import Translator

    assert i18n.MESSAGES is messages.CATALOGUE
    assert Translator("zh")("gep") == messages.text("report.gep", "zh")
    assert Translator("en").status("missing") == i18n.translator("en")("data_status.missing")


@pytest.mark.parametrize("key, fields", [
    ("missing_layers", {"layers": "dem, storm_precipitation"}),
    ("statistic_missing", {"needed": "tourist_visits, travel_cost_per_visit (or tourism_revenue)"}),
    ("statistic_missing_products", {"item": "agriculture"}),
    ("capacity_only", {"capacity": "1.313e+09", "indicator": "so2_emission"}),
    ("no_marsh", {"file": "water_bodies.gpkg"}),
    ("basis_fallback", {"other": "net output", "basis": "gross output"}),
    ("partial", {"names": "红谷滩区"}),
    ("coverage_partial", {"covered": "97.50%", "share": "2.50%"}),
])
def test_each_note_has_its_chinese(catalogue, key, fields):
    en = notes.note(key, **fields)
    zh = notes.to_zh(notes.join(en, notes.note("sum_of_units")))
    assert zh.endswith("；下级单位之和")
    first = zh.removesuffix("；下级单位之和")
    assert first != en and notes._CJK.search(first)
    for value in fields.values():  # identifiers and numbers survive, words are translated
        if "_" in value or any(c.isdigit() for c in value):
            assert value.split(",")[0].split(" ")[0] in first


def test_bilingual_method_notes_give_their_chinese_half():
    note = "derived: 2019 value added (preliminary, a; b) split by shares / 按行业结构拆分"
    assert notes.to_zh(notes.join(note, "missing layers: dem")) == "按行业结构拆分；缺少输入图层：`dem`"
