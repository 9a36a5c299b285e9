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
            "自然资源权利登记（宗地检查与登记）、估值与绿色金融（质押）、“两山”银行、权利交易、生态信用评分和"
            "产品追溯，以及江西示例。",
            "Natural-resource rights registration (parcel checks and registration), valuation and green "
            "finance (pledges), the 两山 resource bank, rights trading, ecological credit scores and "
            "product traceability, and the Jiangxi worked example.",
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


# --- parcels, credit, traceability, the demo (issue 18 items 2, 5, 6, 7) ------------------------------

parcels_app = typer.Typer(cls=Group, name="parcels", no_args_is_help=True)
credit_app = typer.Typer(cls=Group, name="credit", no_args_is_help=True)
trace_app = typer.Typer(cls=Group, name="trace", no_args_is_help=True)
app.add_typer(parcels_app, name="parcels")
app.add_typer(credit_app, name="credit")
app.add_typer(trace_app, name="trace")

BATCH = (
    "批次的 JSON 文件（`trace new` 写出，其余命令在其上追加）",
    "the batch's JSON file (written by trace new, extended by the other trace commands)",
)
declare(
    "registry.parcels",
    {
        "": (
            "自然资源地块：检查（格式、重叠、空隙）与批量登记。",
            "Natural-resource parcels: check them (fields, overlaps, gaps) and register a file of them.",
        )
    },
)
declare(
    "registry.parcels.check",
    {
        "": (
            "检查宗地文件（GeoPackage、SHP 或其 zip）：逐项列出字段和边界的问题（有错误时退出码为 2，"
            "不写任何内容），再在等积坐标系中计算宗地之间的重叠和登记范围内的空隙，写出 `overlaps.csv`、"
            "`gaps.csv` 和 `checks.gpkg`；发现重叠时退出码为 1。",
            "Check a parcel file (GeoPackage, shapefile or a zip of one): every problem of its fields "
            "and boundaries (exit 2 on errors, nothing written), then overlaps between parcels and gaps "
            "in the registration area in an equal-area CRS, written as overlaps.csv, gaps.csv and "
            "checks.gpkg; exit 1 when parcels overlap.",
        ),
        "file": ("宗地文件", "the parcel file"),
        "pack": (
            "区域数据包：核对县代码和县界，并用其等积坐标系计算面积",
            "region pack: county codes and boundaries are checked against it, areas computed in its "
            "equal-area CRS",
        ),
        "boundary": (
            "登记范围（任意坐标系的面文件，如 GeoJSON 或 GeoPackage），用于查找空隙",
            "the registration area (a polygon file in any CRS, e.g. GeoJSON or GeoPackage) to find gaps in",
        ),
        "layer": ("要读取的图层（文件有多个图层时）", "the layer to read (when the file has several)"),
        "make_valid": ("自动修复无效边界（并给出警告）", "repair invalid boundaries (with a warning)"),
        "out": ("写出检查结果的文件夹", "folder for the check's tables"),
    },
)
declare(
    "registry.parcels.register",
    {
        "": (
            "登记宗地文件中的全部宗地（每个宗地一项权利，全部成功或全部不登记）：先做与 `parcels check` "
            "相同的检查，并与登记簿中已有的同类权利比对重叠。",
            "Register every parcel of a file (one right each; all or none): the checks of parcels check "
            "first, and overlaps with the rights of the same type already registered.",
        ),
        "file": ("宗地文件", "the parcel file"),
        "pack": (
            "区域数据包：核对县代码和县界",
            "region pack: county codes and boundaries are checked against it",
        ),
        "layer": ("要读取的图层（文件有多个图层时）", "the layer to read (when the file has several)"),
        "demonstration": (
            "标记为演示数据（`status` 列为 `demonstration` 的宗地总是如此标记）",
            "mark them as demonstration data (parcels whose status column is demonstration always are)",
        ),
        **WRITE,
    },
)
declare(
    "registry.credit",
    {"": ("生态信用：按所引规则表评分。", "Ecological credit: scores under a cited rule table.")},
)
declare(
    "registry.credit.score",
    {
        "": (
            "按规则为一个主体评分：得分、等级、缺失指标和有效期；模板规则（如村、个人）拒绝评分并说明须填写的内容。",
            "Score one subject under a rule: score, grade, missing indicators and expiry; a template rule "
            "(e.g. village, individual) refuses, saying what to fill in.",
        ),
        "rule": ("规则编号，例如 `gz_enterprise_2015`", "the rule's id, e.g. gz_enterprise_2015"),
        "values": (
            "证据表：CSV（`indicator,value,evidence_id,date,recorded_by,description`）或 JSON（指标 → 数值）",
            "the evidence: a CSV (indicator,value,evidence_id,date,recorded_by,description) or a JSON "
            "object (indicator → value)",
        ),
        "rules": (
            "规则表 CSV（默认：随附的 `credit_rules.csv`）",
            "the rule table CSV (default: the bundled credit_rules.csv)",
        ),
        "on": ("评价日期（年-月-日；默认今天）", "evaluation day (YYYY-MM-DD; default today)"),
        "subject": ("被评价主体的名称或编号", "the subject's name or id"),
        "json_record": ("以 JSON 输出评分记录", "print the score's record as JSON"),
    },
)
declare(
    "registry.trace",
    {
        "": (
            "产品追溯：批次、流转环节、证书、追溯码核验与公开查询页。",
            "Product traceability: batches, custody steps, certificates, trace-code checks and the public "
            "lookup page.",
        )
    },
)
declare(
    "registry.trace.new",
    {
        "": (
            "新建批次并写出其 JSON 文件，给出追溯码。",
            "Start a batch, write its JSON file and give its trace code.",
        ),
        "batch_file": BATCH,
        "batch_id": ("批次号", "the batch's id"),
        "product": ("产品名称（中文）", "the product's name (Chinese)"),
        "product_en": ("产品英文名称", "the product's English name"),
        "parcel": ("产地地块编号", "serial number of the origin parcel"),
        "county": ("产地所在县（名称）", "county of origin (name)"),
        "county_code": ("产地所在县的六位代码", "six-digit code of the county of origin"),
        "producer": ("生产者", "the producer"),
        "created": (
            "登记时间（ISO 8601；不带时区时按北京时间）",
            "time of registration (ISO 8601; Beijing time without an offset)",
        ),
    },
)
declare(
    "registry.trace.step",
    {
        "": (
            "追加一个流转环节（采收、加工、包装、贮藏、运输、销售），检查损耗与时间顺序。",
            "Append a custody step (harvest, processing, packing, storage, transport, sale), checking "
            "losses and the order in time.",
        ),
        "batch_file": BATCH,
        "kind": (
            "环节：`harvest`、`processing`、`packing`、`storage`、`transport` 或 `sale`",
            "the step: harvest, processing, packing, storage, transport or sale",
        ),
        "actor": ("经办方", "who did it"),
        "place": ("地点", "where"),
        "at": ("时间（ISO 8601）", "when (ISO 8601)"),
        "output": ('产出数量和单位，例如 `"950 kg"`', 'output quantity with its unit, e.g. "950 kg"'),
        "input": (
            "投入数量和单位（采收以外的环节必填）",
            "input quantity with its unit (every step but the harvest)",
        ),
        "note": ("备注", "a note"),
    },
)
declare(
    "registry.trace.certify",
    {
        "": (
            "附上证书：`climate_quality` 按所引阈值评价产地所在县气象站的气候（`--rule`）；`brand`、"
            "`green_food`、`organic` 须给出有效期。",
            "Attach a certificate: climate_quality grades the station climate of the origin's county "
            "against the cited thresholds (--rule); brand, green_food and organic need their validity.",
        ),
        "batch_file": BATCH,
        "kind": (
            "证书类型：`climate_quality`、`brand`、`green_food` 或 `organic`",
            "kind: climate_quality, brand, green_food or organic",
        ),
        "number": ("证书编号", "the certificate's number"),
        "issuer": ("颁发机构", "the issuer"),
        "rule": (
            "气候品质规则（默认 `gannan_navel_orange_suitability`）",
            "the climate-quality rule (default gannan_navel_orange_suitability)",
        ),
        "issued": ("颁发日期（年-月-日；默认今天）", "day of issue (YYYY-MM-DD; default today)"),
        "valid_from": ("有效期起（年-月-日）", "valid from (YYYY-MM-DD)"),
        "valid_until": ("有效期止（年-月-日）", "valid until (YYYY-MM-DD)"),
        "brand": (
            "品牌代码（`brands.csv`），如 `gannan_navel_orange`",
            "brand code (brands.csv), e.g. gannan_navel_orange",
        ),
        "scope": ("证书范围", "the certificate's scope"),
    },
)
declare(
    "registry.trace.verify",
    {
        "": (
            "核验追溯码与批次记录：校验位、产地记录、每条记录的哈希链接；不是“有效”时退出码为 1。",
            "Check a trace code against the batch: check character, origin record, every entry's hash "
            "link; exit 1 unless valid.",
        ),
        "batch_file": BATCH,
        "code": ("要核验的追溯码（默认：批次自己的）", "the code to check (default: the batch's own)"),
        "head": ("登记册保存的链条末端哈希", "the chain head the registry stored"),
    },
)
declare(
    "registry.trace.lookup",
    {
        "": (
            "写出批次的公开查询页：`index.html`（中文）和 `index.en.html`（英文）。",
            "Write the batch's public lookup page: index.html (Chinese) and index.en.html (English).",
        ),
        "batch_file": BATCH,
        "out": ("写出页面的文件夹", "folder for the pages"),
        "on": (
            "判断证书有效期的日期（默认今天）",
            "day the certificates' validity is judged on (default today)",
        ),
        "base_url": (
            "查询地址的前缀（二维码指向它）",
            "prefix of the lookup address (the QR code points there)",
        ),
    },
)
declare(
    "registry.demo",
    {
        "": (
            "江西示例：在输出文件夹中新建登记簿，逐步演示宗地检查与登记、估值、质押、存入、打包、挂牌、出价、"
            "成交、结算、碳汇注销、信用评分和赣南脐橙追溯，写出 index.html。",
            "The Jiangxi worked example: a new registry in the output folder, step by step through parcel "
            "checks and registration, valuation, pledge, deposit, package, listing, bids, trade, "
            "settlement, carbon-sink retirement, a credit score and a traced batch of Gannan navel "
            "oranges, with an index.html.",
        ),
        "pack": (
            "江西区域数据包（如 `out/jiangxi-pack`）",
            "the Jiangxi region pack (e.g. out/jiangxi-pack)",
        ),
        "accounts_dir": (
            "含价值量地图的核算输出文件夹（如 `out/jiangxi-2019`）",
            "an account output folder with value maps (e.g. out/jiangxi-2019)",
        ),
        "county": (
            "抽取演示宗地的赣州市县（代码）",
            "the Ganzhou county to draw the demonstration parcels in (code)",
        ),
        "out": ("输出文件夹", "the output folder"),
    },
)
register(
    {
        "panel.registration": ("登记", "Registration"),
        "panel.finance": ("估值与绿色金融", "Valuation and finance"),
        "panel.bank": ("“两山”银行", "Resource bank (两山)"),
        "panel.trading": ("权利交易", "Trading"),
        "panel.credit": ("生态信用", "Credit"),
        "panel.traceability": ("产品追溯", "Traceability"),
        "panel.example": ("示例", "Worked example"),
        "parcels.read": (
            "{file}：{count} 个宗地通过检查，总面积 {area} km²（{crs}）",
            "{file}: {count} parcels pass, {area} km² in all ({crs})",
        ),
        "parcels.warning": ("警告：{message} → {fix}", "warning: {message} → {fix}"),
        "parcels.overlaps": (
            "重叠：{count} 对，共 {area} m²",
            "overlaps: {count} pairs, {area} m² in all",
        ),
        "parcels.overlap": (
            "  {a} 与 {b} 重叠 {area} m²（分别占 {share_a} 和 {share_b}）",
            "  {a} overlaps {b} by {area} m² ({share_a} and {share_b} of them)",
        ),
        "parcels.gaps": (
            "空隙：{count} 处，共 {area} km²，占登记范围的 {share}",
            "gaps: {count}, {area} km² in all, {share} of the registration area",
        ),
        "parcels.no_boundary": (
            "未给出登记范围（`--boundary`）：未查找空隙",
            "no registration area (--boundary): gaps not looked for",
        ),
        "parcels.written": ("检查结果 → {path}", "the check's tables → {path}"),
        "parcels.registered": (
            "已登记 {count} 个宗地（{area} km²）：{first} … {last}",
            "registered {count} parcels ({area} km²): {first} … {last}",
        ),
        "credit.rule": (
            "规则：{name}（`{rule}`，版本 {version}）",
            "rule: {name} ({rule}, version {version})",
        ),
        "credit.score": ("得分：{score}", "score: {score}"),
        "credit.bounds": (
            "（缺失指标按 0 和 100 分计：{low}–{high}）",
            " (missing indicators at 0 and 100 points: {low}–{high})",
        ),
        "credit.grade": ("等级：{grade}", "grade: {grade}"),
        "credit.withheld": ("不评定（覆盖权重不足）", "withheld (too little weight covered)"),
        "credit.missing": ("缺失指标：{missing}", "missing: {missing}"),
        "credit.none": ("无", "none"),
        "credit.expires": ("有效至：{date}（{status}）", "valid until: {date} ({status})"),
        "credit.status.valid": ("有效", "valid"),
        "credit.status.expired": ("已过期", "expired"),
        "credit.note": ("说明：{note}", "note: {note}"),
        "credit.listing": ("挂牌：{reason}", "listing: {reason}"),
        "credit.bad_values": (
            "{path}：既不是证据 CSV，也不是“指标 → 数值”的 JSON 对象；修改：见 `--help`",
            "{path}: neither an evidence CSV nor a JSON object of indicator → value; fix: see --help",
        ),
        "trace.exists": (
            "{path} 已存在：批次文件不覆盖；修改：换一个文件名",
            "{path} exists: a batch file is not overwritten; fix: choose another name",
        ),
        "trace.bad_quantity": (
            '{option} {value!r} 不是“数量 单位”；修改：例如 "950 kg"',
            '{option} {value!r} is not "amount unit"; fix: e.g. "950 kg"',
        ),
        "trace.created": (
            "已建批次 {batch}：追溯码 {code} → {path}",
            "batch {batch} started: trace code {code} → {path}",
        ),
        "trace.stepped": (
            "{batch} 第 {seq} 条：{kind}，{quantity}（哈希 {hash}…）",
            "{batch} entry {seq}: {kind}, {quantity} (hash {hash}…)",
        ),
        "trace.certified": (
            "{batch} 第 {seq} 条：证书 {number}（{kind}），{valid_from} 至 {valid_until}",
            "{batch} entry {seq}: certificate {number} ({kind}), {valid_from} to {valid_until}",
        ),
        "trace.climate": (
            "气候品质：{product}，{grade}（{complete}）；气象站 {station}",
            "climate quality: {product}, {grade} ({complete}); station {station}",
        ),
        "trace.complete": ("指标齐全", "complete"),
        "trace.incomplete": ("缺少 {missing}", "lacking {missing}"),
        "trace.needs": (
            "`{kind}` 证书须给出 {options}",
            "a {kind} certificate needs {options}",
        ),
        "trace.status": ("{code}：{status}", "{code}: {status}"),
        "trace.problem": ("  - {problem}", "  - {problem}"),
        "trace.lookup": ("查询页 → {zh}、{en}", "lookup pages → {zh}, {en}"),
        "demo.step": ("{step}", "{step}"),
        "demo.written": (
            "登记簿示例 → {path}（{seconds} 秒）",
            "registry worked example → {path} ({seconds} s)",
        ),
    },
    prefix="cli.registry.",
)
register(
    {
        "what.the parcel file": ("宗地文件", "the parcel file"),
        "what.the registration area": ("登记范围文件", "the registration area"),
        "what.the region pack": ("区域数据包", "the region pack"),
        "what.the evidence file": ("证据文件", "the evidence file"),
        "what.the credit rule table": ("信用规则表", "the credit rule table"),
        "what.the batch file": ("批次文件", "the batch file"),
        "what.an account output folder with maps": (
            "含地图的核算输出文件夹",
            "an account output folder with maps",
        ),
    },
    prefix="cli.",
)

