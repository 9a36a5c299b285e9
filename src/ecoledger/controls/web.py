"""The screening pages on the platform: ``/controls`` (the form: a footprint as a GeoJSON file or
text, its activity, buffer, radius and the year of the published account; the control layers; the
caller's screenings; administrators also upload a layer there) and ``/controls/screenings/{id}``
(a stored screening), in Chinese (default) and English.

The result is the same page the CLI writes (``controls.report``: its model, its map and its
template ``controls/screening.html.j2``), rendered as a fragment inside the platform's page: the
template's parent ``data/pages/base.html.j2`` is swapped for ``data/pages/fragment.html.j2``. The
tables are rebuilt from the stored result (no second overlay), the map from the stored inputs and
the layers' zones. Keys of the result the report does not know (e.g. VEP or habitat quality inside
footprints, added later) are shown as plain tables below it.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape
from sqlalchemy import select

from ecoledger.controls.zones import ACTIVITIES, ZONE_TYPES, activity_label
from ecoledger.errors import Problem, SubmissionError
from ecoledger.platform import i18n
from ecoledger.platform.deps import UserDep, check_csrf, enforce_access, platform
from ecoledger.platform.policy import PlatformError, allow, require_login, require_role

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, dependencies=[Depends(enforce_access)])
HEX64 = r"^[0-9a-f]{64}$"
TEXT_LIMIT = 2 * 2**20  # the footprint typed or pasted: the platform's request limit
KNOWN_KEYS = ("summary", "projects", "overlaps", "triggered", "gep", "screening")
MAX_RECENT = 20
COLUMNS = {  # the report's tables, for results whose table is empty
    "projects": [
        "project_id",
        "name",
        "group",
        "activity",
        "kind",
        "buffer_m",
        "footprint_m2",
        "zones_touched",
        "prohibited_m2",
        "conditional_m2",
        "permitted_m2",
        "no_rule_m2",
        "prohibited_overlaps",
        "conditional_overlaps",
        "verdict",
        "gep_yuan",
        "status",
        "area_crs",
    ],
    "overlaps": [
        "project_id",
        "activity",
        "zone_id",
        "zone_type",
        "zone_name",
        "zone_status",
        "overlap_m2",
        "share_of_footprint",
        "share_of_zone",
        "ruling",
        "rule_ids",
        "status",
        "area_crs",
    ],
    "triggered": [
        "project_id",
        "activity",
        "zone_type",
        "rule_id",
        "ruling",
        "source",
        "article",
        "url",
        "quote",
        "note",
        "status",
    ],
    "gep": ["project_id", "item", "ecosystem", "value_yuan", "covered_cells", "status"],
}

i18n.register(
    {
        "nav.controls": {"zh": "管控筛查", "en": "Controls screening"},
        "controls.web.title": {"zh": "国土空间管控筛查", "en": "Screening against spatial controls"},
        "controls.web.lede": {
            "zh": "上传项目或规划的用地范围，查看其与生态保护红线、永久基本农田、城镇开发边界、环境管控单元和"
            "自然保护地的重叠、触发的管控规则及用地范围内的生态产品总值。",
            "en": "Upload the footprint of a project or plan to see its overlaps with the ecological "
            "protection red line, permanent farmland, the urban development boundary, environmental "
            "control units and protected areas, the rules it triggers and the GEP inside it.",
        },
        "controls.web.login": {"zh": "登录后可进行筛查。", "en": "Log in to screen a footprint."},
        "controls.web.form": {"zh": "筛查用地范围", "en": "Screen a footprint"},
        "controls.web.file": {
            "zh": "用地范围文件（GeoJSON，WGS 84 经纬度）",
            "en": "Footprint file (GeoJSON, WGS 84 longitude/latitude)",
        },
        "controls.web.text": {"zh": "或粘贴 GeoJSON", "en": "or paste GeoJSON"},
        "controls.web.activity": {
            "zh": "活动类型（要素未注明时）",
            "en": "Activity (where a feature has none)",
        },
        "controls.web.buffer": {"zh": "线要素缓冲距离（米）", "en": "Buffer of lines (m)"},
        "controls.web.radius": {"zh": "点要素半径（米）", "en": "Radius of points (m)"},
        "controls.web.year": {"zh": "核算年份（用地范围内 GEP）", "en": "Account year (GEP inside)"},
        "controls.web.no_year": {"zh": "不计算 GEP", "en": "no GEP"},
        "controls.web.submit": {"zh": "筛查", "en": "Screen"},
        "controls.web.layers": {"zh": "管控图层", "en": "Control layers"},
        "controls.web.no_layers": {
            "zh": "尚无管控图层：请管理员上传。",
            "en": "No control layer yet: an administrator uploads one.",
        },
        "controls.web.layer_name": {"zh": "名称", "en": "Name"},
        "controls.web.version": {"zh": "版本", "en": "Version"},
        "controls.web.zones": {"zh": "分区数", "en": "Zones"},
        "controls.web.types": {"zh": "分区类型", "en": "Zone types"},
        "controls.web.rules": {"zh": "规则表", "en": "Rules"},
        "controls.web.rules_shipped": {"zh": "随附规则表", "en": "shipped table"},
        "controls.web.rules_uploaded": {"zh": "随图层上传", "en": "uploaded with the layer"},
        "controls.web.uploaded": {"zh": "上传", "en": "Uploaded"},
        "controls.web.demo": {"zh": "示范数据", "en": "demonstration"},
        "controls.web.warnings": {"zh": "{n} 条提示", "en": "{n} warnings"},
        "controls.web.upload": {
            "zh": "上传管控图层（管理员）",
            "en": "Upload a control layer (administrators)",
        },
        "controls.web.upload_file": {
            "zh": "图层文件（GeoPackage，或矢量图层文件的 zip 压缩包）",
            "en": "Layer file (GeoPackage, or zipped shapefile)",
        },
        "controls.web.upload_name": {"zh": "图层名称", "en": "Layer name"},
        "controls.web.type_column": {"zh": "分区类型列（可不填）", "en": "Zone-type column (optional)"},
        "controls.web.zone_type": {
            "zh": "整层统一的分区类型（可不选）",
            "en": "One zone type for the layer (optional)",
        },
        "controls.web.rules_file": {
            "zh": "规则表 CSV（可不传，默认随附规则表）",
            "en": "Rules CSV (optional; default: the shipped table)",
        },
        "controls.web.demonstration": {"zh": "示范数据", "en": "Demonstration data"},
        "controls.web.upload_submit": {"zh": "上传", "en": "Upload"},
        "controls.web.stored": {
            "zh": "已保存：图层 {name} 第 {version} 版，{zones} 个分区。",
            "en": "Stored: layer {name} version {version}, {zones} zones.",
        },
        "controls.web.problems": {"zh": "未通过校验，未保存任何数据：", "en": "Refused; nothing was stored:"},
        "controls.web.problems_screening": {
            "zh": "用地范围未通过校验，未进行筛查：",
            "en": "The footprints were refused; nothing was screened:",
        },
        "controls.web.no_footprint": {
            "zh": "请选择 GeoJSON 文件或粘贴 GeoJSON。",
            "en": "Choose a GeoJSON file or paste GeoJSON.",
        },
        "controls.web.not_json": {
            "zh": "用地范围不是有效的 JSON：{error}",
            "en": "The footprint is not valid JSON: {error}",
        },
        "controls.web.mine": {"zh": "我的筛查", "en": "My screenings"},
        "controls.web.all": {"zh": "最近的筛查", "en": "Recent screenings"},
        "controls.web.none": {"zh": "暂无。", "en": "None yet."},
        "controls.web.when": {"zh": "时间（UTC）", "en": "Time (UTC)"},
        "controls.web.by": {"zh": "筛查人", "en": "By"},
        "controls.web.projects": {"zh": "项目数", "en": "Projects"},
        "controls.web.verdicts": {"zh": "结论", "en": "Verdicts"},
        "controls.web.open": {"zh": "查看", "en": "Open"},
        "controls.web.result": {"zh": "筛查结果", "en": "Screening result"},
        "controls.web.id": {"zh": "筛查编号", "en": "Screening id"},
        "controls.web.sha": {"zh": "输入的 SHA-256", "en": "SHA-256 of the inputs"},
        "controls.web.json": {"zh": "完整结果（JSON）", "en": "Whole result (JSON)"},
        "controls.web.back": {"zh": "返回筛查页面", "en": "Back to screening"},
        "controls.web.layers_used": {"zh": "筛查所用图层", "en": "Layers screened against"},
        "controls.web.account": {
            "zh": "{year} 年已发布核算（运行 {run}）",
            "en": "published account {year} (run {run})",
        },
        "controls.web.extra": {"zh": "其他结果", "en": "Further results"},
        "controls.web.redraw": {
            "zh": "本次筛查的结果页无法按当前版本重绘；完整结果见上方的 JSON 链接。",
            "en": "This screening's page cannot be drawn by the current version; the whole result is in the "
            "JSON linked above.",
        },
        "controls.web.hint": {
            "zh": "面要素按原样筛查；线要素（道路、管线）按缓冲距离、点要素按半径扩为面。"
            "要素属性可含以下字段：",
            "en": "Polygons are screened as drawn; lines (roads, pipelines) are buffered and points given a "
            "radius. Feature properties may hold:",
        },
        **{
            f"controls.web.verdict.{k}": {"zh": zh, "en": en}
            for k, (zh, en) in {
                "prohibited": ("涉及禁止类分区", "touches a prohibited zone"),
                "conditional": ("涉及有条件类分区", "touches a conditional zone"),
                "no_rule": ("涉及未录入规则的分区", "touches a zone without a recorded rule"),
                "clear": ("未涉及管控分区", "touches no control zone"),
            }.items()
        },
    }
)


def _state(request: Request):
    return platform(request)


def _t(request: Request):
    from ecoledger.platform.web import language

    return i18n.translator(language(request))


def page_context(request: Request, user) -> dict:
    """What ``controls.html`` shows: the layers, the caller's screenings, the published years."""
    from ecoledger.controls import api
    from ecoledger.controls.store import StoredScreening
    from ecoledger.platform import runs

    state = _state(request)
    years = runs.published_years(state.db)
    layers, recent = [], []
    if user is not None:
        with state.db.transaction(write=False) as s:
            layers = [api.layer_record(r) for r in api.current_layers(s)]
            query = select(StoredScreening).order_by(StoredScreening.id.desc()).limit(MAX_RECENT)
            if user.role not in ("reviewer", "administrator"):
                query = query.where(StoredScreening.created_by == user.username)
            recent = [
                {
                    "id": r.public_id,
                    "created_by": r.created_by,
                    "created_at": r.created_at,
                    "summary": r.result.get("summary") or {},
                    "year": r.year,
                }
                for r in s.execute(query).scalars()
            ]
    return {
        "years": years,
        "layers": layers,
        "recent": recent,
        "activities": [(code, activity_label(code, _lang(request))) for code in ACTIVITIES],
        "zone_types": [
            (code, names[0] if _lang(request) == "zh" else names[1]) for code, names in ZONE_TYPES.items()
        ],
        "problems": [],
        "form": {},
        "notice": None,
        "problems_head": None,
        "stored": None,
    }


