"""The registry's state machine and its append-only, hash-chained ledger.

States of a right (or a package of rights) and the actions that move it::

    register → registered ─value→ valued ─pledge→ pledged ─release→ valued
                                   valued ─list→ listed ─trade→ traded ─(value, pledge, list)→ …
                                           listed ─delist / unsold→ valued (registered without a valuation)
    registered | valued | traded ─retire→ retired (final)
    registered | valued | traded ─package→ packaged (moves with its package; nothing else)

A quota (emission, energy-use, water-use right) has no boundary and so no VEP valuation: it may
be listed from ``registered``. A pledge needs a valuation (``finance``); a ``traded`` right is
pledged or listed again on the valuation it has. Retiring a package retires its rights.

Every transition is one ``transition`` call: the right's row is locked (``SELECT … FOR UPDATE``
on PostgreSQL), the state is changed by a conditional ``UPDATE … WHERE state IN (…)`` whose row
count is checked (a concurrent change makes it 0: refused, nothing written), and a ledger entry
and an audit entry are appended in the same transaction.

The ledger, like ``ecoledger.platform.audit``: entry ``seq`` has ``hash`` = HMAC-SHA256, under
the platform's audit key (kept outside the database), of the previous entry's hash and the
entry's canonical JSON (seq, at, actor, action, object, payload; keys sorted, no spaces, UTF-8).
Appends lock the single head row, so concurrent writers extend one chain. The database refuses
UPDATE and DELETE of entries (triggers of the migration). Each entry's audit entry records its
sequence number and hash, so the audit log's chain and its checkpoints outside the database
also hold the registry's. ``verify`` walks the chain and names the first entry that does not fit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ecoledger import messages
from ecoledger.platform import audit
from ecoledger.platform.models import AuditEntry, Unit, utcnow
from ecoledger.platform.policy import Conflict, NotFound, PlatformError
from ecoledger.registry.store import (
    PACKAGE,
    QUOTA_TYPES,
    RIGHT_TYPES,
    SPATIAL_TYPES,
    RegistryLedgerEntry,
    RegistryLedgerHead,
    RegistryRight,
    RegistryValuation,
)

GENESIS = "0" * 64
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
ADCODE = re.compile(r"^\d{6}$")
TRIGGER_MESSAGE = "registry_ledger is append-only: entries are never changed or deleted"

# action → the states it may start from (``list`` also from registered for a quota)
FROM = {
    "value": ("registered", "valued", "traded"),
    "pledge": ("valued", "traded"),
    "release": ("pledged",),
    "list": ("valued", "traded"),
    "delist": ("listed",),
    "unsold": ("listed",),
    "trade": ("listed",),
    "retire": ("registered", "valued", "traded"),
    "package": ("registered", "valued", "traded"),
}
TO = {
    "value": "valued",
    "pledge": "pledged",
    "list": "listed",
    "trade": "traded",
    "retire": "retired",
    "package": "packaged",
}  # release, delist, unsold: back to valued (registered if never valued)


# --- refusals: a message in English and in Chinese, and the HTTP status the platform answers ---------


class RegistryRefused(PlatformError):
    """An input the registry refuses (400)."""


class RegistryConflict(Conflict):
    """A change the right's state (or a concurrent change) does not allow (409)."""


class RegistryNotFound(NotFound):
    """No such right, package, listing or trade (404)."""


STATE_ZH = {
    "registered": "已登记",
    "valued": "已估值",
    "pledged": "已质押",
    "listed": "挂牌中",
    "traded": "已成交",
    "retired": "已注销",
    "packaged": "已打包",
}
ACTION_ZH = {
    "value": "估值",
    "pledge": "质押",
    "release": "解押",
    "list": "挂牌",
    "delist": "摘牌",
    "unsold": "流拍",
    "trade": "成交",
    "retire": "注销",
    "package": "打包",
}


