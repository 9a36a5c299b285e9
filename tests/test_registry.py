"""The registry core (issue 18): the state machine by hand, pledge limits checked by hand, the
ledger's chain (tamper detected by ``ecoledger registry verify``, intact after a kill -9 of a
writer), what the database itself refuses, the API with its roles and audit entries, the CLI in
Chinese and English. On SQLite and on PostgreSQL (``ECOLEDGER_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from typer.testing import CliRunner

from ecoledger.applications import certificate
from ecoledger.cli.main import app as cli
from ecoledger.platform import audit
from ecoledger.platform.db import Database
from ecoledger.platform.models import AuditEntry
from ecoledger.registry import bank, finance, ledger
from ecoledger.registry.ledger import RegistryConflict, RegistryNotFound, RegistryRefused
from ecoledger.registry.store import (
    RegistryLedgerEntry,
    RegistryListing,
    RegistryPledge,
    RegistryRetirement,
    RegistryRight,
    RegistryTrade,
)

COUNTY = "360781"  # 瑞金市 (no units in a bare store: any six-digit code is taken)
runner = CliRunner()


def square(lon: float = 116.0, lat: float = 28.0, d: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
    }


def sealed(
    site: dict,
    value: float,
    p05: float | None = None,
    p95: float | None = None,
    issued: str = "2025-03-01T00:00:00Z",
) -> dict:
    """A VEP certificate as ``applications.vep.certify`` seals one (the fields the registry reads)."""
    body = {
        "format": certificate.FORMAT,
        "issued_at": issued,
        "present_value_yuan": value,
        "annual_flow_yuan": value / 10,
        "parameters": {"discount_rate": 0.03, "horizon_years": 20},
        "data_vintage": {"year": 2019},
        "site": {"name": "test", "geometry_crs84": site},
        "warnings": [],
    }
    if p05 is not None:
        body["uncertainty"] = {"present_value_yuan": {"p05": p05, "median": value, "p95": p95}}
    return certificate.seal(body)


@pytest.fixture
def db(store_url, tmp_path):
    database = Database(store_url)
    database.migrate()
    audit.configure(database, folder=tmp_path)  # the audit key (and the ledger's) in tmp_path
    yield database
    database.dispose()


def forest(
    db,
    serial: str = "F-1",
    lon: float = 116.0,
    owner: str = "下溪村集体",
    county: str = COUNTY,
    value: float | None = None,
) -> str:
    with db.transaction() as s:
        ledger.register(
            s, "clerk", serial=serial, type="forest", owner=owner, county=county, boundary=square(lon)
        )
    if value is not None:
        with db.transaction() as s:
            finance.attach_valuation(s, "clerk", serial, sealed(square(lon), value))
    return serial


def state(db, serial: str) -> str:
    with db.transaction(write=False) as s:
        return s.execute(select(RegistryRight.state).where(RegistryRight.serial == serial)).scalar_one()


def do(db, function, *args, **kwargs):
    with db.transaction() as s:
        return function(s, *args, **kwargs)


# --- registration ------------------------------------------------------------------------------


def test_register_computes_the_equal_area_area(db):
    from pyproj import Geod
    from shapely.geometry import shape

    forest(db)
    with db.transaction(write=False) as s:
        right = ledger.lock(s, "F-1", for_update=False)
        found = ledger.describe(s, right, geometry=True)
    geodesic, _ = Geod(ellps="WGS84").geometry_area_perimeter(shape(square()))
    # 0.01° × 0.01° at 28° N: about 0.9829 km × 1.1086 km
    assert found["area_km2"] == pytest.approx(abs(geodesic) / 1e6, rel=1e-4)
    assert found["area_km2"] == pytest.approx(1.0898, abs=1e-3)
    assert found["state"] == "registered" and found["boundary"]["type"] == "Polygon"


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"type": "forest"}, "needs its boundary"),
        ({"type": "emission", "boundary": square()}, "has no boundary"),
        ({"type": "mining"}, "not a right type"),
        ({"type": "forest", "boundary": {"type": "Point", "coordinates": [116, 28]}}, "not an area"),
        ({"type": "forest", "boundary": square(lon=500_000, lat=3_300_000, d=1000)}, "projected CRS"),
        (
            {
                "type": "forest",
                "boundary": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            },
            "not a valid polygon",
        ),
        ({"type": "forest", "boundary": square(), "county": "3607"}, "six-digit"),
        (
            {
                "type": "carbon_sink",
                "boundary": square(),
                "attributes": {"tonnes_co2": -1, "year_from": 2020, "year_to": 2024},
            },
            "tonnes",
        ),
    ],
)
def test_registration_refusals_name_the_field(db, kwargs, words):
    args = {"serial": "X-1", "owner": "某人", "county": COUNTY, **kwargs}
    with pytest.raises(RegistryRefused, match=words) as refused:
        do(db, ledger.register, "clerk", **args)
    assert refused.value.status == 400 and refused.value.message_zh != refused.value.message
    with db.transaction(write=False) as s:  # nothing stored, no ledger entry
        assert s.execute(select(func.count()).select_from(RegistryLedgerEntry)).scalar_one() == 0


def test_serial_numbers_are_unique(db):
    forest(db)
    with pytest.raises(RegistryConflict, match="registered already"):
        forest(db)


# --- the state machine by hand ------------------------------------------------------------------


def test_state_machine_of_a_parcel_right(db):
    forest(db)
    for action in (
        lambda s: finance.pledge(
            s,
            "bank",
            "F-1",
            bank="农商行",
            loan_yuan=1,
            term_months=12,
            start_on=dt.date(2025, 1, 1),
            ltv=0.5,
        ),
        lambda s: bank.list_right(s, "clerk", "F-1", price_yuan=10, term_days=30),
    ):
        with pytest.raises(RegistryConflict, match="registered"), db.transaction() as s:
            action(s)  # registered: neither pledged nor listed before a valuation
    do(db, finance.attach_valuation, "clerk", "F-1", sealed(square(), 1_000_000.0, 800_000.0, 1_250_000.0))
    assert state(db, "F-1") == "valued"
    do(
        db,
        finance.pledge,
        "bank",
        "F-1",
        bank="农商行",
        loan_yuan=500_000,
        term_months=24,
        start_on=dt.date(2025, 1, 1),
        ltv=0.6,
    )
    assert state(db, "F-1") == "pledged"
    for refused in (
        lambda s: finance.pledge(
            s, "bank", "F-1", bank="另一行", loan_yuan=1, term_months=1, start_on=dt.date(2025, 1, 1), ltv=0.5
        ),
        lambda s: bank.list_right(s, "clerk", "F-1", price_yuan=10, term_days=30),
        lambda s: bank.retire(s, "clerk", "F-1", reason="offset"),
        lambda s: finance.attach_valuation(s, "clerk", "F-1", sealed(square(), 2.0)),
    ):
        with pytest.raises(RegistryConflict, match="pledged") as conflict, db.transaction() as s:
            refused(s)
        assert conflict.value.status == 409 and "已质押" in conflict.value.message_zh
    do(db, finance.release, "bank", "F-1", dt.date(2025, 6, 30), "农商行")
    assert state(db, "F-1") == "valued"
    do(db, bank.list_right, "clerk", "F-1", price_yuan=900_000, term_days=30)
    assert state(db, "F-1") == "listed"
    with pytest.raises(RegistryRefused, match="owns F-1"):
        do(db, bank.bid, "下溪村集体", "F-1", 900_000)
    with pytest.raises(RegistryRefused, match="below the asking price"):
        do(db, bank.bid, "buyer-a", "F-1", 899_999.99)
    placed = do(db, bank.bid, "buyer-a", "F-1", 900_000)
    assert placed["trade"]["buyer"] == "buyer-a" and placed["trade"]["rule"] == "fixed-first-acceptable"
    assert state(db, "F-1") == "traded"
    with pytest.raises(RegistryConflict, match="no open listing"):
        do(db, bank.bid, "buyer-b", "F-1", 1_000_000)
    with db.transaction(write=False) as s:
        assert ledger.lock(s, "F-1", for_update=False).owner == "buyer-a"
    # the buyer lists it again on the valuation it has, withdraws it: back to valued
    do(db, bank.list_right, "buyer-a", "F-1", price_yuan=950_000, term_days=10)
    do(db, bank.delist, "clerk", "F-1")
    assert state(db, "F-1") == "valued"
    do(db, bank.retire, "clerk", "F-1", reason="生态修复：永久保护", beneficiary="瑞金市")
    assert state(db, "F-1") == "retired"
    for final in (
        lambda s: bank.retire(s, "clerk", "F-1", reason="again"),
        lambda s: bank.list_right(s, "clerk", "F-1", price_yuan=1, term_days=1),
        lambda s: bank.deposit(s, "clerk", "F-1", bank="两山银行"),
    ):
        with pytest.raises(RegistryConflict, match="retired"), db.transaction() as s:
            final(s)
    with db.transaction(write=False) as s:
        actions = [e["action"] for e in ledger.entries(s, "right:F-1")]
        assert actions == [
            "register",
            "value",
            "pledge",
            "release",
            "list",
            "bid",
            "trade",
            "list",
            "delist",
            "retire",
        ]
        assert ledger.verify(s).ok


def test_a_quota_is_listed_when_registered_and_has_no_vep(db):
    do(
        db,
        ledger.register,
        "clerk",
        serial="E-1",
        type="emission",
        owner="某化工厂",
        county=COUNTY,
        attributes={"pollutant": "COD", "tonnes_per_year": 12.5},
    )
    with pytest.raises(RegistryRefused, match="quota without a boundary"):
        do(db, finance.attach_valuation, "clerk", "E-1", sealed(square(), 1.0))
    do(db, bank.list_right, "clerk", "E-1", price_yuan=40_000, term_days=15)
    assert state(db, "E-1") == "listed"
    do(db, bank.delist, "clerk", "E-1")
    assert state(db, "E-1") == "registered"  # never valued


def test_auction_highest_valid_bid_at_close_ties_to_the_earlier(db):
    forest(db, value=1_000_000.0)
    t0 = dt.datetime(2025, 5, 1, 8, 0)
    do(db, bank.list_right, "clerk", "F-1", price_yuan=500_000, term_days=7, mode="auction", now=t0)
    for bidder, price, minutes in (
        ("a", 600_000, 1),
        ("b", 700_000, 2),
        ("c", 700_000, 3),
        ("d", 650_000, 4),
    ):
        placed = do(db, bank.bid, bidder, "F-1", price, now=t0 + dt.timedelta(minutes=minutes))
        assert placed["trade"] is None  # an auction trades at close only
    with pytest.raises(RegistryRefused, match="below the reserve"):
        do(db, bank.bid, "e", "F-1", 499_000, now=t0 + dt.timedelta(hours=1))
    with pytest.raises(RegistryConflict, match="runs until"):
        do(db, bank.close, "clerk", "F-1", now=t0 + dt.timedelta(days=6))
    with pytest.raises(RegistryConflict, match="ended"):
        do(db, bank.bid, "late", "F-1", 900_000, now=t0 + dt.timedelta(days=7))
    closed = do(db, bank.close, "clerk", "F-1", now=t0 + dt.timedelta(days=7))
    assert closed["outcome"] == "traded"
    assert (closed["trade"]["buyer"], closed["trade"]["price_yuan"]) == ("b", 700_000)  # b bid 700,000 first
    assert closed["trade"]["rule"] == "auction-highest"


def test_a_credit_check_can_refuse_the_best_bid_at_close(db):
    forest(db, value=1_000_000.0)
    t0 = dt.datetime(2025, 5, 1)
    do(db, bank.list_right, "clerk", "F-1", price_yuan=100, term_days=1, mode="auction", now=t0)
    do(db, bank.bid, "low-grade", "F-1", 900, now=t0)
    do(db, bank.bid, "good", "F-1", 800, now=t0)

    def credit(session, action, right, party):
        if party == "low-grade":
            raise RegistryRefused("credit grade D blocks trading", "信用等级 D，不得交易")

    bank.register_check("match", credit)
    try:
        closed = do(db, bank.close, "clerk", "F-1", now=t0 + dt.timedelta(days=1))
    finally:
        bank.CHECKS["match"].remove(credit)
    assert closed["trade"]["buyer"] == "good" and closed["refused_bids"][0]["reason"].startswith("credit")


def test_unsold_and_forced_close(db):
    forest(db, value=1_000_000.0)
    do(db, bank.list_right, "clerk", "F-1", price_yuan=100, term_days=30, mode="auction")
    closed = do(db, bank.close, "admin", "F-1", force=True)
    assert closed["outcome"] == "unsold" and state(db, "F-1") == "valued"
    with db.transaction(write=False) as s:
        last = ledger.entries(s, "right:F-1")[-1]
    assert last["action"] == "unsold" and last["payload"]["forced"] is True


def test_bank_deposit_package_trade_and_retirement(db):
    for i, serial in enumerate(("F-1", "F-2", "F-3")):
        forest(db, serial, lon=116.0 + 0.01 * i, owner=f"农户{i}")  # three squares side by side
    for serial in ("F-1", "F-2"):
        do(db, bank.deposit, "clerk", serial, bank="资溪两山银行", term_years=10)
    with pytest.raises(RegistryConflict, match="deposited in 资溪两山银行 already"):
        do(db, bank.deposit, "clerk", "F-1", bank="另一银行")
    with pytest.raises(RegistryConflict, match="not deposited"):
        do(db, bank.package, "clerk", serial="P-1", bank="资溪两山银行", members=["F-1", "F-3"])
    bundle = do(
        db, bank.package, "clerk", serial="P-1", bank="资溪两山银行", members=["F-1", "F-2"], name="竹林项目"
    )
    assert (bundle.kind, bundle.owner, bundle.state) == ("package", "资溪两山银行", "registered")
    with db.transaction(write=False) as s:
        assert bundle.area_km2 == pytest.approx(
            sum(ledger.lock(s, m, False).area_km2 for m in ("F-1", "F-2")), rel=1e-6
        )
    assert state(db, "F-1") == state(db, "F-2") == "packaged"
    with pytest.raises(RegistryConflict, match="packaged"):  # a packaged right moves only with its package
        do(db, bank.list_right, "clerk", "F-1", price_yuan=1, term_days=1)
    with pytest.raises(RegistryRefused, match="another area"):  # F-1 alone is not the package's area
        do(db, finance.attach_valuation, "clerk", "P-1", sealed(square(116.0), 1.0))
    union = {
        "type": "Polygon",
        "coordinates": [[[116.0, 28.0], [116.02, 28.0], [116.02, 28.01], [116.0, 28.01], [116.0, 28.0]]],
    }
    do(db, finance.attach_valuation, "clerk", "P-1", sealed(union, 3_000_000.0))
    do(db, bank.list_right, "clerk", "P-1", price_yuan=2_800_000, term_days=30)
    trade = do(db, bank.bid, "旅游公司", "P-1", 2_800_000)["trade"]
    with db.transaction(write=False) as s:
        for serial in ("P-1", "F-1", "F-2"):
            right = ledger.lock(s, serial, for_update=False)
            assert (right.owner, right.bank) == ("旅游公司", None)
        assert state(db, "F-1") == "packaged" and state(db, "P-1") == "traded"
    with pytest.raises(RegistryRefused, match="not the price"):
        do(
            db,
            bank.settle,
            "clerk",
            "P-1",
            trade_id=trade["id"],
            amount_yuan=2_000_000,
            reference="X",
            paid_on=dt.date.today(),
        )
    do(
        db,
        bank.settle,
        "clerk",
        "P-1",
        trade_id=trade["id"],
        amount_yuan=2_800_000,
        reference="BOC-0001",
        paid_on=dt.date.today(),
    )
    with pytest.raises(RegistryConflict, match="settled already"):
        do(
            db,
            bank.settle,
            "clerk",
            "P-1",
            trade_id=trade["id"],
            amount_yuan=2_800_000,
            reference="BOC-0002",
            paid_on=dt.date.today(),
        )
    do(db, bank.retire, "clerk", "P-1", reason="整体纳入保护地")
    assert state(db, "P-1") == state(db, "F-1") == state(db, "F-2") == "retired"
    assert state(db, "F-3") == "registered"
    with db.transaction(write=False) as s:
        assert s.execute(select(func.count()).select_from(RegistryRetirement)).scalar_one() == 3
        assert ledger.verify(s).ok


def test_carbon_sink_rights_share_the_carbon_modules_double_claim_guard(db):
    from ecoledger.carbon.claims import Claim
    from ecoledger.carbon.errors import ClaimConflict
    from ecoledger.carbon.records import add_claim, list_claims

    sink = {"tonnes_co2": 1200.0, "year_from": 2021, "year_to": 2025, "asset": "parcel:ND-01"}
    do(
        db,
        ledger.register,
        "clerk",
        serial="C-1",
        type="carbon_sink",
        owner="宁都林场",
        county=COUNTY,
        boundary=square(),
        attributes=sink,
    )
    claimed = list_claims(db)
    assert [(c["holder"], c["asset"], c["scope"], c["tonnes"]) for c in claimed] == [
        ("registry:C-1", "parcel:ND-01", "sink", 1200.0)
    ]
    with pytest.raises(RegistryConflict, match="already claimed by registry:C-1") as conflict:
        do(
            db,
            ledger.register,
            "clerk",
            serial="C-2",
            type="carbon_sink",
            owner="另一家",
            county=COUNTY,
            boundary=square(),
            attributes={**sink, "year_from": 2025, "year_to": 2030},
        )
    assert "防重复声明" in conflict.value.message_zh
    with pytest.raises(ClaimConflict):  # the carbon module meets the registry's claim too
        add_claim(
            db, "carbon", Claim("sink", "CCER project", "parcel:ND-01", 2024, 2024, 10.0, "carbon.forest")
        )
    do(
        db,
        ledger.register,
        "clerk",
        serial="C-3",
        type="carbon_sink",
        owner="宁都林场",
        county=COUNTY,
        boundary=square(),
        attributes={**sink, "year_from": 2026, "year_to": 2030},
    )  # later years: free
    with db.transaction(write=False) as s:
        assert s.execute(select(func.count()).select_from(RegistryRight)).scalar_one() == 2


# --- valuation and pledges by hand ----------------------------------------------------------------


def test_pledge_limit_by_hand(db):
    """Valuation 1,000,000 yuan, the bank's limit 0.6: at most 0.6 × 1,000,000 = 600,000 yuan."""
    forest(db, value=1_000_000.0)
    args = {"bank": "赣州银行", "term_months": 36, "start_on": dt.date(2025, 1, 31)}
    with pytest.raises(RegistryRefused, match=r"pledge_rules\.csv") as missing:
        do(db, finance.pledge, "bank", "F-1", loan_yuan=100_000, **args)  # no published limit: required
    assert "ltv_limit" in missing.value.message and "贷款银行的上限" in missing.value.message_zh
    with pytest.raises(
        RegistryRefused,
        match=r"600,001.00 yuan exceeds the limit 0.6 × valuation "
        r"1,000,000.00 = 600,000.00 yuan",
    ):
        do(db, finance.pledge, "bank", "F-1", loan_yuan=600_001, ltv=0.6, **args)
    with pytest.raises(RegistryRefused, match=r"not a share in \(0, 1\]"):
        do(db, finance.pledge, "bank", "F-1", loan_yuan=1, ltv=1.2, **args)
    assert state(db, "F-1") == "valued"
    row = do(db, finance.pledge, "bank", "F-1", loan_yuan=600_000, ltv=0.6, **args)
    assert (row.loan_yuan, row.valued_yuan, row.ltv_limit) == (600_000, 1_000_000.0, 0.6)
    assert "lending bank's limit" in row.ltv_source and len(row.rules_sha256) == 64
    with db.transaction(write=False) as s:
        record = finance.pledges(s)[0]
    assert record["ends_on"] == "2028-01-31" and record["overdue"] is False


