"""Crash safety: the real server process dies during a submission and during a run.

On a store of each kind (SQLite, PostgreSQL) each test first commits, through the API, an
accepted and a pending submission and a published run; then it runs the real server (``uvicorn``
in a subprocess, plain http) on that store and kills the process in the middle of a write:

* ``ECOLEDGER_TEST_CRASH_AT=submission``: ``os._exit`` half-way through inserting a submission's
  rows (after a flush, inside the transaction);
* a real ``SIGKILL`` while a run is ``running``;
* ``ECOLEDGER_TEST_CRASH_AT=run-results``: ``os._exit`` half-way through storing a run's account
  rows (after a flush, inside the transaction).

After a restart, through the API and directly in the store: everything committed before is
there unchanged (submissions and their rows, runs, account rows, the audit chain), and nothing
of the interrupted write is visible (no submission, no orphan rows, no account rows, no
``.partial`` archive, no finished run without rows); the audit chain verifies and the platform
goes on working.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from ecoledger.platform import audit
from ecoledger.platform.db import Database
from ecoledger.platform.models import AccountRow, AuditEntry, Run, Submission, SubmissionRow
from ecoledger.platform.testing import login
from ecoledger.platform.testing import publish as publish_run

YEAR = 2020
CRASH_ENV = "ECOLEDGER_TEST_CRASH_AT"
CRASH_EXIT_CODE = 70  # reporting._maybe_crash
STARTUP_TIMEOUT_S = 60
RUN_TIMEOUT_S = 120
FIRST_FILE = ("code,year,indicator,value,unit,source\n"
              "990101,2020,agriculture_output_value,12.5,亿元,synthetic test yearbook table 1\n")
PENDING_FILE = ("code,year,indicator,value,unit,source\n"
                "990101,2020,gdp,101,亿元,synthetic test yearbook table 2\n")
CRASH_FILE = ("code,year,indicator,value,unit,source\n"
              "990101,2020,forestry_output_value,2.5,亿元,synthetic test yearbook table 3\n"
              "990101,2020,fishery_output_value,1.5,亿元,synthetic test yearbook table 3\n"
              "990101,2020,population,31.5,万人,synthetic test yearbook table 4\n"
              "990101,2020,tourism_revenue,3.5,亿元,synthetic test yearbook table 5\n")

# The server process: the platform as ``ecoledger serve --insecure-cookies`` builds it.
SERVER = """
import os, sys
from pathlib import Path

import uvicorn

from ecoledger.platform.app import create_app
from ecoledger.platform.testing import make_settings

