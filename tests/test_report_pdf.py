"""The report's layout, read back from the PDF Chromium prints: no blank page and no text outside
the printable area; the cover and summary come first; maps carry their furniture."""

import logging
import os
import re
import unicodedata

import numpy as np
import pytest

from ecoledger.accounts import run_account
from ecoledger.ecosystems import ECOSYSTEM_COLOURS, ECOSYSTEMS, ecosystem_colour
from ecoledger.outputs import write_outputs
from ecoledger.report import browser, write_report
from ecoledger.report.figures import quantile_breaks, scale_bar_km
from ecoledger.testing import make_pack
from ecoledger.uncertainty.propagate import propagate, relative_ranges

pdfplumber = pytest.importorskip("pdfplumber")
logging.getLogger("pdfminer").setLevel(logging.ERROR)  # Chromium's fonts lack a FontBBox

MM = 72 / 25.4  # PDF points per millimetre
# The template's @page margins (top, right, bottom, left) in mm; the page number sits in the bottom one.
MARGINS_MM = (14, 12, 16, 12)
TOLERANCE = 1.0  # points
PAGE_NUMBER = re.compile(r"^\d+$|^/$")


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory):
    """The synthetic pack's report, with the same run as the previous year (the change chart) and
    200 uncertainty draws (the interval tables, drivers and tornado)."""
    if browser.chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (scripts/setup-system installs it)")
        pytest.skip("chromium is not installed")
    pack = make_pack(tmp_path_factory.mktemp("pdf-pack"))
    out = tmp_path_factory.mktemp("pdf-run") / "out"
    result = run_account(pack, 2020, components=True)
    result.uncertainty = propagate(result, relative_ranges(result), draws=200)
    write_outputs(result, out, pack)
    written = write_report(out, previous=out)
    [pdf] = [path for path in written if path.suffix == ".pdf"]
    return pdf


def test_no_blank_page(report_pdf):
    with pdfplumber.open(report_pdf) as pdf:
        assert len(pdf.pages) >= 4
        blank = [page.page_number for page in pdf.pages
                 if not page.images and not "".join(c["text"] for c in page.chars).strip()]
    assert not blank, f"blank pages: {blank}"


def test_text_stays_inside_the_printable_area(report_pdf):
    top, right, bottom, left = (m * MM for m in MARGINS_MM)
    outside = []
    with pdfplumber.open(report_pdf) as pdf:
        for page in pdf.pages:
            box = (left - TOLERANCE, top - TOLERANCE,
                   page.width - right + TOLERANCE, page.height - bottom + TOLERANCE)
            for word in page.extract_words():
                if word["top"] >= page.height - bottom and PAGE_NUMBER.match(word["text"]):
                    continue  # the page number in the bottom margin box
                if not (word["x0"] >= box[0] and word["top"] >= box[1] and word["x1"] <= box[2]
                        and word["bottom"] <= box[3]):
                    outside.append((page.page_number, word["text"], round(word["x1"]), round(word["bottom"])))
            for image in page.images:
                if not (image["x0"] >= box[0] and image["x1"] <= box[2] and image["top"] >= box[1]
                        and image["bottom"] <= box[3]):
                    outside.append((page.page_number, "<image>", round(image["x1"]), round(image["bottom"])))
    assert not outside, f"outside the printable area (page, text, right, bottom): {outside[:10]}"


def test_table_text_does_not_overlap(report_pdf):
    """Text that overflows a table cell runs into its neighbour: no two words may overlap."""
    overlaps = []
    with pdfplumber.open(report_pdf) as pdf:
        for page in pdf.pages:
            words = page.extract_words()
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    if b["top"] > a["bottom"]:
                        continue
                    if (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > TOLERANCE
                            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > TOLERANCE):
                        overlaps.append((page.page_number, a["text"], b["text"]))
    assert not overlaps, f"overlapping words (page, word, word): {overlaps[:10]}"


def test_cover_then_summary(report_pdf):
    html = report_pdf.with_suffix(".html").read_text(encoding="utf-8")
    cover, summary, maps = (html.index('class="cover"'), html.index('id="headline"'), html.index('id="maps"'))
    assert cover < summary < maps
    with pdfplumber.open(report_pdf) as pdf:
        first, second = (_text(pdf.pages[i]) for i in (0, 1))
    assert "核算报告" in first and "2020" in first and "参数表" in first
    assert "摘要" in second and "生态产品总值" in second
    assert html.count('src="data:image/png;base64,') >= 7  # 2 maps + dominant ecosystem map, 5 charts
    assert "各县GEP变化" in html  # the year-over-year chart, given previous=


def _text(page) -> str:
    """A page's text without line breaks, Kangxi radicals (⽣) folded to the usual characters."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", page.extract_text()))


def test_ecosystem_colours_cover_every_type_and_are_conventional():
    assert set(ECOSYSTEMS) <= set(ECOSYSTEM_COLOURS)
    assert all(meaning for _, meaning in ECOSYSTEM_COLOURS.values())
    red, green, blue = (int(ecosystem_colour("forest")[i:i + 2], 16) for i in (1, 3, 5))
    assert green > red and green > blue  # forest is green, never red
    assert len({colour for colour, _ in ECOSYSTEM_COLOURS.values()}) == len(ECOSYSTEM_COLOURS)


def test_scale_bar_and_classes():
    assert scale_bar_km(470_000) == 50  # Jiangxi's width: a fifth is 94 km → 50 km
    assert scale_bar_km(32_000) == 5
    assert scale_bar_km(1_100_000) == 200
    breaks = quantile_breaks(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 1000]))
    assert breaks[0] == 1 and breaks[-1] == 1000 and len(breaks) == 6
