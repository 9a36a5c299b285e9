"""Early warning: rules read from a TOML file, evaluated on indicator series, yielding alerts.

An indicator series is a table with columns ``series`` (name), ``unit_code``, ``unit_name``,
``period`` (a year, or a date for daily series), ``value`` and ``unit``. A rule file holds
``[[rule]]`` tables::

    [[rule]]
    id = "poyang-tp-above-class-iii"     # unique
    series = "poyang_lake_tp"            # which series
    kind = "threshold"                   # threshold | exceedance_count | trend | change
    above = 0.05                         # threshold: alert on each period above (or below = …)
    severity = "high"                    # info | low | medium | high
    responsible = "江西省生态环境厅"       # optional; default: the series' unit
    message = "Poyang TP above the lake class III limit"
    basis = "GB 3838-2002 lake TP class III 0.05 mg/L"   # where the number comes from

Kinds: ``threshold`` (above/below, one alert per period beyond it); ``exceedance_count``
(above = level, count_at_least = n: periods of one year beyond the level, alert when at least
n); ``trend`` (direction = "increasing" | "decreasing", alpha: Mann–Kendall on the periods,
Sen's slope as evidence); ``change`` (drop_percent = p, optional from and to years: alert when
the value falls by at least p % between them, by default between each pair of consecutive
years). Each alert carries its rule, severity, unit, period, the evidence (values, counts,
statistics) and the responsible unit.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import tomllib
from dataclasses import asdict, dataclass, field

import pandas as pd

from ecoledger.errors import EcoledgerError
from ecoledger.monitoring.trend import mann_kendall

KINDS = ("threshold", "exceedance_count", "trend", "change")
SEVERITIES = ("info", "low", "medium", "high")
SERIES_COLUMNS = ("series", "unit_code", "unit_name", "period", "value", "unit")


class RuleError(EcoledgerError):
    """A rule file is invalid: the message names the file, the rule and the field."""


@dataclass(frozen=True)
class Rule:
    id: str
    series: str
    kind: str
    severity: str
    message: str
    basis: str = ""
    responsible: str = ""
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Alert:
    rule_id: str
    severity: str
    series: str
    unit_code: str
    unit_name: str
    period: str
    message: str
    responsible: str
    evidence: dict


REQUIRED_OPTIONS = {"threshold": (), "exceedance_count": ("above", "count_at_least"),
                    "trend": ("direction",), "change": ("drop_percent",)}


def parse_rules(text: str, file: str = "rules.toml") -> list[Rule]:
    """The rules of a TOML text; RuleError naming the file, rule and field on any mistake."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{file}: not valid TOML ({exc}); fix the syntax") from exc
    rules, seen = [], set()
    for number, raw in enumerate(document.get("rule", []), start=1):
        where = f"{file} · rule {number} ({raw.get('id', 'no id')})"
        for key in ("id", "series", "kind", "severity", "message"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise RuleError(f"{where} · {key}: missing or not text; add {key} = \"…\"")
        if raw["kind"] not in KINDS:
            raise RuleError(f"{where} · kind: {raw['kind']!r} is not one of {', '.join(KINDS)}")
        if raw["severity"] not in SEVERITIES:
            raise RuleError(f"{where} · severity: {raw['severity']!r} is not one of {', '.join(SEVERITIES)}")
        if raw["id"] in seen:
            raise RuleError(f"{where} · id: repeated; give each rule its own id")
        seen.add(raw["id"])
        options = {k: v for k, v in raw.items()
                   if k not in ("id", "series", "kind", "severity", "message", "basis", "responsible")}
        missing = [k for k in REQUIRED_OPTIONS[raw["kind"]] if k not in options]
        if raw["kind"] == "threshold" and not ({"above", "below"} & options.keys()):
            missing.append("above or below")
        if missing:
            raise RuleError(f"{where} · {', '.join(missing)}: required by kind {raw['kind']}")
        rules.append(Rule(raw["id"], raw["series"], raw["kind"], raw["severity"], raw["message"],
                          raw.get("basis", ""), raw.get("responsible", ""), options))
    if not rules:
        raise RuleError(f"{file}: no [[rule]] tables; add at least one")
    return rules


def evaluate(rules: list[Rule], series: pd.DataFrame) -> list[Alert]:
    """Every alert the rules raise on ``series`` (columns ``SERIES_COLUMNS``)."""
    alerts = []
    for rule in rules:
        chosen = series[series["series"] == rule.series]
        for (code, name), group in chosen.groupby(["unit_code", "unit_name"], sort=True):
            group = group.sort_values("period")
            alerts += [Alert(rule.id, rule.severity, rule.series, str(code), str(name), str(period),
                             rule.message, rule.responsible or _unit_label(code, name),
                             {**_rounded(evidence), "basis": rule.basis, "unit": str(group["unit"].iloc[0])})
                       for period, evidence in KIND_CHECKS[rule.kind](rule.options, group)]
    return alerts


def _unit_label(code, name) -> str:
    return str(name) if str(name) == str(code) else f"{name} ({code})"


def rules_without_data(rules: list[Rule], series: pd.DataFrame) -> list[str]:
    """Ids of the rules whose series is absent (they can raise nothing: say so, not silence)."""
    present = set(series["series"])
    return [r.id for r in rules if r.series not in present]


def _rounded(evidence: dict) -> dict:
    """Evidence with floats to 6 significant digits (51.23573771971222 → 51.2357)."""
    return {k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in evidence.items()}


def _threshold(options: dict, group: pd.DataFrame):
    for period, value in zip(group["period"], group["value"], strict=True):
        if pd.isna(value):
            continue
        if "above" in options and value > options["above"]:
            yield period, {"value": float(value), "above": options["above"]}
        elif "below" in options and value < options["below"]:
            yield period, {"value": float(value), "below": options["below"]}


def _exceedance_count(options: dict, group: pd.DataFrame):
    years = pd.to_datetime(group["period"].astype(str)).dt.year
    for year, values in group["value"].groupby(years.values):
        count = int((values > options["above"]).sum())
        if count >= options["count_at_least"]:
            yield year, {"periods_above": count, "periods": int(values.notna().sum()),
                         "above": options["above"], "count_at_least": options["count_at_least"],
                         "max": float(values.max())}


def _trend(options: dict, group: pd.DataFrame):
    result = mann_kendall(group["value"].to_numpy(float), period_years(group["period"]).to_numpy(float))
    if result["trend"] == options["direction"] and result["p"] < options.get("alpha", 0.05):
        yield f"{group['period'].iloc[0]}–{group['period'].iloc[-1]}", {
            **result,
            "direction": options["direction"], "alpha": options.get("alpha", 0.05)}


def period_years(periods: pd.Series) -> pd.Series:
    """Periods as decimal years: 2019 → 2019.0, "2019-07" or "2019-07-01" → 2019.5 (by day of year)."""
    numeric = pd.to_numeric(periods, errors="coerce")
    if numeric.notna().all():
        return numeric.astype(float)
    dates = pd.to_datetime(periods.astype(str))
    days = dates.dt.is_leap_year.map({True: 366, False: 365})
    return dates.dt.year + (dates.dt.day_of_year - 1) / days


def _change(options: dict, group: pd.DataFrame):
    values = dict(zip(group["period"].astype(int), group["value"], strict=True))
    years = sorted(values)
    pairs = [(options["from"], options["to"])] if "from" in options else list(itertools.pairwise(years))
    for start, end in pairs:
        before, after = values.get(start), values.get(end)
        if before is None or after is None or pd.isna(before) or pd.isna(after) or before <= 0:
            continue
        change = (after - before) / before * 100
        if change <= -options["drop_percent"]:
            yield f"{start}–{end}", {"from": int(start), "to": int(end), "value_from": float(before),
                                     "value_to": float(after), "change_percent": round(change, 2),
                                     "drop_percent": options["drop_percent"]}


KIND_CHECKS = {"threshold": _threshold, "exceedance_count": _exceedance_count, "trend": _trend,
               "change": _change}


def alerts_frame(alerts: list[Alert]) -> pd.DataFrame:
    columns = [f.name for f in Alert.__dataclass_fields__.values()]
    return pd.DataFrame([{**asdict(a), "evidence": json.dumps(a.evidence, ensure_ascii=False, default=str)}
                         for a in alerts], columns=columns)


def alerts_csv(alerts: list[Alert]) -> bytes:
    """Alerts as CSV (UTF-8 with BOM for Excel); evidence as JSON text."""
    out = io.StringIO()
    alerts_frame(alerts).to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return out.getvalue().encode("utf-8-sig")