def _states(states, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(STATE_ZH[s] if lang == "zh" else s for s in states)


# --- hashing -----------------------------------------------------------------------------------------


def canonical(seq: int, at: str, actor: str, action: str, obj: str, payload: dict) -> str:
    return json.dumps(
        {"seq": seq, "at": at, "actor": actor, "action": action, "object": obj, "payload": payload},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def entry_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, obj: str, payload: dict, key: bytes | None
) -> str:
    """HMAC-SHA256 under ``key`` of the previous hash and the canonical entry (SHA-256 without a key)."""
    message = (prev_hash + canonical(seq, at, actor, action, obj, payload)).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _digest(entry: RegistryLedgerEntry, prev: str, key: bytes | None) -> str:
    return entry_hash(prev, entry.seq, entry.at, entry.actor, entry.action, entry.object, entry.payload, key)


def object_name(right: RegistryRight) -> str:
    return f"{right.kind}:{right.serial}"


def append(
    session: Session, actor: str, action: str, right: RegistryRight, payload: dict | None = None
) -> RegistryLedgerEntry:
    """Append one ledger entry (and its audit entry) inside the caller's transaction."""
    key = audit.config_for(session).key
    head = session.execute(
        select(RegistryLedgerHead).where(RegistryLedgerHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:  # the migration makes it; a store whose row was removed is not written to
        raise RegistryConflict(
            "the registry ledger has no head row: the store was altered; run `ecoledger registry verify`",
            "登记簿账本缺少链头记录：数据库已被改动；请运行 `ecoledger registry verify`",
        )
    payload = json.loads(json.dumps(payload or {}, default=str))  # what is stored is what is hashed
    seq, at, obj = head.seq + 1, utcnow().isoformat(timespec="microseconds"), object_name(right)
    digest = entry_hash(head.hash, seq, at, actor, action, obj, payload, key)
    entry = RegistryLedgerEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        object=obj,
        payload=payload,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    audit.append(
        session,
        actor,
        f"registry.{action}",
        f"registry_{right.kind}",
        right.serial,
        {"ledger_seq": seq, "ledger_hash": digest, **payload},
    )
    return entry


# --- verifying ----------------------------------------------------------------------------------------

# why a chain does not verify, as the CLI and the API say it (``code`` and ``fields`` of a Verification)
messages.register(
    {
        "missing": ("该条记录缺失", "is missing"),
        "link": ("与前一条记录的链接断开", "does not link to the entry before it"),
        "changed": (
            "写入后内容被改动，或其哈希未用审计密钥重新计算",
            "its content was changed after writing, or its hash was recomputed without the audit key",
        ),
        "head": (
            "链头记录未指向最后一条：其后的记录被删除，或链头被改动",
            "the head row does not name the last entry: entries after the last one were removed, or the "
            "head was altered",
        ),
        "removed": (
            "第 {count} 条之后的记录被删除：审计日志第 {audit_seq} 条记录了账本第 {recorded} 条",
            "entries after {count} were removed: audit entry {audit_seq} records ledger entry {recorded}",
        ),
        "audit": (
            "与审计日志第 {audit_seq} 条对它的记录不符",
            "differs from the audit log's record of it (audit entry {audit_seq})",
        ),
    },
    prefix="registry.verify.",
)


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    code: str = ""  # missing | link | changed | head | removed | audit (messages: registry.verify.<code>)
    fields: dict = field(default_factory=dict)
    audit_entries: int = 0  # audit entries holding a ledger entry's sequence number and hash

    def reason(self, lang: str = "en") -> str:
        return messages.text(f"registry.verify.{self.code}", lang, **self.fields) if self.code else ""

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason("en"),
            "reason_zh": self.reason("zh"),
            "audit_entries": self.audit_entries,
        }


def verify(session: Session, key: bytes | None = None) -> Verification:
    """Recompute the chain under the audit key; hold it against its head row and against the
    audit log's record of each entry; report the first entry that does not fit."""
    key = key if key is not None else audit.config_for(session).key
    entries = list(session.execute(select(RegistryLedgerEntry).order_by(RegistryLedgerEntry.seq)).scalars())
    prev, hashes = GENESIS, {}
    for count, entry in enumerate(entries, start=1):
        if entry.seq != count:
            return Verification(False, count, count, "missing")
        if entry.prev_hash != prev:
            return Verification(False, count, entry.seq, "link")
        if _digest(entry, prev, key) != entry.hash:
            return Verification(False, count, entry.seq, "changed")
        hashes[entry.seq] = prev = entry.hash
    count = len(entries)
    head = session.get(RegistryLedgerHead, 1)
    if head is None or (head.seq, head.hash) != (count, prev):
        return Verification(False, count, count + 1, "head")
    recorded = session.execute(
        select(AuditEntry.seq, AuditEntry.detail)
        .where(AuditEntry.action.like("registry.%"))
        .order_by(AuditEntry.seq)
    ).all()
    checked = 0
    for audit_seq, detail in recorded:
        seq, digest = (detail or {}).get("ledger_seq"), (detail or {}).get("ledger_hash")
        if not isinstance(seq, int):
            continue
        checked += 1
        if seq > count:
            return Verification(
                False,
                count,
                count + 1,
                "removed",
                {"count": count, "audit_seq": audit_seq, "recorded": seq},
                checked,
            )
        if hashes[seq] != digest:
            return Verification(False, count, seq, "audit", {"audit_seq": audit_seq}, checked)
    return Verification(True, count, audit_entries=checked)


def entries(session: Session, obj: str | None = None, after: int = 0, limit: int = 100) -> list[dict]:
    query = select(RegistryLedgerEntry).where(RegistryLedgerEntry.seq > after)
    if obj:
        query = query.where(RegistryLedgerEntry.object == obj)
    rows = session.execute(query.order_by(RegistryLedgerEntry.seq).limit(limit)).scalars()
    return [
        {c: getattr(r, c) for c in ("seq", "at", "actor", "action", "object", "payload", "prev_hash", "hash")}
        for r in rows
    ]


# --- the state machine --------------------------------------------------------------------------------


def lock(session: Session, serial: str, for_update: bool = True) -> RegistryRight:
    """The right (or package) ``serial``, its row locked until the transaction ends (PostgreSQL);
    ``for_update=False`` in a reading transaction."""
    query = select(RegistryRight).where(RegistryRight.serial == serial)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    right = session.execute(query).scalar_one_or_none()
    if right is None:
        raise RegistryNotFound(
            f"no right or package {serial!r} is registered", f"未登记编号为 {serial!r} 的权利或资产包"
        )
    return right


def valuation_of(session: Session, right: RegistryRight) -> RegistryValuation | None:
    """The right's current valuation: the latest attached."""
    return session.execute(
        select(RegistryValuation)
        .where(RegistryValuation.right_id == right.id)
        .order_by(RegistryValuation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def allowed_from(action: str, right: RegistryRight) -> tuple[str, ...]:
    states = FROM[action]
    if action == "list" and right.type in QUOTA_TYPES:
        states = ("registered", *states)
    return states


def rest_state(session: Session, right: RegistryRight) -> str:
    """Where a right returns after a release, a delisting or an unsold listing."""
    return "valued" if valuation_of(session, right) is not None else "registered"


def require_state(right: RegistryRight, action: str) -> None:
    states = allowed_from(action, right)
    if right.state not in states:
        raise RegistryConflict(
            f"{right.kind} {right.serial} is {right.state}; {action} needs it {_states(states, 'en')}",
            f"{right.serial} 当前状态为“{STATE_ZH[right.state]}”；{ACTION_ZH[action]}要求其状态为"
            f"{_states(states, 'zh')}",
        )


def transition(
    session: Session,
    right: RegistryRight,
    action: str,
    actor: str,
    payload: dict | None = None,
    to: str | None = None,
    **values,
) -> RegistryLedgerEntry:
    """Move ``right`` by ``action`` (conditional UPDATE on its state) and append the ledger entry."""
    require_state(right, action)
    states, before = allowed_from(action, right), right.state
    to = to or TO.get(action) or rest_state(session, right)
    changed = session.execute(
        update(RegistryRight)
        .where(RegistryRight.id == right.id, RegistryRight.state.in_(states))
        .values(state=to, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise RegistryConflict(
            f"{right.kind} {right.serial} changed meanwhile; {action} was not done",
            f"{right.serial} 已被同时进行的操作改变，未{ACTION_ZH[action]}",
        )
    session.refresh(right)
    return append(session, actor, action, right, {"from": before, "to": to, **(payload or {})})


# --- registration -------------------------------------------------------------------------------------


def parse_boundary(geojson: dict, what: str = "boundary"):
    """A GeoJSON Polygon or MultiPolygon (a geometry, a Feature or a FeatureCollection of them) in
    EPSG:4326 longitude/latitude → a valid shapely geometry; anything else is refused."""
    import shapely
    from shapely.geometry import shape

    def refuse(problem: str, problem_zh: str):
        raise RegistryRefused(
            f"{what}: {problem}; fix: give a valid GeoJSON Polygon or MultiPolygon in "
            "EPSG:4326 longitude/latitude",
            f"{what}：{problem_zh}；修改：请给出 EPSG:4326 经纬度的有效 GeoJSON `Polygon` 或 `MultiPolygon`",
        )

    if not isinstance(geojson, dict):
        refuse("not a GeoJSON object", "不是 GeoJSON 对象")
    kind = geojson.get("type")
    if kind == "Feature":
        return parse_boundary(geojson.get("geometry"), what)
    if kind == "FeatureCollection":
        features = geojson.get("features")
        if not isinstance(features, list) or not features:
            refuse("a FeatureCollection without features", "`FeatureCollection` 中没有要素")
        return shapely.union_all([parse_boundary(f, what) for f in features])
    if kind not in ("Polygon", "MultiPolygon"):
        refuse(f"a {str(kind)[:40]!r}, not an area", f"类型为 {str(kind)[:40]!r}，不是面")
    try:
        geometry = shape(geojson)
    except Exception as exc:  # shapely raises several kinds on malformed coordinates
        refuse(f"malformed coordinates ({str(exc)[:120]})", f"坐标格式错误（{str(exc)[:120]}）")
    if geometry.is_empty:
        refuse("empty", "为空")
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        refuse(
            "coordinates outside longitude −180…180 / latitude −90…90 (a projected CRS?)",
            "坐标超出经度 −180…180、纬度 −90…90 的范围（是否为投影坐标？）",
        )
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        refuse(f"not a valid polygon ({reason})", f"不是有效的面（{reason}）")
    if geometry.area <= 0:
        refuse("without area", "面积为零")
    return geometry


def equal_area_km2(geometry) -> float:
    """Area in km² in the equal-area ``EQUAL_AREA_CRS`` (China Albers) of a lon/lat geometry."""
    return float(to_equal_area(geometry).area / 1e6)


def to_equal_area(geometry):
    """A lon/lat (EPSG:4326) geometry in ``EQUAL_AREA_CRS`` metres."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    from ecoledger.registry.store import EQUAL_AREA_CRS

    transformer = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def boundary_of(right: RegistryRight):
    if right.boundary_wkb is None:
        return None
    import shapely

    return shapely.from_wkb(right.boundary_wkb)


def _check_county(session: Session, county: str) -> None:
    if not ADCODE.match(county or ""):
        raise RegistryRefused(
            f"county {county!r}: not a six-digit administrative code (adcode); fix: e.g. 360781",
            f"县 {county!r}：不是六位行政区划代码；修改：例如 360781",
        )
    known = session.execute(select(func.count()).select_from(Unit).where(Unit.level == "county")).scalar_one()
    if known and session.get(Unit, county) is None:
        raise RegistryRefused(
            f"county {county}: not a county of this platform's region; fix: one of the "
            "units listed by /api/v1/units",
            f"县 {county}：不是本平台区域内的县；修改：请使用 /api/v1/units 列出的单位代码",
        )


def _sink_attributes(serial: str, attributes: dict) -> dict:
    """A carbon-sink right's tonnes, years and claimed asset (``parcel:<serial>`` unless given)."""

    def refuse(field: str, problem: str, problem_zh: str):
        raise RegistryRefused(
            f"attributes.{field}: {problem}; fix: a carbon_sink right gives tonnes_co2 "
            "(> 0), year_from and year_to (whole years, in order) and may give asset",
            f"attributes.{field}：{problem_zh}；修改：碳汇权利须给出 `tonnes_co2`（大于 0）、"
            "`year_from` 和 `year_to`（整年，先后有序），可给出 `asset`",
        )

    tonnes = attributes.get("tonnes_co2")
    if isinstance(tonnes, bool) or not isinstance(tonnes, (int, float)) or not 0 < tonnes < 1e12:
        refuse("tonnes_co2", f"{tonnes!r} is not a positive number of tonnes", f"{tonnes!r} 不是正的吨数")
    years = [attributes.get("year_from"), attributes.get("year_to")]
    if (
        not all(isinstance(y, int) and not isinstance(y, bool) and 1990 <= y <= 2200 for y in years)
        or years[0] > years[1]
    ):
        refuse(
            "year_from",
            f"years {years} are not whole years 1990–2200 in order",
            f"年份 {years} 不是 1990–2200 之间有序的整年",
        )
    asset = attributes.get("asset") or f"parcel:{serial}"
    if not isinstance(asset, str) or len(asset) > 200:
        refuse("asset", "not a name of at most 200 characters", "不是不超过 200 个字符的名称")
    return {
        **attributes,
        "tonnes_co2": float(tonnes),
        "year_from": years[0],
        "year_to": years[1],
        "asset": asset,
    }


def _claim_sink(session: Session, actor: str, serial: str, attributes: dict) -> int:
    """Claim the sink's tonnes through the carbon module's double-claim guard (holder: the right)."""
    from ecoledger.carbon.claims import Claim
    from ecoledger.carbon.errors import ClaimConflict
    from ecoledger.carbon.records import claim_in

    claim = Claim(
        "sink",
        f"registry:{serial}",
        attributes["asset"],
        attributes["year_from"],
        attributes["year_to"],
        attributes["tonnes_co2"],
        "registry",
        f"carbon-sink right {serial} in the registry",
    )
    try:
        return claim_in(session, actor, claim).id
    except ClaimConflict as exc:
        raise RegistryConflict(
            str(exc), f"碳汇量已被声明，不能重复登记（碳模块的防重复声明检查）：{exc}"
        ) from None


def register(
    session: Session,
    actor: str,
    *,
    serial: str,
    type: str,
    owner: str,
    county: str,
    name: str = "",
    boundary: dict | None = None,
    attributes: dict | None = None,
    demonstration: bool = False,
) -> RegistryRight:
    """Register a right (state ``registered``) with its ledger and audit entries.

    A parcel type needs its boundary (its area is computed in the equal-area CRS); a quota type
    has none. A carbon-sink right claims its tonnes (``attributes``: tonnes_co2, year_from,
    year_to, asset) in the carbon module's claims table, refused if they are claimed already.
    """
    if not SERIAL.match(serial or ""):
        raise RegistryRefused(
            f"serial {serial!r}: 1–64 letters, digits and . _ : - (starting with a letter or digit)",
            f"编号 {serial!r}：须为 1–64 个字母、数字或 . _ : -，以字母或数字开头",
        )
    if type not in RIGHT_TYPES:
        raise RegistryRefused(
            f"type {type!r}: not a right type; fix: one of {', '.join(RIGHT_TYPES)}",
            f"类型 {type!r} 不是权利类型；修改：请使用 {'、'.join(RIGHT_TYPES)} 之一",
        )
    if not (owner or "").strip():
        raise RegistryRefused("owner: empty; fix: name the right holder", "权利人为空；修改：请填写权利人")
    _check_county(session, county)
    attributes = dict(attributes or {})
    geometry = None
    if type in SPATIAL_TYPES:
        if boundary is None:
            raise RegistryRefused(
                f"a {type} right needs its boundary (GeoJSON, EPSG:4326)",
                f"{type} 类权利须给出边界（GeoJSON，EPSG:4326）",
            )
        geometry = parse_boundary(boundary)
    elif boundary is not None:
        raise RegistryRefused(
            f"a {type} right is a quota and has no boundary; fix: leave the boundary out",
            f"{type} 类权利是配额，没有边界；修改：请不要给出边界",
        )
    if type == "carbon_sink":
        attributes = _sink_attributes(serial, attributes)
    if session.execute(select(RegistryRight.id).where(RegistryRight.serial == serial)).first() is not None:
        raise RegistryConflict(f"serial {serial} is registered already", f"编号 {serial} 已登记")
    right = RegistryRight(
        serial=serial,
        kind="right",
        type=type,
        name=name,
        owner=owner.strip(),
        county=county,
        attributes=attributes,
        state="registered",
        demonstration=demonstration,
        registered_by=actor,
        registered_at=utcnow(),
    )
    if geometry is not None:
        right.boundary_wkb = geometry.wkb
        right.area_km2 = equal_area_km2(geometry)
    session.add(right)
    session.flush()  # the unique serial: a concurrent registration of it fails here
    payload = {
        "type": type,
        "owner": right.owner,
        "county": county,
        "name": name,
        "area_km2": right.area_km2,
        "demonstration": demonstration,
        "attributes": attributes,
        "boundary_sha256": hashlib.sha256(right.boundary_wkb).hexdigest() if right.boundary_wkb else None,
    }
    if type == "carbon_sink":
        payload["carbon_claim_id"] = _claim_sink(session, actor, serial, attributes)
    append(session, actor, "register", right, payload)
    return right


def describe(session: Session, right: RegistryRight, geometry: bool = False) -> dict:
    """A right as the API and the CLI show it."""
    valuation = valuation_of(session, right)
    found = {
        c: getattr(right, c)
        for c in (
            "serial",
            "kind",
            "type",
            "name",
            "owner",
            "county",
            "area_km2",
            "state",
            "bank",
            "demonstration",
            "attributes",
            "registered_by",
        )
    }
    found["registered_at"] = right.registered_at.isoformat(timespec="seconds") + "Z"
    found["package"] = session.get(RegistryRight, right.package_id).serial if right.package_id else None
    if right.kind == PACKAGE:
        found["members"] = list(
            session.execute(
                select(RegistryRight.serial)
                .where(RegistryRight.package_id == right.id)
                .order_by(RegistryRight.serial)
            ).scalars()
        )
    found["valuation"] = (
        None
        if valuation is None
        else {
            c: getattr(valuation, c)
            for c in (
                "certificate_sha256",
                "value_yuan",
                "p05_yuan",
                "p95_yuan",
                "valued_on",
                "issued_here",
                "boundary_match",
            )
        }
    )
    if geometry and right.boundary_wkb is not None:
        from shapely.geometry import mapping

        found["boundary"] = mapping(boundary_of(right))
    return found


messages.register({"parcels_overlap": (
    "未登记任何宗地：{count} 对重叠（文件内或与已登记的权利）；请先更正边界",
    "nothing registered: {count} overlapping pairs (within the file or with rights already "
    "registered); correct the boundaries first",
)}, prefix="registry.")


def stored_parcels(session, crs: str):
    """The registered rights with a boundary as a frame ``parcels.overlaps`` reads (serial, type,
    right_type, owner, valid_from, valid_to, geometry in ``crs``)."""
    import geopandas as gpd
    import shapely
    from sqlalchemy import select

    rows = session.execute(
        select(RegistryRight).where(RegistryRight.boundary_wkb.is_not(None), RegistryRight.kind == "right")
    ).scalars()
    records, geometries = [], []
    for right in rows:
        attributes = right.attributes or {}
        records.append(
            {
                "serial": right.serial,
                "fid": None,
                "type": right.type,
                "right_type": attributes.get("right_type", "ownership"),
                "owner": right.owner,
                "valid_from": attributes.get("valid_from"),
                "valid_to": attributes.get("valid_to"),
            }
        )
        geometries.append(shapely.from_wkb(right.boundary_wkb))
    frame = gpd.GeoDataFrame(records, geometry=gpd.GeoSeries(geometries, crs="EPSG:4326"))
    if frame.empty:
        return None
    return frame.to_crs(crs)


def register_parcels(session, actor: str, found, demonstration: bool = False) -> list:
    """Register every parcel of ``found`` (a ``parcels.ParcelSet`` or its frame, in an equal-area
    CRS) through ``ledger.register``, in the caller's transaction; overlaps within the set or with
    registered rights are refused first (``RegistryRefused`` naming them). Returns the rights."""
    import shapely

    from ecoledger.registry import parcels

    frame = getattr(found, "parcels", found)
    others = stored_parcels(session, frame.crs)
    clashes = parcels.overlaps(frame, others)
    if len(clashes):
        pairs = ", ".join(f"{a}/{b}" for a, b in zip(clashes["serial_a"], clashes["serial_b"], strict=True))
        raise RegistryRefused(
            messages.text("registry.parcels_overlap", "en", count=len(clashes)) + f": {pairs[:400]}",
            messages.text("registry.parcels_overlap", "zh", count=len(clashes)) + f"：{pairs[:400]}",
        )
    lonlat = frame.to_crs("EPSG:4326")
    rights = []
    keep = ("owner_type", "right_type", "valid_from", "valid_to", "landcover_label", "note", "note_zh")
    for row, geometry in zip(frame.to_dict("records"), lonlat.geometry, strict=True):
        attributes = {k: row[k] for k in keep if k in row and isinstance(row[k], str) and row[k]}
        rights.append(
            register(
                session,
                actor,
                serial=str(row["serial"]),
                type=str(row["type"]),
                owner=str(row["owner"]),
                county=str(row["county"]),
                name=str(row.get("name") or ""),
                boundary=shapely.geometry.mapping(geometry),
                attributes=attributes,
                demonstration=demonstration or row.get("status") == "demonstration",
            )
        )
    return rights
