"""The versioned JSON API (``/api/v1``).

Anyone may read units, published accounts, the published run history and the parameter
library; everything else needs a session (``POST /api/v1/login``). Unsafe methods need the
``X-CSRF-Token`` header holding the token from ``GET /api/v1/csrf`` (or from login).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from ecoledger.platform import audit, queries, reporting, runs, seed, submissions, users
from ecoledger.platform.deps import (
    SESSION_COOKIE,
    CsrfHeader,
    CsvResponse,
    GeoJsonResponse,
    UserDep,
    check_csrf,
    client_address,
    csrf_token,
    enforce_access,
    platform,
)
from ecoledger.platform.models import ParameterTable, Run, Submission, User
from ecoledger.platform.policy import (
    NotFound,
    PlatformError,
    allow,
    can_read_run,
    require_login,
    require_role,
)

# every route declares @allow(...); its error answers are described from that (app.refusals)
router = APIRouter(prefix="/api/v1", dependencies=[Depends(enforce_access)])
Code = Annotated[str, Query(max_length=12, pattern=r"^[0-9A-Za-z]+$")]
Year = Annotated[int, Query(ge=1900, le=2200)]
MAX_ID = 2**31 - 1  # the stores' INTEGER range (PostgreSQL's is the narrower)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
RunQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
MEDIA_CSV = "text/csv; charset=utf-8"
MEDIA_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR_DEFAULT = 2020  # the template's year when none is asked for
CACHED = {200: {"description": "the answer; `Content-Encoding: gzip` when asked for (Accept-Encoding)",
               "headers": {"ETag": {"schema": {"type": "string"}},
                           "Cache-Control": {"schema": {"type": "string"}}}},
          304: {"description": "not modified: the If-None-Match header names the current ETag"}}
Limit = Annotated[int | None, Query(ge=1, le=100_000, description="rows per page (default: all)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]


def _read_upload(file: UploadFile) -> bytes:
    content = file.file.read(submissions.MAX_UPLOAD_BYTES + 1)
    return content


# --- session ---------------------------------------------------------------------------------

class Credentials(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.get("/csrf", summary="CSRF token for this browser")
@allow("anyone")
def get_csrf(request: Request) -> dict:
    return {"csrf_token": csrf_token(request)}


@router.post("/login", summary="Log in; sets the session cookie")
@allow("anyone", refuses=(401, 429))
def login(request: Request, response: Response, body: Credentials, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    user, token = users.login(platform(request).db, body.username, body.password, client_address(request))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=platform(request).settings.cookie_secure,
                        max_age=int(users.SESSION_LIFETIME.total_seconds()))
    return {**user_json(user), "csrf_token": csrf_token(request)}


@router.post("/logout", summary="End the session")
@allow("anyone")
def logout(request: Request, response: Response, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    users.logout(platform(request).db, request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE)
    return {"ok": True}


@router.get("/me", summary="The logged-in user")
@allow("logged-in")
def me(user: UserDep) -> dict:
    return user_json(require_login(user))


def user_json(user: User) -> dict:
    return {"username": user.username, "role": user.role, "unit_codes": user.unit_codes}


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=256)
    role: Literal["viewer", "submitter", "reviewer", "administrator"]
    unit_codes: list[Annotated[str, Field(max_length=12)]] = Field(default=[], max_length=500)


@router.get("/users", summary="Users (administrators)")
@allow("administrator")
def list_users(request: Request, user: UserDep) -> list[dict]:
    require_role(user, "administrator")
    return [user_json(u) for u in users.list_users(platform(request).db)]


@router.post("/users", status_code=201, summary="Create a user (administrators)")
@allow("administrator", refuses=(409,))
def create_user(request: Request, body: NewUser, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    actor = require_role(user, "administrator")
    created = users.create_user(platform(request).db, body.username, body.password, body.role,
                                body.unit_codes, actor=actor.username)
    return user_json(created)


# --- units and accounts ----------------------------------------------------------------------

@router.get("/units", summary="Administrative units")
@allow("anyone")
def list_units(request: Request, level: Literal["province", "city", "county"] | None = None,
               parent: Code | None = None) -> list[dict]:
    return [queries.unit_json(u) for u in queries.units(platform(request).db, level, parent)]


@router.get("/units.geojson", summary="Unit boundaries (EPSG:4326) as GeoJSON",
            response_class=GeoJsonResponse)
@allow("anyone")
def units_geojson(request: Request, level: Literal["province", "city", "county"] | None = None) -> Response:
    found = queries.units(platform(request).db, level)
    return _geojson([(u, queries.unit_json(u)) for u in found])


@router.get("/units/{code}", summary="One unit")
@allow("anyone")
def get_unit(request: Request, code: str) -> dict:
    return queries.unit_json(queries.unit(platform(request).db, code), geometry=True)


@router.get("/units/{code}/breakdown", summary="A unit's accounts by group, item and ecosystem",
            responses={**CACHED, 200: {**CACHED[200], "content": {"application/json": {}}}})
@allow("anyone", objects="runs")
def unit_breakdown(request: Request, code: str, user: UserDep, year: Year | None = None,
                   run: RunQuery = None) -> Response:
    state = platform(request)
    if run is None and year is not None:  # the common read: one transaction for both years' runs
        found_run, previous = queries.current_and_previous(state.db, year)
    else:
        found_run, _ = queries.readable_run(state.db, user, year, run)
        previous = runs.current_run(state.db, found_run.year - 1) if found_run.status == "published" else None

    def make() -> bytes:
        found = queries.breakdown(state.db, user, code, year, run)
        return json.dumps({"unit": queries.unit_json(found["unit"]), "run": run_json(found["run"]),
                           "statistics": found["statistics"], "rows": found["rows"],
                           "previous_rows": found["previous_rows"]}, ensure_ascii=False,
                          allow_nan=False).encode("utf-8")

    key = None
    if found_run.status == "published":  # the answer also reads the previous year's current run
        key = ("breakdown", found_run.id, code, previous.id if previous else None)
    # a year's answer holds the previous year's current run too, which a correction may change
    return published_response(request, key, make, "application/json", _cache_control(found_run, by_run=False))


def published_response(request: Request, key: tuple | None, make, media: str, cache: str | None,
                       headers: dict | None = None) -> Response:
    """An answer about published runs from the app's response cache (``key`` None: not cacheable)."""
    if key is None:
        return cached_response(request, make(), media, cache, headers)
    responses = platform(request).responses
    entry = responses.get(key) or responses.put(key, make())
    return cached_response(request, entry.body, media, cache, headers, etag=entry.etag, gz=entry.gz)


