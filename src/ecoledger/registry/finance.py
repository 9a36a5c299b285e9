"""Valuation and green finance: VEP valuations of rights and packages, pledges, releases, and the
register of pledged value per county.

**Valuation.** A right (or a package) is valued by a VEP certificate of ``ecoledger.applications``
(``applications vep`` on the command line, ``POST /api/v1/applications/vep`` on the platform):
the registry keeps its reference — the certificate's content hash, its present value (yuan), its
90 % interval when the account had draws (``uncertainty.present_value_yuan`` p05/p95), the annual
flow, discount rate, horizon, account year and issue date — not a copy. The certificate must be
intact (its content hash, ``applications.certificate.verify``) and must value this right's
boundary: the certificate's site and the boundary, both in the equal-area CRS, must overlap by at
least ``MATCH_MIN`` of their union (a package's boundary is the union of its rights'). One
certificate backs one right (unique in the database). ``issued_here`` says whether this platform
issued it (``applications_certificates``); a certificate computed with the command line is accepted
from the command line and from a body sent to the API and marked as not issued here.

**Pledge.** A valued right is pledged to a bank for a loan (amount, term in months, start). The
loan may not exceed the loan-to-value limit × the valued amount (the present value of the current
valuation) — refused here and by a check constraint of the table. The limit comes from the cited
table ``data/registry/pledge_rules.csv`` when it has a value for the right's type and the valuation's
basis (``vep``); the table records that no published limit for loans on a GEP/VEP valuation was
found (the rules found bound loans on an asset appraisal of emission or forest rights, not a VEP
certificate), so the limit is a **required setting**: the lending bank's limit, given with each
pledge and recorded with it (source, the table's SHA-256). No number is assumed. One active pledge
per right (a partial unique index); a pledge is released by the bank that holds it.

**Register.** Active pledges per county: how many, the valued amount pledged and the loans.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoledger.platform.models import Unit, utcnow
from ecoledger.registry import ledger
from ecoledger.registry.ledger import RegistryConflict, RegistryNotFound, RegistryRefused
from ecoledger.registry.store import (
    LOAN_TOLERANCE_YUAN,
    PACKAGE,
    RegistryPledge,
    RegistryRight,
    RegistryValuation,
)

MATCH_MIN = 0.95  # the certificate's site ∩ the boundary, over their union (equal-area CRS)
BASIS = "vep"  # the basis of every valuation the registry holds: a VEP certificate's present value
RULES_FILE = "data/registry/pledge_rules.csv"
RULE_COLUMNS = (
    "right_type",
    "basis",
    "ltv_max",
    "status",
    "jurisdiction",
    "source",
    "url",
    "quote",
    "note",
    "note_zh",
)


# --- the cited loan-to-value table -----------------------------------------------------------------


@dataclass(frozen=True)
class PledgeRule:
    right_type: str  # a right type, "package", or "*" for any
    basis: str  # vep | appraisal
    ltv_max: float | None  # None: no published limit was found
    status: str
    jurisdiction: str
    source: str
    url: str
    quote: str
    note: str
    note_zh: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def rules_path() -> Path:
    return Path(str(resources.files("ecoledger") / RULES_FILE))


def read_rules(path: Path | None = None) -> tuple[list[PledgeRule], str]:
    """The table's rows and its SHA-256; a malformed row is refused naming the row and the field."""
    path = path or rules_path()
    content = path.read_bytes()
    rows = list(csv.DictReader(content.decode("utf-8").splitlines()))
    found = []
    for number, row in enumerate(rows, start=2):

        def refuse(field: str, problem: str, problem_zh: str, number: int = number):
            raise RegistryRefused(
                f"{path}, row {number}, {field}: {problem}", f"{path} 第 {number} 行 {field}：{problem_zh}"
            )

        if set(RULE_COLUMNS) - set(row):
            refuse("header", f"the columns {', '.join(RULE_COLUMNS)} are needed", "缺少必需的列")
        value = (row["ltv_max"] or "").strip()
        try:
            ltv = float(value) if value else None
        except ValueError:
            refuse("ltv_max", f"{value!r} is not a number", f"{value!r} 不是数值")
        if ltv is not None and not 0 < ltv <= 1:
            refuse("ltv_max", f"{ltv} is not a share in (0, 1]", f"{ltv} 不在 (0, 1] 之间")
        for field in ("source", "quote"):
            if not (row[field] or "").strip():
                refuse(
                    field, "empty: every row cites its source and quotes it", "为空：每行须注明出处并引用原文"
                )
        found.append(
            PledgeRule(
                row["right_type"].strip(),
                row["basis"].strip(),
                ltv,
                *(row[c].strip() for c in RULE_COLUMNS[3:]),
            )
        )
    return found, hashlib.sha256(content).hexdigest()


