"""`ecoledger carbon …`: dual control, product footprints and labels, forest sinks, carbon inclusion."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import CATALOGUE, register

app = typer.Typer(cls=Group, name="carbon", no_args_is_help=True)
EXAMPLES = "examples/carbon"  # in the source repository (cli._paths)
JIANGXI_STATISTICS = "data/jiangxi/statistics/jiangxi_statistics.csv"
JIANGXI_ACCOUNTS = "out/jiangxi-2019/accounts.csv"  # the main job's, in the source repository (cli._paths)
OUT = ("输出文件夹", "output folder")

declare("carbon", {
    "": ("碳：能耗双控、产品碳足迹与标签、碳汇、碳普惠。",
         "Carbon: dual control, product footprints and labels, sinks, carbon inclusion."),
})
declare("carbon.demo", {
    "": ("江西示例：强度路径与目标对比、一个标签、一个碳汇项目、一本碳普惠账本、声明检查。",
         "The Jiangxi demo: intensity path vs target, a label, a sink project, an inclusion "
         "ledger, claims."),
    "out": ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)"),
    "statistics": (f"统计数据 CSV（长表）；默认：仓库中的 {JIANGXI_STATISTICS}",
                   f"statistics CSV (long format); default: the repository's {JIANGXI_STATISTICS}"),
    "accounts": (f"用于碳汇与 GEP 关联的 GEP accounts.csv；默认：仓库中的 {JIANGXI_ACCOUNTS}（如存在）",
                 f"GEP accounts.csv for the sink/GEP link; default: the repository's "
                 f"{JIANGXI_ACCOUNTS} if present"),
    "examples": (f"示例输入所在文件夹；默认：仓库中的 {EXAMPLES}",
                 f"folder of the example inputs; default: the repository's {EXAMPLES}"),
    "add_statistics": ("填好的统计模板（CSV 或 XLSX，含能源统计），其年份加入清单和双控路径；可重复",
                       "a filled statistics template (CSV or XLSX, with the energy rows) whose years join "
                       "the inventory and the dual-control path; repeatable"),
})
declare("carbon.footprint", {
    "": ("用 Brightway 计算产品系统 JSON 的产品碳足迹；可同时签发标签。",
         "Product carbon footprint of a product-system JSON with Brightway; optionally a label."),
    "system": ("产品系统 JSON", "the product-system JSON"),
    "out": OUT,
    "label_id": ("标签编号；留空：不签发标签", "label id; empty: no label"),
    "verifier": ("核查该研究的机构或人员", "who verified the study"),
    "valid_years": ("标签有效年数", "years the label is valid"),
})
declare("carbon.verify-label", {
    "": ("检查已写出的标签文件夹；记录或任一标签文件被改动时退出码为 1。",
         "Check a written label folder; exit code 1 if the record or a label file was changed."),
    "folder": ("标签文件夹", "the label folder"),
})
declare("carbon.inventory", {
    "": ("各单位各年的 CO₂ 排放总量和强度（inventory.csv），以及一个单位相对“十四五”目标的路径"
         "（dual_control.json）；没有统计数据的年份记为缺失。",
         "CO₂ totals and intensity of every unit and year (inventory.csv), and one unit's path "
         "against the 14th FYP target (dual_control.json); years without statistics are written "
         "as missing."),
    "statistics": ("统计数据 CSV（长表）", "the statistics CSV (long format)"),
    "out": OUT,
    "code": ("绘制其相对目标路径的单位代码", "unit whose path against the target is drawn"),
    "first_year": ("第一个年份", "first year"),
    "last_year": ("最后一个年份", "last year"),
    "series": ("电网排放因子系列：`mee_nbs_consumption` 或 `mee_reporting`",
               "grid series: mee_nbs_consumption or mee_reporting"),
})
declare("carbon.sink", {
    "": ("森林碳汇项目 JSON 的可计入清除量（碳储量差法，CCER-14-001 结构）。",
         "Creditable removals of a forest sink project JSON (stock difference, CCER-14-001 "
         "structure)."),
    "project": ("碳汇项目 JSON", "the sink project JSON"),
    "json_record": ("输出完整的 JSON 结果记录，而不是逐行摘要", "print the whole result record as JSON"),
})
declare("carbon.factors", {
    "": ("因子库：编号、数值、单位、年份、系列、可信度。",
         "The factor registry: id, value, unit, year, series, confidence."),
})
declare("carbon.import-database", {
    "": ("导入您持有许可的 ecospold2 数据库（ecoinvent、ecospold2 格式的 CLCD），用于碳足迹。\n\n"
         "请先将 BRIGHTWAY2_DIR 设为一个长期保存的文件夹；之后碳足迹可用 `activity: \\[name, code]` 引用。",
         "Import a licensed ecospold2 database you hold (ecoinvent, CLCD as ecospold2) for "
         "footprints.\n\nSet BRIGHTWAY2_DIR to a lasting folder first; footprints then use it as "
         "activity: \\[name, code]."),
    "folder": ("ecospold2 文件夹", "the ecospold2 folder"),
    "name": ("导入后的数据库名称", "name of the imported database"),
})
register({
    "wrote": ("已写出 {path}", "wrote {path}"),
    "footprint": ("每 {unit} {total:.6g} kg CO₂e → {out}", "{total:.6g} kg CO2e per {unit} → {out}"),
    "label_ok": ("✔ 标签与签发时一致", "✔ label is as issued"),
    "label_problem": ("✘ {problem}", "✘ {problem}"),
    "label.hash": ("记录内容与签发时不同（哈希不一致）",
                   "the record's content differs from what was issued (hash mismatch)"),
    "label.missing": ("{name} 缺失", "{name} is missing"),
    "label.changed": ("{name} 在签发后被改动", "{name} was changed after issue"),
    "inventory": ("{rows} 个单位-年；{code} 缺少数据的年份：{missing} → {out}",
                  "{rows} unit-years; {code} missing years: {missing} → {out}"),
    "none": ("无", "none"),
    "separator": ("、", ", "),
    "registry": ("因子库版本 {version}（{path}）", "registry version {version} ({path})"),
    "factor_columns": ("编号 数值 单位 年份 系列 可信度", "id value unit year series confidence"),
    "imported": ("已将 {count} 个活动导入 {name}", "{count} activities imported into {name}"),
    "confidence.verified": ("已核实", "verified"),
    "confidence.memory": ("凭记忆（待核实）", "from memory (to verify)"),
    "confidence.secondary": ("二手来源", "secondary source"),
    "confidence.policy": ("政策设定", "policy setting"),
    # the demo's summary (summary.json holds it as a record)
    "demo.registry_version": ("因子库版本：{value}", "factor registry version: {value}"),
    "demo.missing_years": ("全省缺少统计数据的年份：{value}", "years without provincial statistics: {value}"),
    "demo.electricity": ("{year} 年与电力相关的 CO₂（用电量 × 电网因子，非辖区总量）：{value:,.0f} 吨",
                         "{year} electricity-related CO2 (use × grid factor, not the territorial total): "
                         "{value:,.0f} t"),
    "demo.target": ("强度目标：{target}（{year} 年，{note}）", "intensity target: {target} ({year}, {note})"),
    "demo.footprint": ("产品碳足迹：{value:.4g} kg CO₂e", "product footprint: {value:.4g} kg CO2e"),
    "demo.label_code": ("标签核验码：{value}", "label verification code: {value}"),
    "demo.sink": ("碳汇项目可计入清除量：{value:,.1f} t CO₂/年，占 GEP 森林固碳的 {share}",
                  "sink project creditable removals: {value:,.1f} t CO2/yr, {share} of GEP forest "
                  "sequestration"),
    "demo.inclusion": ("碳普惠减排量：{value:.4g} kg CO₂e",
                       "carbon inclusion reductions: {value:.4g} kg CO2e"),
    "demo.balance": ("  {account}：{balances}", "  {account}: {balances}"),
    "demo.balance_on": ("{date} 余额 {points}", "{points} on {date}"),
    "demo.tamper": ("改动过的账本副本被识别：{value}", "tampered ledger copy detected: {value}"),
    "demo.claims": ("被拒绝的重复声明：{value} 项", "claims refused: {value}"),
    "demo.summary": ("完整摘要：{path}", "the whole summary: {path}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "share_unknown": ("未知（没有 GEP 核算结果）", "unknown (no GEP accounts)"),
    # a sink project's result
    "sink.project": ("项目：{value}", "project: {value}"),
    "sink.county": ("县：{value}", "county: {value}"),
    "sink.years": ("年份：{first}–{last}", "years: {first}–{last}"),
    "sink.tree_carbon": ("林木碳储量：{first:,.1f} → {last:,.1f} t C",
                         "tree carbon: {first:,.1f} → {last:,.1f} t C"),
    "sink.removal": ("清除量：{value:,.1f} t CO₂/年", "removals: {value:,.1f} t CO2/yr"),
    "sink.emissions": ("项目排放：{value:,.1f} t CO₂/年", "project emissions: {value:,.1f} t CO2/yr"),
    "sink.baseline": ("基线：{value:,.1f} t CO₂/年", "baseline: {value:,.1f} t CO2/yr"),
    "sink.leakage": ("泄漏：{value:,.1f} t CO₂/年", "leakage: {value:,.1f} t CO2/yr"),
    "sink.deduction": ("不确定性扣减：{value:.0%}", "uncertainty deduction: {value:.0%}"),
    "sink.creditable": ("可计入清除量：{value:,.1f} t CO₂/年", "creditable removals: {value:,.1f} t CO2/yr"),
    "sink.factors": ("所用因子：{ids}", "factors used: {ids}"),
}, prefix="cli.carbon.")


def _registry():
    from ecoledger.carbon.factors import default_registry

    return default_registry()


@app.command(cls=Command)
def demo(
    out: Annotated[Path, typer.Option()] = Path("out/carbon"),
    statistics: Annotated[Path | None, typer.Option()] = None,
    accounts: Annotated[Path | None, typer.Option()] = None,
    examples: Annotated[Path | None, typer.Option()] = None,
    add_statistics: Annotated[list[Path] | None, typer.Option()] = None,
) -> None:
    """The Jiangxi demo: intensity path vs target, a label, a sink project, an inclusion ledger, claims."""
    from ecoledger.carbon.demo import run_demo
    from ecoledger.cli._paths import shipped

    statistics = statistics or shipped(JIANGXI_STATISTICS, "--statistics")
    examples = examples or shipped(EXAMPLES, "--examples")
    require(statistics, "the statistics CSV", "--statistics", folder=False)
    require(examples, "the example inputs", "--examples", folder=True)
    if accounts is None:
        from ecoledger.cli._paths import REPOSITORY

        found = REPOSITORY / JIANGXI_ACCOUNTS
        accounts = found if found.is_file() else None
    else:
        require(accounts, "the GEP accounts.csv", "--accounts", folder=False)
    for name in ("product_system.json", "sink_project.json", "inclusion_actions.csv"):
        require(examples / name, "an example input", "--examples", folder=False)
    for filled in add_statistics or []:
        require(filled, "a filled statistics template", "--add-statistics", folder=False)
    summary = run_demo(
        out,
        statistics,
        examples / "product_system.json",
        examples / "sink_project.json",
        examples / "inclusion_actions.csv",
        _registry(),
        accounts,
        tuple(add_statistics or ()),
    )
    _print_demo(summary, out)
    typer.echo(text("carbon.wrote", path=out / "index.html"))


@app.command(cls=Command)
def footprint(
    system: Path,
    out: Annotated[Path, typer.Option()],
    label_id: Annotated[str, typer.Option()] = "",
    verifier: Annotated[str, typer.Option()] = "",
    valid_years: int = 3,
) -> None:
    """Product carbon footprint of a product-system JSON with Brightway; optionally a label."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.carbon import footprint as pcf
    from ecoledger.carbon import label

    require(system, "the product-system JSON", "SYSTEM", folder=False)
    result = pcf.compute(pcf.load_product_system(system), _registry())
    with atomic_directory(out) as folder:
        (folder / "footprint.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        if label_id:
            record = label.make_record(
                result, label_id, dt.date.today(), valid_years, verifier or "not verified"
            )
            label.write_label(record, folder / "label")
    typer.echo(text("carbon.footprint", total=result["total_kg_co2e"], unit=result["declared_unit"],
                    out=out))


@app.command("verify-label", cls=Command)
def verify_label(folder: Path) -> None:
    """Check a written label folder; exit code 1 if the record or a label file was changed."""
    from ecoledger.carbon import label

    require(folder, "the label folder", "FOLDER", folder=True)
    problems = label.verify_label_folder(folder)
    for problem in problems:
        typer.echo(text("carbon.label_problem", problem=_label_problem(problem)))
    if problems:
        raise typer.Exit(1)
    typer.echo(text("carbon.label_ok"))


@app.command(cls=Command)
def inventory(
    statistics: Path,
    out: Annotated[Path, typer.Option()],
    code: Annotated[str, typer.Option()] = "360000",
    first_year: int = 2019,
    last_year: int = 2024,
    series: Annotated[str, typer.Option()] = "mee_nbs_consumption",
) -> None:
    """CO₂ totals and intensity of every unit and year (inventory.csv), and one unit's path against
    the 14th FYP target (dual_control.json); years without statistics are written as missing."""
    import csv

    from ecoledger.atomic import atomic_directory
    from ecoledger.carbon import inventory as inv

    require(statistics, "the statistics CSV", "STATISTICS", folder=False)
    table = inv.read_statistics(statistics)
    years = list(range(first_year, last_year + 1))
    rows = inv.inventory(table, _registry(), series=series, years=years)
    result = inv.dual_control(table, _registry(), code, years, series=series)
    columns = (
        "code",
        "year",
        "co2_t",
        "gdp_yuan",
        "gdp_basis",
        "intensity_t_per_10k_yuan",
        "status",
        "series",
    )
    with atomic_directory(out) as folder:
        with open(folder / "inventory.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*columns, "not_reported", "conflicting"])
            for r in rows:
                writer.writerow(
                    [("" if r[c] is None else r[c]) for c in columns]
                    + [" ".join(r["not_reported"]), " ".join(r["conflicting"])]
                )
        (folder / "dual_control.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    missing = text("carbon.separator").join(map(str, result["missing_years"])) or text("carbon.none")
    typer.echo(text("carbon.inventory", rows=len(rows), code=code, missing=missing, out=out))


@app.command(cls=Command)
def sink(project: Path, json_record: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Creditable removals of a forest sink project JSON (stock difference, CCER-14-001 structure)."""
    from ecoledger.carbon import forest

    require(project, "the sink project JSON", "PROJECT", folder=False)
    result = forest.load_project(project).result(_registry())
    if json_record:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for key in ("project", "county"):
        typer.echo(text(f"carbon.sink.{key}", value=result[key]))
    typer.echo(text("carbon.sink.years", first=result["years"][0], last=result["years"][-1]))
    typer.echo(text("carbon.sink.tree_carbon", first=result["tree_carbon_t_c"][0],
                    last=result["tree_carbon_t_c"][-1]))
    for key, field in (("removal", "removal_t_co2_per_yr"),
                       ("emissions", "project_emissions_t_co2_per_yr"),
                       ("baseline", "baseline_t_co2_per_yr"), ("leakage", "leakage_t_co2_per_yr"),
                       ("deduction", "uncertainty_deduction"),
                       ("creditable", "creditable_t_co2_per_yr")):
        typer.echo(text(f"carbon.sink.{key}", value=result[field]))
    typer.echo(text("carbon.sink.factors",
                    ids=text("carbon.separator").join(f["id"] for f in result["factors"])))


@app.command(cls=Command)
def factors() -> None:
    """The factor registry: id, value, unit, year, series, confidence."""
    registry = _registry()
    typer.echo(text("carbon.registry", version=registry.version, path=registry.path))
    typer.echo(text("carbon.factor_columns"))
    for f in registry.factors.values():
        typer.echo(f"{f.id:40} {f.value:>10g} {f.unit:22} {f.year or '':5} {f.series:22} "
                   f"{_confidence(f.confidence)}")


@app.command("import-database", cls=Command)
def import_database(folder: Path, name: str) -> None:
    """Import a licensed ecospold2 database you hold (ecoinvent, CLCD as ecospold2) for footprints.

    Set BRIGHTWAY2_DIR to a lasting folder first; footprints then use it as ``activity: [name, code]``.
    """
    from ecoledger.carbon import footprint as pcf

    require(folder, "the ecospold2 folder", "FOLDER", folder=True)
    typer.echo(text("carbon.imported", count=pcf.import_ecospold2(folder, name), name=name))


def _confidence(confidence: str) -> str:
    key = f"carbon.confidence.{confidence}"
    return text(key) if f"cli.{key}" in CATALOGUE else confidence


# carbon.label words a label's problems in English only; each known one has its catalogue key
_LABEL_PROBLEMS = ((re.compile(r"the record's content differs from what was issued \(hash mismatch\)"),
                    "carbon.label.hash"),
                   (re.compile(r"(?P<name>.+) is missing"), "carbon.label.missing"),
                   (re.compile(r"(?P<name>.+) was changed after issue"), "carbon.label.changed"))


def _label_problem(problem: str) -> str:
    """A problem of ``carbon.label.verify_label_folder`` in the command's language."""
    for pattern, key in _LABEL_PROBLEMS:
        found = pattern.fullmatch(problem)
        if found:
            return text(key, **found.groupdict())
    return problem


def _print_demo(summary: dict, out: Path) -> None:
    """The demo's headline figures, one line each (``summary.json`` holds them as a record)."""
    yes_no = {True: text("carbon.yes"), False: text("carbon.no")}
    target = summary["target"]
    note = target.get("note_zh") if language() == "zh" and target.get("note_zh") else target["note"]
    share = summary["sink_share_of_gep"]
    lines = [
        text("carbon.demo.registry_version", value=summary["registry_version"]),
        text("carbon.demo.missing_years", value=text("carbon.separator").join(
            map(str, summary["province_missing_years"])) or text("carbon.none")),
        *(text("carbon.demo.electricity", year=year, value=value)
          for year, value in summary["electricity_related_t"].items()),
        text("carbon.demo.target", target=f"−{target['value']:.0%}", year=target["year"], note=note),
        text("carbon.demo.footprint", value=summary["footprint_kg_co2e"]),
        text("carbon.demo.label_code", value=summary["label_code"]),
        text("carbon.demo.sink", value=summary["sink_creditable_t_co2_per_yr"],
             share=text("carbon.share_unknown") if share is None else f"{share:.4%}"),
        text("carbon.demo.inclusion", value=summary["inclusion_reduction_kg"]),
    ]
    for account, balances in summary["inclusion_balances"].items():
        on = text("carbon.separator").join(
            text("carbon.demo.balance_on", date=day.removeprefix("on_").replace("_", "-"), points=points)
            for day, points in balances.items())
        lines.append(text("carbon.demo.balance", account=account, balances=on))
    lines += [text("carbon.demo.tamper", value=yes_no[bool(summary["ledger_tamper_detected"])]),
              text("carbon.demo.claims", value=summary["claims_refused"]),
              text("carbon.demo.summary", path=out / "summary.json")]
    for line in lines:
        typer.echo(line)