@router.get("/years", summary="Years with published accounts")
@allow("anyone", objects="runs")
def years(request: Request) -> list[int]:
    return runs.published_years(platform(request).db)


@router.get("/accounts", summary="Account rows (published, or a readable provisional run)",
            responses={**CACHED, 200: {**CACHED[200], "content": {
                "application/json": {}, MEDIA_CSV: {"schema": {"type": "string"}},
                "application/geo+json": {"schema": {"type": "object"}}}}})
@allow("anyone", objects="runs")
def accounts(request: Request, user: UserDep, year: Year | None = None, run: RunQuery = None,
             unit: Code | None = None, item: str | None = Query(None, max_length=64),
             level: Literal["province", "city", "county"] | None = None,
             group: Literal["provisioning", "regulating", "cultural"] | None = None,
             ecosystem: str | None = Query(None, max_length=16),
             format: Literal["json", "csv", "geojson"] = "json",
             limit: Limit = None, offset: Offset = 0) -> Response:
    """Rows of a published year (``year``) or of a run (``run``), filtered and paged.

    A published run never changes: its answers carry a strong ETag (``If-None-Match`` → 304) and
    ``Cache-Control``, and the full year as JSON or CSV is served from a gzip file written once.
    """
    state = platform(request)
    db = state.db
    found_run, allowed = queries.readable_run(db, user, year, run)
    published = found_run.status == "published"
    cache = _cache_control(found_run, by_run=run is not None)
    filters = {"unit_code": unit, "item": item, "level": level, "group": group, "ecosystem": ecosystem}
    if published and format != "geojson" and not any(filters.values()) and limit is None and not offset:
        return _published_accounts(request, state, found_run, format, cache)

    def make() -> bytes:
        rows, total = queries.account_page(db, found_run, allowed, limit=limit, offset=offset, **filters)
        if format == "csv":
            return _accounts_csv(rows)
        if format == "geojson":
            shapes = {u.code: u for u in queries.units(db)}
            return _geojson_bytes([(shapes[r["code"]], r) for r in rows])
        return _accounts_json(found_run, rows, total, limit, offset)

    media = {"csv": MEDIA_CSV, "geojson": "application/geo+json"}.get(format, "application/json")
    headers = ({"Content-Disposition": f'attachment; filename="accounts-run{found_run.id}.csv"'}
               if format == "csv" else None)
    key = ("accounts", found_run.id, *filters.values(), limit, offset, format) if published else None
    return published_response(request, key, make, media, cache, headers)


