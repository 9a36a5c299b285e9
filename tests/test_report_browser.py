"""The report's HTML pages (report.zh.html, report.en.html of the synthetic pack) in real Chromium:
no console or page error, no failed file:// request, every image loaded, no horizontal overflow at
1280 px, no English left on the Chinese page; a full-page screenshot of each in
``$ECOLEDGER_SCREENSHOTS`` (default ``out/test-screenshots``)."""

import pytest

from ecoledger.outputs import write_outputs
from ecoledger.report import write_report
from ecoledger.testing import chromium, screenshots, watch
from ecoledger.untranslated import untranslated

IMAGES = "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt)"
WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory, synthetic_pack, synthetic_result):
    """The synthetic run reported with itself as the previous year (so the change chart is drawn)."""
    out = tmp_path_factory.mktemp("report-browser") / "out"
    write_outputs(synthetic_result, out, synthetic_pack)
    write_report(out, pdf=False, previous=out)
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_page_in_a_real_browser(report_folder, lang):
    shots = screenshots()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900},
                                locale="zh-CN" if lang == "zh" else "en-GB")
        problems = watch(page, "file://")
        page.goto((report_folder / f"report.{lang}.html").as_uri(), wait_until="load")
        assert page.evaluate("() => document.images.length") > 0
        assert page.evaluate(IMAGES) == []  # every chart and map loaded
        assert problems == [], problems
        width, client = page.evaluate(WIDTH)
        assert width <= client, (lang, width, client)
        if lang == "zh":
            assert untranslated(page.content()) == []
            assert "可比口径" in page.content()
        page.screenshot(path=str(shots / f"report-{lang}.png"), full_page=True)
