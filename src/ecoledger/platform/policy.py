"""Who may do what: the four roles and the rules every service checks.

* viewer — reads published results (which anyone may read) and the run history;
* submitter — bound to unit codes: submits statistics for them and reads their unpublished
  (provisional) results, nothing of other units;
* reviewer — accepts or returns submissions, starts runs, publishes them, reads everything;
* administrator — all of that, plus users and parameter-table versions.
"""

from __future__ import annotations

from ecoledger.errors import EcoledgerError
from ecoledger.platform.models import User


class PlatformError(EcoledgerError):
    """A request the platform refuses; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, message_zh: str = ""):
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message


class NotAuthenticated(PlatformError):
    status = 401


class AccessDenied(PlatformError):
    status = 403


class NotFound(PlatformError):
    status = 404


class Conflict(PlatformError):
    status = 409


class TooManyAttempts(PlatformError):
    status = 429

    def __init__(self, message: str, message_zh: str, retry_after_s: int):
        super().__init__(message, message_zh)
        self.retry_after_s = retry_after_s


def require_login(user: User | None) -> User:
    if user is None:
        raise NotAuthenticated("log in first", "请先登录")
    return user


def require_role(user: User | None, *roles: str) -> User:
    user = require_login(user)
    if user.role not in roles:
        raise AccessDenied(f"this needs the role {' or '.join(roles)}; you are {user.role}",
                           f"此操作需要角色 {' 或 '.join(roles)}，您的角色是 {user.role}")
    return user


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in ("reviewer", "administrator")


def readable_provisional_units(user: User | None) -> set[str] | None:
    """Units whose unpublished results ``user`` may read: None means all, empty means none."""
    if is_staff(user):
        return None
    if user is not None and user.role == "submitter":
        return set(user.unit_codes)
    return set()


def submittable_units(user: User | None) -> set[str] | None:
    """Units ``user`` may submit statistics for (None: any unit)."""
    user = require_login(user)
    if user.role == "administrator":
        return None
    if user.role != "submitter":
        raise AccessDenied("only submitters and administrators submit statistics",
                           "只有报送员和管理员可以报送统计数据")
    return set(user.unit_codes)
