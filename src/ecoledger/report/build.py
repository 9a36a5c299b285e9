"""``write_report``: the bilingual, self-contained GEP report of a run's output folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import warnings
from datetime import date
from pathlib import Path

import jinja2
import pandas as pd

from ecoledger.report import browser, fidelity, figures, numbers, sections, uncertainty, words
from ecoledger.report.compare import comparisons
from ecoledger.report.figures import ReportWarning
from ecoledger.report.i18n import LANGUAGES, Translator
from ecoledger.report.inputs import RunOutputs, read_outputs

TEMPLATE = "template.html.j2"


def write_report(out_dir: str | Path, pack_root: str | Path | None = None,
                 languages: tuple[str, ...] | list[str] = LANGUAGES, pdf: bool = True,
                 previous: str | Path | None = None) -> list[Path]:
    """Write ``report.LANG.html`` for each language into ``out_dir`` (the output folder of
    ``ecoledger account``) and, with ``pdf``, ``report.LANG.pdf`` of the first language.

    ``previous`` is the output folder of an earlier year's run of the same units: given, the report
    draws the year-over-year change of GEP (otherwise that chart is left out).

    The pack (for the unit polygons of the maps) defaults to the one recorded in ``run.json``.
    What cannot be done (no pack, no CJK font, no Chromium) is reported as a ``ReportWarning``
    and left out; the HTML reports are always written. Returns the files written.
    """
    folder = Path(out_dir)
    translators = [Translator(lang) for lang in languages]
    data = read_outputs(folder, pack_root)
    before = _previous(previous)
    if data.units is None:
        warnings.warn(Translator("en")("no_units", pack=data.pack_root), ReportWarning, stacklevel=2)
    template = jinja2.Environment(loader=jinja2.PackageLoader("ecoledger.report", "."),
                                  autoescape=True, undefined=jinja2.StrictUndefined,
                                  trim_blocks=True, lstrip_blocks=True).get_template(TEMPLATE)
    written = []
    for t in translators:
        page = folder / f"report.{t.lang}.html"
        page.write_text(template.render(context(data, t, languages, before)), encoding="utf-8")
        written.append(page)
    if pdf and written:
        written.extend(_pdf(written[0]))
    return written


def context(data: RunOutputs, t: Translator, languages,
            previous: tuple[int, pd.DataFrame] | None = None) -> dict:
    """Everything the template shows, in the language of ``t``; ``previous`` is (year, accounts) of
    an earlier run for the year-over-year chart."""
    summary, run = data.summary, data.run
    maps = []
    if data.units is not None:
        for level in figures.map_levels(data):
            maps.append(figures.density_map(data, level, t))
        maps.append(figures.landcover_map(data, t))
        maps.append(figures.ecosystem_map(data, figures.map_levels(data)[0], t))
    charts = [figures.group_chart(data, t), figures.item_chart(data, t), figures.ecosystem_chart(data, t),
              figures.top_units_chart(data, t)]
    if previous is not None:
        charts.append(figures.change_chart(data, previous[1], previous[0], t))
    published = comparisons(data, t)
    region = data.region_name(t.lang)
    derived = [name for name, spec in run["layers"].items() if spec["status"] == "derived"]
    fidelity_tables = fidelity.tables(data, t)
    spread = uncertainty.read(data)
    headline = _headline(summary, t)
    card = uncertainty.interval_card(spread, data, t)
    if card is not None:
        headline.insert(1, card)
    return {
        "t": t,
        "stage": words.stage,
        "lang": t.lang,
        "languages": languages,
        "title": t("title", region=region, year=summary["year"]),
        "region": region,
        "profile_title": run.get("profile_title", summary["profile"]),
        "synthetic": data.synthetic,
        "cover": _cover(data, t, region),
        "headline": headline,
        "summary_comparison": _summary_comparison(data, t),
        "maps": [m for m in maps if m is not None],
        "charts": [c for c in charts if c is not None],
        "tables": [sections.values_by_item(data, t), sections.summary_by_unit(data, t),
                   sections.extent(data, t), sections.by_ecosystem(data, t)],
        "fidelity": fidelity_tables,
        "parameters": sections.parameters(data, t),
        "item_status": sections.item_status(data, t),
        "layers": sections.layers(data, t),
        "derived_note": t("derived_count", derived=len(derived), total=len(run["layers"])),
        "missing": sections.missing_items(data, t),
        "comparisons": published,
        "no_published": t("no_published", region=region) if not published else "",
        "no_units": t("no_units", pack=_relative(data.pack_root, data.folder)),
        "pack_path": _relative(run.get("pack") or data.pack_root, data.folder),
        "run": run,
        "summary": summary,
        "uncertainty": None if spread is None else {
            "intro": t("uncertainty_intro", draws=spread.meta["draws"], seed=spread.meta["seed"],
                       inputs=spread.meta["sampled_inputs"]),
            "tables": uncertainty.intervals(spread, data, t),
            "drivers": uncertainty.drivers(spread, data, t),
            "tornado": uncertainty.tornado(spread, data, t),
            "caveats": uncertainty.caveats(spread, t),
        },
    }


def _relative(path, folder: Path) -> str:
    """``path`` as seen from the output folder (``../jiangxi-pack``), never an absolute path."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(folder).resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).name