def rule_for(rules: list[PledgeRule], right_type: str, basis: str = BASIS) -> PledgeRule | None:
    """The row for ``right_type`` on ``basis``, else the row for any type (``*``) on it."""
    for wanted in (right_type, "*"):
        for rule in rules:
            if rule.right_type == wanted and rule.basis == basis:
                return rule
    return None


def ltv_limit(right_type: str, given: float | None) -> tuple[float, str, str]:
    """(limit, its source, the table's SHA-256) for a pledge of a ``right_type`` on a VEP valuation.

    A limit the table gives applies (a bank may give a lower one); where the table has none, the
    given limit is required and applies, recorded as the bank's setting.
    """
    rules, digest = read_rules()
    rule = rule_for(rules, right_type)
    if given is not None and not 0 < given <= 1:
        raise RegistryRefused(
            f"loan-to-value limit {given}: not a share in (0, 1]; fix: e.g. 0.5 for 50 %",
            f"贷款价值比上限 {given} 不在 (0, 1] 之间；修改：例如 0.5 表示 50%",
        )
    if rule is not None and rule.ltv_max is not None:
        if given is not None and given > rule.ltv_max:
            raise RegistryRefused(
                f"loan-to-value limit {given} exceeds the cited rule's {rule.ltv_max} ({rule.source}); fix: "
                f"at most {rule.ltv_max}",
                f"贷款价值比上限 {given} 超过所引规则的 {rule.ltv_max}（{rule.source}）；"
                f"修改：不超过 {rule.ltv_max}",
            )
        limit = given if given is not None else rule.ltv_max
        return (
            limit,
            f"{RULES_FILE}: {rule.source}" + (" (a lower limit set by the bank)" if given else ""),
            digest,
        )
    if given is None:
        why = rule.note if rule is not None else "the table has no row for it"
        why_zh = rule.note_zh if rule is not None and rule.note_zh else "表中没有相应的行"
        raise RegistryRefused(
            f"no published loan-to-value limit for a pledge of a {right_type} on a VEP valuation "
            f"({RULES_FILE}: {why}); fix: give the lending bank's limit (API ltv_limit, command line "
            "--ltv), e.g. 0.5",
            f"没有已发布的以 VEP 估值质押 {right_type} 的贷款价值比上限（{RULES_FILE}：{why_zh}）；"
            "修改：请给出贷款银行的上限（API 的 `ltv_limit`、命令行的 `--ltv`），例如 0.5",
        )
    return given, f"the lending bank's limit, given with the pledge (no published rule: {RULES_FILE})", digest


def max_loan(valued_yuan: float, limit: float) -> float:
    """The largest loan a valuation supports: limit × valued amount (yuan)."""
    return limit * valued_yuan


def check_loan(loan_yuan: float, valued_yuan: float, limit: float) -> None:
    if not loan_yuan > 0:
        raise RegistryRefused(
            f"loan {loan_yuan}: not a positive amount of yuan", f"贷款金额 {loan_yuan} 不是正数"
        )
    if valued_yuan <= 0:
        raise RegistryRefused(
            f"the valuation is {valued_yuan:,.2f} yuan: nothing can be pledged on it",
            f"估值为 {valued_yuan:,.2f} 元，不能据此质押",
        )
    allowed = max_loan(valued_yuan, limit)
    if loan_yuan > allowed + LOAN_TOLERANCE_YUAN:
        raise RegistryRefused(
            f"loan {loan_yuan:,.2f} yuan exceeds the limit {limit:g} × valuation {valued_yuan:,.2f} = "
            f"{allowed:,.2f} yuan; fix: lend at most {allowed:,.2f} yuan",
            f"贷款 {loan_yuan:,.2f} 元超过上限 {limit:g} × 估值 {valued_yuan:,.2f} 元 = {allowed:,.2f} 元；"
            f"修改：贷款不超过 {allowed:,.2f} 元",
        )


