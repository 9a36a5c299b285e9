"""The report's sections, one per goal of the decision, built from the other commands' outputs.

Each builder takes the ``Inputs``, the report's output folder (for relative links) and the
translator. It returns a ``Section`` and appends to ``gaps`` what it looked for and did not find.
Values are only formatted here, never estimated: a figure missing from its output stays missing,
with the reason that output gives (or the file that is absent).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ecoledger.congress import figures as congress_figures
from ecoledger.congress.content import Fact, Gap, Goal, Section, Source, Table, file_source, goal_of
from ecoledger.congress.inputs import Inputs, read_csv, read_summary
from ecoledger.congress.words import Words, in_language
from ecoledger.platform.i18n import DASH, number, number_yi, percent
from ecoledger.report.i18n import Translator

WAN = 1e4


def _value(value) -> float | None:
    try:
        number_ = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number_) else number_


# --- GEP accounting ------------------------------------------------------------------------------


def cities_table(accounts: Path) -> pd.DataFrame | None:
    """T6 rows of the region and its cities (adcode, name, level, gep, gdp, gep_to_gdp), or None."""
    frame = read_csv(Path(accounts) / "tables" / "T6_summary.csv")
    if frame is None:
        return None
    return frame[frame["level"].isin(["province", "city"])].reset_index(drop=True)


def gep_change(now: float | None, before: float | None) -> float | None:
    """Relative change (now − before) / before, a fraction; None when either is missing or before is 0."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def gep_section(goal: Goal, inputs: Inputs, out: Path, t: Words, gaps: list[Gap]) -> Section:
    """Total GEP, its groups, GEP/GDP, change from the previous year, the 90 % interval, GEP by city
    (table and chart) and the density map of the account (the report's map, when the pack is there)."""
    section = Section(goal)
    summary = read_summary(inputs.accounts)
    source = file_source(
        t("account_source", file=(inputs.accounts / "summary.json").as_posix()),
        inputs.accounts / "summary.json",
        out,
    )
    section.facts.append(Fact(t("gep"), number_yi(summary["gep_yuan"]), t("yi_yuan"), source))
    for group, figures_ in summary.get("groups", {}).items():
        section.facts.append(
            Fact(
                t("gep_group", group=Translator(t.lang).group(group)),
                number_yi(figures_.get("value_yuan")),
                t("yi_yuan"),
                source,
                headline=False,
            )
        )
    if summary.get("gep_to_gdp") is not None:
        section.facts.append(Fact(t("gep_to_gdp"), f"{summary['gep_to_gdp']:.2f}", "", source))
    previous = inputs.present("previous")
    before = read_summary(previous) if previous is not None else None
    if before is not None:
        change = gep_change(_value(summary["gep_yuan"]), _value(before.get("gep_yuan")))
        section.facts.append(
            Fact(
                t("gep_change", previous=before.get("year", "")),
                percent(change, 1, signed=True),
                "",
                file_source(
                    t("account_source", file=(previous / "summary.json").as_posix()),
                    previous / "summary.json",
                    out,
                ),
            )
        )
    else:
        section.facts.append(Fact(t("gep_change", previous=inputs.year - 1), None, reason=t("no_previous")))
    section.facts.append(_interval_fact(inputs, out, t, summary))
    gaps.extend(missing_items(inputs.accounts, summary, t))
    cities = cities_table(inputs.accounts)
    if cities is not None:
        section.tables.append(_cities_table(cities, previous, t))
        chart = congress_figures.gep_by_city_chart(cities[cities["level"] == "city"], inputs.year, t)
        if chart is not None:
            section.charts.append(chart)
    section.charts.extend(_maps(inputs, t, section))
    return section


