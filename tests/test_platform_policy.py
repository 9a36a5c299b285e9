"""The access policy as a matrix, generated from the app's route table (SQLite and PostgreSQL).

Every route of the app declares who may call it (``@allow`` in ``ecoledger.platform.policy``).
This test calls every route as every role — anonymous, viewer, the submitter of unit A, the
submitter of unit B, reviewer, administrator — against a published and a provisional run (and a
submission of unit A), and compares each answer with the declaration:

* a caller the declaration refuses gets 401 (anonymous) or 403 — or 404 for an object it may
  not know exists (a provisional run, another unit's submission); never the data;
* an admitted caller is never refused: a read answers 2xx (404 only for lookups by an id that
  was never issued); a state change is not refused for its role (the matrix sends it without a
  CSRF token, so nothing changes: it must fail on the token or on its input, not on the role);
* a route without a declaration fails the test (and is refused to everyone by the app).

One platform per store kind, with two real runs (the first published by another user than the
one who started it, the second left provisional), is shared by the module.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from ecoledger.platform.policy import EVERYONE, STAFF, access_of

YEAR = 2020
ROLES = {  # matrix role → (user name or None, role the policy knows)
    "anonymous": (None, "anonymous"),
    "viewer": ("viewer", "viewer"),
    "submitter_a": ("county-a", "submitter"),  # unit 990101
    "submitter_b": ("county-b", "submitter"),  # unit 990201
    "reviewer": ("reviewer", "reviewer"),
    "administrator": ("admin", "administrator"),
}
UNIT_A = "990101"
FRAMEWORK = {"/api/v1/openapi.json", "/api/v1/docs", "/docs/oauth2-redirect"}  # FastAPI's own
SAMPLE_QUERY = {"year": str(YEAR), "station": "S1", "sha256": "0" * 64}
# lookups by an id nobody issued in this store: 404 is the admitted answer
UNISSUED = {"digest": "0" * 64, "label_id": "NO-SUCH-LABEL",
            # the registry's: a trace code, a credit subject and its appeal, a batch, a right's page
            "trace_code": "NOSUCHCODE0", "subject_id": "NO-SUCH-SUBJECT", "appeal_id": "NO-SUCH-APPEAL",
            "batch_id": "NO-SUCH-BATCH", "serial": "NO-SUCH-RIGHT",
            "screening_id": "0" * 64}  # the controls' screening page
# both runs compute intervals (a few draws of ±10 % ranges), so that the uncertainty routes have
# data to show or hide: a run without draws has none (404), which says nothing about the policy
DRAWS = 8
SUBMISSION_CSV = (
    "code,year,indicator,value,unit,source\n"
    f"{UNIT_A},{YEAR},agriculture_output_value,12.5,亿元,synthetic test yearbook table 1\n"
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix(request, tmp_path_factory, platform_pack):
    import os

    from fastapi.testclient import TestClient

    from ecoledger.platform.testing import database_url, login, make_client, make_settings

    folder = tmp_path_factory.mktemp(f"policy-{request.param}")
    try:
        url = database_url(request.param, folder)
    except LookupError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    from ecoledger.uncertainty.propagate import relative_ranges

    with (
        pytest.MonkeyPatch.context() as patch,
        make_client(make_settings(folder, url, platform_pack, run_in_background=False)) as first,
    ):
        patch.setattr(
            "ecoledger.uncertainty.propagate.ranges_for", lambda result, extra=(): relative_ranges(result)
        )
        app = first.app
        clients = {}
        for role, (name, _) in ROLES.items():
            client = TestClient(app, base_url="https://testserver", follow_redirects=False)
            clients[role] = (client, login(client, name) if name else None)
        csrf_a = clients["submitter_a"][1]
        submission = (
            clients["submitter_a"][0]
            .post(
                "/api/v1/submissions",
                files={"file": ("stats.csv", SUBMISSION_CSV.encode(), "text/csv")},
                headers={"X-CSRF-Token": csrf_a},
            )
            .json()
        )
        reviewer, csrf_r = clients["reviewer"]
        published = reviewer.post(
            "/api/v1/runs", json={"year": YEAR, "draws": DRAWS}, headers={"X-CSRF-Token": csrf_r}
        ).json()
        admin, csrf_admin = clients["administrator"]
        assert (
            admin.post(
                f"/api/v1/runs/{published['id']}/publish", headers={"X-CSRF-Token": csrf_admin}
            ).json()["status"]
            == "published"
        )
        provisional = reviewer.post(
            "/api/v1/runs", json={"year": YEAR, "draws": DRAWS}, headers={"X-CSRF-Token": csrf_r}
        ).json()
        assert provisional["status"] == "provisional"
        yield {
            "app": app,
            "clients": clients,
            "published": published["id"],
            "provisional": provisional["id"],
            "submission": submission["id"],
        }
    app.state.platform.db.dispose()


def _flat(routes, prefix: str = ""):
    """The app's routes, routers included (FastAPI ≥ 0.16x keeps included routers as one entry)."""
    for route in routes:
        if hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            yield from _flat(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif prefix and isinstance(route, APIRoute):
            raise AssertionError(f"a router included with the prefix {prefix!r}: extend _flat")
        else:
            yield route


def _routes(app):
    return [r for r in _flat(app.routes) if isinstance(r, APIRoute)]


def test_every_route_declares_its_access(matrix):
    """A new route without ``@allow(...)`` fails here (and the app refuses it to everyone)."""
    undeclared, unknown = [], []
    routes = list(_flat(matrix["app"].routes))
    assert len([r for r in routes if isinstance(r, APIRoute)]) > 80
    for route in routes:
        if isinstance(route, APIRoute):
            if access_of(route.endpoint) is None:
                undeclared.append(f"{sorted(route.methods)} {route.path} ({route.endpoint.__module__})")
        elif isinstance(route, Mount) and route.path == "/static":
            continue
        elif not (isinstance(route, Route) and route.path in FRAMEWORK):
            unknown.append(getattr(route, "path", repr(route)))
    assert undeclared == [], "routes without an access declaration"
    assert unknown == [], "routes the policy does not know"


def test_a_route_without_a_declaration_is_refused():
    from fastapi import APIRouter, Depends, FastAPI
    from fastapi.testclient import TestClient

    from ecoledger.platform.deps import enforce_access
    from ecoledger.platform.policy import AccessDenied

    router = APIRouter(dependencies=[Depends(enforce_access)])

    @router.get("/undeclared")
    def undeclared() -> dict:
        return {"secret": True}

    app = FastAPI()
    app.include_router(router)
    with pytest.raises(AccessDenied, match="no declared access policy"):
        TestClient(app).get("/undeclared")


def _calls(route, matrix):
    """(variant, path, query) for one route: each run-bearing route once per run kind."""
    params = set(re.findall(r"{(\w+)}", route.path))
    query_names = {p.alias or p.name for p in route.dependant.query_params}
    required_query = {p.alias or p.name for p in route.dependant.query_params if p.field_info.is_required()}
    query = {name: SAMPLE_QUERY[name] for name in required_query}
    variants = []
    if "run_id" in params or "run" in query_names:
        variants = [("published", matrix["published"]), ("provisional", matrix["provisional"])]
    else:
        variants = [("", None)]
    calls = []
    for variant, run_id in variants:
        path = route.path
        values = {"run_id": run_id, "code": UNIT_A, "submission_id": matrix["submission"], **UNISSUED}
        for name in params:
            path = path.replace("{" + name + "}", str(values[name]))
        q = dict(query)
        if "run" in query_names and run_id is not None:
            q["run"] = str(run_id)
        calls.append((variant, path, q))
    return calls


def _expected(access, route, role: str, variant: str) -> str:
    """'allow', 'deny' (401/403) or 'hide' (404, or 401/403) for one call."""
    _, policy_role = ROLES[role]
    if not access.allows(policy_role):
        return "deny"
    if variant == "provisional" and policy_role not in STAFF:
        return "hide"
    if (
        access.objects == "unit"
        and "{submission_id}" in route.path
        and policy_role not in STAFF
        and role != "submitter_a"
    ):
        return "hide"
    return "allow"


def _refused_for_role(response) -> bool:
    """401/403 for who the caller is — not the CSRF check an admitted caller fails on."""
    return response.status_code in (401, 403) and "CSRF" not in response.text


def test_every_route_as_every_role(matrix):
    mismatches = []
    calls = 0
    for route in _routes(matrix["app"]):
        access = access_of(route.endpoint)
        assert access is not None, route.path
        for method in sorted(route.methods - {"HEAD"}):
            for variant, path, query in _calls(route, matrix):
                for role, (client, _) in matrix["clients"].items():
                    # unsafe methods go without the CSRF token: nothing changes, whatever the role
                    response = client.request(method, path, params=query)
                    calls += 1
                    expected = _expected(access, route, role, variant)
                    status = response.status_code
                    safe = method in ("GET", "HEAD")
                    if expected == "deny":
                        ok = _refused_for_role(response)
                    elif expected == "hide":
                        ok = status == 404 or _refused_for_role(response)
                    elif safe and UNISSUED.keys() & set(re.findall(r"{(\w+)}", route.path)):
                        ok = status in (200, 404)
                    elif safe:
                        ok = 200 <= status < 400
                    else:
                        ok = not _refused_for_role(response) and status < 500
                    if not ok:
                        mismatches.append(
                            f"{method} {path} {query or ''} as {role} ({variant or '-'}): "
                            f"expected {expected}, got {status} {response.text[:120]!r}"
                        )
    assert calls > 400
    assert mismatches == [], "\n".join(mismatches)


def test_lists_hide_provisional_runs_and_other_units(matrix):
    """List routes answer everyone, but show a provisional run to reviewers and administrators
    only, and unit A's submission to its submitter and the staff only."""
    provisional, published, submission = matrix["provisional"], matrix["published"], matrix["submission"]
    for role, (client, _) in matrix["clients"].items():
        staff = ROLES[role][1] in STAFF
        listed = {r["id"]: r for r in client.get("/api/v1/runs").json()}
        assert published in listed and (provisional in listed) == staff, role
        if not staff:  # no total, no status of anything unpublished
            assert all(r["status"] == "published" for r in listed.values()), role
        page = client.get("/runs").text
        assert f'id="run-{published}"' in page and (f'id="run-{provisional}"' in page) == staff, role
        if role != "anonymous":
            seen = {x["id"] for x in client.get("/api/v1/submissions").json()}
            assert (submission in seen) == (staff or role == "submitter_a"), role


def test_the_policy_vocabulary_is_closed():
    from ecoledger.platform.policy import allow

    with pytest.raises(ValueError):
        allow("superuser")
    with pytest.raises(ValueError):
        allow("anyone", objects="everything")
    assert set(EVERYONE) == {"anonymous", "viewer", "submitter", "reviewer", "administrator"}


# --- client addresses, login limits and the audit of failed logins ---------------------------------


@pytest.mark.parametrize(
    "peer, header, trusted, expected",
    [
        ("203.0.113.9", ["1.2.3.4"], "", "203.0.113.9"),  # no proxy listed: the header is ignored
        ("203.0.113.9", ["1.2.3.4"], "10.0.0.0/8", "203.0.113.9"),  # the peer is no listed proxy
        ("10.0.0.2", ["198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),
        ("10.0.0.2", ["1.2.3.4, 198.51.100.7, 10.0.0.5"], "10.0.0.0/8", "198.51.100.7"),  # right-most
        ("10.0.0.2", ["1.2.3.4", "198.51.100.7"], "10.0.0.0/8", "198.51.100.7"),  # repeated headers
        ("10.0.0.2", [], "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", ["10.0.0.7"], "10.0.0.0/8", "10.0.0.7"),  # proxies all the way: the first hop
        ("::1", ["2001:db8::5"], "::1, 127.0.0.1", "2001:db8::5"),
    ],
)
def test_forwarded_for_only_from_listed_proxies(peer, header, trusted, expected):
    from ecoledger.platform.deps import forwarded_client, parse_networks

    assert forwarded_client(peer, header, parse_networks(trusted)) == expected


def _failed_login(client, name, csrf, **headers):
    return client.post(
        "/api/v1/login",
        json={"username": name, "password": "wrong password"},
        headers={"X-CSRF-Token": csrf, **headers},
    )


def test_login_limit_locks_out_the_source_not_the_account(platform_client, monkeypatch):
    from fastapi.testclient import TestClient

    from ecoledger.platform.testing import PASSWORD, login

    app = platform_client.app
    attacker = TestClient(app, base_url="https://testserver", client=("203.0.113.66", 4000))
    csrf = attacker.get("/api/v1/csrf").json()["csrf_token"]
    for i in range(5):  # a forged X-Forwarded-For changes nothing: no proxy is listed
        assert (
            _failed_login(attacker, "viewer", csrf, **{"X-Forwarded-For": f"192.0.2.{i}"}).status_code == 401
        )
    assert _failed_login(attacker, "viewer", csrf).status_code == 429
    right = attacker.post(
        "/api/v1/login", json={"username": "admin", "password": PASSWORD}, headers={"X-CSRF-Token": csrf}
    )
    assert right.status_code == 429  # the source is locked out, whatever the account
    victim = TestClient(app, base_url="https://testserver", client=("198.51.100.20", 5000))
    login(victim, "viewer")  # the account is not: its owner logs in from their own address
    # behind a listed proxy, each client is limited on its own forwarded address
    monkeypatch.setenv("ECOLEDGER_TRUSTED_PROXIES", "10.0.0.0/8")
    proxy = TestClient(app, base_url="https://testserver", client=("10.0.0.2", 6000))
    csrf = proxy.get("/api/v1/csrf").json()["csrf_token"]
    for _ in range(5):
        assert _failed_login(proxy, "viewer", csrf, **{"X-Forwarded-For": "192.0.2.50"}).status_code == 401
    assert _failed_login(proxy, "viewer", csrf, **{"X-Forwarded-For": "192.0.2.50"}).status_code == 429
    # spoofing an address to the left of the proxy's entry does not escape the limit
    spoofed = {"X-Forwarded-For": "7.7.7.7, 192.0.2.50"}
    assert _failed_login(proxy, "viewer", csrf, **spoofed).status_code == 429
    other = proxy.post(
        "/api/v1/login",
        json={"username": "viewer", "password": PASSWORD},
        headers={"X-CSRF-Token": csrf, "X-Forwarded-For": "192.0.2.51"},
    )
    assert other.status_code == 200


def test_failed_login_audits_the_name_as_data_not_as_actor(platform_client):
    from sqlalchemy import select

    from ecoledger.platform.models import AuditEntry

    csrf = platform_client.get("/api/v1/csrf").json()["csrf_token"]
    assert _failed_login(platform_client, "admin", csrf).status_code == 401
    assert _failed_login(platform_client, "nobody-such", csrf).status_code == 401
    with platform_client.app.state.platform.db.transaction() as s:
        failed = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "login.failed")))
    assert [e.actor for e in failed] == ["anonymous", "anonymous"]
    assert [e.detail["attempted_username"] for e in failed] == ["admin", "nobody-such"]
    assert failed[0].detail["known_user"] and not failed[1].detail["known_user"]
    assert all(e.detail["client"] == "testclient" for e in failed)
