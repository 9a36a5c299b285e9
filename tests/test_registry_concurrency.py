"""Concurrent requests against the real PostgreSQL (issue 18): 50 parallel buyers for one listing
give exactly one trade; parallel pledges, retirements, listings, auction closes and carbon-sink
registrations of one asset each succeed once. The platform is served by uvicorn (a thread pool,
a pool of database connections) and every buyer is a logged-in user with a session of their own,
all released at once by a barrier. Skipped without ``ECOLEDGER_TEST_POSTGRES_URL`` (failed in CI).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select
from test_registry import sealed, square

from ecoledger.platform import audit, security, users
from ecoledger.platform.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from ecoledger.platform.models import Session, User, utcnow
from ecoledger.platform.testing import PASSWORD, database_url, make_settings, served
from ecoledger.registry import ledger
from ecoledger.registry.store import (
    RegistryBid,
    RegistryPledge,
    RegistryRetirement,
    RegistryRight,
    RegistryTrade,
)

BUYERS = 50
COUNTY = "360781"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """A platform on PostgreSQL served over HTTP, with a reviewer, an administrator and 50 buyers."""
    from ecoledger.platform.app import create_app

    folder = tmp_path_factory.mktemp("registry-concurrency")
    try:
        url = database_url("postgresql", folder)
    except LookupError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    app = create_app(make_settings(folder, url, None, run_in_background=False))
    state = app.state.platform
    users.create_user(state.db, "reviewer", PASSWORD, "reviewer")
    users.create_user(state.db, "admin", PASSWORD, "administrator")
    with state.db.transaction() as s:  # the buyers share one password hash: 50 Argon2 runs spared
        known = s.execute(select(User.password_hash).where(User.username == "reviewer")).scalar_one()
        s.add_all(
            [User(username=f"buyer-{i:02d}", password_hash=known, role="viewer") for i in range(BUYERS)]
        )
    with served(app) as base:
        yield {"app": app, "base": base, "db": state.db}
    state.db.dispose()


def session(platform, username: str) -> dict:
    """Headers of a new session of ``username`` (cookie and CSRF token), opened in the store."""
    state = platform["app"].state.platform
    token, nonce = security.new_token(), security.new_token()
    with state.db.transaction() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        s.add(
            Session(
                token_hash=security.token_hash(token),
                user_id=user.id,
                created_at=utcnow(),
                expires_at=utcnow() + users.SESSION_LIFETIME,
            )
        )
    return {
        "Cookie": f"{SESSION_COOKIE}={token}; {CSRF_COOKIE}={nonce}",
        CSRF_HEADER: security.csrf_token(state.secret, nonce),
    }


def post(platform, headers: dict, path: str, body: dict) -> httpx.Response:
    with httpx.Client(base_url=platform["base"], timeout=120) as client:
        return client.post(path, json=body, headers=headers)


def at_once(calls: list) -> tuple[list[httpx.Response], float]:
    """Run the calls in parallel threads released together by a barrier; (responses, seconds)."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        answers = list(pool.map(run, calls))
    return answers, time.perf_counter() - start


@pytest.fixture(scope="module")
def reviewer(platform):
    return session(platform, "reviewer")


def valued_right(platform, reviewer, serial: str, lon: float) -> None:
    right = {
        "serial": serial,
        "type": "forest",
        "owner": "下溪村集体",
        "county": COUNTY,
        "boundary": square(lon),
    }
    assert post(platform, reviewer, "/api/v1/registry/rights", right).status_code == 201
    made = post(
        platform,
        reviewer,
        f"/api/v1/registry/rights/{serial}/valuation",
        {"certificate": sealed(square(lon), 1_000_000.0)},
    )
    assert made.status_code == 201, made.text


def count(platform, model, *where) -> int:
    with platform["db"].transaction(write=False) as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def chains_verify(platform) -> None:
    with platform["db"].transaction(write=False) as s:
        assert ledger.verify(s).ok and audit.verify(s).ok


def test_fifty_parallel_buyers_one_trade(platform, reviewer, record_property):
    valued_right(platform, reviewer, "F-1", 116.0)
    listed = post(
        platform, reviewer, "/api/v1/registry/rights/F-1/listing", {"price_yuan": 1_000_000, "term_days": 30}
    )
    assert listed.status_code == 201
    buyers = [(f"buyer-{i:02d}", session(platform, f"buyer-{i:02d}")) for i in range(BUYERS)]
    calls = [
        lambda h=h, i=i: post(platform, h, "/api/v1/registry/rights/F-1/bids", {"price_yuan": 1_000_000 + i})
        for i, (_, h) in enumerate(buyers)
    ]
    answers, seconds = at_once(calls)
    record_property("fifty_buyers_seconds", round(seconds, 3))
    print(f"\n50 parallel buyers: {seconds:.2f} s")
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (BUYERS - 1), [
        a.text for a in answers if a.status_code not in (201, 409)
    ]
    won = next(a.json() for a in answers if a.status_code == 201)
    assert won["trade"] is not None and won["trade"]["buyer"] == won["bid"]["bidder"]
    assert count(platform, RegistryTrade) == 1 and count(platform, RegistryBid) == 1
    with platform["db"].transaction(write=False) as s:
        right = ledger.lock(s, "F-1", for_update=False)
        assert (right.state, right.owner) == ("traded", won["trade"]["buyer"])
    chains_verify(platform)