# the sections of `ecoledger registry --help`, in order: (panel, commands)
SECTIONS = (
    ("registration", ("parcels", "register", "verify")),
    ("finance", ("value", "pledge", "release", "pledged")),
    ("bank", ("deposit", "package")),
    ("trading", ("list", "delist", "bid", "close", "settle", "retire")),
    ("credit", ("credit",)),
    ("traceability", ("trace",)),
    ("example", ("demo",)),
)


class _Sections(Group):
    """The registry's group: its commands listed by section (``SECTIONS``), each section a panel
    titled in the command's language."""

    def list_commands(self, ctx):
        order = [name for _, names in SECTIONS for name in names]
        known = list(self.commands)
        return [n for n in order if n in self.commands] + [n for n in known if n not in order]

    def format_help(self, ctx, formatter):
        for panel, names in SECTIONS:
            for name in names:
                if name in self.commands:
                    self.commands[name].rich_help_panel = text(f"registry.panel.{panel}", ctx)
        return super().format_help(ctx, formatter)


app.info.cls = _Sections


# --- parcels ---------------------------------------------------------------------------------------


def _print_warnings(found) -> None:
    lang = language()
    for p in found:
        message = p.message_zh if lang == "zh" and p.message_zh else p.message
        fix = p.fix_zh if lang == "zh" and p.fix_zh else p.fix
        typer.echo(text("registry.parcels.warning", message=message, fix=fix), err=True)


