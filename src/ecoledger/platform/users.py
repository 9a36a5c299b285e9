"""Users, logins and sessions.

Login is rate limited in the store (so every server process sees the same counts): after
``LOGIN_LIMIT`` failures from one client address within ``LOGIN_WINDOW``, that address's
further attempts are refused until the window passes, right password or not. The limit locks out
the source, never the account: failures against a user name from elsewhere do not stop its owner
logging in from their own address. The address is the TCP peer's, or, behind a proxy the
operator listed, the forwarded client's (``deps.client_address``), so a client cannot choose it.
A failed login is audited with the actor ``anonymous``; the user name tried is data of the entry
(``detail.attempted_username``), never its actor.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from ecoledger.platform import audit, security
from ecoledger.platform.db import Database
from ecoledger.platform.models import ROLES, LoginFailure, Session, Unit, User, UserUnit, utcnow
from ecoledger.platform.policy import Conflict, NotAuthenticated, PlatformError, TooManyAttempts

LOGIN_LIMIT = 5
LOGIN_WINDOW = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=12)
ANONYMOUS_ACTOR = "anonymous"  # the actor of a failed login: nobody proved who they are


def create_user(db: Database, username: str, password: str, role: str,
                unit_codes: list[str] = (), actor: str = "system") -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise PlatformError("the user name must have 1 to 64 characters", "用户名须为 1–64 个字符")
    if role not in ROLES:
        raise PlatformError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}",
                            f"未知角色 {role!r}，可选：{', '.join(ROLES)}")
    if (problem := security.password_problem(password)) is not None:
        raise PlatformError(problem, f"密码至少需要 {security.MIN_PASSWORD_LENGTH} 个字符")
    if role == "submitter" and not unit_codes:
        raise PlatformError("a submitter must be bound to at least one unit code",
                            "报送员必须绑定至少一个行政区划代码")
    with db.transaction() as s:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise Conflict(f"user {username!r} exists already", f"用户 {username!r} 已存在")
        unknown = sorted(set(unit_codes) - set(s.scalars(select(Unit.code).where(
            Unit.code.in_(list(unit_codes))))))
        if unknown:
            raise PlatformError(f"unknown unit code(s) {', '.join(unknown)}",
                                f"未知的行政区划代码：{', '.join(unknown)}")
        user = User(username=username, password_hash=security.hash_password(password), role=role,
                    units=[UserUnit(unit_code=c) for c in sorted(set(unit_codes))])
        s.add(user)
        s.flush()
        audit.append(s, actor, "user.create", "user", user.id,
                     {"username": username, "role": role, "units": sorted(set(unit_codes))})
    return user


def list_users(db: Database) -> list[User]:
    with db.transaction() as s:
        return list(s.scalars(select(User).order_by(User.username)))


def login(db: Database, username: str, password: str, client: str) -> tuple[User, str]:
    """Check the password and open a session; returns the user and the session token."""
    now = utcnow()
    key = f"client:{client}"[:200]
    with db.transaction() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.at < now - LOGIN_WINDOW))
        failures = s.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.key == key)) or 0
        if failures >= LOGIN_LIMIT:
            raise TooManyAttempts(
                f"too many failed logins; try again in {int(LOGIN_WINDOW.total_seconds() // 60)} "
                "minutes", f"登录失败次数过多，请 {int(LOGIN_WINDOW.total_seconds() // 60)} 分钟后再试",
                int(LOGIN_WINDOW.total_seconds()))
        user = s.scalar(select(User).where(User.username == username.strip()))
        ok = user is not None and user.active and security.verify_password(user.password_hash, password)
        if not ok:
            s.add(LoginFailure(key=key, at=now))
            audit.append(s, ANONYMOUS_ACTOR, "login.failed", "user", user.id if user is not None else "",
                         {"attempted_username": username[:64], "client": client,
                          "known_user": user is not None})
    if not ok:  # committed above, so the failure counts even though we raise
        raise NotAuthenticated("wrong user name or password", "用户名或密码错误")
    token = security.new_token()
    with db.transaction() as s:
        if security.needs_rehash(user.password_hash):
            s.get(User, user.id).password_hash = security.hash_password(password)
        s.add(Session(token_hash=security.token_hash(token), user_id=user.id, created_at=now,
                      expires_at=now + SESSION_LIFETIME))
        audit.append(s, user.username, "login", "user", user.id, {"client": client})
    return user, token


def user_for_token(db: Database, token: str | None) -> User | None:
    if not token:
        return None
    with db.transaction(write=False) as s:  # every logged-in request: never the write lock
        session = s.get(Session, security.token_hash(token))
        if session is None or session.expires_at < utcnow():
            return None
        user = s.get(User, session.user_id)
        return user if user is not None and user.active else None


def logout(db: Database, token: str | None) -> None:
    if token:
        with db.transaction() as s:
            s.execute(delete(Session).where(Session.token_hash == security.token_hash(token)))