settings = make_settings(Path(os.environ["CRASH_TEST_FOLDER"]), os.environ["CRASH_TEST_STORE"],
                         Path(os.environ["CRASH_TEST_PACK"]), cookie_secure=False)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One server process on the test's store; ``client`` keeps cookies like a browser."""

    process: subprocess.Popen
    base_url: str
    log: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self):
        self.client = httpx.Client(base_url=self.base_url, timeout=30)

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def exit_code(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server did not exit within {timeout} s\n{self.log_tail()}")

    def stop(self) -> None:
        """Graceful stop (SIGTERM); SIGKILL if it hangs."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class Platform:
    """A prepared store plus the servers started on it (all killed at teardown)."""

    folder: Path
    url: str
    pack: Path
    servers: list[Server] = field(default_factory=list)

    def start(self, crash_at: str | None = None) -> Server:
        env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
        env.update(CRASH_TEST_FOLDER=str(self.folder), CRASH_TEST_STORE=self.url,
                   CRASH_TEST_PACK=str(self.pack), PYTHONUNBUFFERED="1")
        if crash_at:
            env[CRASH_ENV] = crash_at
        port = free_port()
        log = self.folder / f"server-{len(self.servers) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env,
                                       stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        server = Server(process, f"http://127.0.0.1:{port}", log)
        self.servers.append(server)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode} at start-up\n{server.log_tail()}")
            try:
                if server.client.get("/api/v1/csrf", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within {STARTUP_TIMEOUT_S} s\n{server.log_tail()}")
            time.sleep(0.05)

    def kill_all(self) -> None:
        for server in self.servers:
            server.client.close()
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait(10)


@dataclass
class Committed:
    """What was committed before the crash, and the store's state then."""

    platform: Platform
    submission_ids: list[int]
    published_run_id: int
    state: dict


# --- helpers -------------------------------------------------------------------------------------

def upload(client: httpx.Client, csrf: str, text: str, name: str = "stats.csv") -> httpx.Response:
    return client.post("/api/v1/submissions", files={"file": (name, text.encode("utf-8"), "text/csv")},
                       headers={"X-CSRF-Token": csrf})


def start_run(client: httpx.Client, csrf: str) -> dict:
    response = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 202, response.text
    return response.json()


def finished_run(server: Server, run_id: int) -> dict:
    """Poll the run (as the logged-in reviewer) until it has ended."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        run = server.client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] not in ("queued", "running"):
            return run
        time.sleep(0.1)
    pytest.fail(f"run {run_id} did not finish within {RUN_TIMEOUT_S} s\n{server.log_tail()}")


def store_state(url: str) -> dict:
    """The store read directly: submissions with their rows, runs, account rows, the audit chain."""
    db = Database(url)
    try:
        with db.transaction() as s:
            if url.startswith("sqlite"):
                assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            submissions = {
                x.id: {"status": x.status, "row_count": x.row_count, "sha256": x.content_sha256,
                       "rows": [(r.row, r.code, r.year, r.indicator, r.value_canonical) for r in x.rows]}
                for x in s.scalars(select(Submission))}
            orphans = s.scalar(select(func.count()).select_from(SubmissionRow).where(
                SubmissionRow.submission_id.not_in(select(Submission.id))))
            runs = {r.id: {"status": r.status, "gep_yuan": r.gep_yuan, "archive": r.archive,
                           "outputs": r.outputs, "published_at": r.published_at,
                           "statistics_sha256": r.statistics_sha256}
                    for r in s.scalars(select(Run))}
            accounts: dict[int, list] = {}
            for r in s.scalars(select(AccountRow).order_by(AccountRow.id)):
                accounts.setdefault(r.run_id, []).append(
                    (r.unit_code, r.year, r.item, r.ecosystem, r.physical_value, r.unit_price, r.value_yuan,
                     r.data_status))
            entries = [(e.seq, e.action, e.object_id, e.hash)
                       for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
            verification = audit.verify(s)
    finally:
        db.dispose()
    for run_id, run in runs.items():
        rows = accounts.get(run_id, [])
        run["account_rows"] = len(rows)
        run["checksum"] = hashlib.sha256(repr(sorted(rows, key=repr)).encode()).hexdigest()
    return {"submissions": submissions, "orphan_rows": orphans, "runs": runs,
            "orphan_accounts": sorted(set(accounts) - set(runs)), "audit": entries,
            "audit_ok": verification.ok, "audit_reason": verification.reason}


def assert_nothing_half_written(state: dict) -> None:
    """Invariants a crash must never break, whatever moment it struck."""
    assert state["orphan_rows"] == 0, "submission rows without their submission"
    assert state["orphan_accounts"] == [], "account rows without their run"
    for sid, x in state["submissions"].items():
        assert len(x["rows"]) == x["row_count"] > 0, f"submission {sid} has {len(x['rows'])} of its rows"
    for run_id, run in state["runs"].items():
        if run["status"] in ("provisional", "published"):
            assert run["account_rows"] > 0, f"run {run_id} is {run['status']} without account rows"
            assert run["outputs"] and run["gep_yuan"] is not None, f"run {run_id} lacks its outputs"
            assert run["archive"], f"run {run_id} is {run['status']} without its archive"
        else:
            assert run["account_rows"] == 0, f"run {run_id} is {run['status']} but has account rows"
        archive = run["archive"]
        if archive:
            assert not archive.endswith(".partial"), f"run {run_id} references {archive}"
            assert run["status"] in ("provisional", "published")
            with zipfile.ZipFile(archive) as z:
                assert z.testzip() is None and "manifest.json" in z.namelist()
    assert state["audit_ok"], state["audit_reason"]


def assert_committed_intact(before: dict, after: dict) -> None:
    """Everything committed before the crash is still there, unchanged."""
    for sid, submission in before["submissions"].items():
        assert after["submissions"].get(sid) == submission, f"submission {sid} changed"
    for run_id, run in before["runs"].items():
        assert after["runs"].get(run_id) == run, f"run {run_id} changed"
    n = len(before["audit"])
    assert after["audit"][:n] == before["audit"], "the audit log lost or changed committed entries"


def new_actions(before: dict, after: dict) -> list[str]:
    return [action for _, action, _, _ in after["audit"][len(before["audit"]):]]


def api_check(server: Server, committed: Committed) -> None:
    """The API shows the committed submissions and published run, and a verified audit chain."""
    login(server.client, "reviewer")
    listed = {x["id"]: x for x in server.client.get("/api/v1/submissions").json()}
    assert sorted(listed) == sorted(committed.state["submissions"])
    for sid, x in committed.state["submissions"].items():
        detail = server.client.get(f"/api/v1/submissions/{sid}").json()
        assert detail["status"] == x["status"] and len(detail["rows"]) == x["row_count"]
    published = committed.state["runs"][committed.published_run_id]
    run = server.client.get(f"/api/v1/runs/{committed.published_run_id}").json()
    assert run["status"] == "published" and run["gep_yuan"] == published["gep_yuan"]
    rows = server.client.get("/api/v1/accounts", params={"year": YEAR}).json()
    assert rows["run"]["id"] == committed.published_run_id
    assert len(rows["rows"]) == published["account_rows"]
    archive = server.client.get(f"/api/v1/runs/{committed.published_run_id}/archive")
    assert archive.status_code == 200 and archive.content[:2] == b"PK"
    login(server.client, "admin")
    verdict = server.client.get("/api/v1/audit/verify").json()
    assert verdict["ok"], verdict
    assert verdict["entries"] >= len(committed.state["audit"])


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def committed(tmp_path, store_url, platform_pack) -> Committed:
    """An accepted and a pending submission and a published run, committed through the API.

    The store is prepared and the baseline committed in-process (the same app, runs executed
    inside the request); the crashes then happen in server subprocesses on the same store.
    """
    from fastapi.testclient import TestClient

    from ecoledger.platform.app import create_app
    from ecoledger.platform.testing import add_synthetic_users, make_settings

    prepared = Platform(tmp_path, store_url, platform_pack)
    app = create_app(make_settings(tmp_path, store_url, platform_pack, cookie_secure=False,
                                   run_in_background=False))
    add_synthetic_users(app.state.platform.db)
    with TestClient(app, base_url="http://testserver") as client:
        csrf = login(client, "county-a")
        first = upload(client, csrf, FIRST_FILE, "first.csv")
        assert first.status_code == 201, first.text
        pending = upload(client, csrf, PENDING_FILE, "pending.csv")
        assert pending.status_code == 201, pending.text
        csrf = login(client, "reviewer")
        accepted = client.post(f"/api/v1/submissions/{first.json()['id']}/accept",
                               headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 200, accepted.text
        run = start_run(client, csrf)
        assert run["status"] == "provisional" and run["has_archive"], run
        published = publish_run(client, run["id"])
        assert published.status_code == 200 and published.json()["status"] == "published"
    app.state.platform.db.dispose()
    state = store_state(store_url)
    assert_nothing_half_written(state)
    assert set(state["submissions"]) == {first.json()["id"], pending.json()["id"]}
    assert state["runs"][run["id"]]["account_rows"] > 0 and state["runs"][run["id"]]["archive"]
    try:
        yield Committed(prepared, sorted(state["submissions"]), run["id"], state)
    finally:
        prepared.kill_all()


# --- the tests -----------------------------------------------------------------------------------

def test_crash_during_submission_write(committed):
    platform, before = committed.platform, committed.state
    server = platform.start(crash_at="submission")
    csrf = login(server.client, "county-a")
    with pytest.raises(httpx.TransportError):  # the connection drops: the process is gone
        upload(server.client, csrf, CRASH_FILE, "crash.csv")
    assert server.exit_code() == CRASH_EXIT_CODE, server.log_tail()

    after = store_state(platform.url)
    assert_committed_intact(before, after)
    assert_nothing_half_written(after)
    assert after["submissions"] == before["submissions"], "the crashed submission left rows behind"
    assert after["runs"] == before["runs"]
    assert new_actions(before, after) == ["login"]  # county-a's; no submission.create

    server = platform.start()
    api_check(server, committed)
    # the same upload now goes through whole: the platform works on after the crash
    csrf = login(server.client, "county-a")
    again = upload(server.client, csrf, CRASH_FILE, "crash.csv")
    assert again.status_code == 201, again.text
    assert again.json()["id"] not in before["submissions"] and again.json()["row_count"] == 4
    server.stop()
    final = store_state(platform.url)
    assert_committed_intact(before, final)
    assert_nothing_half_written(final)
    assert len(final["submissions"]) == len(before["submissions"]) + 1


def assert_interrupted_and_recovered(platform: Platform, committed: Committed, run_id: int) -> None:
    """After the restart: the run is interrupted without results; a new run finishes."""
    before = committed.state
    server = platform.start()
    api_check(server, committed)
    csrf = login(server.client, "reviewer")
    run = server.client.get(f"/api/v1/runs/{run_id}").json()
    assert run["status"] == "interrupted" and run["error"] and not run["has_archive"], run
    assert server.client.get("/api/v1/accounts", params={"run": run_id}).status_code == 404
    assert server.client.get(f"/api/v1/runs/{run_id}/archive").status_code == 404

    state = store_state(platform.url)
    assert_committed_intact(before, state)
    assert_nothing_half_written(state)
    assert state["runs"][run_id]["account_rows"] == 0 and state["runs"][run_id]["archive"] == ""
    new_entries = [(action, object_id) for _, action, object_id, _ in state["audit"][len(before["audit"]):]]
    assert ("run.interrupted", str(run_id)) in new_entries
    assert ("run.provisional", str(run_id)) not in new_entries
    assert not (platform.folder / "platform-data" / "runs" / str(run_id) / f"run-{run_id}.zip").exists()

    fresh = finished_run(server, start_run(server.client, csrf)["id"])
    assert fresh["status"] == "provisional", fresh
    server.stop()
    final = store_state(platform.url)
    assert_committed_intact(before, final)
    assert_nothing_half_written(final)
    published = before["runs"][committed.published_run_id]
    # same accepted statistics and parameters: the new run reproduces the published accounts
    assert final["runs"][fresh["id"]]["account_rows"] == published["account_rows"]
    assert final["runs"][fresh["id"]]["checksum"] == published["checksum"]
    assert final["runs"][run_id]["status"] == "interrupted"


def test_sigkill_while_a_run_is_running(committed):
    platform = committed.platform
    server = platform.start()
    csrf = login(server.client, "reviewer")
    killed = None
    for _ in range(3):  # a run that finishes before it is seen running is retried
        run_id = start_run(server.client, csrf)["id"]
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            run = server.client.get(f"/api/v1/runs/{run_id}").json()
            if run["status"] == "running" and run["progress"] > 0:
                # a running run's results are not readable, then the process dies mid-run
                assert server.client.get("/api/v1/accounts", params={"run": run_id}).status_code == 404
                server.process.kill()  # SIGKILL: no clean-up of any kind
                killed = run_id
                break
            if run["status"] not in ("queued", "running"):
                break
            time.sleep(0.02)
        if killed is not None:
            break
    assert killed is not None, "no run was seen running in three tries"
    assert server.exit_code() == -signal.SIGKILL
    state = store_state(platform.url)
    assert state["runs"][killed]["status"] == "running"  # what the dead server left
    assert state["runs"][killed]["account_rows"] == 0
    assert_committed_intact(committed.state, state)
    assert_nothing_half_written(state)
    assert_interrupted_and_recovered(platform, committed, killed)


def test_crash_while_storing_run_results(committed):
    platform = committed.platform
    server = platform.start(crash_at="run-results")
    csrf = login(server.client, "reviewer")
    run_id = start_run(server.client, csrf)["id"]
    assert server.exit_code(RUN_TIMEOUT_S) == CRASH_EXIT_CODE, server.log_tail()
    state = store_state(platform.url)
    assert state["runs"][run_id]["status"] == "running"  # what the dead server left
    assert state["runs"][run_id]["account_rows"] == 0  # the flushed half was never committed
    assert_committed_intact(committed.state, state)
    assert_nothing_half_written(state)
    assert_interrupted_and_recovered(platform, committed, run_id)