def _print_overlaps(table, limit: int = 20) -> None:
    typer.echo(text("registry.parcels.overlaps", count=len(table), area=f"{table['overlap_m2'].sum():,.1f}"))
    for row in table.head(limit).itertuples():
        typer.echo(
            text(
                "registry.parcels.overlap",
                a=row.serial_a,
                b=row.serial_b,
                area=f"{row.overlap_m2:,.1f}",
                share_a=f"{row.share_a:.1%}",
                share_b=f"{row.share_b:.1%}",
            )
        )


@parcels_app.command("check", cls=Command)
def parcels_check(
    file: Path,
    out: Annotated[Path, typer.Option()],
    pack: Path | None = None,
    boundary: Path | None = None,
    layer: str | None = None,
    make_valid: bool = False,
) -> None:
    """Check a parcel file; write the overlap and gap tables; exit 1 when parcels overlap."""
    require(file, "the parcel file", "FILE")
    require(pack, "the region pack", "--pack", folder=True)
    require(boundary, "the registration area", "--boundary", folder=False)
    from ecoledger.registry import parcels

    found = parcels.read_parcels(file, pack=pack, layer=layer, make_valid=make_valid)
    _print_warnings(found.warnings)
    lang = language()
    typer.echo(
        text(
            "registry.parcels.read",
            file=found.file,
            count=len(found.parcels),
            area=f"{found.parcels['area_m2'].sum() / 1e6:,.4f}",
            crs=found.area_crs.note(lang),
        )
    )
    area = None
    if boundary is not None:
        import geopandas as gpd

        area = gpd.read_file(boundary)
        if area.crs is None:
            area = area.set_crs("EPSG:4326")
    checks = parcels.check_parcels(found, area)
    written = parcels.write_checks(checks, out)
    _print_overlaps(checks.overlaps)
    if checks.gaps is None:
        typer.echo(text("registry.parcels.no_boundary"))
    else:
        gaps = checks.gaps
        typer.echo(
            text(
                "registry.parcels.gaps",
                count=len(gaps),
                area=f"{gaps['area_m2'].sum() / 1e6:,.4f}",
                share=f"{gaps['share_of_area'].sum():.1%}",
            )
        )
    typer.echo(text("registry.parcels.written", path=written["gpkg"].parent))
    if len(checks.overlaps):
        raise typer.Exit(1)


