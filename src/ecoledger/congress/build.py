"""``write_congress_report``: the annual report to the People's Congress, zh first and en, as HTML
and (through Chromium) PDF, written atomically into one folder.

The report has a cover (draft status), a summary of headline figures, one section per goal of the
decision (``data/congress/decision_goals.csv``), the scorecard of the province and its 11 cities,
the gaps (every missing indicator or statistic and every input not produced this year) and the
numbered sources. Every value shows its source as a footnote, or "missing: reason" instead.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from datetime import date
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from ecoledger.atomic import atomic_directory
from ecoledger.congress import figures as congress_figures
from ecoledger.congress import sections as build_sections
from ecoledger.congress.content import Fact, Footnotes, Gap, Section, Table, decision_goals
from ecoledger.congress.inputs import Inputs, read_csv, read_summary
from ecoledger.congress.words import Words, in_language
from ecoledger.pages import stylesheet
from ecoledger.platform.i18n import DASH
from ecoledger.report.figures import ReportWarning

LANGUAGES = ("zh", "en")
PAGES = {lang: f"report.{lang}.html" for lang in LANGUAGES}
TEMPLATE = "report.html.j2"
HEADLINE_GOALS = ("gep_accounting", "carbon", "environment_quality")


def write_congress_report(
    inputs: Inputs,
    out: str | Path,
    *,
    pdf: bool = True,
    languages: tuple[str, ...] = LANGUAGES,
    today: date | None = None,
) -> list[Path]:
    """Write ``report.zh.html``, ``report.en.html`` and, with ``pdf``, their PDFs into ``out``,
    replacing the folder as a whole (no partial report). Without Chromium the HTML is written and
    a ``ReportWarning`` says the PDF was not. Returns the paths written."""
    out = Path(out)
    written: list[str] = []
    with atomic_directory(out) as staging:
        for lang in languages:
            page = staging / PAGES[lang]
            shown = context(inputs, out, lang, today=today)
            page.write_text(_environment().get_template(TEMPLATE).render(shown), encoding="utf-8")
            written.append(page.name)
            written.append(_write_gaps(staging / f"gaps.{lang}.csv", shown["gaps"], lang).name)
        if pdf:
            written += _pdfs(staging, languages)
    return [out / name for name in written]


def render(inputs: Inputs, out: Path, lang: str, *, today: date | None = None) -> str:
    """The report in ``lang`` as one self-contained HTML page (images inlined)."""
    return _environment().get_template(TEMPLATE).render(context(inputs, Path(out), lang, today=today))


def context(inputs: Inputs, out: Path, lang: str, *, today: date | None = None) -> dict:
    """Everything the template shows, in ``lang``; sources numbered in order of appearance."""
    t = Words(lang)
    goals = decision_goals()
    gaps: list[Gap] = inputs.absent(t)
    summary = read_summary(inputs.accounts)
    sections = {goal.code: build_sections.BUILDERS[goal.code](goal, inputs, out, t, gaps) for goal in goals}
    scorecard = build_sections.read_scorecard(inputs, t, gaps)
    build_sections.scorecard_by_goal(scorecard, sections, t)
    build_sections.scorecard_gaps(scorecard, t, gaps)
    notes = Footnotes()
    headline = [f for code in HEADLINE_GOALS for f in sections[code].facts if f.headline and not f.missing][
        :9
    ]
    region = _region(inputs, summary, lang)
    decision = goals[0].source_title
    headline_rows = [_fact_row(f, notes, t) for f in headline]  # sources numbered in page order
    section_rows = [_section(s, notes, t) for s in sections.values()]
    score_table, lights, omitted = (
        _scorecard(scorecard, inputs.year, t, notes) if scorecard is not None else (None, None, None)
    )
    return {
        "t": t,
        "lang": lang,
        "css": Markup(stylesheet()),
        "pages": PAGES,
        "title": t("title", region=region, year=inputs.year),
        "subtitle": t("subtitle", decision=decision),
        "cover": [
            (t("cover_region"), region),
            (t("cover_year"), str(inputs.year)),
            (t("cover_data"), str(summary.get("year", inputs.year))),
            (t("cover_date"), (today or date.today()).isoformat()),
            (
                t("cover_decision"),
                f"《{decision}》（{goals[0].source_date}）"
                if lang == "zh"
                else f"《{decision}》 ({goals[0].source_date})",
            ),
        ],
        "headline": headline_rows,
        "sections": section_rows,
        "scorecard": score_table,
        "lights": lights,
        "scorecard_omitted": omitted,
        "scorecard_absent": None
        if scorecard is not None
        else t(
            "scorecard_absent", file=((inputs.targets or Path("out/targets")) / "scorecard.csv").as_posix()
        ),
        "gaps": [(g.kind, g.what, g.reason) for g in gaps],
        "notes": notes.sources,
    }


def _write_gaps(path: Path, gaps: list[tuple], lang: str) -> Path:
    """The gaps section as a table (kind, what, reason), plain text, for whoever fills them."""
    frame = pd.DataFrame(
        [[Markup(str(cell)).striptags() for cell in gap] for gap in gaps],
        columns=["kind", "what", "reason"] if lang == "en" else ["类别", "内容", "原因"],
    )
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def gaps_count(out: str | Path, lang: str = "en") -> int:
    """How many gaps the report in ``out`` lists."""
    return len(pd.read_csv(Path(out) / f"gaps.{lang}.csv"))


def _region(inputs: Inputs, summary: dict, lang: str) -> str:
    if lang != "zh":
        return str(summary.get("region", ""))
    cities = build_sections.cities_table(inputs.accounts)
    if cities is not None and (cities["level"] == "province").any():
        return str(cities.loc[cities["level"] == "province", "name"].iloc[0])
    return str(summary.get("region", ""))


def _fact_row(fact: Fact, notes: Footnotes, t: Words) -> dict:
    """A fact as the template shows it: label, value, unit, and the footnote number or the reason."""
    return {
        "label": fact.label,
        "value": fact.value,
        "unit": fact.unit,
        "note": notes.number(fact.source) if fact.source is not None and not fact.missing else None,
        "missing": None if not fact.missing else missing_text(t, fact.reason),
        "reason": fact.reason if not fact.missing else "",
        "demonstration": t("demonstration") if fact.demonstration else "",
    }


def missing_text(t: Words, reason) -> Markup:
    """ "缺失：reason" / "missing: reason", the reason kept as the Markup it may be."""
    return Markup(escape(t("missing", reason="{reason}"))).format(reason=reason or DASH)


def _section(section: Section, notes: Footnotes, t: Words) -> dict:
    goal = section.goal
    return {
        "code": goal.code,
        "name": goal.name(t.lang),
        "quote": goal.quote,
        "quote_note": notes.number(
            build_sections.Source(f"《{goal.source_title}》 {goal.source_date}", goal.source_url)
        ),
        "facts": [_fact_row(f, notes, t) for f in section.facts],
        "tables": section.tables,
        "charts": section.charts,
        "notes": section.notes,
    }


def _scorecard(scorecard: pd.DataFrame, year: int, t: Words, notes: Footnotes):
    """The scorecard table of the rows with a value (each with its footnote), the traffic lights of
    every row, and the sentence counting the rows without a value (their reasons are gaps)."""
    rows, classes = [], []
    valued = pd.to_numeric(scorecard["value"], errors="coerce").notna()
    for _, row in scorecard[valued].iterrows():
        fact = build_sections.scorecard_fact(row, t)
        shown = _fact_row(fact, notes, t)
        if fact.missing:
            value = Markup('<span class="missing">{}</span>').format(shown["missing"])
        elif shown["note"] is not None:
            value = Markup('{} <sup><a href="#source-{}">[{}]</a></sup>').format(
                fact.value, shown["note"], shown["note"]
            )
        else:
            value = Markup('{} <span class="missing">{}</span>').format(fact.value, shown["reason"])
        status = build_sections._text(row["status"]) or "missing"
        try:
            status_text = t("status." + status)
        except KeyError:
            status_text = status
        rows.append(
            [
                build_sections._text(row["unit_name"]),
                build_sections.indicator_name(row, t.lang),
                value,
                in_language(build_sections._text(row["unit"]), t.lang),
                _number_or_dash(row["target"]),
                Markup('<span class="light light-{}">●</span> {}').format(status, status_text),
                _rank(row),
            ]
        )
        classes.append(f"status-{status}")
    table = Table(
        t("scorecard"),
        [
            t("col_unit_name"),
            t("col_indicator"),
            t("col_value"),
            t("col_unit"),
            t("col_target"),
            t("col_status"),
            t("col_rank"),
        ],
        rows,
        frozenset({2, 4, 6}),
        classes,
    )
    names = {r["indicator"]: build_sections.indicator_name(r, t.lang) for _, r in scorecard.iterrows()}
    lights = congress_figures.lights_chart(scorecard, year, t, names)
    omitted = t("scorecard_missing_rows", shown=int(valued.sum()), missing=int((~valued).sum()))
    return table, lights, omitted


def _number_or_dash(value) -> str:
    from ecoledger.platform.i18n import number

    return number(value) if pd.notna(pd.to_numeric(value, errors="coerce")) else DASH


def _rank(row) -> str:
    rank, peers = pd.to_numeric(row["rank"], errors="coerce"), pd.to_numeric(row["peers"], errors="coerce")
    if pd.isna(rank):
        return DASH
    return f"{int(rank)}/{int(peers)}" if pd.notna(peers) else str(int(rank))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ecoledger.congress", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["free"] = lambda value, lang: in_language(value, lang)
    return env


def _pdfs(folder: Path, languages) -> list[str]:
    """Print each page to PDF with headless Chromium; warn and skip when that is not possible."""
    from ecoledger.report import browser

    written = []
    for lang in languages:
        page = folder / PAGES[lang]
        try:
            browser.print_pdf(page, page.with_suffix(".pdf"))
        except (OSError, subprocess.SubprocessError) as exc:
            warnings.warn(Words("en")("pdf_skipped", why=exc), ReportWarning, stacklevel=3)
            return written
        written.append(page.with_suffix(".pdf").name)
    return written


def chromium_available() -> bool:
    from ecoledger.report import browser

    return browser.chromium() is not None or shutil.which("chromium") is not None


__all__ = ["Inputs", "read_csv", "write_congress_report"]
