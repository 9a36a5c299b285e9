"""API routes (``/api/v1/monitoring/...``) and pages (``/monitoring``) of `ecoledger.monitoring`.

Reading needs a login; uploading records needs a submitter, reviewer or administrator;
evaluating the early-warning rules a reviewer or administrator. Unsafe requests carry the CSRF
token (``X-CSRF-Token`` header for the API, ``csrf_token`` form field for pages).
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from ecoledger.errors import SubmissionError
from ecoledger.monitoring import records, service
from ecoledger.monitoring.store import MonitoringAlert, MonitoringUpload
from ecoledger.monitoring.tables import table as _table
from ecoledger.monitoring.warning import RuleError
from ecoledger.monitoring.water import CLASS_NAMES, CLASS_NAMES_ZH
from ecoledger.platform import i18n
from ecoledger.platform.deps import (
    CsrfHeader,
    CsvResponse,
    UserDep,
    check_csrf,
    enforce_access,
    platform,
)
from ecoledger.platform.models import User
from ecoledger.platform.policy import allow, is_staff, require_login, require_role
from ecoledger.platform.submissions import MAX_UPLOAD_BYTES

router = APIRouter(dependencies=[Depends(enforce_access)])  # every route declares @allow(...)
PREFIX = "/api/v1/monitoring"

i18n.register({
    "monitoring.title": {"zh": "监测预警", "en": "Monitoring and early warning"},
    "monitoring.lede": {"zh": "地表水水质类别（GB 3838-2002，湖库总磷按湖库标准）、富营养化指数、"
                              "预警规则与预警信息。",
                        "en": "Surface-water classes (GB 3838-2002, lake TP limits for lakes and "
                              "reservoirs), "
                              "the trophic level index, early-warning rules and their alerts."},
    "monitoring.upload": {"zh": "上传监测数据", "en": "Upload monitoring records"},
    "monitoring.upload_help": {"zh": "CSV 或 XLSX，每个断面、日期、指标一行；有任何错误则整份文件不入库。",
                               "en": "CSV or XLSX, one row per station, date and parameter; a file with "
                                     "any error is refused whole."},
    "monitoring.template": {"zh": "下载模板", "en": "Download the template"},
    "monitoring.uploaded": {"zh": "已入库：{rows} 行（上传 #{id}）",
                            "en": "Stored: {rows} rows (upload #{id})"},
    "monitoring.problems": {"zh": "文件未入库，问题如下", "en": "The file was refused"},
    "monitoring.classes": {"zh": "断面年度水质", "en": "Stations by year"},
    "monitoring.alerts": {"zh": "预警信息", "en": "Alerts"},
    "monitoring.evaluate": {"zh": "运行预警规则", "en": "Run the early-warning rules"},
    "monitoring.evaluated": {"zh": "新增预警 {count} 条", "en": "{count} new alerts"},
    "monitoring.export": {"zh": "导出 CSV", "en": "Export CSV"},
    "monitoring.none": {"zh": "暂无", "en": "None yet"},
    "monitoring.uploads": {"zh": "已上传文件", "en": "Uploads"},
    "monitoring.severity": {"zh": "级别", "en": "Severity"},
    "monitoring.rule": {"zh": "规则", "en": "Rule"},
    "monitoring.unit": {"zh": "单位/断面", "en": "Unit or station"},
    "monitoring.period": {"zh": "时段", "en": "Period"},
    "monitoring.message": {"zh": "内容", "en": "Message"},
    "monitoring.responsible": {"zh": "责任单位", "en": "Responsible"},
    "monitoring.evidence": {"zh": "依据数据", "en": "Evidence"},
    "monitoring.station": {"zh": "断面", "en": "Station"},
    "monitoring.water_type": {"zh": "水体类型", "en": "Water type"},
    "monitoring.year": {"zh": "年份", "en": "Year"},
    "monitoring.class": {"zh": "水质类别", "en": "Class"},
    "monitoring.determining": {"zh": "定类指标", "en": "Determining"},
    "monitoring.tp_readings": {"zh": "总磷类别（湖库/河流标准）", "en": "TP class (lake / river limits)"},
    "monitoring.tli": {"zh": "综合营养状态指数", "en": "TLI"},
    "monitoring.samples": {"zh": "样本数", "en": "Samples"},
    "monitoring.water": {"zh": "水体", "en": "Water body"},
    "monitoring.parameter": {"zh": "指标", "en": "Parameter"},
    "monitoring.grade": {"zh": "营养状态", "en": "Trophic state"},
    # codes shown on the page: severities, water types, evidence fields (parameters and trophic
    # grades come from the shipped tables below)
    **{f"monitoring.severity.{k}": {"zh": zh, "en": k} for k, zh in
       (("info", "提示"), ("low", "低"), ("medium", "中"), ("high", "高"))},
    **{f"monitoring.water.{k}": {"zh": zh, "en": k} for k, zh in
       (("river", "河流"), ("lake", "湖泊"), ("reservoir", "水库"))},
    **{f"monitoring.evidence.{k}": {"zh": zh, "en": en} for k, zh, en in (
        ("value", "数值", "value"), ("above", "上限", "above"), ("below", "下限", "below"),
        ("basis", "依据", "basis"), ("unit", "单位", "unit"), ("periods", "时段数", "periods"),
        ("periods_above", "超限时段数", "periods above"), ("count_at_least", "至少次数", "at least"),
        ("alpha", "显著性水平", "alpha"), ("change_percent", "变化率（%）", "change (%)"),
        ("direction", "方向", "direction"), ("drop_percent", "下降幅度（%）", "drop (%)"),
        ("from", "起始年", "from"), ("to", "终止年", "to"), ("max", "最大值", "max"),
        ("value_from", "起始值", "value from"), ("value_to", "终止值", "value to"),
        ("slope", "斜率", "slope"), ("p_value", "p 值", "p value"))},
    **{f"monitoring.parameter.{r.parameter}": {"zh": r.parameter_zh, "en": r.parameter}
       for r in _table("parameters").itertuples(index=False)},
    **{f"monitoring.grade.{r.grade}": {"zh": r.grade_zh, "en": r.grade.replace("_", " ")}
       for r in _table("tli_grades").itertuples(index=False)},
})


def alert_json(a: MonitoringAlert) -> dict:
    return {"id": a.id, "rule_id": a.rule_id, "severity": a.severity, "series": a.series,
            "unit_code": a.unit_code, "unit_name": a.unit_name, "period": a.period, "message": a.message,
            "responsible": a.responsible, "evidence": a.evidence, "rules_sha256": a.rules_sha256,
            "created_by": a.created_by, "created_at": a.created_at.isoformat() if a.created_at else None}


def upload_json(u: MonitoringUpload) -> dict:
    return {"id": u.id, "filename": u.filename, "sha256": u.content_sha256, "uploaded_by": u.uploaded_by,
            "uploaded_at": u.uploaded_at.isoformat() if u.uploaded_at else None, "rows": u.row_count,
            "table_versions": u.table_versions}


def _clean(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def _content(file: UploadFile) -> bytes:
    return file.file.read(MAX_UPLOAD_BYTES + 1)


@router.get(f"{PREFIX}/records/template.csv", summary="The monitoring-records template", tags=["monitoring"],
            response_class=CsvResponse)
@allow("anyone")
def records_template() -> Response:
    return Response(records.template_csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="monitoring-template.csv"'})


@router.post(f"{PREFIX}/records", status_code=201, summary="Upload surface-water records (CSV or XLSX)",
             tags=["monitoring"])
@allow("submitter", "staff")
def upload_records(request: Request, user: UserDep, file: Annotated[UploadFile, File()],
                   x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    created = service.store_upload(platform(request).db, user, file.filename or "upload", _content(file))
    return upload_json(created)


@router.get(f"{PREFIX}/uploads", summary="Accepted record uploads", tags=["monitoring"])
@allow("logged-in")
def list_uploads(request: Request, user: UserDep) -> list[dict]:
    require_login(user)
    return [upload_json(u) for u in service.uploads(platform(request).db)]


@router.get(f"{PREFIX}/water/classes", summary="Class, determining parameter and TLI per station",
            tags=["monitoring"])
@allow("logged-in")
def water_classes(request: Request, user: UserDep,
                  year: Annotated[int | None, Query(ge=1950, le=2200)] = None,
                  period: Annotated[str, Query(pattern="^(year|month|season)$")] = "year") -> list[dict]:
    require_login(user)
    frame = service.evaluated(platform(request).db, year, period)
    return [_clean(r) for r in frame.to_dict("records")]


@router.get(f"{PREFIX}/water/section", summary="One station's annual quality (for compensation rules)",
            tags=["monitoring"])
@allow("logged-in")
def water_section(request: Request, user: UserDep, station: Annotated[str, Query(max_length=100)],
                  year: Annotated[int, Query(ge=1950, le=2200)]) -> dict:
    require_login(user)
    found = service.section_quality(platform(request).db, station, year)
    return _clean(found) if found else {"station": station, "year": year, "class": None,
                                        "status": "missing"}


@router.get(f"{PREFIX}/alerts", summary="Stored alerts", tags=["monitoring"])
@allow("logged-in")
def list_alerts(request: Request, user: UserDep) -> list[dict]:
    return [alert_json(a) for a in service.list_alerts(platform(request).db, user)]


@router.get(f"{PREFIX}/alerts.csv", summary="Stored alerts as CSV", tags=["monitoring"],
            response_class=CsvResponse)
@allow("logged-in")
def export_alerts(request: Request, user: UserDep) -> Response:
    content = service.alerts_csv(service.list_alerts(platform(request).db, user))
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="alerts.csv"'})


@router.post(f"{PREFIX}/alerts/evaluate", tags=["monitoring"],
             summary="Run the early-warning rules (reviewers; an own rule file: administrators)")
@allow("staff", note="an own rule file: administrators")
def evaluate_alerts(request: Request, user: UserDep, rules: Annotated[UploadFile | None, File()] = None,
                    x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    new = service.evaluate_rules(platform(request).db, user, _rules_text(user, rules))
    return {"new": [alert_json(a) for a in new]}


MAX_RULES_BYTES = 256 * 1024


def _rules_text(user: User | None, rules: UploadFile | None) -> str | None:
    """The text of an uploaded rule file (administrators only), or None for the shipped rules."""
    if rules is None or not rules.filename:
        return None
    require_role(user, "administrator")
    content = rules.file.read(MAX_RULES_BYTES + 1)
    if len(content) > MAX_RULES_BYTES:
        raise RuleError(f"{rules.filename}: larger than {MAX_RULES_BYTES // 1024} KiB; split the rules")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleError(f"{rules.filename}: not UTF-8 text; save the TOML file as UTF-8") from exc


# --- pages -------------------------------------------------------------------------------------

def _page(request: Request, user: User, status_code: int = 200, **extra) -> HTMLResponse:
    from ecoledger.monitoring.demo import rule_text
    from ecoledger.platform.web import language, render

    db = platform(request).db
    classes = service.evaluated(db)
    t = i18n.translator(language(request))
    return render(request, "monitoring_index.html", {
        "rule_text": lambda part, rule_id, text: rule_text(t, part, rule_id, text),
        "can_upload": user.role in service.UPLOADERS, "can_evaluate": is_staff(user),
        "template_url": f"{PREFIX}/records/template.csv",
        "alerts": [alert_json(a) for a in service.list_alerts(db, user)][:500],
        "uploads": [upload_json(u) for u in service.uploads(db)][:50],
        "classes": [_clean(r) for r in classes.to_dict("records")], "class_names_zh": CLASS_NAMES_ZH,
        "class_names": CLASS_NAMES,
        **extra}, status_code=status_code)


@router.get("/monitoring", response_class=HTMLResponse, include_in_schema=False)
@allow("logged-in")
def monitoring_page(request: Request, user: UserDep):
    return _page(request, require_login(user))


@router.post("/monitoring/records", response_class=HTMLResponse, include_in_schema=False)
@allow("submitter", "staff")
def upload_form(request: Request, user: UserDep, file: Annotated[UploadFile, File()],
                csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    user = require_login(user)
    try:
        created = service.store_upload(platform(request).db, user, file.filename or "upload", _content(file))
    except SubmissionError as exc:
        return _page(request, user, 422, problems=exc.problems)
    return _page(request, user, 201, uploaded=upload_json(created))


@router.post("/monitoring/alerts/evaluate", include_in_schema=False)
@allow("staff")
def evaluate_form(request: Request, user: UserDep, csrf_token: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    new = service.evaluate_rules(platform(request).db, user)
    return RedirectResponse(f"/monitoring?new={len(new)}", status_code=303)
