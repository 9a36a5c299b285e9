"""API routes (`/api/v1/applications/...`) and pages (`/applications`) of `ecoledger.applications`.

Anyone may verify a certificate; applying a rule or valuing a site needs a session (they compute
on the server) and, as every unsafe request, the CSRF token. Rules run on the year's current
published accounts; rule files may name one CSV (scores, samples) uploaded alongside.

Intervals (issue 21): a rule's rows carry ``<amount>_median_yuan``, ``<amount>_p05_yuan`` and
``<amount>_p95_yuan`` (``share_median`` … for transfers) and its record ``uncertainty`` when the
year's drawn accounts are at hand (``service.unit_draws``); a certificate and a damage case carry
``uncertainty`` (median and 5–95 % of the flow, the present value or the total, and the method).
"""

from __future__ import annotations

import json
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ecoledger.applications import certificate, outputs, rules, service, vep
from ecoledger.applications.errors import ApplicationError
from ecoledger.applications.valuation import DEFAULT_HORIZON_YEARS, DEFAULT_RATE
from ecoledger.platform import i18n
from ecoledger.platform.deps import (
    CsrfHeader,
    PdfResponse,
    UserDep,
    check_csrf,
    enforce_access,
    platform,
)
from ecoledger.platform.models import User
from ecoledger.platform.policy import NotFound, PlatformError, allow, require_login

router = APIRouter(dependencies=[Depends(enforce_access)])  # every route declares @allow(...)
RULE_LIMIT_BYTES = 256 * 1024
RATES, HORIZONS = [0.03, 0.045, 0.08], [20, 40, 70]
Digest = Annotated[str, PathParam(pattern=r"^[0-9a-fA-F]{64}$")]

i18n.register({
    "applications.title": {"zh": "核算成果应用", "en": "Using the accounts"},
    "applications.lede": {"zh": "以已发布的核算结果计算财政转移支付、生态补偿、综合考核与"
                                "生态资产价值（VEP）。",
                          "en": "Fiscal transfers, ecological compensation, assessment and ecological asset "
                                "valuation (VEP) on the published accounts."},
    "applications.rule": {"zh": "按规则文件分配或考核", "en": "Allocate or assess by a rule file"},
    "applications.example": {"zh": "示例规则", "en": "Example rule"},
    "applications.upload_rule": {"zh": "或上传规则文件（TOML）", "en": "or upload a rule file (TOML)"},
    "applications.data_file": {"zh": "规则引用的数据表（CSV，可选）",
                               "en": "table the rule names (CSV, optional)"},
    "applications.year": {"zh": "年份", "en": "Year"},
    "applications.apply": {"zh": "计算", "en": "Compute"},
    "applications.vep": {"zh": "生态资产价值（VEP）核算", "en": "Site valuation (VEP)"},
    "applications.site": {"zh": "地块边界（GeoJSON 多边形，WGS84）",
                          "en": "Site boundary (GeoJSON polygon, WGS84)"},
    "applications.site_name": {"zh": "名称", "en": "Name"},
    "applications.draw_hint": {"zh": "或在地图上逐点单击绘制地块（至少 3 个点），绘制结果即作为上传文件",
                               "en": "or click the site's corners on the map (3 or more); the drawing "
                                     "becomes the uploaded file"},
    "applications.draw_points": {"zh": "已绘制 {n} 个点", "en": "{n} corners drawn"},
    "applications.draw_clear": {"zh": "清除绘制", "en": "Clear the drawing"},
    "applications.rate": {"zh": "折现率", "en": "Discount rate"},
    "applications.horizon": {"zh": "年限（年）", "en": "Horizon (years)"},
    "applications.certify": {"zh": "核算并签发证书", "en": "Value and issue a certificate"},
    "applications.verify": {"zh": "验证证书", "en": "Verify a certificate"},
    "applications.hash": {"zh": "证书 SHA-256", "en": "Certificate SHA-256"},
    "applications.valid": {"zh": "证书有效：内容与哈希一致，且由本平台签发",
                           "en": "Valid: the content matches its hash and this platform issued it"},
    "applications.invalid": {"zh": "证书无效", "en": "Not valid"},
    "applications.login_needed": {"zh": "计算与签发需要登录。", "en": "Computing and issuing need a login."},
    "applications.flow": {"zh": "年服务流量（元/年）", "en": "Yearly service flow (yuan/yr)"},
    "applications.present_value": {"zh": "现值（元）", "en": "Present value (yuan)"},
    "applications.warnings": {"zh": "提示", "en": "Warnings"},
    "applications.item": {"zh": "服务项目", "en": "Service"},
    "applications.status": {"zh": "数据状态", "en": "Data status"},
    "applications.cells": {"zh": "覆盖栅格数", "en": "Cells covered"},
    "applications.download": {"zh": "下载", "en": "Download"},
    "applications.print": {"zh": "可打印证书", "en": "Printable certificate"},
    "applications.not_price": {"zh": "GEP 是服务流量价值，不是价格；核算价值不等于抵押价值。",
                               "en": "GEP is a flow of value, not a price; an accounting value is not a "
                                     "collateral value."},
})


