"""Valuation certificates: canonical JSON, content hash, verification, HTML/PDF rendering.

The content hash is the SHA-256 of the canonical JSON of the certificate without its
``content_sha256`` and ``verification`` fields (keys sorted, no spaces, UTF-8, numbers as
Python writes them). Changing any other byte of meaning — a value, a parameter, the site —
changes the hash, so a tampered certificate fails verification. The platform also keeps every
certificate it issued, so its endpoint answers "issued here" as well as "intact".
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from jinja2 import Environment, select_autoescape

FORMAT = "ecoledger-vep-certificate/1"
UNHASHED = ("content_sha256", "verification")
ENDPOINT = "/api/v1/applications/certificates/{hash}"


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


def render_html(certificate: dict) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["yuan"] = lambda v: "—" if v is None else f"{v:,.0f}"
    source = (resources.files("ecoledger.applications") / "certificate.html.j2").read_text(encoding="utf-8")
    return env.from_string(source).render(c=certificate)


def write_pdf(html: Path, pdf: Path) -> str | None:
    """Print ``html`` to ``pdf`` with Debian chromium; returns why it was skipped, or None."""
    from ecoledger.report import browser

    if browser.chromium() is None:
        return "no chromium installed: the PDF was skipped (the HTML certificate is written)"
    browser.print_pdf(html, pdf)
    return None