def _lang(request: Request) -> str:
    from ecoledger.platform.web import language

    return language(request)


def _page(request: Request, user, status_code: int = 200, **extra):
    from ecoledger.platform.web import render

    return render(request, "controls.html", {**page_context(request, user), **extra}, status_code=status_code)


def _problems(problems: list[Problem], lang: str) -> list[dict]:

    shown = [p.as_dict(lang) for p in problems]
    for record in shown:  # `quoted` names (columns, values) as code, the rest escaped
        for key in ("message", "fix"):
            record[key] = Markup(re.sub(r"`([^`\n]*)`", r"<code>\1</code>", str(escape(record[key]))))
    return shown


@router.get("/controls", response_class=HTMLResponse)
@allow("anyone")
def controls_page(request: Request, user: UserDep):
    return _page(request, user)


def _footprints(file: UploadFile | None, text: str, t) -> dict:
    """The footprint GeoJSON of the form: the file if one was chosen, else the text."""
    raw = b""
    if file is not None and file.filename:
        raw = file.file.read(TEXT_LIMIT + 1)
    if not raw.strip():
        raw = text.encode("utf-8")
    if not raw.strip():
        raise PlatformError(t("controls.web.no_footprint"), t("controls.web.no_footprint"))
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        error = type(exc).__name__
        raise PlatformError(
            t("controls.web.not_json", error=error), t("controls.web.not_json", error=error)
        ) from None


