"""Rule files (TOML) of the applications and the one chain that applies them.

A rule file names its ``kind`` (transfer, purchase, basin_fund, p_index, gep_compensation,
assessment), the units it applies to and its coefficients — numbers or ``"param:<id>"`` rows
of ``policy_parameters.csv``. Tables the rule needs (scores, samples) are CSV files named
relative to the rule file. ``illustrative = true`` marks inputs that are not monitoring data;
every output then says so. See docs/applications.md for each kind's fields and
examples/applications/ for one file of each.

With the accounts' draws (``intervals.read``), the amounts that follow from the accounts
(transfers, purchases, GEP-based compensation) get their median and 5–95 % interval beside them
(``amount_median_yuan``, ``amount_p05_yuan``, ``amount_p95_yuan``, …) and the record says how
(``record["uncertainty"]``).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ecoledger import messages
from ecoledger.applications import assessment, compensation, intervals, parameters, transfer
from ecoledger.applications.errors import ApplicationError

ILLUSTRATIVE = "illustrative input, not monitoring data / 示例输入，非监测数据"
KINDS = ("transfer", "purchase", "basin_fund", "p_index", "gep_compensation", "assessment")


@dataclass
class Result:
    """What an application produced: the explaining table and the record of how."""

    kind: str
    title: str
    table: pd.DataFrame
    record: dict = field(default_factory=dict)


@dataclass
class Rule:
    path: Path
    data: dict
    refs: list = field(default_factory=list)

    @classmethod
    def read(cls, path: str | Path) -> Rule:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ApplicationError(path, "file", "not found", "give the path of a rule file (TOML)") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ApplicationError(path, "TOML", str(exc), "fix the TOML syntax at that line") from exc
        rule = cls(path, data)
        if rule.get("kind", str) not in KINDS:
            raise ApplicationError(path, "kind", f"{data.get('kind')!r} is not a rule kind",
                                   f"use one of: {', '.join(KINDS)}")
        return rule

    def get(self, key: str, kind=None, default=..., where: dict | None = None, label: str | None = None):
        source = self.data if where is None else where
        label = label or key
        if key not in source:
            if default is ...:
                raise ApplicationError(self.path, label, "missing", f"add {key} = … to the rule file")
            return default
        raw = source[key]
        if kind is float:
            self.refs.append(raw)
            return parameters.value(raw, str(self.path), label)
        if kind is not None and not isinstance(raw, kind):
            raise ApplicationError(self.path, label, f"{raw!r} is not a {kind.__name__}",
                                   f"give {key} as a {kind.__name__}")
        return raw

    def table(self, key: str, columns: tuple[str, ...]) -> pd.DataFrame:
        name = self.get(key, str)
        folder = self.path.parent.resolve()
        path = (folder / name).resolve()
        if path.parent != folder:  # a rule names a table beside it, never a file elsewhere on the host
            raise ApplicationError(self.path, key, f"{name} is not in the rule file's folder",
                                   "put the table next to the rule file and give its bare file name")
        if not path.is_file():
            raise ApplicationError(self.path, key, f"{name} not found next to the rule file",
                                   "give a CSV path relative to the rule file")
        frame = pd.read_csv(path, dtype={"code": str}, comment="#")
        missing = [c for c in columns if c not in frame]
        if missing:
            raise ApplicationError(path.name, ", ".join(missing), "columns missing",
                                   f"the header must hold {', '.join(columns)}")
        return frame

    def entries(self, key: str) -> list[dict]:
        found = self.get(key, list)
        if not found or not all(isinstance(e, dict) for e in found):
            raise ApplicationError(self.path, key, "no entries", f"add at least one [[{key}]] table")
        return found

    def record(self) -> dict:
        return {"rule_file": self.path.name,
                "rule_sha256": hashlib.sha256(self.path.read_bytes()).hexdigest(),
                "rule": self.data, "policy_table_version": parameters.version(),
                "parameters_used": parameters.cited(self.refs),
                "illustrative": bool(self.data.get("illustrative", False))}


def chosen_units(rule: Rule, units: pd.DataFrame) -> pd.DataFrame:
    level = rule.get("level", str, None)
    codes = rule.get("units", list, None)
    chosen = units if level is None else units[units["level"] == level]
    if codes is not None:
        codes = [str(c) for c in codes]
        unknown = [c for c in codes if c not in units.index]
        if unknown:
            raise ApplicationError(rule.path, "units", f"unknown unit codes {', '.join(unknown)}",
                                   "use codes present in the accounts")
        chosen = units.loc[codes]
    if chosen.empty:
        raise ApplicationError(rule.path, "level", f"no units of level {level!r} in the accounts",
                               "use province, city or county")
    return chosen


def basis_column(rule: Rule, units: pd.DataFrame, basis: str, label: str) -> str:
    if basis not in units:
        known = [c for c in units.columns if c not in ("name", "level", "year")]
        raise ApplicationError(rule.path, label, f"no basis {basis!r} in the accounts",
                               f"use one of: {', '.join(known)}")
    return basis


def apply(rule_path: str | Path, units: pd.DataFrame, draws: intervals.UnitDraws | None = None) -> Result:
    """Apply a rule file to the unit table (``accounts.load`` or the platform's equivalent);
    with ``draws`` (the same accounts' draws, ``intervals.read``; by default those of the folder
    ``accounts.load`` read, when it holds them) the amounts that follow from the accounts get their
    median and 5–95 % interval."""
    rule = Rule.read(rule_path)
    kind = rule.get("kind", str)
    title = rule.get("title", str, kind)
    chain = {"transfer": _transfer, "purchase": _purchase, "basin_fund": _basin_fund, "p_index": _p_index,
             "gep_compensation": _gep_compensation, "assessment": _assessment}[kind]
    if draws is None and kind in _DRAWN and units.attrs.get("accounts_folder"):
        draws = intervals.read(units.attrs["accounts_folder"], units.attrs.get("previous_folder"))
    bound = draws.for_units(units) if draws is not None else None
    collector = intervals.Collector(bound) if bound is not None else None
    table = chain(rule, units, collector) if kind in _DRAWN else chain(rule, units)
    record = rule.record()
    if collector is not None and collector.record() is not None:
        record["uncertainty"] = collector.record()
    elif draws is not None and bound is None and kind in _DRAWN:
        record["uncertainty"] = {"draws": draws.count, "columns": {},
                                 "reason": messages.text("app.interval.not_these_accounts", "en")}
    if record["illustrative"]:
        table.insert(0, "input_status", ILLUSTRATIVE)
    record["accounts_year"] = int(units["year"].dropna().iloc[0]) if units["year"].notna().any() else None
    return Result(kind, title, table, record)


def _transfer(rule: Rule, units: pd.DataFrame, draws: intervals.Collector | None = None) -> pd.DataFrame:
    chosen = chosen_units(rule, units)
    budget = rule.get("budget_yuan", float)
    factors = {}
    for i, f in enumerate(rule.entries("factor")):
        label = f"factor[{i}]"
        name = rule.get("name", str, where=f, label=f"{label}.name")
        factors[name] = (basis_column(rule, chosen, rule.get("basis", str, where=f, label=f"{label}.basis"),
                                      f"{label}.basis"),
                         rule.get("weight", float, where=f, label=f"{label}.weight"))
    total = sum(w for _, w in factors.values())
    if not np.isclose(total, 1.0):
        raise ApplicationError(rule.path, "factor.weight", f"the weights sum to {total:g}",
                               "make them sum to 1")
    floor = rule.get("floor_yuan", float, 0.0)
    cap = rule.get("cap_share", float, None)
    cap = np.inf if cap is None else cap * budget
    try:
        table = transfer.allocate(chosen, budget, factors, floor, cap)
    except ValueError as exc:
        raise ApplicationError(rule.path, "budget_yuan / floor_yuan / cap_share", str(exc),
                               "lower the floor, raise the cap or change the budget") from exc
    if draws is not None:
        drawn = draws.basis(chosen, [column for column, _ in factors.values()])
        amounts = intervals.allocate({f: drawn[column] for f, (column, _) in factors.items()},
                                     {f: w for f, (_, w) in factors.items()}, budget, floor, cap)
        draws.add(table, "amount_yuan", amounts)
        draws.add(table, "share", amounts / budget if budget > 0 else amounts * 0.0)
    return table


def _purchase(rule: Rule, units: pd.DataFrame, draws: intervals.Collector | None = None) -> pd.DataFrame:
    chosen = chosen_units(rule, units)
    items = rule.get("items", list)
    columns = [basis_column(rule, chosen, f"item:{i}", "items") for i in items]
    value = chosen[columns].sum(axis=1, min_count=1)
    shares, conditions = [], []
    for i, entry in enumerate(rule.entries("instalment")):
        shares.append(rule.get("share", float, where=entry, label=f"instalment[{i}].share"))
        column = rule.get("condition", str, None, where=entry, label=f"instalment[{i}].condition")
        if column is not None and column not in chosen:
            raise ApplicationError(rule.path, f"instalment[{i}].condition", f"no indicator {column!r}",
                                   "give an indicators file with this indicator (1 met, 0 not met)")
        conditions.append(None if column is None else chosen[column].map({1: True, 0: False}))
    rate = rule.get("rate", float)
    try:
        out = transfer.purchase(value, rate, shares, conditions)
    except ValueError as exc:
        raise ApplicationError(rule.path, "instalment.share", str(exc), "make the shares sum to 1") from exc
    out.insert(0, "name", chosen["name"])
    if draws is not None:
        drawn = intervals.purchase(draws.basis(chosen, columns), rate, shares, conditions, chosen.index)
        for column in ("price_yuan", "paid_yuan"):
            draws.add(out, column, drawn[column])
    return out


def _basin_fund(rule: Rule, units: pd.DataFrame) -> pd.DataFrame:
    scores = rule.table("scores", ("code",)).set_index("code")
    weights = {}
    for i, f in enumerate(rule.entries("factor")):
        name = rule.get("name", str, where=f, label=f"factor[{i}].name")
        if name not in scores:
            raise ApplicationError(rule.path, f"factor[{i}].name",
                                   f"no column {name!r} in {rule.get('scores')}",
                                   "name a score column of the scores file")
        weights[name] = rule.get("weight", float, where=f, label=f"factor[{i}].weight")
    try:
        out = compensation.basin_fund(rule.get("fund_yuan", float), scores, weights,
                                      scores.get("coefficient"), scores.get("penalty"))
    except ValueError as exc:
        raise ApplicationError(rule.get("scores"), "penalty", str(exc),
                               "give penalties as fractions 0–1") from exc
    names = scores["name"] if "name" in scores else units["name"].reindex(scores.index)
    out.insert(0, "name", names)
    return out


def _p_index(rule: Rule, units: pd.DataFrame) -> pd.DataFrame:
    samples = rule.table("samples", ("indicator", "concentration"))
    entries = rule.entries("indicator")
    names = [rule.get("name", str, where=e, label=f"indicator[{i}].name") for i, e in enumerate(entries)]
    baseline = pd.Series({n: rule.get("baseline", float, where=e, label=f"indicator[{i}].baseline")
                          for i, (n, e) in enumerate(zip(names, entries, strict=True))})
    weights = pd.Series({n: rule.get("weight", float, where=e, label=f"indicator[{i}].weight")
                         for i, (n, e) in enumerate(zip(names, entries, strict=True))})
    try:
        means = compensation.annual_means(samples, names, int(rule.get("min_samples", float, 1)))
    except ValueError as exc:
        raise ApplicationError(rule.get("samples"), "concentration", str(exc),
                               "add the missing samples or lower min_samples in the rule") from exc
    k0 = rule.get("k0", float)
    p = compensation.p_index(means["mean"], baseline, weights, k0)
    upstream, downstream = rule.get("upstream", str), rule.get("downstream", str)
    decision = compensation.direction(p, rule.get("threshold", float), upstream, downstream,
                                      rule.get("amount_yuan", float))
    table = pd.DataFrame({"indicator": names, "samples": means["count"].to_numpy(),
                          "mean_concentration_mg_l": means["mean"].to_numpy(),
                          "baseline_mg_l": baseline.to_numpy(), "weight": weights.to_numpy()})
    table["ratio"] = table["mean_concentration_mg_l"] / table["baseline_mg_l"]
    table["term"] = k0 * table["weight"] * table["ratio"]
    # the decision (who pays whom, how much) belongs to the P row only: repeated on every indicator
    # row, a column sum counted the one payment once per indicator (5 × the amount)
    table = pd.concat([table, pd.DataFrame([{"indicator": "P", "term": p, **decision}])], ignore_index=True)
    table["k0"] = k0
    return table


def _gep_compensation(rule: Rule, units: pd.DataFrame,
                      draws: intervals.Collector | None = None) -> pd.DataFrame:
    rows, drawn = [], []
    for i, e in enumerate(rule.entries("payment")):
        label = f"payment[{i}]"
        provider = str(rule.get("provider", None, where=e, label=f"{label}.provider"))
        beneficiary = str(rule.get("beneficiary", None, where=e, label=f"{label}.beneficiary"))
        for code, key in ((provider, "provider"), (beneficiary, "beneficiary")):
            if code not in units.index:
                raise ApplicationError(rule.path, f"{label}.{key}", f"unknown unit {code}",
                                       "use a code of the accounts")
        basis = basis_column(rule, units, rule.get("basis", str, where=e, label=f"{label}.basis"),
                             f"{label}.basis")
        share = rule.get("beneficiary_share", float, where=e, label=f"{label}.beneficiary_share")
        rate = rule.get("rate", float, where=e, label=f"{label}.rate")
        value = units.at[provider, basis]
        amount = compensation.gep_payment(value, share, rate)
        payer, payee = units.at[beneficiary, "name"], units.at[provider, "name"]
        rows.append({"payer": beneficiary, "payer_name": payer, "payee": provider, "payee_name": payee,
                     "basis": basis, "basis_value_yuan": value, "beneficiary_share": share, "rate": rate,
                     "amount_yuan": amount,
                     "reason": (f"{payer} uses {share:.0%} of {payee}'s {basis} and pays {rate:.2%} of "
                                "its value" if pd.notna(value)
                                else f"{basis} of {provider} is missing: no amount")})
        if draws is not None:  # rate × share × the provider's basis in every draw
            drawn.append(rate * share * draws.basis(units.loc[[provider]], [basis])[basis][:, 0])
    table = pd.DataFrame(rows)
    if draws is not None:
        draws.add(table, "amount_yuan", np.stack(drawn, axis=1))
    return table


# the kinds whose amounts follow from the accounts: they take the draws
_DRAWN = ("transfer", "purchase", "gep_compensation")


def _assessment(rule: Rule, units: pd.DataFrame) -> pd.DataFrame:
    chosen = chosen_units(rule, units)
    indicators = []
    for i, e in enumerate(rule.entries("indicator")):
        label = f"indicator[{i}]"
        direction = rule.get("direction", str, "higher", where=e, label=f"{label}.direction")
        if direction not in ("higher", "lower"):
            raise ApplicationError(rule.path, f"{label}.direction", f"{direction!r} is not a direction",
                                   'use "higher" or "lower"')
        target = rule.get("target", float, None, where=e, label=f"{label}.target")
        name = rule.get("name", str, where=e, label=f"{label}.name")
        indicators.append(assessment.Indicator(
            basis_column(rule, chosen, name, f"{label}.name"),
            rule.get("weight", float, where=e, label=f"{label}.weight"), direction == "higher", target))
    total = sum(i.weight for i in indicators)
    if not np.isclose(total, 1.0):
        raise ApplicationError(rule.path, "indicator.weight", f"the weights sum to {total:g}",
                               "make them sum to 1")
    return assessment.assess(chosen, indicators)