# --- valuation -------------------------------------------------------------------------------------


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def certificate_figures(cert: dict) -> dict:
    """The reference the registry keeps of an intact VEP certificate; refused if not intact."""
    from ecoledger.applications import certificate

    if not isinstance(cert, dict):
        raise RegistryRefused("certificate: not a JSON object", "证书不是 JSON 对象")
    intact, reason = certificate.verify(cert)
    if not intact:
        raise RegistryRefused(
            f"certificate: {reason}; fix: attach the certificate as issued",
            f"证书未通过校验（{reason}）；修改：请使用签发时的原始证书",
        )
    value = _number(cert.get("present_value_yuan"))
    if value is None or value < 0:
        raise RegistryRefused(
            "certificate: no present value (present_value_yuan)", "证书中没有现值（`present_value_yuan`）"
        )
    interval = (cert.get("uncertainty") or {}).get("present_value_yuan") or {}
    parameters = cert.get("parameters") or {}
    horizon = parameters.get("horizon_years")
    year = (cert.get("data_vintage") or {}).get("year")
    return {
        "certificate_sha256": cert["content_sha256"],
        "value_yuan": value,
        "p05_yuan": _number(interval.get("p05")),
        "p95_yuan": _number(interval.get("p95")),
        "annual_flow_yuan": _number(cert.get("annual_flow_yuan")),
        "discount_rate": _number(parameters.get("discount_rate")),
        "horizon_years": horizon if isinstance(horizon, int) else None,
        "account_year": year if isinstance(year, int) else None,
        "valued_on": str(cert.get("issued_at", ""))[:10],
        "site": (cert.get("site") or {}).get("geometry_crs84"),
        "warnings": len(cert.get("warnings") or []),
    }


def _stored_certificate(session: Session, digest: str) -> dict | None:
    from ecoledger.applications.store import Certificate

    row = session.execute(
        select(Certificate).where(Certificate.content_sha256 == digest)
    ).scalar_one_or_none()
    return None if row is None else json.loads(row.body)


def boundary_match(session: Session, right: RegistryRight, site: dict | None) -> float:
    """Area of (boundary ∩ site) / area of (boundary ∪ site), both in the equal-area CRS."""
    import shapely

    boundary = ledger.boundary_of(right)
    if boundary is None:
        raise RegistryRefused(
            f"{right.serial} is a {right.type} quota without a boundary: a VEP certificate values an area",
            f"{right.serial} 是没有边界的 {right.type} 配额，VEP 证书只能为有边界的地块估值",
        )
    if site is None:
        raise RegistryRefused(
            "certificate: it names no site boundary (site.geometry_crs84)",
            "证书中没有地块边界（`site.geometry_crs84`）",
        )
    site_geometry = ledger.parse_boundary(site, "certificate site")
    a, b = ledger.to_equal_area(boundary), ledger.to_equal_area(site_geometry)
    union = shapely.union(a, b).area
    return float(shapely.intersection(a, b).area / union) if union > 0 else 0.0