def test_the_pledge_rules_table_cites_and_gives_no_vep_number():
    rules, digest = finance.read_rules()
    assert len(digest) == 64 and all(r.source and r.quote for r in rules)
    applied = finance.rule_for(rules, "forest")
    assert (applied.right_type, applied.basis, applied.ltv_max) == ("*", "vep", None)
    assert applied.status == "no_published_rule" and "No number is assumed" in applied.note
    appraisal = {r.right_type: r.ltv_max for r in rules if r.basis == "appraisal"}
    assert appraisal == {"emission": 0.8, "forest": 0.6}  # cited, and not applied to a VEP valuation


def test_pledged_value_per_county_by_hand(db):
    forest(db, "F-1", 116.00, county="360781", value=1_000_000.0)
    forest(db, "F-2", 116.01, county="360781", value=2_000_000.0)
    forest(db, "F-3", 116.02, county="360733", value=500_000.0)
    forest(db, "F-4", 116.03, county="360733", value=700_000.0)
    for serial, loan in (("F-1", 400_000), ("F-2", 900_000), ("F-3", 250_000), ("F-4", 100_000)):
        do(
            db,
            finance.pledge,
            "bank",
            serial,
            bank="农商行",
            loan_yuan=loan,
            term_months=12,
            start_on=dt.date(2025, 1, 1),
            ltv=0.5,
        )
    do(db, finance.release, "bank", "F-4")
    with db.transaction(write=False) as s:
        register = {
            r["county"]: (r["pledges"], r["valued_yuan"], r["loan_yuan"])
            for r in finance.pledged_by_county(s)
        }
    assert register == {"360781": (2, 3_000_000.0, 1_300_000.0), "360733": (1, 500_000.0, 250_000.0)}