def _cover(data: RunOutputs, t: Translator, region: str) -> list[tuple[str, str]]:
    """(label, value) rows of the cover page."""
    digest = hashlib.sha256((Path(data.folder) / "run.json").read_bytes()).hexdigest()[:12]
    run = data.run
    return [(t("cover_region"), region), (t("cover_year"), str(data.summary["year"])),
            (t("profile"), run.get("profile_title", data.summary["profile"])),
            (t("report_date"), date.today().isoformat()),
            (t("run_id"), digest),
            (t("parameter_version"), str(run.get("parameter_table_version", ""))),
            (t("code_version"), f'ecoledger {run.get("code_version", "")}')]


def _summary_comparison(data: RunOutputs, t: Translator) -> sections.Table | None:
    """The published-account comparison without its long cause column, for the summary."""
    table = fidelity.comparison_published(data, t)
    if table is None:
        return None
    keep = range(5)  # name, measure, published, ours, ratio
    return sections.Table(t("vs_published"), [table.headers[i] for i in keep],
                          [[row[i] for i in keep] for row in table.rows], numeric=frozenset({2, 3, 4}),
                          row_classes=table.row_classes)


def _previous(folder: str | Path | None) -> tuple[int, pd.DataFrame] | None:
    """(year, accounts) of an earlier run's output folder, or None."""
    if folder is None:
        return None
    folder = Path(folder)
    year = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["year"]
    accounts = pd.read_csv(folder / "accounts.csv", dtype={"adcode": str}, keep_default_na=False,
                           na_values=[""])
    return int(year), accounts


def _headline(summary: dict, t: Translator) -> list[tuple[str, str, str]]:
    """(label, figure, unit or share) cards: GEP, its groups, GEP/GDP, per km², per capita, area."""
    cards = [(t("gep"), numbers.yi(summary["gep_yuan"]), t("yi_yuan"))]
    for group, figures_ in summary["groups"].items():
        cards.append((t.group(group), numbers.yi(figures_["value_yuan"]),
                      f'{t("yi_yuan")} · {numbers.share(figures_["share"])}'))
    if summary.get("gep_to_gdp") is not None:
        cards.append((t("gep_to_gdp"), numbers.ratio(summary["gep_to_gdp"]), ""))
    if summary.get("gep_per_km2_yuan") is not None:
        cards.append((t("gep_per_km2"), numbers.quantity(summary["gep_per_km2_yuan"] / numbers.WAN),
                      t("wan_yuan_per_km2")))
    if summary.get("gep_per_capita_yuan") is not None:
        cards.append((t("gep_per_capita"), numbers.quantity(summary["gep_per_capita_yuan"]),
                      t("yuan_per_person")))
    cards.append((t("area"), numbers.quantity(summary["area_km2"]), "km²"))
    return cards


def _pdf(page: Path) -> list[Path]:
    """Print ``page`` to PDF with headless Chromium; warn and skip when that is not possible."""
    try:
        return [browser.print_pdf(page, page.with_suffix(".pdf"))]
    except (OSError, subprocess.SubprocessError) as exc:
        warnings.warn(f"PDF not written: {exc}", ReportWarning, stacklevel=3)
        return []