def _accounts_json(run: Run, rows: list[dict], total: int, limit: int | None, offset: int) -> bytes:
    following = offset + len(rows)
    return json.dumps({"run": run_json(run), "total": total, "offset": offset, "limit": limit,
                       "next_offset": following if following < total else None, "rows": rows},
                      ensure_ascii=False, allow_nan=False).encode("utf-8")


def _accounts_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["run"])
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _published_accounts(request: Request, state, run: Run, fmt: str, cache: str) -> Response:
    """The full year of a published run, from its gzip artefact (written on the first request)."""
    from ecoledger.platform import artefacts

    def make() -> bytes:
        rows, total = queries.account_page(state.db, run, None)
        return _accounts_csv(rows) if fmt == "csv" else _accounts_json(run, rows, total, None, 0)

    folder = state.settings.data_dir / "published" / f"run-{run.id}"
    found = artefacts.gzip_artefact(folder / f"accounts-v{artefacts.FORMAT_VERSION}.{fmt}.gz", make)
    headers = ({"Content-Disposition": f'attachment; filename="accounts-run{run.id}.csv"'}
               if fmt == "csv" else {})
    media = MEDIA_CSV if fmt == "csv" else "application/json"
    return cached_response(request, None, media, cache, headers, etag=found.etag, artefact=found)


def _cache_control(run: Run, by_run: bool) -> str | None:
    """Published runs never change (a year's current run may: a correction supersedes it)."""
    if run.status != "published":
        return None
    return "public, max-age=86400, immutable" if by_run else "public, no-cache"


def cached_response(request: Request, body: bytes | None, media: str, cache: str | None,
                    headers: dict | None = None, etag: str | None = None, artefact=None,
                    gz: bytes | None = None) -> Response:
    """``body`` (or the artefact's) with ETag and Cache-Control when ``cache`` is given (published
    data), 304 when the client holds it already, gzip-compressed when the client accepts it."""
    import gzip

    from ecoledger.platform import artefacts

    headers = dict(headers or {})
    headers["Vary"] = "Accept-Encoding"
    if cache is None:
        headers["Cache-Control"] = "private, no-store"
    else:
        etag = etag or artefacts.etag_of(body)
        headers["Cache-Control"] = cache
        if artefacts.matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={**headers, "ETag": etag})
    gzipped = "gzip" in request.headers.get("accept-encoding", "").lower()
    if artefact is not None:
        content = artefact.compressed() if gzipped else artefact.plain()
    elif gzipped and gz is not None:
        content = gz
    elif gzipped and len(body) > 2048:
        content = gzip.compress(body, compresslevel=5)
    else:
        content, gzipped = body, False
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    if etag is not None and cache is not None:
        headers["ETag"] = etag[:-1] + '-gz"' if gzipped else etag
    return Response(content, media_type=media, headers=headers)


@router.get("/map", summary="One value per unit for the map, as GeoJSON",
            responses={**CACHED, 200: {**CACHED[200], "content": {
                "application/geo+json": {"schema": {"type": "object"}}}}})
@allow("anyone", objects="runs")
def map_layer(request: Request, user: UserDep, year: Year,
              level: Literal["province", "city", "county"] = "county",
              measure: str = Query("gep", max_length=80), run: RunQuery = None) -> Response:
    db = platform(request).db
    found_run, _ = queries.readable_run(db, user, year, run)

    def make() -> bytes:
        answered_run, values = queries.map_values(db, user, year, level, measure, run)
        return _geojson_bytes([(v["unit"], {**queries.unit_json(v["unit"]), "value": v["value"],
                                            "unit": v["unit_label"], "data_status": v["data_status"],
                                            "run": answered_run.id}) for v in values])

    key = ("map", found_run.id, level, measure) if found_run.status == "published" else None
    return published_response(request, key, make, "application/geo+json",
                              _cache_control(found_run, by_run=run is not None))


