"""Ecological credit (issue 18, item 5): rules from a cited table, scores, grades, appeals, expiry.

Pure functions and frozen records, no database and no network: the registry core stores what these
functions return (``CreditScore.to_dict()`` and its ``digest()``) and calls ``may_list`` before a
listing.

The rules
---------
``ecoledger/data/registry/credit_rules.csv`` holds the rules in force, each cited: today one, the
enterprise rule. ``credit_rules_template.csv`` holds the rules to fill: a subject type without a
readable published rule (``village``, ``individual``) and Jiangxi's enterprise rule, whose numbers
could not be read, are there as templates (below). A user's own rule has the same columns. One row
per item of a rule, ``kind`` saying which:

``rule``       the rule itself: its names and ``validity_months`` (how long a score stands).
``indicator``  a scored indicator: ``unit``, ``direction`` (``higher_better`` / ``lower_better``),
               ``weight`` (the weights of a rule sum to 100) and ``scoring``, how a value maps to
               0–100 points: ``bands: 95=100; 90=60`` (higher_better: the first band whose value the
               subject reaches, ≥; lower_better: the first band it does not exceed, ≤; none: 0 points)
               or ``linear: 0=0; 29=100`` (straight lines between the points, flat beyond the ends).
               Bands and points must be monotone in the indicator's direction.
``veto``       a one-vote veto (value 0/1): a record with value 1 gives the lowest grade whatever the
               score (a record of 0 says it was checked; no record, none recorded).
``condition``  a recorded value a grade may require, unscored (``green_additional`` of the Guangzhou
               rule: the green card needs 100 points *and* at least two green additional indicators).
``grade``      a grade: ``score_min`` (a grade holds from its ``score_min`` up to the next grade's;
               the lowest grade without ``requires`` starts at 0, so the grades cover 0–100),
               ``requires`` (optional, ``code>=2`` on a condition) and ``blocks_listing`` (yes/no).

Every row has ``status`` (``published``: its numbers were read in a published rule, cited by
``source``, an address, and ``quote``, a short verbatim extract; ``demonstration``: a user's rule
with illustrative numbers, e.g. for training, the ``source`` starting with "demonstration" and
saying so, and every score from it says so in ``notes``; ``template``: the structure of a rule whose
numbers are for the user to fill), ``source`` and, for published rows, ``quote``. The rule in force
is Guangzhou's enterprise rule (穗环〔2015〕210号, implementing the national 企业环境信用评价办法
（试行）, 环发〔2013〕150号). No weight, band, grade boundary or validity in these files is
ecoledger's own; what is (``blocks_listing`` of the Guangzhou grades, a policy setting, as their
source says, and ``MIN_COVERAGE``) is labelled as such.

Templates: a ``template`` row may leave empty what the user fills (``TEMPLATE_FIELDS``: the rule's
``validity_months``, an indicator's ``weight`` and ``scoring``, a grade's ``score_min`` and
``blocks_listing``); what it does fill is checked like any row. A rule with a ``template`` row is a
template (``Rule.status == "template"``, its empty fields in ``Rule.to_fill``): it loads, shows its
indicators, and refuses to score (``CreditError`` ``credit.template``, naming the file, the rule, the
empty fields by row and the fix). The village template keeps the pass marks of the cited
national ecological-village (国家级生态村) and model-town (生态文明建设示范乡镇) standards in its
sources and quotes (95 % and 90 % drinking water, 80 % sewage treated, 70 % of households sorting
waste), the individual template the cited monthly household inspection; weights, scoring, grade
boundaries and validity are empty. To use one: copy ``credit_rules_template.csv`` (or its rows into
your own rule file), fill the empty fields from the rule you apply, set ``status`` to
``published`` with its source and quote (or ``demonstration``), and pass the file:
``rule_for("village", load_rules(path))``.

``validate_rules`` lists every problem of a table at once (file, row, field, message and fix, in
Chinese and English, through ``ecoledger.messages``); ``load_rules`` refuses a table with any.

Scores
------
A score is the weighted mean of the points of the indicators that have a value::

    score = Σ_i w_i · p_i / Σ_i w_i        (i over indicators with a value; p_i in 0–100)

rounded to 4 decimals. A missing indicator is never zero-filled: it is listed in ``missing``, the
score says ``partial``, ``coverage`` is the share of the rule's weight that has a value, and
``bounds`` are the scores with every missing indicator at 0 and at 100 points. The grade is
withheld when ``coverage < MIN_COVERAGE`` (0.8: four fifths of the weight; ecoledger's setting, not
a published figure; ``score_subject(min_coverage=…)`` changes it). A veto record decides the grade
even then. Each value comes with an evidence record (``Evidence``: id, description, date, who
recorded it); the latest record of an indicator counts (by date, then order given), earlier ones
stay as history. A plain number (``{"pollution_prevention": 26}``) is accepted and listed in
``unevidenced``; it cannot be appealed.

A score is valid until ``expires_on`` = evaluation date + the rule's ``validity_months`` (the same
day of the month, or the month's last day), expired from that day on. An expired score blocks
nothing: ``may_list`` lets a listing through and says the score expired.

Appeals: ``file_appeal`` against one evidence record of a score (pending) → ``decide_appeal``
(upheld or rejected, once) → ``rescore``: an upheld appeal strikes the record out (an earlier
record of the indicator then counts, or the indicator is missing), or replaces its value by
``corrected_value``; the re-score keeps the evaluation date (the appeal corrects that
evaluation, it does not renew it) and the appeals it applied.

API
---
``SUBJECT_TYPES``, ``MIN_COVERAGE``, ``RULES_FILE``, ``TEMPLATE_FILE``, ``COLUMNS``, ``TEMPLATE_FIELDS``

``validate_rules(path=None) -> list[Problem]``        (``ecoledger.errors.Problem``; zh in ``message_zh``)
``load_rules(path=None) -> dict[str, Rule]``           (rule_id → Rule; ``CreditRuleError`` with problems)
``load_templates() -> dict[str, Rule]``                 (the rules of ``credit_rules_template.csv``)
``rule_for(subject_type, rules=None) -> Rule``          (the one rule of a subject type; a filled rule
                                                         before a template; ``rules=None``: the rules
                                                         in force, else the bundled template)
``rules_version(path=None) -> str``                     (12 hex digits of the table's SHA-256)
``Rule``: ``rule_id``, ``subject_type``, ``name_zh``, ``name_en``, ``validity_months``, ``indicators``
(``Indicator``: ``code``, names, ``unit``, ``direction``, ``weight``, ``score(value)`` → points),
``grades`` (``Grade``: ``rule_id``, ``code``, ``name_zh``, ``name_en``, ``score_min``, ``requires``,
``blocks_listing``; highest first), ``vetoes``, ``conditions``, ``status`` (published |
demonstration | template), ``source``, ``quote``, ``file``, ``version``, ``to_fill`` ((row, column)
left empty in a template); ``grade(code)``, ``item(code)``, ``lowest_grade`` (in a template the
numbers left empty are None)
``Evidence(evidence_id, indicator, value, date, recorded_by, description="")``
``evidence_from_table(table) -> list[Evidence]``        (DataFrame or rows: indicator, value,
                                                          evidence_id, date, recorded_by, description)
``score_subject(rule, values, evaluated_on, subject_id="", appeals=(), min_coverage=MIN_COVERAGE)
-> CreditScore``    values: mapping code → Evidence or plain number, Evidence records, or a table;
                    a template rule, evidence dated after ``evaluated_on``, an unknown code, a value
                    that is not a number or outside its unit (``%`` 0–100, ``0/1``) raise ``CreditError``
``CreditScore``: ``rule``, ``subject_id``, ``evaluated_on``, ``score`` (None without any value),
``bounds``, ``coverage``, ``partial``, ``missing``, ``grade`` (``Grade`` or None), ``grade_withheld``,
``vetoed_by``, ``unmet`` (grades the score reached without their ``requires``), ``items``
(``ItemScore``: code, value, points, weight, contribution, evidence_id), ``evidence``, ``appeals``,
``unevidenced``, ``min_coverage``, ``revision`` (upheld appeals applied), ``expires_on``,
``expired(on=None)``, ``status(on=None)`` ("valid" / "expired"), ``pending_appeals``,
``notes(lang="zh", on=None)``, ``to_dict()`` (JSON-ready), ``digest()`` (SHA-256 of it)
``Appeal``: ``appeal_id``, ``evidence_id``, ``filed_on``, ``reason``, ``filed_by``, ``status``
(pending / upheld / rejected), ``decided_on``, ``decided_by``, ``corrected_value``
``file_appeal(score, evidence_id, appeal_id, filed_on, reason, filed_by="") -> Appeal``
``decide_appeal(appeal, upheld, decided_on, decided_by, corrected_value=None) -> Appeal``
``rescore(score, appeals) -> CreditScore``
``may_list(grade, on=None, rules=None) -> (bool, {"zh": …, "en": …})``
    grade: a ``Grade``; a ``CreditScore`` (a withheld grade or an expired score blocks nothing;
    ``on`` is the day, today by default); ``"rule_id/code"`` or a bare grade code of ``rules``
    (the bundled rules by default); or None (no grade: nothing blocks). A grade of a template
    decides nothing: ``CreditError`` ``credit.template_grade``.

Errors a user can cause raise ``CreditError`` (a catalogue key; ``in_language`` gives zh or en).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path

from ecoledger.errors import EcoledgerError, Problem
from ecoledger.messages import register, text

SUBJECT_TYPES = ("enterprise", "village", "individual")
KINDS = ("rule", "indicator", "veto", "condition", "grade")
DIRECTIONS = ("higher_better", "lower_better")
STATUSES = ("published", "demonstration", "template")
COLUMNS = ("rule_id", "subject_type", "kind", "code", "name_zh", "name_en", "unit", "direction",
           "weight", "scoring", "score_min", "requires", "blocks_listing", "validity_months",
           "status", "source", "quote")
RULES_FILE = "credit_rules.csv"
TEMPLATE_FILE = "credit_rules_template.csv"
# what a template row may leave empty, per kind (in the order the refusal lists them)
TEMPLATE_FIELDS = {"rule": ("validity_months",), "indicator": ("weight", "scoring"),
                   "grade": ("score_min", "blocks_listing")}
MIN_COVERAGE = 0.8  # share of a rule's weight that must have a value for a grade (module docstring)
TOTAL_WEIGHT = 100.0
DECIMALS = 4
_YES = {"yes", "true", "1", "是", "y"}
_NO = {"no", "false", "0", "否", "n"}
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "==": lambda a, b: a == b}
_REQUIRES = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|>|<)\s*(-?[0-9.]+)\s*$")

register({
    # the table and its rows: message, then fix
    "rules_invalid": ("信用规则表 {file} 有 {count} 处问题",
                      "the credit rule table {file} has {count} problem(s)"),
    "unreadable": ("无法读取规则表（{error}）", "cannot read the rule table ({error})"),
    "unreadable.fix": ("请提供 UTF-8 编码的 CSV 文件", "give a UTF-8 CSV file"),
    "columns": ("表头缺少列 `{missing}`", "the header lacks columns {missing}"),
    "columns.fix": ("表头应为 `{columns}`（可从模板 {template} 开始）",
                    "the header is {columns} (start from the template {template})"),
    "empty": ("表中没有规则行", "the table has no rows below the header"),
    "empty.fix": ("每条规则写一行 `rule` 及其指标和等级行",
                  "write a `rule` row per rule with its indicator and grade rows"),
    "required": ("该字段为空", "the field is empty"),
    "required.fix": ("请填写该字段", "fill it in"),
    "kind": ("`{value}` 不是有效的行类型", "{value!r} is not a row kind"),
    "kind.fix": ("填写 `rule`、`indicator`、`veto`、`condition` 或 `grade`",
                 "write rule, indicator, veto, condition or grade"),
    "subject_type": ("`{value}` 不是有效的主体类型", "{value!r} is not a subject type"),
    "subject_type.fix": ("填写 `enterprise`（企业）、`village`（村）或 `individual`（个人）",
                         "write enterprise, village or individual"),
    "subject_mismatch": ("与规则行的主体类型 `{expected}` 不一致",
                         "differs from the rule row's subject type {expected!r}"),
    "subject_mismatch.fix": ("同一规则的各行填写同一主体类型",
                             "give every row of a rule the same subject type"),
    "rule_missing": ("规则 `{rule}` 没有 `rule` 行", "rule {rule!r} has no rule row"),
    "rule_missing.fix": ("为该规则添加一行 `rule`（名称、`validity_months`、来源）",
                         "add a rule row for it (names, validity_months, source)"),
    "rule_duplicate": ("规则 `{rule}` 的 `rule` 行重复（另见第 {other} 行）",
                       "rule {rule!r} has a second rule row (see row {other})"),
    "rule_duplicate.fix": ("每条规则只保留一行 `rule`", "keep one rule row per rule"),
    "code_duplicate": ("代码 `{code}` 在规则 `{rule}` 中重复（另见第 {other} 行）",
                       "code {code!r} appears twice in rule {rule!r} (see row {other})"),
    "code_duplicate.fix": ("每个指标、否决项、条件和等级使用不同的代码",
                           "give each indicator, veto, condition and grade its own code"),
    "number": ("`{value}` 不是数字", "{value!r} is not a number"),
    "number.fix": ("填写数字（不带单位）", "write a number (no unit)"),
    "weight": ("权重 {value} 不大于 0", "the weight {value} is not above 0"),
    "weight.fix": ("填写大于 0 的权重", "write a weight above 0"),
    "weights_sum": ("规则 `{rule}` 的指标权重之和为 {total}，应为 100",
                    "the weights of rule {rule!r} sum to {total}, not 100"),
    "weights_sum.fix": ("调整各指标的 `weight`，使其之和为 100",
                        "change the indicators' weight so that they sum to 100"),
    "no_indicator": ("规则 `{rule}` 没有指标", "rule {rule!r} has no indicator"),
    "no_indicator.fix": ("至少添加一行 `indicator`", "add at least one indicator row"),
    "direction": ("`{value}` 不是有效的方向", "{value!r} is not a direction"),
    "direction.fix": ("填写 `higher_better`（越高越好）或 `lower_better`（越低越好）",
                      "write higher_better or lower_better"),
    "scoring": ("计分规则 `{value}` 无法解析", "the scoring {value!r} cannot be read"),
    "scoring.fix": ("写成 `bands: 90=100; 75=80`（分档）或 `linear: 0=0; 100=100`（线性）",
                    "write bands: 90=100; 75=80 or linear: 0=0; 100=100"),
    "points": ("得分 {value} 超出 0–100", "the points {value} are outside 0-100"),
    "points.fix": ("每档得分填写 0 到 100 之间的数", "give each band 0 to 100 points"),
    "bands_order": ("分档不单调：{order}", "the bands are not monotone: {order}"),
    "bands_order.fix": ("`higher_better` 的分档按阈值从高到低、`lower_better` 的按从低到高排列，得分逐档不增",
                        "list higher_better bands from the highest value down and lower_better bands from "
                        "the lowest up, with points that never rise from one band to the next"),
    "linear_order": ("线性计分点不单调：{order}", "the linear points are not monotone: {order}"),
    "linear_order.fix": ("按数值从小到大列出计分点；`higher_better` 的得分逐点不减，"
                         "`lower_better` 的逐点不增",
                         "list the points by increasing value, with points that never fall (higher_better) "
                         "or never rise (lower_better)"),
    "score_min": ("等级下限 {value} 超出 0–100", "the grade's score_min {value} is outside 0-100"),
    "score_min.fix": ("填写 0 到 100 之间的分数", "write a score from 0 to 100"),
    "no_grade": ("规则 `{rule}` 没有等级", "rule {rule!r} has no grade"),
    "no_grade.fix": ("添加 `grade` 行，最低等级的 `score_min` 为 0",
                     "add grade rows, the lowest with score_min 0"),
    "grades_cover": ("规则 `{rule}` 的等级没有覆盖 0 分（最低等级下限为 {lowest}）",
                     "the grades of rule {rule!r} do not cover a score of 0 (the lowest starts at {lowest})"),
    "grades_cover.fix": ("把最低等级（不带 `requires`）的 `score_min` 设为 0",
                         "set the score_min of the lowest grade (without requires) to 0"),
    "grades_overlap": ("与等级 `{other}` 的下限相同（{value}）",
                       "has the same score_min as grade {other!r} ({value})"),
    "grades_overlap.fix": ("不带 `requires` 的等级各用不同的下限",
                           "give each grade without requires its own score_min"),
    "requires": ("条件 `{value}` 无法解析", "the requirement {value!r} cannot be read"),
    "requires.fix": ("写成 `代码>=数值`，代码为本规则的一行 `condition`",
                     "write code>=number, code being a condition row of the rule"),
    "requires_unknown": ("条件引用的 `{code}` 不是本规则的 `condition` 行",
                         "{code!r} is not a condition row of the rule"),
    "yes_no": ("`{value}` 不是 是/否", "{value!r} is not yes or no"),
    "yes_no.fix": ("填写 `yes` 或 `no`", "write yes or no"),
    "validity": ("有效期 `{value}` 不是正整数（月）",
                 "the validity {value!r} is not a whole number of months above 0"),
    "validity.fix": ("填写有效月数，如 12", "write the months a score stands, e.g. 12"),
    "status": ("`{value}` 不是有效的状态", "{value!r} is not a status"),
    "status.fix": ("填写 `published`（已发布规则，须注明来源和原文摘录）、`demonstration`（演示数据）"
                   "或 `template`（待填写的模板）",
                   "write published (read in a published rule: cite source and quote), demonstration or "
                   "template (a rule to fill)"),
    "demonstration": ("演示行的来源没有说明其为演示数据",
                      "the source of a demonstration row does not say so"),
    "demonstration.fix": ("来源以 `demonstration:` 开头并说明哪些数值是演示",
                          "start the source with 'demonstration:' and say which numbers are illustrative"),
    # templates: refused until filled
    "template": ("规则 `{rule}`（{file}）是模板，不能评分：以下字段为空：{fields_zh}。"
                 "修改：在 `credit_rules_template.csv` 的副本或自己的规则表中按所用规则填写权重、计分、"
                 "等级下限、是否限制挂牌和有效期（权重之和为 100，最低等级的 `score_min` 为 0），"
                 "把 `status` 改为 `published` 并注明来源和原文摘录（或 `demonstration`），"
                 "再传入该文件：`rule_for(主体类型, load_rules(路径))`",
                 "rule {rule!r} ({file}) is a template and cannot score; empty fields: {fields_en}. "
                 "Fix: fill the weights, scoring, grade boundaries, blocks_listing and validity from the "
                 "rule you apply in a copy of credit_rules_template.csv or in your own rule file (weights "
                 "sum to 100, the lowest grade's score_min is 0), set status to published with source and "
                 "quote (or demonstration), and pass it: rule_for(subject_type, load_rules(path))"),
    "template_status": ("规则 `{rule}`（{file}）各字段已填写，但仍标为模板（`status` 为 `template`），"
                        "不能评分。修改：把该规则各行的 `status` 改为 `published` 并注明来源和原文摘录"
                        "（或 `demonstration`），再传入该文件：`load_rules(路径)`",
                        "rule {rule!r} ({file}) is filled in but still marked template (status = template) "
                        "and cannot score. Fix: set the status of its rows to published with source and "
                        "quote (or demonstration), and pass the file: load_rules(path)"),
    "template_grade": ("等级 `{grade}` 属于模板规则 `{rule}`，尚未规定是否限制挂牌；"
                       "修改：填写并传入该规则（见 `credit_rules_template.csv`）",
                       "grade {grade!r} belongs to the template rule {rule!r}, which does not yet say "
                       "whether it blocks listing; fill the rule and pass it "
                       "(see credit_rules_template.csv)"),
    # scoring, appeals, listing
    "unknown_rule": ("没有规则 `{rule}`（已有：{known}）", "there is no rule {rule!r} (known: {known})"),
    "unknown_subject": ("主体类型 `{subject}` 没有规则（已有：`{known}`）",
                        "no rule for subject type {subject!r} (rules exist for: {known})"),
    "several_rules": ("主体类型 `{subject}` 有多条规则（`{rules}`）；请按规则编号选择",
                      "subject type {subject!r} has several rules ({rules}); choose one by its rule_id"),
    "unknown_indicator": ("规则 `{rule}` 没有指标、否决项或条件 `{code}`；修改：使用 `{known}` 之一",
                          "rule {rule!r} has no indicator, veto or condition {code!r}; use one of {known}"),
    "value": ("指标 `{code}` 的值 `{value}` 不是数字；修改：填写数字",
              "the value {value!r} of {code!r} is not a number; write a number"),
    "value_range": ("指标 `{code}` 的值 {value} 超出 {low}–{high}（单位 `{unit}`）；修改：检查数值和单位",
                    "the value {value} of {code!r} is outside {low}-{high} ({unit}); "
                    "check the value and its unit"),
    "evidence_date": ("证据 `{evidence}` 的日期 `{value}` 无法解析；修改：写成 YYYY-MM-DD",
                      "the date {value!r} of evidence {evidence!r} cannot be read; write YYYY-MM-DD"),
    "evidence_after": ("证据 `{evidence}` 的日期 {date} 晚于评价日期 {evaluated}；"
                       "修改：只使用评价日及以前的证据",
                       "evidence {evidence!r} is dated {date}, after the evaluation date {evaluated}; "
                       "use only evidence recorded by the evaluation date"),
    "evidence_duplicate": ("证据编号 `{evidence}` 重复；修改：每条证据使用唯一编号",
                           "evidence id {evidence!r} appears twice; give each record its own id"),
    "evidence_columns": ("证据表缺少列 `{missing}`；修改：表头应含 `{columns}`",
                         "the evidence table lacks columns {missing}; its header has {columns}"),
    "appeal_evidence": ("评分中没有证据 `{evidence}`，不能对其申诉；修改：从 `{known}` 中选择",
                        "the score has no evidence {evidence!r} to appeal; choose one of {known}"),
    "appeal_decided": ("申诉 `{appeal}` 已裁决，不能再次裁决",
                       "appeal {appeal!r} is already {status}; it is decided once"),
    "appeal_date": ("裁决日期 {decided} 早于申诉日期 {filed}",
                    "the decision date {decided} is before the appeal was filed ({filed})"),
    "appeal_correction": ("驳回的申诉不能给出更正值", "a rejected appeal cannot carry a corrected value"),
    "appeal_rule": ("申诉 `{appeal}` 针对的证据 `{evidence}` 不在该评分中",
                    "appeal {appeal!r} is against evidence {evidence!r}, which is not in the score"),
    "unknown_grade": ("规则中没有等级 `{grade}`（已有：`{known}`）",
                      "no rule has grade {grade!r} (known: {known})"),
    "ambiguous_grade": ("等级 `{grade}` 在多条规则中限制不同（`{rules}`）；请写成 `规则编号/等级`",
                        "grade {grade!r} blocks differently in several rules ({rules}); write rule_id/grade"),
    # notes on a score and reasons of may_list
    "note.demonstration": ("演示规则：权重和分档为示意，非正式发布的规则",
                           "demonstration rule: illustrative weights and bands, not a published rule"),
    "note.partial": ("部分指标缺失（{missing}）：已覆盖权重 {covered}%，"
                     "分数按已有指标计算，范围 {low}–{high}",
                     "partial: {missing} missing; {covered}% of the weight covered, the score is over "
                     "the indicators with a value (range {low}-{high})"),
    "note.withheld": ("已覆盖权重 {covered}% 低于 {share}%，不评定等级",
                      "{covered}% of the weight covered, below {share}%: no grade"),
    "note.vetoed": ("一票否决（证据 `{evidence}`）：评为{grade}",
                    "one-vote veto (evidence {evidence}): graded {grade}"),
    "note.condition": ("未满足或未记录 `{requires}`，不能评为{grade}",
                       "{requires} not met or not recorded: not graded {grade}"),
    "note.unevidenced": ("以下指标没有证据记录：{codes}", "values without an evidence record: {codes}"),
    "note.pending": ("申诉待裁决：`{appeals}`", "appeals pending: {appeals}"),
    "note.appealed": ("已按申诉重新评分：`{appeals}`", "re-scored on upheld appeals: {appeals}"),
    "note.expired": ("评价已于 {date} 过期", "the score expired on {date}"),
    "note.valid": ("评价有效至 {date}（不含当日）", "the score is valid until {date} (exclusive)"),
    "list.allowed": ("等级“{grade}”不限制挂牌", "grade \"{grade}\" does not block listing"),
    "list.blocked": ("等级“{grade}”不得挂牌（规则 `{rule}` 的限制等级）",
                     "grade \"{grade}\" blocks listing (a blocking grade of rule {rule})"),
    "list.no_grade": ("未评定信用等级，不限制挂牌", "no credit grade: nothing blocks listing"),
    "list.withheld": ("信用等级未评定（已覆盖权重 {covered}% 不足），不限制挂牌",
                      "the credit grade is withheld ({covered}% of the weight covered): "
                      "nothing blocks listing"),
    "list.expired": ("信用评价已于 {date} 过期，其等级“{grade}”不再限制挂牌；请重新评价",
                     "the credit score expired on {date}: its grade \"{grade}\" no longer blocks listing; "
                     "re-evaluate"),
}, prefix="credit.")


class CreditError(EcoledgerError):
    """A credit input cannot be used (an unknown indicator, a bad value or date, an invalid appeal)."""


class CreditRuleError(EcoledgerError):
    """A credit rule table is invalid; ``problems`` lists every problem found at once."""

    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(key="credit.rules_invalid", problems=problems, file=file, count=len(problems))

    def __str__(self) -> str:
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{self.args[0]}:\n{lines}"


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    weight: float | None  # None: left empty in a template
    mode: str | None  # "bands" or "linear"; None: left empty in a template
    points: tuple[tuple[float, float], ...]  # (value, points) as written
    status: str
    source: str
    quote: str

    def score(self, value: float) -> float:
        """Points 0–100 of ``value`` (module docstring)."""
        if self.mode == "bands":
            for bound, points in self.points:
                if (value >= bound) if self.direction == "higher_better" else (value <= bound):
                    return points
            return 0.0
        xs = self.points
        if value <= xs[0][0]:
            return xs[0][1]
        for (x0, p0), (x1, p1) in itertools.pairwise(xs):
            if value <= x1:
                return p0 + (p1 - p0) * (value - x0) / (x1 - x0)
        return xs[-1][1]


@dataclass(frozen=True)
class Grade:
    rule_id: str
    code: str
    name_zh: str
    name_en: str
    score_min: float | None  # None: left empty in a template
    requires: tuple[str, str, float] | None
    blocks_listing: bool | None  # None: left empty in a template
    status: str
    source: str
    quote: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def requires_text(self) -> str:
        if self.requires is None:
            return ""
        code, op, bound = self.requires
        return f"{code}{op}{_number(bound)}"


@dataclass(frozen=True)
class Item:
    """A veto or a condition of a rule (recorded, not scored)."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    status: str
    source: str
    quote: str