def missing_items(accounts: Path, summary: dict, t: Words) -> list[Gap]:
    """One gap per item the account could not value, with the account's own note on why."""
    missing = summary.get("missing_items") or []
    if not missing:
        return []
    names = Translator(t.lang)
    notes: dict[str, str] = {}
    path = Path(accounts) / "accounts.csv"
    if path.is_file():
        frame = pd.read_csv(
            path,
            dtype={"adcode": str},
            keep_default_na=False,
            na_values=[""],
            usecols=lambda c: c in {"level", "item", "ecosystem", "data_status", "note", "note_zh"},
        )
        rows = frame[frame["data_status"] == "missing"]
        # the note in the page's language where the account wrote one, else the other language's
        columns = ["note_zh", "note"] if t.lang == "zh" else ["note", "note_zh"]
        for column in reversed([c for c in columns if c in rows]):
            written = rows[rows[column].map(_text) != ""].drop_duplicates("item")
            notes.update({r["item"]: _text(r[column]) for _, r in written.iterrows()})
    return [
        Gap(
            t("gap_statistic"),
            f"{t('gep_missing_items')} · {names.item(str(item))}",
            in_language(notes.get(item) or t("account_source", file=path.as_posix()), t.lang),
        )
        for item in missing
    ]


def _interval_fact(inputs: Inputs, out: Path, t: Words, summary: dict) -> Fact:
    path = inputs.accounts / "uncertainty" / "intervals.csv"
    frame = read_csv(path)
    if frame is None:
        return Fact(t("gep_interval"), None, reason=t("no_uncertainty"))
    rows = frame[(frame["scope"] == "gep")]
    top = rows[rows["level"] == "province"] if (rows["level"] == "province").any() else rows.head(1)
    if top.empty:
        return Fact(t("gep_interval"), None, reason=t("no_uncertainty"))
    row = top.iloc[0]
    return Fact(
        t("gep_interval"),
        f"{number_yi(row['p05_yuan'])}–{number_yi(row['p95_yuan'])}",
        t("yi_yuan"),
        file_source(t("account_source", file=path.as_posix()), path, out),
    )


def _cities_table(cities: pd.DataFrame, previous: Path | None, t: Words) -> Table:
    before = cities_table(previous) if previous is not None else None
    before_gep = before.set_index("adcode")["gep"] if before is not None else pd.Series(dtype=float)
    before_year = read_summary(previous).get("year", "") if previous is not None else ""
    headers = [t("col_unit_name"), t("col_gep"), t("col_gep_gdp")]
    if before is not None:
        headers += [t("col_previous", year=before_year), t("col_change")]
    rows = []
    for row in cities.itertuples():
        cells = [row.name, number_yi(row.gep), DASH if pd.isna(row.gep_to_gdp) else f"{row.gep_to_gdp:.2f}"]
        if before is not None:
            was = _value(before_gep.get(row.adcode))
            cells += [number_yi(was), percent(gep_change(_value(row.gep), was), 1, signed=True)]
        rows.append(cells)
    return Table(t("gep_by_city"), headers, rows, frozenset(range(1, len(headers))))


@functools.lru_cache(maxsize=2)
def run_outputs(accounts: Path):
    """The account folder as the report reads it (``report.inputs.read_outputs``, with the pack's
    unit polygons), read once for both languages; or the reason it cannot be read (a string)."""
    from ecoledger.report.inputs import read_outputs

    if not (Path(accounts) / "run.json").is_file():
        return "run.json"
    try:
        data = read_outputs(accounts)
    except (OSError, ValueError, KeyError) as exc:
        return type(exc).__name__
    return data if data.units is not None else str(data.pack_root)


def _maps(inputs: Inputs, t: Words, section: Section, kind: str = "density") -> list:
    """The report's maps (``report.figures``): GEP per km² of the cities (``density``) or the
    ecosystem types of the accounting grid (``ecosystems``); a note says why when they cannot be
    drawn (no run.json, no pack)."""
    from ecoledger.report import figures

    data = run_outputs(Path(inputs.accounts).resolve())
    if isinstance(data, str):
        section.notes.append(t("map_unavailable", why=data))
        return []
    translator = Translator(t.lang)
    try:
        if kind == "density":
            chart = figures.density_map(data, figures.map_levels(data)[-1], translator)
        else:
            chart = figures.landcover_map(data, translator)
    except (OSError, ValueError, KeyError) as exc:
        section.notes.append(t("map_unavailable", why=type(exc).__name__))
        return []
    return [chart] if chart is not None else []