def test_valuation_checks(db):
    forest(db, "F-1")
    forest(db, "F-2", lon=116.5)
    with pytest.raises(RegistryRefused, match="another area"):
        do(db, finance.attach_valuation, "clerk", "F-1", sealed(square(116.5), 1.0))
    tampered = {**sealed(square(), 1_000.0), "present_value_yuan": 9_999_999.0}
    with pytest.raises(RegistryRefused, match="altered"):
        do(db, finance.attach_valuation, "clerk", "F-1", tampered)
    cert = sealed(square(), 1_000.0, 900.0, 1_100.0)
    valuation = do(db, finance.attach_valuation, "clerk", "F-1", cert)
    assert (valuation.value_yuan, valuation.p05_yuan, valuation.p95_yuan, valuation.valued_on) == (
        1_000.0,
        900.0,
        1_100.0,
        "2025-03-01",
    )
    assert valuation.issued_here is False and valuation.boundary_match == pytest.approx(1.0)
    with pytest.raises(RegistryNotFound, match="issued by this platform"):
        do(db, finance.attach_valuation, "clerk", "F-2", None, "ab" * 32)


def test_a_certificate_of_applications_vep_values_a_right(db, tmp_path):
    """A certificate ``applications.vep.certify`` issued on a value map (1,000 m cells of 10,000 …
    160,000 yuan, UTM 50N) values the right whose boundary is its site."""
    import geopandas as gpd
    import numpy as np
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    from ecoledger.applications import vep

    run = tmp_path / "run"
    (run / "maps").mkdir(parents=True)
    profile = {
        "driver": "GTiff",
        "width": 4,
        "height": 4,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:32650",
        "transform": from_origin(500_000, 3_300_000, 1000, 1000),
        "nodata": np.nan,
    }
    with rasterio.open(run / "maps" / "water_conservation_value.tif", "w", **profile) as dst:
        dst.write(np.arange(1, 17, dtype="float32").reshape(4, 4) * 10_000, 1)
    (run / "run.json").write_text(
        json.dumps({"region": "T", "year": 2020, "grid": {"crs": "EPSG:32650"}, "outputs": {}, "inputs": {}})
    )
    site = gpd.GeoDataFrame(geometry=[shapely.box(500_500, 3_299_000, 502_500, 3_300_000)], crs="EPSG:32650")
    cert = vep.certify(run, site, "竹林", 0.03, 20, [0.03], [20])
    boundary = json.loads(site.to_crs("EPSG:4326").to_json())["features"][0]["geometry"]
    do(
        db,
        ledger.register,
        "clerk",
        serial="F-9",
        type="forest",
        owner="某村",
        county=COUNTY,
        boundary=boundary,
    )
    valuation = do(db, finance.attach_valuation, "clerk", "F-9", cert)
    # ½·10,000 + 20,000 + ½·30,000 = 40,000 yuan/yr over 20 years at 3 %
    assert cert["annual_flow_yuan"] == pytest.approx(40_000)
    assert valuation.value_yuan == pytest.approx(40_000 * (1 - 1.03**-20) / 0.03)
    assert valuation.boundary_match > 0.999 and valuation.certificate_sha256 == cert["content_sha256"]