@dataclass(frozen=True)
class Rule:
    rule_id: str
    subject_type: str
    name_zh: str
    name_en: str
    validity_months: int | None  # None: left empty in a template
    indicators: tuple[Indicator, ...]
    grades: tuple[Grade, ...]  # highest score_min first (a template's: as written)
    vetoes: tuple[Item, ...]
    conditions: tuple[Item, ...]
    status: str  # "template" if any row is, else "published" if every row is, else "demonstration"
    source: str
    quote: str
    file: str
    version: str
    to_fill: tuple[tuple[int, str], ...] = ()  # (row, column) a template leaves empty

    @property
    def codes(self) -> dict[str, str]:
        """Code → kind of every recorded item (indicators, vetoes, conditions)."""
        return ({i.code: "indicator" for i in self.indicators} | {v.code: "veto" for v in self.vetoes}
                | {c.code: "condition" for c in self.conditions})

    @property
    def lowest_grade(self) -> Grade:
        return min((g for g in self.grades if g.requires is None), key=lambda g: g.score_min)

    def grade(self, code: str) -> Grade:
        for grade in self.grades:
            if grade.code == code:
                return grade
        raise KeyError(f"rule {self.rule_id!r} has no grade {code!r}")

    def item(self, code: str) -> Indicator | Item:
        for item in (*self.indicators, *self.vetoes, *self.conditions):
            if item.code == code:
                return item
        raise KeyError(f"rule {self.rule_id!r} has no indicator, veto or condition {code!r}")