@parcels_app.command("register", cls=Command)
def parcels_register(
    file: Path,
    pack: Path | None = None,
    layer: str | None = None,
    demonstration: bool = False,
    data: Path = DATA,
    database_url: str | None = URL,
    key_file: Path | None = KEY,
    actor: str = ACTOR,
) -> None:
    """Register every parcel of a file (all or none)."""
    require(file, "the parcel file", "FILE")
    require(pack, "the region pack", "--pack", folder=True)
    from ecoledger.registry import ledger, parcels

    found = parcels.read_parcels(file, pack=pack, layer=layer)
    _print_warnings(found.warnings)
    db = _store(data, database_url, key_file, write=True)
    with db.transaction() as s:
        rights = ledger.register_parcels(s, actor, found, demonstration)
        typer.echo(
            text(
                "registry.parcels.registered",
                count=len(rights),
                area=f"{sum(r.area_km2 or 0 for r in rights):,.4f}",
                first=rights[0].serial,
                last=rights[-1].serial,
            )
        )


# --- credit ----------------------------------------------------------------------------------------


def read_evidence(path: Path):
    """Evidence from a CSV (``credit.evidence_from_table``'s columns) or a JSON object (indicator →
    value) or list of records."""
    import csv

    from ecoledger.errors import InputError

    if path.suffix.lower() == ".json":
        found = _json_file(path)
        if isinstance(found, dict | list):
            return found
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if rows and "indicator" in rows[0]:
            return rows
    raise InputError(key="cli.registry.credit.bad_values", path=path)