def attach_valuation(
    session: Session, actor: str, serial: str, certificate: dict | None = None, sha256: str | None = None
) -> RegistryValuation:
    """Attach a VEP certificate (given whole, or by the hash of one this platform issued)."""
    if (certificate is None) == (sha256 is None):
        raise RegistryRefused(
            "give the certificate or the SHA-256 of one issued here, not both or neither",
            "请给出证书本身，或本平台签发证书的 SHA-256，二者取其一",
        )
    if certificate is None:
        certificate = _stored_certificate(session, sha256.lower())
        if certificate is None:
            raise RegistryNotFound(
                f"no certificate {sha256} was issued by this platform",
                f"本平台没有签发哈希为 {sha256} 的证书",
            )
    figures = certificate_figures(certificate)
    right = ledger.lock(session, serial)
    ledger.require_state(right, "value")
    match = boundary_match(session, right, figures.pop("site"))
    if match < MATCH_MIN:
        raise RegistryRefused(
            f"the certificate's site overlaps {serial}'s boundary by {match:.1%} of their union (at least "
            f"{MATCH_MIN:.0%} needed): it values another area; fix: value this right's boundary",
            f"证书的地块与 {serial} 的边界重叠部分只占两者合并面积的 {match:.1%}（至少须 {MATCH_MIN:.0%}），"
            "它评估的是另一块区域；修改：请为该权利的边界出具证书",
        )
    taken = session.execute(
        select(RegistryRight.serial)
        .join(RegistryValuation, RegistryValuation.right_id == RegistryRight.id)
        .where(RegistryValuation.certificate_sha256 == figures["certificate_sha256"])
    ).scalar_one_or_none()
    if taken is not None:
        raise RegistryConflict(
            f"certificate {figures['certificate_sha256'][:12]}… already values {taken}",
            f"证书 {figures['certificate_sha256'][:12]}… 已用于 {taken} 的估值",
        )
    warnings = figures.pop("warnings")
    valuation = RegistryValuation(
        right_id=right.id,
        **figures,
        boundary_match=match,
        attached_by=actor,
        attached_at=utcnow(),
        issued_here=_stored_certificate(session, figures["certificate_sha256"]) is not None,
    )
    session.add(valuation)
    try:
        session.flush()
    except IntegrityError:  # a concurrent attachment of the same certificate
        raise RegistryConflict(
            "the certificate was attached meanwhile", "该证书已被同时进行的操作使用"
        ) from None
    ledger.transition(
        session,
        right,
        "value",
        actor,
        {
            "valuation_id": valuation.id,
            **figures,
            "issued_here": valuation.issued_here,
            "boundary_match": round(match, 6),
            "certificate_warnings": warnings,
        },
    )
    return valuation


# --- pledges ---------------------------------------------------------------------------------------


def active_pledge(session: Session, right: RegistryRight) -> RegistryPledge | None:
    return session.execute(
        select(RegistryPledge).where(
            RegistryPledge.right_id == right.id, RegistryPledge.released_at.is_(None)
        )
    ).scalar_one_or_none()