# --- what the database refuses by itself ------------------------------------------------------------


def test_the_database_refuses_second_pledges_trades_listings_retirements_and_ledger_changes(db):
    forest(db, value=1_000_000.0)
    do(
        db,
        finance.pledge,
        "bank",
        "F-1",
        bank="农商行",
        loan_yuan=1000,
        term_months=12,
        start_on=dt.date(2025, 1, 1),
        ltv=0.5,
    )
    with db.transaction(write=False) as s:
        pledge = s.execute(select(RegistryPledge)).scalar_one()
        right_id, valuation_id = pledge.right_id, pledge.valuation_id
    columns = (
        "right_id, valuation_id, bank, loan_yuan, valued_yuan, ltv_limit, ltv_source, rules_sha256, "
        "start_on, term_months, registered_by, registered_at"
    )
    values = (
        f"{right_id}, {valuation_id}, 'x', :loan, 1000000, 0.5, 's', 'h', '2025-01-01', 12, 'x', '2025-01-01'"
    )
    with pytest.raises(IntegrityError), db.transaction() as s:  # a second active pledge
        s.execute(text(f"INSERT INTO registry_pledges ({columns}) VALUES ({values})"), {"loan": 10})
    do(db, finance.release, "bank", "F-1")
    with pytest.raises(IntegrityError), db.transaction() as s:  # loan beyond 0.5 × 1,000,000
        s.execute(text(f"INSERT INTO registry_pledges ({columns}) VALUES ({values})"), {"loan": 500_001})
    do(db, bank.list_right, "clerk", "F-1", price_yuan=10, term_days=1)
    listing = (
        f"INSERT INTO registry_listings (right_id, mode, price_yuan, opens_at, closes_at, state, listed_by) "
        f"VALUES ({right_id}, 'fixed', 5, '2025-01-01', '2025-02-01', 'open', 'x')"
    )
    with pytest.raises(IntegrityError), db.transaction() as s:  # a second open listing
        s.execute(text(listing))
    do(db, bank.bid, "buyer", "F-1", 10)
    with db.transaction(write=False) as s:
        trade = s.execute(select(RegistryTrade)).scalar_one()
    with pytest.raises(IntegrityError), db.transaction() as s:  # a second trade of the listing
        s.execute(
            text(
                "INSERT INTO registry_trades (listing_id, bid_id, right_id, seller, buyer, price_yuan, rule, "
                f"matched_by, at) VALUES ({trade.listing_id}, {trade.bid_id}, {right_id}, 'a', 'b', 1, 'r', "
                "'m', '2025-01-01')"
            )
        )
    do(db, bank.retire, "clerk", "F-1", reason="offset")
    with pytest.raises(IntegrityError), db.transaction() as s:  # a second retirement
        s.execute(
            text(
                "INSERT INTO registry_retirements (right_id, reason, beneficiary, retired_by, retired_at) "
                f"VALUES ({right_id}, 'again', '', 'x', '2025-01-01')"
            )
        )
    for statement in (
        "UPDATE registry_ledger SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM registry_ledger WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text(statement))
    with db.transaction(write=False) as s:
        assert s.execute(select(func.count()).select_from(RegistryListing)).scalar_one() == 1
        assert ledger.verify(s).ok


# --- the ledger: tampering and a killed writer ------------------------------------------------------


def drop_ledger_triggers(db) -> None:
    """What someone with the table owner's rights does first (as ``platform.testing.drop_audit_triggers``)."""
    with db.transaction() as s:
        if db.url.startswith("sqlite"):
            s.execute(text("DROP TRIGGER registry_ledger_no_update"))
            s.execute(text("DROP TRIGGER registry_ledger_no_delete"))
        else:
            s.execute(text("DROP TRIGGER registry_ledger_no_change ON registry_ledger"))
            s.execute(text("DROP TRIGGER registry_ledger_no_truncate ON registry_ledger"))


def verify_cli(db, folder: Path, lang: str = "en"):
    result = runner.invoke(
        cli,
        [
            "--lang",
            lang,
            "registry",
            "verify",
            "--data",
            str(folder),
            "--database-url",
            db.url,
            "--key-file",
            str(folder / "audit.key"),
        ],
    )
    return result.exit_code, result.output


def test_tampered_entry_is_named_by_verify(db, tmp_path):
    for i in range(4):
        forest(db, f"F-{i}", lon=116 + 0.01 * i)
    assert verify_cli(db, tmp_path) == (
        0,
        "✔ the registry ledger verifies: 4 entries, 4 held against the audit log\n",
    )
    drop_ledger_triggers(db)
    with db.transaction() as s:
        s.execute(text("UPDATE registry_ledger SET actor = 'mallory' WHERE seq = 3"))
    code, output = verify_cli(db, tmp_path)
    assert code == 1 and "registry ledger entry 3: its content was changed after writing" in output
    code, output = verify_cli(db, tmp_path, "zh")
    assert code == 1 and "登记簿账本第 3 条：写入后内容被改动" in output


def test_removed_tail_is_caught_by_the_audit_log(db, tmp_path):
    for i in range(3):
        forest(db, f"F-{i}", lon=116 + 0.01 * i)
    drop_ledger_triggers(db)
    with db.transaction() as s:  # remove the last entry and "fix" the head: the chain alone looks whole
        previous = s.execute(text("SELECT hash FROM registry_ledger WHERE seq = 2")).scalar_one()
        s.execute(text("DELETE FROM registry_ledger WHERE seq = 3"))
        s.execute(text("UPDATE registry_ledger_head SET seq = 2, hash = :h WHERE id = 1"), {"h": previous})
    code, output = verify_cli(db, tmp_path)
    assert code == 1 and "registry ledger entry 3: entries after 2 were removed: audit entry" in output


WRITER = """
import itertools, sys, time
from pathlib import Path
from ecoledger.platform import audit
from ecoledger.platform.db import Database
from ecoledger.registry import bank, ledger
db = Database(sys.argv[1])
audit.configure(db, folder=Path(sys.argv[2]))
for i in itertools.count():
    serial = f"{sys.argv[3]}-{i}"
    with db.transaction() as s:  # four ledger entries (and four audit entries) per transaction
        ledger.register(s, "writer", serial=serial, type="emission", owner="o", county="360781")
        print("inside", i, flush=True)  # written, not committed: the parent may kill now
        time.sleep(0.002)
        bank.list_right(s, "writer", serial, price_yuan=10, term_days=1)
        bank.bid(s, "buyer", serial, 10)
    print("committed", i, flush=True)
"""


@pytest.mark.parametrize("pause_s", [0.0, 0.001, 0.003])
def test_chain_verifies_after_kill_9_of_a_writer(db, tmp_path, pause_s):
    """A writer appending in a loop is killed (SIGKILL) twice inside a transaction — after it said it
    wrote its first entries and before its commit, or just after, as ``pause_s`` falls; the chain
    verifies, holding whole transactions only, and a new writer goes on extending it."""
    committed = 0
    for round_ in ("A", "B"):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, db.url, str(tmp_path), round_], stdout=subprocess.PIPE, text=True
        )
        written = 0
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                line = process.stdout.readline().split()
                assert line, "the writer stopped"
                if line[0] == "committed":
                    written = int(line[1]) + 1
                elif written >= 20:  # inside transaction number `written`
                    break
            time.sleep(pause_s)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
        assert written >= 20 and process.returncode == -signal.SIGKILL
        with db.transaction(write=False) as s:
            check = ledger.verify(s)
            rights = s.execute(select(func.count()).select_from(RegistryRight)).scalar_one()
            trades = s.execute(select(func.count()).select_from(RegistryTrade)).scalar_one()
            assert audit.verify(s).ok
        # whole transactions only: the one killed inside is gone (or, past its commit, whole)
        assert check.ok and check.entries == 4 * rights and rights == trades
        assert committed + written <= rights <= committed + written + 1
        committed = rights
    assert verify_cli(db, tmp_path)[0] == 0


