"""``write_report``: the bilingual, self-contained GEP report of a run's output folder."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import jinja2

from ecoledger.report import browser, fidelity, figures, numbers, sections
from ecoledger.report.compare import comparisons
from ecoledger.report.figures import ReportWarning
from ecoledger.report.i18n import LANGUAGES, Translator
from ecoledger.report.inputs import RunOutputs, read_outputs

TEMPLATE = "template.html.j2"


def write_report(out_dir: str | Path, pack_root: str | Path | None = None,
                 languages: tuple[str, ...] | list[str] = LANGUAGES, pdf: bool = True) -> list[Path]:
    """Write ``report.LANG.html`` for each language into ``out_dir`` (the output folder of
    ``ecoledger account``) and, with ``pdf``, ``report.LANG.pdf`` of the first language.

    The pack (for the unit polygons of the maps) defaults to the one recorded in ``run.json``.
    What cannot be done (no pack, no CJK font, no Chromium) is reported as a ``ReportWarning``
    and left out; the HTML reports are always written. Returns the files written.
    """
    folder = Path(out_dir)
    translators = [Translator(lang) for lang in languages]
    data = read_outputs(folder, pack_root)
    if data.units is None:
        warnings.warn(Translator("en")("no_units", pack=data.pack_root), ReportWarning, stacklevel=2)
    template = jinja2.Environment(loader=jinja2.PackageLoader("ecoledger.report", "."),
                                  autoescape=True, undefined=jinja2.StrictUndefined,
                                  trim_blocks=True, lstrip_blocks=True).get_template(TEMPLATE)
    written = []
    for t in translators:
        page = folder / f"report.{t.lang}.html"
        page.write_text(template.render(context(data, t, languages)), encoding="utf-8")
        written.append(page)
    if pdf and written:
        written.extend(_pdf(written[0]))
    return written


def context(data: RunOutputs, t: Translator, languages) -> dict:
    """Everything the template shows, in the language of ``t``."""
    summary, run = data.summary, data.run
    maps = [] if data.units is None else [figures.density_map(data, level, t)
                                          for level in figures.map_levels(data)]
    published = comparisons(data, t)
    region = data.region_name(t.lang)
    derived = [name for name, spec in run["layers"].items() if spec["status"] == "derived"]
    return {
        "t": t,
        "lang": t.lang,
        "languages": languages,
        "title": t("title", region=region, year=summary["year"]),
        "profile_title": run.get("profile_title", summary["profile"]),
        "synthetic": data.synthetic,
        "headline": _headline(summary, t),
        "maps": maps,
        "charts": [figures.item_chart(data, t), figures.ecosystem_chart(data, t)],
        "tables": [sections.values_by_item(data, t), sections.summary_by_unit(data, t),
                   sections.extent(data, t), sections.by_ecosystem(data, t)],
        "fidelity": fidelity.tables(data, t),
        "parameters": sections.parameters(data, t),
        "item_status": sections.item_status(data, t),
        "layers": sections.layers(data, t),
        "derived_note": t("derived_count", derived=len(derived), total=len(run["layers"])),
        "missing": sections.missing_items(data, t),
        "comparisons": published,
        "no_published": t("no_published", region=region) if not published else "",
        "no_units": t("no_units", pack=data.pack_root),
        "run": run,
        "summary": summary,
    }


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