def score_lines(score, lang: str, on=None) -> list[str]:
    """The score as the command line prints it (and the demo page lists it)."""
    from ecoledger.messages import text as lookup
    from ecoledger.registry import credit

    def say(key: str, **fields) -> str:
        return lookup(f"cli.registry.credit.{key}", lang, **fields)

    rule = score.rule
    number = "—" if score.score is None else f"{score.score:g}"
    bounds = say("bounds", low=f"{score.bounds[0]:g}", high=f"{score.bounds[1]:g}") if score.missing else ""
    grade = score.grade.name(lang) if score.grade else (say("withheld") if score.grade_withheld else "—")
    names = [(rule.item(c).name_zh if lang == "zh" else rule.item(c).name_en) for c in score.missing]
    missing = ("、" if lang == "zh" else ", ").join(names) or say("none")
    lines = [
        say(
            "rule",
            name=rule.name_zh if lang == "zh" else rule.name_en,
            rule=rule.rule_id,
            version=rule.version,
        ),
        say("score", score=number) + bounds,
        say("grade", grade=grade),
        say("missing", missing=missing),
        say("expires", date=score.expires_on.isoformat(), status=say(f"status.{score.status(on)}")),
    ]
    lines += [say("note", note=n) for n in score.notes(lang, on)]
    _, reason = credit.may_list(score, on)
    lines.append(say("listing", reason=reason[lang]))
    return lines


