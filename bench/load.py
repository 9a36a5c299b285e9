"""Bounded read load on the platform: ``ecoledger serve`` on SQLite and on PostgreSQL, 127.0.0.1 only.

    .venv/bin/python bench/load.py [--backend sqlite|postgresql|both] [--seconds 8] [--clients 20]

For each backend it starts ``ecoledger serve`` on a fresh store (a temporary SQLite file, or the
database ``ecoledger_bench`` created beside the one in ``--postgres-url``) with the Jiangxi pack
and one published year of its accounts (``out/jiangxi-pack``, ``out/jiangxi-<year>``; built with
``scripts/run-main`` when missing), then runs, one after the other, ``--clients`` concurrent
clients of its own (asyncio + httpx, keep-alive, ``Accept-Encoding: gzip``, no conditional
requests, bodies read whole but not decompressed) for ``--seconds`` each:

* unit       ``GET /api/v1/units/<county>/breakdown?year=Y`` (a random county)
* year       ``GET /api/v1/accounts?year=Y&level=county&item=<item>`` (one item, every county)
* map        ``GET /api/v1/map?year=Y&level=county&measure=<measure>`` (GeoJSON with boundaries)
* full-year  ``GET /api/v1/accounts?year=Y`` (every row of the year, JSON)
* login      one client logging in again and again while the others read the full year

and prints req/s, p50, p99 and max latency and the error count (any status but 200, or a failed
connection) per scenario as a Markdown table. Total time is bounded: start-up (about 10 s per
backend), ``5 × --seconds`` of load, shut-down. The first full-year request builds the published
artefact and answers about published runs are cached: a warm-up requests each distinct URL
once (sequentially) before timing, so the table is the steady state; its duration is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-not-secret"
HOST = "127.0.0.1"  # never anything else


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def postgres_bench_url(url: str) -> str:
    """``url`` with the database ``ecoledger_bench``, created fresh (needs CREATEDB)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS ecoledger_bench WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE ecoledger_bench"))
    admin.dispose()
    return make_url(url).set(database="ecoledger_bench").render_as_string(hide_password=False)


def start_server(url: str | None, data: Path, pack: Path, accounts: Path, port: int) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "ecoledger"), "serve", "--pack", str(pack),
               "--accounts", str(accounts), "--data", str(data), "--host", HOST, "--port", str(port),
               "--insecure-cookies"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if url:
        env["ECOLEDGER_DATABASE_URL"] = url
    log = open(data.parent / "server.log", "wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 180) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}); see its log")
        try:
            years = httpx.get(f"{base}/api/v1/years", timeout=2).json()
            if years:
                return years[-1]
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not start in time")


