"""Accounting runs on the platform: start, execute in the background, publish, archive.

Life of a run: ``queued`` → ``running`` (progress and step visible) → ``provisional`` (results
stored, readable by reviewers and by the submitters of each unit) → ``published`` (public, never
changed again). A correction is a new run naming the published one in ``supersedes_id``;
publishing it makes it the year's current run and the history shows both. A run that fails
ends ``failed``; one whose server died ends ``interrupted`` at the next start-up.

Each run works in its own folder (``<data>/runs/<id>/``): the statistics it used (pack rows with
accepted submissions taking precedence), the parameter override table of its version, and the
engine's outputs, written atomically, then the archive (``run-<id>.zip``: all of that plus a
manifest). Only then are the account rows, the outputs' hashes, the archive's path and the status
change committed, in one transaction, so a crash leaves either a finished run with its archive
or none. ``ecoledger platform rerun`` recomputes an archive from the same region pack and
proves the numbers equal.

A run started with ``draws`` > 0 also gets the intervals and drivers of its figures
(``ecoledger.uncertainty``): the account is run with its components, ``propagate`` draws the
ranges of the inputs the run read (kept as ``inputs/ranges.csv``) and ``uncertainty/`` is
written with the other outputs, so the run's folder and its archive hold it (a failure there
fails the run, as any other). The API and the unit page read those files, checked against the
hashes the run recorded (``read_uncertainty``): the store holds no copy of them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import os
import shutil
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from ecoledger import __version__, tables
from ecoledger.outputs import output_hashes, write_outputs
from ecoledger.platform import audit, reporting
from ecoledger.platform.db import Database
from ecoledger.platform.models import AccountRow, ParameterTable, Run, User, utcnow
from ecoledger.platform.policy import (
    AccessDenied,
    Conflict,
    NotFound,
    PlatformError,
    TooManyAttempts,
    require_login,
    require_role,
)

ACCOUNT_COLUMNS = ["adcode", "year", "group", "service", "item", "item_zh", "ecosystem",
                   "physical_value", "physical_unit", "unit_price", "price_unit", "value_yuan",
                   "data_status", "note", "note_zh"]
ARCHIVE_FORMAT = "ecoledger-run-archive/1"
MAX_DRAWS = 5000  # Monte Carlo draws a run may ask for (Settings.default_draws is 0: none)
UNCERTAINTY = "uncertainty"  # the outputs' sub-folder that holds intervals and drivers
UNCERTAINTY_FILES = ("meta.json", "intervals.csv", "drivers.csv")  # what the platform reads
INTERVAL_COLUMNS = ["adcode", "name", "level", "scope", "key", "point_yuan", "median_yuan",
                    "p05_yuan", "p95_yuan"]
DRIVER_COLUMNS = ["adcode", "name", "level", "rank", "input", "s1", "s1_conf", "gep_low_yuan",
                  "gep_high_yuan", "range_source"]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def published_current(s, year: int) -> Run | None:
    """The year's published run that no published run supersedes."""
    published = list(s.scalars(select(Run).where(Run.year == year, Run.status == "published")))
    superseded = {r.supersedes_id for r in published}
    current = [r for r in published if r.id not in superseded]
    return max(current, key=lambda r: r.id) if current else None


def current_run(db: Database, year: int) -> Run | None:
    with db.transaction(write=False) as s:
        return published_current(s, year)


def published_years(db: Database) -> list[int]:
    with db.transaction(write=False) as s:
        return sorted(set(s.scalars(select(Run.year).where(Run.status == "published"))))


def superseded_by(db: Database) -> dict[int, int]:
    """Published run id → id of the published run that corrects it."""
    with db.transaction(write=False) as s:
        return {r.supersedes_id: r.id for r in s.scalars(select(Run).where(
            Run.status == "published", Run.supersedes_id.is_not(None)))}


def list_runs(db: Database, user: User | None) -> list[Run]:
    """Published runs for everyone; every run for logged-in users."""
    with db.transaction(write=False) as s:
        query = select(Run).order_by(Run.id.desc())
        if user is None:
            query = query.where(Run.status == "published")
        return list(s.scalars(query))


