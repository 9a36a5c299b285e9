"""The carbon factor registry: every factor with value, unit, year, region, series, source, licence.

One long table, ``ecoledger/data/carbon/factors.csv`` (methods notes §10.1); ``confidence`` is
``verified``, ``secondary`` (one secondary source), ``memory`` (placeholder to be checked against
the cited standard) or ``policy`` (a scheme rule, not a physical fact). Results record the ids of
the factors they used and the registry's content hash (``Registry.version``). ``note_zh``, the
note in Chinese for the Chinese pages, is optional (a table without it reads as notes in one language).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ecoledger.carbon.errors import CarbonError

COLUMNS = (
    "id",
    "quantity",
    "subject",
    "value",
    "unit",
    "year",
    "region",
    "series",
    "source",
    "licence",
    "confidence",
    "note",
)
CONFIDENCES = ("verified", "secondary", "memory", "policy")


def data_path(name: str) -> Path:
    return Path(str(resources.files("ecoledger") / "data" / "carbon" / name))


def content_hash(path: Path) -> str:
    """SHA-256 of a table's bytes, shortened to 16 hex digits: the table's version."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class Factor:
    id: str
    quantity: str
    subject: str
    value: float
    unit: str
    year: int | None
    region: str
    series: str
    source: str
    licence: str
    confidence: str
    note: str
    note_zh: str = ""
    source_url: str = ""
    quote: str = ""

    def cite(self) -> dict:
        """What a result records about the factor it used."""
        return {
            "id": self.id,
            "value": self.value,
            "unit": self.unit,
            "year": self.year,
            "series": self.series,
            "confidence": self.confidence,
        }


class Registry:
    """The factors of one table file, by id, with the table's content hash as ``version``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.version = content_hash(self.path)
        self.factors = _read(self.path)

    def __getitem__(self, factor_id: str) -> Factor:
        try:
            return self.factors[factor_id]
        except KeyError:
            raise CarbonError(
                f"{self.path.name}: no factor with id {factor_id!r} → fix: add the row "
                "(with its source) or use one of the registry's ids"
            ) from None

    def value(self, factor_id: str) -> float:
        return self[factor_id].value

    def select(self, quantity: str, **where) -> list[Factor]:
        return [
            f
            for f in self.factors.values()
            if f.quantity == quantity and all(getattr(f, k) == v for k, v in where.items())
        ]


@cache
def default_registry() -> Registry:
    return Registry(data_path("factors.csv"))


def _read(path: Path) -> dict[str, Factor]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CarbonError(
                f"{path.name}: header lacks {', '.join(missing)} → fix: use the columns {', '.join(COLUMNS)}"
            )
        factors: dict[str, Factor] = {}
        for line, row in enumerate(reader, start=2):
            where = f"{path.name} row {line}"
            if row["id"] in factors:
                raise CarbonError(f"{where} · id: {row['id']!r} appears twice → fix: keep one row per id")
            if row["confidence"] not in CONFIDENCES:
                raise CarbonError(
                    f"{where} · confidence: {row['confidence']!r} → fix: one of {', '.join(CONFIDENCES)}"
                )
            if not row["source"].strip():
                raise CarbonError(f"{where} · source: empty → fix: cite the document, table and clause")
            try:
                value = float(row["value"])
            except ValueError:
                raise CarbonError(
                    f"{where} · value: {row['value']!r} is not a number → fix: a plain decimal number"
                ) from None
            factors[row["id"]] = Factor(
                id=row["id"],
                quantity=row["quantity"],
                subject=row["subject"],
                value=value,
                unit=row["unit"],
                year=int(row["year"]) if row["year"].strip() else None,
                region=row["region"],
                series=row["series"],
                source=row["source"],
                licence=row["licence"],
                confidence=row["confidence"],
                note=row["note"],
                note_zh=row.get("note_zh") or "",
                source_url=row.get("source_url") or "",
                quote=row.get("quote") or "",
            )
    return factors
