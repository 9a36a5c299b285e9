"""``ecoledger registry …``: the rights registry, the 两山 bank, trading and green finance on the
platform's store, from the shell (the same store, ledger and audit log as the server's).

A typer sub-app: other parts of the registry add their commands to ``app`` (parcels, credit,
trace). Every command opens the store named by ``--data`` / ``--database-url`` as ``ecoledger
platform`` does, with the audit key beside the store (or ``--key-file``); a writing command records
``--actor`` as who did it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="registry", no_args_is_help=True)

DATA = typer.Option(Path("platform-data"))
URL = typer.Option(None, envvar="ECOLEDGER_DATABASE_URL")
KEY = typer.Option(None, envvar="ECOLEDGER_AUDIT_KEY")
ACTOR = typer.Option("cli")
STORE = {
    "data": ("平台的数据文件夹", "the platform's data folder"),
    "database_url": ("数据库地址（默认：--data 中的 SQLite）", "database URL (default: SQLite in --data)"),
    "key_file": (
        "审计密钥文件，账本的哈希也用它（默认：数据文件夹中的 `audit.key`）",
        "the audit key file, which the ledger's hashes use too (default: audit.key in --data)",
    ),
}
WRITE = {
    **STORE,
    "actor": ("记入账本和审计日志的操作人", "who does it, as the ledger and the audit log record"),
}
SERIAL = ("权利或资产包的编号", "serial number of the right or package")

declare(
    "registry",
    {
        "": (
            "自然资源权利登记、“两山”银行、权利交易与绿色金融（质押）。",
            "Natural-resource rights registry, 两山 bank, rights trading and green finance (pledges).",
        ),
    },
)
declare(
    "registry.verify",
    {
        "": (
            "用审计密钥重新计算登记簿账本的哈希链，并与链头和审计日志比对；任何记录被改动、删除或重排时退出码"
            "为 1，并指出第一条出错的记录。",
            "Recompute the registry ledger's hash chain under the audit key and hold it against its head "
            "and the audit log; exit 1 naming the first bad entry if any was changed, removed or reordered.",
        ),
        **STORE,
    },
)
declare(
    "registry.register",
    {
        "": (
            "登记一项权利：地块类（森林、水域、湿地、耕地、草地、碳汇）须给出边界，配额类（排污权、用能权、"
            "用水权）没有边界；碳汇权利通过碳模块的防重复声明检查声明其碳汇量。",
            "Register a right: parcel types (forest, water, wetland, farmland, grassland, carbon_sink) "
            "with a boundary, quota types (emission, energy_use, water_use) without; a carbon-sink right "
            "claims its tonnes through the carbon module's double-claim guard.",
        ),
        "serial": ("权利的编号（唯一）", "the right's serial number (unique)"),
        "type": (
            "权利类型：`forest`、`water`、`wetland`、`farmland`、`grassland`、`carbon_sink`、`emission`、"
            "`energy_use` 或 `water_use`",
            "type of right: forest, water, wetland, farmland, grassland, "
            "carbon_sink, emission, energy_use or water_use",
        ),
        "owner": ("权利人", "the right holder"),
        "county": ("所在县的六位行政区划代码", "six-digit adcode of the county"),
        "name": ("名称", "name"),
        "boundary": (
            "边界：EPSG:4326 经纬度的 GeoJSON 面文件",
            "boundary: a GeoJSON polygon file in EPSG:4326",
        ),
        "tonnes_co2": ("碳汇权利的碳汇量（吨 CO₂）", "a carbon-sink right's tonnes of CO₂"),
        "year_from": ("碳汇权利的起始年份", "a carbon-sink right's first year"),
        "year_to": ("碳汇权利的截止年份", "a carbon-sink right's last year"),
        "asset": (
            "碳汇权利声明的对象（默认：`parcel:<编号>`）",
            "the asset a carbon-sink right claims (default: parcel:<serial>)",
        ),
        "demonstration": ("标记为演示数据", "mark as demonstration data"),
        **WRITE,
    },
)
declare(
    "registry.value",
    {
        "": (
            "为权利或资产包附上 VEP 估值证书（`ecoledger applications vep` 的 `certificate.json`），"
            "或本平台签发证书的 SHA-256；证书须完整且评估的是该权利的边界。",
            "Attach a VEP valuation certificate (certificate.json of ecoledger applications vep), or the "
            "SHA-256 of one issued by the platform, to a right or package; it must be intact and value "
            "this right's boundary.",
        ),
        "serial": SERIAL,
        "certificate": ("证书 JSON 文件", "the certificate JSON file"),
        "sha256": ("本平台签发证书的 SHA-256", "SHA-256 of a certificate issued by the platform"),
        **WRITE,
    },
)
declare(
    "registry.pledge",
    {
        "": (
            "登记质押：贷款不得超过贷款价值比上限 × 估值。没有已发布的以 VEP 估值质押的上限"
            "（`data/registry/pledge_rules.csv`），因此须用 `--ltv` 给出贷款银行的上限。",
            "Register a pledge: the loan may not exceed the loan-to-value limit × the valuation. No "
            "published limit for a pledge on a VEP valuation exists (data/registry/pledge_rules.csv), so "
            "give the lending bank's with --ltv.",
        ),
        "serial": SERIAL,
        "bank": ("贷款银行（质权人）", "the lending bank (pledgee)"),
        "loan": ("贷款金额（元）", "loan amount (yuan)"),
        "term_months": ("贷款期限（月）", "loan term (months)"),
        "start": ("质押开始日期（年-月-日）", "start of the pledge (YYYY-MM-DD)"),
        "ltv": (
            "贷款银行的贷款价值比上限，0–1 之间，例如 0.5",
            "the lending bank's loan-to-value limit, 0–1, e.g. 0.5",
        ),
        **WRITE,
    },
)
declare(
    "registry.release",
    {
        "": ("解除权利或资产包的有效质押。", "Release the active pledge of a right or package."),
        "serial": SERIAL,
        "on": ("解押日期（年-月-日；默认今天）", "day of release (YYYY-MM-DD; default today)"),
        "bank": ("质权银行；给出时须与质押记录一致", "the pledgee; if given it must match the pledge"),
        **WRITE,
    },
)
declare(
    "registry.deposit",
    {
        "": ("将权利存入“两山”银行（生态资源储蓄）。", "Deposit a right into a 两山 bank."),
        "serial": SERIAL,
        "bank": ("“两山”银行名称", "the 两山 bank"),
        "depositor": ("存入人（默认：权利人）", "the depositor (default: the right holder)"),
        "on": ("存入日期（年-月-日；默认今天）", "day of deposit (YYYY-MM-DD; default today)"),
        "term_years": ("存入期限（年）", "term of the deposit (years)"),
        "terms": ("存入条件", "terms of the deposit"),
        **WRITE,
    },
)
declare(
    "registry.package",
    {
        "": (
            "将存入同一银行、位于同一县的两项以上地块权利打包为项目（资产包）。",
            "Package two or more parcel rights deposited in one bank, in one county, into a project.",
        ),
        "serial": ("资产包的编号（唯一）", "the package's serial number (unique)"),
        "members": ("包内权利的编号", "serial numbers of the rights in it"),
        "bank": ("组建资产包的“两山”银行", "the 两山 bank making the package"),
        "name": ("名称", "name"),
        **WRITE,
    },
)
declare(
    "registry.list",
    {
        "": (
            "挂牌出让权利或资产包：`fixed` 为按挂牌价先到先得（第一个不低于挂牌价的出价立即成交），"
            "`auction` 为竞价（挂牌期满时出价最高者成交，同价者先出价者优先）。",
            "List a right or package: fixed (the first bid at or above the price trades at once) or "
            "auction (the highest bid at the term's end trades, the earlier of equal bids first).",
        ),
        "serial": SERIAL,
        "price": ("挂牌价或竞价底价（元）", "asking price or reserve (yuan)"),
        "days": ("挂牌天数", "days the listing runs"),
        "mode": ("方式：`fixed` 或 `auction`", "mode: fixed or auction"),
        **WRITE,
    },
)
declare(
    "registry.delist",
    {
        "": ("撤回权利或资产包的挂牌。", "Withdraw the listing of a right or package."),
        "serial": SERIAL,
        **WRITE,
    },
)
declare(
    "registry.bid",
    {
        "": (
            "对挂牌中的权利或资产包出价；`fixed` 挂牌的出价不低于挂牌价时立即成交。",
            "Bid on the listing of a right or package; a fixed listing trades at once at or above its price.",
        ),
        "serial": SERIAL,
        "price": ("出价（元）", "the bid (yuan)"),
        "bidder": ("出价人", "the bidder"),
        **STORE,
    },
)
declare(
    "registry.close",
    {
        "": (
            "结束挂牌：出价最高的有效出价成交，没有则流拍；挂牌期满前须加 `--force`。",
            "Close a listing: the highest valid bid trades, else it is unsold; before the term's end only "
            "with --force.",
        ),
        "serial": SERIAL,
        "force": (
            "在挂牌期满前结束（管理员的决定）",
            "close before the term's end (an administrator's decision)",
        ),
        **WRITE,
    },
)
declare(
    "registry.settle",
    {
        "": (
            "记录一笔成交的付款（每笔成交只记一次，金额须等于成交价）。",
            "Record the payment of a trade (once per trade; the amount is the price).",
        ),
        "serial": SERIAL,
        "trade": ("成交编号", "the trade's number"),
        "amount": ("付款金额（元）", "amount paid (yuan)"),
        "reference": ("付款凭证号", "the payment's reference"),
        "paid_on": ("付款日期（年-月-日）", "day paid (YYYY-MM-DD)"),
        **WRITE,
    },
)
declare(
    "registry.retire",
    {
        "": (
            "注销权利或资产包（不可撤销；资产包内的权利一并注销）。",
            "Retire a right or package (final; a package's rights with it).",
        ),
        "serial": SERIAL,
        "reason": ("注销原因", "why it is retired"),
        "beneficiary": ("受益方（例如抵消的对象）", "on whose behalf (e.g. whose emissions it offsets)"),
        **WRITE,
    },
)
declare(
    "registry.pledged",
    {
        "": (
            "各县有效质押的登记表：笔数、质押的估值和贷款金额。",
            "The register of active pledges per county: number, valued amount pledged and loans.",
        ),
        "json_record": ("以 JSON 输出", "print it as JSON"),
        **STORE,
    },
)
register(
    {
        "verified": (
            "✔ 登记簿账本校验通过：共 {entries} 条记录，其中 {audit} 条与审计日志中的记录一致",
            "✔ the registry ledger verifies: {entries} entries, {audit} held against the audit log",
        ),
        "bad": ("✘ 登记簿账本第 {seq} 条：{reason}", "✘ registry ledger entry {seq}: {reason}"),
        "no_key": (
            "错误：{key_file} 处没有审计密钥，而数据库中已有审计记录；请用 `--key-file` 给出服务器的密钥",
            "error: no audit key at {key_file} while the store has audit entries; give the server's key "
            "with --key-file",
        ),
        "bad_date": (
            "{option} {value!r} 不是日期；修改：请写成 年-月-日，例如 2025-06-01",
            "{option} {value!r} is not a day; fix: write it YYYY-MM-DD, e.g. 2025-06-01",
        ),
        "bad_json": ("{path}：不是 JSON（{reason}）", "{path}: not JSON ({reason})"),
        "sink_only": (
            "`--tonnes-co2`、`--year-from`、`--year-to`、`--asset` 只适用于 `carbon_sink` 权利",
            "--tonnes-co2, --year-from, --year-to and --asset are for a carbon_sink right only",
        ),
        "no_boundary": ("没有边界", "no boundary"),
        "registered": (
            "已登记 {serial}：{type}，县 {county}，{area}",
            "registered {serial}: {type}, county {county}, {area}",
        ),
        "valued": (
            "{serial} 已估值：{value} 元（证书 {sha}…，{on}）{interval}",
            "{serial} valued at {value} yuan (certificate {sha}…, {on}){interval}",
        ),
        "interval": ("，90% 区间 {low}–{high} 元", ", 90 % interval {low}–{high} yuan"),
        "pledged_one": (
            "{serial} 已质押给 {bank}：贷款 {loan} 元，上限 {ltv} × 估值 {value} 元 = {most} 元",
            "{serial} pledged to {bank}: loan {loan} yuan, limit {ltv} × valuation {value} yuan = "
            "{most} yuan",
        ),
        "released": (
            "{serial} 已解除对 {bank} 的质押（{on}）",
            "{serial} released from its pledge to {bank} ({on})",
        ),
        "deposited": (
            "{serial} 已存入 {bank}（存入人 {depositor}）",
            "{serial} deposited in {bank} (by {depositor})",
        ),
        "packaged": (
            "已组建资产包 {serial}：{members}，{area}",
            "package {serial} made of {members}, {area}",
        ),
        "listed": (
            "{serial} 已挂牌（{mode}）：{price} 元，截止 {closes}（协调世界时）",
            "{serial} listed ({mode}) at {price} yuan until {closes} UTC",
        ),
        "mode.fixed": ("按挂牌价，先到先得", "fixed price, first acceptable bid"),
        "mode.auction": ("竞价，期满时最高价成交", "auction, highest bid at close"),
        "delisted": ("{serial} 已撤牌", "{serial} delisted"),
        "bid_placed": ("已出价 {price} 元（出价编号 {id}）", "bid {price} yuan placed (bid {id})"),
        "traded": (
            "成交 {trade}：{serial} 以 {price} 元由 {seller} 转让给 {buyer}",
            "trade {trade}: {serial} sold by {seller} to {buyer} for {price} yuan",
        ),
        "unsold": ("{serial} 流拍：没有有效出价", "{serial} unsold: no valid bid"),
        "settled": (
            "成交 {trade} 已结算：{amount} 元（凭证 {reference}，{on}）",
            "trade {trade} settled: {amount} yuan (reference {reference}, {on})",
        ),
        "retired": ("{serial} 已注销：{reason}", "{serial} retired: {reason}"),
        "pledged_header": (
            "县 名称 质押笔数 质押估值（元） 贷款（元）",
            "county name pledges valued (yuan) loans (yuan)",
        ),
        "pledged_none": ("没有有效的质押", "no active pledge"),
        "separator": ("、", ", "),
    },
    prefix="cli.registry.",
)
register(
    {
        "what.the boundary GeoJSON": ("边界 GeoJSON 文件", "the boundary GeoJSON"),
        "what.the certificate JSON": ("估值证书 JSON 文件", "the certificate JSON"),
    },
    prefix="cli.",
)


# --- the store ---------------------------------------------------------------------------------


def _store(data: Path, database_url: str | None, key_file: Path | None, write: bool | None):
    """The migrated store with its audit key configured (``write``: True to write, False to verify,
    None to read only, which needs no key); a missing key is made only for writing to a store that
    has no audit entries yet (else every hash would be keyed differently from the server's)."""
    from sqlalchemy import func, select

    from ecoledger.platform import audit
    from ecoledger.platform.app import Settings
    from ecoledger.platform.db import Database
    from ecoledger.platform.models import AuditEntry

    db = Database(Settings(data_dir=data, database_url=database_url).url)
    db.migrate()
    key_file = key_file or data / audit.KEY_FILE
    if write is None:
        return db
    if not key_file.is_file():
        with db.transaction(write=False) as s:
            entries = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        if entries or not write:
            typer.echo(text("registry.no_key", key_file=key_file), err=True)
            raise typer.Exit(1)
    audit.configure(db, key_file, folder=data)
    return db


def _day(value: str | None, option: str):
    import datetime as dt

    from ecoledger.errors import InputError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(key="cli.registry.bad_date", option=option, value=value) from None


def _yuan(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _json_file(path: Path) -> dict:
    from ecoledger.errors import InputError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(key="cli.registry.bad_json", path=path, reason=str(exc)[:200]) from None


def _area(km2: float | None) -> str:
    return text("registry.no_boundary") if km2 is None else f"{km2:,.4f} km²"


# --- commands ------------------------------------------------------------------------------------


@app.command("verify", cls=Command)
def verify(data: Path = DATA, database_url: str | None = URL, key_file: Path | None = KEY) -> None:
    """Recompute the registry ledger's hash chain; exit 1 naming the first bad entry."""
    from ecoledger.registry import ledger

    db = _store(data, database_url, key_file, write=False)
    with db.transaction(write=False) as s:
        result = ledger.verify(s)
    if result.ok:
        typer.echo(text("registry.verified", entries=result.entries, audit=result.audit_entries))
        return
    typer.echo(text("registry.bad", seq=result.first_bad_seq, reason=result.reason(language())))
    raise typer.Exit(1)


@app.command("register", cls=Command)
def register_right(
    serial: str,
    type: Annotated[str, typer.Option()],
    owner: Annotated[str, typer.Option()],
    county: Annotated[str, typer.Option()],
    name: str = "",
    boundary: Path | None = None,
    tonnes_co2: float | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    asset: str | None = None,
    demonstration: bool = False,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Register a right (parcel types with a boundary, quotas without)."""
    from ecoledger.errors import InputError
    from ecoledger.registry import ledger

    require(boundary, "the boundary GeoJSON", "--boundary", folder=False)
    sink = {"tonnes_co2": tonnes_co2, "year_from": year_from, "year_to": year_to, "asset": asset}
    given = {k: v for k, v in sink.items() if v is not None}
    if given and type != "carbon_sink":
        raise InputError(key="cli.registry.sink_only")
    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        right = ledger.register(
            s,
            actor,
            serial=serial,
            type=type,
            owner=owner,
            county=county,
            name=name,
            boundary=_json_file(boundary) if boundary else None,
            attributes=given,
            demonstration=demonstration,
        )
        typer.echo(
            text(
                "registry.registered",
                serial=right.serial,
                type=right.type,
                county=right.county,
                area=_area(right.area_km2),
            )
        )


@app.command("value", cls=Command)
def value(
    serial: str,
    certificate: Annotated[Path | None, typer.Argument()] = None,
    sha256: str | None = None,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Attach a VEP valuation certificate to a right or package."""
    from ecoledger.registry import finance

    require(certificate, "the certificate JSON", "CERTIFICATE", folder=False)
    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = finance.attach_valuation(
            s, actor, serial, _json_file(certificate) if certificate else None, sha256
        )
        interval = (
            ""
            if row.p05_yuan is None or row.p95_yuan is None
            else text("registry.interval", low=_yuan(row.p05_yuan), high=_yuan(row.p95_yuan))
        )
        typer.echo(
            text(
                "registry.valued",
                serial=serial,
                value=_yuan(row.value_yuan),
                sha=row.certificate_sha256[:12],
                on=row.valued_on,
                interval=interval,
            )
        )


@app.command("pledge", cls=Command)
def pledge(
    serial: str,
    bank: Annotated[str, typer.Option()],
    loan: Annotated[float, typer.Option()],
    term_months: Annotated[int, typer.Option()],
    start: Annotated[str, typer.Option()],
    ltv: float | None = None,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Register a pledge within the loan-to-value limit."""
    from ecoledger.registry import finance

    day = _day(start, "--start")
    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = finance.pledge(
            s, actor, serial, bank=bank, loan_yuan=loan, term_months=term_months, start_on=day, ltv=ltv
        )
        typer.echo(
            text(
                "registry.pledged_one",
                serial=serial,
                bank=row.bank,
                loan=_yuan(row.loan_yuan),
                ltv=f"{row.ltv_limit:g}",
                value=_yuan(row.valued_yuan),
                most=_yuan(finance.max_loan(row.valued_yuan, row.ltv_limit)),
            )
        )


@app.command("release", cls=Command)
def release(
    serial: str,
    on: str | None = None,
    bank: str | None = None,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Release the active pledge of a right or package."""
    from ecoledger.registry import finance

    day = _day(on, "--on")
    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = finance.release(s, actor, serial, day, bank)
        typer.echo(text("registry.released", serial=serial, bank=row.bank, on=row.released_on))


@app.command("deposit", cls=Command)
def deposit(
    serial: str,
    bank: Annotated[str, typer.Option()],
    depositor: str | None = None,
    on: str | None = None,
    term_years: int | None = None,
    terms: str = "",
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Deposit a right into a 两山 bank."""
    from ecoledger.registry import bank as two_mountains

    day = _day(on, "--on")
    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = two_mountains.deposit(
            s,
            actor,
            serial,
            bank=bank,
            depositor=depositor,
            deposited_on=day,
            term_years=term_years,
            terms=terms,
        )
        typer.echo(text("registry.deposited", serial=serial, bank=row.bank, depositor=row.depositor))


@app.command("package", cls=Command)
def package(
    serial: str,
    members: list[str],
    bank: Annotated[str, typer.Option()],
    name: str = "",
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Package rights deposited in one bank, in one county, into a project."""
    from ecoledger.registry import bank as two_mountains

    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = two_mountains.package(s, actor, serial=serial, bank=bank, members=members, name=name)
        typer.echo(
            text(
                "registry.packaged",
                serial=row.serial,
                members=text("registry.separator").join(row.attributes["members"]),
                area=_area(row.area_km2),
            )
        )


@app.command("list", cls=Command)
def list_(
    serial: str,
    price: Annotated[float, typer.Option()],
    days: Annotated[int, typer.Option()],
    mode: str = "fixed",
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """List a right or package (fixed: first acceptable bid; auction: highest bid at close)."""
    from ecoledger.registry import bank as two_mountains

    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = two_mountains.list_right(s, actor, serial, price_yuan=price, term_days=days, mode=mode)
        typer.echo(
            text(
                "registry.listed",
                serial=serial,
                mode=text(f"registry.mode.{row.mode}"),
                price=_yuan(row.price_yuan),
                closes=row.closes_at.isoformat(timespec="seconds"),
            )
        )


@app.command("delist", cls=Command)
def delist(
    serial: str,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Withdraw the listing of a right or package."""
    from ecoledger.registry import bank as two_mountains

    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        two_mountains.delist(s, actor, serial)
        typer.echo(text("registry.delisted", serial=serial))


def _print_trade(trade: dict | None) -> None:
    if trade is not None:
        typer.echo(
            text(
                "registry.traded",
                trade=trade["id"],
                serial=trade["serial"],
                price=_yuan(trade["price_yuan"]),
                seller=trade["seller"],
                buyer=trade["buyer"],
            )
        )


@app.command("bid", cls=Command)
def bid(
    serial: str,
    price: Annotated[float, typer.Option()],
    bidder: Annotated[str, typer.Option()],
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
) -> None:
    """Bid on the listing of a right or package."""
    from ecoledger.registry import bank as two_mountains

    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        placed = two_mountains.bid(s, bidder, serial, price)
    typer.echo(text("registry.bid_placed", price=_yuan(placed["bid"]["price_yuan"]), id=placed["bid"]["id"]))
    _print_trade(placed["trade"])


@app.command("close", cls=Command)
def close(
    serial: str,
    force: bool = False,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Close a listing: the highest valid bid trades, else unsold."""
    from ecoledger.registry import bank as two_mountains

    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        closed = two_mountains.close(s, actor, serial, force=force)
    if closed["trade"] is None:
        typer.echo(text("registry.unsold", serial=serial))
    _print_trade(closed["trade"])


@app.command("settle", cls=Command)
def settle(
    serial: str,
    trade: Annotated[int, typer.Option()],
    amount: Annotated[float, typer.Option()],
    reference: Annotated[str, typer.Option()],
    paid_on: Annotated[str, typer.Option()],
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Record the payment of a trade."""
    from ecoledger.registry import bank as two_mountains

    day = _day(paid_on, "--paid-on")
    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = two_mountains.settle(
            s, actor, serial, trade_id=trade, amount_yuan=amount, reference=reference, paid_on=day
        )
        typer.echo(
            text(
                "registry.settled",
                trade=row.trade_id,
                amount=_yuan(row.amount_yuan),
                reference=row.reference,
                on=row.paid_on,
            )
        )


@app.command("retire", cls=Command)
def retire(
    serial: str,
    reason: Annotated[str, typer.Option()],
    beneficiary: str = "",
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Retire a right or package (final)."""
    from ecoledger.registry import bank as two_mountains

    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        row = two_mountains.retire(s, actor, serial, reason=reason, beneficiary=beneficiary)
        typer.echo(text("registry.retired", serial=serial, reason=row.reason))


@app.command("pledged", cls=Command)
def pledged(
    json_record: Annotated[bool, typer.Option("--json")] = False,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
) -> None:
    """The register of active pledges per county."""
    from ecoledger.registry import finance

    db = _store(data, database_url, key_file, write=None)
    with db.transaction(write=False) as s:
        rows = finance.pledged_by_county(s)
    if json_record:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        typer.echo(text("registry.pledged_none"))
        return
    typer.echo(text("registry.pledged_header"))
    for r in rows:
        name = r["name_zh"] if language() == "zh" else (r["name_en"] or r["name_zh"])
        typer.echo(
            f"{r['county']} {name or '—'} {r['pledges']} {_yuan(r['valued_yuan'])} {_yuan(r['loan_yuan'])}"
        )
