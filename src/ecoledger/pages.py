"""The standalone pages of the worked examples (applications, carbon, monitoring): one look, one
catalogue, both languages.

A page is rendered from a data structure: ``Table``s whose cells are formatted here and whose
totals are computed once, from the same frame the example writes to CSV (``Table.totals`` holds
the numbers; the page shows exactly those). Templates extend ``data/pages/base.html.j2``, which
inlines the shared stylesheet ``data/pages/pages.css`` (the report's rules, so a page can be
mailed on its own) and links the page to its other language. ``write`` puts ``index.html``
(Chinese, the default) and ``index.en.html`` (English) side by side.

Every label goes through the message catalogue (``platform.i18n.register`` / ``translator``);
money is shown in 亿元, or 万元 where a column's values are small, the unit in the column head,
with thousands separators (``platform.i18n`` formats). A column with no value at all is left
out (never an empty column); a missing value reads "—", never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from ecoledger.messages import entry
from ecoledger.platform import i18n
from ecoledger.platform.i18n import DASH, number, number_yi, percent

PAGES = {"zh": "index.html", "en": "index.en.html"}
WAN = 1e4



i18n.register({
    "pages.language_zh": entry("中文", "中文"),
    "pages.language_en": entry("English", "English"),
    "pages.total": entry("合计", "Total"),
    "pages.mean": entry("平均", "Mean"),
    "pages.total_mean": entry("合计/平均", "Total / mean"),
    "pages.yi_yuan": entry("亿元", "10⁸ yuan"),
    "pages.wan_yuan": entry("万元", "10⁴ yuan"),
    "pages.wan_yuan_per_km2": entry("万元/km²", "10⁴ yuan/km²"),
    "pages.missing": entry("缺失", "missing"),
    "pages.illustrative": entry("示例输入，非监测数据", "illustrative input, not monitoring data"),
    "pages.files": entry("文件", "Files"),
})


def stylesheet() -> str:
    """The shared stylesheet of the generated pages."""
    return (resources.files("ecoledger.data") / "pages" / "pages.css").read_text(encoding="utf-8")


def environment() -> jinja2.Environment:
    """Templates by path below the package (``data/pages/base.html.j2``, ``applications/demo.html.j2``,
    ``monitoring/demo.html.j2``), autoescaped, with the platform's number filters."""
    root = Path(str(resources.files("ecoledger")))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(root), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    i18n.install(env)
    env.globals["css"] = Markup(stylesheet())
    env.globals["pages"] = PAGES
    return env


def write(folder: Path, render: Callable[[Callable[..., str]], str]) -> dict[str, Path]:
    """``render(t)`` for each language into ``folder`` (``index.html`` zh, ``index.en.html`` en)."""
    written = {}
    for lang, name in PAGES.items():
        path = Path(folder) / name
        path.write_text(render(i18n.translator(lang)), encoding="utf-8")
        written[lang] = path
    return written


# --- cell formats ---------------------------------------------------------------------------------

def money_unit(values: Iterable) -> str:
    """"yi" (亿元) when the column's largest magnitude reaches 1 亿元, else "wan" (万元)."""
    present = [abs(float(v)) for v in values if _present(v)]
    return "yi" if present and max(present) >= i18n.YI else "wan"


def wan(value) -> str:
    """Yuan shown in 万元 with thousands separators and two decimals; missing → "—"."""
    number_ = i18n._as_float(value)
    if number_ is None:
        return DASH
    return "0.00" if abs(number_ / WAN) < 0.005 else f"{number_ / WAN:,.2f}"


def money(unit: str) -> Callable[[object], str]:
    return number_yi if unit == "yi" else wan


def money_head(t: Callable[..., str], label: str, unit: str) -> str:
    return f"{label}（{t('pages.yi_yuan' if unit == 'yi' else 'pages.wan_yuan')}）" if t.lang == "zh" \
        else f"{label} ({t('pages.yi_yuan' if unit == 'yi' else 'pages.wan_yuan')})"


def head(t: Callable[..., str], label: str, unit: str) -> str:
    """A column head with its unit: 「金额（万元）」 / "Amount (10⁴ yuan)"."""
    return f"{label}（{unit}）" if t.lang == "zh" else f"{label} ({unit})"


def fraction(value) -> str:
    return percent(value, 1)


def text(value) -> str:
    return DASH if not _present(value) else str(value)


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


# --- tables ---------------------------------------------------------------------------------------

@dataclass
class Column:
    """One shown column: the result-table column it reads, its head, how a cell is written."""

    key: str
    head: str
    format: Callable[[object], str] = number
    numeric: bool = True


@dataclass
class Table:
    """A table as shown: formatted cells, and ``totals`` (column key → number) computed once."""

    columns: list[Column]
    rows: list[list[str]]
    caption: str = ""
    totals: dict[str, float] = field(default_factory=dict)
    total_row: list[str] | None = None
    row_classes: list[str] = field(default_factory=list)


def table(frame: pd.DataFrame, columns: list[Column], t: Callable[..., str], caption: str = "",
          totals: Iterable[str] = (), row_classes: list[str] | None = None,
          cells: dict[str, Callable[[pd.Series], str]] | None = None, means: Iterable[str] = (),
          total_label: str | None = None) -> Table:
    """``frame`` shown through ``columns``; columns with no value in any row are left out. ``totals``
    names the additive columns: each is summed once here (missing values skipped, all missing →
    missing); ``means`` the columns averaged instead (a concentration over years, missing values
    skipped). The last row shows them, labelled ``total_label`` (default 合计, 平均 or 合计/平均).
    ``cells`` gives a column key a function of the whole row (a translated note)."""
    cells = cells or {}
    shown = [c for c in columns if (c.key in frame and frame[c.key].map(_present).any())
             or (c.key in cells and c.key not in frame)]
    rows = []
    for _, row in frame.iterrows():
        rows.append([cells[c.key](row) if c.key in cells else c.format(row[c.key]) for c in shown])
    sums = {key: float(frame[key].sum(min_count=1)) for key in totals if key in frame}
    averages = {key: float(pd.to_numeric(frame[key], errors="coerce").mean())
                for key in means if key in frame}
    total_row = None
    if sums or averages:
        label = total_label or t("pages.total_mean" if sums and averages else
                                 "pages.total" if sums else "pages.mean")
        sums = {**sums, **averages}
        total_row = [c.format(sums[c.key]) if c.key in sums else "" for c in shown]
        first = next((i for i, c in enumerate(shown) if c.key not in sums), None)
        if first is not None:
            total_row[first] = label
    return Table(shown, rows, caption, sums, total_row, row_classes or [""] * len(rows))


def identifier(value) -> Markup:
    """A user's identifier (a project id, a code): shown as code and left untranslated."""
    return Markup('<code translate="no">{}</code>').format(text(value))


def foreign(value: str, lang: str = "en") -> Markup:
    """Text kept in its own language (a rule's free text): marked so readers and checks know."""
    return Markup(f'<span lang="{lang}">{escape(value)}</span>')
