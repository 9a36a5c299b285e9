"""The FastAPI application: settings, start-up, sessions, CSRF, security headers, errors.

``create_app(Settings(...))`` migrates the store, marks runs a dead server left behind as
interrupted, starts the background runner and mounts the JSON API (``/api/v1``, described by
``/api/v1/openapi.json``), the pages and the built front-end assets (``/static``).
"""

from __future__ import annotations

import importlib
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from ecoledger.errors import EcoledgerError, InputError, SubmissionError
from ecoledger.platform import artefacts, audit, runs, security
from ecoledger.platform.db import Database, sqlite_url
from ecoledger.platform.deps import CSRF_COOKIE
from ecoledger.platform.policy import PlatformError, TooManyAttempts, access_of

UPLOAD_LIMIT_BYTES = 2 * 1024 * 1024
REQUEST_LIMIT_BYTES = UPLOAD_LIMIT_BYTES + 64 * 1024  # the file plus the form's other fields
# (method, path) → a route's own request limit, for the few that take larger files (a module sets
# its route's entry when it is imported, e.g. the registry's parcel upload); every other route: the above
ROUTE_LIMITS: dict[tuple[str, str], int] = {}
HSTS = "max-age=31536000; includeSubDomains"
MODULES = ("ecoledger.applications", "ecoledger.carbon", "ecoledger.controls", "ecoledger.monitoring",
           "ecoledger.registry")
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                           "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
                           "form-action 'self'")


@dataclass
class Settings:
    """Where the platform keeps its data and which region pack it accounts."""

    data_dir: Path
    database_url: str | None = None  # default: SQLite file in data_dir
    pack: Path | None = None
    cookie_secure: bool = True
    run_in_background: bool = True
    seed_outputs: list[Path] = field(default_factory=list)
    max_queued_runs: int = runs.MAX_QUEUED_RUNS_PER_USER  # queued or running runs per user
    trusted_proxies: str | None = None  # e.g. "10.0.0.1, 192.168.0.0/16"; default: $ECOLEDGER_TRUSTED_PROXIES
    # Monte Carlo draws of a run that does not say (0: no intervals); default: $ECOLEDGER_DRAWS or 0
    default_draws: int | None = None

    def __post_init__(self) -> None:
        if self.default_draws is None:
            self.default_draws = _draws_from_env()
        if not 0 <= self.default_draws <= runs.MAX_DRAWS:
            raise InputError(f"the default number of draws must be between 0 and {runs.MAX_DRAWS}; "
                             f"got {self.default_draws} (fix: {DRAWS_ENV} or Settings.default_draws)")

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        values = {"data_dir": Path(os.environ.get("ECOLEDGER_DATA", "platform-data")),
                  "database_url": os.environ.get("ECOLEDGER_DATABASE_URL") or None,
                  "pack": Path(os.environ["ECOLEDGER_PACK"]) if os.environ.get("ECOLEDGER_PACK") else None}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "ecoledger.db")

    @property
    def url_to_show(self) -> str:
        """The store's URL without its password, for logs and messages."""
        return masked_url(self.url)


DRAWS_ENV = "ECOLEDGER_DRAWS"


def _draws_from_env() -> int:
    value = os.environ.get(DRAWS_ENV, "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise InputError(f"{DRAWS_ENV}={value!r} is not a number of draws; fix: a whole number from "
                         f"0 (no intervals) to {runs.MAX_DRAWS}, e.g. {DRAWS_ENV}=1000")
    return int(value)


def masked_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: show its scheme only
        return url.split(":", 1)[0] + "://***"