async def timed(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        async with client.stream(method, url, **kwargs) as response:
            async for _ in response.aiter_raw():
                pass
            ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    return time.perf_counter() - started, ok


async def scenario(base: str, clients: int, seconds: float, urls, login_client: bool = False) -> dict:
    """``clients`` loops requesting ``urls()`` for ``seconds``; with ``login_client`` one more
    loop logs in, and only its latencies are reported."""
    latencies: list[float] = []
    logins: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
    headers = {"Accept-Encoding": "gzip"}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers) as client:

        async def reader():
            while time.monotonic() < stop:
                elapsed, ok = await timed(client, "GET", urls())
                latencies.append(elapsed)
                errors[0] += not ok

        async def login():
            async with httpx.AsyncClient(base_url=base, timeout=60) as own:
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    try:
                        own.cookies.clear()
                        token = (await own.get("/api/v1/csrf")).json()["csrf_token"]
                        response = await own.post("/api/v1/login", headers={"X-CSRF-Token": token},
                                                  json={"username": "bench", "password": PASSWORD})
                        ok = response.status_code == 200
                    except (httpx.HTTPError, ValueError, KeyError):
                        ok = False
                    logins.append(time.perf_counter() - started)
                    errors[0] += not ok

        tasks = [reader() for _ in range(clients)] + ([login()] if login_client else [])
        started = time.monotonic()
        await asyncio.gather(*tasks)
        wall = time.monotonic() - started
    measured = logins if login_client else latencies
    return {"requests": len(measured), "rate": len(measured) / wall, "errors": errors[0],
            "p50": _quantile(measured, 0.50), "p99": _quantile(measured, 0.99),
            "max": max(measured, default=float("nan"))}


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def run_backend(name: str, url: str | None, args) -> list[tuple[str, dict]]:
    folder = Path(tempfile.mkdtemp(prefix=f"ecoledger-load-{name}-"))
    data = folder / "data"
    port = free_port()
    base = f"http://{HOST}:{port}"
    started = time.monotonic()
    server = start_server(url, data, args.pack, args.accounts, port)
    try:
        year = wait_ready(base, server)
        print(f"[{name}] server ready in {time.monotonic() - started:.1f} s; year {year}", flush=True)
        from ecoledger.platform import users
        from ecoledger.platform.db import Database, sqlite_url

        db = Database(url or sqlite_url(data / "ecoledger.db"))
        users.create_user(db, "bench", PASSWORD, "viewer", [])
        db.dispose()
        counties = [u["code"] for u in httpx.get(f"{base}/api/v1/units?level=county").json()]
        items = sorted({r["item"] for r in httpx.get(
            f"{base}/api/v1/accounts?year={year}&unit={counties[0]}").json()["rows"]})
        measures = ["gep", "gep_per_km2", "gep_per_gdp", *(f"item:{i}" for i in items[:6])]
        warm = time.monotonic()  # one request per distinct URL: artefacts written, caches filled
        with httpx.Client(base_url=base, timeout=120) as client:
            client.get(f"/api/v1/accounts?year={year}")
            for code in counties:
                client.get(f"/api/v1/units/{code}/breakdown?year={year}")
            for measure in measures:
                client.get(f"/api/v1/map?year={year}&level=county&measure={measure}")
            for item in items:
                client.get(f"/api/v1/accounts?year={year}&level=county&item={item}")
        print(f"[{name}] warm-up (one request per URL): {time.monotonic() - warm:.1f} s", flush=True)
        scenarios = {
            "unit": lambda: f"/api/v1/units/{random.choice(counties)}/breakdown?year={year}",
            "year": lambda: f"/api/v1/accounts?year={year}&level=county&item={random.choice(items)}",
            "map": lambda: f"/api/v1/map?year={year}&level=county&measure={random.choice(measures)}",
            "full-year": lambda: f"/api/v1/accounts?year={year}",
        }
        results = []
        for label, urls in scenarios.items():
            result = asyncio.run(scenario(base, args.clients, args.seconds, urls))
            results.append((label, result))
            print(f"[{name}] {label}: {_row(label, result)}", flush=True)
        result = asyncio.run(scenario(base, args.clients, args.seconds, scenarios["full-year"],
                                      login_client=True))
        results.append(("login during full-year reads", result))
        print(f"[{name}] login: {_row('login', result)}", flush=True)
        return results
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _row(label: str, r: dict) -> str:
    return (f"| {label} | {r['requests']} | {r['rate']:.1f} | {r['p50'] * 1000:.0f} | {r['p99'] * 1000:.0f} "
            f"| {r['max'] * 1000:.0f} | {r['errors']} |")


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def ensure_inputs(args) -> None:
    if args.pack.is_dir() and (args.accounts / "accounts.csv").is_file():
        return
    print("building the Jiangxi pack and its accounts (scripts/run-main, a few minutes)…", flush=True)
    subprocess.run([str(ROOT / "scripts" / "run-main")], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each scenario")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--pack", type=Path, default=ROOT / "out" / "jiangxi-pack")
    parser.add_argument("--accounts", type=Path, default=ROOT / "out" / "jiangxi-2019")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "ECOLEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://ecoledger:ecoledger@localhost:5432/ecoledger_test"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 12.0)  # bounded: 5 scenarios × 12 s at most per backend
    ensure_inputs(args)
    tables, loads = {}, {}
    if args.backend in ("sqlite", "both"):
        loads["SQLite"] = _load_average()
        tables["SQLite"] = run_backend("sqlite", None, args)
    if args.backend in ("postgresql", "both"):
        loads["PostgreSQL"] = _load_average()
        tables["PostgreSQL"] = run_backend("postgresql", postgres_bench_url(args.postgres_url), args)
    print(f"\n{args.clients} concurrent clients, {args.seconds:g} s per scenario, {os.cpu_count()} CPUs, "
          f"load average at the end {_load_average()}\n")
    for backend, results in tables.items():
        # the machine's load before the backend's run (other work competes with server and clients)
        print(f"**{backend}** (load average before: {loads[backend]})\n")
        print("| scenario | requests | req/s | p50 ms | p99 ms | max ms | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, result in results:
            print(_row(label, result))
        print()


if __name__ == "__main__":
    main()
