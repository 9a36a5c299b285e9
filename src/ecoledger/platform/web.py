"""The pages: server-rendered Jinja2 templates, Chinese by default (``?lang=en`` switches).

Forms post back here with the CSRF token in a hidden field; after a change the page redirects
(303) so a reload never repeats it. The map and run progress are drawn by the built front-end
(``web/`` → ``static/dist``) from the JSON API.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from ecoledger import tables
from ecoledger.ecosystems import ALL, ECOSYSTEMS
from ecoledger.errors import SubmissionError
from ecoledger.platform import i18n, queries, reporting, runs, seed, users
from ecoledger.platform.api import (
    MAX_ID,
    Id,
    RunQuery,
    _read_upload,
    launch,
    parameter_rows,
    run_json,
    submission_json,
)
from ecoledger.platform.api import parameter_versions as api_parameter_versions
from ecoledger.platform.app import problem_json
from ecoledger.platform.deps import (
    LANG_COOKIE,
    SESSION_COOKIE,
    UserDep,
    check_csrf,
    client_address,
    csrf_token,
    current_user,
    enforce_access,
    platform,
)
from ecoledger.platform.models import User
from ecoledger.platform.policy import (
    PlatformError,
    allow,
    can_read_run,
    is_staff,
    require_login,
    require_role,
)

router = APIRouter(include_in_schema=False,
                   dependencies=[Depends(enforce_access)])  # every route declares @allow(...)
DEFAULT_PROFILE = "ndrc2022"

_env = Environment(loader=PackageLoader("ecoledger.platform", "templates"),
                   autoescape=select_autoescape(["html"]))
i18n.install(_env)

templates = Jinja2Templates(env=_env)


def language(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return wanted if wanted in i18n.LANGUAGES else "zh"


def render(request: Request, name: str, context: dict, status_code: int = 200, headers=None) -> HTMLResponse:
    lang = language(request)
    response = templates.TemplateResponse(request, name, {
        "lang": lang, "t": i18n.translator(lang), "user": current_user(request),
        "csrf_token": csrf_token(request), "path": request.url.path, **context,
    }, status_code=status_code, headers=headers)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
    return response


def message_page(request: Request, status_code: int, message: str, message_zh: str, headers=None):
    lang = language(request)
    return render(request, "message.html", {
        "title": i18n.translator(lang)(f"status.{status_code}"),
        "message": message_zh if lang == "zh" else message, "status_code": status_code,
    }, status_code=status_code, headers=headers)


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- map and unit pages ----------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
@allow("anyone", objects="runs")
def map_page(request: Request):
    years = runs.published_years(platform(request).db)
    wanted = request.query_params.get("year")
    year = int(wanted) if wanted and wanted.isdigit() and int(wanted) in years else None
    year = year or (years[-1] if years else None)
    measures = queries.measures()
    measure = request.query_params.get("measure")
    level = request.query_params.get("level")
    return render(request, "map.html", {
        "years": years, "year": year, "measures": measures, "levels": ["county", "city"],
        "measure": measure if measure in {m["key"] for m in measures} else "gep",
        "level": level if level in ("county", "city") else "county"})


@router.get("/units/{code}", response_class=HTMLResponse)
@allow("anyone", objects="runs")
def unit_page(request: Request, code: str, user: UserDep, year: int | None = Query(None, ge=1900, le=2200),
              run: RunQuery = None):
    db = platform(request).db
    years = runs.published_years(db)
    if year is None and run is None:
        if not years:
            raise PlatformError("no published accounts yet", "尚无已发布的核算结果")
        year = years[-1]
    found = queries.breakdown(db, user, code, year, run)
    return render(request, "unit.html", {
        "years": years, "year": found["run"].year, **unit_context(db, found),
        "uncertainty": unit_uncertainty(platform(request).settings.data_dir, found["run"], code)})


DRIVERS_SHOWN = 10


def unit_uncertainty(data_dir, run, code: str) -> dict | None:
    """The unit's GEP interval (5th–95th percentile, 元) and the top drivers of its GEP, when the
    run was started with draws (None otherwise, or when the unit has no GEP interval).

    Files that differ from those the run recorded leave the page without them (and are logged):
    the accounts it shows come from the store; the API refuses such files (500)."""
    try:
        found = runs.read_uncertainty(data_dir, run)
    except runs.StoreIntegrityError as exc:
        logging.getLogger(__name__).error("unit page without intervals: %s", exc)
        return None
    if found is None:
        return None
    rows = found.intervals[(found.intervals["adcode"] == code) & (found.intervals["scope"] == "gep")]
    if rows.empty:
        return None
    gep = rows.iloc[0]
    drivers = found.drivers[found.drivers["adcode"] == code].sort_values("rank").head(DRIVERS_SHOWN)
    return {"point": _number(gep["point_yuan"]), "median": _number(gep["median_yuan"]),
            "p05": _number(gep["p05_yuan"]), "p95": _number(gep["p95_yuan"]),
            "draws": found.meta.get("draws"),
            "drivers": [{"rank": int(d["rank"]), "input": d["input"], "s1": _number(d["s1"]),
                         "gep_low": _number(d["gep_low_yuan"]), "gep_high": _number(d["gep_high_yuan"])}
                        for _, d in drivers.iterrows()]}


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)


def unit_context(db, found: dict) -> dict:
    u, run, rows = found["unit"], found["run"], found["rows"]
    totals_rows = [r for r in rows if r["ecosystem"] == ALL]
    gep = _sum(r["value_yuan"] for r in totals_rows)
    previous = {r["item"]: r["value_yuan"] for r in found["previous_rows"] or []}
    previous_gep = _sum(previous.values()) if found["previous_rows"] else None
    gdp = found["statistics"].get("gdp")
    parent = queries.unit(db, u.parent_code) if u.parent_code else None
    items = [{**r, "previous_value_yuan": previous.get(r["item"]),
              "change_pct": _change(r["value_yuan"], previous.get(r["item"]))} for r in totals_rows]
    groups = []
    for group, group_zh in tables.GROUPS.items():
        value = _sum(r["value_yuan"] for r in totals_rows if r["group"] == group)
        groups.append({"group": group, "group_zh": group_zh, "value_yuan": value,
                       "share": value / gep if value is not None and gep else None})
    by_ecosystem: dict[str, float | None] = {}
    for r in rows:
        if r["ecosystem"] != ALL:
            by_ecosystem[r["ecosystem"]] = _sum([by_ecosystem.get(r["ecosystem"]), r["value_yuan"]])
    ecosystems = [{"ecosystem": e, "ecosystem_zh": ECOSYSTEMS.get(e, "未归属" if e == "unattributed" else e),
                   "value_yuan": v, "share": v / gep if v is not None and gep else None}
                  for e, v in sorted(by_ecosystem.items(), key=lambda kv: -(kv[1] or 0))]
    quality: dict[str, int] = {}
    for r in totals_rows:
        quality[r["data_status"]] = quality.get(r["data_status"], 0) + 1
    with db.transaction(write=False) as s:
        gep_by_unit = queries.unit_gep(s, run.id)
    children = [{"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "gep": gep_by_unit.get(c.code)}
                for c in queries.units(db, parent=u.code)]
    return {
        "unit": {**queries.unit_json(u), "parent_name_zh": parent.name_zh if parent else None,
                 "parent_name_en": parent.name_en if parent else None},
        "run": {"id": run.id, "status": run.status, "published_at": run.published_at,
                "profile": run.profile, "parameter_table_version": run.parameter_version},
        "totals": {"gep": gep, "gep_per_km2": gep / u.area_km2 if gep is not None and u.area_km2 else None,
                   "gdp": gdp, "gep_per_gdp": gep / gdp if gep is not None and gdp else None,
                   "previous_year": run.year - 1 if previous_gep is not None else None,
                   "previous_gep": previous_gep, "change_pct": _change(gep, previous_gep)},
        "groups": groups, "items": items, "ecosystems": ecosystems, "quality": quality,
        "children": children,
    }


def _sum(values) -> float | None:
    present = [v for v in values if v is not None]
    return float(sum(present)) if present else None


def _change(now: float | None, before: float | None) -> float | None:
    return (now - before) / before if now is not None and before else None


# --- parameters ------------------------------------------------------------------------------

@router.get("/parameters", response_class=HTMLResponse)
@allow("anyone")
def parameters_page(request: Request, version: str | None = None):
    found_version, rows = parameter_rows(request, version)
    t = i18n.translator(language(request))
    versions = [v | {"note": t("parameters.first_note")} if v["note"] == seed.FIRST_NOTE else v
                for v in api_parameter_versions(request)]  # the system's note in the page's language
    return render(request, "parameters.html", {"rows": rows, "version": found_version,
                                               "versions": versions})


# --- login -----------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
@allow("anyone")
def login_page(request: Request):
    return render(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
@allow("anyone")
def login_form(request: Request, username: Annotated[str, Form(max_length=64)] = "",
               password: Annotated[str, Form(max_length=256)] = "",
               csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    try:
        _, token = users.login(platform(request).db, username, password, client_address(request))
    except PlatformError as exc:
        lang = language(request)
        return render(request, "login.html", {"error": exc.message_zh if lang == "zh" else exc.message},
                      status_code=exc.status)
    response = _back("/")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=platform(request).settings.cookie_secure,
                        max_age=int(users.SESSION_LIFETIME.total_seconds()))
    return response


@router.post("/logout")
@allow("anyone")
def logout_form(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    users.logout(platform(request).db, request.cookies.get(SESSION_COOKIE))
    response = _back("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- submissions and reviews -----------------------------------------------------------------

def _submissions_context(request: Request, user: User, problems=None, uploaded=None) -> dict:
    listed = reporting.list_for(platform(request).db, user)
    return {"can_submit": user.role in ("submitter", "administrator"),
            "template_url": "/api/v1/submissions/template.csv",
            "units_template_urls": {fmt: f"/api/v1/submissions/units-template?format={fmt}"
                                    for fmt in ("xlsx", "csv")},
            "submissions": [submission_json(x) for x in listed], "problems": problems, "uploaded": uploaded}


@router.get("/submissions", response_class=HTMLResponse)
@allow("logged-in", objects="unit")
def submissions_page(request: Request, user: UserDep):
    return render(request, "submissions.html", _submissions_context(request, require_login(user)))


@router.post("/submissions", response_class=HTMLResponse)
@allow("submitter", "administrator", objects="unit")
def submissions_upload(request: Request, user: UserDep, file: Annotated[UploadFile, File()],
                       csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    user = require_login(user)
    state = platform(request)
    try:
        created = reporting.submit(state.db, user, file.filename or "upload", _read_upload(file))
    except SubmissionError as exc:
        problems = [{**problem_json(p), "row_label": p.field.partition(" · ")[0],
                     "field": p.field.partition(" · ")[2] or p.field} for p in exc.problems]
        return render(request, "submissions.html", _submissions_context(request, user, problems=problems),
                      status_code=422)
    return render(request, "submissions.html", _submissions_context(
        request, user, uploaded={"id": created.id, "row_count": created.row_count,
                                 "completes": reporting.completes(state.db, state.settings.pack, created)}),
        status_code=201)


@router.get("/reviews", response_class=HTMLResponse)
@allow("staff")
def reviews_page(request: Request, user: UserDep):
    user = require_role(user, "reviewer", "administrator")
    listed = reporting.list_for(platform(request).db, user)
    pending = [{**submission_json(x, rows=True), "preview": submission_json(x, rows=True)["rows"][:20]}
               for x in listed if x.status == "pending"]
    recent = [submission_json(x) for x in listed if x.status != "pending"][:50]
    return render(request, "reviews.html", {"pending": pending, "recent": recent})


@router.post("/submissions/{submission_id}/accept")
@allow("staff", objects="unit", note="not by the submitter")
def accept_form(request: Request, submission_id: Id, user: UserDep,
                csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    reporting.review(platform(request).db, user, submission_id, accept=True)
    return _back("/reviews")


@router.post("/submissions/{submission_id}/return")
@allow("staff", objects="unit")
def return_form(request: Request, submission_id: Id, user: UserDep,
                reason: Annotated[str, Form(max_length=2000)] = "",
                csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    reporting.review(platform(request).db, user, submission_id, accept=False, reason=reason)
    return _back("/reviews")


# --- runs ------------------------------------------------------------------------------------

@router.get("/runs", response_class=HTMLResponse)
@allow("anyone", objects="runs")
def runs_page(request: Request, user: UserDep):
    state = platform(request)
    superseded = runs.superseded_by(state.db)
    listed = [{**run_json(r, superseded), "gep": r.gep_yuan} for r in runs.list_runs(state.db, user)
              if can_read_run(user, r.status)]
    return render(request, "runs.html", {
        "runs": listed, "years": state.pack_years, "default_draws": state.settings.default_draws,
        "max_draws": runs.MAX_DRAWS,
        "profiles": sorted(tables.profiles(), key=lambda name: (name != DEFAULT_PROFILE, name)),
        "can_start": is_staff(user), "can_publish": is_staff(user),
    })


@router.post("/runs")
@allow("staff")
def start_run_form(request: Request, user: UserDep, year: Annotated[int, Form()],
                   profile: Annotated[str, Form(max_length=32)] = "ndrc2022",
                   supersedes: Annotated[str, Form(max_length=12)] = "",
                   draws: Annotated[str, Form(max_length=12)] = "",
                   csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    corrected = int(supersedes) if supersedes.isdigit() and int(supersedes) <= MAX_ID else None
    drawn = draws.strip()
    if drawn and not drawn.isdigit():
        raise PlatformError(f"draws must be a whole number from 0 to {runs.MAX_DRAWS}",
                            f"抽样次数须为 0 至 {runs.MAX_DRAWS} 之间的整数")
    launch(request, user, year, profile, corrected, int(drawn) if drawn else None)
    return _back("/runs")


@router.post("/runs/{run_id}/publish")
@allow("staff", objects="run", note="not by the user who started the run")
def publish_form(request: Request, run_id: Id, user: UserDep,
                 csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    runs.publish(platform(request).db, user, run_id)
    return _back("/runs")