def get_run(db: Database, user: User | None, run_id: int) -> Run:
    with db.transaction(write=False) as s:
        run = s.get(Run, run_id)
    if run is None or (user is None and run.status != "published"):
        raise NotFound(f"no run {run_id}", f"没有编号为 {run_id} 的核算运行")
    return run


MAX_QUEUED_RUNS_PER_USER = 2  # queued or running runs one user may have (Settings.max_queued_runs)


def start(db: Database, user: User | None, year: int, profile: str, pack_years: list[int],
          supersedes_id: int | None = None, max_queued: int = MAX_QUEUED_RUNS_PER_USER,
          draws: int = 0) -> Run:
    """Queue a run; with ``draws`` > 0 it also computes intervals and drivers (Monte Carlo)."""
    user = require_role(user, "reviewer", "administrator")
    tables.profile(profile)  # raises ParameterError naming the profiles
    if not 0 <= draws <= MAX_DRAWS:
        raise PlatformError(f"draws must be between 0 (no intervals) and {MAX_DRAWS}; got {draws}",
                            f"抽样次数须在 0（不计算区间）至 {MAX_DRAWS} 之间，收到 {draws}")
    if year not in pack_years:
        raise PlatformError(f"the region pack has no layers for {year}; choose one of "
                            f"{', '.join(map(str, pack_years))}",
                            f"区域数据包没有 {year} 年的图层，可选：{', '.join(map(str, pack_years))}")
    with db.transaction() as s:
        waiting = s.scalar(select(func.count()).select_from(Run).where(
            Run.started_by == user.id, Run.status.in_(("queued", "running"))))
        if waiting >= max_queued:
            raise TooManyAttempts(
                f"you have {waiting} runs queued or running (at most {max_queued}): wait for one "
                "to finish before starting another",
                f"您已有 {waiting} 个排队或运行中的核算（上限 {max_queued} 个），请待其完成后再启动", 60)
        if supersedes_id is not None:
            old = s.get(Run, supersedes_id)
            if old is None or old.status != "published" or old.year != year:
                raise PlatformError(f"run {supersedes_id} is not a published run of {year}",
                                    f"运行 {supersedes_id} 不是 {year} 年已发布的运行")
        version = s.scalar(select(ParameterTable.version).order_by(
            ParameterTable.created_at.desc()).limit(1))
        run = Run(year=year, profile=profile, status="queued", started_by=user.id,
                  supersedes_id=supersedes_id, parameter_version=version, code_version=__version__,
                  inputs={"draws": draws})  # replaced by the run's inputs once it has results
        s.add(run)
        s.flush()
        audit.append(s, user.username, "run.start", "run", run.id,
                     {"year": year, "profile": profile, "supersedes": supersedes_id,
                      "parameter_version": version, "draws": draws})
    return run


def publish(db: Database, user: User | None, run_id: int) -> Run:
    user = require_role(user, "reviewer", "administrator")
    with db.transaction() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise NotFound(f"no run {run_id}", f"没有编号为 {run_id} 的核算运行")
        if run.status != "provisional":
            raise Conflict(f"only a provisional run can be published; run {run_id} is {run.status}",
                           f"只有暂定结果可以发布；运行 {run_id} 的状态是 {run.status}")
        if run.started_by is not None and run.started_by == user.id:  # four eyes, as for submissions
            raise AccessDenied(f"you started run {run_id}, so another reviewer or administrator must "
                               "check and publish it",
                               f"运行 {run_id} 由您启动，须由另一位审核员或管理员核对后发布")
        current = published_current(s, run.year)
        if current is not None and run.supersedes_id != current.id:
            raise Conflict(
                f"{run.year} has a published run ({current.id}); a correction must name it as the "
                "run it supersedes", f"{run.year} 年已有已发布的运行（{current.id}），更正须注明所替代的运行")
        run.status, run.published_by, run.published_at = "published", user.id, utcnow()
        audit.append(s, user.username, "run.publish", "run", run.id,
                     {"year": run.year, "supersedes": run.supersedes_id, "gep_yuan": run.gep_yuan,
                      "outputs": run.outputs})
    return run