def _path(path: str | Path | None, bundled: str = RULES_FILE) -> tuple[bytes, str]:
    if path is None:
        resource = resources.files("ecoledger") / "data" / "registry" / bundled
        return resource.read_bytes(), f"ecoledger/data/registry/{bundled}"
    path = Path(path)
    return path.read_bytes(), path.name


def rules_version(path: str | Path | None = None) -> str:
    """The first 12 hex digits of the SHA-256 of the rule table's bytes."""
    return hashlib.sha256(_path(path)[0]).hexdigest()[:12]


class _Problems:
    def __init__(self, file: str):
        self.file = file
        self.found: list[Problem] = []

    def add(self, row: int | None, column: str, key: str, fix: str | None = None, **fields) -> None:
        fix = fix or f"{key}.fix"
        message = {lang: text(f"credit.{key}", lang, **fields) for lang in ("zh", "en")}
        fixes = {lang: text(f"credit.{fix}", lang, **fields) for lang in ("zh", "en")}
        where_en = f"row {row} · {column}" if row is not None else column
        where_zh = f"第 {row} 行 · `{column}`：" if row is not None else f"`{column}`："
        self.found.append(Problem(self.file, where_en, message["en"], fixes["en"],
                                  message_zh=where_zh + message["zh"], fix_zh=fixes["zh"]))