def test_fifty_parallel_bids_then_parallel_closes_one_trade_at_the_highest(
    platform, reviewer, record_property
):
    valued_right(platform, reviewer, "F-2", 116.1)
    assert (
        post(
            platform,
            reviewer,
            "/api/v1/registry/rights/F-2/listing",
            {"price_yuan": 500_000, "term_days": 30, "mode": "auction"},
        ).status_code
        == 201
    )
    calls = [
        lambda i=i: post(
            platform,
            session(platform, f"buyer-{i:02d}"),
            "/api/v1/registry/rights/F-2/bids",
            {"price_yuan": 500_000 + 1_000 * (i % 17)},
        )
        for i in range(BUYERS)
    ]
    answers, seconds = at_once(calls)
    assert [a.status_code for a in answers] == [201] * BUYERS and all(
        a.json()["trade"] is None for a in answers
    )
    admin = session(platform, "admin")
    closes, close_seconds = at_once(
        [lambda: post(platform, admin, "/api/v1/registry/rights/F-2/close", {"force": True})] * 10
    )
    record_property("fifty_auction_bids_seconds", round(seconds, 3))
    print(f"\n50 parallel auction bids: {seconds:.2f} s; 10 parallel closes: {close_seconds:.2f} s")
    assert sorted(a.status_code for a in closes) == [200] + [409] * 9
    trade = next(a.json()["trade"] for a in closes if a.status_code == 200)
    bids = {a.json()["bid"]["id"]: a.json()["bid"] for a in answers}
    best = max(b["price_yuan"] for b in bids.values())
    first_best = min(i for i, b in bids.items() if b["price_yuan"] == best)
    assert trade["price_yuan"] == best == 516_000 and trade["bid_id"] == first_best
    assert count(platform, RegistryTrade, RegistryTrade.rule == "auction-highest") == 1
    chains_verify(platform)


def test_no_double_pledge_listing_or_retirement(platform, reviewer):
    valued_right(platform, reviewer, "F-3", 116.2)
    pledge = {
        "bank": "赣州银行",
        "loan_yuan": 400_000,
        "term_months": 12,
        "start_on": "2025-01-01",
        "ltv_limit": 0.5,
    }
    answers, _ = at_once(
        [lambda: post(platform, reviewer, "/api/v1/registry/rights/F-3/pledge", pledge)] * 20
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 19
    assert count(platform, RegistryPledge, RegistryPledge.released_at.is_(None)) == 1
    assert post(platform, reviewer, "/api/v1/registry/rights/F-3/release", {}).status_code == 200
    listing = {"price_yuan": 900_000, "term_days": 5}
    answers, _ = at_once(
        [lambda: post(platform, reviewer, "/api/v1/registry/rights/F-3/listing", listing)] * 20
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 19
    assert post(platform, reviewer, "/api/v1/registry/rights/F-3/delist", {}).status_code == 200
    retire = {"reason": "纳入生态保护红线"}
    answers, _ = at_once(
        [lambda: post(platform, reviewer, "/api/v1/registry/rights/F-3/retire", retire)] * 20
    )
    assert sorted(a.status_code for a in answers) == [200] + [409] * 19
    assert count(platform, RegistryRetirement) == 1
    chains_verify(platform)


def test_parallel_sink_registrations_claim_an_asset_once(platform, reviewer):
    """Different serials, one asset and period: the carbon claims guard (an advisory lock on the
    asset, since no claim row exists yet to lock) lets one through."""

    def register(i: int):
        body = {
            "serial": f"C-{i}",
            "type": "carbon_sink",
            "owner": "宁都林场",
            "county": COUNTY,
            "boundary": square(117.0),
            "attributes": {"tonnes_co2": 500.0, "year_from": 2021, "year_to": 2025, "asset": "parcel:ND-07"},
        }
        return lambda: post(platform, reviewer, "/api/v1/registry/rights", body)

    answers, _ = at_once([register(i) for i in range(20)])
    assert sorted(a.status_code for a in answers) == [201] + [409] * 19
    assert count(platform, RegistryRight, RegistryRight.type == "carbon_sink") == 1
    chains_verify(platform)