def example_rules() -> dict[str, Path]:
    folder = resources.files("ecoledger.data") / "applications" / "rules"
    return {p.name: Path(str(p)) for p in sorted(folder.iterdir(), key=lambda p: p.name)
            if p.name.endswith(".toml")}


def _read(file: UploadFile | None, what: str) -> bytes | None:
    if file is None or not file.filename:
        return None
    content = file.file.read(RULE_LIMIT_BYTES + 1)
    if len(content) > RULE_LIMIT_BYTES:
        raise PlatformError(f"the {what} is larger than 256 KiB", f"{what} 超过 256 KiB")
    return content


def _apply(request: Request, user: User | None, year: int, example: str, rule: UploadFile | None,
           data: UploadFile | None) -> rules.Result:
    user = require_login(user)
    rule_bytes, data_bytes = _read(rule, "rule file"), _read(data, "data table")
    state = platform(request)
    _, units = service.unit_table(state.db, user, year)
    with tempfile.TemporaryDirectory(prefix="ecoledger-rule-") as scratch:
        if rule_bytes is None:
            known = example_rules()
            if example not in known:
                raise PlatformError(f"choose an example rule ({', '.join(known)}) or upload one",
                                    "请选择示例规则或上传规则文件")
            path = known[example]
        else:
            path = Path(scratch) / "rule.toml"
            path.write_bytes(rule_bytes)
        if data_bytes is not None:
            name = Path(data.filename).name
            if not name.endswith(".csv"):
                raise PlatformError("the data table must be a .csv file", "数据表须为 .csv 文件")
            (Path(scratch) / name).write_bytes(data_bytes)
            if rule_bytes is None:
                raise PlatformError("a data table goes with an uploaded rule", "数据表须与上传的规则一起提交")
        return rules.apply(path, units, service.unit_draws(state.settings.data_dir, year))


def result_json(result: rules.Result) -> dict:
    table = result.table.reset_index()
    return outputs.clean({"kind": result.kind, "title": result.title, "record": result.record,
                           "rows": table.astype(object).where(table.notna(), None).to_dict("records")})


# --- API ---------------------------------------------------------------------------------------

@router.get("/api/v1/applications/rules", summary="Example rule files")
@allow("anyone")
def list_rules() -> list[dict]:
    return [{"name": name, "text": path.read_text(encoding="utf-8")}
            for name, path in example_rules().items()]


@router.post("/api/v1/applications/apply", summary="Apply a rule (example or uploaded) to a year's published "
                                                   "accounts")