def _geojson_bytes(pairs) -> bytes:
    features = [{"type": "Feature", "properties": props,
                 "geometry": json.loads(u.geometry) if u.geometry else None} for u, props in pairs]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _geojson(pairs) -> Response:
    return Response(_geojson_bytes(pairs), media_type="application/geo+json")


@router.get("/hillshade", summary="Hillshade image bounds (from the pack's DEM)")
@allow("anyone")
def hillshade(request: Request) -> dict:
    from ecoledger.platform.hillshade import hillshade_png

    state = platform(request)
    found = hillshade_png(state.settings.pack, state.settings.data_dir)
    if found is None:
        raise NotFound("the region pack has no DEM", "区域数据包没有高程数据")
    return {"url": "/api/v1/hillshade.png", "bounds": found[1]}


@router.get("/hillshade.png", summary="Hillshade image", response_class=FileResponse)
@allow("anyone")
def hillshade_image(request: Request) -> FileResponse:
    from ecoledger.platform.hillshade import hillshade_png

    state = platform(request)
    found = hillshade_png(state.settings.pack, state.settings.data_dir)
    if found is None:
        raise NotFound("the region pack has no DEM", "区域数据包没有高程数据")
    return FileResponse(found[0], media_type="image/png")


# --- runs ------------------------------------------------------------------------------------

def run_json(run: Run, superseded: dict[int, int] | None = None) -> dict:
    return {"id": run.id, "year": run.year, "profile": run.profile, "status": run.status,
            "origin": run.origin, "progress": run.progress, "step": run.step, "error": run.error,
            "created_at": _iso(run.created_at), "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at), "published_at": _iso(run.published_at),
            "started_by": run.starter.username if run.starter else None,
            "published_by": run.publisher.username if run.publisher else None,
            "supersedes_id": run.supersedes_id,
            "superseded_by_id": (superseded or {}).get(run.id),
            "parameter_version": run.parameter_version, "code_version": run.code_version,
            "gep_yuan": run.gep_yuan, "statistics_sha256": run.statistics_sha256,
            "has_archive": bool(run.archive), "draws": _draws(run)}


def _draws(run: Run) -> int:
    """The Monte Carlo draws the run asked for (queued, running) or computed (0: none)."""
    inputs = run.inputs or {}
    return int((inputs.get(runs.UNCERTAINTY) or {}).get("draws", inputs.get("draws", 0)))


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


class NewRun(BaseModel):
    year: int = Field(ge=1900, le=2200)
    profile: str = Field("ndrc2022", max_length=32)
    supersedes: int | None = Field(None, ge=1, le=MAX_ID)
    draws: int | None = Field(None, ge=0, le=runs.MAX_DRAWS, description=(
        "Monte Carlo draws for the intervals and drivers of every figure (0: none; drivers need "
        "at least 100; default: the platform's setting)"))


@router.get("/runs", summary="Run history (published runs for everyone)")
@allow("anyone", objects="runs")
def list_runs(request: Request, user: UserDep) -> list[dict]:
    db = platform(request).db
    superseded = runs.superseded_by(db)
    return [run_json(r, superseded) for r in runs.list_runs(db, user) if can_read_run(user, r.status)]


def readable_run(db, user: User | None, run_id: int) -> Run:
    """The run if ``user`` may see it; 404 otherwise (nobody else learns an unpublished run exists)."""
    run = runs.get_run(db, user, run_id)
    if not can_read_run(user, run.status):
        raise NotFound(f"no run {run_id}", f"没有编号为 {run_id} 的核算运行")
    return run


@router.get("/runs/{run_id}", summary="One run, with its progress")
@allow("anyone", objects="run")
def get_run(request: Request, run_id: Id, user: UserDep) -> dict:
    db = platform(request).db
    return run_json(readable_run(db, user, run_id), runs.superseded_by(db))


