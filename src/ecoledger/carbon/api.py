"""API routes (``/api/v1/carbon/...``) and pages (``/carbon...``) of `ecoledger.carbon` on the platform.

Reading is public (factor registry, dual-control path, claims, label verification, the
inclusion summary); a logged-in person records actions and sees their own ledger; reviewers and
administrators register claims and issue labels. Unsafe requests carry the CSRF token
(``X-CSRF-Token`` header for the API, ``csrf_token`` form field for pages).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from ecoledger.carbon import claims, footprint, forest, inclusion, inventory, label, records
from ecoledger.carbon.errors import CarbonError, LedgerRefused
from ecoledger.carbon.factors import default_registry
from ecoledger.carbon.store import CarbonLabel, CarbonLedgerEntry
from ecoledger.platform import i18n, queries, runs
from ecoledger.platform.deps import (
    CsrfHeader,
    UserDep,
    check_csrf,
    enforce_access,
    platform,
)
from ecoledger.platform.models import Submission, SubmissionRow
from ecoledger.platform.policy import NotFound, allow, require_login, require_role

router = APIRouter(dependencies=[Depends(enforce_access)])  # every route declares @allow(...)
MAX_EVIDENCE_BYTES = 2 * 1024 * 1024
MAX_SYSTEM_BYTES = 512 * 1024
PROVINCE = "360000"
FIRST_YEAR = 2019

i18n.register(
    {
        "carbon.title": {
            "zh": "双碳：碳排放双控、产品碳足迹、生态碳汇与碳普惠",
            "en": "Carbon: dual control, product footprints, sinks and carbon inclusion",
        },
        "carbon.dual_control": {
            "zh": "全省碳排放强度与“十四五”目标",
            "en": "Province carbon intensity against the 14th FYP target",
        },
        "carbon.year": {"zh": "年份", "en": "Year"},
        "carbon.co2": {"zh": "二氧化碳排放（万吨）", "en": "CO₂ (10⁴ t)"},
        "carbon.intensity": {"zh": "碳排放强度（吨/万元）", "en": "Intensity (t CO₂ per 10⁴ yuan)"},
        "carbon.index": {"zh": "强度指数（基年=1）", "en": "Intensity index (base year = 1)"},
        "carbon.target_index": {"zh": "目标路径指数", "en": "Target path index"},
        "carbon.status": {"zh": "数据状态", "en": "Data status"},
        "carbon.missing": {"zh": "缺失", "en": "missing"},
        "carbon.missing_note": {
            "zh": "缺失年份未填补：能源统计（分品种能源消费量）尚未报送。",
            "en": "Missing years are not filled: energy statistics (consumption by fuel) have "
            "not been reported.",
        },
        "carbon.target": {"zh": "目标", "en": "Target"},
        "carbon.inclusion": {"zh": "碳普惠", "en": "Carbon inclusion"},
        "carbon.accounts": {"zh": "账户数", "en": "Accounts"},
        "carbon.action": {"zh": "行为", "en": "Action"},
        "carbon.actions": {"zh": "次数", "en": "Actions"},
        "carbon.reduction_kg": {"zh": "减排量（千克）", "en": "Reduction (kg CO₂)"},
        "carbon.points": {"zh": "积分", "en": "Points"},
        "carbon.labels": {"zh": "碳标签", "en": "Carbon labels"},
        "carbon.kind": {"zh": "类型", "en": "Kind"},
        "carbon.confidence": {"zh": "可信度", "en": "Confidence"},
        "carbon.unit": {"zh": "单位", "en": "Unit"},
        "carbon.field": {"zh": "字段", "en": "Field"},
        "carbon.hash": {"zh": "哈希", "en": "Hash"},
        "carbon.kind.earn": {"zh": "获得", "en": "earn"},
        "carbon.kind.redeem": {"zh": "兑换", "en": "redeem"},
        "carbon.kind.expire": {"zh": "过期", "en": "expire"},
        "carbon.kind.reverse": {"zh": "冲正", "en": "reverse"},
        "carbon.unit.person-km": {"zh": "人·公里", "en": "person-km"},
        "carbon.confidence.verified": {"zh": "已核实", "en": "verified"},
        "carbon.confidence.memory": {"zh": "凭记忆（待核实）", "en": "from memory (to verify)"},
        "carbon.confidence.secondary": {"zh": "二手来源", "en": "secondary source"},
        "carbon.confidence.policy": {"zh": "政策设定", "en": "policy setting"},
        "carbon.field.boundary": {"zh": "系统边界", "en": "boundary"},
        "carbon.field.declared_unit": {"zh": "声明单位", "en": "declared unit"},
        "carbon.field.gwp": {"zh": "全球增温潜势", "en": "GWP"},
        "carbon.field.illustrative": {"zh": "示例", "en": "illustrative"},
        "carbon.field.issued": {"zh": "签发日期", "en": "issued"},
        "carbon.field.label_id": {"zh": "标签编号", "en": "label id"},
        "carbon.field.product": {"zh": "产品", "en": "product"},
        "carbon.field.registry_version": {"zh": "因子库版本", "en": "factor registry version"},
        "carbon.field.valid_until": {"zh": "有效期至", "en": "valid until"},
        "carbon.field.verifier": {"zh": "核查机构", "en": "verifier"},
        "carbon.field.total_kg_co2e": {"zh": "碳足迹（kg CO₂e）", "en": "footprint (kg CO₂e)"},
        "carbon.field.stages": {"zh": "各阶段", "en": "stages"},
        "carbon.yes": {"zh": "是", "en": "yes"},
        "carbon.no": {"zh": "否", "en": "no"},
        "carbon.claims": {"zh": "减排量与碳汇声明（防重复计算）", "en": "Claims (no tonne counted twice)"},
        "carbon.my_account": {"zh": "我的碳普惠账户", "en": "My carbon-inclusion account"},
        "carbon.balance": {"zh": "可用积分", "en": "Balance"},
        "carbon.chain_ok": {"zh": "账本哈希链校验通过", "en": "Ledger hash chain verified"},
        "carbon.chain_bad": {
            "zh": "账本被篡改：第 {seq} 条 {reason}",
            "en": "Ledger tampered: entry {seq} {reason}",
        },
        "carbon.record": {"zh": "记录低碳行为", "en": "Record a low-carbon action"},
        "carbon.activity": {"zh": "活动量", "en": "Activity"},
        "carbon.day": {"zh": "日期", "en": "Day"},
        "carbon.evidence": {"zh": "凭证文件", "en": "Evidence file"},
        "carbon.submit": {"zh": "提交", "en": "Submit"},
        "carbon.redeem": {"zh": "兑换积分", "en": "Redeem points"},
        "carbon.label_valid": {"zh": "标签有效：记录与签发时一致。", "en": "Valid: the record is as issued."},
        "carbon.label_invalid": {"zh": "标签无效", "en": "Not valid"},
        "carbon.factors": {"zh": "因子库", "en": "Factor registry"},
        "carbon.product_system": {"zh": "产品系统文件（JSON）", "en": "Product system file (JSON)"},
        "carbon.label_id": {"zh": "标签编号", "en": "Label id"},
        "carbon.verifier": {"zh": "核查机构", "en": "Verifier"},
        "carbon.issue": {"zh": "计算并签发碳标签", "en": "Compute and issue the label"},
        "carbon.factors_note": {
            "zh": "共 {count} 个因子，其中 {memory} 个为待核实的记忆值。",
            "en": "{count} factors; {memory} are unverified placeholders (memory).",
        },
    }
)


def _read_limited(upload: UploadFile, limit: int, field: str) -> bytes:
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        raise LedgerRefused(
            f"{field}: {upload.filename} is larger than {limit // 1024} KiB → fix: send a smaller file"
        )
    return content


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _statistics(request: Request):
    """The pack's statistics and accepted submissions, in the inventory's table."""
    import pandas as pd

    settings = platform(request).settings
    frames = []
    if settings.pack is not None and (settings.pack / "statistics.csv").exists():
        frames.append(inventory.read_statistics(settings.pack / "statistics.csv"))
    with platform(request).db.transaction(write=False) as s:
        rows = (
            s.execute(
                select(SubmissionRow)
                .join(Submission, Submission.id == SubmissionRow.submission_id)
                .where(Submission.status == "accepted")
            )
            .scalars()
            .all()
        )
        frames.append(inventory.from_store_rows(rows))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else inventory.from_store_rows([])


def _province(db) -> str:
    """The platform's province (the pack's), Jiangxi when the store has no units yet."""
    provinces = queries.units(db, level="province")
    return provinces[0].code if provinces else PROVINCE


def _dual_control(request: Request, code: str) -> dict:
    table = _statistics(request)
    last = _today().year - 1
    return inventory.dual_control(table, default_registry(), code, list(range(FIRST_YEAR, last + 1)))


# --- API -------------------------------------------------------------------------------------


@router.get("/api/v1/carbon/factors", summary="The carbon factor registry, with sources and confidence")
@allow("anyone")
def factors() -> dict:
    registry = default_registry()
    return {"version": registry.version, "factors": [vars(f) for f in registry.factors.values()]}


@router.get("/api/v1/carbon/dual-control", summary="CO₂, intensity and target path of a unit")
@allow("anyone")
def dual_control(
    request: Request, code: Annotated[str, Query(max_length=12, pattern=r"^\d+$")] = PROVINCE
) -> dict:
    return _dual_control(request, code)


class ProductSystem(BaseModel):
    product: str = Field(max_length=200)
    declared_unit: str = Field(max_length=200)
    reference: str = Field(max_length=64)
    processes: list[dict] = Field(max_length=200)
    boundary: str = Field("", max_length=500)
    illustrative: bool = False
    gwp_set: Literal["AR6", "AR5"] = "AR6"
    amount: float = Field(1.0, gt=0, le=1e12)


@router.post("/api/v1/carbon/footprint", summary="Compute a product carbon footprint (logged in)")
@allow("logged-in")
def compute_footprint(
    request: Request, system: ProductSystem, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    check_csrf(request, x_csrf_token)
    require_login(user)
    return footprint.compute(system.model_dump(), default_registry())


class LabelRequest(BaseModel):
    label_id: str = Field(max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    system: ProductSystem
    valid_years: int = Field(3, ge=1, le=10)
    verifier: str = Field(max_length=200)


@router.post(
    "/api/v1/carbon/labels", status_code=201, summary="Issue a carbon label (reviewers, administrators)"
)
@allow("staff")
def issue_label(request: Request, body: LabelRequest, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    actor = require_role(user, "reviewer", "administrator")
    result = footprint.compute(body.system.model_dump(), default_registry())
    record = label.make_record(result, body.label_id, _today(), body.valid_years, body.verifier)
    return records.issue_label(platform(request).db, actor.username, record, result)


@router.get("/api/v1/carbon/labels/{label_id}", summary="Verify a carbon label (public)")
@allow("anyone", objects="public-id")
def verify_label(
    request: Request, label_id: str, code: Annotated[str | None, Query(max_length=64)] = None
) -> dict:
    found = records.verify_label(platform(request).db, label_id, code)
    if found is None:
        raise NotFound(f"no carbon label {label_id} was issued", f"未签发碳标签 {label_id}")
    return found


def _gep_forest(db, user, county: str) -> dict | None:
    """The county's forest carbon sequestration (固碳) in the latest published GEP account, if any."""
    years = runs.published_years(db)
    if not years:
        return None
    _, rows = queries.account_rows(
        db, user, year=years[-1], unit_code=county, item="carbon_sequestration", ecosystem="forest"
    )
    if not rows or rows[0]["physical_value"] is None:
        return None
    r = rows[0]
    return {
        "adcode": county,
        "name": r["name"],
        "year": r["year"],
        "t_co2": r["physical_value"],
        "value_yuan": r["value_yuan"],
        "run": r["run"],
    }


