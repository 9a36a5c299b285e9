"""The registry's worked example on the bundled Jiangxi data (issue 18, item 7): ``ecoledger registry
demo`` writes it, ``scripts/run-main`` runs it into ``out/registry``.

Real parcels do not exist offline, so everything registered here is **demonstration data**, labelled
so on every page and in the store (``demonstration`` flag of each right): parcels drawn by
``parcels.demonstration_parcels`` from the pack's real land cover inside one real Ganzhou county
(信丰县 by default), with fictitious village collectives as owners; the bank, the 两山 bank, the
bidders, the enterprise scored and the orange co-operative are fictitious as well. What is not
invented: the land cover and county boundary, the VEP valuation (the 2019 account's value maps,
``applications.vep.certify``), the carbon sink (the 2019 account's ``carbon_sequestration_physical``
map), the credit rule (Guangzhou's, cited in ``data/registry/credit_rules.csv``; the evidence values
are demonstration) and the climate-quality thresholds (Gannan navel orange, cited in
``data/registry/climate_quality_rules.csv``) on the station normals of the county.

Steps, each through the registry's own functions on a fresh SQLite store in ``<out>/store``
(``ecoledger registry verify --data <out>/store`` verifies it afterwards): draw the parcels; check
them with a resubmitted copy of one parcel (the overlap is found) and against the county (gaps);
register them (``ledger.register_parcels``: ``ledger.register`` per parcel); value one parcel
(VEP certificate → ``finance.attach_valuation``); pledge it within the limit the demonstration bank
states (no published loan-to-value rule exists, ``data/registry/pledge_rules.csv``; a loan above the
limit is refused); deposit two parcels in a 两山 bank, package and value them, list the package at
auction, two bids, close, settle; register a carbon-sink right on a third parcel (the carbon module's
double-claim guard refuses a second claim of the same tonnes) and retire it; verify the ledger; score
one enterprise under the cited credit rule; trace a batch of 赣南脐橙 from a demonstration parcel
through harvest, processing, packing and sale with the brand and the climate-quality certificate of
its county (the grade is shown as it comes out, incomplete or "requirement not met" included) and
write its lookup pages. ``index.html`` (zh) and ``index.en.html`` summarise every step.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from ecoledger import pages
from ecoledger.messages import entry
from ecoledger.platform import i18n

COUNTY = "360722"  # 信丰县, Ganzhou: a navel-orange county with a station of the climate normals
SEED = 7
PARCELS = 8
ACTOR = "registry-demo"
RATE, HORIZON = 0.03, 20
RATES, HORIZONS = [0.03, 0.045, 0.08], [20, 40, 70]
LTV = 0.5  # the demonstration bank's loan-to-value limit: its input, no published rule (finance)
TERM_MONTHS = 36
LOAN = 20_000_000.0  # the demonstration loan (yuan), an input like the limit; capped at the limit
SHIFT_M = 60.0  # the resubmitted copy of a parcel is shifted by this much: it overlaps its original
CREDIT_RULE = "gz_enterprise_2015"
CLIMATE_RULE = "gannan_navel_orange_suitability"
# demonstration evidence of the enterprise scored (points earned per aspect of the Guangzhou rule)
EVIDENCE = (
    ("pollution_prevention", 27, 60),
    ("ecological_protection", 5, 60),
    ("environmental_management", 50, 45),
    ("social_supervision", 10, 30),
    ("green_additional", 1, 30),
    ("one_vote_veto", 0, 20),
)  # (indicator, value, days before the evaluation it was recorded)

NAMES = {  # fictitious parties (zh is what the store records)
    "bank": ("示范农村商业银行（虚构）", "Demonstration rural commercial bank (fictitious)"),
    "two_mountains": ("信丰县示范“两山”银行（虚构）", "Xinfeng demonstration 两山 bank (fictitious)"),
    "bidder_a": ("示范生态旅游公司甲（虚构）", "Demonstration eco-tourism company A (fictitious)"),
    "bidder_b": ("示范林业公司乙（虚构）", "Demonstration forestry company B (fictitious)"),
    "enterprise": ("示范制造企业丙（虚构）", "Demonstration manufacturer C (fictitious)"),
    "coop": (
        "信丰县示范脐橙专业合作社（虚构）",
        "Xinfeng demonstration navel-orange co-operative (fictitious)",
    ),
    "packer": ("信丰县示范选果厂（虚构）", "Xinfeng demonstration packing house (fictitious)"),
    "shop": ("南昌示范超市（虚构）", "Nanchang demonstration supermarket (fictitious)"),
    "issuer": ("示范气象服务机构（虚构）", "Demonstration meteorological service (fictitious)"),
    "brand_issuer": ("示范品牌授权机构（虚构）", "Demonstration brand licensor (fictitious)"),
}


@dataclass
class Demo:
    """What the worked example did, with its numbers (the page renders it in either language)."""

    pack: str
    accounts: str
    today: dt.date
    county: str = COUNTY
    county_name: str = ""
    facts: dict = field(default_factory=dict)
    parcels: list = field(default_factory=list)
    ledger: list = field(default_factory=list)
    lines: list = field(default_factory=list)


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _season(today: dt.date) -> int:
    """The year of the latest navel-orange harvest (early November) on or before ``today``."""
    return today.year if today >= dt.date(today.year, 11, 10) else today.year - 1


def _site(geometry):
    import geopandas as gpd

    return gpd.GeoDataFrame({"site": [1]}, geometry=[geometry], crs="EPSG:4326")


def _certify(maps_run: Path, geometry, name: str, folder: Path) -> dict:
    """A VEP certificate of ``geometry`` (lon/lat) on the account with maps, written to ``folder``
    (JSON and the printable HTML in zh and en; no PDF, to keep the run short)."""
    from ecoledger.applications import certificate, vep

    cert = vep.certify(maps_run, _site(geometry), name, RATE, HORIZON, RATES, HORIZONS)
    folder.mkdir(parents=True, exist_ok=True)
    certificate.write_json(cert, folder / "certificate.json")
    certificate.write_html(cert, folder)
    return cert


def _sink_tonnes(maps_run: Path, geometry) -> float:
    """Tonnes of CO₂ the account's ``carbon_sequestration_physical`` map holds inside ``geometry``."""
    import rasterio
    from exactextract import exact_extract

    path = Path(maps_run) / "maps" / "carbon_sequestration_physical.tif"
    with rasterio.open(path) as src:
        crs = src.crs
    stats = exact_extract(str(path), _site(geometry).to_crs(crs), ["sum"], output="pandas")
    return float(stats["sum"].iloc[0])


def _refusal(exc) -> dict:
    return {"zh": getattr(exc, "message_zh", "") or str(exc), "en": str(exc)}


