"""Request dependencies shared by the API and the pages: the platform state, the user, CSRF."""

from __future__ import annotations

from fastapi import Request

from ecoledger.platform import security, users
from ecoledger.platform.models import User
from ecoledger.platform.policy import AccessDenied

SESSION_COOKIE = "ecoledger_session"
CSRF_COOKIE = "ecoledger_csrf"
CSRF_HEADER = "x-csrf-token"


def platform(request: Request):
    return request.app.state.platform


def current_user(request: Request) -> User | None:
    """The logged-in user, looked up once per request (sync: runs in the thread pool)."""
    if not hasattr(request.state, "user"):
        request.state.user = users.user_for_token(platform(request).db,
                                                  request.cookies.get(SESSION_COOKIE))
    return request.state.user


def csrf_token(request: Request) -> str:
    return security.csrf_token(platform(request).secret, request.state.csrf_nonce)


def check_csrf(request: Request, token: str | None) -> None:
    """Refuse an unsafe request whose token does not match this browser's CSRF cookie."""
    nonce = request.cookies.get(CSRF_COOKIE)
    if not security.csrf_valid(platform(request).secret, nonce, token):
        raise AccessDenied("the form has expired or did not come from this site: reload the page "
                           "and try again (CSRF check failed)",
                           "表单已过期或来源不明：请刷新页面后重试（CSRF 校验失败）")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