class State:
    """What every request handler reaches through ``request.app.state.platform``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        if not settings.data_dir.exists():  # the store, keys and archives: the owner's only
            settings.data_dir.mkdir(parents=True, mode=0o700)
        for private in ("runs", "published"):  # run archives and published artefacts
            artefacts.private_folder(settings.data_dir / private).chmod(0o700)
        self.db = Database(settings.url)
        audit.configure(self.db, folder=settings.data_dir)  # key and checkpoints beside the store
        self.secret = security.load_secret(settings.data_dir / "secret.key")
        self.runner = runs.Runner(self.db, settings.data_dir, settings.pack)
        self.responses = artefacts.ResponseCache()  # answers about published runs

    @property
    def pack_years(self) -> list[int]:
        if self.settings.pack is None:
            return []
        from ecoledger.pack.manifest import load_pack

        return load_pack(self.settings.pack).years


def create_app(settings: Settings) -> FastAPI:
    from ecoledger.platform import seed, web

    state = State(settings)
    state.db.migrate()
    runs.recover(state.db, settings.data_dir)
    seed.ensure_reference_data(state.db, settings.pack, settings.seed_outputs)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        state.runner.shutdown()
        state.db.dispose()

    app = FastAPI(title="ecoledger platform", version="1", lifespan=lifespan,
                  docs_url="/api/v1/docs", redoc_url=None, openapi_url="/api/v1/openapi.json")
    app.state.platform = state
    include_routers(app, pages=True)
    static = resources.files("ecoledger.platform") / "static"
    Path(str(static)).mkdir(exist_ok=True)
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    app.add_middleware(Guard, settings=settings)

    @app.exception_handler(PlatformError)
    async def platform_error(request: Request, exc: PlatformError):
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, TooManyAttempts) else None
        if _wants_html(request):
            return web.message_page(request, exc.status, exc.message, exc.message_zh, headers)
        return JSONResponse({"detail": exc.message, "detail_zh": exc.message_zh},
                            status_code=exc.status, headers=headers)

    @app.exception_handler(SubmissionError)
    async def submission_error(request: Request, exc: SubmissionError):
        return JSONResponse({"detail": "the file was refused; nothing was stored",
                             "detail_zh": "文件未通过校验，未保存任何数据",
                             "problems": [problem_json(p) for p in exc.problems]}, status_code=422)

    @app.exception_handler(EcoledgerError)
    async def ecoledger_error(request: Request, exc: EcoledgerError):
        if _wants_html(request):
            return web.message_page(request, 400, str(exc), str(exc))
        return JSONResponse({"detail": str(exc), "detail_zh": str(exc)}, status_code=400)

    return app


class Guard:
    """Every request's guard (plain ASGI: no task or body stream per request, as ``@app.middleware``
    would add): a body of unknown or too large size refused (411, 413), this browser's CSRF nonce
    (``request.state.csrf_nonce``; a cookie set when new) and the security headers."""

    def __init__(self, app, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.datastructures import MutableHeaders
        from starlette.requests import Request as Incoming
        from starlette.responses import Response

        request = Incoming(scope)
        length = request.headers.get("content-length")
        if length is None and "transfer-encoding" in request.headers:
            # a body of unknown length could be spooled to disk without bound before any check
            refusal = JSONResponse({"detail": "send the request with a Content-Length header",
                                    "detail_zh": "请求须带 Content-Length 头"}, status_code=411)
            return await refusal(scope, receive, send)
        limit = ROUTE_LIMITS.get((scope.get("method", ""), scope.get("path", "")), REQUEST_LIMIT_BYTES)
        if length and (not length.isdigit() or int(length) > limit):
            return await _too_large(limit)(scope, receive, send)
        nonce = request.cookies.get(CSRF_COOKIE)
        fresh = nonce is None or len(nonce) > 100
        request.state.csrf_nonce = security.new_token() if fresh else nonce
        https = scope.get("scheme") == "https"  # served over TLS (or by a proxy saying so)

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if fresh:
                    cookie = Response()
                    cookie.set_cookie(CSRF_COOKIE, request.state.csrf_nonce, httponly=True,
                                      secure=self.settings.cookie_secure, samesite="strict")
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_guarded)


def _too_large(limit: int = REQUEST_LIMIT_BYTES) -> JSONResponse:
    mib = (limit - 64 * 1024) // (1024 * 1024)  # the file's limit, as the message says it
    message = f"the request is larger than {mib} MiB"
    message_zh = f"请求超过 {mib} MiB 上限"
    fix = "split the file or remove unused sheets and columns"
    fix_zh = "请拆分文件或删除无用的工作表和列"
    return JSONResponse({"detail": message, "detail_zh": message_zh, "problems": [
        {"file": "upload", "field": "file", "message": message, "message_zh": message_zh,
         "fix": fix, "fix_zh": fix_zh, "severity": "error"}]}, status_code=413)


def include_routers(app: FastAPI, pages: bool = True) -> FastAPI:
    """Mount the API, the modules' routers (and the platform's pages), and describe them truthfully."""
    from ecoledger.platform import api, web

    app.include_router(api.router)
    if pages:
        app.include_router(web.router)
    for module in MODULES:
        app.include_router(importlib.import_module(f"{module}.api").router)
    app.openapi = lambda: _described(app)
    return app


def api_description() -> dict:
    """The served OpenAPI description, built without a store (for schemathesis and docs)."""
    app = FastAPI(title="ecoledger platform", version="1", openapi_url="/api/v1/openapi.json")
    return include_routers(app, pages=False).openapi()


# --- the error answers of each operation, from its access declaration ----------------------------

ERROR_TEXT = {400: "invalid request (the reason in `detail`)", 401: "not logged in",
              403: "the caller's role may not do this, or the CSRF check failed",
              404: "not found, or not visible to the caller", 409: "conflicts with the current state",
              411: "a body without Content-Length", 413: "the request is too large",
              422: "invalid input (`detail` lists the fields, or `problems` the file's rows)",
              429: "too many attempts (`Retry-After` says when to retry)"}
_SCHEMAS = "#/components/schemas/"
ERROR_SCHEMAS = {  # the body of every refusal: a message (or FastAPI's field list) and a file's problems
    "Error": {"title": "Error", "type": "object", "required": ["detail"], "properties": {
        "detail": {"title": "Detail", "anyOf": [
            {"type": "string"}, {"type": "array", "items": {"$ref": _SCHEMAS + "ValidationError"}}]},
        "detail_zh": {"title": "Detail Zh", "type": "string"},
        "problems": {"title": "Problems", "type": "array", "items": {"$ref": _SCHEMAS + "Problem"}}}},
    "Problem": {"title": "Problem", "type": "object", "required": ["field", "message", "severity"],
                "properties": {name: {"type": "string"} for name in (
                    "file", "field", "message", "message_zh", "fix", "fix_zh", "severity")}},
    "ValidationError": {"title": "ValidationError", "type": "object", "required": ["loc", "msg", "type"],
                        "properties": {"loc": {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                                                  {"type": "integer"}]}},
                                       "msg": {"type": "string"}, "type": {"type": "string"}}},
}
CSRF_PARAMETERS = {"x_csrf_token", "csrf_token"}
OBJECTS_FOUND_OR_NOT = {"run", "runs", "unit", "public-id"}  # object kinds a caller may not find


def refusals(route: APIRoute) -> set[int]:
    """The error statuses ``route`` answers: implied by its declared access (roles, objects), its
    inputs (parameters, body, CSRF token), and the refusals it declares (``allow(refuses=...)``).

    401 unless anonymous callers are admitted; 403 when a logged-in role is not, or a CSRF token
    is checked; 404 for a path parameter or an object kind a caller may not find; 400 and 422
    for any input; 411 and 413 for a body (the request-size guard).
    """
    from ecoledger.platform.policy import LOGGED_IN

    access = access_of(route.endpoint)
    if access is None:  # refused to everyone (fail closed)
        return {403}
    params = _parameters(route.dependant)
    inputs = [p.name for p in (*params["path"], *params["query"], *params["body"])
              if p.name not in CSRF_PARAMETERS]
    csrf = any(p.name in CSRF_PARAMETERS for p in (*params["header"], *params["body"]))
    found = set(access.refuses)
    if not access.anonymous:
        found.add(401)
    if csrf or not set(LOGGED_IN) <= set(access.roles):
        found.add(403)
    if params["path"] or access.objects in OBJECTS_FOUND_OR_NOT:
        found.add(404)
    if inputs:
        found |= {400, 422}
    if params["body"]:
        found |= {411, 413}
    return found


def _parameters(dependant, found: dict | None = None) -> dict[str, list]:
    """The parameters of a route's dependant and its sub-dependencies, by where they are sent."""
    found = found or {"path": [], "query": [], "header": [], "body": []}
    for where in found:
        found[where] += getattr(dependant, f"{where}_params", [])
    for sub in dependant.dependencies:
        _parameters(sub, found)
    return found