def run(
    pack: Path, accounts_dir: Path, out: Path, county: str = COUNTY, today: dt.date | None = None
) -> Demo:
    """Every step into ``out`` (store/, parcels.gpkg, checks/, valuation/, trace/, demo.json, index.html,
    index.en.html); returns what was done."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from ecoledger.platform import audit
    from ecoledger.platform.db import Database, sqlite_url
    from ecoledger.registry import bank, credit, finance, ledger, parcels, trace
    from ecoledger.registry import climate_quality as cq

    out = Path(out)
    today = today or dt.date.today()
    demo = Demo(str(pack), str(accounts_dir), today, county)

    # 1. demonstration parcels and their checks
    drawn = parcels.demonstration_parcels(pack, PARCELS, county=county, seed=SEED)
    demo.county_name = str(drawn["county_name"].iloc[0])
    found = parcels.prepare_parcels(drawn, file="parcels.gpkg", pack=pack)
    frame = found.parcels
    drawn.to_file(out / "parcels.gpkg", driver="GPKG")
    copy = frame.iloc[[0]].copy()
    copy["serial"] = f"DEMO-{county}-R001"
    copy["geometry"] = copy.geometry.translate(SHIFT_M, 0.0)
    resubmitted = gpd.GeoDataFrame(pd.concat([frame, copy], ignore_index=True), crs=frame.crs)
    checks = parcels.check_parcels(resubmitted, parcels.unit_boundary(pack, county))
    parcels.write_checks(checks, out / "checks")
    overlap = checks.overlaps.iloc[0] if len(checks.overlaps) else None
    demo.facts["checks"] = {
        "parcels": len(frame),
        "area_km2": float(frame["area_m2"].sum() / 1e6),
        "area_crs": found.area_crs.kind,
        "resubmitted": copy["serial"].iloc[0],
        "shift_m": SHIFT_M,
        "overlaps": len(checks.overlaps),
        "overlap": None
        if overlap is None
        else {
            "a": overlap["serial_a"],
            "b": overlap["serial_b"],
            "m2": float(overlap["overlap_m2"]),
            "share": float(overlap["share_a"]),
        },
        "gaps": len(checks.gaps),
        "gap_km2": float(checks.gaps["area_m2"].sum() / 1e6),
        "covered": float(1.0 - checks.gaps["share_of_area"].sum()),
    }
    lonlat = frame.to_crs("EPSG:4326")
    for row, geometry in zip(frame.to_dict("records"), lonlat.geometry, strict=True):
        demo.parcels.append(
            {
                "serial": row["serial"],
                "type": row["type"],
                "landcover": row.get("landcover_label", ""),
                "owner": row["owner"],
                "area_ha": row["area_m2"] / 1e4,
                "geometry": geometry,
            }
        )
    by_area = sorted(demo.parcels, key=lambda p: -p["area_ha"])
    valued, packaged, sink = by_area[0], by_area[1:3], by_area[3]
    origin = next((p for p in demo.parcels if p["type"] == "farmland"), by_area[-1])

    # 2. the store: the platform's database and migrations, the audit key beside it
    folder = out / "store"
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(sqlite_url(folder / "ecoledger.db"))
    try:
        db.migrate()
        audit.configure(db, folder=folder)
        with db.transaction() as s:
            rights = ledger.register_parcels(s, ACTOR, found, demonstration=True)
        demo.facts["registered"] = {"rights": len(rights), "area_km2": sum(r.area_km2 for r in rights)}

        # 3. valuation of one parcel; 4. its pledge
        cert = _certify(
            accounts_dir, valued["geometry"], valued["serial"], out / "valuation" / valued["serial"]
        )
        with db.transaction() as s:
            row = finance.attach_valuation(s, ACTOR, valued["serial"], cert)
            valuation = {
                "serial": valued["serial"],
                "area_km2": cert["site"]["area_km2"],
                "flow": cert["annual_flow_yuan"],
                "value": row.value_yuan,
                "p05": row.p05_yuan,
                "p95": row.p95_yuan,
                "match": row.boundary_match,
                "sha": row.certificate_sha256,
                "folder": f"valuation/{valued['serial']}",
            }
        demo.facts["valuation"] = valuation
        most = finance.max_loan(valuation["value"], LTV)
        loan = min(LOAN, float(int(most / 10_000) * 10_000))  # within the limit, in whole 万元
        refused = None
        try:
            with db.transaction() as s:
                finance.pledge(
                    s,
                    ACTOR,
                    valued["serial"],
                    bank=NAMES["bank"][0],
                    loan_yuan=most * 1.1,
                    term_months=TERM_MONTHS,
                    start_on=today,
                    ltv=LTV,
                )
        except ledger.RegistryRefused as exc:
            refused = _refusal(exc)
        with db.transaction() as s:
            pledge = finance.pledge(
                s,
                ACTOR,
                valued["serial"],
                bank=NAMES["bank"][0],
                loan_yuan=loan,
                term_months=TERM_MONTHS,
                start_on=today,
                ltv=LTV,
            )
            register = finance.pledged_by_county(s)
            demo.facts["pledge"] = {
                "serial": valued["serial"],
                "ltv": pledge.ltv_limit,
                "most": most,
                "loan": pledge.loan_yuan,
                "term": TERM_MONTHS,
                "start": today.isoformat(),
                "refused": refused,
                "attempt": most * 1.1,
                "register": register,
            }

        # 5. deposit, package and its valuation; 6. listing, bids, close, settlement
        package_serial = f"PKG-{county}-001"
        with db.transaction() as s:
            for p in packaged:
                bank.deposit(
                    s,
                    ACTOR,
                    p["serial"],
                    bank=NAMES["two_mountains"][0],
                    deposited_on=today,
                    term_years=10,
                    terms="demonstration",
                )
            bundle = bank.package(
                s,
                ACTOR,
                serial=package_serial,
                bank=NAMES["two_mountains"][0],
                members=[p["serial"] for p in packaged],
                name="示范生态资产包",
                demonstration=True,
            )
            package_area = bundle.area_km2
        union = shapely.union_all([p["geometry"] for p in packaged])
        package_cert = _certify(accounts_dir, union, package_serial, out / "valuation" / package_serial)
        with db.transaction() as s:
            package_value = finance.attach_valuation(s, ACTOR, package_serial, package_cert).value_yuan
        reserve = float(int(package_value / 10_000) * 10_000)
        bids = [
            (NAMES["bidder_a"][0], round(reserve * 1.02, -2)),
            (NAMES["bidder_b"][0], round(reserve * 1.06, -2)),
        ]
        with db.transaction() as s:
            listing = bank.list_right(
                s, ACTOR, package_serial, price_yuan=reserve, term_days=30, mode="auction"
            )
            listing_facts = {
                "mode": listing.mode,
                "price": listing.price_yuan,
                "closes": listing.closes_at.isoformat(timespec="seconds"),
            }
        placed = []
        for bidder, price in bids:
            with db.transaction() as s:
                placed.append(bank.bid(s, bidder, package_serial, price)["bid"])
        with db.transaction() as s:
            trade = bank.close(s, ACTOR, package_serial, force=True)["trade"]
        with db.transaction() as s:
            settlement = bank.settle(
                s,
                ACTOR,
                package_serial,
                trade_id=trade["id"],
                amount_yuan=trade["price_yuan"],
                reference=f"DEMO-PAY-{trade['id']:04d}",
                paid_on=today,
            )
            settled = {
                "amount": settlement.amount_yuan,
                "reference": settlement.reference,
                "on": settlement.paid_on.isoformat(),
            }
        demo.facts["bank"] = {
            "deposits": [p["serial"] for p in packaged],
            "package": package_serial,
            "area_km2": package_area,
            "value": package_value,
            "listing": listing_facts,
            "bids": [{"bidder": b["bidder"], "price": b["price_yuan"]} for b in placed],
            "trade": {
                "id": trade["id"],
                "seller": trade["seller"],
                "buyer": trade["buyer"],
                "price": trade["price_yuan"],
                "rule": trade["rule"],
            },
            "settlement": settled,
            "folder": f"valuation/{package_serial}",
        }

        # 7. a carbon-sink right, a second claim of its tonnes refused, its retirement
        year = int(json.loads((Path(accounts_dir) / "run.json").read_text(encoding="utf-8"))["year"])
        tonnes = round(_sink_tonnes(accounts_dir, sink["geometry"]), 3)
        sink_serial = f"SINK-{county}-001"
        boundary = shapely.geometry.mapping(sink["geometry"])
        with db.transaction() as s:
            ledger.register(
                s,
                ACTOR,
                serial=sink_serial,
                type="carbon_sink",
                owner=sink["owner"],
                county=county,
                name=f"{sink['serial']} 碳汇",
                boundary=boundary,
                attributes={
                    "tonnes_co2": tonnes,
                    "year_from": year,
                    "year_to": year,
                    "asset": f"parcel:{sink['serial']}",
                },
                demonstration=True,
            )
        double = None
        try:
            with db.transaction() as s:
                ledger.register(
                    s,
                    ACTOR,
                    serial=f"SINK-{county}-002",
                    type="carbon_sink",
                    owner=sink["owner"],
                    county=county,
                    boundary=boundary,
                    attributes={
                        "tonnes_co2": tonnes,
                        "year_from": year,
                        "year_to": year,
                        "asset": f"parcel:{sink['serial']}",
                    },
                    demonstration=True,
                )
        except ledger.RegistryConflict:
            double = {"holder": sink_serial}
        with db.transaction() as s:
            retired = bank.retire(
                s, ACTOR, sink_serial, reason="自愿抵消（演示）", beneficiary=NAMES["enterprise"][0]
            )
            demo.facts["sink"] = {
                "serial": sink_serial,
                "parcel": sink["serial"],
                "tonnes": tonnes,
                "year": year,
                "double": double,
                "beneficiary": retired.beneficiary,
            }

        # 8. the ledger verified
        with db.transaction(write=False) as s:
            verified = ledger.verify(s)
            demo.ledger = ledger.entries(s, limit=1000)
        demo.facts["ledger"] = {
            "ok": verified.ok,
            "entries": verified.entries,
            "audit": verified.audit_entries,
            "reason_zh": verified.reason("zh"),
            "reason_en": verified.reason("en"),
        }
    finally:
        db.dispose()

    # 9. a credit score under the cited rule, evidence labelled demonstration
    rule = credit.load_rules()[CREDIT_RULE]
    evidence = [
        credit.Evidence(f"DEMO-E{k}", code, value, today - dt.timedelta(days=days), ACTOR, "demonstration")
        for k, (code, value, days) in enumerate(EVIDENCE, start=1)
    ]
    score = credit.score_subject(rule, evidence, today, subject_id=NAMES["enterprise"][0])
    allowed, reason = credit.may_list(score, today)
    demo.facts["credit"] = {"score": score, "allowed": allowed, "reason": reason}

    # 10. a traced batch of Gannan navel oranges with its lookup pages
    season = _season(today)
    point = origin["geometry"].representative_point()
    origin_record = trace.Origin(origin["serial"], demo.county_name, NAMES["coop"][0], county_code=county)
    batch = trace.new_batch(
        f"DEMO-GNQC-{season}-001",
        "赣南脐橙",
        origin_record,
        created=f"{season}-11-01T08:00:00+08:00",
        product_en="Gannan navel orange",
    )
    steps = [
        trace.Step(
            "harvest",
            NAMES["coop"][0],
            demo.county_name,
            f"{season}-11-05T08:30:00+08:00",
            trace.Quantity(1200, "kg"),
        ),
        trace.Step(
            "processing",
            NAMES["packer"][0],
            demo.county_name,
            f"{season}-11-06T10:00:00+08:00",
            trace.Quantity(1150, "kg"),
            trace.Quantity(1200, "kg"),
            note="清洗、分级（演示）",
        ),
        trace.Step(
            "packing",
            NAMES["packer"][0],
            demo.county_name,
            f"{season}-11-06T16:00:00+08:00",
            trace.Quantity(2200, "斤"),
            trace.Quantity(1150, "kg"),
        ),
        trace.Step(
            "sale",
            NAMES["shop"][0],
            "南昌市",
            f"{season}-11-09T09:00:00+08:00",
            trace.Quantity(2200, "斤"),
            trace.Quantity(2200, "斤"),
        ),
    ]
    for step in steps:
        batch = trace.append_step(batch, step)
    batch = trace.attach_certificate(
        batch,
        trace.Certificate(
            "brand",
            f"DEMO-GNQC-{season}",
            NAMES["brand_issuer"][0],
            f"{season}-01-01",
            f"{season + 1}-12-31",
            brand="gannan_navel_orange",
        ),
    )
    evaluation = cq.evaluate_county(CLIMATE_RULE, county, point=(point.x, point.y))
    batch = trace.attach_certificate(
        batch,
        trace.climate_certificate(
            evaluation, f"DEMO-QH-{season}-001", NAMES["issuer"][0], dt.date(season, 11, 1)
        ),
    )
    trace_folder = out / "trace"
    trace_folder.mkdir(parents=True, exist_ok=True)
    (trace_folder / "batch.json").write_text(trace.to_json(batch) + "\n", encoding="utf-8")
    trace.write_lookup(batch, trace_folder / batch.code, on=today)
    tampered = trace.batch_from_dict(json.loads(trace.to_json(batch)))
    changed = trace.step_to_dict(tampered.steps[0]) | {"quantity_out": {"amount": 1500, "unit": "kg"}}
    entries = list(tampered.entries)
    entries[0] = type(entries[0])(**{**entries[0].__dict__, "record": changed})
    tampered = type(tampered)(**{**tampered.__dict__, "entries": tuple(entries)})
    demo.facts["trace"] = {
        "batch": batch,
        "code": batch.code,
        "folder": f"trace/{batch.code}",
        "origin": origin["serial"],
        "origin_type": origin["type"],
        "evaluation": evaluation,
        "losses": trace.losses(batch),
        "valid": trace.verify(batch.code, batch).status,
        "tampered": trace.verify(batch.code, tampered).status,
    }
    demo.lines = summary(demo)
    (out / "demo.json").write_text(
        json.dumps(record(demo), ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    pages.write(out, lambda t: render_page(demo, t))
    return demo


def record(demo: Demo) -> dict:
    """The figures of the run as JSON (``demo.json``)."""
    facts = dict(demo.facts)
    score = facts["credit"]["score"]
    facts["credit"] = {
        **score.to_dict(),
        "allowed": facts["credit"]["allowed"],
        "reason": facts["credit"]["reason"],
    }
    facts["trace"] = {k: v for k, v in facts["trace"].items() if k != "batch"}
    return {
        "status": "demonstration",
        "pack": demo.pack,
        "accounts": demo.accounts,
        "county": demo.county,
        "run_on": demo.today.isoformat(),
        "parcels": [{k: v for k, v in p.items() if k != "geometry"} for p in demo.parcels],
        **facts,
    }


def summary(demo: Demo) -> list[str]:
    """One line per step, in English (the command prints them; the pages say it in both languages)."""
    f = demo.facts
    c, v, p, b, s = f["checks"], f["valuation"], f["pledge"], f["bank"], f["sink"]
    score, tr = f["credit"]["score"], f["trace"]
    return [
        f"parcels (demonstration): {c['parcels']} in {demo.county} ({demo.county_name}), "
        f"{c['area_km2']:,.3f} km²; "
        f"overlaps with the resubmitted copy: {c['overlaps']}; gaps {c['gaps']} ({c['covered']:.2%} covered)",
        f"registered: {f['registered']['rights']} rights",
        f"VEP {v['serial']}: {v['flow']:,.0f} yuan/yr, PV {v['value']:,.0f} yuan (3 %, 20 yr)",
        f"pledge: loan {p['loan']:,.0f} yuan ≤ {p['ltv']:g} × {v['value']:,.0f} = {p['most']:,.0f} yuan "
        f"(the bank's limit; no published LTV rule); over-limit attempt refused: {p['refused'] is not None}",
        f"package {b['package']}: {b['value']:,.0f} yuan; {len(b['bids'])} bids; trade "
        f"{b['trade']['price']:,.0f} "
        f"yuan to {b['trade']['buyer']}; settled {b['settlement']['amount']:,.0f} yuan",
        f"carbon sink {s['serial']}: {s['tonnes']:,.3f} t CO2 ({s['year']}), second claim refused: "
        f"{s['double'] is not None}; retired",
        f"ledger: {'verifies' if f['ledger']['ok'] else 'FAILS'} ({f['ledger']['entries']} entries)",
        f"credit ({CREDIT_RULE}, demonstration evidence): score {score.score}, grade "
        f"{score.grade.code if score.grade else '—'}, valid until {score.expires_on}",
        f"trace {trace_code(tr['code'])}: climate quality {tr['evaluation']['grade_en'] or '—'} "
        f"(complete: {tr['evaluation']['complete']}); verification {tr['valid']}, tampered copy "
        f"{tr['tampered']}",
    ]


def trace_code(code: str) -> str:
    from ecoledger.registry import trace

    return trace.display_code(code)


# --- the page ------------------------------------------------------------------------------------

i18n.register(
    {
        "registry.demo.title": entry(
            "自然资源权利登记簿：江西示例", "Natural-resource rights registry: Jiangxi worked example"
        ),
        "registry.demo.lede": entry(
            "在一个新建的登记簿中逐步演示：宗地检查与登记、VEP 估值、质押、存入“两山”银行、打包、挂牌、竞价、"
            "成交、"
            "结算、碳汇权利注销、账本校验、企业生态信用评分和赣南脐橙的产品追溯。每一步都通过登记簿自身的函数"
            "完成，"
            "每次状态变化都记入哈希链账本。",
            "Step by step in a new registry: parcel checks and registration, a VEP valuation, a pledge, "
            "deposits "
            "into a 两山 bank, a package, a listing, bids, a trade, settlement, the retirement of a "
            "carbon-sink "
            "right, the ledger verified, an enterprise's ecological credit score and the traceability of a "
            "batch "
            "of Gannan navel oranges. Each step goes through the registry's own functions; every change of "
            "state is an entry of the hash-chained ledger.",
        ),
        "registry.demo.warning": entry(
            "演示数据：离线没有真实的宗地登记资料。宗地由数据包的真实土地覆被在真实县界内抽取，权利人为虚构的"
            "村集体；"
            "银行、“两山”银行、竞买人、企业和合作社均为虚构；信用证据数值为演示值。真实的是：土地覆被与县界、"
            "2019 年核算的价值量与固碳地图、所引的信用规则和气候品质阈值、气象站气候。",
            "Demonstration data: real parcel registers are not available offline. The parcels are drawn from "
            "the "
            "pack's real land cover inside a real county boundary, owned by fictitious village collectives; "
            "the "
            "banks, bidders, enterprise and co-operative are fictitious; the credit evidence values are "
            "demonstration values. Real are: the land cover and county boundary, the 2019 account's value "
            "and "
            "carbon maps, the cited credit rule and climate-quality thresholds, the station climate.",
        ),
        "registry.demo.pack": entry("区域数据包", "Region pack"),
        "registry.demo.accounts": entry("核算结果（价值量地图）", "Accounts (value maps)"),
        "registry.demo.county": entry("演示县", "County"),
        "registry.demo.run_on": entry("运行日期", "Run on"),
        "registry.demo.store": entry("登记簿数据库", "Registry store"),
        "registry.demo.store_note": entry(
            "可用 {command} 重新校验账本", "verify its ledger again with {command}"
        ),
        "registry.demo.files": entry("文件", "Files"),
        "registry.demo.parcels_h": entry("一、宗地：抽取与检查", "1. Parcels: drawn and checked"),
        "registry.demo.parcels_p": entry(
            "在{county}（{code}）的土地覆被中按 3 km 网格切出连片同类地块，随机抽取 {n} 个（示范数据，并非已"
            "登记的宗地）；"
            "面积、重叠与空隙在等积坐标系中计算。",
            "{n} parcels drawn at random from contiguous patches of one land-cover class cut by a 3 km grid "
            "in "
            "{county} ({code}) (demonstration data, not registered parcels); areas, overlaps and gaps in an "
            "equal-area CRS.",
        ),
        "registry.demo.serial": entry("编号", "Serial"),
        "registry.demo.type": entry("资源类型", "Type"),
        "registry.demo.landcover": entry("土地覆被类", "Land-cover class"),
        "registry.demo.owner": entry("权利人（虚构）", "Owner (fictitious)"),
        "registry.demo.area_ha": entry("面积（公顷）", "Area (ha)"),
        "registry.demo.overlap_h": entry("重叠检查", "Overlap check"),
        "registry.demo.overlap_found": entry(
            "把 {a} 平移 {shift} m 后作为 {b} 重新提交：发现重叠 {m2} m²（占 {share}），该副本不予登记。",
            "{a} resubmitted as {b}, shifted by {shift} m: an overlap of {m2} m² ({share} of it) is found "
            "and the "
            "copy is not registered.",
        ),
        "registry.demo.overlap_none": entry(
            "未发现重叠（检查未能发现重新提交的副本）。",
            "No overlap found (the check missed the resubmitted copy).",
        ),
        "registry.demo.gaps": entry(
            "以县界为登记范围：演示宗地覆盖 {covered}，其余 {gap} km²（{count} 处空隙）尚无登记。",
            "With the county as the registration area: the demonstration parcels cover {covered}; the rest, "
            "{gap} km² in {count} gaps, is not registered.",
        ),
        "registry.demo.registered": entry(
            "已登记 {n} 项权利，共 {area} km²，每项一条账本记录。",
            "{n} rights registered, {area} km² in all, one ledger entry each.",
        ),
        "registry.demo.checks_files": entry("重叠与空隙表", "Overlap and gap tables"),
        "registry.demo.valuation_h": entry(
            "二、估值：宗地 {serial} 的 VEP", "2. Valuation: VEP of parcel {serial}"
        ),
        "registry.demo.area": entry("面积", "Area"),
        "registry.demo.flow": entry("年生态产品流量（元/年）", "Yearly flow (yuan/yr)"),
        "registry.demo.pv": entry("现值（折现率 3%，20 年，元）", "Present value (rate 3 %, 20 years, yuan)"),
        "registry.demo.interval": entry("90% 区间（元）", "90 % interval (yuan)"),
        "registry.demo.match": entry(
            "证书地块与权利边界的重合度", "Certificate site vs. the right's boundary"
        ),
        "registry.demo.certificate": entry("估值证书", "Valuation certificate"),
        "registry.demo.pledge_h": entry("三、绿色金融：质押", "3. Green finance: a pledge"),
        "registry.demo.no_rule": entry(
            "没有已发布的以 VEP 估值质押的贷款价值比上限（`data/registry/pledge_rules.csv`）：上限 {ltv} 是演"
            "示银行给出的输入，"
            "不是规则。",
            "No published loan-to-value limit for a pledge on a VEP valuation exists (data/registry/"
            "pledge_rules.csv): the limit {ltv} is the demonstration bank's input, not a rule.",
        ),
        "registry.demo.bank": entry("贷款银行（虚构）", "Lending bank (fictitious)"),
        "registry.demo.ltv": entry("贷款价值比上限（银行的输入）", "Loan-to-value limit (the bank's input)"),
        "registry.demo.most": entry(
            "最高贷款 = 上限 × 估值（元）", "Largest loan = limit × valuation (yuan)"
        ),
        "registry.demo.loan": entry("登记的贷款（元）", "Loan registered (yuan)"),
        "registry.demo.term": entry("期限", "Term"),
        "registry.demo.months": entry("{n} 个月，自 {start}", "{n} months from {start}"),
        "registry.demo.attempt": entry("超限尝试：贷款 {loan} 元", "Over the limit: a loan of {loan} yuan"),
        "registry.demo.refused": entry("已拒绝：{reason}", "refused: {reason}"),
        "registry.demo.accepted": entry("未被拒绝（错误）", "not refused (a fault)"),
        "registry.demo.register": entry("各县质押登记表", "Pledges per county"),
        "registry.demo.pledges": entry("质押笔数", "Pledges"),
        "registry.demo.valued": entry("质押估值（元）", "Valued (yuan)"),
        "registry.demo.loans": entry("贷款（元）", "Loans (yuan)"),
        "registry.demo.bank_h": entry("四、“两山”银行与交易", "4. The 两山 bank and trading"),
        "registry.demo.deposit": entry("存入", "Deposits"),
        "registry.demo.deposits": entry("{serials} 存入 {bank}", "{serials} deposited in {bank}"),
        "registry.demo.package": entry("资产包", "Package"),
        "registry.demo.package_value": entry("资产包 VEP 现值（元）", "Package VEP present value (yuan)"),
        "registry.demo.listing": entry("挂牌", "Listing"),
        "registry.demo.auction": entry(
            "竞价，底价 {price} 元，期满 {closes}（协调世界时）",
            "auction, reserve {price} yuan, closing {closes} UTC",
        ),
        "registry.demo.bids": entry("出价", "Bids"),
        "registry.demo.bidder": entry("出价人（虚构）", "Bidder (fictitious)"),
        "registry.demo.price": entry("出价（元）", "Bid (yuan)"),
        "registry.demo.trade": entry(
            "成交（管理员提前结束竞价）", "Trade (closed early by an administrator)"
        ),
        "registry.demo.traded": entry(
            "成交 {id}：{seller} → {buyer}，{price} 元", "trade {id}: {seller} → {buyer}, {price} yuan"
        ),
        "registry.demo.settlement": entry("结算", "Settlement"),
        "registry.demo.settled": entry(
            "{amount} 元，凭证 {reference}，{on}", "{amount} yuan, reference {reference}, {on}"
        ),
        "registry.demo.sink_h": entry(
            "五、碳汇权利的登记与注销", "5. A carbon-sink right registered and retired"
        ),
        "registry.demo.sink_p": entry(
            "在宗地 {parcel} 上登记碳汇权利 {serial}：{tonnes} 吨 CO₂（{year} 年核算的固碳地图在宗地内的合计"
            "），"
            "通过碳模块的防重复声明检查声明。",
            "Carbon-sink right {serial} on parcel {parcel}: {tonnes} t CO₂ (the {year} account's carbon "
            "sequestration map summed inside the parcel), claimed through the carbon module's double-claim "
            "guard.",
        ),
        "registry.demo.double_refused": entry(
            "已拒绝：这些碳汇量已由 {holder} 声明（碳模块的防重复声明检查）",
            "refused: these tonnes are claimed by {holder} already (the carbon module's double-claim guard)",
        ),
        "registry.demo.double": entry("再次声明同一碳汇量", "The same tonnes claimed again"),
        "registry.demo.retire": entry("注销", "Retirement"),
        "registry.demo.retired": entry(
            "{serial} 已注销：自愿抵消（演示），受益方 {beneficiary}",
            "{serial} retired: a voluntary offset (demonstration) on behalf of {beneficiary}",
        ),
        "registry.demo.ledger_h": entry("六、账本校验", "6. The ledger verified"),
        "registry.demo.ledger_ok": entry(
            "账本校验通过：{entries} 条记录的哈希链在审计密钥下重新计算一致，其中 {audit} 条与审计日志中的记"
            "录一致。",
            "The ledger verifies: the hash chain of its {entries} entries recomputes under the audit key; "
            "{audit} "
            "are held against the audit log.",
        ),
        "registry.demo.ledger_bad": entry("账本校验未通过：{reason}", "The ledger does NOT verify: {reason}"),
        "registry.demo.seq": entry("序号", "No."),
        "registry.demo.action": entry("操作", "Action"),
        "registry.demo.object": entry("对象", "Object"),
        "registry.demo.actor": entry("操作人", "Actor"),
        "registry.demo.hash": entry("哈希（前 12 位）", "Hash (first 12)"),
        "registry.demo.entries": entry("账本记录", "Ledger entries"),
        "registry.demo.credit_h": entry("七、生态信用评分", "7. Ecological credit score"),
        "registry.demo.credit_p": entry(
            "规则是真实的（{rule}，见 `data/registry/credit_rules.csv` 的出处），企业和证据数值是演示数据。",
            "The rule is real ({rule}, cited in data/registry/credit_rules.csv); the enterprise and its "
            "evidence "
            "values are demonstration data.",
        ),
        "registry.demo.subject": entry("被评价企业（虚构）", "Enterprise (fictitious)"),
        "registry.demo.indicator": entry("指标", "Indicator"),
        "registry.demo.value": entry("数值（演示）", "Value (demonstration)"),
        "registry.demo.points": entry("得分", "Points"),
        "registry.demo.weight": entry("权重", "Weight"),
        "registry.demo.evidence": entry("证据编号与日期", "Evidence and date"),
        "registry.demo.score": entry("总分", "Score"),
        "registry.demo.grade": entry("等级", "Grade"),
        "registry.demo.missing": entry("缺失指标", "Missing"),
        "registry.demo.none": entry("无", "none"),
        "registry.demo.expires": entry("有效至", "Valid until"),
        "registry.demo.listing_rule": entry("对挂牌的影响", "Effect on listing"),
        "registry.demo.trace_h": entry("八、产品追溯：赣南脐橙", "8. Traceability: Gannan navel oranges"),
        "registry.demo.trace_p": entry(
            "批次来自演示宗地 {parcel}（{type}），经采收、加工、包装到销售；附品牌证书和按所引阈值对{county}"
            "气象站气候的"
            "气候品质评价。评价结果照实显示。",
            "The batch comes from demonstration parcel {parcel} ({type}) through harvest, processing, "
            "packing and "
            "sale, with the brand certificate and the climate-quality evaluation of {county}'s station "
            "climate "
            "against the cited thresholds, shown as it comes out.",
        ),
        "registry.demo.code": entry("追溯码", "Trace code"),
        "registry.demo.lookup": entry("公开查询页", "Public lookup page"),
        "registry.demo.steps": entry("流转环节与损耗", "Steps and losses"),
        "registry.demo.step": entry("环节", "Step"),
        "registry.demo.input": entry("投入", "Input"),
        "registry.demo.output": entry("产出", "Output"),
        "registry.demo.loss": entry("损耗", "Loss"),
        "registry.demo.climate": entry("气候品质（{rule}）", "Climate quality ({rule})"),
        "registry.demo.climate_grade": entry("等级", "Grade"),
        "registry.demo.incomplete": entry(
            "不完整：缺少{missing}（月值气候资料无法给出），等级按已有指标评定。",
            "Incomplete: {missing} missing (monthly normals cannot give it); the grade "
            "is that of the indicators present.",
        ),
        "registry.demo.complete": entry("指标齐全。", "All indicators present."),
        "registry.demo.station": entry("气象站", "Station"),
        "registry.demo.period": entry("时段", "Period"),
        "registry.demo.verification": entry("核验", "Verification"),
        "registry.demo.verified": entry(
            "追溯码核验：{valid}；改动第 1 条记录的副本：{tampered}",
            "Trace-code check: {valid}; a copy with entry 1 changed: {tampered}",
        ),
        "registry.demo.yes": entry("是", "yes"),
        "registry.demo.no": entry("否", "no"),
    }
)

ACTIONS = (
    "register",
    "value",
    "pledge",
    "release",
    "deposit",
    "package",
    "list",
    "bid",
    "trade",
    "settle",
    "retire",
    "delist",
    "unsold",
)
i18n.register(
    {
        f"registry.demo.act.{a}": entry(zh, a)
        for a, zh in zip(
            ACTIONS,
            (
                "登记",
                "估值",
                "质押",
                "解押",
                "存入",
                "打包",
                "挂牌",
                "出价",
                "成交",
                "结算",
                "注销",
                "摘牌",
                "流拍",
            ),
            strict=True,
        )
    }
)


i18n.register({f"registry.demo.name.{key}": entry(zh, en) for key, (zh, en) in NAMES.items()})


def _name(value: str, t) -> str | Markup:
    """A fictitious party's name in the page's language (the store records the Chinese one)."""
    for key, (zh, _) in NAMES.items():
        if value == zh:
            return t(f"registry.demo.name.{key}")
    return value if t.lang == "zh" else pages.foreign(value, "zh")


def _say(t, key: str, **fields) -> Markup:
    """A catalogue phrase with ``fields`` filled in, markup kept (``<code>``, a foreign name)."""
    return Markup(t(key)).format(**fields)


def _code(value) -> Markup:
    return Markup("<code>{}</code>").format(value)


def _link(href: str, label: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, label)


def _table(columns, rows, caption: str = "") -> pages.Table:
    return pages.Table(
        [pages.Column(k, h, numeric=n) for k, h, n in columns], rows, caption, row_classes=[""] * len(rows)
    )


def page_model(demo: Demo, t) -> dict:
    """The page's sections in ``t``'s language."""
    from ecoledger.registry import parcels as parcel_words
    from ecoledger.registry import trace

    f, lang = demo.facts, t.lang
    yes_no = {True: t("registry.demo.yes"), False: t("registry.demo.no")}
    c = f["checks"]
    parcel_table = _table(
        [
            ("serial", t("registry.demo.serial"), False),
            ("type", t("registry.demo.type"), False),
            ("landcover", t("registry.demo.landcover"), False),
            ("owner", t("registry.demo.owner"), False),
            ("area", t("registry.demo.area_ha"), True),
        ],
        [
            [
                _code(p["serial"]),
                parcel_words.label("type", p["type"], lang),
                pages.foreign(p["landcover"]),
                p["owner"] if lang == "zh" else pages.foreign(p["owner"], "zh"),
                f"{p['area_ha']:,.2f}",
            ]
            for p in demo.parcels
        ],
    )
    o = c["overlap"]
    overlap = (
        t(
            "registry.demo.overlap_found",
            a=o["a"],
            b=o["b"],
            shift=f"{c['shift_m']:g}",
            m2=f"{o['m2']:,.0f}",
            share=i18n.percent(o["share"], 1),
        )
        if o
        else t("registry.demo.overlap_none")
    )
    v = f["valuation"]
    cert_links = Markup(" · ").join(
        [
            _link(f"{v['folder']}/certificate.json", "JSON"),
            _link(f"{v['folder']}/certificate{'' if lang == 'zh' else '.en'}.html", "HTML"),
        ]
    )
    valuation = [
        (t("registry.demo.area"), f"{v['area_km2']:,.4f} km²"),
        (t("registry.demo.flow"), _money(v["flow"])),
        (t("registry.demo.pv"), _money(v["value"])),
    ]
    if v["p05"] is not None:
        valuation.append((t("registry.demo.interval"), f"{_money(v['p05'])} – {_money(v['p95'])}"))
    valuation += [
        (t("registry.demo.match"), i18n.percent(v["match"], 1)),
        (t("registry.demo.certificate"), cert_links),
    ]
    p = f["pledge"]
    refused = p["refused"]
    pledge = [
        (t("registry.demo.bank"), _name(NAMES["bank"][0], t)),
        (t("registry.demo.ltv"), f"{p['ltv']:g}"),
        (t("registry.demo.most"), _money(p["most"])),
        (t("registry.demo.loan"), _money(p["loan"])),
        (t("registry.demo.term"), t("registry.demo.months", n=p["term"], start=p["start"])),
        (
            t("registry.demo.attempt", loan=_money(p["attempt"])),
            t("registry.demo.refused", reason=refused[lang]) if refused else t("registry.demo.accepted"),
        ),
    ]
    register = _table(
        [
            ("county", t("registry.demo.county"), False),
            ("n", t("registry.demo.pledges"), True),
            ("valued", t("registry.demo.valued"), True),
            ("loans", t("registry.demo.loans"), True),
        ],
        [
            [r["county"], str(r["pledges"]), _money(r["valued_yuan"]), _money(r["loan_yuan"])]
            for r in p["register"]
        ],
        t("registry.demo.register"),
    )
    b = f["bank"]
    bank_facts = [
        (
            t("registry.demo.deposit"),
            _say(
                t,
                "registry.demo.deposits",
                bank=_name(NAMES["two_mountains"][0], t),
                serials=Markup(", ").join(_code(s) for s in b["deposits"]),
            ),
        ),
        (
            t("registry.demo.package"),
            Markup("{} · {} km²").format(_code(b["package"]), f"{b['area_km2']:,.4f}"),
        ),
        (
            t("registry.demo.package_value"),
            Markup("{} · {}").format(
                _money(b["value"]),
                _link(
                    f"{b['folder']}/certificate{'' if lang == 'zh' else '.en'}.html",
                    t("registry.demo.certificate"),
                ),
            ),
        ),
        (
            t("registry.demo.listing"),
            t("registry.demo.auction", price=_money(b["listing"]["price"]), closes=b["listing"]["closes"]),
        ),
        (
            t("registry.demo.trade"),
            t(
                "registry.demo.traded",
                id=b["trade"]["id"],
                seller=_name(b["trade"]["seller"], t),
                buyer=_name(b["trade"]["buyer"], t),
                price=_money(b["trade"]["price"]),
            ),
        ),
        (
            t("registry.demo.settlement"),
            t(
                "registry.demo.settled",
                amount=_money(b["settlement"]["amount"]),
                reference=b["settlement"]["reference"],
                on=b["settlement"]["on"],
            ),
        ),
    ]
    bids = _table(
        [("bidder", t("registry.demo.bidder"), False), ("price", t("registry.demo.price"), True)],
        [[_name(x["bidder"], t), _money(x["price"])] for x in b["bids"]],
        t("registry.demo.bids"),
    )
    s = f["sink"]
    sink = [
        (
            t("registry.demo.double"),
            t("registry.demo.double_refused", holder=s["double"]["holder"])
            if s["double"]
            else t("registry.demo.accepted"),
        ),
        (
            t("registry.demo.retire"),
            _say(
                t, "registry.demo.retired", serial=_code(s["serial"]), beneficiary=_name(s["beneficiary"], t)
            ),
        ),
    ]
    led = f["ledger"]
    ledger_text = (
        t("registry.demo.ledger_ok", entries=led["entries"], audit=led["audit"])
        if led["ok"]
        else t("registry.demo.ledger_bad", reason=led[f"reason_{lang}"])
    )
    ledger_table = _table(
        [
            ("seq", t("registry.demo.seq"), True),
            ("action", t("registry.demo.action"), False),
            ("object", t("registry.demo.object"), False),
            ("actor", t("registry.demo.actor"), False),
            ("hash", t("registry.demo.hash"), False),
        ],
        [
            [
                str(e["seq"]),
                t(f"registry.demo.act.{e['action']}")
                if f"registry.demo.act.{e['action']}" in i18n.MESSAGES
                else pages.foreign(e["action"]),
                _code(e["object"]),
                _name(e["actor"], t) if e["actor"] != ACTOR else _code(e["actor"]),
                _code(e["hash"][:12]),
            ]
            for e in demo.ledger
        ],
        t("registry.demo.entries"),
    )
    score = f["credit"]["score"]
    rule = score.rule
    items = {i.code: i for i in score.items}
    evidence = {e.indicator: e for e in score.evidence}
    credit_rows = []
    for code, _, _ in EVIDENCE:
        item, record_ = rule.item(code), evidence.get(code)
        scored = items.get(code)
        credit_rows.append(
            [
                item.name_zh if lang == "zh" else item.name_en,
                "—" if record_ is None else f"{record_.value:g}",
                "—" if scored is None else f"{scored.points:g}",
                "—" if scored is None else f"{scored.weight:g}",
                "—"
                if record_ is None
                else Markup("{} · {}").format(_code(record_.evidence_id), record_.date.isoformat()),
            ]
        )
    credit_table = _table(
        [
            ("indicator", t("registry.demo.indicator"), False),
            ("value", t("registry.demo.value"), True),
            ("points", t("registry.demo.points"), True),
            ("weight", t("registry.demo.weight"), True),
            ("evidence", t("registry.demo.evidence"), False),
        ],
        credit_rows,
    )
    sep = "、" if lang == "zh" else ", "
    credit_facts = [
        (t("registry.demo.subject"), _name(score.subject_id, t)),
        (t("registry.demo.score"), "—" if score.score is None else f"{score.score:g}"),
        (t("registry.demo.grade"), score.grade.name(lang) if score.grade else "—"),
        (
            t("registry.demo.missing"),
            sep.join((rule.item(m).name_zh if lang == "zh" else rule.item(m).name_en) for m in score.missing)
            or t("registry.demo.none"),
        ),
        (t("registry.demo.expires"), score.expires_on.isoformat()),
        (t("registry.demo.listing_rule"), f["credit"]["reason"][lang]),
    ]
    tr = f["trace"]
    ev = tr["evaluation"]
    batch = tr["batch"]
    losses = {x["seq"]: x for x in trace.losses(batch)} if tr["losses"] else {}
    step_rows = []
    for e in batch.entries:
        if e.type != "step":
            continue
        step = trace.step_from_dict(e.record)
        loss = losses.get(e.seq, {})
        step_rows.append(
            [
                t(f"registry.trace.page.step.{step.kind}"),
                _name(step.actor, t),
                "—" if step.quantity_in is None else str(step.quantity_in),
                str(step.quantity_out),
                "—" if loss.get("loss") is None else f"{loss['loss']:g} {loss.get('unit', '')}".strip(),
            ]
        )
    step_table = _table(
        [
            ("step", t("registry.demo.step"), False),
            ("actor", t("registry.demo.actor"), False),
            ("in", t("registry.demo.input"), True),
            ("out", t("registry.demo.output"), True),
            ("loss", t("registry.demo.loss"), True),
        ],
        step_rows,
        t("registry.demo.steps"),
    )
    climate_rows = []
    for item in ev["indicators"]:
        value = "—" if item["value"] is None else f"{item['value']:,.1f} {item['unit']}"
        grade = (item["grade"] if lang == "zh" else item["grade_en"]) or "—"
        climate_rows.append(
            [t(f"registry.trace.page.indicator.{item['indicator']}"), item["period"] or "—", value, grade]
        )
    climate_table = _table(
        [
            ("indicator", t("registry.demo.indicator"), False),
            ("period", t("registry.demo.period"), False),
            ("value", t("registry.demo.value").split("（")[0].split(" (")[0], True),
            ("grade", t("registry.demo.climate_grade"), False),
        ],
        climate_rows,
        t("registry.demo.climate", rule=ev["product_zh"] if lang == "zh" else ev["product_en"]),
    )
    missing = sep.join(t(f"registry.trace.page.indicator.{m}") for m in ev["missing"])
    status = {
        k: t(f"registry.trace.page.status_short.{k}") for k in ("valid", "tampered", "unknown", "invalid")
    }
    code = trace.display_code(tr["code"])
    lookup = Markup(" · ").join(
        [
            _link(f"{tr['folder']}/index.html", "中文"),
            Markup('<a href="{}" lang="en">English</a>').format(f"{tr['folder']}/index.en.html"),
        ]
    )
    data = ev["data"]
    station = (data.get("station_name_zh") if lang == "zh" else data.get("station_name")) or "—"
    trace_facts = [
        (t("registry.demo.code"), _code(code)),
        (t("registry.demo.lookup"), lookup),
        (t("registry.demo.climate_grade"), (ev["grade"] if lang == "zh" else ev["grade_en"]) or "—"),
        (
            t("registry.demo.station"),
            f"{station} ({data.get('distance_km', '—')} km)"
            if lang == "en"
            else f"{station}（{data.get('distance_km', '—')} km）",
        ),
        (
            t("registry.demo.verification"),
            t("registry.demo.verified", valid=status[tr["valid"]], tampered=status[tr["tampered"]]),
        ),
    ]
    county_name = demo.county_name if lang == "zh" else pages.foreign(demo.county_name, "zh")
    return {
        "facts": [
            (t("registry.demo.pack"), _code(demo.pack)),
            (t("registry.demo.accounts"), _code(demo.accounts)),
            (t("registry.demo.county"), Markup("{} ({})").format(county_name, demo.county)),
            (t("registry.demo.run_on"), demo.today.isoformat()),
            (
                t("registry.demo.store"),
                Markup("{} · {}").format(
                    _code("store/ecoledger.db"),
                    Markup(t("registry.demo.store_note")).format(
                        command=_code("ecoledger registry verify --data store")
                    ),
                ),
            ),
        ],
        "parcels_p": _say(t, "registry.demo.parcels_p", county=county_name, code=demo.county, n=c["parcels"]),
        "parcel_table": parcel_table,
        "overlap": overlap,
        "gaps": t(
            "registry.demo.gaps",
            covered=i18n.percent(c["covered"], 2),
            gap=f"{c['gap_km2']:,.1f}",
            count=c["gaps"],
        ),
        "registered": t(
            "registry.demo.registered",
            n=f["registered"]["rights"],
            area=f"{f['registered']['area_km2']:,.4f}",
        ),
        "checks_links": Markup(" · ").join(
            [
                _link("checks/overlaps.csv", "overlaps.csv"),
                _link("checks/gaps.csv", "gaps.csv"),
                _link("checks/checks.gpkg", "checks.gpkg"),
                _link("parcels.gpkg", "parcels.gpkg"),
            ]
        ),
        "valuation_h": t("registry.demo.valuation_h", serial=v["serial"]),
        "valuation": valuation,
        "no_rule": t("registry.demo.no_rule", ltv=f"{p['ltv']:g}"),
        "pledge": pledge,
        "register": register,
        "bank_facts": bank_facts,
        "bids": bids,
        "sink_p": t(
            "registry.demo.sink_p",
            parcel=s["parcel"],
            serial=s["serial"],
            tonnes=f"{s['tonnes']:,.3f}",
            year=s["year"],
        ),
        "sink": sink,
        "ledger_ok": led["ok"],
        "ledger_text": ledger_text,
        "ledger_table": ledger_table,
        "credit_p": t("registry.demo.credit_p", rule=rule.name_zh if lang == "zh" else rule.name_en),
        "credit_table": credit_table,
        "credit_facts": credit_facts,
        "trace_p": _say(
            t,
            "registry.demo.trace_p",
            parcel=tr["origin"],
            type=parcel_words.label("type", tr["origin_type"], lang),
            county=county_name,
        ),
        "trace_facts": trace_facts,
        "step_table": step_table,
        "climate_table": climate_table,
        "climate_note": t("registry.demo.incomplete", missing=missing)
        if ev["missing"]
        else t("registry.demo.complete"),
        "yes_no": yes_no,
    }


def render_page(demo: Demo, t) -> str:
    """The index page in ``t``'s language."""
    return pages.environment().get_template("registry/demo.html.j2").render(t=t, **page_model(demo, t))