# --- using the results -------------------------------------------------------------------------

AMOUNT_COLUMNS = ("amount_yuan", "paid_yuan")  # the money a result table pays, in yuan


def applications_section(goal: Goal, inputs: Inputs, out: Path, t: Words, gaps: list[Gap]) -> Section:
    """Totals of each worked application (transfers, compensation, purchases) and the VEP
    certificate; all computed from illustrative inputs, and labelled so."""
    section = Section(goal)
    folder = inputs.present("applications")
    if folder is None:
        return section
    for path in sorted((folder / "results").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        kind = str(record.get("kind", path.stem))
        label_key = "kind." + kind
        try:
            name = t(label_key)
        except KeyError:
            name = in_language(record.get("title", kind), t.lang)
        table = read_csv(path.with_suffix(".csv"))
        label = t("amount_total", kind=name)
        demo = bool(record.get("record", {}).get("illustrative", True))
        column = next((c for c in AMOUNT_COLUMNS if table is not None and c in table), None)
        if column is None:
            if kind != "assessment":  # a ranking of scores: no money to total
                section.facts.append(Fact(label, None, reason=t("no_amount"), demonstration=demo))
            continue
        total = pd.to_numeric(table[column], errors="coerce").sum(min_count=1)
        section.facts.append(
            Fact(
                label,
                number_yi(total),
                t("yi_yuan"),
                file_source(path.with_suffix(".csv").as_posix(), path.with_suffix(".csv"), out),
                demonstration=demo,
            )
        )
    certificate = folder / "vep" / "certificate.json"
    if certificate.is_file():
        record = json.loads(certificate.read_text(encoding="utf-8"))
        site = str(record.get("site", {}).get("name", ""))
        source = file_source(certificate.as_posix(), certificate, out)
        for key, value in (
            ("vep_flow", record.get("annual_flow_yuan")),
            ("vep_present", record.get("present_value_yuan")),
        ):
            # the certificate's site outline is hand drawn, not an official boundary
            section.facts.append(
                Fact(
                    t(key, site=site),
                    None if value is None else number_yi(value),
                    t("yi_yuan"),
                    source,
                    reason="" if value is not None else DASH,
                    demonstration=True,
                )
            )
    section.notes.append(t("illustrative"))
    return section


# --- carbon ------------------------------------------------------------------------------------


def carbon_section(goal: Goal, inputs: Inputs, out: Path, t: Words, gaps: list[Gap]) -> Section:
    """The year's rows of ``inventory.csv`` (code, year, scope, co2_t, status, missing_statistics,
    factor_ids, note): emissions in 万 t with the factors used as source, or missing with the
    statistics named; and the dual-control row of the year."""
    section = Section(goal)
    folder = inputs.present("carbon")
    if folder is None:
        return section
    inventory = read_csv(folder / "inventory.csv")
    if inventory is None:
        gaps.append(
            Gap(
                t("gap_input"),
                t("input.carbon"),
                t("file_absent", file="inventory.csv", folder=folder.as_posix()),
            )
        )
    else:
        rows = inventory[pd.to_numeric(inventory["year"], errors="coerce") == inputs.year]
        if rows.empty:
            gaps.append(Gap(t("gap_statistic"), t("input.carbon"), t("carbon_no_rows", year=inputs.year)))
        for row in rows.itertuples():
            section.facts.extend(_carbon_facts(row, folder, out, t, gaps))
        if rows["scope"].astype(str).str.startswith("electricity_related").any():
            section.notes.append(t("electricity_not_total"))
        computed = pd.to_numeric(inventory["co2_t"], errors="coerce").notna()
        others = sorted({int(y) for y in inventory.loc[computed, "year"]} - {inputs.year})
        if others:
            section.notes.append(t("carbon_other_years", years=t.join(map(str, others))))
    dual = read_csv(folder / "dual_control.csv")
    if dual is not None and "intensity_t_per_10k_yuan" in dual:
        for row in dual[pd.to_numeric(dual["year"], errors="coerce") == inputs.year].itertuples():
            value = _value(row.intensity_t_per_10k_yuan)
            label = t("dual_control_row")
            if value is None:
                section.facts.append(Fact(label, None, reason=t("intensity_missing", year=inputs.year)))
            else:
                section.facts.append(
                    Fact(
                        label,
                        f"{value:.3f}",
                        t("t_per_wan_yuan"),
                        file_source(
                            (folder / "dual_control.csv").as_posix(), folder / "dual_control.csv", out
                        ),
                    )
                )
    return section


def scope_label(scope: str, t: Words) -> str | Markup:
    """The name of an inventory scope (``territorial_total``, ``electricity_related_secondary``);
    an unknown scope is shown as its code."""
    try:
        return t("scope." + scope)
    except KeyError:
        return Markup("<code>{}</code>").format(scope)


def _carbon_facts(row, folder: Path, out: Path, t: Words, gaps: list[Gap]) -> list[Fact]:
    """One inventory row: CO₂ in 万 t with the factors and statistics it used as its source, or
    missing with the statistics it needs; plus its intensity where the inventory gives one."""
    label = Markup("{} · {}").format(scope_label(str(row.scope), t), row.code)
    co2 = _value(row.co2_t)
    if co2 is None:
        needed = _text(row.missing_statistics)
        reason = (
            Markup("{}{}").format(t("statistics_needed"), in_language(needed, t.lang))
            if needed
            else in_language(_text(row.note), t.lang)
        )
        gaps.append(Gap(t("gap_statistic"), label, reason))
        return [Fact(label, None, t("wan_t"), reason=reason)]
    used = [p for p in (_text(row.factor_ids), _text(getattr(row, "sources", ""))) if p]
    title = " · ".join([(folder / "inventory.csv").as_posix(), *used])
    facts = [Fact(label, number(co2 / WAN), t("wan_t"), file_source(title, folder / "inventory.csv", out))]
    intensity_ = _value(getattr(row, "intensity_t_per_10k_yuan", None))
    if intensity_ is not None:
        facts.append(
            Fact(
                Markup("{} · {}").format(label, t("intensity")),
                f"{intensity_:.3f}",
                t("t_per_wan_yuan"),
                file_source(title, folder / "inventory.csv", out),
            )
        )
    return facts


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


# --- environment quality -----------------------------------------------------------------------


def environment_section(goal: Goal, inputs: Inputs, out: Path, t: Words, gaps: list[Gap]) -> Section:
    """PM2.5 annual means of the year by city and Poyang Lake TP from the monitoring outputs."""
    section = Section(goal)
    folder = inputs.present("monitoring")
    if folder is None:
        return section
    air = read_csv(folder / "air_annual.csv")
    rows = air[pd.to_numeric(air["year"], errors="coerce") == inputs.year] if air is not None else None
    if rows is None or rows.empty:
        reason = t("pm25_none", year=inputs.year)
        section.facts.append(Fact(t("pm25", city=""), None, "µg/m³", reason=reason))
        gaps.append(Gap(t("gap_statistic"), t("pm25", city=""), reason))
    else:
        for row in rows.itertuples():
            value = _value(row.pm25_annual_mean)
            section.facts.append(
                Fact(
                    t("pm25", city=row.city),
                    None if value is None else f"{value:.1f}",
                    "µg/m³",
                    file_source(
                        t("monitoring_source", file="air_annual.csv"), folder / "air_annual.csv", out
                    ),
                    reason=t("pm25_none", year=inputs.year),
                )
            )
    tp = read_csv(folder / "poyang_tp.csv")
    rows = tp[pd.to_numeric(tp["year"], errors="coerce") == inputs.year] if tp is not None else None
    value = _value(rows.iloc[0]["value"]) if rows is not None and not rows.empty else None
    if value is None:
        reason = t("poyang_none", year=inputs.year)
        section.facts.append(Fact(t("poyang_tp"), None, "mg/L", reason=reason))
        gaps.append(Gap(t("gap_statistic"), t("poyang_tp"), reason))
    else:
        row = rows.iloc[0]
        links = [s.strip() for s in _text(row.get("sources")).split("|") if s.strip()]
        source = Source(
            t("monitoring_source", file="poyang_tp.csv") + (" · " + " | ".join(links) if links else ""),
            links[0] if links else "",
        )
        section.facts.append(Fact(t("poyang_tp"), f"{value:.3f}", _text(row.get("unit")) or "mg/L", source))
    return section


# --- ecosystems and protected areas ------------------------------------------------------------


def ecosystems_section(goal: Goal, inputs: Inputs, out: Path, t: Words, gaps: list[Gap]) -> Section:
    """The province's rows of the SEEA extent and condition accounts, and the protected share of
    the province and its cities from the biodiversity indicators."""
    section = Section(goal)
    suffix = "zh" if t.lang == "zh" else "en"
    for name, file, caption in (
        ("seea_extent", "extent_account", "extent_table"),
        ("seea_condition", "condition_index", "condition_table"),
    ):
        folder = inputs.present(name)
        if folder is None:
            continue
        frame = read_csv(folder / f"{file}.{suffix}.csv")
        if frame is None:
            gaps.append(
                Gap(
                    t("gap_input"),
                    t("input." + name),
                    t("file_absent", file=f"{file}.{suffix}.csv", folder=folder.as_posix()),
                )
            )
            continue
        codes = frame.iloc[:, 0].astype(str)
        top = frame[codes == codes.iloc[0]]  # the first unit: the province
        shown = top.iloc[:, 3:]
        rows = [[_cell(v) for v in row] for row in shown.itertuples(index=False)]
        section.tables.append(
            Table(
                t(caption) + f" [{(folder / f'{file}.{suffix}.csv').as_posix()}]",
                [str(c) for c in shown.columns],
                rows,
                frozenset(range(1, shown.shape[1])),
            )
        )
    section.charts.extend(_maps(inputs, t, section, kind="ecosystems"))
    folder = inputs.present("biodiversity")
    if folder is not None:
        path = folder / "county_indicators.csv"
        frame = read_csv(path)
        if frame is None:
            gaps.append(
                Gap(
                    t("gap_input"),
                    t("input.biodiversity"),
                    t("file_absent", file="county_indicators.csv", folder=folder.as_posix()),
                )
            )
        else:
            levels = (
                frame[frame.get("level", pd.Series(dtype=str)).isin(["province", "city"])]
                if "level" in frame
                else frame.head(0)
            )
            demo = "status" in frame and frame["status"].astype(str).str.contains("demonstration").any()
            for row in levels.itertuples():
                value = _value(getattr(row, "protected_share", None))
                label = t("protected_share", unit=getattr(row, "unit_name", row.code))
                section.facts.append(
                    Fact(
                        label,
                        None if value is None else percent(value, 1),
                        "",
                        file_source(path.as_posix(), path, out),
                        reason=t("protected_none"),
                        demonstration=bool(demo),
                    )
                )
    return section


def _cell(value) -> str:
    if isinstance(value, float):
        return DASH if pd.isna(value) else number(value)
    return _text(value) or DASH


# --- institutions: registries, controls, audits ------------------------------------------------


def institutions_section(goal: Goal, inputs: Inputs, out: Path, t: Words, gaps: list[Gap]) -> Section:
    """The spatial-control screening's summary and the audit outputs present this year."""
    section = Section(goal)
    folder = inputs.present("controls")
    if folder is not None:
        path = folder / "screening.json"
        if path.is_file():
            summary = json.loads(path.read_text(encoding="utf-8")).get("summary", {})
            demo = summary.get("status") == "demonstration"
            source = file_source(path.as_posix(), path, out)
            section.facts += [
                Fact(
                    t("screening_projects"),
                    number(summary.get("projects")),
                    t("unit_count"),
                    source,
                    demonstration=demo,
                ),
                Fact(
                    t("screening_prohibited"),
                    number(summary.get("verdicts", {}).get("prohibited", 0)),
                    t("unit_count"),
                    source,
                    demonstration=demo,
                ),
                Fact(
                    t("screening_gep"),
                    number_yi(summary.get("gep_yuan")),
                    t("yi_yuan"),
                    source,
                    demonstration=demo,
                ),
            ]
        else:
            gaps.append(
                Gap(
                    t("gap_input"),
                    t("input.controls"),
                    t("file_absent", file="screening.json", folder=folder.as_posix()),
                )
            )
    folder = inputs.present("audit")
    if folder is not None:
        audits = sorted(folder.rglob("audit.json"))
        for path in audits:
            section.facts.extend(_audit_facts(path, out, t))
        if not audits:
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            section.facts.append(
                Fact(
                    t("audit_files"),
                    t("files_count", n=len(files)),
                    "",
                    file_source(folder.as_posix(), folder, out),
                )
            )
    return section


def _audit_facts(path: Path, out: Path, t: Words) -> list[Fact]:
    """A departure audit's summary (``audit.json`` of ``ecoledger audit departure``): GEP change
    over the term and the items that declined."""
    summary = json.loads(path.read_text(encoding="utf-8"))
    page = path.parent / ("index.html" if t.lang == "zh" else "index.en.html")
    source = file_source(path.as_posix(), page if page.is_file() else path, out)
    term = t(
        "audit_term",
        unit=summary.get("unit_name") or summary.get("unit", ""),
        start=summary.get("start", ""),
        end=summary.get("end", ""),
    )
    change = _value(summary.get("gep_change_yuan"))
    names = Translator(t.lang)
    declined = [names.item(str(i)) for i in summary.get("declined_items") or []]
    facts = [
        Fact(
            Markup("{} · {}").format(term, t("audit_gep_change")),
            None if change is None else number_yi(change),
            t("yi_yuan"),
            source,
            reason=t("audit_no_gep"),
            headline=False,
        ),
        Fact(
            Markup("{} · {}").format(term, t("audit_declined")),
            str(len(declined)),
            t("items_unit"),
            source,
            headline=False,
        ),
    ]
    if declined:
        facts[-1].label = Markup("{}（{}）" if t.lang == "zh" else "{} ({})").format(
            facts[-1].label, t.join(declined)
        )
    return facts


BUILDERS = {
    "gep_accounting": gep_section,
    "value_realisation": applications_section,
    "carbon": carbon_section,
    "environment_quality": environment_section,
    "ecosystems": ecosystems_section,
    "institutions": institutions_section,
}


# --- scorecard ---------------------------------------------------------------------------------

SCORECARD_COLUMNS = (
    "code",
    "unit_name",
    "level",
    "year",
    "goal",
    "indicator",
    "name_zh",
    "name_en",
    "unit",
    "direction",
    "value",
    "target",
    "target_year",
    "previous_value",
    "change",
    "trend",
    "status",
    "rank",
    "peers",
    "source_title",
    "source_url",
    "quote",
    "reason",
)


def read_scorecard(inputs: Inputs, t: Words, gaps: list[Gap]) -> pd.DataFrame | None:
    """The year's rows of ``scorecard.csv`` for the province and its cities, or None (a gap)."""
    folder = inputs.present("targets")
    if folder is None:
        return None
    frame = read_csv(folder / "scorecard.csv")
    if frame is None:
        gaps.append(
            Gap(
                t("gap_input"),
                t("input.targets"),
                t("file_absent", file="scorecard.csv", folder=folder.as_posix()),
            )
        )
        return None
    absent = [c for c in SCORECARD_COLUMNS if c not in frame]
    if absent:
        from ecoledger.congress.inputs import CongressInputError

        raise CongressInputError(
            f"{folder / 'scorecard.csv'}: columns {absent} are missing; write it again "
            "with `ecoledger targets scorecard`"
        )
    rows = frame[
        (pd.to_numeric(frame["year"], errors="coerce") == inputs.year)
        & frame["level"].isin(["province", "city"])
    ]
    return rows.reset_index(drop=True)


def indicator_name(row, lang: str) -> str:
    return _text(row["name_zh"] if lang == "zh" else row["name_en"]) or _text(row["indicator"])


# indicators the GEP section states from the account itself: not repeated from the scorecard
SHOWN_FROM_ACCOUNT = frozenset({"gep", "gep_to_gdp", "gep_growth"})


def row_reason(row: pd.Series, lang: str) -> str:
    """The missing reason of a scorecard row in ``lang`` (its ``reason_zh`` when there is one)."""
    if lang == "zh" and _text(row.get("reason_zh")):
        return _text(row["reason_zh"])
    return _text(row["reason"])


def scorecard_fact(row: pd.Series, t: Words) -> Fact:
    """A scorecard row as a fact: the value with its source, or missing with its reason."""
    value = _value(row["value"])
    label = f"{_text(row['unit_name'])} · {indicator_name(row, t.lang)}"
    if value is None:
        reason = row_reason(row, t.lang)
        reason = in_language(reason, t.lang) if reason else t("missing_no_reason")
        return Fact(label, None, in_language(_text(row["unit"]), t.lang), reason=reason, headline=False)
    title = _text(row["source_title"]) or _text(row["source_url"])
    quote = _text(row["quote"])
    if title and quote:
        title = f"{title} ——“{quote}”"
    source = Source(title, _text(row["source_url"])) if title else None
    return Fact(
        label,
        number(value),
        in_language(_text(row["unit"]), t.lang),
        source,
        reason="" if title else t("no_source"),
        headline=False,
    )


def scorecard_by_goal(scorecard: pd.DataFrame | None, sections: dict[str, Section], t: Words) -> None:
    """The province's scorecard rows appended to the section of their goal."""
    if scorecard is None:
        return
    goals = [s.goal for s in sections.values()]
    shown = scorecard["indicator"].isin(SHOWN_FROM_ACCOUNT)
    province = scorecard[(scorecard["level"] == "province") & ~shown]
    for _, row in province.iterrows():
        goal = goal_of(row["goal"], goals)
        if goal is not None:
            sections[goal.code].facts.append(scorecard_fact(row, t))


def scorecard_gaps(scorecard: pd.DataFrame | None, t: Words, gaps: list[Gap]) -> None:
    """One gap per indicator with missing values: how many units, and the reasons given."""
    if scorecard is None:
        return
    missing = scorecard[pd.to_numeric(scorecard["value"], errors="coerce").isna()]
    for _, rows in missing.groupby("indicator", sort=False):
        name = indicator_name(rows.iloc[0], t.lang)
        reasons = list(dict.fromkeys(r for _, row in rows.iterrows() if (r := row_reason(row, t.lang))))
        # the units' reasons mostly differ only by the unit's name: two shown, the rest counted
        shown = [in_language(r, t.lang) for r in reasons[:2]]
        if len(reasons) > 2:
            shown.append(t("more_reasons", n=len(reasons) - 2))
        reason = Markup("; ").join(shown) if shown else t("missing_no_reason")
        gaps.append(
            Gap(t("gap_indicator"), t("indicator_missing_units", indicator=name, n=len(rows)), reason)
        )