def _number(value: float) -> str:
    return f"{value:g}"


def _float(text_: str) -> float | None:
    try:
        value = float(text_)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _parse_scoring(spec: str) -> tuple[str, tuple[tuple[float, float], ...]] | None:
    mode, sep, rest = spec.partition(":")
    mode = mode.strip().lower()
    if not sep or mode not in ("bands", "linear"):
        return None
    pairs = []
    for part in filter(None, (p.strip() for p in rest.split(";"))):
        bound, eq, points = part.partition("=")
        b, p = _float(bound.strip()), _float(points.strip())
        if not eq or b is None or p is None:
            return None
        pairs.append((b, p))
    if not pairs or (mode == "linear" and len(pairs) < 2):
        return None
    return mode, tuple(pairs)


def _scoring_problem(mode: str, pairs, direction: str) -> str | None:
    """None if monotone, else the offending order as text."""
    order = "; ".join(f"{_number(b)}={_number(p)}" for b, p in pairs)
    for (b0, p0), (b1, p1) in itertools.pairwise(pairs):
        if mode == "bands":
            value_ok = b1 < b0 if direction == "higher_better" else b1 > b0
            if not value_ok or p1 > p0:
                return order
        else:
            points_ok = p1 >= p0 if direction == "higher_better" else p1 <= p0
            if not b1 > b0 or not points_ok:
                return order
    return None


