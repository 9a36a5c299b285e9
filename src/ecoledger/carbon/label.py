"""Carbon labels: a JSON record with a content hash, a PNG/PDF label carrying a QR verification
code, and the check that finds a tampered record or label file.

The record holds the declared footprint, its parts, boundary, GWP set, factor-registry version and
product-system hash (GB/T 24067-2024 declaration fields as far as they are known; the standard's
own report template was not read). ``record_sha256`` is SHA-256 of the record's canonical JSON;
the QR code encodes the verification address with the first 16 hex digits of that hash, so the
printed label, the record and the platform's copy must agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from ecoledger.carbon.errors import CarbonError

CODE_DIGITS = 16
VERIFY_PATH = "/carbon/labels/{label_id}?code={code}"
FILES = ("label.png", "label.pdf")


def canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def record_hash(record: dict) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def make_record(footprint: dict, label_id: str, issued: dt.date, valid_years: int, verifier: str) -> dict:
    """The label's record from a ``footprint.compute`` result."""
    return {
        "label_id": label_id,
        "product": footprint["product"],
        "declared_unit": footprint["declared_unit"],
        "boundary": footprint["boundary"],
        "total_kg_co2e": round(footprint["total_kg_co2e"], 6),
        "fossil_kg_co2e": round(footprint["fossil_kg_co2e"], 6),
        "biogenic_kg_co2e": round(footprint["biogenic_kg_co2e"], 6),
        "land_use_kg_co2e": round(footprint["land_use_kg_co2e"], 6),
        "gwp": footprint["gwp"],
        "registry_version": footprint["registry_version"],
        "product_system_sha256": footprint["product_system_sha256"],
        "issued": issued.isoformat(),
        "valid_until": issued.replace(year=issued.year + valid_years).isoformat(),
        "verifier": verifier,
        "illustrative": footprint["illustrative"],
    }


def verification_code(record: dict) -> str:
    return record_hash(record)[:CODE_DIGITS]


def verification_url(record: dict, base_url: str = "") -> str:
    return base_url.rstrip("/") + VERIFY_PATH.format(
        label_id=record["label_id"], code=verification_code(record)
    )


def check_record(record: dict, stored_sha256: str, code: str | None = None) -> list[str]:
    """Problems found: the record's hash differs from the stored one, or the code does not match."""
    problems = []
    actual = record_hash(record)
    if actual != stored_sha256:
        problems.append("the record's content differs from what was issued (hash mismatch)")
    if code is not None and code != stored_sha256[:CODE_DIGITS]:
        problems.append("the verification code does not belong to this label")
    return problems


def write_label(record: dict, folder: Path, base_url: str = "") -> dict:
    """Write ``label.json`` (record, hash, file hashes), ``label.png`` and ``label.pdf`` into ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import segno

    folder.mkdir(parents=True, exist_ok=True)
    url = verification_url(record, base_url)
    qr = segno.make(url, error="m")
    figure = plt.figure(figsize=(4.2, 2.6), dpi=150)
    figure.patch.set_facecolor("white")
    text = figure.add_axes((0.04, 0.05, 0.58, 0.9))
    text.axis("off")
    lines = [
        ("Carbon footprint · 碳足迹", 11, "bold"),
        (f"{record['total_kg_co2e']:.3g} kg CO₂e", 16, "bold"),
        (f"per {record['declared_unit']}", 7, "normal"),
        (
            f"fossil {record['fossil_kg_co2e']:.3g} · biogenic {record['biogenic_kg_co2e']:.3g} · "
            f"land use {record['land_use_kg_co2e']:.3g}",
            6,
            "normal",
        ),
        (record["product"][:48], 7, "normal"),
        (f"label {record['label_id']} · valid to {record['valid_until']}", 6, "normal"),
        (f"code {verification_code(record)}", 6, "normal"),
    ]
    for n, (line, size, weight) in enumerate(lines):
        text.text(
            0,
            1 - n * 0.14,
            line,
            fontsize=size,
            fontweight=weight,
            va="top",
            family=["Noto Sans CJK SC", "DejaVu Sans"],
        )
    if record["illustrative"]:
        text.text(0, 0.0, "ILLUSTRATIVE – not a certified label", fontsize=7, color="#b00020", va="bottom")
    code_axes = figure.add_axes((0.64, 0.12, 0.34, 0.76))
    code_axes.imshow(
        [[0 if cell else 1 for cell in row] for row in qr.matrix_iter(scale=1, border=2)],
        cmap="gray",
        interpolation="nearest",
    )
    code_axes.axis("off")
    for name in FILES:
        figure.savefig(folder / name, metadata={"Software": None} if name.endswith("png") else None)
    plt.close(figure)
    issued = {
        "record": record,
        "record_sha256": record_hash(record),
        "verification_url": url,
        "files": {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES},
    }
    (folder / "label.json").write_text(json.dumps(issued, ensure_ascii=False, indent=1), encoding="utf-8")
    return issued


def verify_label_folder(folder: Path) -> list[str]:
    """Every problem of a written label: record tampered, or a label file changed or missing."""
    path = Path(folder) / "label.json"
    try:
        issued = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CarbonError(
            f"{path}: not a readable label record ({exc}) → fix: point at a folder written by "
            "`ecoledger carbon label`"
        ) from None
    problems = check_record(issued["record"], issued["record_sha256"])
    for name, digest in issued["files"].items():
        file = Path(folder) / name
        if not file.exists():
            problems.append(f"{name} is missing")
        elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            problems.append(f"{name} was changed after issue")
    return problems