def recover(db: Database, data_dir: Path | None = None) -> list[int]:
    """At start-up: runs left queued or running by a dead server end ``interrupted``; their
    working folders (never referenced by the store) are removed."""
    with db.transaction() as s:
        stale = list(s.scalars(select(Run).where(Run.status.in_(["queued", "running"]))))
        for run in stale:
            run.status, run.finished_at = "interrupted", utcnow()
            run.error = "the server stopped during the run"
            audit.append(s, "system", "run.interrupted", "run", run.id, {})
    if data_dir is not None:
        for run in stale:
            shutil.rmtree(Path(data_dir) / "runs" / str(run.id), ignore_errors=True)
    return [r.id for r in stale]


class Runner:
    """Executes queued runs one at a time in a background thread of the server."""

    def __init__(self, db: Database, data_dir: Path, pack: Path | None):
        self.db, self.data_dir, self.pack = db, data_dir, pack
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecoledger-run")

    def submit(self, run_id: int):
        return self._pool.submit(execute, self.db, self.data_dir, self.pack, run_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _set(db: Database, run_id: int, **fields) -> None:
    with db.transaction() as s:
        run = s.get(Run, run_id)
        for key, value in fields.items():
            setattr(run, key, value)


def execute(db: Database, data_dir: Path, pack: Path | None, run_id: int,
            progress_every: float = 0.02) -> None:
    """Run a queued run to ``provisional`` or ``failed``; never raises."""
    from ecoledger.accounts import run_account

    folder = Path(data_dir) / "runs" / str(run_id)
    try:
        if pack is None:
            raise PlatformError("the platform was started without a region pack (--pack)")
        with db.transaction() as s:
            run = s.get(Run, run_id)
            run.status, run.started_at, run.step = "running", utcnow(), "preparing"
            year, profile, version = run.year, run.profile, run.parameter_version
            draws = int((run.inputs or {}).get("draws", 0))
            overrides = s.get(ParameterTable, version).content if version else ""
        inputs = folder / "inputs"
        inputs.mkdir(parents=True, exist_ok=True)
        statistics = reporting.accepted_statistics(db, year)
        statistics_file = inputs / "statistics.csv"
        statistics.to_csv(statistics_file, index=False, encoding="utf-8")
        parameter_files = []
        if overrides.strip():
            (inputs / "parameters.csv").write_text(overrides, encoding="utf-8")
            parameter_files.append(inputs / "parameters.csv")
        last = [0.0]
        share = ACCOUNT_SHARE if draws else 1.0  # of the progress bar: the account, then the draws

        def progress(step: str, fraction: float) -> None:
            if fraction - last[0] >= progress_every or fraction >= 1:
                last[0] = fraction
                _set(db, run_id, step=step[:100], progress=round(min(fraction * share, 0.99), 3))

        result = run_account(pack, year, profile=profile, parameter_overrides=parameter_files,
                             statistics_overrides=[statistics_file], keep_maps=False, progress=progress,
                             components=draws > 0)
        uncertainty = None
        if draws:
            _set(db, run_id, step=UNCERTAINTY, progress=ACCOUNT_SHARE)
            uncertainty = add_uncertainty(result, cited_ranges(result, inputs / "ranges.csv"), draws)
        _set(db, run_id, step="writing outputs", progress=0.99)
        outputs = write_outputs(result, folder / "outputs", pack)
        run_json = json.loads((outputs / "run.json").read_text(encoding="utf-8"))
        summary = json.loads((outputs / "summary.json").read_text(encoding="utf-8"))
        statistics_sha256 = _sha256(statistics_file.read_bytes())
        archive = _write_archive(folder, run_id, profile, run_json, statistics_sha256, uncertainty)
        _store_results(db, run_id, result.accounts, run_json, summary, statistics_sha256,
                       result.statistics, archive=str(archive), uncertainty=uncertainty)
    except Exception as exc:  # a failed run is recorded, never lost silently
        with db.transaction() as s:
            run = s.get(Run, run_id)
            run.status, run.error, run.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:4000], utcnow()
            audit.append(s, "system", "run.failed", "run", run_id, {"error": run.error})
        shutil.rmtree(folder, ignore_errors=True)  # nothing in it is referenced by the store


