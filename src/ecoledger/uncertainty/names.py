"""Inputs of the accounts in words (parameters and layers, zh and en), for reports and pages.

``input_label("runoff_coefficient[mixed_forest]", "zh")`` → 地表径流系数（针阔混交林）. Light: reads
``data/input_names.csv`` and the message catalogue, no pandas.
"""

from __future__ import annotations

import csv
import functools

from ecoledger import messages
from ecoledger.ecosystems import ECOSYSTEMS
from ecoledger.tables import data_path


@functools.cache
def _names() -> dict[str, dict[str, str]]:
    with data_path("input_names.csv").open(encoding="utf-8") as f:
        return {row["input"]: {"zh": row["name_zh"], "en": row["name_en"]}
                for row in csv.DictReader(f)}


def input_label(name: str, lang: str) -> str:
    """An input in words: its name, and the ecosystem, subtype or key of a keyed row."""
    base, _, key = name.partition("[")
    key = key.rstrip("]")
    label = _names().get(base, {}).get(lang, base)
    if not key:
        return label
    if key in ECOSYSTEMS:
        shown = ECOSYSTEMS[key] if lang == "zh" else key
    else:
        import ecoledger.report.words  # noqa: F401  (registers the subtype and key names)

        keyed = (f"report.subtype.{key}", f"report.key.{key}")
        shown = next((messages.text(k, lang) for k in keyed if k in messages.CATALOGUE), key)
    return f"{label}（{shown}）" if lang == "zh" else f"{label} ({shown})"
