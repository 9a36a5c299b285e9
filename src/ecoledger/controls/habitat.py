"""Habitat quality on an account's grid, for the habitat quality lost inside footprints (issue 19).

No threat or sensitivity values for Jiangxi are shipped: no cited set was found, and the
values (how far a town or a field degrades habitat, how sensitive each ecosystem is) are the
study's own choice in the literature. Users fill two tables and the platform does the rest:

``write_template(out) -> list[Path]``
    ``habitat_threats.csv`` (one row per threat: the ecosystem class that is the threat's
    source, ``max_dist`` m, ``weight`` 0–1, ``decay`` linear | exponential, ``source``, ``quote``)
    and ``habitat_sensitivity.csv`` (one row per ecosystem of the account map: ``habitat`` 0–1
    and one 0–1 column per threat, ``source``, ``quote``), the values left empty.
``habitat_from_account(accounts, threats, sensitivity, half_saturation, out) -> dict``
    Reads the filled tables (every value given, every row cited, else ``ZoneError`` naming the
    row and the column), makes each threat's raster from the account's ``maps/ecosystem.tif``
    (1 where the cell is of the threat's class, 0 elsewhere) and runs InVEST's Habitat Quality
    (``pipeline.habitat_quality``, identical to InVEST 3.20.2) on that grid: ``quality_c.tif``
    (0–1) and ``deg_sum_c.tif`` in ``out``, with ``habitat.json`` recording the tables' sources
    and hashes. ``quality_c.tif`` is what ``screen(..., habitat_quality=...)`` reads.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np

from ecoledger.atomic import atomic_directory
from ecoledger.controls.zones import ZoneError, _problem
from ecoledger.ecosystems import ECOSYSTEM_CODES
from ecoledger.messages import register

THREATS_FILE = "habitat_threats.csv"
SENSITIVITY_FILE = "habitat_sensitivity.csv"
THREAT_COLUMNS = ("threat", "ecosystem", "max_dist", "weight", "decay", "source", "quote")
# the threats a land-cover map alone can locate: built-up land and cultivation
TEMPLATE_THREATS = ("urban", "farmland")
ECOSYSTEM_MAP = "ecosystem.tif"

register(
    {
        "habitat_empty": ("`{column}` 为空", "{column} is empty"),
        "habitat_empty.fix": (
            "请填写有出处的数值，并在 `source` 和 `quote` 列注明文献与原文",
            "give a value from a source and cite it in the source and quote columns",
        ),
        "habitat_value": ("`{column}` 的值 `{value}` 无效", "{column} has the invalid value {value}"),
        "habitat_value.fix": ("{fix}", "{fix}"),
        "habitat_class": (
            "生态系统类型 `{value}` 不在核算的生态系统图中",
            "the ecosystem {value} is not a class of the account's ecosystem map",
        ),
        "habitat_class.fix": ("请填写以下之一：{known}", "write one of {known}"),
        "habitat_no_map": ("核算结果中没有 `maps/ecosystem.tif`", "the account has no maps/ecosystem.tif"),
        "habitat_no_map.fix": (
            "请用带地图的核算结果（`ecoledger account` 默认输出地图）",
            "give an account output with maps (ecoledger account writes them by default)",
        ),
    },
    prefix="controls.",
)


def write_template(out: str | Path) -> list[Path]:
    """The two tables to fill (module docstring), values empty, in ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    threats = out / THREATS_FILE
    with open(threats, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(THREAT_COLUMNS)
        for name in TEMPLATE_THREATS:
            writer.writerow([name, name, "", "", "", "", ""])
    sensitivity = out / SENSITIVITY_FILE
    with open(sensitivity, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lucode", "ecosystem", "habitat", *TEMPLATE_THREATS, "source", "quote"])
        for name, code in ECOSYSTEM_CODES.items():
            writer.writerow([code, name, "", *([""] * len(TEMPLATE_THREATS)), "", ""])
    return [threats, sensitivity]


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [row for row in csv.DictReader(handle) if any((v or "").strip() for v in row.values())]


def _number(path: Path, line: int, row: dict, column: str, low: float, high: float | None,
            problems: list) -> float | None:
    value = (row.get(column) or "").strip()
    where = f"row {line} · {column}"
    if not value:
        problems.append(_problem(path.name, where, "habitat_empty", column=column,
                                 where_zh=f"第 {line} 行 · {column}"))
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not np.isfinite(number) or number < low or (high is not None and number > high):
        fix = f"{low:g}–{high:g}" if high is not None else f"> {low:g}"
        problems.append(_problem(path.name, where, "habitat_value", column=column, value=value,
                                 fix=fix, where_zh=f"第 {line} 行 · {column}"))
        return None
    return number


def _cited(path: Path, line: int, row: dict, problems: list) -> None:
    for column in ("source", "quote"):
        if not (row.get(column) or "").strip():
            problems.append(_problem(path.name, f"row {line} · {column}", "habitat_empty",
                                     column=column, where_zh=f"第 {line} 行 · {column}"))


def read_tables(threats: str | Path, sensitivity: str | Path) -> tuple[list[dict], list[dict]]:
    """The filled tables, checked: every value present and in range, every row cited."""
    threats, sensitivity = Path(threats), Path(sensitivity)
    problems: list = []
    threat_rows = []
    for line, row in enumerate(_rows(threats), start=2):
        ecosystem = (row.get("ecosystem") or "").strip()
        if ecosystem not in ECOSYSTEM_CODES:
            problems.append(_problem(threats.name, f"row {line} · ecosystem", "habitat_class",
                                     value=ecosystem or "—", known=", ".join(ECOSYSTEM_CODES),
                                     where_zh=f"第 {line} 行 · ecosystem"))
        decay = (row.get("decay") or "").strip().lower()
        if decay not in ("linear", "exponential"):
            problems.append(_problem(threats.name, f"row {line} · decay", "habitat_value", column="decay",
                                     value=decay or "—", fix="linear | exponential",
                                     where_zh=f"第 {line} 行 · decay"))
        threat_rows.append({
            "threat": (row.get("threat") or "").strip().lower(),
            "ecosystem": ecosystem,
            "max_dist": _number(threats, line, row, "max_dist", 0.0, None, problems),
            "weight": _number(threats, line, row, "weight", 0.0, 1.0, problems),
            "decay": decay,
        })
        _cited(threats, line, row, problems)
    names = [t["threat"] for t in threat_rows]
    sensitivity_rows = []
    for line, row in enumerate(_rows(sensitivity), start=2):
        values = {"lucode": (row.get("lucode") or "").strip()}
        for column in ("habitat", *names):
            values[column] = _number(sensitivity, line, row, column, 0.0, 1.0, problems)
        sensitivity_rows.append(values)
        _cited(sensitivity, line, row, problems)
    if problems:
        raise ZoneError(problems)
    return threat_rows, sensitivity_rows


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def habitat_from_account(accounts: str | Path, threats: str | Path, sensitivity: str | Path,
                         half_saturation: float, out: str | Path) -> dict:
    """InVEST Habitat Quality on the account's ecosystem map (module docstring); atomic ``out``."""
    import rasterio

    from ecoledger.pipeline.habitat_quality import Threat, habitat_quality

    ecosystem_map = Path(accounts) / "maps" / ECOSYSTEM_MAP
    if not ecosystem_map.is_file():
        raise ZoneError([_problem(str(Path(accounts)), "maps/ecosystem.tif", "habitat_no_map")])
    threat_rows, sensitivity_rows = read_tables(threats, sensitivity)
    with rasterio.open(ecosystem_map) as src:
        classes, profile = src.read(1), src.profile
    profile.update(dtype="uint8", nodata=None, count=1, compress="deflate")
    with atomic_directory(out) as folder:
        inputs = folder / "inputs"
        inputs.mkdir()
        rows = []
        for row in threat_rows:
            path = inputs / f"threat_{row['threat']}.tif"
            with rasterio.open(path, "w", **profile) as dst:
                dst.write((classes == ECOSYSTEM_CODES[row["ecosystem"]]).astype(np.uint8), 1)
            rows.append(Threat(row["threat"], row["max_dist"], row["weight"], row["decay"], {"c": path}))
        table = inputs / "sensitivity.csv"
        with open(table, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, ["lucode", "habitat", *(t.name for t in rows)])
            writer.writeheader()
            writer.writerows(sensitivity_rows)
        result = habitat_quality(ecosystem_map, rows, table, folder, half_saturation)
        record = {
            "method": "InVEST 3.20.2 Habitat Quality (ecoledger.pipeline.habitat_quality)",
            "land_cover": str(ecosystem_map),
            "half_saturation": half_saturation,
            "threats": {"file": str(threats), "sha256": _sha256(Path(threats))},
            "sensitivity": {"file": str(sensitivity), "sha256": _sha256(Path(sensitivity))},
            "summary": {k: list(v) for k, v in result["summary"].items()},
            "notes": result["notes"],
        }
        (folder / "habitat.json").write_text(json.dumps(record, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    return record