def _number(value: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 < number <= 50_000 else None


@router.post("/controls/screenings", response_class=HTMLResponse)
@allow("logged-in", objects="runs")
def screen_page(
    request: Request,
    user: UserDep,
    footprints_file: Annotated[UploadFile | None, File()] = None,
    footprints_text: Annotated[str, Form(max_length=TEXT_LIMIT)] = "",
    activity: Annotated[str, Form(max_length=64)] = "",
    buffer_m: Annotated[str, Form(max_length=32)] = "",
    radius_m: Annotated[str, Form(max_length=32)] = "",
    year: Annotated[str, Form(max_length=8)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
):
    from ecoledger.controls import api

    check_csrf(request, csrf_token)
    user = require_login(user)
    lang = _lang(request)
    t = i18n.translator(lang)
    form = {
        "activity": activity,
        "buffer_m": buffer_m,
        "radius_m": radius_m,
        "year": year,
        "footprints_text": footprints_text[:20_000],
    }
    try:
        footprints = _footprints(footprints_file, footprints_text, t)
        inputs = {
            "footprints": footprints,
            "activity": activity if activity in ACTIVITIES else None,
            "buffer_m": _number(buffer_m),
            "radius_m": _number(radius_m),
            "year": int(year) if year.isdigit() else None,
            "layers": None,
        }
        row = api.run_screening(_state(request), user, inputs)
    except SubmissionError as exc:
        return _page(
            request,
            user,
            422,
            problems=_problems(list(exc.problems), lang),
            form=form,
            problems_head=t("controls.web.problems_screening"),
        )
    except PlatformError as exc:
        if exc.status in (401, 403):
            raise
        message = exc.message_zh if lang == "zh" else exc.message
        return _page(request, user, exc.status if exc.status != 400 else 422, notice=message, form=form)
    return RedirectResponse(f"/controls/screenings/{row.public_id}", status_code=303)


@router.post("/controls/layers", response_class=HTMLResponse)
@allow("administrator", refuses=(409,))
def upload_page(
    request: Request,
    user: UserDep,
    file: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=64)] = "",
    type_column: Annotated[str, Form(max_length=64)] = "",
    zone_type: Annotated[str, Form(max_length=64)] = "",
    rules: Annotated[UploadFile | None, File()] = None,
    demonstration: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
):
    """The layer upload of ``/api/v1/controls/layers`` from the page's form."""
    from ecoledger.controls import api

    check_csrf(request, csrf_token)
    actor = require_role(user, "administrator").username
    lang = _lang(request)
    t = i18n.translator(lang)
    if not re.match(api.LAYER_NAME, name or "") or (zone_type and zone_type not in ZONE_TYPES):
        message = t("controls.web.upload_name") + " · " + t("controls.web.zone_type")
        return _page(request, user, 422, notice=message)
    content = file.file.read(api._upload_limits().upload_bytes + 1) if file is not None else b""
    rules_content = (
        rules.file.read(api.RULES_LIMIT_BYTES + 1) if rules is not None and rules.filename else None
    )
    try:
        row = api.accept_layer(
            _state(request),
            actor,
            (file.filename if file else "") or "upload",
            content,
            name,
            type_column=type_column,
            zone_type=zone_type,
            rules_name=rules.filename if rules_content is not None else None,
            rules_content=rules_content,
            demonstration=demonstration,
            lang=lang,
        )
        stored = t("controls.web.stored", name=row.name, version=row.version, zones=row.zone_count)
    except SubmissionError as exc:
        return _page(
            request,
            user,
            422,
            problems=_problems(list(exc.problems), lang),
            problems_head=t("controls.web.problems"),
        )
    except PlatformError as exc:
        return _page(request, user, exc.status, notice=exc.message_zh if lang == "zh" else exc.message)
    return _page(request, user, 201, stored=stored)


