"""Product traceability: batches from origin parcel and producer through processing to sale, trace
codes, a hash-linked chain of custody, certificates (brand use, green/organic, climate quality),
verification of a code, and the public lookup page.

A **batch** is a header — batch id, product, origin (parcel serial number, county, producer) and
creation time — and an append-only chain of **entries**, each a custody **step** (who, where,
when, quantity in and out with units) or an attached **certificate**. Entry *n* stores
``prev`` (entry *n−1*'s hash; for the first, the header's hash) and
``hash = SHA-256(canonical JSON of {seq, type, record, prev})`` (``ecoledger.carbon.label.canonical``:
sorted keys, UTF-8, no spaces), so each hash covers every entry before it.

The **trace code** is fixed when the batch is created (it is printed before the batch is sold):
the first 50 bits of the header's hash in Crockford base32 (10 characters: digits and capitals
without I, L, O, U), then one check character (Luhn mod 32), 11 characters in all, shown grouped
``XXXX-XXXX-XXX``. It is URL-safe and uses only QR alphanumeric-mode characters. The check
character catches every single mistyped character (and most swaps of neighbours); reading
accepts lower case, spaces and hyphens, and Crockford's look-alikes (O → 0, I and L → 1).

**Loss check** (``append_step``): a step's output ≤ its input, and its input ≤ what the previous
step passed on, in comparable units (mass: g, kg, 公斤, 斤 = 0.5 kg, t; volume: mL, L; any other
unit only against itself); steps run forward in time; the first step is the harvest, with no
input. **Verification** (``verify``): ``invalid`` (checksum fails: a typo), ``unknown`` (no such
batch), ``tampered`` (the header no longer gives the code, an entry's hash or link is wrong, or
the chain's head differs from the head the registry stored), ``valid``.

**Certificates**: ``brand`` (a brand of ``data/registry/brands.csv``, each with the source of its
existence, or marked ``unverified`` where none was read — 赣字号), ``green_food`` and ``organic``
(number, issuer, validity), ``climate_quality`` (``climate_quality.evaluate`` output as the
certificate's ``evaluation``; ``climate_certificate`` issues it valid one year by default: "气候品质
认证有效期为一年", Xinjiang's practice as reported by 中国食品安全报 2022-11-29, reposted at
http://njcjwzhs.com/news/detail/816/89724.html — a default, not a national rule).
``certificate_status`` says valid, expired or not yet valid on a date. Times are ISO 8601; one
without an offset is read as Beijing time (UTC+8).

API (pure functions and frozen dataclasses; the registry core stores ``batch_to_dict`` as JSON and
the head hash, and serves ``render_lookup`` at ``LOOKUP_PATH``)
---------------------------------------------------------------------------------------------
``Origin(parcel_serial, county, producer, county_code="", producer_id="")`` ·
``Quantity(amount, unit)`` · ``Step(kind, actor, place, at, quantity_out, quantity_in=None,
note="")`` · ``Certificate(kind, number, issuer, valid_from, valid_until, brand="", scope="",
evaluation=None)`` · ``Entry`` · ``Batch`` (``.code``, ``.head``, ``.steps``, ``.certificates``) ·
``new_batch(batch_id, product, origin, *, product_en="", created) -> Batch`` ·
``append_step(batch, step) -> Batch`` · ``attach_certificate(batch, certificate) -> Batch`` ·
``losses(batch) -> list[dict]`` · ``trace_code(header) -> str`` · ``normalise_code(text) -> str`` ·
``code_is_well_formed(code) -> bool`` · ``display_code(code) -> str`` ·
``verify(code, batch, *, head=None) -> Verification`` · ``certificate_status(cert, on) -> str`` ·
``climate_certificate(evaluation, number, issuer, issued, valid_years=1) -> Certificate`` ·
``load_brands() -> dict[str, Brand]`` · ``batch_to_dict`` / ``batch_from_dict`` / ``to_json`` /
``from_json`` · ``lookup_url(code, base_url="") -> str`` · ``qr_svg(code, base_url="") -> str`` ·
``render_lookup(batch, lang, *, code=None, verification=None, on=None, base_url="",
alternates=None) -> str`` · ``TraceError`` (with a catalogue key: ``in_language("zh")``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path

from ecoledger.carbon.label import canonical
from ecoledger.errors import EcoledgerError
from ecoledger.messages import entry, register

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_DATA = 10  # characters of hash (50 bits); one check character follows
LOOKUP_PATH = "/trace/{code}"
STEP_KINDS = ("harvest", "processing", "packing", "storage", "transport", "sale")
CERTIFICATE_KINDS = ("brand", "green_food", "organic", "climate_quality")
MASS = {"g": 0.001, "kg": 1.0, "公斤": 1.0, "斤": 0.5, "t": 1000.0}
VOLUME = {"mL": 0.001, "L": 1.0}
CLIMATE_CERTIFICATE_YEARS = 1  # 中国食品安全报 2022-11-29 (Xinjiang): 气候品质认证有效期为一年
_LOOKALIKE = str.maketrans({"O": "0", "I": "1", "L": "1"})

register({
    # errors
    "error.first_step": entry("批次 {batch} 的第一个环节必须是采收（harvest），且没有投入量；"
                              "修改：先登记采收",
                              "batch {batch}: the first step must be the harvest, with no input → fix: "
                              "record the harvest first"),
    "error.no_input": entry("批次 {batch} 第 {seq} 条：{kind} 环节需要投入量", "batch {batch} entry {seq}: a "
                            "{kind} step needs its input quantity"),
    "error.step_kind": entry("环节类型 {kind} 未知；可选：{known}",
                             "step kind {kind} is unknown; one of {known}"),
    "error.quantity": entry("数量 {amount} {unit} 无效：须为非负有限数", "quantity {amount} {unit} is not a "
                            "non-negative finite number"),
    "error.units": entry("批次 {batch} 第 {seq} 条：{a} 与 {b} 无法比较；修改：用同一单位或质量单位登记",
                         "batch {batch} entry {seq}: {a} and {b} cannot be compared → fix: record both in "
                         "one unit, or in units of mass"),
    "error.gain": entry("批次 {batch} 第 {seq} 条：产出 {out} 多于投入 {inp}（损耗不能为负）",
                        "batch {batch} entry {seq}: output {out} exceeds input {inp} (a loss cannot be "
                        "negative)"),
    "error.overdraw": entry("批次 {batch} 第 {seq} 条：投入 {inp} 多于上一环节的产出 {prev}",
                            "batch {batch} entry {seq}: input {inp} exceeds the previous step's output "
                            "{prev}"),
    "error.time": entry("批次 {batch} 第 {seq} 条：时间 {at} 早于上一环节 {prev}",
                        "batch {batch} entry {seq}: time {at} is before the previous step's {prev}"),
    "error.timestamp": entry("时间 {at} 不是 ISO 8601 格式（如 2024-11-05T08:30:00+08:00）",
                             "time {at} is not ISO 8601 (e.g. 2024-11-05T08:30:00+08:00)"),
    "error.certificate_kind": entry("证书类型 {kind} 未知；可选：{known}",
                                    "certificate kind {kind} is unknown; one of {known}"),
    "error.certificate_field": entry("证书缺少 {field}", "the certificate lacks its {field}"),
    "error.validity": entry("证书 {number} 的有效期起止颠倒或格式不对（{start} – {end}）",
                            "certificate {number}: validity {start} – {end} is reversed or not ISO dates"),
    "error.brand": entry("品牌 {brand} 不在品牌表中；可选：{known}",
                         "brand {brand} is not in the brand table; one of {known}"),
    "error.evaluation": entry("气候品质证书需附带评价结果（climate_quality.evaluate 的输出）",
                              "a climate-quality certificate needs its evaluation "
                              "(climate_quality.evaluate)"),
}, prefix="registry.trace.")


class TraceError(EcoledgerError):
    """A step, certificate or batch refused: the message (catalogue key ``registry.trace.error.*``)
    names the batch, the entry and the fix."""


# --- records --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Origin:
    parcel_serial: str
    county: str
    producer: str
    county_code: str = ""
    producer_id: str = ""


@dataclass(frozen=True)
class Quantity:
    amount: float
    unit: str

    def __str__(self) -> str:
        return f"{self.amount:g} {self.unit}"


@dataclass(frozen=True)
class Step:
    kind: str
    actor: str
    place: str
    at: str
    quantity_out: Quantity
    quantity_in: Quantity | None = None
    note: str = ""


@dataclass(frozen=True)
class Certificate:
    kind: str
    number: str
    issuer: str
    valid_from: str
    valid_until: str
    brand: str = ""
    scope: str = ""
    evaluation: dict | None = None


@dataclass(frozen=True)
class Entry:
    seq: int
    type: str  # step | certificate
    record: dict
    prev: str
    hash: str


@dataclass(frozen=True)
class Batch:
    batch_id: str
    product: str
    origin: Origin
    created: str
    code: str
    product_en: str = ""
    entries: tuple[Entry, ...] = ()

    def header(self) -> dict:
        return header(self.batch_id, self.product, self.product_en, self.origin, self.created)

    @property
    def genesis(self) -> str:
        return hashlib.sha256(canonical(self.header())).hexdigest()

    @property
    def head(self) -> str:
        """The last entry's hash (the header's hash while the chain is empty)."""
        return self.entries[-1].hash if self.entries else self.genesis

    @property
    def steps(self) -> list[Step]:
        return [step_from_dict(e.record) for e in self.entries if e.type == "step"]

    @property
    def certificates(self) -> list[Certificate]:
        return [certificate_from_dict(e.record) for e in self.entries if e.type == "certificate"]


@dataclass(frozen=True)
class Verification:
    code: str
    status: str  # invalid | unknown | tampered | valid
    problems: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = field(default=())

    def to_dict(self) -> dict:
        return {"code": self.code, "status": self.status,
                "problems": [{"key": key, **dict(fields)} for key, fields in self.problems]}


@dataclass(frozen=True)
class Brand:
    brand: str
    name_zh: str
    name_en: str
    kind: str
    owner_zh: str
    evidence: str  # sourced | unverified
    source: str
    url: str
    quote: str


# --- codes ----------------------------------------------------------------------------------------

def _luhn_sum(chars: str, double_first: bool) -> int:
    total, factor = 0, 2 if double_first else 1
    for char in reversed(chars):
        addend = factor * ALPHABET.index(char)
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return total


def check_character(payload: str) -> str:
    """Luhn mod 32 check character of ``payload`` (characters of ``ALPHABET``)."""
    return ALPHABET[(32 - _luhn_sum(payload, True) % 32) % 32]


def header(batch_id: str, product: str, product_en: str, origin: Origin, created: str) -> dict:
    return {"batch_id": batch_id, "product": product, "product_en": product_en,
            "origin": asdict(origin), "created": created}


def trace_code(header_: dict) -> str:
    """The batch's code from its header (module docstring)."""
    bits = int.from_bytes(hashlib.sha256(canonical(header_)).digest()[:8], "big") >> (64 - 5 * CODE_DATA)
    payload = "".join(ALPHABET[(bits >> (5 * (CODE_DATA - 1 - i))) & 31] for i in range(CODE_DATA))
    return payload + check_character(payload)


