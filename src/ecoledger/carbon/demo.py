"""The Jiangxi carbon demo: dual-control path from the shipped statistics, one illustrative product
label, one illustrative forest sink project, an inclusion ledger with a few actions, and the claims
that keep their tonnes apart. Everything is written at once into one folder (atomic)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from pathlib import Path

import pandas as pd

from ecoledger.atomic import atomic_directory
from ecoledger.carbon import claims, footprint, forest, inclusion, inventory, label, ledger
from ecoledger.carbon.errors import CarbonError
from ecoledger.carbon.factors import Registry

PROVINCE = "360000"
YEARS = list(range(2019, 2025))
CONTEXT_INDICATORS = ("energy_intensity_change", "energy_consumption_growth", "electricity_intensity_change")


def gep_forest_sequestration(accounts_csv: Path | None, code: str) -> dict | None:
    """The forest row of GEP carbon sequestration (固碳) of a unit in an accounts.csv, if present."""
    if accounts_csv is None or not Path(accounts_csv).exists():
        return None
    table = pd.read_csv(accounts_csv, dtype={"adcode": str})
    row = table[
        (table["adcode"] == code)
        & (table["item"] == "carbon_sequestration")
        & (table["ecosystem"] == "forest")
    ]
    if row.empty or pd.isna(row.iloc[0]["physical_value"]):
        return None
    r = row.iloc[0]
    return {
        "adcode": code,
        "name": r["name"],
        "year": int(r["year"]),
        "t_co2": float(r["physical_value"]),
        "value_yuan": float(r["value_yuan"]),
        "file": str(accounts_csv),
    }


def inclusion_demo(actions_csv: Path, registry: Registry) -> dict:
    """Replay the example actions through the ledger rules; refused actions are kept with the reason."""
    chains: dict[str, list[dict]] = {}
    seen: set[str] = set()
    log = []
    with open(actions_csv, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            chain = chains.setdefault(row["account"], [])
            day = dt.date.fromisoformat(row["day"])
            digest = ledger.evidence_hash(row["evidence"].encode("utf-8"))
            try:
                computed = inclusion.action_reduction(row["action"], float(row["activity"]), registry)
                ledger.check_earn(
                    chain,
                    row["action"],
                    float(row["activity"]),
                    day,
                    inclusion.method(row["action"]).daily_cap,
                    digest,
                    digest in seen,
                )
            except CarbonError as refused:
                log.append({**row, "outcome": "refused", "reason": str(refused)})
                continue
            seen.add(digest)
            validity = dt.timedelta(days=int(registry.value("policy.points_validity_days")))
            chain.append(
                ledger.new_entry(
                    chain,
                    row["account"],
                    "earn",
                    computed["points"],
                    day=day,
                    at=f"{row['day']}T12:00:00",
                    action=row["action"],
                    activity=float(row["activity"]),
                    reduction_kg=computed["reduction_kg"],
                    evidence_sha256=digest,
                    expires_on=day + validity,
                    detail={"factors": computed["factors"], "registry_version": registry.version},
                )
            )
            log.append(
                {
                    **row,
                    "outcome": "earned",
                    "reduction_kg": computed["reduction_kg"],
                    "points": computed["points"],
                }
            )
    citizen = chains["demo-citizen-1"]
    redeem_day = dt.date(2026, 3, 6)
    redeemed = 50
    ledger.check_redeem(citizen, redeemed, redeem_day)
    citizen.append(
        ledger.new_entry(
            citizen,
            "demo-citizen-1",
            "redeem",
            redeemed,
            day=redeem_day,
            at="2026-03-06T12:00:00",
            detail={"for": "bus ticket (illustrative)"},
        )
    )
    year_later = dt.date(2027, 3, 6)
    due = ledger.expired_points(citizen, year_later)
    citizen.append(
        ledger.new_entry(citizen, "demo-citizen-1", "expire", due, day=year_later, at="2027-03-06T00:00:00")
    )
    tampered = [dict(e) for e in citizen]
    tampered[1]["points"] *= 10
    return {
        "log": log,
        "chains": chains,
        "balances": {
            a: {
                "on_2026_03_06": ledger.balance(c, redeem_day),
                "on_2027_03_06": ledger.balance(c, year_later),
            }
            for a, c in chains.items()
        },
        "verified": {a: ledger.verify_chain(c).ok for a, c in chains.items()},
        "tamper_check": vars(ledger.verify_chain(tampered)),
        "reduction_kg": sum(
            e["reduction_kg"] or 0 for c in chains.values() for e in c if e["kind"] == "earn"
        ),
    }


def parcel_credits(project: forest.AfforestationProject, sink: dict, registry: Registry) -> dict[str, float]:
    """Creditable t CO₂/yr per parcel, in proportion to each parcel's tree-carbon gain."""
    gains = {s.parcel: -s.carbon(registry) for s in project.start}
    for s in project.end:
        gains[s.parcel] += s.carbon(registry)
    total = sum(gains.values())
    return {parcel: sink["creditable_t_co2_per_yr"] * gain / total for parcel, gain in gains.items()}


