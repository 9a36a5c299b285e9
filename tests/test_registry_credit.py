"""Ecological credit (issue 18, item 5): the cited rule table, the templates (refused until filled,
in zh and en), hand-checked scores and grades, partial and withheld scores, appeals, expiry, rule
validation in zh and en, and may_list.

The village and individual scores are computed under copies of the bundled templates filled in by
this file with its own weights, bands and grade boundaries (``TEST_FILLS``): test data, labelled
``demonstration: test data`` in the copies, not a rule anyone published."""

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from ecoledger import messages
from ecoledger.registry import credit
from ecoledger.untranslated import untranslated

DATA = Path(credit.__file__).parents[1] / "data" / "registry"
DAY = dt.date(2024, 3, 31)


def zh_page(phrase: str) -> str:
    """A zh phrase as the pages show it: codes quoted in backticks are <code>."""
    return "<p>" + re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(phrase)) + "</p>"


def ev(evidence_id, indicator, value, day=DAY, who="county EEB inspector", what=""):
    return credit.Evidence(evidence_id, indicator, value, day, who, what)


@pytest.fixture(scope="module")
def rules():
    return credit.load_rules()


# the test's own numbers for the templates: weight, scoring (indicators); score_min, blocks_listing (grades)
TEST_FILLS = {
    "village_template": {
        "drinking_water_qualified_rate": ("40", "bands: 95=100; 90=60"),
        "domestic_sewage_treatment_rate": ("20", "bands: 80=100"),
        "waste_sorting_household_share": ("20", "bands: 70=100"),
        "village_rules_ecology_clause": ("20", "bands: 1=100"),
        "excellent": ("90", "no"), "good": ("75", "no"), "fair": ("60", "no"), "poor": ("0", "yes"),
    },
    "individual_template": {
        "household_inspection_months": ("50", "linear: 0=0; 12=100"),
        "volunteer_hours": ("20", "bands: 20=100; 10=50"),
        "eco_violations": ("30", "bands: 0=100; 1=50"),
        "excellent": ("90", "no"), "good": ("75", "no"), "fair": ("60", "no"), "poor": ("0", "yes"),
    },
}
TEST_SOURCE = ("demonstration: test data — weights, bands, grade boundaries and validity set by "
               "tests/test_registry_credit.py")