def normalise_code(text: str) -> str:
    """A code as typed → its canonical form (upper case, no spaces or hyphens, look-alikes mapped)."""
    return "".join(str(text).split()).replace("-", "").upper().translate(_LOOKALIKE)


def code_is_well_formed(code: str) -> bool:
    code = normalise_code(code)
    return (len(code) == CODE_DATA + 1 and all(c in ALPHABET for c in code)
            and _luhn_sum(code, False) % 32 == 0)


def display_code(code: str) -> str:
    code = normalise_code(code)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def lookup_url(code: str, base_url: str = "") -> str:
    return base_url.rstrip("/") + LOOKUP_PATH.format(code=normalise_code(code))


def qr_svg(code: str, base_url: str = "") -> str:
    """The lookup address as an inline SVG QR code (segno, error correction M, as the carbon
    labels' QR codes in ``ecoledger.carbon.label.write_label``)."""
    import segno

    return segno.make(lookup_url(code, base_url), error="m").svg_inline(scale=4, border=2)


# --- building a batch -----------------------------------------------------------------------------

def _entry_hash(seq: int, type_: str, record: dict, prev: str) -> str:
    return hashlib.sha256(canonical({"seq": seq, "type": type_, "record": record, "prev": prev})).hexdigest()


def _append(batch: Batch, type_: str, record: dict) -> Batch:
    seq = len(batch.entries) + 1
    prev = batch.head
    return replace(batch, entries=(*batch.entries, Entry(seq, type_, record, prev,
                                                         _entry_hash(seq, type_, record, prev))))


