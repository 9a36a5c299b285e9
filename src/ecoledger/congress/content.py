"""What the congress report shows, as data: facts with their source (or the reason they are
missing), tables, charts, and the gaps.

A ``Fact`` is one figure of the report. It has a value and a source, which is shown as a numbered
footnote (``Footnotes``), or no value and the reason, which is shown instead. A number never
appears without one of the two. Sections are built from the output folders of the other
commands (``inputs.Inputs``). An absent folder or file is a ``Gap``; it is never left out silently.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from markupsafe import Markup


@dataclass(frozen=True)
class Goal:
    """One goal of the decision, as recorded in ``data/congress/decision_goals.csv``."""

    code: str
    name_zh: str
    name_en: str
    quote: str
    source_title: str
    source_date: str
    source_url: str
    scorecard_goals: tuple[str, ...]
    note: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


def decision_goals() -> list[Goal]:
    """The goals the report is structured by, in the order of the sections."""
    path = resources.files("ecoledger.data") / "congress" / "decision_goals.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Goal(
            code=r["goal"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            quote=r["quote"],
            source_title=r["source_title"],
            source_date=r["source_date"],
            source_url=r["source_url"],
            scorecard_goals=tuple(g for g in r["scorecard_goals"].split(";") if g),
            note=r["note"],
        )
        for r in rows
    ]


def goal_of(scorecard_goal: str, goals: list[Goal]) -> Goal | None:
    """The report section a scorecard row's ``goal`` belongs to (the first goal listing it)."""
    key = str(scorecard_goal).strip().lower()
    return next((g for g in goals if key == g.code or key in g.scorecard_goals), None)


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""  # a web address or a path relative to the report


@dataclass
class Footnotes:
    """Sources numbered in order of first use; the report lists them at the end."""

    sources: list[Source] = field(default_factory=list)

    def number(self, source: Source) -> int:
        if source not in self.sources:
            self.sources.append(source)
        return self.sources.index(source) + 1


@dataclass
class Fact:
    """One figure: ``value`` (already formatted) with ``source``, or ``reason`` when missing."""

    label: str | Markup
    value: str | None
    unit: str = ""
    source: Source | None = None
    reason: str | Markup = ""
    demonstration: bool = False
    headline: bool = True  # may appear in the summary (a breakdown line may not)

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass
class Table:
    """A table as shown: heads, formatted cells (text or Markup), numeric columns right-aligned."""

    caption: str
    headers: list[str]
    rows: list[list]
    numeric: frozenset[int] = frozenset()
    row_classes: list[str] = field(default_factory=list)


@dataclass
class Gap:
    kind: str  # input | indicator | statistic
    what: str | Markup
    reason: str | Markup


@dataclass
class Section:
    goal: Goal
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list = field(default_factory=list)  # report.figures.Chart
    notes: list[str | Markup] = field(default_factory=list)


def file_source(title: str, path: Path, out: Path) -> Source:
    """A source that is a file of another output folder, linked relative to the report's folder."""
    try:
        url = Path(os.path.relpath(Path(path).resolve(), Path(out).resolve())).as_posix()
    except ValueError:  # another drive on Windows
        url = Path(path).as_posix()
    return Source(title, url)