ACCOUNT_SHARE = 0.8  # of a run with draws, the account's part of the progress bar


def cited_ranges(result, path: Path) -> pd.DataFrame:
    """The bundled cited ranges of every input ``result`` read (``ranges_for``), kept in ``path``
    (the run's inputs, so its archive) and read back from it: a rerun of the archive draws
    exactly these numbers, whatever the range tables of its code version say."""
    from ecoledger.uncertainty import propagate as engine

    engine.ranges_for(result).to_csv(path, index=False, encoding="utf-8")
    return read_ranges(path)


def add_uncertainty(result, ranges: pd.DataFrame, draws: int, seed: int | None = None) -> dict:
    """Intervals and drivers of ``result`` (run with ``components=True``) into
    ``result.uncertainty``: ``draws`` Latin-hypercube draws of ``ranges``; returns what the run
    records (draws and seed)."""
    from ecoledger.uncertainty import propagate as engine

    seed = engine.SEED if seed is None else int(seed)
    result.uncertainty = engine.propagate(result, ranges, draws, seed)
    return {"draws": int(draws), "seed": seed}


# numbers read back exactly as written: pandas 3 parses floats exactly by default (and deprecates
# the option), pandas 2 does with float_precision="round_trip"
EXACT_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def read_ranges(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"name": str, "distribution": str, "range_source": str},
                       keep_default_na=False, na_values={c: [""] for c in ("value", "low", "high")},
                       **EXACT_FLOATS, encoding="utf-8")


class StoreIntegrityError(RuntimeError):
    """A file of a run's outputs is gone or differs from the one the run recorded."""


@dataclass(frozen=True)
class RunUncertainty:
    """What the platform reads of a run's ``uncertainty/`` (treat the frames as read-only)."""

    meta: dict
    intervals: pd.DataFrame  # INTERVAL_COLUMNS, 元
    drivers: pd.DataFrame  # DRIVER_COLUMNS, 元 (GEP with one input at each end of its range)


def read_uncertainty(data_dir: Path, run: Run) -> RunUncertainty | None:
    """The intervals and drivers of ``run`` (None when it ran without draws, or was imported:
    an imported run's files stay where they were computed), each file checked against the
    hash the run recorded when its results were stored."""
    recorded = run.outputs or {}
    if run.origin != "platform" or f"{UNCERTAINTY}/meta.json" not in recorded:
        return None
    folder = Path(data_dir) / "runs" / str(run.id) / "outputs" / UNCERTAINTY
    digests = tuple(recorded.get(f"{UNCERTAINTY}/{name}", "") for name in UNCERTAINTY_FILES)
    return _read_uncertainty(str(folder), digests, run.id)


@functools.lru_cache(maxsize=16)  # a run's files never change once recorded (hashes in the key)
def _read_uncertainty(folder: str, digests: tuple[str, ...], run_id: int) -> RunUncertainty:
    content = {}
    for name, digest in zip(UNCERTAINTY_FILES, digests, strict=True):
        path = Path(folder) / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StoreIntegrityError(f"run {run_id}: {path} cannot be read ({exc}); restore the "
                                      f"run's folder from its archive (run-{run_id}.zip)") from exc
        if _sha256(data) != digest:
            raise StoreIntegrityError(f"run {run_id}: {path} differs from the file the run recorded "
                                      f"(sha256 {digest}); restore it from the run's archive "
                                      f"(run-{run_id}.zip)")
        content[name] = data
    text = {"adcode": str, "name": str, "level": str}
    intervals = _csv(content["intervals.csv"], text | {"scope": str, "key": str}, INTERVAL_COLUMNS)
    drivers = _csv(content["drivers.csv"], text | {"input": str, "range_source": str},
                   DRIVER_COLUMNS)
    return RunUncertainty(json.loads(content["meta.json"]), intervals, drivers)


def _csv(data: bytes, text: dict, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(data), dtype=text, keep_default_na=False,
                        na_values={c: [""] for c in columns if c not in text},
                        **EXACT_FLOATS, encoding="utf-8")
    return frame.reindex(columns=columns)