def new_batch(batch_id: str, product: str, origin: Origin, *, created: str, product_en: str = "") -> Batch:
    """A batch with an empty chain and its trace code."""
    _timestamp(created)
    head_ = header(batch_id, product, product_en, origin, created)
    return Batch(batch_id, product, origin, created, trace_code(head_), product_en)


def _timestamp(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(str(text))
    except ValueError:
        raise TraceError(key="registry.trace.error.timestamp", at=text) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _quantity(quantity: Quantity) -> None:
    amount = quantity.amount
    number = isinstance(amount, int | float) and not isinstance(amount, bool)
    if not number or not math.isfinite(amount) or amount < 0:
        raise TraceError(key="registry.trace.error.quantity", amount=amount, unit=quantity.unit)


def comparable(a: Quantity, b: Quantity) -> tuple[float, float] | None:
    """``a`` and ``b`` in one unit (kg, L or their own), or None when they cannot be compared."""
    for table in (MASS, VOLUME):
        if a.unit in table and b.unit in table:
            return a.amount * table[a.unit], b.amount * table[b.unit]
    return (a.amount, b.amount) if a.unit == b.unit else None


def _tolerant_le(x: float, y: float) -> bool:
    return x <= y * (1 + 1e-9) + 1e-12


def check_step(batch: Batch, step: Step) -> None:
    """Refuse ``step`` after ``batch``'s steps (module docstring: loss, continuity, time)."""
    seq = len(batch.entries) + 1
    if step.kind not in STEP_KINDS:
        raise TraceError(key="registry.trace.error.step_kind", kind=step.kind, known=", ".join(STEP_KINDS))
    steps = batch.steps
    _quantity(step.quantity_out)
    if not steps:
        if step.kind != "harvest" or step.quantity_in is not None:
            raise TraceError(key="registry.trace.error.first_step", batch=batch.batch_id)
    else:
        if step.kind == "harvest" or step.quantity_in is None:
            raise TraceError(key="registry.trace.error.no_input", batch=batch.batch_id, seq=seq,
                             kind=step.kind)
        _quantity(step.quantity_in)
        pair = comparable(step.quantity_in, step.quantity_out)
        if pair is None:
            raise TraceError(key="registry.trace.error.units", batch=batch.batch_id, seq=seq,
                             a=str(step.quantity_in), b=str(step.quantity_out))
        if not _tolerant_le(pair[1], pair[0]):
            raise TraceError(key="registry.trace.error.gain", batch=batch.batch_id, seq=seq,
                             out=str(step.quantity_out), inp=str(step.quantity_in))
        previous = steps[-1].quantity_out
        pair = comparable(step.quantity_in, previous)
        if pair is None:
            raise TraceError(key="registry.trace.error.units", batch=batch.batch_id, seq=seq,
                             a=str(step.quantity_in), b=str(previous))
        if not _tolerant_le(pair[0], pair[1]):
            raise TraceError(key="registry.trace.error.overdraw", batch=batch.batch_id, seq=seq,
                             inp=str(step.quantity_in), prev=str(previous))
        if _timestamp(step.at) < _timestamp(steps[-1].at):
            raise TraceError(key="registry.trace.error.time", batch=batch.batch_id, seq=seq, at=step.at,
                             prev=steps[-1].at)
    _timestamp(step.at)


def step_to_dict(step: Step) -> dict:
    record = asdict(step)
    return record


def step_from_dict(record: dict) -> Step:
    quantity_in = record.get("quantity_in")
    return Step(record["kind"], record["actor"], record["place"], record["at"],
                Quantity(**record["quantity_out"]), Quantity(**quantity_in) if quantity_in else None,
                record.get("note", ""))


def append_step(batch: Batch, step: Step) -> Batch:
    """``batch`` with ``step`` appended to its chain, after ``check_step``."""
    check_step(batch, step)
    return _append(batch, "step", step_to_dict(step))


def losses(batch: Batch) -> list[dict]:
    """Each step's loss: ``{"seq", "kind", "loss", "unit", "share"}`` (input − output in the input's
    unit, and as a share of the input); the harvest has none."""
    out = []
    seq = 0
    for item in batch.entries:
        if item.type != "step":
            continue
        seq = item.seq
        step = step_from_dict(item.record)
        if step.quantity_in is None:
            out.append({"seq": seq, "kind": step.kind, "loss": None, "unit": step.quantity_out.unit,
                        "share": None})
            continue
        pair = comparable(step.quantity_in, step.quantity_out)
        factor = (MASS.get(step.quantity_in.unit) or VOLUME.get(step.quantity_in.unit) or 1.0)
        loss = None if pair is None else (pair[0] - pair[1]) / factor
        share = None if pair is None or pair[0] == 0 else (pair[0] - pair[1]) / pair[0]
        out.append({"seq": seq, "kind": step.kind, "loss": loss, "unit": step.quantity_in.unit,
                    "share": share})
    return out


# --- certificates ---------------------------------------------------------------------------------

def brands_path():
    return resources.files("ecoledger.data") / "registry" / "brands.csv"


def load_brands() -> dict[str, Brand]:
    """The brands of ``data/registry/brands.csv`` (names as data, with the source of each brand's
    existence; ``evidence = unverified`` where no source was read)."""
    with brands_path().open(encoding="utf-8", newline="") as handle:
        return {row["brand"]: Brand(**row) for row in csv.DictReader(handle)}


def check_certificate(certificate: Certificate) -> None:
    if certificate.kind not in CERTIFICATE_KINDS:
        raise TraceError(key="registry.trace.error.certificate_kind", kind=certificate.kind,
                         known=", ".join(CERTIFICATE_KINDS))
    for name in ("number", "issuer"):
        if not str(getattr(certificate, name)).strip():
            raise TraceError(key="registry.trace.error.certificate_field", field=name)
    try:
        start = dt.date.fromisoformat(certificate.valid_from)
        end = dt.date.fromisoformat(certificate.valid_until)
    except (TypeError, ValueError):
        start = end = None
    if start is None or end is None or end < start:
        raise TraceError(key="registry.trace.error.validity", number=certificate.number,
                         start=certificate.valid_from, end=certificate.valid_until)
    if certificate.kind == "brand":
        known = load_brands()
        if certificate.brand not in known:
            raise TraceError(key="registry.trace.error.brand", brand=certificate.brand,
                             known=", ".join(known))
    if certificate.kind == "climate_quality" and not certificate.evaluation:
        raise TraceError(key="registry.trace.error.evaluation")


def certificate_to_dict(certificate: Certificate) -> dict:
    return asdict(certificate)


def certificate_from_dict(record: dict) -> Certificate:
    return Certificate(**{k: record.get(k, v.default) for k, v in Certificate.__dataclass_fields__.items()})


def attach_certificate(batch: Batch, certificate: Certificate) -> Batch:
    """``batch`` with ``certificate`` appended to its chain, after checking it."""
    check_certificate(certificate)
    return _append(batch, "certificate", certificate_to_dict(certificate))


def certificate_status(certificate: Certificate, on: dt.date) -> str:
    """``valid``, ``expired`` or ``not_yet_valid`` on ``on`` (both ends of the validity count)."""
    if on < dt.date.fromisoformat(certificate.valid_from):
        return "not_yet_valid"
    if on > dt.date.fromisoformat(certificate.valid_until):
        return "expired"
    return "valid"


def climate_certificate(evaluation: dict, number: str, issuer: str, issued: dt.date,
                        valid_years: int = CLIMATE_CERTIFICATE_YEARS, scope: str = "") -> Certificate:
    """A climate-quality certificate carrying ``evaluation``, valid from ``issued`` for
    ``valid_years`` (to the day before the anniversary)."""
    try:
        end = issued.replace(year=issued.year + valid_years)
    except ValueError:  # 29 February
        end = issued.replace(year=issued.year + valid_years, day=28)
    return Certificate("climate_quality", number, issuer, issued.isoformat(),
                       (end - dt.timedelta(days=1)).isoformat(), scope=scope, evaluation=evaluation)


# --- verification ---------------------------------------------------------------------------------

def verify_chain(batch: Batch, head: str | None = None) -> list[tuple[str, dict]]:
    """Problems of ``batch``'s chain: ``(key, fields)`` for the header, each bad entry, the head."""
    problems: list[tuple[str, dict]] = []
    if trace_code(batch.header()) != normalise_code(batch.code):
        problems.append(("origin_changed", {}))
    prev = batch.genesis
    for number, item in enumerate(batch.entries, start=1):
        if item.seq != number:
            problems.append(("sequence", {"seq": item.seq}))
        if item.prev != prev:
            problems.append(("link_broken", {"seq": item.seq}))
        if _entry_hash(item.seq, item.type, item.record, item.prev) != item.hash:
            problems.append(("entry_changed", {"seq": item.seq}))
        prev = item.hash
    if head is not None and head != batch.head:
        problems.append(("head_mismatch", {}))
    return problems


def verify(code: str, batch: Batch | None, *, head: str | None = None) -> Verification:
    """Whether ``code`` is a valid trace code of ``batch`` (module docstring). ``head`` is the chain
    head the registry stored when it last appended (catches entries cut off the end)."""
    code = normalise_code(code)
    if not code_is_well_formed(code):
        return Verification(code, "invalid", (("checksum", ()),))
    if batch is None or normalise_code(batch.code) != code:
        return Verification(code, "unknown")
    problems = verify_chain(batch, head)
    if problems:
        return Verification(code, "tampered", tuple((k, tuple(sorted(f.items()))) for k, f in problems))
    return Verification(code, "valid")


# --- JSON -----------------------------------------------------------------------------------------

def batch_to_dict(batch: Batch) -> dict:
    return {"batch_id": batch.batch_id, "product": batch.product, "product_en": batch.product_en,
            "origin": asdict(batch.origin), "created": batch.created, "code": batch.code,
            "head": batch.head, "entries": [asdict(e) for e in batch.entries]}


def batch_from_dict(data: dict) -> Batch:
    """A batch as stored (hashes are not recomputed: ``verify`` finds what was changed)."""
    return Batch(data["batch_id"], data["product"], Origin(**data["origin"]), data["created"], data["code"],
                 data.get("product_en", ""), tuple(Entry(**e) for e in data.get("entries", ())))


def to_json(batch: Batch) -> str:
    return json.dumps(batch_to_dict(batch), ensure_ascii=False, indent=1)


def from_json(text: str) -> Batch:
    return batch_from_dict(json.loads(text))


# --- the lookup page ------------------------------------------------------------------------------

register({
    "title": entry("产品追溯查询", "Product trace lookup"),
    "lede": entry("扫描包装上的追溯码即可查到本批产品的产地、生产者、各流转环节与证书；"
                  "每一环节的哈希覆盖其之前的全部记录。",
                  "Scanning the trace code on the package shows this batch's origin, producer, each step "
                  "of its custody and its certificates; each step's hash covers every record before it."),
    "code": entry("追溯码", "Trace code"),
    "qr": entry("追溯码二维码（指向本页）", "QR code of the trace code (points to this page)"),
    "address": entry("查询地址", "Lookup address"),
    "status": entry("核验结果", "Verification"),
    "status_short.valid": entry("有效", "valid"),
    "status_short.tampered": entry("已被改动", "tampered"),
    "status_short.unknown": entry("未知", "unknown"),
    "status_short.invalid": entry("无效", "invalid"),
    "status.valid": entry("有效：追溯码与记录一致，链条完整",
                          "Valid: the code matches the records and the chain is intact"),
    "status.tampered": entry("记录已被改动：以下内容与签发时不符",
                             "Records changed: the following no longer match what was issued"),
    "status.unknown": entry("未知追溯码：登记册中没有此批次",
                            "Unknown code: no batch in the registry has it"),
    "status.invalid": entry("无效追溯码：校验位不符，可能输错了一个字符",
                            "Invalid code: the check character does not match; a character may be mistyped"),
    "problem.checksum": entry("校验位不符", "the check character does not match"),
    "problem.origin_changed": entry("批次的产地或产品记录已被改动（与追溯码不符）",
                                    "the batch's origin or product record was changed (it no longer gives "
                                    "the code)"),
    "problem.sequence": entry("第 {seq} 条记录的序号错位", "entry {seq} is out of sequence"),
    "problem.link_broken": entry("第 {seq} 条记录与前一条的链接断开",
                                 "entry {seq} no longer links to the one before"),
    "problem.entry_changed": entry("第 {seq} 条记录的内容已被改动", "entry {seq} was changed"),
    "problem.head_mismatch": entry("链条末端与登记册保存的不符（记录被删除或替换）",
                                   "the chain's end differs from the one the registry stored "
                                   "(entries removed or replaced)"),
    "origin": entry("产地与生产者", "Origin and producer"),
    "product": entry("产品", "Product"),
    "batch": entry("批次号", "Batch"),
    "parcel": entry("产地地块编号", "Origin parcel (serial number)"),
    "county": entry("所在县（市、区）", "County"),
    "producer": entry("生产者", "Producer"),
    "created": entry("登记时间", "Registered"),
    "steps": entry("流转环节", "Chain of custody"),
    "steps_caption": entry("各环节的经办方、地点、时间、投入与产出；损耗 = 投入 − 产出",
                           "Who, where and when, input and output of each step; loss = input − output"),
    "seq": entry("序号", "No."),
    "kind": entry("环节", "Step"),
    "actor": entry("经办方", "Who"),
    "place": entry("地点", "Where"),
    "at": entry("时间", "When"),
    "input": entry("投入", "Input"),
    "output": entry("产出", "Output"),
    "loss": entry("损耗", "Loss"),
    "hash": entry("哈希（前 12 位）", "Hash (first 12)"),
    "step.harvest": entry("采收", "harvest"),
    "step.processing": entry("加工", "processing"),
    "step.packing": entry("包装", "packing"),
    "step.storage": entry("贮藏", "storage"),
    "step.transport": entry("运输", "transport"),
    "step.sale": entry("销售", "sale"),
    "certificates": entry("证书与品牌", "Certificates and brands"),
    "no_certificates": entry("本批次没有登记证书。", "No certificate is recorded for this batch."),
    "cert.kind": entry("类型", "Kind"),
    "cert.name": entry("名称", "Name"),
    "cert.number": entry("编号", "Number"),
    "cert.issuer": entry("颁发机构", "Issuer"),
    "cert.validity": entry("有效期", "Valid"),
    "cert.state": entry("状态", "Status"),
    "cert.brand": entry("品牌使用", "brand use"),
    "cert.green_food": entry("绿色食品", "green food"),
    "cert.organic": entry("有机产品", "organic"),
    "cert.climate_quality": entry("气候品质", "climate quality"),
    "cert.valid": entry("有效", "valid"),
    "cert.expired": entry("已过期", "expired"),
    "cert.not_yet_valid": entry("尚未生效", "not yet valid"),
    "brand.source": entry("品牌来源", "Source of the brand"),
    "brand.unverified": entry("未核实：尚未读到说明该品牌存在的公开来源", "unverified: no public source "
                              "naming this brand was read"),
    "climate": entry("气候品质评价", "Climate-quality evaluation"),
    "climate.grade": entry("等级", "Grade"),
    "climate.rule": entry("评价规则", "Rule"),
    "climate.demonstration": entry("演示阈值：本规则标为演示，其阈值不是任何标准的阈值，"
                                   "评价结果不能作为认证依据。",
                                   "Demonstration thresholds: this rule is marked as a demonstration; its "
                                   "thresholds are no standard's, and the grade certifies nothing."),
    "climate.partial": entry("缺少指标（未参与定级）：{names}", "Indicators missing (not graded): {names}"),
    "climate.combination": entry("总等级取各指标中最低的等级（ecoledger 的合成规则，来源未给出合成方法）；"
                                 "某指标若已达到其规定的最高一档，则不限制其未规定的更高等级。",
                                 "The overall grade is the lowest indicator grade (ecoledger's rule: the "
                                 "sources give none); an indicator that meets the best band it defines does "
                                 "not bar better grades it defines no band for."),
    "climate.indicator": entry("指标", "Indicator"),
    "climate.period": entry("时段", "Period"),
    "climate.value": entry("数值", "Value"),
    "climate.bands": entry("分级阈值", "Bands"),
    "climate.method": entry("计算方法", "Method"),
    "climate.source": entry("来源与原文", "Source and quote"),
    "climate.data": entry("所用气候资料", "Climate data used"),
    "climate.station": entry("气象站", "Station"),
    "climate.inside": entry("位于该县境内", "inside the county"),
    "climate.outside": entry("该县境内无站点，取距离最近的站：{km} km", "no station inside the county; the "
                             "nearest, {km} km away"),
    "climate.years": entry("资料年代", "Years"),
    "climate.normals_caveat": entry("所用为 1961–1990 年气候平均值（月值），不是本批次生长季的实测："
                                    "结果是产地的气候背景等级，不是当年的认证。",
                                    "These are 1961–1990 monthly normals, not observations of this batch's "
                                    "growing season: the grade describes the place's climate, not the year's "
                                    "certification."),
    "climate.rules_version": entry("规则表版本（SHA-256）", "Rules table version (SHA-256)"),
    "climate.harvest_days": entry("采摘前第 {start}–{end} 天", "days {start}–{end} before picking"),
    "climate.supplied": entry("由申请方提供", "supplied"),
    "indicator.mean_temp_c": entry("平均气温", "mean temperature"),
    "indicator.mean_tmax_c": entry("平均最高气温", "mean maximum temperature"),
    "indicator.mean_tmin_c": entry("平均最低气温", "mean minimum temperature"),
    "indicator.active_accumulated_temp_10_c": entry("≥10 ℃ 活动积温",
                                                    "active accumulated temperature ≥ 10 °C"),
    "indicator.precipitation_mm": entry("降水量", "precipitation"),
    "indicator.sunshine_h": entry("日照时数", "sunshine hours"),
    "indicator.hot_days_tmax_35": entry("日最高气温 ≥35 ℃ 日数", "days with maximum ≥ 35 °C"),
    "indicator.mean_rh_pct": entry("平均相对湿度", "mean relative humidity"),
    "indicator.mean_extreme_min_temp_c": entry("极端最低气温", "extreme minimum temperature"),
    "indicator.climate_quality_index": entry("气候品质综合指数", "composite climate-quality index"),
    "method.daily": entry("逐日观测", "daily observations"),
    "method.daily_gap": entry("逐日资料有缺测", "daily data have gaps"),
    "method.normals_step": entry("月气候值逐日展开（每日取所在月的值）",
                                 "monthly normals, each day taking its month's value"),
    "method.normals_sunshine_pct": entry("月日照百分率 × 天文日长（FAO-56 式 34）",
                                         "monthly sunshine percentage × astronomical day length "
                                         "(FAO-56 eq. 34)"),
    "method.normals_hot_days": entry("由月平均最高气温估算的期望日数"
                                     "（日最高气温按正态分布，σ = 3 ℃，设计假定）",
                                     "expected days from the monthly mean maximum (daily maxima Normal, "
                                     "σ = 3 °C, a design assumption)"),
    "method.normals_no_extremes": entry("月气候值不含逐日极值", "monthly normals hold no daily extremes"),
    "method.normals_missing": entry("气候资料缺少该要素", "the climate data lack this variable"),
    "method.supplied": entry("由申请方提供", "supplied by the applicant"),
    "method.supplied_only": entry("须由申请方提供", "must be supplied"),
    "method.no_climate": entry("没有气候资料", "no climate data"),
    "chain": entry("链条", "Chain"),
    "chain.head": entry("链条末端哈希", "Head of the chain"),
    "chain.genesis": entry("批次记录哈希", "Hash of the batch record"),
    "none": entry("—", "—"),
}, prefix="registry.trace.page.")


def _band_text(band: dict, lang: str) -> str:
    grade = band["grade"] if lang == "zh" else band["grade_en"]
    lower, upper = band["lower"], band["upper"]
    if lower is not None and upper is not None:
        bound = f"{lower:g}–{upper:g}"
    elif lower is not None:
        bound = f"≥ {lower:g}"
    else:
        bound = f"≤ {upper:g}"
    return f"{grade} {bound}"


def _period_text(item: dict, t) -> str:
    period = item.get("period") or ""
    if not period:
        return t("registry.trace.page.climate.supplied")
    if period.startswith("H-"):
        start, end = (p.split("-")[1] for p in period.split(".."))
        text = t("registry.trace.page.climate.harvest_days", start=start, end=end)
        return text
    first, last = period.split("..")
    return f"{first} – {last}"


def _view(batch: Batch | None, lang: str, on: dt.date) -> dict:
    """What the page shows, formatted (no logic in the template beyond loops)."""
    from ecoledger.platform.i18n import number, translator

    t = translator(lang)
    if batch is None:
        return {"steps": [], "certificates": [], "climates": []}
    loss_by_seq = {item["seq"]: item for item in losses(batch)}
    steps = []
    for item in batch.entries:
        if item.type != "step":
            continue
        step = step_from_dict(item.record)
        loss = loss_by_seq.get(item.seq, {})
        loss_text = "—"
        if loss.get("loss") is not None:
            loss_text = f"{number(loss['loss'])} {loss['unit']}"
            if loss.get("share") is not None:
                share = f"{loss['share'] * 100:.1f}%"
                loss_text += f"（{share}）" if lang == "zh" else f" ({share})"
        steps.append({
            "seq": item.seq, "kind": t(f"registry.trace.page.step.{step.kind}"), "actor": step.actor,
            "place": step.place, "at": step.at.replace("T", " ")[:16],
            "input": "—" if step.quantity_in is None
            else f"{number(step.quantity_in.amount)} {step.quantity_in.unit}",
            "output": f"{number(step.quantity_out.amount)} {step.quantity_out.unit}",
            "loss": loss_text, "hash": item.hash[:12], "note": step.note,
        })
    brands = load_brands()
    certificates, climates = [], []
    for cert in batch.certificates:
        brand = brands.get(cert.brand) if cert.kind == "brand" else None
        state = certificate_status(cert, on)
        certificates.append({
            "kind": t(f"registry.trace.page.cert.{cert.kind}"),
            "name": (brand.name_zh if lang == "zh" else brand.name_en) if brand else (cert.scope or "—"),
            "number": cert.number, "issuer": cert.issuer,
            "validity": f"{cert.valid_from} – {cert.valid_until}",
            "state": t(f"registry.trace.page.cert.{state}"), "state_code": state,
            "brand": brand,
        })
        if cert.kind == "climate_quality" and cert.evaluation:
            climates.append(_climate_view(cert.evaluation, lang, t, state))
    return {"steps": steps, "certificates": certificates, "climates": climates}


def _climate_view(evaluation: dict, lang: str, t, state: str) -> dict:
    from markupsafe import Markup

    from ecoledger.platform.i18n import number

    rows = []
    for item in evaluation["indicators"]:
        unit = "" if item["unit"] == "1" else f" {item['unit']}"
        value = "—" if item["value"] is None else f"{number(item['value'])}{unit}"
        grade = item["grade"] if lang == "zh" else item["grade_en"]
        rows.append({
            "indicator": t(f"registry.trace.page.indicator.{item['indicator']}"),
            "period": _period_text(item, t), "value": value, "grade": grade or "—",
            "bands": "；".join(_band_text(b, lang) for b in item["bands"]) if lang == "zh"
            else "; ".join(_band_text(b, lang) for b in item["bands"]),
            "method": t(f"registry.trace.page.method.{item['method']}"),
            "status": item["status"], "source": item["source"], "url": item["url"], "quote": item["quote"],
            "note": item["note"], "missing": item["value"] is None,
        })
    data = {key: None for key in ("county", "inside_county", "station_id", "years", "source", "source_zh",
                                  "distance_km", "kind", "station_name", "station_name_zh")}
    data.update(evaluation.get("data") or {})
    missing = [t(f"registry.trace.page.indicator.{name}") for name in evaluation.get("missing", [])]
    return {
        "product": evaluation["product_zh"] if lang == "zh" else evaluation["product_en"],
        "rule": Markup("<code>{}</code>").format(evaluation["rule"]),
        "grade": (evaluation["grade"] if lang == "zh" else evaluation["grade_en"]) or "—",
        "status": evaluation["status"], "complete": evaluation["complete"],
        "missing": ("、" if lang == "zh" else ", ").join(missing),
        "rows": rows, "data": data, "state": state,
        "station": (data.get("station_name_zh") if lang == "zh" else data.get("station_name")) or "—",
        "distance": None if data.get("distance_km") is None else f"{data['distance_km']:g}",
        "normals": data.get("kind") == "normals",
        "rules_sha256": evaluation.get("rules_sha256", ""),
    }


def render_lookup(batch: Batch | None, lang: str = "zh", *, code: str | None = None,
                  verification: Verification | None = None, on: dt.date | None = None, base_url: str = "",
                  alternates: dict | None = None, head: str | None = None) -> str:
    """The public lookup page of ``batch`` (``None``: the code is unknown) in ``lang`` (zh default,
    en): verification status, trace code with its QR code, origin, producer, steps with losses,
    certificates with validity on ``on`` (default today), the climate-quality grade and its
    indicators. ``alternates`` maps zh/en to the page's other-language address (default
    ``?lang=zh`` / ``?lang=en``)."""
    from markupsafe import Markup

    from ecoledger import pages
    from ecoledger.platform.i18n import translator
    from ecoledger.report.words import foreign, marked

    lang = lang if lang in ("zh", "en") else "zh"
    code = normalise_code(code if code is not None else (batch.code if batch else ""))
    verification = verification or verify(code, batch, head=head)
    on = on or dt.date.today()
    t = translator(lang)
    env = pages.environment()
    env.filters["marked"] = marked
    env.filters["foreign_text"] = lambda text: foreign(text, lang)
    template = env.get_template("registry/trace.html.j2")
    problems = [t(f"registry.trace.page.problem.{key}", **dict(fields))
                for key, fields in verification.problems]
    return template.render(
        t=t, lang=lang, batch=batch, view=_view(batch, lang, on), verification=verification,
        problems=problems, code=code, shown_code=display_code(code) if code else "—",
        well_formed=code_is_well_formed(code) if code else False,
        qr=qr_svg(code, base_url) if code and code_is_well_formed(code) else "",
        url=lookup_url(code, base_url) if code else "",
        pages=alternates or {"zh": "?lang=zh", "en": "?lang=en"},
        colon="：" if lang == "zh" else ": ", open_quote="「" if lang == "zh" else "“",
        close_quote="」" if lang == "zh" else "”",
        code_html=lambda text: Markup("<code>{}</code>").format(text),
    )


def write_lookup(batch, folder: Path, on=None, base_url: str = "") -> dict:
    """The lookup page of ``batch`` in ``folder``: index.html (zh) and index.en.html (en)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {"zh": "index.html", "en": "index.en.html"}
    written = {}
    for lang, name in names.items():
        html = render_lookup(batch, lang, on=on, base_url=base_url, alternates=names)
        (folder / name).write_text(html, encoding="utf-8")
        written[lang] = folder / name
    return written