@router.post("/runs", status_code=202, summary="Start an accounting run (reviewers, administrators)")
@allow("staff", refuses=(409, 429))
def start_run(request: Request, body: NewRun, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    return run_json(launch(request, user, body.year, body.profile, body.supersedes, body.draws))


def launch(request: Request, user: User | None, year: int, profile: str, supersedes: int | None,
           draws: int | None = None) -> Run:
    """Start a run (``draws`` None: the platform's default) and execute it in the background."""
    state = platform(request)
    run = runs.start(state.db, user, year, profile, state.pack_years, supersedes,
                     max_queued=state.settings.max_queued_runs,
                     draws=state.settings.default_draws if draws is None else draws)
    if state.settings.run_in_background:
        state.runner.submit(run.id)
    else:
        runs.execute(state.db, state.settings.data_dir, state.settings.pack, run.id)
    return runs.get_run(state.db, user, run.id)


@router.post("/runs/{run_id}/publish", summary="Publish a provisional run (reviewers, administrators)")
@allow("staff", objects="run", note="not by the user who started the run", refuses=(409,))
def publish_run(request: Request, run_id: Id, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    return run_json(runs.publish(platform(request).db, user, run_id))


@router.get("/runs/{run_id}/archive", summary="The run's reproducible archive (zip)",
            response_class=FileResponse)
@allow("anyone", objects="run")
def run_archive(request: Request, run_id: Id, user: UserDep) -> FileResponse:
    readable_run(platform(request).db, user, run_id)
    path = runs.archive_path(platform(request).db, user, run_id)
    return FileResponse(path, media_type="application/zip", filename=path.name)


# --- uncertainty -----------------------------------------------------------------------------

Scope = Literal["item", "group", "gep"]


@router.get("/runs/{run_id}/uncertainty", summary="A run's intervals and top drivers",
            responses={**CACHED, 200: {**CACHED[200], "content": {"application/json": {}}}})
@allow("anyone", objects="run")
def run_uncertainty(request: Request, run_id: Id, user: UserDep, adcode: Code | None = None,
                    scope: Scope | None = None, key: str | None = Query(None, max_length=64),
                    limit: Limit = None, offset: Offset = 0) -> Response:
    """The 90 % intervals (5th, 50th, 95th percentile, 元) of every unit's GEP, groups and items,
    and the top drivers of GEP of the province and its cities, of a run started with ``draws``
    (404 for a run without).

    ``intervals`` are filtered by ``adcode``, ``scope`` (item, group, gep) and ``key`` (an item,
    a group, or ``GEP``) and paged like ``/accounts``; ``drivers`` by ``adcode``."""
    found, allowed = queries.readable_run(platform(request).db, user, None, run_id)
    return _uncertainty_response(request, found, allowed, adcode, scope, key, limit, offset,
                                 by_run=True)


@router.get("/uncertainty", summary="Intervals and top drivers of a year's published accounts",
            responses={**CACHED, 200: {**CACHED[200], "content": {"application/json": {}}}})
@allow("anyone", objects="runs")
def uncertainty(request: Request, user: UserDep, year: Year, adcode: Code | None = None,
                scope: Scope | None = None, key: str | None = Query(None, max_length=64),
                limit: Limit = None, offset: Offset = 0) -> Response:
    """As ``/runs/{run_id}/uncertainty``, for the year's current published run (404 when it ran
    without draws)."""
    found, allowed = queries.readable_run(platform(request).db, user, year, None)
    return _uncertainty_response(request, found, allowed, adcode, scope, key, limit, offset,
                                 by_run=False)


def _uncertainty_response(request: Request, run: Run, allowed: set[str] | None, adcode: str | None,
                          scope: str | None, key: str | None, limit: int | None, offset: int,
                          by_run: bool) -> Response:
    state = platform(request)
    found = runs.read_uncertainty(state.settings.data_dir, run)
    if found is None and run.origin == "import":
        raise NotFound(f"run {run.id} has no intervals on the platform: it was imported, and an "
                       "imported run's intervals stay in the output folder it came from",
                       f"运行 {run.id} 在平台上没有区间：该运行为导入的结果，其区间留在导入前的输出文件夹中")
    if found is None:
        raise NotFound(f"run {run.id} has no intervals: it ran without draws (start a run with "
                       "\"draws\" > 0, e.g. 1000, to compute them)",
                       f"运行 {run.id} 没有区间：该运行未做蒙特卡洛抽样（启动核算时设抽样次数大于 0，"
                       "如 1000）")

    def make() -> bytes:
        intervals, drivers = found.intervals, found.drivers
        if allowed is not None:
            intervals = intervals[intervals["adcode"].isin(allowed)]
            drivers = drivers[drivers["adcode"].isin(allowed)]
        for column, value in (("adcode", adcode), ("scope", scope), ("key", key)):
            if value:
                intervals = intervals[intervals[column] == value]
        if adcode:
            drivers = drivers[drivers["adcode"] == adcode]
        total = len(intervals)
        page = intervals.iloc[offset:None if limit is None else offset + limit]
        following = offset + len(page)
        return json.dumps({
            "run": run_json(run), "meta": _finite(found.meta), "total": total, "offset": offset,
            "limit": limit, "next_offset": following if following < total else None,
            "intervals": _records(page), "drivers": _records(drivers)},
            ensure_ascii=False, allow_nan=False).encode("utf-8")

    cache_key = (("uncertainty", run.id, adcode, scope, key, limit, offset)
                 if run.status == "published" else None)
    return published_response(request, cache_key, make, "application/json",
                              _cache_control(run, by_run=by_run))


def _records(frame) -> list[dict]:
    """Rows as JSON objects: numbers as numbers, a missing value (NaN) as null."""
    return [{k: _finite(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _finite(value):
    """``value`` with NaN and ±inf as None (and numpy scalars as Python numbers), recursively."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- parameters ------------------------------------------------------------------------------

@router.get("/parameters/versions", summary="Parameter-table versions")
@allow("anyone")
def parameter_versions(request: Request) -> list[dict]:
    with platform(request).db.transaction(write=False) as s:
        found = s.scalars(select(ParameterTable).order_by(ParameterTable.created_at.desc()))
        return [{"version": p.version, "created_at": _iso(p.created_at), "note": p.note,
                 "overrides": bool(p.content.strip())} for p in found]


@router.get("/parameters", summary="The parameter library: value, unit, price year, source")
@allow("anyone", refuses=(404,))
def parameters(request: Request, version: str | None = Query(None, max_length=32),
               parameter: str | None = Query(None, max_length=64)) -> dict:
    found_version, rows = parameter_rows(request, version)
    if parameter:
        rows = [r for r in rows if r["parameter"] == parameter]
    return {"version": found_version, "rows": rows}


def parameter_rows(request: Request, version: str | None) -> tuple[str, list[dict]]:
    state = platform(request)
    with state.db.transaction(write=False) as s:
        query = select(ParameterTable).order_by(ParameterTable.created_at.desc())
        if version:
            query = query.where(ParameterTable.version == version)
        table = s.scalars(query.limit(1)).first()
    if table is None:
        raise NotFound(f"no parameter table version {version!r}", f"没有参数表版本 {version!r}")
    loaded = seed.parameter_table(state.settings.pack, table.content.encode("utf-8")).table
    rows = loaded.astype(object).where(loaded.notna(), None).to_dict("records")
    return table.version, rows


@router.post("/parameters", status_code=201, summary="Register a parameter override table (administrators)")
@allow("administrator")
def upload_parameters(request: Request, user: UserDep, file: Annotated[UploadFile, File()],
                      note: Annotated[str, Form(max_length=500)] = "",
                      x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    actor = require_role(user, "administrator")
    content = _read_upload(file)
    if len(content) > submissions.MAX_UPLOAD_BYTES:
        raise PlatformError("the parameter table is larger than 2 MiB", "参数表超过 2 MiB")
    state = platform(request)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlatformError("the parameter table must be UTF-8 CSV", "参数表须为 UTF-8 编码的 CSV") from exc
    version = seed.register_parameters(state.db, state.settings.pack, content, note, actor.username)
    return {"version": version}


# --- submissions -----------------------------------------------------------------------------

def submission_json(x: Submission, rows: bool = False) -> dict:
    out = {"id": x.id, "filename": x.filename, "status": x.status, "row_count": x.row_count,
           "unit_codes": sorted({r.code for r in x.rows}), "years": sorted({r.year for r in x.rows}),
           "submitted_by": x.submitter.username, "submitted_at": _iso(x.submitted_at),
           "reviewed_by": x.reviewer.username if x.reviewer else None,
           "reviewed_at": _iso(x.reviewed_at), "reason": x.reason, "sha256": x.content_sha256}
    if rows:
        out["rows"] = [{"row": r.row, "code": r.code, "year": r.year, "indicator": r.indicator,
                        "value": r.value, "unit": r.unit, "source": r.source,
                        "value_canonical": r.value_canonical, "canonical_unit": r.canonical_unit}
                       for r in x.rows]
    return out


@router.get("/submissions/template.csv", summary="The statistics template", response_class=CsvResponse)
@allow("anyone")
def submission_template() -> Response:
    return Response(submissions.template_csv(), media_type=MEDIA_CSV, headers={
        "Content-Disposition": 'attachment; filename="ecoledger-statistics-template.csv"'})


@router.get("/submissions/units-template", summary="The statistics template for the user's units",
            response_class=Response, responses={200: {
                "description": "the template (format=xlsx or csv)",
                "content": {MEDIA_XLSX: {"schema": {"type": "string", "format": "binary"}},
                            MEDIA_CSV: {"schema": {"type": "string"}}}}})
@allow("submitter", "administrator", objects="unit")
def submission_units_template(request: Request, user: UserDep,
                              fmt: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
                              year: Annotated[int, Query(ge=1900, le=2200)] = YEAR_DEFAULT,
                              profile: Annotated[str, Query(max_length=32)] = "ndrc2022") -> Response:
    """One row per unit the user may submit for × statistic the profile's items need."""
    from ecoledger.statistics.template import (
        needed_statistics,
        template_csv_bytes,
        template_rows,
        template_xlsx_bytes,
    )

    state = platform(request)
    units = reporting.template_units(state.db, user)
    not_applicable = []
    if state.settings.pack is not None:
        from ecoledger.pack.manifest import load_pack

        not_applicable = load_pack(state.settings.pack).region.not_applicable
    needed = needed_statistics(profile, None, not_applicable, energy=True)
    rows = template_rows(units, year, needed)
    content = template_xlsx_bytes(rows, needed) if fmt == "xlsx" else template_csv_bytes(rows)
    media = MEDIA_XLSX if fmt == "xlsx" else MEDIA_CSV
    return Response(content, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="ecoledger-statistics-{year}.{fmt}"'})


@router.get("/submissions", summary="Submissions the user may see")
@allow("logged-in", objects="unit")
def list_submissions(request: Request, user: UserDep,
                     status: Literal["pending", "accepted", "returned"] | None = None) -> list[dict]:
    return [submission_json(x) for x in reporting.list_for(platform(request).db, user, status)]


@router.get("/submissions/{submission_id}", summary="One submission with its rows")
@allow("logged-in", objects="unit")
def get_submission(request: Request, submission_id: Id, user: UserDep) -> dict:
    return submission_json(reporting.get(platform(request).db, user, submission_id), rows=True)


@router.post("/submissions", status_code=201, summary="Upload statistics (CSV or XLSX template)")
@allow("submitter", "administrator", objects="unit", refuses=(409,))
def submit(request: Request, user: UserDep, file: Annotated[UploadFile, File()],
           x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    require_login(user)
    content = _read_upload(file)
    state = platform(request)
    created = reporting.submit(state.db, user, file.filename or "upload", content)
    return {**submission_json(created),
            "completes": reporting.completes(state.db, state.settings.pack, created)}


class Review(BaseModel):
    reason: str = Field("", max_length=2000)


@router.post("/submissions/{submission_id}/accept", summary="Accept a submission (reviewers)")
@allow("staff", objects="unit", note="not by the submitter", refuses=(409,))
def accept(request: Request, submission_id: Id, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    return submission_json(reporting.review(platform(request).db, user, submission_id, accept=True))


@router.post("/submissions/{submission_id}/return", summary="Return a submission with a reason (reviewers)")
@allow("staff", objects="unit", refuses=(409,))
def return_submission(request: Request, submission_id: Id, body: Review, user: UserDep,
                      x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    return submission_json(reporting.review(platform(request).db, user, submission_id, accept=False,
                                            reason=body.reason))


# --- audit -----------------------------------------------------------------------------------

@router.get("/audit/verify", summary="Verify the hash chain of the audit log (administrators)")
@allow("administrator")
def verify_audit(request: Request, user: UserDep) -> dict:
    require_role(user, "administrator")
    with platform(request).db.transaction() as s:
        result = audit.verify(s)
    return {"ok": result.ok, "entries": result.entries, "first_bad_seq": result.first_bad_seq,
            "reason": result.reason}