@router.get("/controls/screenings/{screening_id}", response_class=HTMLResponse)
@allow("logged-in", objects="own")
def screening_page(request: Request, user: UserDep, screening_id: Annotated[str, Path(pattern=HEX64)]):
    from ecoledger.controls import api
    from ecoledger.platform.web import render

    user = require_login(user)
    lang = _lang(request)
    with _state(request).db.transaction(write=False) as s:
        row = api.own_screening(s, user, screening_id)
        layers = api.chosen_layers(s, row.layers)
        zone_set = api.zone_set_of(s, layers)
        used = [api.layer_record(x) for x in layers]
        record = {
            "id": row.public_id,
            "created_by": row.created_by,
            "created_at": row.created_at,
            "inputs_sha256": row.inputs_sha256,
            "year": row.year,
            "run_id": row.run_id,
        }
        result, inputs = row.result, row.inputs
    try:
        html = result_html(result, inputs, zone_set, lang, record)
    except (SubmissionError, KeyError, ValueError):  # stored by a version whose result this one cannot redraw
        log.exception("screening %s: the page cannot be drawn from its stored result", screening_id[:12])
        html = Markup('<p class="notice notice-warn">{}</p>').format(
            i18n.translator(lang)("controls.web.redraw")
        )
    return render(
        request, "controls_screening.html", {"record": record, "result_html": html, "layers_used": used}
    )