# --- the API: roles, CSRF, audit -------------------------------------------------------------------


def test_api_flow_roles_and_audit(platform_client):
    from ecoledger.applications.store import Certificate
    from ecoledger.platform.testing import login

    client, state = platform_client, platform_client.app.state.platform
    right = {"serial": "F-1", "type": "forest", "owner": "甲一村", "county": "990101", "boundary": square()}
    assert client.post("/api/v1/registry/rights", json=right).status_code == 401
    csrf = login(client, "viewer")
    assert (
        client.post("/api/v1/registry/rights", json=right, headers={"X-CSRF-Token": csrf}).status_code == 403
    )
    assert client.get("/api/v1/registry/ledger").status_code == 403
    csrf = login(client, "reviewer")
    headers = {"X-CSRF-Token": csrf}
    assert client.post("/api/v1/registry/rights", json=right).status_code == 403  # no CSRF token
    unknown = client.post("/api/v1/registry/rights", json={**right, "county": "360781"}, headers=headers)
    assert unknown.status_code == 400 and "not a county of this platform" in unknown.json()["detail"]
    made = client.post("/api/v1/registry/rights", json=right, headers=headers)
    assert made.status_code == 201 and made.json()["area_km2"] == pytest.approx(1.0898, abs=1e-3)
    assert client.post("/api/v1/registry/rights", json=right, headers=headers).status_code == 409
    cert = sealed(square(), 2_000_000.0)
    with state.db.transaction() as s:  # a certificate this platform issued
        s.add(
            Certificate(
                content_sha256=cert["content_sha256"],
                kind="vep",
                site_name="t",
                year=2020,
                issued_by="reviewer",
                body=json.dumps(cert),
            )
        )
    valued = client.post(
        "/api/v1/registry/rights/F-1/valuation",
        json={"certificate_sha256": cert["content_sha256"]},
        headers=headers,
    )
    assert valued.status_code == 201 and valued.json()["valuation"]["issued_here"] is True
    pledge = {"bank": "九江银行", "loan_yuan": 1_000_000, "term_months": 12, "start_on": "2025-01-01"}
    refused = client.post("/api/v1/registry/rights/F-1/pledge", json=pledge, headers=headers)
    assert refused.status_code == 400 and "pledge_rules.csv" in refused.json()["detail_zh"]
    pledged = client.post(
        "/api/v1/registry/rights/F-1/pledge", json={**pledge, "ltv_limit": 0.5}, headers=headers
    )
    assert pledged.status_code == 201 and pledged.json()["ltv_limit"] == 0.5
    assert (
        client.post(
            "/api/v1/registry/rights/F-1/pledge", json={**pledge, "ltv_limit": 0.5}, headers=headers
        ).status_code
        == 409
    )
    anonymous = client.__class__(client.app, base_url="https://testserver")
    assert anonymous.get("/api/v1/registry/pledged").json() == [
        {
            "county": "990101",
            "name_zh": "甲一县",
            "name_en": anonymous.get("/api/v1/registry/pledged").json()[0]["name_en"],
            "pledges": 1,
            "valued_yuan": 2_000_000.0,
            "loan_yuan": 1_000_000.0,
        }
    ]
    assert client.post("/api/v1/registry/rights/F-1/release", json={}, headers=headers).status_code == 200
    listed = client.post(
        "/api/v1/registry/rights/F-1/listing",
        json={"price_yuan": 1_800_000, "term_days": 30},
        headers=headers,
    )
    assert listed.status_code == 201 and listed.json()["rule"] == "fixed-first-acceptable"
    assert [x["serial"] for x in anonymous.get("/api/v1/registry/listings").json()] == ["F-1"]
    csrf = login(client, "viewer")
    bought = client.post(
        "/api/v1/registry/rights/F-1/bids", json={"price_yuan": 1_800_000}, headers={"X-CSRF-Token": csrf}
    )
    assert bought.status_code == 201 and bought.json()["trade"]["buyer"] == "viewer"
    again = client.post(
        "/api/v1/registry/rights/F-1/bids", json={"price_yuan": 1_900_000}, headers={"X-CSRF-Token": csrf}
    )
    assert again.status_code == 409 and again.json()["detail_zh"]
    assert (
        client.post(
            "/api/v1/registry/rights/F-1/close", json={"force": True}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 403
    )
    assert client.get("/api/v1/registry/trades").json()[0]["settled"] is False
    assert anonymous.get("/api/v1/registry/ledger/verify").json()["ok"] is True
    with state.db.transaction(write=False) as s:
        actions = list(
            s.execute(
                select(AuditEntry.action).where(AuditEntry.action.like("registry.%")).order_by(AuditEntry.seq)
            ).scalars()
        )
        assert actions == [
            "registry.register",
            "registry.value",
            "registry.pledge",
            "registry.release",
            "registry.list",
            "registry.bid",
            "registry.trade",
        ]
        assert audit.verify(s).ok and ledger.verify(s).audit_entries == 7


# --- the command line ----------------------------------------------------------------------------


def test_cli_flow_in_chinese_and_english(tmp_path):
    data, out = tmp_path / "store", tmp_path
    (out / "boundary.geojson").write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": square()})
    )
    (out / "certificate.json").write_text(json.dumps(sealed(square(), 1_000_000.0, 800_000.0, 1_200_000.0)))

    def run(lang: str, *args, code: int = 0) -> str:
        result = runner.invoke(cli, ["--lang", lang, "registry", *map(str, args), "--data", str(data)])
        assert result.exit_code == code, (result.output, result.exception)
        return result.output

    assert "已登记 F-1：forest，县 360781，1.0900 km²" in run(
        "zh",
        "register",
        "F-1",
        "--type",
        "forest",
        "--owner",
        "下溪村",
        "--county",
        COUNTY,
        "--boundary",
        out / "boundary.geojson",
        "--demonstration",
    )
    assert "90 % interval 800,000.00–1,200,000.00 yuan" in run("en", "value", "F-1", out / "certificate.json")
    refused = run(
        "zh",
        "pledge",
        "F-1",
        "--bank",
        "农商行",
        "--loan",
        700_000,
        "--term-months",
        12,
        "--start",
        "2025-01-01",
        code=2,
    )
    assert "没有已发布的" in refused and "pledge_rules.csv" in refused
    assert "贷款 700,000.00 元超过上限 0.6 × 估值 1,000,000.00 元 = 600,000.00 元" in run(
        "zh",
        "pledge",
        "F-1",
        "--bank",
        "农商行",
        "--loan",
        700_000,
        "--term-months",
        12,
        "--start",
        "2025-01-01",
        "--ltv",
        0.6,
        code=2,
    )
    assert "不是日期" in run(
        "zh",
        "pledge",
        "F-1",
        "--bank",
        "农商行",
        "--loan",
        1,
        "--term-months",
        12,
        "--start",
        "2025/01/01",
        "--ltv",
        0.6,
        code=2,
    )
    assert "上限 0.6 × 估值 1,000,000.00 元 = 600,000.00 元" in run(
        "zh",
        "pledge",
        "F-1",
        "--bank",
        "农商行",
        "--loan",
        600_000,
        "--term-months",
        12,
        "--start",
        "2025-01-01",
        "--ltv",
        0.6,
    )
    assert run("en", "pledged") == (
        f"county name pledges valued (yuan) loans (yuan)\n{COUNTY} — 1 1,000,000.00 600,000.00\n"
    )
    assert json.loads(run("en", "pledged", "--json"))[0]["loan_yuan"] == 600_000.0
    assert "已解除对 农商行 的质押" in run("zh", "release", "F-1", "--on", "2025-06-30")
    assert "listed (auction, highest bid at close) at 900,000.00 yuan" in run(
        "en", "list", "F-1", "--price", 900_000, "--days", 10, "--mode", "auction"
    )
    run("en", "bid", "F-1", "--price", 950_000, "--bidder", "甲公司")
    run("en", "bid", "F-1", "--price", 990_000, "--bidder", "乙公司")
    assert "竞价持续到" in run("zh", "close", "F-1", code=2)
    assert "成交 1：F-1 以 990,000.00 元由 下溪村 转让给 乙公司" in run("zh", "close", "F-1", "--force")
    assert "trade 1 settled: 990,000.00 yuan" in run(
        "en",
        "settle",
        "F-1",
        "--trade",
        1,
        "--amount",
        990_000,
        "--reference",
        "BOC-1",
        "--paid-on",
        dt.date.today(),
    )
    assert "F-1 已注销：碳中和抵消" in run("zh", "retire", "F-1", "--reason", "碳中和抵消")
    assert "已注销" in run("zh", "retire", "F-1", "--reason", "again", code=2)
    assert run("zh", "verify").startswith("✔ 登记簿账本校验通过：共 10 条记录，其中 10 条")


def test_every_registry_phrase_has_chinese_and_english():
    import ecoledger.cli.registry  # noqa: F401
    from ecoledger import messages

    keys = [
        k for k in messages.CATALOGUE if k.startswith(("registry.", "cli.registry.", "cli.help.registry"))
    ]
    assert len(keys) > 60 and messages.problems() == []