def pledge(
    session: Session,
    actor: str,
    serial: str,
    *,
    bank: str,
    loan_yuan: float,
    term_months: int,
    start_on: dt.date,
    ltv: float | None = None,
) -> RegistryPledge:
    """Register a pledge of ``serial`` to ``bank``; refused when the loan exceeds limit × value."""
    if not (bank or "").strip():
        raise RegistryRefused("bank: empty; fix: name the lending bank", "银行为空；修改：请填写贷款银行")
    if not 1 <= term_months <= 600:
        raise RegistryRefused(
            f"term {term_months} months: fix: 1–600 months", f"期限 {term_months} 个月；修改：1–600 个月"
        )
    right = ledger.lock(session, serial)
    ledger.require_state(right, "pledge")
    valuation = ledger.valuation_of(session, right)
    if valuation is None:
        raise RegistryConflict(
            f"{serial} has no valuation; fix: attach a VEP certificate first",
            f"{serial} 尚无估值；修改：请先附上 VEP 估值证书",
        )
    limit, source, digest = ltv_limit(PACKAGE if right.kind == PACKAGE else right.type, ltv)
    check_loan(loan_yuan, valuation.value_yuan, limit)
    row = RegistryPledge(
        right_id=right.id,
        valuation_id=valuation.id,
        bank=bank.strip(),
        loan_yuan=loan_yuan,
        valued_yuan=valuation.value_yuan,
        ltv_limit=limit,
        ltv_source=source[:500],
        rules_sha256=digest,
        start_on=start_on,
        term_months=term_months,
        registered_by=actor,
        registered_at=utcnow(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the partial unique index: one active pledge per right
        raise RegistryConflict(
            f"{serial} was pledged meanwhile", f"{serial} 已被同时进行的操作质押"
        ) from None
    ledger.transition(
        session,
        right,
        "pledge",
        actor,
        {
            "pledge_id": row.id,
            "bank": row.bank,
            "loan_yuan": loan_yuan,
            "valued_yuan": valuation.value_yuan,
            "certificate_sha256": valuation.certificate_sha256,
            "ltv_limit": limit,
            "ltv_source": row.ltv_source,
            "rules_sha256": digest,
            "max_loan_yuan": max_loan(valuation.value_yuan, limit),
            "start_on": start_on.isoformat(),
            "term_months": term_months,
        },
    )
    return row


def release(
    session: Session, actor: str, serial: str, released_on: dt.date | None = None, bank: str | None = None
) -> RegistryPledge:
    """Release the active pledge of ``serial`` (the right goes back to ``valued``)."""
    right = ledger.lock(session, serial)
    ledger.require_state(right, "release")
    row = active_pledge(session, right)
    if row is None:
        raise RegistryConflict(f"{serial} has no active pledge", f"{serial} 没有有效的质押")
    if bank is not None and bank.strip() != row.bank:
        raise RegistryRefused(
            f"{serial} is pledged to {row.bank}, not {bank}; fix: the pledgee releases it",
            f"{serial} 质押给 {row.bank}，不是 {bank}；修改：应由质权银行解押",
        )
    released_on = released_on or utcnow().date()
    if released_on < row.start_on:
        raise RegistryRefused(
            f"release on {released_on} is before the pledge's start {row.start_on}",
            f"解押日期 {released_on} 早于质押开始日期 {row.start_on}",
        )
    done = session.execute(
        update(RegistryPledge)
        .where(RegistryPledge.id == row.id, RegistryPledge.released_at.is_(None))
        .values(released_at=utcnow(), released_on=released_on, released_by=actor)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise RegistryConflict(
            f"the pledge of {serial} was released meanwhile", f"{serial} 的质押已被同时解除"
        )
    session.refresh(row)
    ledger.transition(
        session,
        right,
        "release",
        actor,
        {"pledge_id": row.id, "bank": row.bank, "released_on": released_on.isoformat()},
    )
    return row


def pledge_record(row: RegistryPledge, serial: str, today: dt.date | None = None) -> dict:
    today = today or utcnow().date()
    months = row.start_on.month - 1 + row.term_months
    end = _month_end(row.start_on.year + months // 12, months % 12 + 1, row.start_on.day)
    return {
        "id": row.id,
        "serial": serial,
        "bank": row.bank,
        "loan_yuan": row.loan_yuan,
        "valued_yuan": row.valued_yuan,
        "ltv_limit": row.ltv_limit,
        "ltv_source": row.ltv_source,
        "start_on": row.start_on.isoformat(),
        "term_months": row.term_months,
        "ends_on": end.isoformat(),
        "overdue": row.released_at is None and today > end,
        "released_on": row.released_on.isoformat() if row.released_on else None,
    }


def _month_end(year: int, month: int, day: int) -> dt.date:
    """``day`` of the month, or the month's last day (31 January + 1 month → 28/29 February)."""
    import calendar

    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def pledges(session: Session, active: bool = True, county: str | None = None) -> list[dict]:
    query = select(RegistryPledge, RegistryRight.serial).join(
        RegistryRight, RegistryRight.id == RegistryPledge.right_id
    )
    if active:
        query = query.where(RegistryPledge.released_at.is_(None))
    if county:
        query = query.where(RegistryRight.county == county)
    return [pledge_record(row, serial) for row, serial in session.execute(query.order_by(RegistryPledge.id))]


def pledged_by_county(session: Session) -> list[dict]:
    """Active pledges per county: their number, the valued amount pledged and the loans (yuan)."""
    rows = session.execute(
        select(
            RegistryRight.county,
            func.count(RegistryPledge.id),
            func.sum(RegistryPledge.valued_yuan),
            func.sum(RegistryPledge.loan_yuan),
        )
        .join(RegistryRight, RegistryRight.id == RegistryPledge.right_id)
        .where(RegistryPledge.released_at.is_(None))
        .group_by(RegistryRight.county)
        .order_by(RegistryRight.county)
    ).all()
    names = {
        u.code: (u.name_zh, u.name_en)
        for u in session.execute(select(Unit).where(Unit.code.in_([r[0] for r in rows]))).scalars()
    }
    return [
        {
            "county": county,
            "name_zh": names.get(county, ("", ""))[0],
            "name_en": names.get(county, ("", ""))[1],
            "pledges": n,
            "valued_yuan": float(valued or 0.0),
            "loan_yuan": float(loans or 0.0),
        }
        for county, n, valued, loans in rows
    ]