def _read_rows(raw: bytes, problems: _Problems) -> list[tuple[int, dict[str, str]]] | None:
    try:
        content = raw.decode("utf-8-sig")
        reader = csv.reader(io.StringIO(content))
        header = next(reader, [])
        lines = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.add(None, "file", "unreadable", error=exc)
        return None
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.add(1, "header", "columns", missing=", ".join(missing), columns=",".join(COLUMNS),
                     template=TEMPLATE_FILE)
        return None
    rows = []
    for number, cells in enumerate(lines, start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append((number, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}))
    if not rows:
        problems.add(None, "file", "empty")
    return rows


def _check_rows(rows, problems: _Problems) -> dict[str, dict]:
    """Check every row; gather the parsed items per rule_id."""
    rules: dict[str, dict] = {}
    for number, r in rows:
        kind = r["kind"]
        for column in ("rule_id", "kind", "status", "source"):
            if not r[column]:
                problems.add(number, column, "required")
        if kind and kind not in KINDS:
            problems.add(number, "kind", "kind", value=kind)
            continue
        status = r["status"]
        if status and status not in STATUSES:
            problems.add(number, "status", "status", value=status)
        if status == "published" and not r["quote"]:
            problems.add(number, "quote", "required")
        if status == "demonstration" and r["source"] and not r["source"].lower().startswith("demonstration"):
            problems.add(number, "source", "demonstration")
        if not kind or not r["rule_id"]:
            continue
        # a template row may leave these empty (what it fills is checked)
        blank = {c for c in TEMPLATE_FIELDS.get(kind, ()) if status == "template" and not r[c]}
        entry = rules.setdefault(r["rule_id"], {"rule": [], "indicator": [], "veto": [], "condition": [],
                                                "grade": [], "rows": []})
        entry["rows"].append((number, r))
        entry[kind].append((number, r))
        if kind != "rule" and not r["code"]:
            problems.add(number, "code", "required")
        for column in ("name_zh", "name_en"):
            if not r[column]:
                problems.add(number, column, "required")
        if kind == "rule":
            if r["subject_type"] not in SUBJECT_TYPES:
                problems.add(number, "subject_type", "subject_type", value=r["subject_type"])
            months = _float(r["validity_months"])
            if "validity_months" not in blank and (months is None or months <= 0 or months != int(months)):
                problems.add(number, "validity_months", "validity", value=r["validity_months"])
        elif kind == "indicator":
            if not r["unit"]:
                problems.add(number, "unit", "required")
            if r["direction"] not in DIRECTIONS:
                if r["direction"]:
                    problems.add(number, "direction", "direction", value=r["direction"])
                else:
                    problems.add(number, "direction", "required")
            weight = _float(r["weight"])
            if "weight" in blank:
                pass
            elif not r["weight"]:
                problems.add(number, "weight", "required")
            elif weight is None:
                problems.add(number, "weight", "number", value=r["weight"])
            elif weight <= 0:
                problems.add(number, "weight", "weight", value=r["weight"])
            if "scoring" in blank:
                pass
            elif not r["scoring"]:
                problems.add(number, "scoring", "required")
            else:
                parsed = _parse_scoring(r["scoring"])
                if parsed is None:
                    problems.add(number, "scoring", "scoring", value=r["scoring"])
                else:
                    mode, pairs = parsed
                    for _, points in pairs:
                        if not 0 <= points <= 100:
                            problems.add(number, "scoring", "points", value=_number(points))
                            break
                    order = (_scoring_problem(mode, pairs, r["direction"])
                             if r["direction"] in DIRECTIONS else None)
                    if order is not None:
                        problems.add(number, "scoring", f"{mode}_order", order=order)
        elif kind in ("veto", "condition"):
            if not r["unit"]:
                problems.add(number, "unit", "required")
        elif kind == "grade":
            score_min = _float(r["score_min"])
            if "score_min" in blank:
                pass
            elif not r["score_min"]:
                problems.add(number, "score_min", "required")
            elif score_min is None:
                problems.add(number, "score_min", "number", value=r["score_min"])
            elif not 0 <= score_min <= TOTAL_WEIGHT:
                problems.add(number, "score_min", "score_min", value=r["score_min"])
            if r["requires"] and _REQUIRES.match(r["requires"]) is None:
                problems.add(number, "requires", "requires", value=r["requires"])
            blocks = r["blocks_listing"].lower()
            if "blocks_listing" in blank:
                pass
            elif not blocks:
                problems.add(number, "blocks_listing", "required", fix="yes_no.fix")
            elif blocks not in ("yes", "no"):
                problems.add(number, "blocks_listing", "yes_no", value=r["blocks_listing"])
    return rules


def _check_rule(rule_id: str, entry: dict, problems: _Problems) -> None:
    """Checks across the rows of one rule: its rule row, subject type, codes, weights, grades."""
    if not entry["rule"]:
        problems.add(entry["rows"][0][0], "rule_id", "rule_missing", rule=rule_id)
        subject = None
    else:
        first = entry["rule"][0][0]
        for number, _ in entry["rule"][1:]:
            problems.add(number, "kind", "rule_duplicate", rule=rule_id, other=first)
        subject = entry["rule"][0][1]["subject_type"]
    if subject in SUBJECT_TYPES:
        for number, r in entry["rows"]:
            if r["subject_type"] != subject:
                problems.add(number, "subject_type", "subject_mismatch", expected=subject)
    seen: dict[tuple[str, str], int] = {}
    for number, r in entry["rows"]:
        if r["kind"] == "rule" or not r["code"]:
            continue
        group = "grade" if r["kind"] == "grade" else "item"
        if (group, r["code"]) in seen:
            problems.add(number, "code", "code_duplicate", code=r["code"], rule=rule_id,
                         other=seen[(group, r["code"])])
        else:
            seen[(group, r["code"])] = number
    where = entry["rule"][0][0] if entry["rule"] else entry["rows"][0][0]
    if not entry["indicator"]:
        problems.add(where, "kind", "no_indicator", rule=rule_id)
    else:
        weights = [_float(r["weight"]) for _, r in entry["indicator"]]
        if all(w is not None and w > 0 for w in weights):
            total = math.fsum(weights)
            if abs(total - TOTAL_WEIGHT) > 1e-9:
                problems.add(where, "weight", "weights_sum", rule=rule_id, total=_number(total))
    if not entry["grade"]:
        problems.add(where, "kind", "no_grade", rule=rule_id)
        return
    conditions = {r["code"] for _, r in entry["condition"]}
    plain: dict[float, str] = {}
    lowest = None
    unfilled = False  # a template grade without its score_min: the cover is checked once it is filled
    for number, r in entry["grade"]:
        score_min = _float(r["score_min"])
        match = _REQUIRES.match(r["requires"]) if r["requires"] else None
        if match is not None and match.group(1) not in conditions:
            problems.add(number, "requires", "requires_unknown", fix="requires.fix", code=match.group(1))
        if r["requires"]:
            continue
        if score_min is None:
            unfilled = True
            continue
        if score_min in plain:
            problems.add(number, "score_min", "grades_overlap", other=plain[score_min],
                         value=_number(score_min))
        plain.setdefault(score_min, r["code"])
        lowest = score_min if lowest is None else min(lowest, score_min)
    if lowest is not None and lowest != 0 and not unfilled:
        problems.add(where, "score_min", "grades_cover", rule=rule_id, lowest=_number(lowest))


