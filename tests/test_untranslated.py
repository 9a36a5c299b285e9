"""The check that holds zh pages to Chinese: what it flags and what it lets through."""

from ecoledger.untranslated import english_phrases, untranslated, visible_text


def test_english_prose_and_raw_keys_are_flagged():
    html = "<p>状态：statistic not reported</p><td>value_yuan</td><td>basis</td><img alt='forest map'>"
    assert untranslated(html) == ["statistic not reported", "value_yuan", "basis", "forest map"]


def test_names_acronyms_units_codes_and_paths_pass():
    html = ("<h1>江西省2019年 GEP 核算</h1><p>PM2.5 浓度 35 μg/m³，面积 km²，见 tables/T4_prices.csv、"
            "EPSG:4547 与 InVEST；博文静 et al. 2017</p>")
    assert untranslated(html) == []


def test_marked_elements_scripts_and_styles_are_exempt():
    html = ("<style>p{color:red}</style><script>var total = 1;</script>"
            "<p lang='en'>Costanza et al. 1997, The value of the world</p>"
            "<p translate='no'>some file name</p><code>run_account(pack)</code><p>核算</p>")
    assert visible_text(html) == "核算"


def test_a_page_may_allow_its_own_names():
    assert english_phrases("庐山 Lushan 景区", allow=["Lushan"]) == []
    assert english_phrases("庐山 Lushan 景区") == ["Lushan"]


def test_unit_notation_with_superscripts_passes():
    assert english_phrases("单位 t ha⁻¹ a⁻¹，gC m⁻² a⁻¹，MJ mm ha⁻¹ h⁻¹ a⁻¹") == []
