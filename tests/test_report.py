"""The GEP report: files, self-containment, content, comparison, and what a browser shows."""

import json
import re

import pytest

from ecoledger.accounts import run_account
from ecoledger.outputs import write_outputs
from ecoledger.report import ReportWarning, browser, write_report
from ecoledger.report.compare import comparisons
from ecoledger.report.i18n import Translator
from ecoledger.report.inputs import read_outputs
from ecoledger.report.numbers import yi
from ecoledger.testing import UNITS, make_pack

COUNTIES = [name for _, name, level, *_ in UNITS if level == "county"]
DERIVED_METHOD = "Budyko–Fu curve with ω = 2.0 on the precipitation layer (assumed closed basin)"
needs_chromium = pytest.mark.skipif(browser.chromium() is None, reason="chromium is not installed")


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory):
    """A synthetic run with one derived layer and no DEM (so soil items are missing), reported."""
    pack = make_pack(tmp_path_factory.mktemp("report-pack"))
    manifest = pack / "pack.toml"
    lines = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith("dem = "):
            continue
        if line.startswith("actual_et = "):
            line = line.removesuffix(" }") + f', method = "{DERIVED_METHOD}", status = "derived" }}'
        lines.append(line)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("report-run") / "out"
    write_outputs(run_account(pack, 2020), out, pack)
    write_report(out)
    return out


def _html(report_dir, lang="zh"):
    return (report_dir / f"report.{lang}.html").read_text(encoding="utf-8")


def _gep(report_dir):
    return yi(json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))["gep_yuan"])


def test_report_files_are_written(report_dir):
    assert (report_dir / "report.zh.html").is_file()
    assert (report_dir / "report.en.html").is_file()
    assert (report_dir / "report.zh.pdf").is_file() == (browser.chromium() is not None)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_is_self_contained(report_dir, lang):
    html = _html(report_dir, lang)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "<script" not in html
    assert html.count('src="data:image/png;base64,') >= 4  # two maps, two charts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_shows_units_gep_and_derived_methods(report_dir, lang):
    html = _html(report_dir, lang)
    assert all(name in html for name in COUNTIES)
    assert _gep(report_dir) in html
    run = json.loads((report_dir / "run.json").read_text(encoding="utf-8"))
    derived = [spec["method"] for spec in run["layers"].values() if spec["status"] == "derived"]
    assert derived and all(method in html for method in derived)


def test_report_lists_missing_items_and_has_no_comparison(report_dir):
    html = _html(report_dir)
    assert "土壤保持(减少泥沙淤积)" in html and "在 pack.toml 中提供图层：<code>dem</code>" in html
    assert "没有与合成测试区相匹配的已发表GEP结果" in html
    assert "合成测试数据" in html  # the synthetic-data warning


def test_comparison_matches_published_region_and_nearest_year(report_dir):
    data = read_outputs(report_dir)
    data.units_summary = data.units_summary.rename(index={"990000": "360000"})
    data.accounts["adcode"] = data.accounts["adcode"].replace({"990000": "360000"})
    [found] = comparisons(data, Translator("en"))
    assert found.published["year"] == 2019 and found.published["gep_yi_yuan"] == 29040.66
    assert "Published year 2019, accounting year 2020" in found.year_note
    ours = data.units_summary.at["360000", "gep"] / 1e8
    assert found.table.rows[0][3] == f"ours/published {ours / 29040.66:.3g}"
    assert any("Items missing" in line for line in found.explanation)


