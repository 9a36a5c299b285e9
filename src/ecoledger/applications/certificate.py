"""Valuation certificates: canonical JSON, content hash, verification, HTML/PDF rendering.

The content hash is the SHA-256 of the canonical JSON of the certificate without its
``content_sha256`` and ``verification`` fields (keys sorted, no spaces, UTF-8, numbers as
Python writes them). Changing any other byte of meaning — a value, a parameter, the site —
changes the hash, so a tampered certificate fails verification. The platform also keeps every
certificate it issued, so its endpoint answers "issued here" as well as "intact".

The certificate keeps its texts (method, collateral note, warnings) in English; ``render_html``
draws the printable document in Chinese (the default) or English from the message catalogue
(``certificate.*``), the shipped English texts replaced by their translation; ``write_html``
writes both side by side (``HTML_FILES``), each linking to the other.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from ecoledger import messages
from ecoledger.messages import DEFAULT_LANGUAGE, LANGUAGES

FORMAT = "ecoledger-vep-certificate/1"
UNHASHED = ("content_sha256", "verification")
ENDPOINT = "/api/v1/applications/certificates/{hash}"
HTML_FILES = {"zh": "certificate.html", "en": "certificate.en.html"}  # the printable copies

messages.register({
    "method": ("年服务流量 = Σ 各项服务价值图（每个栅格的价值，元，取自 GEP 核算）的栅格值 × "
               "该栅格位于地块内的比例（边缘按精确覆盖比例计，`exactextract`）；按统计数据核算的项目（物质产品、休闲旅游）没有"
               "逐栅格的价值图，不计入。现值 V = F × [1 − (1 + r)^−T] / r，流量计于每年年末"
               "（SEEA EA 2021 净现值逻辑；`carbon-and-policy-methods.md` §7.1）。",
               "Yearly flow = Σ over the cells of each service's value map (yuan per cell, from the GEP "
               "account) × the fraction of the cell inside the site (exact fractional coverage at the "
               "edges, exactextract); items valued from statistics (material products, recreation) have "
               "no per-cell map and are excluded. Present value V = F × [1 − (1 + r)^−T] / r with the "
               "flow at each year's end (SEEA EA 2021 NPV logic; carbon-and-policy-methods.md §7.1)."),
    "collateral_note": ("核算价值不等于抵押价值：用于贷款时只计可变现的流量，采用风险调整后的折现率并打折扣，"
                        "期限为剩余经营期，并按资产评估规范评估。",
                        "An accounting value is not a collateral value: for a loan only monetisable flows "
                        "count, at risk-adjusted rates, with haircuts, over the remaining tenure, appraised "
                        "under 资产评估 practice."),
    "title": ("生态资产价值（VEP）核算证书", "Ecological asset valuation (VEP) certificate"),
    "account_year": ("核算年份", "account year"),
    "issued": ("签发", "issued"),
    "not_price": ("GEP 是服务流量价值，不是价格。", "GEP is a flow of value, not a price."),
    "result": ("结果", "Result"),
    "flow": ("年服务流量（元/年）", "Yearly service flow (yuan/yr)"),
    "present_value": ("现值（元）", "Present value (yuan)"),
    "years": ("年", "years"),
    "warnings": ("提示", "Warnings"),
    "services": ("地块内的各项服务", "Services inside the site"),
    "item": ("服务项目", "Service"),
    "status": ("数据状态", "Data status"),
    "value": ("元/年", "yuan/yr"),
    "cells": ("覆盖栅格数", "Cells covered"),
    "cell_size": ("栅格边长（m）", "Cell size (m)"),
    "sensitivity": ("敏感性（元）", "Sensitivity (yuan)"),
    "method_title": ("方法", "Method"),
    "vintage": ("数据版本", "Data vintage"),
    "profile": ("核算规范", "profile"),
    "parameter_table": ("参数表", "parameter table"),
    "policy_table": ("政策参数表", "policy table"),
    "verification": ("验证", "Verification"),
    "verify_cli": ("命令行验证", "command line"),
    "flow_interval": ("年服务流量 90 % 区间（元/年）", "Yearly service flow, 90 % interval (yuan/yr)"),
    "present_value_interval": ("现值 90 % 区间（元）", "Present value, 90 % interval (yuan)"),
    "interval": ("90 % 区间（元/年）", "90 % interval (yuan/yr)"),
    "interval_title": ("不确定性", "Uncertainty"),
    "interval_draws": ("核算的 {draws} 次蒙特卡洛抽样（随机种子 {seed}）的第 5 至第 95 百分位数；中位数"
                       "年服务流量 {median} 元/年。",
                       "5th to 95th percentile of the account's {draws} Monte Carlo draws (seed "
                       "{seed}); median yearly flow {median} yuan/yr."),
    "interval_fixed": ("未抽样、按核算值计的服务：", "Services held at their value (not drawn): "),
}, prefix="certificate.")


def canonical(certificate: dict) -> bytes:
    body = {k: v for k, v in certificate.items() if k not in UNHASHED}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def content_hash(certificate: dict) -> str:
    return hashlib.sha256(canonical(certificate)).hexdigest()


def seal(certificate: dict) -> dict:
    """The certificate with its content hash and the platform endpoint that verifies it."""
    digest = content_hash(certificate)
    return {**certificate, "content_sha256": digest,
            "verification": {"endpoint": ENDPOINT.format(hash=digest),
                             "cli": "ecoledger applications verify CERTIFICATE.json"}}


def verify(certificate: dict) -> tuple[bool, str]:
    """(valid, reason): the stated hash equals the hash of the content."""
    if certificate.get("format") != FORMAT:
        return False, f"not an {FORMAT} certificate"
    stated = certificate.get("content_sha256")
    try:
        actual = content_hash(certificate)
    except (TypeError, ValueError) as exc:
        return False, f"the content cannot be canonicalised: {exc}"
    if stated != actual:
        return False, (f"the content does not match its hash (stated {stated}, content {actual}): "
                       "it was altered")
    return True, "the content matches its hash"


def write_json(certificate: dict, path: Path) -> Path:
    path.write_text(json.dumps(certificate, ensure_ascii=False, indent=2, allow_nan=False), encoding="utf-8")
    return path


def render_html(certificate: dict, lang: str = DEFAULT_LANGUAGE, alternate: str | None = None) -> str:
    """The printable certificate in ``lang`` (Chinese unless ``"en"``): one document for screen,
    phone and print. ``alternate`` is the address of the copy in the other language, linked from
    the page (none: no link)."""
    from ecoledger.applications.vep import warning_text
    from ecoledger.platform.i18n import install, translator

    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    env = install(Environment(autoescape=select_autoescape(default=True, default_for_string=True)))
    env.filters["yuan"] = lambda v: "—" if v is None else f"{v:,.0f}"
    source = (resources.files("ecoledger.applications") / "certificate.html.j2").read_text(encoding="utf-8")
    t = translator(lang)
    return env.from_string(source).render(
        c=certificate, t=t, lang=lang, alternate=alternate,
        shipped=lambda key, text: _shipped(key, text, lang),
        warning=lambda text: warning_text(text, lang))


def _shipped(key: str, text, lang: str):
    """A text the certificate keeps in English in ``lang``: the catalogue's when it is ours (as
    shipped), else as written (marked ``lang="en"`` on a Chinese page)."""
    if not text:
        return ""
    if messages.CATALOGUE[key]["en"] == text:
        return messages.text(key, lang)
    return text if lang == "en" else Markup('<span lang="en">{}</span>').format(text)


def write_html(certificate: dict, folder: Path) -> dict[str, Path]:
    """The printable certificate in every language into ``folder`` (``HTML_FILES``: Chinese as
    ``certificate.html``, English as ``certificate.en.html``), each linking to the other."""
    written = {}
    for lang, name in HTML_FILES.items():
        other = next(n for other, n in HTML_FILES.items() if other != lang)
        written[lang] = folder / name
        written[lang].write_text(render_html(certificate, lang, alternate=other), encoding="utf-8")
    return written


def write_pdf(html: Path, pdf: Path) -> str | None:
    """Print ``html`` to ``pdf`` with Debian chromium; returns why it was skipped, or None."""
    from ecoledger.report import browser

    if browser.chromium() is None:
        return "no chromium installed: the PDF was skipped (the HTML certificate is written)"
    browser.print_pdf(html, pdf)
    return None