@credit_app.command("score", cls=Command)
def credit_score(
    rule: Annotated[str, typer.Option()],
    values: Annotated[Path, typer.Option()],
    rules: Path | None = None,
    on: str | None = None,
    subject: str = "",
    json_record: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score one subject under a rule (a template rule refuses)."""
    import datetime as dt

    require(values, "the evidence file", "--values", folder=False)
    require(rules, "the credit rule table", "--rules", folder=False)
    from ecoledger.registry import credit

    day = _day(on, "--on") or dt.date.today()
    found = credit.load_rules(rules)
    templates = credit.load_templates()
    chosen = found.get(rule) or templates.get(rule)
    if chosen is None:
        known = ", ".join(sorted({*found, *templates}))
        raise credit.CreditError(key="credit.unknown_rule", rule=rule, known=known)
    score = credit.score_subject(chosen, read_evidence(values), day, subject_id=subject)
    if json_record:
        typer.echo(json.dumps({**score.to_dict(), "digest": score.digest()}, ensure_ascii=False, indent=1))
        return
    for line in score_lines(score, language(), day):
        typer.echo(line)


# --- traceability ----------------------------------------------------------------------------------


def _read_batch(path: Path):
    from ecoledger.registry import trace

    require(path, "the batch file", "BATCH_FILE", folder=False)
    return trace.batch_from_dict(_json_file(path))


def _write_batch(path: Path, batch) -> None:
    import os

    from ecoledger.registry import trace

    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.write_text(trace.to_json(batch) + "\n", encoding="utf-8")
    staging.replace(path)


def _quantity(value: str | None, option: str):
    from ecoledger.errors import InputError
    from ecoledger.registry import trace

    if value is None:
        return None
    parts = value.split()
    try:
        if len(parts) != 2:
            raise ValueError(value)
        return trace.Quantity(float(parts[0]), parts[1])
    except ValueError:
        raise InputError(key="cli.registry.trace.bad_quantity", option=option, value=value) from None


@trace_app.command("new", cls=Command)
def trace_new(
    batch_file: Path,
    batch_id: Annotated[str, typer.Option()],
    product: Annotated[str, typer.Option()],
    parcel: Annotated[str, typer.Option()],
    county: Annotated[str, typer.Option()],
    producer: Annotated[str, typer.Option()],
    county_code: str = "",
    product_en: str = "",
    created: str | None = None,
) -> None:
    """Start a batch and write its JSON file."""
    import datetime as dt

    from ecoledger.errors import InputError
    from ecoledger.registry import trace

    if batch_file.exists():
        raise InputError(key="cli.registry.trace.exists", path=batch_file)
    created = created or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    origin = trace.Origin(parcel, county, producer, county_code=county_code)
    batch = trace.new_batch(batch_id, product, origin, created=created, product_en=product_en)
    _write_batch(batch_file, batch)
    typer.echo(
        text("registry.trace.created", batch=batch_id, code=trace.display_code(batch.code), path=batch_file)
    )


@trace_app.command("step", cls=Command)
def trace_step(
    batch_file: Path,
    kind: Annotated[str, typer.Option()],
    actor: Annotated[str, typer.Option()],
    place: Annotated[str, typer.Option()],
    at: Annotated[str, typer.Option()],
    output: Annotated[str, typer.Option()],
    input: str | None = None,
    note: str = "",
) -> None:
    """Append a custody step."""
    from ecoledger.registry import trace

    batch = _read_batch(batch_file)
    step = trace.Step(
        kind, actor, place, at, _quantity(output, "--output"), _quantity(input, "--input"), note
    )
    batch = trace.append_step(batch, step)
    _write_batch(batch_file, batch)
    last = batch.entries[-1]
    typer.echo(
        text(
            "registry.trace.stepped",
            batch=batch.batch_id,
            seq=last.seq,
            kind=_step_name(kind),
            quantity=step.quantity_out,
            hash=last.hash[:12],
        )
    )


def _step_name(kind: str) -> str:
    from ecoledger.messages import CATALOGUE
    from ecoledger.messages import text as lookup

    key = f"registry.trace.page.step.{kind}"
    return lookup(key, language()) if key in CATALOGUE else kind


@trace_app.command("certify", cls=Command)
def trace_certify(
    batch_file: Path,
    kind: Annotated[str, typer.Option()],
    number: Annotated[str, typer.Option()],
    issuer: Annotated[str, typer.Option()],
    rule: str = "gannan_navel_orange_suitability",
    issued: str | None = None,
    valid_from: str | None = None,
    valid_until: str | None = None,
    brand: str = "",
    scope: str = "",
) -> None:
    """Attach a certificate (climate quality: evaluated on the origin county's station climate)."""
    import datetime as dt

    from ecoledger.errors import InputError
    from ecoledger.messages import text as lookup
    from ecoledger.registry import trace

    batch = _read_batch(batch_file)
    lang = language()
    if kind == "climate_quality":
        from ecoledger.registry import climate_quality

        day = _day(issued, "--issued") or dt.date.today()
        county = batch.origin.county_code or batch.origin.county
        evaluation = climate_quality.evaluate_county(rule, county)
        certificate = trace.climate_certificate(evaluation, number, issuer, day, scope=scope)
        station = evaluation["data"].get("station_name_zh" if lang == "zh" else "station_name") or "—"
        missing = ("、" if lang == "zh" else ", ").join(
            lookup(f"registry.trace.page.indicator.{code}", lang) for code in evaluation["missing"]
        )
        typer.echo(
            text(
                "registry.trace.climate",
                product=evaluation["product_zh" if lang == "zh" else "product_en"],
                grade=(evaluation["grade"] if lang == "zh" else evaluation["grade_en"]) or "—",
                complete=text("registry.trace.complete")
                if evaluation["complete"]
                else text("registry.trace.incomplete", missing=missing),
                station=station,
            )
        )
    else:
        if valid_from is None or valid_until is None:
            raise InputError(key="cli.registry.trace.needs", kind=kind, options="--valid-from, --valid-until")
        _day(valid_from, "--valid-from")
        _day(valid_until, "--valid-until")
        certificate = trace.Certificate(
            kind, number, issuer, valid_from, valid_until, brand=brand, scope=scope
        )
    batch = trace.attach_certificate(batch, certificate)
    _write_batch(batch_file, batch)
    typer.echo(
        text(
            "registry.trace.certified",
            batch=batch.batch_id,
            seq=batch.entries[-1].seq,
            number=certificate.number,
            kind=kind,
            valid_from=certificate.valid_from,
            valid_until=certificate.valid_until,
        )
    )


@trace_app.command("verify", cls=Command)
def trace_verify(batch_file: Path, code: str | None = None, head: str | None = None) -> None:
    """Check a trace code against the batch; exit 1 unless valid."""
    from ecoledger.messages import text as lookup
    from ecoledger.registry import trace

    batch = _read_batch(batch_file)
    lang = language()
    result = trace.verify(code or batch.code, batch, head=head)
    shown = trace.display_code(result.code) if len(result.code) == trace.CODE_DATA + 1 else result.code
    status = lookup(f"registry.trace.page.status.{result.status}", lang)
    typer.echo(text("registry.trace.status", code=shown, status=status))
    for key, fields in result.problems:
        problem = lookup(f"registry.trace.page.problem.{key}", lang, **dict(fields))
        typer.echo(text("registry.trace.problem", problem=problem))
    if result.status != "valid":
        raise typer.Exit(1)


@trace_app.command("lookup", cls=Command)
def trace_lookup(
    batch_file: Path,
    out: Annotated[Path, typer.Option()],
    on: str | None = None,
    base_url: str = "",
) -> None:
    """Write the batch's public lookup page in zh and en."""
    from ecoledger.registry import trace

    batch = _read_batch(batch_file)
    written = trace.write_lookup(batch, out, _day(on, "--on"), base_url)
    typer.echo(text("registry.trace.lookup", zh=written["zh"], en=written["en"]))


# --- the worked example ----------------------------------------------------------------------------


@app.command("demo", cls=Command)
def demo_command(
    pack: Annotated[Path, typer.Option()],
    accounts_dir: Annotated[Path, typer.Option("--accounts")],
    out: Annotated[Path, typer.Option()],
    county: str = "360722",
) -> None:
    """The Jiangxi worked example of the registry, with an index.html."""
    import time

    from ecoledger.atomic import atomic_directory

    require(pack, "the region pack", "--pack", folder=True)
    require(accounts_dir, "an account output folder with maps", "--accounts", folder=True)
    from ecoledger.registry import demo

    started = time.perf_counter()
    with atomic_directory(out) as folder:
        done = demo.run(pack, accounts_dir, folder, county=county)
    if language() == "en":
        for line in done.lines:
            typer.echo(line)
    typer.echo(
        text("registry.demo.written", path=out / "index.html", seconds=f"{time.perf_counter() - started:.1f}")
    )
