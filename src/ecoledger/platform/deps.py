"""Request dependencies shared by the API and the pages: the platform state, the user, CSRF,
the declared access policy of the route, and the client's address.

The client's address is the TCP peer's. ``X-Forwarded-For`` is read only when the peer is a
proxy the operator listed (``Settings.trusted_proxies`` or ``ECOLEDGER_TRUSTED_PROXIES``:
addresses or networks, comma-separated); then the address is the right-most entry of the header
that is not itself a trusted proxy, which a client cannot forge (each trusted proxy appends the
address it saw). Without a listed proxy the header is ignored, whatever the peer.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from ecoledger.platform import security, users
from ecoledger.platform.models import User
from ecoledger.platform.policy import AccessDenied, NotAuthenticated, access_of

SESSION_COOKIE = "ecoledger_session"
CSRF_COOKIE = "ecoledger_csrf"
CSRF_HEADER = "x-csrf-token"
LANG_COOKIE = "ecoledger_lang"  # the pages' language switch


def request_language(request: Request) -> str:
    """An API request's language: ``?lang=``, the pages' language cookie, then Accept-Language; zh."""
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted in ("zh", "en"):
        return wanted
    accepted = (request.headers.get("accept-language") or "").strip().lower()
    return "en" if accepted.startswith("en") else "zh"


# Response classes of non-JSON answers, so that a route's ``response_class`` documents its media type.
class CsvResponse(Response):
    media_type = "text/csv; charset=utf-8"


class GeoJsonResponse(JSONResponse):
    media_type = "application/geo+json"


class PdfResponse(Response):
    media_type = "application/pdf"


def platform(request: Request):
    return request.app.state.platform


def current_user(request: Request) -> User | None:
    """The logged-in user, looked up once per request (sync: runs in the thread pool)."""
    if not hasattr(request.state, "user"):
        request.state.user = users.user_for_token(platform(request).db,
                                                  request.cookies.get(SESSION_COOKIE))
    return request.state.user


async def session_user(request: Request) -> User | None:
    """:func:`current_user` as a route dependency: without a session cookie it answers at once,
    on the event loop (no thread-pool hop, no store); with one the store is read in the pool."""
    if hasattr(request.state, "user"):
        return request.state.user
    if not request.cookies.get(SESSION_COOKIE):
        request.state.user = None
        return None
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(current_user, request)


UserDep = Annotated[User | None, Depends(session_user)]  # the logged-in user, or None
CsrfHeader = Annotated[str | None, Header(alias=CSRF_HEADER)]


def csrf_token(request: Request) -> str:
    return security.csrf_token(platform(request).secret, request.state.csrf_nonce)


def check_csrf(request: Request, token: str | None) -> None:
    """Refuse an unsafe request whose token does not match this browser's CSRF cookie."""
    nonce = request.cookies.get(CSRF_COOKIE)
    if not security.csrf_valid(platform(request).secret, nonce, token):
        raise AccessDenied("the form has expired or did not come from this site: reload the page "
                           "and try again (CSRF check failed)",
                           "表单已过期或来源不明：请刷新页面后重试（CSRF 校验失败）")


TRUSTED_PROXIES_ENV = "ECOLEDGER_TRUSTED_PROXIES"


async def enforce_access(request: Request) -> None:
    """The routers' dependency: refuse a caller the route's declared policy does not admit.

    Runs before the route's own parameters are validated, so a refused caller learns nothing
    about them; a route without a declaration is refused to everyone (fail closed). Object rules
    (provisional runs, other units' submissions) are checked where the object is read.
    """
    route = request.scope.get("route")
    access = access_of(getattr(route, "endpoint", None))
    if access is None:
        raise AccessDenied("this route has no declared access policy", "此路由未声明访问策略")
    if access.anonymous:
        return
    user = await session_user(request)
    if user is None:
        raise NotAuthenticated("log in first", "请先登录")
    if not access.allows(user.role):
        roles = [r for r in access.roles if r != "anonymous"]
        raise AccessDenied(f"this needs the role {' or '.join(roles)}; you are {user.role}",
                           f"此操作需要角色 {' 或 '.join(roles)}，您的角色是 {user.role}")


@functools.lru_cache(maxsize=8)
def parse_networks(listed: str) -> tuple:
    """``"10.0.0.1, 192.168.0.0/16"`` → networks; an entry that is no address is an error."""
    return tuple(ipaddress.ip_network(x.strip(), strict=False) for x in listed.split(",") if x.strip())


def trusted_proxies(request: Request) -> tuple:
    listed = platform(request).settings.trusted_proxies
    if listed is None:
        listed = os.environ.get(TRUSTED_PROXIES_ENV, "")
    if not isinstance(listed, str):
        listed = ",".join(listed)
    return parse_networks(listed)


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def forwarded_client(peer: str, forwarded_for: list[str], networks: tuple) -> str:
    """The client's address given the TCP peer, the X-Forwarded-For headers and the trusted proxies."""
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for header in forwarded_for for h in header.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), trusted_proxies(request))