def template_rows() -> list[dict]:
    with (DATA / credit.TEMPLATE_FILE).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rules(path: Path, rows: list[dict]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, credit.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def filled_copy(path: Path, fills=TEST_FILLS) -> Path:
    """The bundled templates of ``fills`` copied and filled with the test's numbers (test data)."""
    rows = []
    for row in template_rows():
        if row["rule_id"] not in fills:
            continue
        row = dict(row)
        given = fills[row["rule_id"]]
        if row["kind"] == "rule":
            row["validity_months"] = "12"
        elif row["kind"] == "indicator":
            row["weight"], row["scoring"] = given[row["code"]]
        elif row["kind"] == "grade":
            row["score_min"], row["blocks_listing"] = given[row["code"]]
        row["status"], row["source"], row["quote"] = "demonstration", TEST_SOURCE, ""
        rows.append(row)
    return write_rules(path, rows)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """The village and individual templates filled with the test's numbers, loaded."""
    return credit.load_rules(filled_copy(tmp_path_factory.mktemp("credit") / "test_filled_rules.csv"))


def gz_records(**changes):
    """The Guangzhou enterprise of the hand-computed test: 26/29, 5/5, 48/54, 12/12 points."""
    values = {"pollution_prevention": 26, "ecological_protection": 5, "environmental_management": 48,
              "social_supervision": 12, **changes}
    return [ev(f"E-{i}", code, value, dt.date(2024, 1, 15 + i))
            for i, (code, value) in enumerate(values.items()) if value is not None]


# ---------------------------------------------------------------- the table


def test_bundled_table_is_valid_and_every_row_cited(rules):
    assert credit.validate_rules() == []
    with (DATA / credit.RULES_FILE).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == credit.COLUMNS
    for row in rows:  # every row published: an address and a verbatim extract; nothing of ecoledger's
        assert row["status"] == "published", row
        assert re.search(r"https?://", row["source"]) and row["quote"], row
    assert [r.subject_type for r in rules.values()] == ["enterprise"]
    enterprise = credit.rule_for("enterprise", rules)
    assert enterprise.status == "published" and enterprise.validity_months == 12 and enterprise.to_fill == ()
    assert [i.weight for i in enterprise.indicators] == [29, 5, 54, 12]
    assert [(g.code, g.score_min) for g in enterprise.grades] == [("green", 100), ("blue", 80),
                                                                  ("yellow", 60), ("red", 0)]
    assert [g.code for g in enterprise.grades if g.blocks_listing] == ["red"]
    assert len(credit.rules_version()) == 12


def test_the_templates_hold_structure_and_cited_pass_marks_but_no_number_of_ours():
    """Village and individual rules are templates: subject type, indicators, units, directions,
    vetoes and grade names, the cited pass marks in sources and quotes; weights, scoring, grade
    boundaries, blocks_listing and validity empty (nothing but the Jiangxi rule's cited validity)."""
    assert credit.validate_rules(DATA / credit.TEMPLATE_FILE) == []
    rows = template_rows()
    assert {r["status"] for r in rows} == {"template"}  # one template mechanism: the status
    templates = credit.load_templates()
    assert {r.subject_type: r.rule_id for r in templates.values()} == {
        "enterprise": "jx_enterprise", "village": "village_template", "individual": "individual_template"}
    for rule_id in ("village_template", "individual_template"):
        mine = [r for r in rows if r["rule_id"] == rule_id]
        for row in mine:
            assert row["source"], row
            for column in ("weight", "scoring", "score_min", "blocks_listing", "validity_months"):
                assert row[column] == "", (rule_id, row["code"], column)
        rule = templates[rule_id]
        assert rule.status == "template" and rule.validity_months is None
        assert all(i.weight is None and i.mode is None for i in rule.indicators)
        assert all(g.score_min is None and g.blocks_listing is None for g in rule.grades)
        assert all(i.unit and i.direction in credit.DIRECTIONS for i in rule.indicators)
    village = templates["village_template"]
    assert [i.code for i in village.indicators] == [
        "drinking_water_qualified_rate", "domestic_sewage_treatment_rate", "waste_sorting_household_share",
        "village_rules_ecology_clause"]
    assert [v.code for v in village.vetoes] == ["pollution_or_damage_event"]
    water, sewage, sorting = village.indicators[:3]  # the cited pass marks, each with its quote
    assert "95 %" in water.source and "≥95" in water.quote and "≥90" in water.quote
    assert "80 %" in sewage.source and sewage.quote.endswith("%80")
    assert "70 %" in sorting.source and sorting.quote.endswith("%70")
    assert all(re.search(r"https?://", i.source) and i.quote for i in village.indicators)
    assert [i.code for i in templates["individual_template"].indicators] == [
        "household_inspection_months", "volunteer_hours", "eco_violations"]
    assert credit.rule_for("village") == village  # the bundled rules have none in force: the template


def test_the_catalogue_is_complete_in_both_languages():
    keys = [k for k in messages.CATALOGUE if k.startswith("credit.")]
    assert len(keys) > 60 and messages.problems() == []
    for key in keys:
        zh = messages.CATALOGUE[key]["zh"]
        assert re.search(r"[\u4e00-\u9fff]", zh), key
        assert untranslated(zh_page(re.sub(r"\{[^}]*\}", "X1", zh))) == [], key


# ---------------------------------------------------------------- hand-computed scores


def test_enterprise_score_by_hand(rules):
    """Guangzhou rule (points per aspect; weight = the aspect's points out of 100):

    pollution prevention       26 of 29 → 26/29 × 100 = 89.655 points × 29 % = 26
    ecological protection       5 of  5 → 100 points × 5 %                   =  5
    environmental management   48 of 54 → 88.889 points × 54 %               = 48
    social supervision         12 of 12 → 100 points × 12 %                  = 12
    score = 26 + 5 + 48 + 12 = 91 → 80 ≤ 91 < 100: 环保良好企业 (blue card), which may list.
    """
    rule = rules["gz_enterprise_2015"]
    score = credit.score_subject(rule, gz_records(), DAY, subject_id="91360100TEST")
    assert score.score == 91.0 and score.bounds == (91.0, 91.0) and score.coverage == 1.0
    assert not score.partial and score.missing == () and score.unevidenced == ()
    assert score.grade.code == "blue" and score.grade.name_zh == "环保良好企业（蓝牌）"
    assert [round(i.contribution, 4) for i in score.items] == [26.0, 5.0, 48.0, 12.0]
    assert credit.may_list(score, on=DAY)[0] is True
    assert not any("演示" in note for note in score.notes("zh", DAY))  # a published rule

    # 100 points: green card only with ≥ 2 green additional indicators (the rule's condition)
    full = gz_records(pollution_prevention=29, environmental_management=54)
    two = credit.score_subject(rule, [*full, ev("G-1", "green_additional", 2)], DAY)
    one = credit.score_subject(rule, [*full, ev("G-1", "green_additional", 1)], DAY)
    assert two.score == one.score == 100.0
    assert two.grade.code == "green" and one.grade.code == "blue"
    assert [g.code for g in one.unmet] == ["green"]
    assert any("green_additional>=2" in note for note in one.notes("en", DAY))

    # a one-vote veto gives the red card whatever the points, and red blocks listing
    vetoed = credit.score_subject(rule, [*gz_records(), ev("V-1", "one_vote_veto", 1)], DAY)
    assert vetoed.score == 91.0 and vetoed.grade.code == "red" and vetoed.vetoed_by == ("V-1",)
    allowed, reason = credit.may_list(vetoed, on=DAY)
    assert allowed is False and "环保不良企业（红牌）" in reason["zh"] and "red card" in reason["en"]
    checked = credit.score_subject(rule, [*gz_records(), ev("V-1", "one_vote_veto", 0)], DAY)
    assert checked.grade.code == "blue"  # a veto recorded as 0: checked, none found


@pytest.mark.parametrize("subject", ["village", "individual"])
def test_a_template_is_refused_in_zh_and_en_naming_file_rule_empty_fields_and_fix(subject):
    rule = credit.rule_for(subject)
    assert rule.status == "template"
    with pytest.raises(credit.CreditError) as refused:
        credit.score_subject(rule, {rule.indicators[0].code: 1}, DAY)
    assert refused.value.key == "credit.template"
    rows = {column: sorted(n for n, c in rule.to_fill if c == column) for _, column in rule.to_fill}
    en, zh = str(refused.value), refused.value.in_language("zh")
    where = "(ecoledger/data/registry/credit_rules_template.csv)"
    assert f"rule '{subject}_template' {where} is a template" in en
    for column, numbers in rows.items():
        assert f"{column} (row" in en and f"`{column}`（第 {'、'.join(map(str, numbers))} 行）" in zh
    assert "in a copy of credit_rules_template.csv or in your own rule file" in en
    assert "load_rules(path)" in en and "status to published" in en
    assert "是模板，不能评分" in zh and "`credit_rules_template.csv` 的副本或自己的规则表" in zh
    assert "ecoledger/data/registry/credit_rules_template.csv" in zh
    assert untranslated(zh_page(zh)) == [] and not re.search(r"[\u4e00-\u9fff]", en)


def test_a_template_filled_but_still_marked_template_is_refused(tmp_path):
    path = filled_copy(tmp_path / "still_template.csv")
    rows = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows.append({**row, "status": "template"})
    rule = credit.rule_for("village", credit.load_rules(write_rules(path, rows)))
    assert rule.status == "template" and rule.to_fill == ()
    with pytest.raises(credit.CreditError) as refused:
        credit.score_subject(rule, {}, DAY)
    assert refused.value.key == "credit.template_status" and "still_template.csv" in str(refused.value)
    assert untranslated(zh_page(refused.value.in_language("zh"))) == []


def test_village_score_by_hand_under_the_tests_filled_template(filled):
    """The village template filled with this test's numbers (TEST_FILLS, test data):

    drinking water 96 %  ≥ 95 → 100 points × 40 % = 40
    sewage treated 60 %  < 80 →   0 points × 20 % =  0
    waste sorting  75 %  ≥ 70 → 100 points × 20 % = 20
    ecology clause in village rules 1 → 100 points × 20 % = 20
    score = 80 → 75 ≤ 80 < 90: 良 (good); the notes say the copy is a demonstration.
    """
    rule = credit.rule_for("village", filled)
    assert rule.rule_id == "village_template" and rule.status == "demonstration"
    score = credit.score_subject(rule, [
        ev("V-W", "drinking_water_qualified_rate", 96), ev("V-S", "domestic_sewage_treatment_rate", 60),
        ev("V-G", "waste_sorting_household_share", 75), ev("V-R", "village_rules_ecology_clause", "yes"),
    ], DAY, subject_id="360124101201")
    assert [i.contribution for i in score.items] == [40.0, 0.0, 20.0, 20.0]
    assert score.score == 80.0 and score.grade.code == "good" and score.grade.name_zh == "良"
    assert score.notes("zh", DAY)[0] == messages.text("credit.note.demonstration", "zh")
    assert "demonstration rule" in score.notes("en", DAY)[0]
    assert score.to_dict()["rule_status"] == "demonstration"


def test_individual_score_by_hand_under_the_tests_filled_template(filled):
    """The individual template filled with this test's numbers (TEST_FILLS, test data):

    inspection months 9 of 12 (linear 0=0; 12=100) → 75 points × 50 % = 37.5
    volunteer hours 12 (≥ 10, < 20)                → 50 points × 20 % = 10
    violations 0 (≤ 0, lower is better)            → 100 points × 30 % = 30
    score = 77.5 → 75 ≤ 77.5 < 90: 良 (good)
    """
    rule = credit.rule_for("individual", filled)
    records = [ev("I-1", "household_inspection_months", 9), ev("I-2", "volunteer_hours", 12),
               ev("I-3", "eco_violations", 0)]
    score = credit.score_subject(rule, records, DAY)
    assert [i.contribution for i in score.items] == [37.5, 10.0, 30.0]
    assert score.score == 77.5 and score.grade.code == "good"


def test_a_table_and_plain_numbers_score_the_same(rules):
    rule = rules["gz_enterprise_2015"]
    table = pd.DataFrame([{"indicator": e.indicator, "value": e.value, "evidence_id": e.evidence_id,
                           "date": e.date.isoformat(), "recorded_by": e.recorded_by,
                           "description": "site check"}
                          for e in gz_records()])
    from_table = credit.score_subject(rule, table, DAY)
    plain = credit.score_subject(rule, {e.indicator: e.value for e in gz_records()}, DAY)
    assert from_table.score == plain.score == 91.0 and from_table.grade == plain.grade
    assert from_table.unevidenced == () and set(plain.unevidenced) == {e.indicator for e in gz_records()}
    assert "没有证据记录" in " ".join(plain.notes("zh", DAY))
    # the latest record of an indicator counts; the earlier one stays as history
    correction = ev("E-9", "social_supervision", 6, dt.date(2024, 3, 1))
    later = credit.score_subject(rule, [*gz_records(), correction], DAY)
    assert later.score == 85.0 and len(later.evidence) == 5
    record = json.loads(json.dumps(later.to_dict()))
    assert record["grade"] == "blue" and record["rule_version"] == credit.rules_version()
    assert later.digest() == credit.score_subject(rule, later.evidence, DAY).digest()


# ---------------------------------------------------------------- partial and withheld


def test_missing_indicators_are_reported_not_zero_filled(rules):
    """Enterprise without its ecological-protection points (weight 5):

    covered weight 95 of 100 (coverage 0.95 ≥ 0.8): the grade is given, the score says partial
    score = (26 + 48 + 12) / 95 × 100 = 90.5263 (not 86, which zero-filling would give)
    bounds: 86 (missing at 0 points) to 91 (missing at 100) → blue either way.
    """
    rule = rules["gz_enterprise_2015"]
    score = credit.score_subject(rule, gz_records(ecological_protection=None), DAY)
    assert score.partial and score.missing == ("ecological_protection",) and score.coverage == 0.95
    assert score.score == 90.5263 and score.bounds == (86.0, 91.0) and score.grade.code == "blue"
    zh = " ".join(score.notes("zh", DAY))
    assert "生态保护" in zh and "95%" in zh and untranslated(zh_page(zh)) == []


def test_the_grade_is_withheld_below_the_covered_share(filled):
    """Village (the test's filled template) without its drinking-water indicator (weight 40):
    coverage 0.6 < 0.8 → no grade.

    score over the covered weight = (0 + 20 + 20) / 60 × 100 = 66.6667; bounds 40 to 80.
    """
    rule = credit.rule_for("village", filled)
    records = [ev("V-S", "domestic_sewage_treatment_rate", 60),
               ev("V-G", "waste_sorting_household_share", 75), ev("V-R", "village_rules_ecology_clause", 1)]
    score = credit.score_subject(rule, records, DAY)
    assert score.grade is None and score.grade_withheld and score.coverage == 0.6
    assert score.score == 66.6667 and score.bounds == (40.0, 80.0)
    assert any("低于 80%" in n for n in score.notes("zh", DAY))
    allowed, reason = credit.may_list(score, on=DAY)
    assert allowed and "60%" in reason["zh"] and "withheld" in reason["en"]
    assert credit.score_subject(rule, records, DAY, min_coverage=0.5).grade.code == "fair"
    # a veto decides the grade even when too little is covered
    vetoed = credit.score_subject(rule, [*records, ev("V-X", "pollution_or_damage_event", 1)], DAY)
    assert vetoed.grade.code == "poor" and credit.may_list(vetoed, on=DAY)[0] is False


# ---------------------------------------------------------------- appeals


def test_an_upheld_appeal_changes_the_grade(rules):
    """A veto record (red card, 91 points) appealed: pending → upheld → re-scored 91 → blue card."""
    rule = rules["gz_enterprise_2015"]
    veto = ev("V-1", "one_vote_veto", 1, what="case 2024-017")
    score = credit.score_subject(rule, [*gz_records(), veto], DAY)
    assert score.grade.code == "red"
    appeal = credit.file_appeal(score, "V-1", "A-1", dt.date(2024, 4, 10), "the case was quashed on review",
                                filed_by="enterprise")
    assert appeal.status == "pending"
    pending = credit.rescore(score, [appeal])
    assert pending.grade.code == "red" and pending.pending_appeals == (appeal,)
    assert any("A-1" in n for n in pending.notes("zh", DAY))
    upheld = credit.decide_appeal(appeal, True, dt.date(2024, 5, 6), "municipal EEB")
    after = credit.rescore(pending, [upheld])
    assert after.grade.code == "blue" and after.score == 91.0 and after.vetoed_by == ()
    assert after.revision == 1 and after.evaluated_on == DAY and after.expires_on == score.expires_on
    assert credit.may_list(after, on=dt.date(2024, 5, 6))[0] is True
    rejected = credit.decide_appeal(appeal, False, dt.date(2024, 5, 6), "municipal EEB")
    assert credit.rescore(pending, [rejected]).grade.code == "red"
    with pytest.raises(credit.CreditError) as decided_twice:
        credit.decide_appeal(upheld, False, dt.date(2024, 5, 7), "municipal EEB")
    assert untranslated(zh_page(decided_twice.value.in_language("zh"))) == []
    with pytest.raises(credit.CreditError, match="no evidence"):
        credit.file_appeal(score, "NOPE", "A-2", DAY, "?")


def test_an_upheld_appeal_with_a_corrected_value(filled):
    """Individual (the test's filled template) with one recorded violation:
    37.5 + 10 + 50 × 30 % = 62.5 → 中 (fair);
    upheld with the corrected value 0 violations: 37.5 + 10 + 30 = 77.5 → 良 (good)."""
    rule = credit.rule_for("individual", filled)
    records = [ev("I-1", "household_inspection_months", 9), ev("I-2", "volunteer_hours", 12),
               ev("I-3", "eco_violations", 1)]
    score = credit.score_subject(rule, records, DAY)
    assert score.score == 62.5 and score.grade.code == "fair"
    appeal = credit.file_appeal(score, "I-3", "A-9", dt.date(2024, 4, 2), "recorded against a namesake")
    upheld = credit.decide_appeal(appeal, True, dt.date(2024, 4, 20), "township office", corrected_value=0)
    after = credit.rescore(score, [upheld])
    assert after.score == 77.5 and after.grade.code == "good"
    assert [e.value for e in after.evidence if e.evidence_id == "I-3"] == [1.0]  # the record is kept as filed
    with pytest.raises(credit.CreditError):
        credit.decide_appeal(appeal, False, dt.date(2024, 4, 20), "township office", corrected_value=0)


# ---------------------------------------------------------------- expiry


def test_a_score_expires_after_the_rule_validity_and_then_blocks_nothing(rules):
    """Evaluated 2024-02-29 under a 12-month rule: valid through 2025-02-27, expired from
    2025-02-28 (a 29 February evaluation runs to the last day of February)."""
    rule = rules["gz_enterprise_2015"]
    day = dt.date(2024, 2, 29)
    red = credit.score_subject(rule, [*gz_records(), ev("V-1", "one_vote_veto", 1, dt.date(2024, 2, 1))], day)
    assert red.expires_on == dt.date(2025, 2, 28)
    assert red.status(dt.date(2025, 2, 27)) == "valid" and red.status(dt.date(2025, 2, 28)) == "expired"
    assert credit.may_list(red, on=dt.date(2025, 2, 27))[0] is False
    allowed, reason = credit.may_list(red, on=dt.date(2025, 3, 1))
    assert allowed and "过期" in reason["zh"] and "expired on 2025-02-28" in reason["en"]
    assert any("过期" in n for n in red.notes("zh", dt.date(2025, 3, 1)))
    assert red.grade.code == "red"  # the expired score still says what it was


# ---------------------------------------------------------------- rule validation


BAD = ",".join(credit.COLUMNS) + """
r1,enterprise,rule,r1,规则,Rule,,,,,,,,0,published,http://example.org/rule,原文
r1,enterprise,indicator,a,甲,A,%,higher_better,60,bands: 50=100; 80=60,,,,,published,http://example.org/rule,原文
r1,enterprise,indicator,b,乙,B,%,upwards,30,linear: 0=0; 100=100,,,,,published,http://example.org/rule,
r1,enterprise,grade,top,优,Top,,,,,70,extra>=2,yes,,published,http://example.org/rule,原文
r1,enterprise,grade,mid,中,Mid,,,,,40,,maybe,,official,http://example.org/rule,原文
r1,enterprise,grade,low,差,Low,,,,,10,,yes,,demonstration,made up,
r1,enterprise,weight,c,丙,C,,,,,,,,,published,http://example.org/rule,原文
"""


def test_rule_validation_errors_name_row_field_and_fix_in_zh_and_en(tmp_path):
    path = tmp_path / "my_rules.csv"
    path.write_text(BAD, encoding="utf-8")
    problems = credit.validate_rules(path)
    found = {(p.field, p.message) for p in problems}
    expected_en = [
        ("row 2 · validity_months", "is not a whole number of months above 0"),
        ("row 3 · scoring", "the bands are not monotone: 50=100; 80=60"),
        ("row 4 · direction", "'upwards' is not a direction"),
        ("row 4 · quote", "the field is empty"),
        ("row 5 · requires", "'extra' is not a condition row of the rule"),
        ("row 6 · blocks_listing", "'maybe' is not yes or no"),
        ("row 6 · status", "'official' is not a status"),
        ("row 7 · source", "the source of a demonstration row does not say so"),
        ("row 8 · kind", "'weight' is not a row kind"),
        ("row 2 · weight", "the weights of rule 'r1' sum to 90, not 100"),
        ("row 2 · score_min", "the grades of rule 'r1' do not cover a score of 0 (the lowest starts at 10)"),
    ]
    for where, message in expected_en:
        assert any(f == where and message in m for f, m in found), (where, message, found)
    assert all(p.file == "my_rules.csv" and p.fix and p.fix_zh for p in problems)
    for p in problems:
        field, message_zh, fix_zh = p.in_language("zh")
        assert field == "" and message_zh.startswith("第 ")
        assert untranslated(zh_page(f"{message_zh}；{fix_zh}")) == [], message_zh
        assert not re.search(r"[\u4e00-\u9fff]", p.message + p.fix), p.message
    weights = next(p for p in problems if "sum to 90" in p.message)
    assert weights.message_zh == "第 2 行 · `weight`：规则 `r1` 的指标权重之和为 90，应为 100"
    assert weights.fix_zh == "调整各指标的 `weight`，使其之和为 100"
    with pytest.raises(credit.CreditRuleError) as refused:
        credit.load_rules(path)
    assert refused.value.problems == problems
    assert refused.value.in_language("zh") == f"信用规则表 my_rules.csv 有 {len(problems)} 处问题"
    assert "row 3 · scoring" in str(refused.value)


def test_a_header_without_columns_and_an_unreadable_file(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("rule_id,kind\nr1,rule\n", encoding="utf-8")
    [problem] = credit.validate_rules(path)
    assert problem.field == "row 1 · header" and "subject_type" in problem.message
    assert untranslated(zh_page(problem.in_language("zh")[1] + problem.fix_zh)) == []
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    [unreadable] = credit.validate_rules(binary)
    assert unreadable.field == "file" and "UTF-8" in unreadable.fix_zh


def test_the_jiangxi_template_lists_what_to_fill_and_scores_once_filled(tmp_path):
    rows = [r for r in template_rows() if r["rule_id"] == "jx_enterprise"]
    assert tuple(rows[0]) == credit.COLUMNS
    template = credit.load_templates()["jx_enterprise"]
    assert {column for _, column in template.to_fill} == {"weight", "scoring", "score_min", "blocks_listing"}
    assert template.validity_months == 12  # cited: one evaluation a year
    with pytest.raises(credit.CreditError, match="is a template") as refused:
        credit.score_subject(template, {}, DAY)
    assert "weight (rows 3, 4, 5)" in str(refused.value)
    # filled in (the test's numbers) and cited, the template is a rule
    fills = {"pollution_prevention": ("40", "linear: 0=0; 40=100"),
             "environmental_management": ("30", "linear: 0=0; 30=100"),
             "social_impact": ("30", "linear: 0=0; 30=100")}
    mins = {"green": "90", "blue": "75", "yellow": "60", "red": "40", "black": "0"}
    for row in rows:
        if row["kind"] == "indicator":
            row["weight"], row["scoring"] = fills[row["code"]]
        if row["kind"] == "grade":
            row["score_min"] = mins[row["code"]]
            row["blocks_listing"] = row["blocks_listing"] or "yes"
        row["status"] = "published"
    jiangxi = credit.load_rules(write_rules(tmp_path / "jiangxi.csv", rows))["jx_enterprise"]
    assert jiangxi.status == "published" and jiangxi.to_fill == ()
    score = credit.score_subject(jiangxi, {"pollution_prevention": 30, "environmental_management": 30,
                                           "social_impact": 10}, DAY)
    assert score.score == 70.0 and score.grade.code == "yellow"
    assert credit.may_list("jx_enterprise/red", rules={"jx_enterprise": jiangxi})[0] is False
    # a row left empty without the template status is a problem, as before
    rows[1]["weight"] = ""
    [problem] = credit.validate_rules(write_rules(tmp_path / "gap.csv", rows))
    assert problem.field == "row 3 · weight" and problem.message == "the field is empty"
    # a filled rule comes before a template of its subject type in one file
    rows[1]["weight"] = "40"
    filled_rows = [{**r, "rule_id": "jx_filled", "code": r["code"] if r["kind"] != "rule" else "jx_filled"}
                   for r in rows]
    unfilled = [r for r in template_rows() if r["rule_id"] == "jx_enterprise"]
    both = credit.load_rules(write_rules(tmp_path / "both.csv", [*unfilled, *filled_rows]))
    assert credit.rule_for("enterprise", both).rule_id == "jx_filled"


# ---------------------------------------------------------------- inputs refused


@pytest.mark.parametrize("records, key", [
    ([ev("X-1", "no_such_indicator", 1)], "credit.unknown_indicator"),
    ([ev("X-1", "domestic_sewage_treatment_rate", 120)], "credit.value_range"),
    ([ev("X-1", "domestic_sewage_treatment_rate", "many")], "credit.value"),
    ([ev("X-1", "domestic_sewage_treatment_rate", 50, dt.date(2024, 4, 1))], "credit.evidence_after"),
    ([ev("X-1", "domestic_sewage_treatment_rate", 50), ev("X-1", "waste_sorting_household_share", 50)],
     "credit.evidence_duplicate"),
])
def test_bad_inputs_are_refused_in_both_languages(filled, records, key):
    with pytest.raises(credit.CreditError) as refused:
        credit.score_subject(credit.rule_for("village", filled), records, DAY)
    assert refused.value.key == key
    assert untranslated(zh_page(refused.value.in_language("zh"))) == []
    assert not re.search(r"[\u4e00-\u9fff]", str(refused.value))


# ---------------------------------------------------------------- may_list


def test_may_list_reads_the_blocking_grades_from_the_table(rules, filled):
    assert credit.may_list("gz_enterprise_2015/red")[0] is False
    allowed, reason = credit.may_list("blue")
    assert allowed and reason == {"zh": "等级“环保良好企业（蓝牌）”不限制挂牌",
                                  "en": 'grade "Environmentally good (blue card)" does not block listing'}
    assert credit.may_list("poor", rules=filled)[0] is False  # both of the test's filled rules block it
    with pytest.raises(credit.CreditError) as template_grade:  # a template's grade decides nothing
        credit.may_list("poor", rules=credit.load_templates())
    assert template_grade.value.key == "credit.template_grade"
    assert untranslated(zh_page(template_grade.value.in_language("zh"))) == []
    with pytest.raises(credit.CreditError, match="no rule has grade 'poor'"):
        credit.may_list("poor")  # no rule in force has it
    assert credit.may_list(rules["gz_enterprise_2015"].grade("yellow"))[0] is True
    assert credit.may_list(None) == (True, {"zh": "未评定信用等级，不限制挂牌",
                                            "en": "no credit grade: nothing blocks listing"})
    blocked, why = credit.may_list(rules["gz_enterprise_2015"].grade("red"))
    assert not blocked and untranslated(zh_page(why["zh"])) == [] and "blocks listing" in why["en"]
    with pytest.raises(credit.CreditError) as unknown:
        credit.may_list("purple")
    assert untranslated(zh_page(unknown.value.in_language("zh"))) == []
    assert credit.rule_for("enterprise") is credit.rule_for("enterprise")
    with pytest.raises(credit.CreditError):
        credit.rule_for("cooperative")