def run_demo(
    out: Path,
    statistics: Path,
    product_system: Path,
    sink_project: Path,
    actions: Path,
    registry: Registry,
    accounts_csv: Path | None = None,
) -> dict:
    table = inventory.read_statistics(statistics)
    control = inventory.dual_control(table, registry, PROVINCE, YEARS)
    raw = pd.read_csv(statistics, dtype=str, keep_default_na=False)
    code_column = "adcode" if "adcode" in raw.columns else "code"
    context = raw[(raw[code_column] == PROVINCE) & raw["indicator"].isin(CONTEXT_INDICATORS)]
    control["related_statistics"] = context[[code_column, "year", "indicator", "value", "unit"]].to_dict(
        "records"
    )

    system = footprint.load_product_system(product_system)
    pcf = footprint.compute(system, registry)
    record = label.make_record(pcf, "JX-DEMO-0001", dt.date(2026, 1, 1), 3, "none: illustrative demo label")

    project = forest.load_project(sink_project)
    sink = project.result(registry)
    gep = gep_forest_sequestration(accounts_csv, project.county)
    sink["gep_link"] = forest.gep_link(sink, gep)
    included = inclusion_demo(actions, registry)

    registered: list[claims.Claim] = []
    wanted = [
        claims.Claim(
            "sink",
            project.name,
            f"parcel:{parcel}",
            project.year_start + 1,
            project.year_end,
            tonnes * (project.year_end - project.year_start),
            "carbon.forest",
            "illustrative; t CO2 credited over the period",
        )
        for parcel, tonnes in parcel_credits(project, sink, registry).items()
    ]
    wanted += [
        claims.Claim(
            "inclusion",
            account,
            f"inclusion:{account}",
            2026,
            2026,
            sum(e["reduction_kg"] or 0 for e in chain if e["kind"] == "earn") / 1e3,
            "carbon.inclusion",
        )
        for account, chain in included["chains"].items()
    ]
    wanted += [
        claims.Claim(
            "label",
            "JX-DEMO-0001",
            "product:JX-DEMO-0001",
            2026,
            2028,
            0.0,
            "carbon.label",
            "a footprint declaration claims no reduction tonnes",
        ),
        claims.Claim(
            "inclusion",
            "demo-citizen-1",
            "parcel:ND-01",
            2026,
            2026,
            0.5,
            "carbon.inclusion",
            "tree planting reported by a citizen on a project parcel: must be refused",
        ),
    ]
    claim_log = []
    for claim in wanted:
        try:
            claims.check_claim(registered, claim)
            registered.append(claim)
            claim_log.append({**claim.as_dict(), "outcome": "registered"})
        except CarbonError as refused:
            claim_log.append({**claim.as_dict(), "outcome": "refused", "reason": str(refused)})

    with atomic_directory(out) as folder:
        issued = label.write_label(record, folder / "label")
        _write_json(folder / "dual_control.json", control)
        (folder / "dual_control.csv").write_text(_path_csv(control), encoding="utf-8")
        _write_json(folder / "footprint.json", pcf)
        _write_json(folder / "sink_project.json", sink)
        _write_json(
            folder / "inclusion.json",
            {k: included[k] for k in ("log", "balances", "verified", "tamper_check")},
        )
        with open(folder / "inclusion_ledger.jsonl", "w", encoding="utf-8") as handle:
            for chain in included["chains"].values():
                for entry in chain:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        _write_json(folder / "claims.json", claim_log)
        summary = {
            "registry_version": registry.version,
            "province_missing_years": control["missing_years"],
            "target": control["target"],
            "footprint_kg_co2e": pcf["total_kg_co2e"],
            "label_code": issued["record_sha256"][: label.CODE_DIGITS],
            "sink_creditable_t_co2_per_yr": sink["creditable_t_co2_per_yr"],
            "sink_share_of_gep": sink["gep_link"]["share_of_gep_forest_sequestration"],
            "inclusion_reduction_kg": included["reduction_kg"],
            "inclusion_balances": included["balances"],
            "ledger_tamper_detected": not included["tamper_check"]["ok"],
            "claims_refused": sum(c["outcome"] == "refused" for c in claim_log),
        }
        _write_json(folder / "summary.json", summary)
        (folder / "index.html").write_text(
            _page(control, pcf, issued, sink, included, claim_log), encoding="utf-8"
        )
    return summary


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def _path_csv(control: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "year",
            "co2_t",
            "gdp_yuan",
            "gdp_basis",
            "intensity_t_per_10k_yuan",
            "index",
            "target_index",
            "status",
            "conflicting",
        ]
    )
    for y, p in zip(control["years"], control["path"], strict=True):
        writer.writerow(
            [
                y["year"],
                _cell(y["co2_t"]),
                _cell(y["gdp_yuan"]),
                y["gdp_basis"] or "",
                _cell(p["intensity"]),
                _cell(p["index"]),
                _cell(p["target_index"]),
                p["status"],
                " ".join(y["conflicting"]),
            ]
        )
    return out.getvalue()