# --- the result, with the report's rendering ----------------------------------------------------------


def _frame(result: dict, key: str):
    import pandas as pd

    rows = result.get(key) or []
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=COLUMNS[key])
    for column in frame.columns:  # JSON's null is a missing number where the column holds numbers
        values = [v for v in frame[column] if v is not None]
        if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def screening_of(result: dict, inputs: dict, zone_set, accounts: str | None):
    """A ``screening.Screening`` rebuilt from a stored result, its inputs and the layers' zones."""
    from ecoledger.controls.screening import Screening, project_footprints, read_footprints_geojson

    footprints = project_footprints(
        read_footprints_geojson(inputs["footprints"]),
        buffer_m=inputs.get("buffer_m"),
        radius_m=inputs.get("radius_m"),
        activity=inputs.get("activity"),
        area_crs=zone_set.area_crs.crs,
        file="footprints.geojson",
    )
    summary = result.get("summary") or {}
    return Screening(
        _frame(result, "projects"),
        _frame(result, "overlaps"),
        _frame(result, "triggered"),
        _frame(result, "gep"),
        footprints,
        zone_set.zones,
        summary.get("area_crs") or zone_set.area_crs.crs,
        summary.get("status") or "provided",
        accounts,
        list(summary.get("notes") or []),
        **_settings_of(summary, Screening),
    )


def _settings_of(summary: dict, screening_class) -> dict:
    """The VEP rate and horizon and the habitat-quality raster the summary reports, as the
    ``Screening`` fields of those names (those the class has)."""
    fields = getattr(screening_class, "__dataclass_fields__", {})
    given = {
        "rate": summary.get("vep_rate"),
        "horizon": summary.get("vep_horizon_years"),
        "habitat_quality": summary.get("habitat_quality"),
    }
    return {k: v for k, v in given.items() if v is not None and k in fields}


def result_html(result: dict, inputs: dict, zone_set, lang: str, record: dict) -> Markup:
    """The report's page body (``controls/screening.html.j2``) of a stored screening, then any
    result keys the report does not know as plain tables."""
    from ecoledger.controls import report

    t = i18n.translator(lang)
    accounts = (
        t("controls.web.account", year=record["year"], run=record["run_id"])
        if record.get("year") is not None
        else None
    )
    screening = screening_of(result, inputs, zone_set, accounts)
    body = report.page_body(screening, lang, zone_set.problems)
    # the report's tables scroll in their box (pages.css's "scroll"; the platform's "table-scroll")
    body = body.replace(Markup('<div class="scroll">'), Markup('<div class="scroll table-scroll">'))
    extra = [_extra_table(key, value, t) for key, value in result.items() if key not in KNOWN_KEYS]
    return body + Markup("").join(x for x in extra if x)


def _extra_table(key: str, value, t) -> Markup | None:
    """A result key the report does not know: its records as a table (names and values as given)."""
    head = Markup("<h2>{} <code>{}</code></h2>").format(t("controls.web.extra"), key)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(v, dict) for v in value):
        return head + Markup('<p translate="no">{}</p>').format(json.dumps(value, ensure_ascii=False)[:2000])
    columns = list(dict.fromkeys(k for v in value for k in v))
    rows = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup("").join(Markup('<td translate="no">{}</td>').format(_cell(v.get(c))) for c in columns)
        )
        for v in value[:500]
    )
    header = Markup("").join(Markup("<th><code>{}</code></th>").format(c) for c in columns)
    return (
        Markup('<section class="extra-result" id="extra-{}">').format(key)
        + head
        + Markup(
            '<div class="table-scroll"><table class="data-table"><thead><tr>{}</tr></thead>'
            "<tbody>{}</tbody></table></div></section>"
        ).format(header, rows)
    )


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:300]
    return "" if value is None else str(value)