def _intervals_frame(path: Path) -> pd.DataFrame:
    return _csv(path.read_bytes(), {"adcode": str, "name": str, "level": str, "scope": str,
                                    "key": str}, INTERVAL_COLUMNS)


def unit_statistics(stats: pd.DataFrame) -> dict[str, dict[str, float]]:
    """GDP and population per unit code (what the map's GEP/GDP and per-capita views need)."""
    wanted = [c for c in ("gdp", "population") if c in stats.columns]
    return {str(code): {k: float(v) for k, v in row.items() if pd.notna(v)}
            for code, row in stats[wanted].iterrows() if row.notna().any()} if wanted else {}


def _store_results(db: Database, run_id: int, accounts: pd.DataFrame, run_json: dict, summary: dict,
                   statistics_sha256: str, statistics: pd.DataFrame, archive: str = "",
                   uncertainty: dict | None = None) -> None:
    """Account rows, provenance, archive path and the status change: one transaction."""
    if "note_zh" not in accounts:  # accounts of before the notes in Chinese
        accounts = accounts.assign(note_zh=None)
    rows = accounts[ACCOUNT_COLUMNS].astype(object).where(accounts[ACCOUNT_COLUMNS].notna(), None)
    with db.transaction() as s:
        run = s.get(Run, run_id)
        s.add_all(_account_row(run_id, r) for r in rows.itertuples(index=False))
        s.flush()
        reporting._maybe_crash("run-results")
        run.status, run.progress, run.step, run.finished_at = "provisional", 1.0, "done", utcnow()
        run.inputs = {"pack": run_json.get("inputs", {}),
                      "statistics_overrides": run_json.get("statistics_overrides", {})}
        if uncertainty:  # draws and seed
            run.inputs[UNCERTAINTY] = uncertainty
        run.outputs = run_json.get("outputs", {})
        run.summary = {**summary, "unit_statistics": unit_statistics(statistics)}
        run.gep_yuan = summary.get("gep_yuan")
        run.statistics_sha256 = statistics_sha256
        run.parameter_version = run_json.get("parameter_table_version", run.parameter_version)
        run.archive = archive
        audit.append(s, "system", "run.provisional", "run", run_id,
                     {"gep_yuan": run.gep_yuan, "parameter_table_version": run.parameter_version})


def _account_row(run_id: int, r) -> AccountRow:
    return AccountRow(
        run_id=run_id, unit_code=str(r.adcode), year=int(r.year), group=r.group, service=r.service,
        item=r.item, item_zh=r.item_zh, ecosystem=r.ecosystem, physical_value=_number(r.physical_value),
        physical_unit=r.physical_unit or "", unit_price=_number(r.unit_price), price_unit=r.price_unit or "",
        value_yuan=_number(r.value_yuan), data_status=r.data_status, note=r.note or "",
        note_zh=r.note_zh or "")


