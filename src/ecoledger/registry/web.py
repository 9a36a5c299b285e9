"""The registry's pages on the platform: ``/registry`` (the register, the market, pledged value per
county, whether the ledger verifies) and ``/registry/rights/{code}`` (one right or package: its
boundary, ledger entries, valuations, pledges and trades), in Chinese (default) and English.

Who sees what follows the API (``registry.api``): the listings, the pledged-value register and the
ledger's verification are public; the rights register and a right's page need a login; a right's
ledger entries and pledges are for reviewers and administrators. The boundary is drawn as an inline
SVG on the server (no script, no tiles): longitude and latitude scaled by cos(latitude).
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from ecoledger.platform import i18n
from ecoledger.platform.deps import UserDep, enforce_access, platform
from ecoledger.platform.models import Unit
from ecoledger.platform.policy import allow, is_staff
from ecoledger.registry import bank, finance, ledger
from ecoledger.registry.store import (
    RIGHT_TYPES,
    STATES,
    RegistryPledge,
    RegistryRight,
    RegistryTrade,
    RegistryValuation,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(enforce_access)])
SERIAL = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
MAX_RIGHTS = 500  # rights shown on /registry (the API pages through all)

TYPE_NAMES = {
    "forest": ("森林", "forest"),
    "water": ("水流", "water"),
    "wetland": ("湿地", "wetland"),
    "farmland": ("耕地", "farmland"),
    "grassland": ("草原", "grassland"),
    "carbon_sink": ("碳汇", "carbon sink"),
    "emission": ("排污权", "emission right"),
    "energy_use": ("用能权", "energy-use right"),
    "water_use": ("用水权", "water-use right"),
    "package": ("资源包", "package"),
}
STATE_EN = {s: s for s in STATES}
ACTION_NAMES = {
    "register": ("登记", "registered"),
    "value": ("估值", "valued"),
    "pledge": ("质押", "pledged"),
    "release": ("解押", "released"),
    "deposit": ("存入", "deposited"),
    "package": ("打包", "packaged"),
    "list": ("挂牌", "listed"),
    "delist": ("摘牌", "delisted"),
    "bid": ("出价", "bid"),
    "trade": ("成交", "traded"),
    "unsold": ("流拍", "unsold"),
    "settle": ("结算", "settled"),
    "retire": ("注销", "retired"),
}
i18n.register(
    {
        "nav.registry": {"zh": "登记与交易", "en": "Registry"},
        **{f"registry.page.type.{k}": {"zh": zh, "en": en} for k, (zh, en) in TYPE_NAMES.items()},
        **{f"registry.page.state.{k}": {"zh": ledger.STATE_ZH[k], "en": STATE_EN[k]} for k in STATES},
        **{f"registry.page.action.{k}": {"zh": zh, "en": en} for k, (zh, en) in ACTION_NAMES.items()},
        "registry.page.title": {
            "zh": "自然资源确权登记与两山交易",
            "en": "Natural-resource rights and trading",
        },
        "registry.page.lede": {
            "zh": "登记簿中的每项权利、估值、质押、挂牌和成交都记入一条哈希链账本。",
            "en": "Every right, valuation, pledge, listing and trade of the register is an entry of one "
            "hash-chained ledger.",
        },
        "registry.page.ledger": {"zh": "账本校验", "en": "Ledger verification"},
        "registry.page.ledger_ok": {
            "zh": "校验通过：{entries} 条记录，哈希链完整",
            "en": "Verified: {entries} entries, the hash chain is intact",
        },
        "registry.page.ledger_bad": {
            "zh": "校验未通过：第 {seq} 条{reason}",
            "en": "Does not verify: entry {seq} {reason}",
        },
        "registry.page.entries": {"zh": "账本记录", "en": "Ledger entries"},
        "registry.page.rights": {"zh": "权利登记簿", "en": "Rights register"},
        "registry.page.rights_login": {
            "zh": "登录后可查看权利登记簿。",
            "en": "Log in to see the rights register.",
        },
        "registry.page.rights_count": {
            "zh": "共 {count} 项（最多显示 {shown} 项）",
            "en": "{count} in all (at most {shown} shown)",
        },
        "registry.page.serial": {"zh": "编号", "en": "Serial"},
        "registry.page.type": {"zh": "类型", "en": "Type"},
        "registry.page.owner": {"zh": "权利人", "en": "Holder"},
        "registry.page.county": {"zh": "县（市、区）", "en": "County"},
        "registry.page.area": {"zh": "面积（km²）", "en": "Area (km²)"},
        "registry.page.state": {"zh": "状态", "en": "State"},
        "registry.page.demo": {"zh": "示范数据", "en": "demonstration"},
        "registry.page.listings": {"zh": "挂牌", "en": "Listings"},
        "registry.page.mode": {"zh": "方式", "en": "Mode"},
        "registry.page.mode.fixed": {"zh": "协议挂牌", "en": "fixed price"},
        "registry.page.mode.auction": {"zh": "竞价", "en": "auction"},
        "registry.page.price": {"zh": "价格（元）", "en": "Price (yuan)"},
        "registry.page.closes": {"zh": "截止（UTC）", "en": "Closes (UTC)"},
        "registry.page.bids": {"zh": "出价数", "en": "Bids"},
        "registry.page.pledged": {"zh": "各县质押登记", "en": "Pledged value per county"},
        "registry.page.pledges_n": {"zh": "质押笔数", "en": "Pledges"},
        "registry.page.valued": {"zh": "质押物估值（元）", "en": "Valued amount pledged (yuan)"},
        "registry.page.loans": {"zh": "贷款（元）", "en": "Loans (yuan)"},
        "registry.page.right": {"zh": "权利", "en": "Right"},
        "registry.page.boundary": {"zh": "边界", "en": "Boundary"},
        "registry.page.no_boundary": {"zh": "配额类权利没有边界。", "en": "A quota has no boundary."},
        "registry.page.map_note": {
            "zh": "经纬度（WGS 84），按纬度余弦缩放；东经 {west}°–{east}°，北纬 {south}°–{north}°",
            "en": "Longitude and latitude (WGS 84), scaled by the cosine of latitude; "
            "{west}°–{east}° E, {south}°–{north}° N",
        },
        "registry.page.valuations": {"zh": "估值", "en": "Valuations"},
        "registry.page.value": {"zh": "现值（元）", "en": "Present value (yuan)"},
        "registry.page.interval": {"zh": "90% 区间（元）", "en": "90 % interval (yuan)"},
        "registry.page.valued_on": {"zh": "估值日期", "en": "Valued on"},
        "registry.page.certificate": {"zh": "证书 SHA-256", "en": "Certificate SHA-256"},
        "registry.page.pledges": {"zh": "质押", "en": "Pledges"},
        "registry.page.bank": {"zh": "银行", "en": "Bank"},
        "registry.page.loan": {"zh": "贷款（元）", "en": "Loan (yuan)"},
        "registry.page.ltv": {"zh": "抵质押率上限", "en": "Loan-to-value limit"},
        "registry.page.term": {"zh": "期限", "en": "Term"},
        "registry.page.released": {"zh": "解押日期", "en": "Released on"},
        "registry.page.trades": {"zh": "成交", "en": "Trades"},
        "registry.page.buyer": {"zh": "买方", "en": "Buyer"},
        "registry.page.seller": {"zh": "卖方", "en": "Seller"},
        "registry.page.at": {"zh": "时间（UTC）", "en": "Time (UTC)"},
        "registry.page.seq": {"zh": "序号", "en": "No."},
        "registry.page.actor": {"zh": "操作人", "en": "By"},
        "registry.page.action": {"zh": "操作", "en": "Action"},
        "registry.page.hash": {"zh": "哈希", "en": "Hash"},
        "registry.page.staff_only": {
            "zh": "账本记录和质押仅对审核员和管理员显示。",
            "en": "Ledger entries and pledges are shown to reviewers and administrators.",
        },
        "registry.page.members": {"zh": "包内权利", "en": "Rights in the package"},
        "registry.page.package": {"zh": "所属资源包", "en": "In package"},
        "registry.page.registered": {"zh": "登记", "en": "Registered"},
        "registry.page.none": {"zh": "无", "en": "none"},
        "registry.page.months": {"zh": "{n} 个月", "en": "{n} months"},
        "registry.page.back": {"zh": "返回登记簿", "en": "Back to the register"},
        "registry.page.trace": {
            "zh": "产品追溯：在 /trace/追溯码 查询批次",
            "en": "Product tracing: look a batch up at /trace/<code>",
        },
    }
)


def _county_names(session) -> dict[str, tuple[str, str]]:
    return {u.code: (u.name_zh, u.name_en) for u in session.execute(select(Unit)).scalars()}


def boundary_svg(geometry, width: int = 640, height: int = 360) -> dict | None:
    """An SVG path of a lon/lat (Multi)Polygon, x scaled by cos(mid-latitude), fitted to the box."""
    if geometry is None or geometry.is_empty:
        return None
    west, south, east, north = geometry.bounds
    k = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * k, 1e-9), max(north - south, 1e-9)
    scale = min((width - 20) / span_x, (height - 20) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def ring(coords) -> str:
        points = [
            f"{off_x + (x - west) * k * scale:.1f},{off_y + (north - y) * scale:.1f}" for x, y, *_ in coords
        ]
        return "M" + " L".join(points) + " Z"

    polygons = list(geometry.geoms) if geometry.geom_type == "MultiPolygon" else [geometry]
    path = " ".join(ring(r.coords) for p in polygons for r in (p.exterior, *p.interiors))
    return {
        "path": path,
        "width": width,
        "height": height,
        "bounds": {
            "west": f"{west:.4f}",
            "east": f"{east:.4f}",
            "south": f"{south:.4f}",
            "north": f"{north:.4f}",
        },
    }


@router.get("/registry", response_class=HTMLResponse)
@allow("anyone")
def registry_page(request: Request, user: UserDep):
    from ecoledger.platform.web import render

    with platform(request).db.transaction(write=False) as s:
        verification = ledger.verify(s)
        rights, count = [], 0
        if user is not None:
            count = s.execute(select(func.count()).select_from(RegistryRight)).scalar_one()
            rows = s.execute(select(RegistryRight).order_by(RegistryRight.serial).limit(MAX_RIGHTS)).scalars()
            rights = [
                {
                    c: getattr(r, c)
                    for c in (
                        "serial",
                        "kind",
                        "type",
                        "name",
                        "owner",
                        "county",
                        "area_km2",
                        "state",
                        "demonstration",
                    )
                }
                for r in rows
            ]
        listings = bank.listings(s, "open")
        pledged = finance.pledged_by_county(s)
        names = _county_names(s)
    return render(
        request,
        "registry.html",
        {
            "verification": verification,
            "rights": rights,
            "count": count,
            "shown": MAX_RIGHTS,
            "listings": listings,
            "pledged": pledged,
            "names": names,
            "types": RIGHT_TYPES,
        },
    )


@router.get("/registry/rights/{serial}", response_class=HTMLResponse)
@allow("logged-in")
def right_page(request: Request, serial: Annotated[str, Path(max_length=64, pattern=SERIAL)], user: UserDep):
    code = serial
    from ecoledger.platform.web import render

    staff = is_staff(user)
    with platform(request).db.transaction(write=False) as s:
        right = ledger.lock(s, code, for_update=False)
        found = ledger.describe(s, right)
        svg = boundary_svg(ledger.boundary_of(right))
        valuations = [
            {
                c: getattr(v, c)
                for c in ("certificate_sha256", "value_yuan", "p05_yuan", "p95_yuan", "valued_on")
            }
            for v in s.execute(
                select(RegistryValuation)
                .where(RegistryValuation.right_id == right.id)
                .order_by(RegistryValuation.id)
            ).scalars()
        ]
        pledges = (
            [
                finance.pledge_record(p, code)
                for p in s.execute(
                    select(RegistryPledge)
                    .where(RegistryPledge.right_id == right.id)
                    .order_by(RegistryPledge.id)
                ).scalars()
            ]
            if staff
            else []
        )
        trades = [
            bank.trade_record(t, code)
            for t in s.execute(
                select(RegistryTrade).where(RegistryTrade.right_id == right.id).order_by(RegistryTrade.id)
            ).scalars()
        ]
        entries = ledger.entries(s, ledger.object_name(right), 0, 1000) if staff else []
        names = _county_names(s)
    return render(
        request,
        "registry_right.html",
        {
            "right": found,
            "svg": svg,
            "valuations": valuations,
            "pledges": pledges,
            "trades": trades,
            "entries": entries,
            "staff": staff,
            "names": names,
        },
    )