def _described(app: FastAPI) -> dict:
    """FastAPI's description with each operation's error answers declared, with the platform's body."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    description = get_openapi(title=app.title, version=app.version, routes=app.routes)
    schemas = description.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(ERROR_SCHEMAS)
    schemas.pop("HTTPValidationError", None)
    error = {"schema": {"$ref": "#/components/schemas/Error"}}
    page = {"schema": {"type": "string"}}
    for path, methods, route in _api_routes(app):
        for method in methods:
            operation = description["paths"].get(path, {}).get(method.lower())
            if operation is None:  # not described (include_in_schema=False)
                continue
            answers = operation.setdefault("responses", {})
            for status in sorted(refusals(route)):
                # the API answers JSON; pages answer an HTML page, but the request-size guard
                # and the framework's own refusals (a malformed form, invalid parameters) are JSON
                content = ({"application/json": error} if _api_path(path) or status in (411, 413)
                           else {"text/html": page, "application/json": error} if status in (400, 422)
                           else {"text/html": page})
                answers[str(status)] = {"description": ERROR_TEXT[status], "content": content}
            operation["responses"] = dict(sorted(answers.items()))
    app.openapi_schema = description
    return description


def _api_routes(app: FastAPI):
    """(path, methods, route) of every API route, included routers' too (FastAPI ≥ 0.16x nests them)."""
    from fastapi import routing

    if hasattr(routing, "iter_route_contexts"):
        for context in routing.iter_route_contexts(app.routes):
            if isinstance(context.original_route, APIRoute):
                yield context.path_format, context.methods or (), context.original_route
    else:
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route.path_format, route.methods, route


def _api_path(path: str) -> bool:
    return path.startswith("/api/")


def problem_json(p) -> dict:
    return {"file": p.file, "field": p.field, "message": p.message, "fix": p.fix,
            "message_zh": getattr(p, "message_zh", "") or p.message,
            "fix_zh": getattr(p, "fix_zh", "") or p.fix, "severity": p.severity}


def _wants_html(request: Request) -> bool:
    return not _api_path(request.url.path)