@allow("logged-in", objects="runs")
def apply_api(request: Request, user: UserDep, year: Annotated[int, Form(ge=1900, le=2200)],
              example: Annotated[str, Form(max_length=100)] = "",
              rule: Annotated[UploadFile | None, File()] = None,
              data: Annotated[UploadFile | None, File()] = None, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    return result_json(_apply(request, user, year, example, rule, data))


@router.post("/api/v1/applications/vep", status_code=201, summary="Value a site (GeoJSON polygon) and issue "
                                                                  "its certificate")
@allow("logged-in", objects="runs")
def vep_api(request: Request, user: UserDep, year: Annotated[int, Form(ge=1900, le=2200)],
            site: Annotated[UploadFile, File()], name: Annotated[str, Form(min_length=1, max_length=200)],
            rate: Annotated[float, Form(gt=0, lt=1)] = DEFAULT_RATE,
            horizon: Annotated[int, Form(ge=1, le=100)] = DEFAULT_HORIZON_YEARS,
            x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    return _issue(request, user, year, site, name, rate, horizon)


def _geojson(site: UploadFile) -> dict:
    content = _read(site, "site file")
    file = site.filename or "site"
    try:  # NaN and Infinity are not JSON; nesting too deep for the parser is refused too
        geojson = json.loads(content or b"", parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise ApplicationError(file, "GeoJSON", f"not JSON: {str(exc)[:200] or 'nested too deeply'}",
                               "upload a GeoJSON polygon") from exc
    vep.check_site(geojson, file)  # structure, coordinates, crs: refused here with the reason
    return geojson


def _not_json(constant: str):
    raise ValueError(f"{constant} is not a JSON number")


def _issue(request, user, year, site, name, rate, horizon) -> dict:
    user = require_login(user)
    return service.issue(platform(request), user, year, _geojson(site), name, rate, horizon, RATES, HORIZONS)


@router.post("/api/v1/applications/damage", summary="Damage compensation of an area (GeoJSON polygon): "
                                                    "discounted interim loss under linear recovery + costs")
@allow("logged-in", objects="runs")
def damage_api(request: Request, user: UserDep, year: Annotated[int, Form(ge=1900, le=2200)],
               site: Annotated[UploadFile, File()], damaged_fraction: Annotated[float, Form(ge=0, le=1)],
               recovery_years: Annotated[int, Form(ge=1, le=200)],
               restoration_cost: Annotated[float, Form(ge=0)],
               rate: Annotated[float, Form(ge=0, lt=1)] = DEFAULT_RATE,
               other_costs: Annotated[float, Form(ge=0)] = 0.0, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    require_login(user)
    state = platform(request)
    service.unit_table(state.db, user, year)  # the year must have published accounts
    folder = service.maps_folder(state.settings.data_dir, state.settings.pack, year)
    return vep.damage_case(folder, vep.read_site(_geojson(site), "upload"), damaged_fraction, recovery_years,
                           rate, restoration_cost, other_costs)


@router.get("/api/v1/applications/certificates/{digest}", summary="Is this certificate valid (intact and "
                                                                  "issued here)?")
@allow("anyone", objects="public-id")
def certificate_api(request: Request, digest: Digest) -> dict:
    return service.check(platform(request).db, digest.lower())


@router.post("/api/v1/applications/certificates/verify",
             summary="Verify a certificate JSON (changes nothing, so no session or CSRF token is needed)")
@allow("anyone", objects="public-id")
def verify_api(request: Request, submitted: Annotated[dict, Body()]) -> dict:
    digest = str(submitted.get("content_sha256", ""))
    return service.check(platform(request).db, digest, submitted)


# --- pages -------------------------------------------------------------------------------------

def _page(request: Request, status_code: int = 200, **context):
    from ecoledger.platform import runs
    from ecoledger.platform.web import render

    years = runs.published_years(platform(request).db)
    return render(request, "applications_index.html",
                  {"years": years, "examples": list(example_rules()), **context}, status_code=status_code)


@router.get("/applications", response_class=HTMLResponse)
@allow("anyone")
def applications_page(request: Request):
    return _page(request)


@router.post("/applications/apply", response_class=HTMLResponse)
@allow("logged-in", objects="runs")
def apply_page(request: Request, user: UserDep, year: Annotated[int, Form(ge=1900, le=2200)],
               example: Annotated[str, Form(max_length=100)] = "",
               rule: Annotated[UploadFile | None, File()] = None,
               data: Annotated[UploadFile | None, File()] = None,
               csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    try:
        result = _apply(request, user, year, example, rule, data)
    except ApplicationError as exc:
        return _page(request, error=str(exc), status_code=422)
    return _page(request, result_html=outputs.render(result, page=False))


@router.post("/applications/vep", response_class=HTMLResponse, status_code=201)
@allow("logged-in", objects="runs")
def vep_page(request: Request, user: UserDep, year: Annotated[int, Form(ge=1900, le=2200)],
             site: Annotated[UploadFile, File()], name: Annotated[str, Form(min_length=1, max_length=200)],
             rate: Annotated[float, Form(gt=0, lt=1)] = DEFAULT_RATE,
             horizon: Annotated[int, Form(ge=1, le=100)] = 20,
             csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    try:
        cert = _issue(request, user, year, site, name, rate, horizon)
    except ApplicationError as exc:
        return _page(request, error=str(exc), status_code=422)
    return _certificate_page(request, cert["content_sha256"], status_code=201)


@router.get("/applications/certificates", response_class=RedirectResponse, status_code=303,
            responses={200: {"description": "the certificate's page, once the redirect is followed",
                             "content": {"text/html": {"schema": {"type": "string"}}}}})
@allow("anyone", objects="public-id")
def certificate_lookup(sha256: Annotated[str, Query(pattern=r"^[0-9a-fA-F]{64}$")]):
    return RedirectResponse(f"/applications/certificates/{sha256.lower()}", status_code=303)


@router.get("/applications/certificates/{digest}", response_class=HTMLResponse)
@allow("anyone", objects="public-id")
def certificate_page(request: Request, digest: Digest):
    return _certificate_page(request, digest.lower())


def _certificate_page(request: Request, digest: str, status_code: int = 200):
    from ecoledger.platform.web import language, render

    check = service.check(platform(request).db, digest)
    cert = check["certificate"]
    lang = language(request)
    warnings = [vep.warning_text(w, lang) for w in (cert or {}).get("warnings", [])]
    return render(request, "applications_certificate.html",
                  {"check": check, "cert": cert, "warnings": warnings}, status_code=status_code)


@router.get("/applications/certificates/{digest}/certificate.json")
@allow("anyone", objects="public-id")
def certificate_json(request: Request, digest: Digest):
    cert = service.certificate_or_404(platform(request).db, digest.lower())
    disposition = f'attachment; filename="vep-{digest[:12]}.json"'
    return JSONResponse(cert, headers={"Content-Disposition": disposition})


@router.get("/applications/certificates/{digest}/print", response_class=HTMLResponse)
@allow("anyone", objects="public-id")
def certificate_print(request: Request, digest: Digest):
    from ecoledger.platform.web import language

    cert = service.certificate_or_404(platform(request).db, digest.lower())
    return HTMLResponse(certificate.render_html(cert, language(request)))


@router.get("/applications/certificates/{digest}/certificate.pdf", response_class=PdfResponse)
@allow("anyone", objects="public-id")
def certificate_pdf(request: Request, digest: Digest):
    """The certificate printed by the server's chromium (the printable page when there is none)."""
    from ecoledger.platform.web import language

    cert = service.certificate_or_404(platform(request).db, digest.lower())
    with tempfile.TemporaryDirectory(prefix="ecoledger-certificate-") as scratch:
        html = Path(scratch) / "certificate.html"
        html.write_text(certificate.render_html(cert, language(request)), encoding="utf-8")
        skipped = certificate.write_pdf(html, Path(scratch) / "certificate.pdf")
        if skipped:
            raise NotFound(f"{skipped}; print /applications/certificates/{digest}/print instead",
                           "服务器未安装 chromium，无法生成 PDF；请打印证书页面")
        content = (Path(scratch) / "certificate.pdf").read_bytes()
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="vep-{digest[:12]}.pdf"'})