def validate_rules(path: str | Path | None = None) -> list[Problem]:
    """Every problem of a credit rule table (the bundled one by default), all at once."""
    return _validate(path, RULES_FILE)


def _validate(path: str | Path | None, bundled: str) -> list[Problem]:
    try:
        raw, name = _path(path, bundled)
    except OSError as exc:
        problems = _Problems(str(path))
        problems.add(None, "file", "unreadable", error=exc)
        return problems.found
    problems = _Problems(name)
    rows = _read_rows(raw, problems)
    if rows:
        for rule_id, entry in _check_rows(rows, problems).items():
            _check_rule(rule_id, entry, problems)
    return problems.found


def _item(r: dict) -> Item:
    return Item(r["code"], r["name_zh"], r["name_en"], r["unit"], r["status"], r["source"], r["quote"])


def load_rules(path: str | Path | None = None) -> dict[str, Rule]:
    """The rules of a table (the bundled rules in force by default), rule_id → Rule;
    ``CreditRuleError`` lists every problem of an invalid table. A template loads (module docstring)."""
    return _load(path, RULES_FILE)


def load_templates() -> dict[str, Rule]:
    """The bundled templates (``credit_rules_template.csv``): rules to fill, which refuse to score."""
    return _load(None, TEMPLATE_FILE)


def _load(path: str | Path | None, bundled: str) -> dict[str, Rule]:
    problems = _validate(path, bundled)
    raw, name = _path(path, bundled)
    if problems:
        raise CreditRuleError(name, problems)
    version = hashlib.sha256(raw).hexdigest()[:12]
    checker = _Problems(name)
    rules = {}
    for rule_id, entry in _check_rows(_read_rows(raw, checker) or [], checker).items():
        head = entry["rule"][0][1]
        to_fill = sorted((number, column) for number, r in entry["rows"] if r["status"] == "template"
                         for column in TEMPLATE_FIELDS.get(r["kind"], ()) if not r[column])
        indicators = []
        for _, r in entry["indicator"]:
            mode, pairs = _parse_scoring(r["scoring"]) if r["scoring"] else (None, ())
            indicators.append(Indicator(r["code"], r["name_zh"], r["name_en"], r["unit"], r["direction"],
                                        _float(r["weight"]), mode, pairs, r["status"], r["source"],
                                        r["quote"]))
        grades = []
        for _, r in entry["grade"]:
            match = _REQUIRES.match(r["requires"]) if r["requires"] else None
            requires = (match.group(1), match.group(2), float(match.group(3))) if match else None
            blocks = r["blocks_listing"].lower()
            grades.append(Grade(rule_id, r["code"], r["name_zh"], r["name_en"], _float(r["score_min"]),
                                requires, None if not blocks else blocks == "yes", r["status"], r["source"],
                                r["quote"]))
        if all(g.score_min is not None for g in grades):
            grades.sort(key=lambda g: (g.score_min, g.requires is not None), reverse=True)
        statuses = {r["status"] for _, r in entry["rows"]}
        status = ("template" if "template" in statuses
                  else "published" if statuses == {"published"} else "demonstration")
        months = _float(head["validity_months"])
        rules[rule_id] = Rule(
            rule_id, head["subject_type"], head["name_zh"], head["name_en"],
            None if months is None else int(months),
            tuple(indicators), tuple(grades), tuple(_item(r) for _, r in entry["veto"]),
            tuple(_item(r) for _, r in entry["condition"]),
            status, head["source"], head["quote"], name, version, tuple(to_fill))
    return rules


_BUNDLED: dict[str, Rule] | None = None
_TEMPLATES: dict[str, Rule] | None = None


def _bundled() -> dict[str, Rule]:
    global _BUNDLED
    if _BUNDLED is None:
        _BUNDLED = load_rules()
    return _BUNDLED


def _templates() -> dict[str, Rule]:
    global _TEMPLATES
    if _TEMPLATES is None:
        _TEMPLATES = load_templates()
    return _TEMPLATES


def rule_for(subject_type: str, rules: Mapping[str, Rule] | None = None) -> Rule:
    """The one rule of ``subject_type`` in ``rules``; a filled rule comes before a template of the same
    subject type. ``rules=None``: the bundled rules in force, else the bundled template of the subject
    type (which refuses to score, saying what to fill)."""
    given = rules
    rules = _bundled() if rules is None else rules
    found = [r for r in rules.values() if r.subject_type == subject_type]
    if not found and given is None:
        found = [r for r in _templates().values() if r.subject_type == subject_type]
    filled = [r for r in found if r.status != "template"]
    found = filled or found
    if not found:
        pool = [*rules.values(), *(_templates().values() if given is None else ())]
        known = ", ".join(sorted({r.subject_type for r in pool}))
        raise CreditError(key="credit.unknown_subject", subject=subject_type, known=known)
    if len(found) > 1:
        raise CreditError(key="credit.several_rules", subject=subject_type,
                          rules=", ".join(r.rule_id for r in found))
    return found[0]


def _template_error(rule: Rule) -> CreditError:
    """The refusal to score a template: its file, its rule, its empty fields by row, and the fix."""
    if not rule.to_fill:
        return CreditError(key="credit.template_status", rule=rule.rule_id, file=rule.file)
    rows: dict[str, list[int]] = {}
    order = [c for columns in TEMPLATE_FIELDS.values() for c in columns]
    for number, column in rule.to_fill:
        rows.setdefault(column, []).append(number)
    columns = sorted(rows, key=order.index)
    fields_zh = "；".join(f"`{c}`（第 {'、'.join(map(str, rows[c]))} 行）" for c in columns)
    fields_en = "; ".join(f"{c} (row{'s' if len(rows[c]) > 1 else ''} {', '.join(map(str, rows[c]))})"
                          for c in columns)
    return CreditError(key="credit.template", rule=rule.rule_id, file=rule.file, fields_zh=fields_zh,
                       fields_en=fields_en)


# ---------------------------------------------------------------- evidence and scores


@dataclass(frozen=True)
class Evidence:
    """One recorded value of an indicator, veto or condition, with what proves it."""

    evidence_id: str
    indicator: str
    value: float
    date: dt.date
    recorded_by: str
    description: str = ""


@dataclass(frozen=True)
class Appeal:
    appeal_id: str
    evidence_id: str
    filed_on: dt.date
    reason: str
    filed_by: str = ""
    status: str = "pending"  # pending → upheld | rejected
    decided_on: dt.date | None = None
    decided_by: str = ""
    corrected_value: float | None = None


@dataclass(frozen=True)
class ItemScore:
    code: str
    value: float
    points: float
    weight: float
    contribution: float  # weight × points / 100
    evidence_id: str


