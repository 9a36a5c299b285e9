"""The report's own text in Chinese: citations and journals marked as English, file names as code,
status counts and the published account's text in the page language (issue 17)."""

from __future__ import annotations

import re

from ecoledger.packs import landcover_allocation as la
from ecoledger.published import published_figures
from ecoledger.report import words
from ecoledger.report.i18n import Translator
from ecoledger.untranslated import english_phrases, untranslated


def test_citations_and_journals_are_marked_english_and_file_names_code():
    html = str(words.marked("（New 等 2002，Clim. Res. 21:1–25）；Sulla-Menashe & Friedl 2018）；"
                            "（Schlesinger & Jasechko 2014，Agricultural and Forest Meteorology "
                            "189–190:115–117）；"
                            "（国家统计局，price_index.csv）"))
    assert '<span lang="en">New</span> 等 2002' in html
    assert '<span lang="en">Sulla-Menashe &amp; Friedl</span> 2018' in html
    assert '<span lang="en">Agricultural and Forest Meteorology</span>' in html
    assert "<code>price_index.csv</code>" in html
    assert untranslated(f'<html lang="zh"><p>{html}</p></html>') == []


def test_a_word_without_a_year_after_it_is_not_taken_for_an_author():
    html = str(words.marked("Total value is large"))
    assert "lang" not in html


def test_status_counts_in_the_page_language():
    zh, en = Translator("zh"), Translator("en")
    assert words.statuses("missing 14, derived 12, not_applicable 2", zh) == "缺失 14、推算 12、不适用 2"
    assert words.statuses("missing 14, not_applicable 2", en) == "missing 14, not applicable 2"


def test_every_published_figure_has_its_own_text_in_chinese():
    rows = published_figures()
    for column in ("method", "source", "note"):
        assert rows[f"{column}_zh"].notna().all()
        for text in rows[f"{column}_zh"]:
            assert english_phrases(text) == [], text


def test_landcover_check_indicators_in_both_languages():
    table = la.compare_with_official({"360000": {"forest": 60.0, "farmland": 18.0, "wetland": 5.0}},
                                     {"360000": 166_900.0})
    for text in table["official_indicator_zh"]:
        assert english_phrases(text) == [], text
    for text in table["official_indicator_en"]:
        assert re.search("[a-z]{3,}", text), text
    assert table["constrained"].sum() == 1


def test_english_note_keeps_the_english_half_of_a_bilingual_part():
    from ecoledger import notes

    text = ("net output used: the gross output basis of the profile is not reported; 南昌市 (360100) "
            "x_value shared out by farmland area / 南昌市（360100）的 `x_value` 按耕地面积分摊")
    assert notes.to_en(text) == ("net output used: the gross output basis of the profile is not reported; "
                                 "南昌市 (360100) x_value shared out by farmland area")
    assert notes.to_en("a (x / y); b") == "a (x / y); b"
