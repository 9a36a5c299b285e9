"""The API keeps to its own OpenAPI description (schemathesis, in-process, bounded).

Beyond "no server error" (tests/test_platform_fuzz.py), every answer must be one the description
declares: a documented status code, a documented content type, a body matching the declared
schema (a 422 included). Run anonymously and as an administrator (session cookie and CSRF token
sent with every request) and as a viewer, on the seeded store of the fuzz test. Each operation's
error answers are described from its access declaration (``ecoledger.platform.app.refusals``),
so an undocumented status here means a route refuses what its declaration does not say.
Generation is derandomized and small (a few examples per operation): the module takes about
half a minute.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from test_platform_fuzz import (  # noqa: F401 (fixtures)
    BASE_URL,
    _session,
    administrator,
    fuzz_client,
    schema,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
BOUNDED = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


def _call(case, client, session: dict | None = None) -> None:
    extra = {} if session is None else {"headers": session["headers"], "cookies": session["cookies"]}
    case.call_and_validate(checks=CHECKS, app=client.app, base_url=BASE_URL, **extra)


@schema.parametrize()
@BOUNDED
def test_api_keeps_to_its_schema_anonymous(case, fuzz_client):  # noqa: F811
    _call(case, fuzz_client)


@schema.parametrize()
@BOUNDED
def test_api_keeps_to_its_schema_as_administrator(case, fuzz_client, administrator):  # noqa: F811
    session = administrator
    if case.operation.path == "/api/v1/logout":
        session = _session(fuzz_client, "admin")
    _call(case, fuzz_client, session)


@pytest.fixture(scope="module")
def viewer(fuzz_client):  # noqa: F811
    """A viewer's session: logged in, yet refused (403) every staff and submitter operation."""
    return _session(fuzz_client, "viewer")


@schema.parametrize()
@BOUNDED
def test_api_keeps_to_its_schema_as_viewer(case, fuzz_client, viewer):  # noqa: F811
    session = viewer
    if case.operation.path == "/api/v1/logout":
        session = _session(fuzz_client, "viewer")
    _call(case, fuzz_client, session)