@dataclass(frozen=True)
class CreditScore:
    rule: Rule
    subject_id: str
    evaluated_on: dt.date
    score: float | None
    bounds: tuple[float, float]
    coverage: float
    missing: tuple[str, ...]
    grade: Grade | None
    grade_withheld: bool
    vetoed_by: tuple[str, ...]
    unmet: tuple[Grade, ...]  # grades reached by the score but missing their requirement
    items: tuple[ItemScore, ...]
    evidence: tuple[Evidence, ...]
    appeals: tuple[Appeal, ...] = ()
    unevidenced: tuple[str, ...] = ()
    min_coverage: float = MIN_COVERAGE
    revision: int = 0  # upheld appeals applied

    @property
    def partial(self) -> bool:
        return bool(self.missing)

    @property
    def expires_on(self) -> dt.date:
        return _add_months(self.evaluated_on, self.rule.validity_months)

    def expired(self, on: dt.date | None = None) -> bool:
        return (on or dt.date.today()) >= self.expires_on

    def status(self, on: dt.date | None = None) -> str:
        """"valid" or "expired" on the day ``on`` (today by default)."""
        return "expired" if self.expired(on) else "valid"

    @property
    def pending_appeals(self) -> tuple[Appeal, ...]:
        return tuple(a for a in self.appeals if a.status == "pending")

    def notes(self, lang: str = "zh", on: dt.date | None = None) -> list[str]:
        """What a reader must know about the score, in ``lang``."""
        out = []
        if self.rule.status == "demonstration":
            out.append(text("credit.note.demonstration", lang))
        low, high = self.bounds
        sep = "、" if lang == "zh" else "; "

        def names(codes):
            return sep.join(_name(self.rule.item(code), lang) for code in codes)

        if self.missing:
            out.append(text("credit.note.partial", lang, missing=names(self.missing),
                            covered=_number(round(100 * self.coverage, 2)), low=_number(low),
                            high=_number(high)))
        if self.grade_withheld:
            out.append(text("credit.note.withheld", lang, covered=_number(round(100 * self.coverage, 2)),
                            share=_number(100 * self.min_coverage)))
        if self.vetoed_by and self.grade is not None:
            out.append(text("credit.note.vetoed", lang, evidence=", ".join(self.vetoed_by),
                            grade=self.grade.name(lang)))
        for grade in self.unmet:
            out.append(text("credit.note.condition", lang, requires=grade.requires_text,
                            grade=grade.name(lang)))
        if self.unevidenced:
            out.append(text("credit.note.unevidenced", lang, codes=names(self.unevidenced)))
        if self.pending_appeals:
            pending = ", ".join(a.appeal_id for a in self.pending_appeals)
            out.append(text("credit.note.pending", lang, appeals=pending))
        upheld = [a.appeal_id for a in self.appeals if a.status == "upheld"]
        if upheld:
            out.append(text("credit.note.appealed", lang, appeals=", ".join(upheld)))
        key = "credit.note.expired" if self.expired(on) else "credit.note.valid"
        out.append(text(key, lang, date=self.expires_on.isoformat()))
        return out

    def to_dict(self) -> dict:
        """A JSON-ready record of the score (dates as ISO text), for the registry's store."""
        def plain(obj):
            return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(obj).items()}

        return {
            "rule_id": self.rule.rule_id, "rule_version": self.rule.version, "rule_status": self.rule.status,
            "subject_type": self.rule.subject_type, "subject_id": self.subject_id,
            "evaluated_on": self.evaluated_on.isoformat(), "expires_on": self.expires_on.isoformat(),
            "score": self.score, "bounds": list(self.bounds), "coverage": self.coverage,
            "partial": self.partial, "missing": list(self.missing),
            "grade": None if self.grade is None else self.grade.code, "grade_withheld": self.grade_withheld,
            "blocks_listing": bool(self.grade and self.grade.blocks_listing),
            "vetoed_by": list(self.vetoed_by), "unmet": [g.code for g in self.unmet],
            "items": [asdict(i) for i in self.items], "evidence": [plain(e) for e in self.evidence],
            "appeals": [plain(a) for a in self.appeals], "unevidenced": list(self.unevidenced),
            "min_coverage": self.min_coverage, "revision": self.revision,
        }

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of ``to_dict()``."""
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _name(item, lang: str) -> str:
    return item.name_zh if lang == "zh" else item.name_en


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(value, evidence_id: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise CreditError(key="credit.evidence_date", evidence=evidence_id, value=value) from None


def _value(code: str, value, unit: str) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and unit == "0/1" and value.strip().lower() in _YES | _NO:
        return 1.0 if value.strip().lower() in _YES else 0.0
    number = _float(value)
    if number is None:
        raise CreditError(key="credit.value", code=code, value=value)
    limits = {"%": (0.0, 100.0), "0/1": (0.0, 1.0)}.get(unit, (0.0, math.inf))
    if not limits[0] <= number <= limits[1]:
        raise CreditError(key="credit.value_range", code=code, value=_number(number), low=_number(limits[0]),
                          high=_number(limits[1]) if math.isfinite(limits[1]) else "∞", unit=unit)
    return number


def evidence_from_table(table) -> list[Evidence]:
    """Evidence records from a table (a pandas DataFrame or rows as mappings) with columns
    ``indicator, value, evidence_id, date, recorded_by`` and optionally ``description``."""
    rows = table.to_dict("records") if hasattr(table, "to_dict") else [dict(r) for r in table]
    needed = ("indicator", "value", "evidence_id", "date", "recorded_by")
    missing = sorted({c for r in rows for c in needed if c not in r}) if rows else []
    if missing:
        raise CreditError(key="credit.evidence_columns", missing=", ".join(missing),
                          columns=", ".join((*needed, "description")))
    return [Evidence(str(r["evidence_id"]).strip(), str(r["indicator"]).strip(), r["value"],
                     _date(r["date"], str(r["evidence_id"])), str(r["recorded_by"]).strip(),
                     str(r.get("description") or "").strip()) for r in rows]


def _records(rule: Rule, values, evaluated_on: dt.date) -> list[Evidence]:
    """Normalised evidence records (a plain number becomes a record without an evidence id)."""
    if hasattr(values, "to_dict") and not isinstance(values, Mapping):
        records = evidence_from_table(values)
    elif isinstance(values, Mapping):
        records = [given if isinstance(given, Evidence) and given.indicator == code
                   else replace(given, indicator=code) if isinstance(given, Evidence)
                   else Evidence("", code, given, evaluated_on, "", "")
                   for code, given in values.items()]
    else:
        records = [given if isinstance(given, Evidence) else evidence_from_table([given])[0]
                   for given in values]
    codes = rule.codes
    out, seen = [], set()
    for record in records:
        if record.indicator not in codes:
            raise CreditError(key="credit.unknown_indicator", rule=rule.rule_id, code=record.indicator,
                              known=", ".join(codes))
        if record.evidence_id:
            if record.evidence_id in seen:
                raise CreditError(key="credit.evidence_duplicate", evidence=record.evidence_id)
            seen.add(record.evidence_id)
        day = _date(record.date, record.evidence_id)
        if day > evaluated_on:
            raise CreditError(key="credit.evidence_after", evidence=record.evidence_id or record.indicator,
                              date=day.isoformat(), evaluated=evaluated_on.isoformat())
        unit = rule.item(record.indicator).unit
        out.append(replace(record, date=day, value=_value(record.indicator, record.value, unit)))
    return out


def _apply_appeals(rule: Rule, records: list[Evidence], appeals: Iterable[Appeal]) -> list[Evidence]:
    decided = {a.evidence_id: a for a in appeals if a.status == "upheld"}
    out = []
    for record in records:
        appeal = decided.get(record.evidence_id) if record.evidence_id else None
        if appeal is None:
            out.append(record)
        elif appeal.corrected_value is not None:
            unit = rule.item(record.indicator).unit
            out.append(replace(record, value=_value(record.indicator, appeal.corrected_value, unit)))
    return out


def score_subject(rule: Rule, values, evaluated_on: dt.date | str, subject_id: str = "",
                  appeals: Iterable[Appeal] = (), min_coverage: float = MIN_COVERAGE) -> CreditScore:
    """Score a subject under ``rule`` from its recorded values (module docstring); a template refuses."""
    if rule.status == "template":
        raise _template_error(rule)
    evaluated_on = _date(evaluated_on, "evaluated_on")
    appeals = tuple(appeals)
    records = _records(rule, values, evaluated_on)
    known = {r.evidence_id for r in records if r.evidence_id}
    for appeal in appeals:
        if appeal.evidence_id not in known:
            raise CreditError(key="credit.appeal_rule", appeal=appeal.appeal_id, evidence=appeal.evidence_id)
    effective = _apply_appeals(rule, records, appeals)
    latest: dict[str, Evidence] = {}
    for _, record in sorted(enumerate(effective), key=lambda x: (x[1].date, x[0])):
        latest[record.indicator] = record

    scored = [(indicator, latest[indicator.code], indicator.score(latest[indicator.code].value))
              for indicator in rule.indicators if indicator.code in latest]
    items = tuple(ItemScore(i.code, r.value, round(p, DECIMALS), i.weight,
                            round(i.weight * p / 100, DECIMALS), r.evidence_id) for i, r, p in scored)
    total = math.fsum(i.weight for i in rule.indicators)
    covered = math.fsum(i.weight for i, _, _ in scored)
    earned = math.fsum(i.weight * p / 100 for i, _, p in scored)
    missing = tuple(i.code for i in rule.indicators if i.code not in latest)
    coverage = covered / total
    score = round(earned / covered * 100, DECIMALS) if covered else None
    bounds = (round(earned / total * 100, DECIMALS),
              round((earned + total - covered) / total * 100, DECIMALS))

    vetoed_by = tuple(latest[v.code].evidence_id or v.code for v in rule.vetoes
                      if v.code in latest and latest[v.code].value >= 1)
    unmet: list[Grade] = []
    grade: Grade | None = None
    withheld = False
    if vetoed_by:
        grade = rule.lowest_grade
    elif score is None or coverage < min_coverage:
        withheld = True
    else:
        for candidate in rule.grades:
            if score < candidate.score_min:
                continue
            if candidate.requires is not None:
                code, op, bound = candidate.requires
                if code not in latest or not _OPS[op](latest[code].value, bound):
                    unmet.append(candidate)
                    continue
            grade = candidate
            break
    unevidenced = tuple(dict.fromkeys(r.indicator for r in records if not r.evidence_id))
    return CreditScore(rule, subject_id, evaluated_on, score, bounds, round(coverage, 6), missing, grade,
                       withheld, vetoed_by, tuple(unmet), items, tuple(records), appeals, unevidenced,
                       min_coverage, sum(1 for a in appeals if a.status == "upheld"))


# ---------------------------------------------------------------- appeals


def file_appeal(score: CreditScore, evidence_id: str, appeal_id: str, filed_on: dt.date | str, reason: str,
                filed_by: str = "") -> Appeal:
    """A pending appeal against the evidence record ``evidence_id`` of ``score``."""
    known = [e.evidence_id for e in score.evidence if e.evidence_id]
    if evidence_id not in known:
        raise CreditError(key="credit.appeal_evidence", evidence=evidence_id, known=", ".join(known))
    return Appeal(appeal_id, evidence_id, _date(filed_on, appeal_id), reason, filed_by)


def decide_appeal(appeal: Appeal, upheld: bool, decided_on: dt.date | str, decided_by: str,
                  corrected_value: float | None = None) -> Appeal:
    """The appeal upheld or rejected (once; a pending appeal only). An upheld appeal strikes the
    record out, or with ``corrected_value`` replaces its value, when the score is re-scored."""
    if appeal.status != "pending":
        raise CreditError(key="credit.appeal_decided", appeal=appeal.appeal_id, status=appeal.status)
    decided_on = _date(decided_on, appeal.appeal_id)
    if decided_on < appeal.filed_on:
        raise CreditError(key="credit.appeal_date", decided=decided_on.isoformat(),
                          filed=appeal.filed_on.isoformat())
    if not upheld and corrected_value is not None:
        raise CreditError(key="credit.appeal_correction")
    if corrected_value is not None:
        number = _float(corrected_value)
        if number is None:
            raise CreditError(key="credit.value", code=appeal.evidence_id, value=corrected_value)
        corrected_value = number
    return replace(appeal, status="upheld" if upheld else "rejected", decided_on=decided_on,
                   decided_by=decided_by, corrected_value=corrected_value)


def rescore(score: CreditScore, appeals: Iterable[Appeal]) -> CreditScore:
    """``score`` recomputed with ``appeals`` (replacing earlier versions of the same appeal ids):
    same rule, evidence, evaluation date and coverage share."""
    merged = {a.appeal_id: a for a in score.appeals}
    merged.update({a.appeal_id: a for a in appeals})
    return score_subject(score.rule, score.evidence, score.evaluated_on, score.subject_id, merged.values(),
                         score.min_coverage)


# ---------------------------------------------------------------- trading rules


def _reason(key: str, grade: Grade | None = None, **fields) -> dict[str, str]:
    return {lang: text(key, lang, **({"grade": grade.name(lang)} if grade else {}), **fields)
            for lang in ("zh", "en")}


def may_list(grade, on: dt.date | None = None,
             rules: Mapping[str, Rule] | None = None) -> tuple[bool, dict[str, str]]:
    """Whether a subject of credit ``grade`` may list a right for trading, with the reason in zh and en.

    ``grade``: a ``Grade``; a ``CreditScore`` (a withheld grade blocks nothing, an expired score
    blocks nothing and says so — ``on`` is the day, today by default); ``"rule_id/code"`` or a bare
    grade code of ``rules`` (the bundled rules by default); or None (no grade: nothing blocks).
    The blocking grades are those with ``blocks_listing = yes`` in the rule table; a grade of a
    template (which leaves ``blocks_listing`` to fill) raises ``CreditError`` ``credit.template_grade``.
    """
    if isinstance(grade, CreditScore):
        score = grade
        if score.grade is None:
            if score.grade_withheld:
                return True, _reason("credit.list.withheld", covered=_number(round(100 * score.coverage, 2)))
            return True, _reason("credit.list.no_grade")
        if score.expired(on):
            return True, _reason("credit.list.expired", score.grade, date=score.expires_on.isoformat())
        grade = score.grade
    if grade is None:
        return True, _reason("credit.list.no_grade")
    if isinstance(grade, str):
        rules = _bundled() if rules is None else rules
        rule_id, _, code = grade.rpartition("/")
        matches = [(r, g) for r in rules.values() for g in r.grades
                   if g.code == code and (not rule_id or g.rule_id == rule_id)]
        found = [g for r, g in matches if r.status != "template"]
        if not found and matches:  # only templates have it: they decide nothing yet
            raise CreditError(key="credit.template_grade", grade=code, rule=matches[0][1].rule_id)
        if not found:
            known = ", ".join(sorted({f"{g.rule_id}/{g.code}" for r in rules.values() for g in r.grades}))
            raise CreditError(key="credit.unknown_grade", grade=grade, known=known)
        if len({g.blocks_listing for g in found}) > 1:
            raise CreditError(key="credit.ambiguous_grade", grade=grade,
                              rules=", ".join(sorted({g.rule_id for g in found})))
        grade = found[0]
    if grade.blocks_listing is None:
        raise CreditError(key="credit.template_grade", grade=grade.code, rule=grade.rule_id)
    if grade.blocks_listing:
        return False, _reason("credit.list.blocked", grade, rule=grade.rule_id)
    return True, _reason("credit.list.allowed", grade)
