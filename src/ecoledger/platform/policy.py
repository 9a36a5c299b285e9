"""Who may do what: the four roles, the access policy every route declares, and the rules
every service checks.

* anonymous — reads published results, the published run history and the parameter library;
* viewer — the same, logged in (and the modules' logged-in tools);
* submitter — bound to unit codes: submits statistics for them and sees their own units'
  submissions, nothing of other units. A submitter does **not** see provisional (unpublished)
  results, not even of their own units: provisional runs, their totals, rows, maps and archives
  are for reviewers and administrators only, until a reviewer publishes them;
* reviewer — accepts or returns submissions, starts runs, publishes runs another user started
  (four eyes: the starter of a run cannot publish it), reads everything;
* administrator — all of that, plus users, parameter-table versions and the audit log.

Every route declares its policy with :func:`allow`, next to the route (``@allow(...)`` under the
router's decorator). The declaration is data (``endpoint.__access__``, and :data:`REGISTRY`):
the routers' dependency (:func:`ecoledger.platform.deps.enforce_access`) refuses a caller whose
role is not declared before anything else about the request is looked at, refuses every call to
a route without a declaration, and ``tests/test_platform_policy.py`` calls every route of the
app as every role and compares the answers with the declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ecoledger.errors import EcoledgerError
from ecoledger.platform.models import User

ANONYMOUS = "anonymous"
LOGGED_IN = ("viewer", "submitter", "reviewer", "administrator")
EVERYONE = (ANONYMOUS, *LOGGED_IN)
STAFF = ("reviewer", "administrator")
# what a route's objects are, for the policy's object rules:
OBJECTS = {
    "": "no object of another user or unit",
    "run": "one run: a published run as ``roles`` say, a provisional one to reviewers and "
           "administrators only (others get 404: nobody else learns it exists)",
    "runs": "runs or their results, listed or chosen by year: published ones as ``roles`` say, "
            "provisional ones only to reviewers and administrators (hidden from everyone else)",
    "unit": "objects bound to units (submissions): a submitter sees and acts on their own units' "
            "objects only; reviewers and administrators on all",
    "own": "the caller's own records only (their points balance, their uploads)",
    "public-id": "an object anyone may look up by its unguessable id (a certificate, a label)",
}


@dataclass(frozen=True)
class Access:
    """Who may call a route (``roles``, ``anonymous`` included or not) and on which objects."""

    roles: tuple[str, ...]
    objects: str = ""
    provisional: tuple[str, ...] = STAFF  # who sees provisional runs, for objects "run"/"runs"
    note: str = ""
    refuses: tuple[int, ...] = ()  # statuses beyond those the roles, objects and inputs imply

    @property
    def anonymous(self) -> bool:
        return ANONYMOUS in self.roles

    def allows(self, role: str | None) -> bool:
        return (role or ANONYMOUS) in self.roles

    def allows_provisional(self, role: str | None) -> bool:
        return self.allows(role) and (role or ANONYMOUS) in self.provisional


REGISTRY: dict[str, Access] = {}  # "module.function" → its declared access


def allow(*roles: str, objects: str = "", note: str = "", refuses: tuple[int, ...] = ()) -> Callable:
    """Declare who may call the decorated route; ``"anyone"`` and ``"logged-in"`` expand.

    ``refuses`` lists the route's own refusals that its roles, objects and parameters do not
    imply (409 on a state conflict, 429 on a rate limit, 404 of a query that names a version…):
    the API description (``ecoledger.platform.app.api_description``) declares each route's
    error answers from this declaration.
    """
    expanded: list[str] = []
    for role in roles:
        expanded += {"anyone": EVERYONE, "logged-in": LOGGED_IN, "staff": STAFF}.get(role, (role,))
    unknown = set(expanded) - set(EVERYONE)
    if unknown or not expanded:
        raise ValueError(f"unknown roles in an access declaration: {sorted(unknown)}")
    if objects not in OBJECTS:
        raise ValueError(f"unknown object kind {objects!r}; one of {sorted(OBJECTS)}")
    access = Access(tuple(r for r in EVERYONE if r in expanded), objects, note=note,
                    refuses=tuple(sorted(set(refuses))))

    def declare(endpoint: Callable) -> Callable:
        endpoint.__access__ = access
        REGISTRY[f"{endpoint.__module__}.{endpoint.__qualname__}"] = access
        return endpoint

    return declare


def access_of(endpoint: Callable) -> Access | None:
    return getattr(endpoint, "__access__", None)


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
    """Units whose unpublished results ``user`` may read: None means all, empty means none.

    Reviewers and administrators read every provisional run; nobody else reads any (a
    submitter's own units included: their results are provisional until published).
    """
    return None if is_staff(user) else set()


def can_read_run(user: User | None, status: str) -> bool:
    """Published runs are public; every other state is for reviewers and administrators."""
    return status == "published" or is_staff(user)


def submittable_units(user: User | None) -> set[str] | None:
    """Units ``user`` may submit statistics for (None: any unit)."""
    user = require_login(user)
    if user.role == "administrator":
        return None
    if user.role != "submitter":
        raise AccessDenied("only submitters and administrators submit statistics",
                           "只有报送员和管理员可以报送统计数据")
    return set(user.unit_codes)
