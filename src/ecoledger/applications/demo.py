"""The worked examples on real accounts (Jiangxi): one of each application, and an index page.

Inputs that are not in the open data (water-quality samples, basin scores, purchase conditions,
shares, budgets) come from the example files, each labelled "illustrative input, not monitoring
data"; every output built on them says so.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pandas as pd
from jinja2 import Environment, select_autoescape

from ecoledger.applications import accounts, certificate, outputs, rules, vep
from ecoledger.applications.errors import ApplicationError

SITE = "lushan.geojson"
CONDITIONS = "purchase-conditions.csv"
RATES, HORIZONS = [0.03, 0.045, 0.08], [20, 40, 70]
# the damage example's inputs (illustrative): 10 % of the site's flow lost, 10 years to recover
DAMAGE = {"damaged_fraction": 0.1, "recovery_years": 10, "rate": 0.03, "restoration_cost": 5_000_000.0}


def maps_folder(accounts_dir: Path, maps_run: Path | None, pack: Path | None, scratch: Path) -> Path:
    """An account output folder of the same year with value maps: given, the accounts' own, or
    computed from the pack (run_account with maps + write_outputs) into ``scratch``."""
    if maps_run is not None:
        return Path(maps_run)
    if (Path(accounts_dir) / "maps").is_dir():
        return Path(accounts_dir)
    if pack is None:
        raise ApplicationError(accounts_dir, "maps/", "the accounts have no value maps",
                               "give --maps-run (an account folder with maps) or --pack to compute them")
    from ecoledger.accounts import run_account
    from ecoledger.outputs import write_outputs

    year = json.loads((Path(accounts_dir) / "run.json").read_text(encoding="utf-8"))["year"]
    return write_outputs(run_account(pack, year, keep_maps=True), scratch, pack)


def run(accounts_dir: Path, previous: Path, maps_run: Path | None, pack: Path | None, examples: Path,
        out: Path) -> list[str]:
    """Write every example into ``out`` (results/, vep/, damage.json, index.html); returns lines
    summarising each result."""
    examples = Path(examples)
    units = accounts.load(accounts_dir, previous, examples / CONDITIONS)
    sections, lines = [], []
    for rule in sorted(examples.glob("*.toml")):
        result = rules.apply(rule, units)
        outputs.write(result, out / "results", rule.stem)
        sections.append(outputs.render(result, page=False))
        lines.append(f"{rule.stem}: {_headline(result)}")
    maps = Path(maps_folder(accounts_dir, maps_run, pack, out / "account-with-maps"))
    site = vep.read_site(examples / SITE, SITE)
    province = pd.read_csv(Path(accounts_dir) / "accounts.csv", dtype={"adcode": str})
    province = province[(province["level"] == "province") & (province["ecosystem"] == "all")]
    published = {"run_id": str(accounts_dir), "year": int(province["year"].iloc[0]),
                 "item_values": dict(zip(province["item"], province["value_yuan"], strict=True))}
    cert = vep.certify(maps, site, "庐山 Lushan (hand-drawn outline)", RATES[0], HORIZONS[0], RATES, HORIZONS,
                       published=published)
    written = vep.write(cert, out / "vep")
    tampered = json.loads(json.dumps(cert))
    tampered["present_value_yuan"] *= 2
    tamper_check = certificate.verify(tampered)
    case = vep.damage_case(maps, site, **DAMAGE)
    case["input_status"] = rules.ILLUSTRATIVE
    (out / "damage.json").write_text(json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8")
    lines.append(f"VEP Lushan: {cert['annual_flow_yuan'] / 1e8:,.2f} 亿元/yr, PV (3 %, 20 yr) "
                 f"{cert['present_value_yuan'] / 1e8:,.2f} 亿元, {len(cert['warnings'])} warnings; "
                 f"tampered copy verifies: {tamper_check[0]}; {written['pdf_skipped'] or 'PDF written'}")
    lines.append(f"damage (illustrative): {case['total_yuan'] / 1e8:,.3f} 亿元")
    source = (resources.files("ecoledger.applications") / "demo.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    page = env.from_string(source)
    (out / "index.html").write_text(page.render(
        sections=sections, cert=cert, case=case, tamper=tamper_check, pdf=written["pdf"] is not None,
        accounts=str(accounts_dir), previous=str(previous),
        maps=str(maps.relative_to(out)) if maps.is_relative_to(out) else str(maps)), encoding="utf-8")
    return lines


def _headline(result: rules.Result) -> str:
    t = result.table
    if result.kind == "assessment":
        return "ranking " + ", ".join(f"{r}. {n}" for n, r in zip(t["name"], t["rank"], strict=True))
    if result.kind == "p_index":
        last = t.iloc[-1]
        return f"P = {last['term']:.4f}: {last['payer']} pays {last['payee']} {last['amount_yuan']:,.0f} yuan"
    money = [c for c in ("amount_yuan", "paid_yuan") if c in t]
    return f"{len(t)} rows, Σ {money[0]} = {t[money[0]].sum():,.0f} yuan" if money else f"{len(t)} rows"