@router.post(
    "/api/v1/carbon/sinks", summary="Creditable removals of a forest sink project, with its GEP share"
)
@allow("logged-in", objects="runs")
def sink_project(request: Request, project: dict, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    require_login(user)
    parsed = forest.project_from_dict(project)
    result = parsed.result(default_registry())
    result["gep_link"] = forest.gep_link(result, _gep_forest(platform(request).db, user, parsed.county))
    return result


@router.get("/api/v1/carbon/inclusion/summary", summary="Carbon inclusion totals (public)")
@allow("anyone")
def inclusion_summary(request: Request) -> dict:
    return records.public_summary(platform(request).db)


@router.get("/api/v1/carbon/inclusion/me", summary="My balance and ledger")
@allow("logged-in", objects="own")
def my_account(request: Request, user: UserDep) -> dict:
    return records.account_view(platform(request).db, require_login(user).username, _today())


@router.post("/api/v1/carbon/inclusion/actions", status_code=201, summary="Record a low-carbon action")
@allow("logged-in", objects="own")
def record_action(
    request: Request,
    user: UserDep,
    action: Annotated[str, Form(max_length=32)],
    activity: Annotated[float, Form()],
    evidence: Annotated[UploadFile, File()],
    day: Annotated[dt.date | None, Form()] = None,
    x_csrf_token: CsrfHeader = None,
) -> dict:
    check_csrf(request, x_csrf_token)
    person = require_login(user)
    return records.record_action(
        platform(request).db,
        person.username,
        person.username,
        action,
        activity,
        _read_limited(evidence, MAX_EVIDENCE_BYTES, "evidence"),
        day or _today(),
        default_registry(),
    )


class Redemption(BaseModel):
    points: int = Field(ge=1, le=10_000_000)
    what: str = Field("", max_length=200)


@router.post("/api/v1/carbon/inclusion/redeem", summary="Redeem points")
@allow("logged-in", objects="own")
def redeem(request: Request, body: Redemption, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    person = require_login(user)
    return records.redeem(
        platform(request).db, person.username, person.username, body.points, _today(), body.what
    )


@router.post(
    "/api/v1/carbon/inclusion/expire", summary="Write off expired points of every account (administrators)"
)
@allow("administrator")
def expire_points(request: Request, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    actor = require_role(user, "administrator")
    db = platform(request).db
    with db.transaction(write=False) as s:
        accounts = s.execute(select(CarbonLedgerEntry.account).distinct()).scalars().all()
    written = {a: e["points"] for a in accounts if (e := records.expire(db, actor.username, a, _today()))}
    return {"expired": written}


@router.get("/api/v1/carbon/claims", summary="Claims on tonnes across the carbon modules (public)")
@allow("anyone")
def list_claims(request: Request) -> list[dict]:
    return records.list_claims(platform(request).db)


class ClaimBody(BaseModel):
    scope: str = Field(max_length=16)
    holder: str = Field(max_length=100)
    asset: str = Field(max_length=200)
    year_from: int = Field(ge=1990, le=2200)
    year_to: int = Field(ge=1990, le=2200)
    tonnes: float = Field(ge=0)
    source_module: str = Field(max_length=64)
    note: str = Field("", max_length=500)


@router.post("/api/v1/carbon/claims", status_code=201, summary="Register a claim (reviewers, administrators)")
@allow("staff")
def add_claim(request: Request, body: ClaimBody, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    check_csrf(request, x_csrf_token)
    actor = require_role(user, "reviewer", "administrator")
    return records.add_claim(platform(request).db, actor.username, claims.Claim(**body.model_dump()))


# --- pages -----------------------------------------------------------------------------------


@router.get("/carbon", response_class=HTMLResponse, include_in_schema=False)
@allow("anyone")
def carbon_page(request: Request):
    from ecoledger.platform.web import render

    registry = default_registry()
    db = platform(request).db
    with db.transaction(write=False) as s:
        labels = [
            {
                "label_id": r.label_id,
                "product": r.record["product"],
                "total": r.record["total_kg_co2e"],
                "unit": r.record["declared_unit"],
                "code": r.record_sha256[: label.CODE_DIGITS],
            }
            for r in s.execute(select(CarbonLabel).order_by(CarbonLabel.issued_at)).scalars()
        ]
    return render(
        request,
        "carbon_index.html",
        {
            "control": _dual_control(request, _province(db)),
            "summary": records.public_summary(db),
            "labels": labels,
            "claims": records.list_claims(db),
            "factor_count": len(registry.factors),
            "memory_count": sum(f.confidence == "memory" for f in registry.factors.values()),
            "registry_version": registry.version,
        },
    )


@router.get("/carbon/labels/{label_id}.png", include_in_schema=False)
@allow("anyone", objects="public-id")
def label_png(request: Request, label_id: str) -> Response:
    """The label image, drawn from the stored record (its QR code carries the verification address)."""
    found = records.verify_label(platform(request).db, label_id, None)
    if found is None or not found["valid"]:
        raise NotFound(f"no valid carbon label {label_id}", f"无有效碳标签 {label_id}")
    with tempfile.TemporaryDirectory() as folder:
        label.write_label(found["record"], Path(folder), str(request.base_url))
        return Response((Path(folder) / "label.png").read_bytes(), media_type="image/png")


@router.get("/carbon/labels/{label_id}", response_class=HTMLResponse, include_in_schema=False)
@allow("anyone", objects="public-id")
def label_page(request: Request, label_id: str, code: Annotated[str | None, Query(max_length=64)] = None):
    from ecoledger.platform.web import render

    found = records.verify_label(platform(request).db, label_id, code)
    if found is None:
        raise NotFound(f"no carbon label {label_id} was issued", f"未签发碳标签 {label_id}")
    return render(request, "carbon_label.html", {"found": found})


@router.post("/carbon/labels", include_in_schema=False)
@allow("staff")
def issue_label_form(
    request: Request,
    user: UserDep,
    system: Annotated[UploadFile, File()],
    label_id: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9-]+$")],
    verifier: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
):
    """Issue a label from an uploaded product-system JSON file (reviewers, administrators)."""
    check_csrf(request, csrf_token)
    actor = require_role(user, "reviewer", "administrator")
    try:
        parsed = json.loads(_read_limited(system, MAX_SYSTEM_BYTES, "product system"))
    except ValueError as exc:
        raise CarbonError(
            f"{system.filename}: not JSON ({exc}) → fix: follow examples/carbon/product_system.json"
        ) from None
    if not isinstance(parsed, dict):
        raise CarbonError(
            f"{system.filename}: not a product system → fix: follow examples/carbon/product_system.json"
        )
    footprint.check_product_system(parsed, system.filename or "upload")
    result = footprint.compute(parsed, default_registry())
    record = label.make_record(result, label_id, _today(), 3, verifier)
    issued = records.issue_label(platform(request).db, actor.username, record, result)
    return RedirectResponse(issued["verification_url"], status_code=303)


@router.get("/carbon/inclusion", response_class=HTMLResponse, include_in_schema=False)
@allow("logged-in", objects="own")
def inclusion_page(request: Request, user: UserDep):
    from ecoledger.platform.web import render

    person = require_login(user)
    return render(
        request,
        "carbon_inclusion.html",
        {
            "account": records.account_view(platform(request).db, person.username, _today()),
            "methods": inclusion.methods(),
            "today": _today().isoformat(),
        },
    )


@router.post("/carbon/inclusion/actions", include_in_schema=False)
@allow("logged-in", objects="own")
def inclusion_form(
    request: Request,
    user: UserDep,
    action: Annotated[str, Form(max_length=32)],
    activity: Annotated[float, Form()],
    evidence: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    day: Annotated[dt.date | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    person = require_login(user)
    records.record_action(
        platform(request).db,
        person.username,
        person.username,
        action,
        activity,
        _read_limited(evidence, MAX_EVIDENCE_BYTES, "evidence"),
        day or _today(),
        default_registry(),
    )
    return RedirectResponse("/carbon/inclusion", status_code=303)


@router.post("/carbon/inclusion/redeem", include_in_schema=False)
@allow("logged-in", objects="own")
def redeem_form(
    request: Request,
    user: UserDep,
    points: Annotated[int, Form(ge=1, le=10_000_000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
):
    check_csrf(request, csrf_token)
    person = require_login(user)
    records.redeem(platform(request).db, person.username, person.username, points, _today(), "page")
    return RedirectResponse("/carbon/inclusion", status_code=303)