def _write_archive(folder: Path, run_id: int, profile: str, run_json: dict, statistics_sha256: str,
                   uncertainty: dict | None = None) -> Path:
    """``run-<id>.zip``: manifest, inputs and outputs; written before the run is committed."""
    manifest = {
        "format": ARCHIVE_FORMAT, "run": run_id, "year": run_json["year"], "profile": profile,
        "code_version": run_json.get("code_version", ""),
        "parameter_table_version": run_json["parameter_table_version"],
        "statistics_sha256": statistics_sha256, "pack_inputs": run_json.get("inputs", {}),
        "outputs": run_json.get("outputs", {}),
        "rerun": f"ecoledger platform rerun run-{run_id}.zip --pack <the region pack> --out <folder>",
    }
    if uncertainty:  # draws and seed; the ranges drawn are inputs/ranges.csv
        manifest[UNCERTAINTY] = uncertainty
    archive = folder / f"run-{run_id}.zip"
    staging = archive.with_name(archive.name + ".partial")
    with zipfile.ZipFile(staging, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for sub in ("inputs", "outputs"):
            for path in sorted((folder / sub).rglob("*")):
                if path.is_file():
                    z.write(path, str(path.relative_to(folder)))
    os.replace(staging, archive)  # a crash leaves a .partial file, never a truncated archive
    return archive


def import_outputs(db: Database, outputs: Path, actor: str = "import", publish: bool = True) -> Run:
    """Load a CLI run's output folder (accounts.csv, run.json, summary.json) as a run.

    Used to seed the platform with accounts computed outside it; the run is marked
    ``origin = import`` and, with ``publish``, published at once. Importing the same outputs
    twice returns the existing run.
    """
    outputs = Path(outputs)
    run_json = json.loads((outputs / "run.json").read_text(encoding="utf-8"))
    summary = json.loads((outputs / "summary.json").read_text(encoding="utf-8"))
    accounts = pd.read_csv(outputs / "accounts.csv", dtype={"adcode": str}, keep_default_na=False,
                           na_values={c: [""] for c in ("physical_value", "unit_price", "value_yuan")})
    fingerprint = run_json["outputs"].get("accounts.csv")
    with db.transaction() as s:
        for run in s.scalars(select(Run).where(Run.origin == "import", Run.year == run_json["year"])):
            if run.outputs.get("accounts.csv") == fingerprint:
                return run
        run = Run(year=int(run_json["year"]), profile=run_json["profile"], status="running",
                  origin="import", code_version=run_json.get("code_version", ""),
                  parameter_version=None, started_at=utcnow())
        s.add(run)
        s.flush()
        run_id = run.id
        audit.append(s, actor, "run.import", "run", run_id, {"from": str(outputs)})
    _store_results(db, run_id, accounts, run_json, summary,
                   run_json.get("statistics_overrides", {}).get("statistics.csv", ""),
                   _pack_statistics(Path(run_json["pack"]), int(run_json["year"])))
    with db.transaction() as s:
        run = s.get(Run, run_id)
        if publish and published_current(s, run.year) is None:
            run.status, run.published_at = "published", utcnow()
            audit.append(s, actor, "run.publish", "run", run_id, {"year": run.year, "import": True})
        return run


def _pack_statistics(pack: Path, year: int) -> pd.DataFrame:
    """The statistics a CLI run read from its pack (empty when the pack is no longer there)."""
    from ecoledger.pack.manifest import load_pack
    from ecoledger.statistics import load_statistics

    if not (pack / "pack.toml").is_file():
        return pd.DataFrame()
    return load_statistics(load_pack(pack).statistics_files, year)


def archive_path(db: Database, user: User | None, run_id: int) -> Path:
    run = get_run(db, user, run_id)
    if run.status != "published":
        require_login(user)
    if not run.archive or not Path(run.archive).is_file():
        raise NotFound(f"run {run_id} has no archive (imported runs and failed runs have none)",
                       f"运行 {run_id} 没有归档（导入或失败的运行没有归档）")
    return Path(run.archive)


ARCHIVE_REQUIRED = ("manifest.json", "inputs/statistics.csv", "outputs/accounts.csv")
ARCHIVED_INTERVALS = f"outputs/{UNCERTAINTY}/intervals.csv"  # compared by a rerun when present
MANIFEST_KEYS = ("run", "year", "profile", "pack_inputs", "parameter_table_version")


def _archive_error(archive: Path, problem: str) -> PlatformError:
    return PlatformError(f"{archive}: {problem}; fix: download the run's archive again from the platform "
                         "(runs → archive), unmodified",
                         f"{archive}：{problem}；请从平台重新下载该运行的归档，不要修改")


def read_archive(archive: Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and the members a rerun needs (``inputs/…``, ``outputs/accounts.csv``), all
    checked before anything is computed or written: a zip file, no member that would land outside
    the output folder (absolute, ``..``, drive letters), every required member, a manifest of
    this format with the keys a rerun reads. ``PlatformError`` naming the member otherwise."""
    archive = Path(archive)
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _archive_error(archive, f"not a zip archive ({exc})") from exc
    with z:
        names = z.namelist()
        for name in names:
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise _archive_error(archive, f"member {name!r} points outside the archive's folder "
                                              "(an unsafe or tampered archive)")
        missing = [name for name in ARCHIVE_REQUIRED if name not in names]
        if missing:
            raise _archive_error(archive, f"no {', '.join(missing)} in the archive "
                                          "(a run archive holds manifest.json, inputs/ and outputs/)")
        try:
            manifest = json.loads(z.read("manifest.json"))
        except (ValueError, zipfile.BadZipFile) as exc:
            raise _archive_error(archive, f"manifest.json is not readable JSON ({exc})") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
            raise _archive_error(archive, f"manifest.json is not an ecoledger run archive's "
                                          f"(format {ARCHIVE_FORMAT})")
        absent = [key for key in MANIFEST_KEYS if key not in manifest]
        if absent or not isinstance(manifest["pack_inputs"], dict):
            raise _archive_error(archive, f"manifest.json lacks {', '.join(absent) or 'pack_inputs'}")
        try:
            members = {name: z.read(name) for name in names
                       if (name.startswith("inputs/") and not name.endswith("/"))
                       or name in ("outputs/accounts.csv", ARCHIVED_INTERVALS)}
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a corrupt member (CRC, truncation)
            raise _archive_error(archive, f"a member cannot be read ({exc})") from exc
    return manifest, members


def verify_archive(archive: Path, pack: Path, out: Path,
                   progress: Callable[[str, float], None] | None = None) -> dict:
    """Re-run an archive's inputs on ``pack``; compare with the archived accounts (and, for a
    run with draws, its intervals: the same draws of the archived ranges with the same seed).

    The archive and the pack are checked before any computation (``read_archive``, the pack's
    file hashes against the manifest's); ``out`` (``archive-inputs/``, ``outputs/``) is written
    whole or not at all, replacing any previous folder. ``identical``: the accounts and, when
    the run has them, the intervals."""
    from ecoledger.accounts import run_account
    from ecoledger.atomic import atomic_directory
    from ecoledger.outputs import input_hashes

    manifest, members = read_archive(archive)
    differing = sorted(name for name, digest in input_hashes(pack).items()
                       if manifest["pack_inputs"].get(name) not in (None, digest))
    if differing:
        raise PlatformError(f"the region pack differs from the archived run's in {', '.join(differing)}; "
                            "re-run on the same pack version")
    with atomic_directory(out) as staging:
        inputs = staging / "archive-inputs"
        for name, data in members.items():
            target = inputs / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        parameters = inputs / "inputs" / "parameters.csv"
        drawn = manifest.get(UNCERTAINTY) or {}
        ranges = inputs / "inputs" / "ranges.csv"
        if drawn and (ARCHIVED_INTERVALS not in members or not ranges.is_file()):
            raise _archive_error(archive, f"the manifest names {drawn.get('draws')} draws but the "
                                          f"archive lacks inputs/ranges.csv or {ARCHIVED_INTERVALS}")
        result = run_account(pack, manifest["year"], profile=manifest["profile"],
                             parameter_overrides=[parameters] if parameters.exists() else [],
                             statistics_overrides=[inputs / "inputs" / "statistics.csv"],
                             keep_maps=False, progress=progress, components=bool(drawn))
        if drawn:
            add_uncertainty(result, read_ranges(ranges), int(drawn["draws"]), drawn.get("seed"))
        write_outputs(result, staging / "outputs", pack)
        archived = pd.read_csv(inputs / "outputs" / "accounts.csv", dtype={"adcode": str})
        fresh = pd.read_csv(staging / "outputs" / "accounts.csv", dtype={"adcode": str})
        same = archived.equals(fresh)
        same_intervals = None
        if drawn:
            same_intervals = _intervals_frame(inputs / ARCHIVED_INTERVALS).equals(
                _intervals_frame(staging / "outputs" / UNCERTAINTY / "intervals.csv"))
        hashes = output_hashes(staging / "outputs")
    return {"run": manifest["run"], "year": manifest["year"],
            "identical": bool(same) and same_intervals is not False,
            "accounts_identical": bool(same), "intervals_identical": same_intervals,
            "parameter_table_version": result.provenance["parameter_table_version"],
            "archived_parameter_table_version": manifest["parameter_table_version"],
            "outputs": hashes}
