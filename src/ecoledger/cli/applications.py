"""`ecoledger applications …`: transfers, compensation, assessment and VEP on plain account files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import CATALOGUE, register
from ecoledger.messages import text as lookup

app = typer.Typer(cls=Group, name="applications", no_args_is_help=True)
ACCOUNTS = ("`ecoledger account` 的输出文件夹", "output folder of `ecoledger account`")
WITH_MAPS = ("`ecoledger account` 的输出文件夹（含 maps/）",
             "output folder of `ecoledger account` with maps/")
OUT = ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)")
RATE = ("年贴现率", "discount rate per year")

declare("applications", {
    "": ("使用核算结果：财政转移支付、生态补偿、考核、生态资产价值（VEP）评估。",
         "Use the accounts: fiscal transfers, ecological compensation, assessment, ecological "
         "asset valuation (VEP)."),
})
declare("applications.apply", {
    "": ("对核算结果应用一个规则文件；写出 `<kind>.csv`、`.json` 和 `.html`。",
         "Apply one rule file to the accounts; writes <kind>.csv, .json and .html."),
    "rule": ("规则文件（TOML）：`transfer`、`purchase`、`basin_fund`、`p_index`、`gep_compensation` "
             "或 `assessment`",
             "rule file (TOML): transfer, purchase, basin_fund, p_index, gep_compensation or "
             "assessment"),
    "accounts_dir": ACCOUNTS,
    "previous": ("上一年的输出文件夹（用于 GEP 变化）", "the previous year's output folder (GEP change)"),
    "indicators": ("CSV：`code,indicator,value,unit,source`（人口、条件、质量……）",
                   "CSV code,indicator,value,unit,source (population, conditions, quality …)"),
    "out": OUT,
})
declare("applications.vep", {
    "": ("评估一个地块：地块内的年服务流量、现值、敏感性；写出证书 JSON、HTML、PDF。",
         "Value a site: yearly flow inside it, present value, sensitivity; certificate JSON, "
         "HTML, PDF."),
    "site": ("地块或项目的 GeoJSON 多边形", "GeoJSON polygon of the site or project"),
    "accounts_dir": WITH_MAPS,
    "name": ("证书上印的名称", "name printed on the certificate"),
    "rate": RATE,
    "horizon": ("评估期（年）", "horizon in years"),
    "rates": ("敏感性分析的贴现率（可多次给出）", "sensitivity rates (repeat)"),
    "horizons": ("敏感性分析的评估期（可多次给出）", "sensitivity horizons (repeat)"),
    "out": OUT,
})
declare("applications.damage", {
    "": ("损害赔偿：服务流量期间损失的贴现值加修复费用。",
         "Damage compensation: discounted interim loss of service flows + restoration cost."),
    "site": ("受损区域的 GeoJSON 多边形", "GeoJSON polygon of the damaged area"),
    "accounts_dir": WITH_MAPS,
    "damaged_fraction": ("受损处服务流量的损失比例（0–1）",
                         "fraction of the service flow lost at the damage (0–1)"),
    "recovery_years": ("完全恢复所需年数（线性恢复）", "years to full recovery (linear recovery)"),
    "restoration_cost": ("修复费用（元）", "restoration cost, yuan"),
    "rate": RATE,
    "other_costs": ("调查、评估和应急费用（元）", "investigation, assessment and emergency costs, yuan"),
    "out": OUT,
})
declare("applications.verify", {
    "": ("用 SHA-256 核对证书内容；内容被改动时退出码为 1。",
         "Check a certificate's content against its SHA-256; exit 1 if it was altered."),
    "cert": ("证书文件 `certificate.json`", "certificate.json"),
})
declare("applications.demo", {
    "": ("在江西核算结果上逐一演示每种应用，并写出 index.html。",
         "One worked example of each application on the Jiangxi accounts, with an index.html."),
    "accounts_dir": ("当年的输出文件夹（如 `accounts-2019`）",
                     "the year's output folder (e.g. accounts-2019)"),
    "previous": ("上一年的输出文件夹", "the previous year's output folder"),
    "maps_run": ("同一年份含 maps/ 的输出文件夹（默认：--accounts 含地图时用它，否则用 --pack 计算）",
                 "an output folder of the same year with maps/ (default: --accounts if it has "
                 "maps, else computed from --pack)"),
    "pack": ("区域数据包，在没有文件夹含地图时用于计算地图",
             "region pack, to compute the maps when no folder has them"),
    "examples": ("示例规则文件所在文件夹（默认：仓库中的 `examples/applications`）",
                 "folder of the example rule files (default: the repository's "
                 "examples/applications)"),
    "scorecard": ("目标指标记分卡 `scorecard.csv`（`ecoledger targets scorecard` 的输出），据此增加按决定指标"
                  "的综合考核",
                  "the scorecard.csv of `ecoledger targets scorecard`: adds the assessment on the "
                  "decision's indicators"),
    "out": OUT,
})
register({
    "applied": ("{name}：{rows} 行 → {path}", "{kind}: {rows} rows → {path}"),
    "vep": ("VEP {flow} 元/年；现值 {pv} 元（r={rate}，T={horizon}）；SHA-256 {sha}",
            "VEP {flow} yuan/yr; PV {pv} yuan (r={rate}, T={horizon}); SHA-256 {sha}"),
    "warning": ("警告：{warning}", "warning: {warning}"),
    "damage": ("损害 {total} 元（期间损失 {interim}，修复 {restoration}）→ {path}",
               "damage {total} yuan (interim loss {interim}, restoration {restoration}) → {path}"),
    "not_certificate": ("{cert} 不是证书 JSON：{exc}；修改：请给出 `ecoledger applications vep` "
                        "写出的 certificate.json",
                        "{cert} is not a certificate JSON: {exc}; fix: give the certificate.json "
                        "`ecoledger applications vep` wrote"),
    "valid": ("有效：证书内容与其 SHA-256 一致", "valid: {reason}"),
    "invalid": ("无效：{reason}", "INVALID: {reason}"),
    "written": ("→ {path}", "→ {path}"),
    "demo_written": ("已写出 {count} 个示例结果（规则应用、VEP 证书、损害赔偿），详见中文页面：",
                     "{count} worked examples written (rules, VEP certificate, damage); see the "
                     "pages:"),
    "pdf_skipped": ("未安装 Chromium：未生成 PDF（已写出 HTML 证书）",
                    "no chromium installed: the PDF was skipped (the HTML certificate is written)"),
}, prefix="cli.applications.")

RATES = [0.03, 0.045, 0.08]
HORIZONS = [20, 40, 70]


def _fail(exc: Exception):
    from ecoledger.errors import InputError

    raise InputError(str(exc)) from exc


@app.command("apply", cls=Command)
def apply(
    rule: Path = typer.Argument(...),
    accounts_dir: Path = typer.Option(..., "--accounts"),
    previous: Path | None = typer.Option(None),
    indicators: Path | None = typer.Option(None),
    out: Path = typer.Option(...),
) -> None:
    """Apply one rule file to the accounts; writes <kind>.csv, .json and .html."""
    from ecoledger.applications import accounts, outputs, rules
    from ecoledger.atomic import atomic_directory

    require(rule, "the rule file", "RULE", folder=False)
    require(accounts_dir, "an output folder of `ecoledger account`", "--accounts", folder=True)
    require(previous, "the previous year's output folder", "--previous", folder=True)
    require(indicators, "the indicators CSV", "--indicators", folder=False)
    result = rules.apply(rule, accounts.load(accounts_dir, previous, indicators))
    with atomic_directory(out) as folder:
        outputs.write(result, folder)
    name = f"app.kind.{result.kind}"  # the kind's name (applications.outputs)
    typer.echo(text("applications.applied", kind=result.kind, rows=len(result.table),
                    name=lookup(name, language()) if name in CATALOGUE else result.kind,
                    path=out / (result.kind + ".csv")))


@app.command("vep", cls=Command)
def vep_command(
    site: Path = typer.Argument(...),
    accounts_dir: Path = typer.Option(..., "--accounts"),
    name: str = typer.Option("site"),
    rate: float = typer.Option(0.03),
    horizon: int = typer.Option(20),
    rates: list[float] = typer.Option(RATES),
    horizons: list[int] = typer.Option(HORIZONS),
    out: Path = typer.Option(...),
) -> None:
    """Value a site: yearly flow inside it, present value, sensitivity; certificate JSON, HTML, PDF."""
    from ecoledger.applications import vep
    from ecoledger.atomic import atomic_directory

    require(site, "the site GeoJSON", "SITE", folder=False)
    require(accounts_dir, "an output folder of `ecoledger account`", "--accounts", folder=True)
    cert = vep.certify(accounts_dir, vep.read_site(site, str(site)), name, rate, horizon, rates, horizons)
    with atomic_directory(out) as folder:
        written = vep.write(cert, folder)
    typer.echo(text("applications.vep", flow=f"{cert['annual_flow_yuan']:,.0f}",
                    pv=f"{cert['present_value_yuan']:,.0f}", rate=rate, horizon=horizon,
                    sha=cert["content_sha256"]))
    for w in cert["warnings"]:
        typer.echo(text("applications.warning", warning=str(vep.warning_text(w, language()))))
    if written["pdf_skipped"]:  # certificate.write_pdf's one reason, in Chinese from the catalogue
        typer.echo(written["pdf_skipped"] if language() == "en" else text("applications.pdf_skipped"))


@app.command("damage", cls=Command)
def damage_command(
    site: Path = typer.Argument(...),
    accounts_dir: Path = typer.Option(..., "--accounts"),
    damaged_fraction: float = typer.Option(...),
    recovery_years: int = typer.Option(...),
    restoration_cost: float = typer.Option(...),
    rate: float = typer.Option(0.03),
    other_costs: float = typer.Option(0.0),
    out: Path = typer.Option(...),
) -> None:
    """Damage compensation: discounted interim loss of service flows + restoration cost."""
    from ecoledger.applications import vep
    from ecoledger.atomic import atomic_directory

    require(site, "the site GeoJSON", "SITE", folder=False)
    require(accounts_dir, "an output folder of `ecoledger account`", "--accounts", folder=True)
    try:
        case = vep.damage_case(accounts_dir, vep.read_site(site, str(site)), damaged_fraction, recovery_years,
                               rate, restoration_cost, other_costs)
    except ValueError as exc:
        _fail(exc)
    with atomic_directory(out) as folder:
        (folder / "damage.json").write_text(json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(text("applications.damage", total=f"{case['total_yuan']:,.0f}",
                    interim=f"{case['interim_loss_discounted_yuan']:,.0f}",
                    restoration=f"{restoration_cost:,.0f}", path=out / "damage.json"))


@app.command("verify", cls=Command)
def verify(cert: Path = typer.Argument(...)) -> None:
    """Check a certificate's content against its SHA-256; exit 1 if it was altered."""
    from ecoledger.applications import certificate

    require(cert, "the certificate", "CERT", folder=False)
    try:
        data = json.loads(cert.read_text(encoding="utf-8"))
    except ValueError as exc:
        _fail(ValueError(text("applications.not_certificate", cert=cert, exc=exc)))
    valid, reason = certificate.verify(data)
    typer.echo(text("applications.valid" if valid else "applications.invalid", reason=reason))
    if not valid:
        raise typer.Exit(1)


