"""The API keeps to its own OpenAPI description (schemathesis, in-process, bounded).

Beyond "no server error" (tests/test_platform_fuzz.py), every answer must be one the description
declares: a documented status code, a documented content type, a body matching the declared
schema (a 422 included). Run anonymously and as an administrator (session cookie and CSRF token
sent with every request), on the seeded store of the fuzz test. Generation is derandomized and
small (a few examples per operation), so the module takes about a minute.
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
# Not yet met (issue 16 item 5): module routes (carbon, monitoring, applications) do not declare
# 401/403/404 and their non-JSON content types (units.geojson, *.csv, certificate pdf/print pages).
# The fix belongs in one place (a post-processed OpenAPI description shared by create_app and the
# fuzz test); until then these run and report, without failing the suite.
PENDING = pytest.mark.xfail(reason="undocumented status codes and content types remain (issue 16)",
                            strict=False)
BOUNDED = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


def _call(case, client, session: dict | None = None) -> None:
    extra = {} if session is None else {"headers": session["headers"], "cookies": session["cookies"]}
    case.call_and_validate(checks=CHECKS, app=client.app, base_url=BASE_URL, **extra)


@PENDING
@schema.parametrize()
@BOUNDED
def test_api_keeps_to_its_schema_anonymous(case, fuzz_client):  # noqa: F811
    _call(case, fuzz_client)


@PENDING
@schema.parametrize()
@BOUNDED
def test_api_keeps_to_its_schema_as_administrator(case, fuzz_client, administrator):  # noqa: F811
    session = administrator
    if case.operation.path == "/api/v1/logout":
        session = _session(fuzz_client, "admin")
    _call(case, fuzz_client, session)