def _cell(value) -> str:
    return "" if value is None else f"{value:.6g}"


def _page(control, pcf, issued, sink, included, claim_log) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{y['year']}</td><td>{_show(y['co2_t'])}</td><td>{_show(p['intensity'])}</td>"
        f"<td>{_show(p['index'])}</td><td>{_show(p['target_index'])}</td><td>{e(p['status'])}</td></tr>"
        for y, p in zip(control["years"], control["path"], strict=True)
    )
    related = "".join(
        f"<li>{e(r['year'])} {e(r['indicator'])}: {e(r['value'])} {e(r['unit'])}</li>"
        for r in control["related_statistics"]
    )
    ledger_rows = "".join(
        f"<tr><td>{e(r['account'])}</td><td>{e(r['day'])}</td><td>{e(r['action'])}</td><td>{e(r['activity'])}</td>"
        f"<td>{e(r['outcome'])}</td><td>{e(str(r.get('points', '')))}</td>"
        f"<td>{e(r.get('reason', ''))}</td></tr>"
        for r in included["log"]
    )
    claim_rows = "".join(
        f"<tr><td>{e(c['scope'])}</td><td>{e(c['holder'])}</td><td>{e(c['asset'])}</td>"
        f"<td>{c['tonnes']:.4g}</td><td>{e(c['outcome'])}</td></tr>"
        for c in claim_log
    )
    target = control["target"]
    share = sink["gep_link"]["share_of_gep_forest_sequestration"]
    gep = sink["gep_link"]["gep_forest_carbon_sequestration"]
    return f"""<!doctype html><html lang="zh"><meta charset="utf-8"><title>Jiangxi carbon demo</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
td,th{{border:1px solid #ccc;padding:2px 6px}}
table{{border-collapse:collapse}}.missing{{color:#b00020}}</style>
<h1>江西 双碳 demo · Jiangxi carbon demo</h1>
<h2>1. Province carbon intensity vs the 14th FYP target</h2>
<p>Target: −{target["value"] * 100:.0f}% by {target["year"]} ({e(target["confidence"])}; {e(target["note"])}).
Missing years are reported as missing: the shipped statistics hold no energy consumption by fuel.</p>
<table><tr><th>year</th><th>CO₂ (t)</th><th>t CO₂/10⁴ yuan</th><th>index</th><th>target index</th>
<th>status</th></tr>
{rows}</table><p>Related statistics found (energy, not carbon):</p><ul>{related}</ul>
<h2>2. Product label (illustrative)</h2>
<p>{e(pcf["product"])}: <b>{pcf["total_kg_co2e"]:.4f} kg CO₂e</b> per {e(pcf["declared_unit"])}
(fossil {pcf["fossil_kg_co2e"]:.4f}, biogenic {pcf["biogenic_kg_co2e"]:.4f},
land use {pcf["land_use_kg_co2e"]:.4f});
{e(pcf["engine"])}. Verification code <code>{issued["record_sha256"][:16]}</code>.</p>
<img src="label/label.png" alt="carbon label" width="420">
<h2>3. Forest sink project (illustrative)</h2>
<p>{e(sink["project"])}: removals {sink["removal_t_co2_per_yr"]:.1f} t CO₂/yr, creditable
<b>{sink["creditable_t_co2_per_yr"]:.1f} t CO₂/yr</b>; share of the county's GEP forest carbon sequestration:
{"missing" if share is None else f"{share:.3%} (GEP year {gep['year']}, {gep['t_co2']:.4g} t CO₂)"}.
Credited tonnes are part of that GEP flow: the credit value is never added to the GEP value.</p>
<h2>4. Carbon inclusion ledger</h2>
<table><tr><th>account</th><th>day</th><th>action</th><th>activity</th><th>outcome</th><th>points</th><th>reason</th></tr>
{ledger_rows}</table>
<p>Balances: {e(json.dumps(included["balances"]))}. Chains verified: {e(json.dumps(included["verified"]))}.
A copy with one entry's points changed fails: {e(included["tamper_check"]["reason"])}.</p>
<h2>5. Claims</h2>
<table><tr><th>scope</th><th>holder</th><th>asset</th><th>t</th><th>outcome</th></tr>{claim_rows}</table>
</html>"""


def _show(value) -> str:
    return '<span class="missing">missing</span>' if value is None else f"{value:.4g}"