@app.command("demo", cls=Command)
def demo_command(
    accounts_dir: Path = typer.Option(..., "--accounts"),
    previous: Path = typer.Option(...),
    maps_run: Path | None = typer.Option(None),
    pack: Path | None = typer.Option(None),
    examples: Path | None = typer.Option(None),
    scorecard: Path | None = typer.Option(None),
    out: Path = typer.Option(...),
) -> None:
    """One worked example of each application on the Jiangxi accounts, with an index.html."""
    from ecoledger.applications import demo
    from ecoledger.atomic import atomic_directory
    from ecoledger.cli._paths import shipped

    examples = examples or shipped("examples/applications", "--examples")
    require(accounts_dir, "the year's output folder", "--accounts", folder=True)
    require(previous, "the previous year's output folder", "--previous", folder=True)
    require(maps_run, "an output folder with maps/", "--maps-run", folder=True)
    require(pack, "the region pack", "--pack", folder=True)
    require(examples, "the example rule files", "--examples", folder=True)
    require(scorecard, "the scorecard", "--scorecard", folder=False)
    with atomic_directory(out) as folder:
        summary = demo.run(accounts_dir, previous, maps_run, pack, examples, folder, scorecard=scorecard)
    if language() == "en":
        for line in summary:
            typer.echo(line)
    else:  # demo.run words its summary in English only: the pages written say it in Chinese
        typer.echo(text("applications.demo_written", count=len(summary)))
    typer.echo(text("applications.written", path=out / "index.html"))