def test_pdf_is_skipped_with_a_warning_without_chromium(report_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(browser, "chromium", lambda: None)
    for name in ("summary.json", "run.json", "accounts.csv"):
        (tmp_path / name).write_bytes((report_dir / name).read_bytes())
    (tmp_path / "tables").symlink_to(report_dir / "tables")
    with pytest.warns(ReportWarning, match="PDF not written"):
        written = write_report(tmp_path, languages=["zh"])
    assert [p.name for p in written] == ["report.zh.html"]


@needs_chromium
def test_report_renders_in_chromium(report_dir):
    page = report_dir / "report.zh.html"
    dom = browser.run(page, "--dump-dom")
    assert all(name in dom for name in COUNTIES)
    assert _gep(report_dir) in dom
    screenshot = report_dir / "report.zh.png"
    browser.run(page, f"--screenshot={screenshot}", "--window-size=1280,4000", "--hide-scrollbars")
    assert screenshot.stat().st_size > 50_000


def test_zh_report_has_no_untranslated_english(report_dir):
    """Every phrase of the zh report is Chinese, a name, a code or a unit (or marked lang="en")."""
    from ecoledger.untranslated import untranslated

    assert untranslated(_html(report_dir)) == []


# --- the report of the Jiangxi accounts (tests/conftest.py builds them once) ------------------

@pytest.fixture(scope="module")
def jiangxi_report(jiangxi_main, tmp_path_factory):
    """The 2019 Jiangxi accounts with their zh and en reports (no PDF), in a folder of its own
    whose files link to the shared session outputs."""
    folder = tmp_path_factory.mktemp("jiangxi-report")
    for path in jiangxi_main[0].iterdir():
        (folder / path.name).symlink_to(path)
    write_report(folder, pdf=False)
    return folder


def _foreign_cells(table) -> list[str]:
    """Cells that are wholly marked as English (``words.foreign``)."""
    return [str(cell) for row in table.rows for cell in row
            if re.fullmatch(r'<span lang="en">.*</span>', str(cell), re.S)]


def test_zh_sources_of_the_jiangxi_parameters_and_layers_are_in_chinese(jiangxi_report):
    """The parameter and layer tables of the zh report give every source in Chinese (source_zh):
    no cell left as an English citation marked lang="en", and no English phrase in them; the en
    report keeps the English sources."""
    from ecoledger.report import sections
    from ecoledger.untranslated import untranslated

    data = read_outputs(jiangxi_report)
    zh, en = Translator("zh"), Translator("en")
    for build in (sections.parameters, sections.layers):
        table = build(data, zh)
        assert table.rows and _foreign_cells(table) == []
        html = "".join(f"<td>{cell}</td>" for row in table.rows for cell in row)
        assert untranslated(f'<html lang="zh-CN"><body>{html}</body></html>') == []
        assert _foreign_cells(build(data, en)) == []  # nothing marked on the English page
    sources = {row[6] for row in sections.parameters(data, en).rows}
    assert "Ganzi 2017 (生态学报 37(19):6302)" in sources
    assert any("修水 57598" in str(row[2]) for row in sections.layers(data, zh).rows)
    page = _html(jiangxi_report)
    assert "甘孜 2017（《生态学报》37(19):6302）" in page
    assert untranslated(page) == []


def test_jiangxi_ecosystem_map_saved_and_drawn_in_both_languages(jiangxi_report):
    """maps/ecosystem.tif of the Jiangxi run agrees with the extent table (T1) and the report
    draws it, zh and en, with the legend in the page's language."""
    import numpy as np
    import rasterio
    from rasterio.features import geometry_mask

    from ecoledger.ecosystems import ECOSYSTEM_CODES
    from ecoledger.report import figures

    data = read_outputs(jiangxi_report)
    province = data.units[data.units["adcode"].isin(data.roots)]
    with rasterio.open(jiangxi_report / "maps" / "ecosystem.tif") as src:
        codes = src.read(1)
        inside = ~geometry_mask(province.to_crs(src.crs).geometry, codes.shape, src.transform)
        cell_km2 = abs(src.transform.a * src.transform.e) / 1e6
    extent = data.extent.set_index("adcode").loc[data.roots[0]]
    for name in ("forest", "farmland", "wetland"):
        km2 = (codes[inside] == ECOSYSTEM_CODES[name]).sum() * cell_km2
        assert km2 == pytest.approx(extent[f"{name}_km2"], rel=0.03), name
    shown = np.unique(codes[inside & (codes > 0)])
    for lang, names in (("zh", ["森林", "草地"]), ("en", ["forest", "grassland"])):
        assert [name for _, name in figures.landcover_legend(shown, Translator(lang))][:2] == names
    for lang, title in (("zh", "生态系统类型分布（1 千米网格）"), ("en", "Ecosystem types (1 km grid)")):
        html = _html(jiangxi_report, lang)
        assert f'alt="{title}"' in html
        assert "maps/ecosystem.tif" in html  # the caption names the raster


FULL_WIDTH = re.compile("[；，：。、！？]")  # CJK punctuation, a stray in English text


def test_english_notes_have_no_full_width_punctuation(jiangxi_report):
    """The notes of the en report (per item, missing items) and the English notes of the accounts
    are joined and punctuated in English: no "；" between the notes of two units."""
    from ecoledger import notes
    from ecoledger.report import sections

    data = read_outputs(jiangxi_report)
    en = Translator("en")
    tables = [sections.item_status(data, en), sections.missing_items(data, en)]
    cells = [str(row[-1]) for table in tables for row in table.rows]  # the notes column
    cells += [str(row[1]) for row in tables[1].rows]
    assert any("; " in cell for cell in cells)  # notes of several units joined
    assert [cell for cell in cells if FULL_WIDTH.search(cell)] == []
    english = data.accounts["note"].dropna().map(notes.to_en)
    assert not english.str.contains(FULL_WIDTH).any()
    zh = sections.item_status(data, Translator("zh"))
    assert any("；" in str(row[-1]) for row in zh.rows)  # the Chinese page joins with "；"
