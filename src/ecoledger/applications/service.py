"""The applications on the platform: published accounts from the store, maps, certificates.

The unit table is built from the year's current published run (and the previous year's, for
change), as ``accounts.load`` builds it from files. Value maps are not kept with runs, so the
first valuation of a year computes them from the platform's region pack (``run_account`` with
maps) into ``<data>/applications/maps-<year>/`` and later ones reuse them; a certificate names
the published run it stands for and warns where the maps' totals differ from it.

That account is drawn too (``DRAWS`` Monte Carlo draws on the bundled ranges, ``uncertainty/``
beside the maps), so certificates carry the interval of the site's flow; rules applied to the
year's published accounts carry intervals once that folder exists and its GEP is the published
one (``unit_draws``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from ecoledger.applications import accounts, certificate, intervals, vep
from ecoledger.applications.store import Certificate
from ecoledger.platform import artefacts, audit, queries
from ecoledger.platform.db import Database
from ecoledger.platform.models import User
from ecoledger.platform.policy import NotFound, PlatformError

DRAWS = 1000  # Monte Carlo draws kept with a year's value maps (issue 21's 1,000-draw budget)
log = logging.getLogger(__name__)


def _rows(db: Database, user: User | None, year: int):
    run, rows = queries.account_rows(db, user, year=year, ecosystem="all")
    frame = pd.DataFrame(rows).rename(columns={"code": "adcode"})
    frame["value_yuan"] = pd.to_numeric(frame["value_yuan"])
    return run, frame


def unit_table(db: Database, user: User | None, year: int) -> tuple[int, pd.DataFrame]:
    """(run id, unit table) of the year's published accounts, with change on the previous year."""
    run, rows = _rows(db, user, year)
    extra = pd.DataFrame.from_dict(run.summary.get("unit_statistics", {}), orient="index")
    areas = pd.Series({u.code: u.area_km2 for u in queries.units(db)}, name="area_km2")
    extra = extra.join(areas, how="outer")
    current = accounts.unit_table(rows, extra)
    try:
        previous = accounts.unit_table(_rows(db, user, year - 1)[1])
    except PlatformError:
        previous = None
    return run.id, accounts.add_ratios(accounts.with_change(current, previous))


def maps_folder(data_dir: Path, pack: Path | None, year: int) -> Path:
    """An account folder of ``year`` with value maps, computed once from the pack.

    Built under a unique temporary name and renamed into place (``artefacts.build_once``), so
    concurrent requests, in this process or another, never read or replace a half-written folder.
    """
    folder = Path(data_dir) / "applications" / f"maps-{year}"
    if (folder / "run.json").is_file():
        return folder
    if pack is None:
        raise PlatformError("the platform has no region pack to compute value maps from",
                            "平台未配置区域数据包，无法计算价值栅格")

    def build(staging: Path) -> None:
        from ecoledger.accounts import run_account
        from ecoledger.outputs import write_outputs

        result = run_account(pack, year, keep_maps=True, components=True)
        result.uncertainty = _draws(result)
        write_outputs(result, staging, pack)

    artefacts.build_once(folder, build, folder=True)
    if not (folder / "run.json").is_file():  # left by an older version, or by hand
        raise PlatformError(f"{folder} is incomplete (no run.json): remove it to have it rebuilt",
                            f"{folder} 不完整（缺 run.json）：删除后将重新计算")
    return folder


def _draws(result):
    """The account's draws on the bundled ranges (``uncertainty.propagate``), or None when they
    cannot be drawn (an input without a range): the valuation then has no interval, as before."""
    from ecoledger.errors import ParameterError
    from ecoledger.uncertainty.propagate import propagate, ranges_for

    try:
        return propagate(result, ranges_for(result), DRAWS)
    except (ParameterError, ValueError) as exc:
        log.warning("value maps of %s without draws (no intervals): %s",
                    result.provenance.get("year"), exc)
        return None


def unit_draws(data_dir: Path, year: int) -> intervals.UnitDraws | None:
    """The draws of the year's value-map account (``maps_folder``) when it has been computed,
    paired with the previous year's when that is there too; ``rules.apply`` uses them only if
    they are the published accounts' (the same GEP for every unit). Never computes the folder."""
    folder = Path(data_dir) / "applications" / f"maps-{year}"
    if not (folder / "run.json").is_file():
        return None
    previous = Path(data_dir) / "applications" / f"maps-{year - 1}"
    return intervals.read(folder, previous if (previous / "run.json").is_file() else None)


def issue(state, user: User, year: int, site_geojson: dict, name: str, rate: float, horizon: int,
          rates: list[float], horizons: list[int]) -> dict:
    """Value a site on the year's published accounts; store the certificate with an audit entry."""
    run, rows = _rows(state.db, user, year)
    run_id = run.id
    top = rows[rows["level"] == "province"] if (rows["level"] == "province").any() else rows
    published = {"run_id": run_id, "year": year,
                 "item_values": top.groupby("item")["value_yuan"].sum(min_count=1).to_dict()}
    folder = maps_folder(state.settings.data_dir, state.settings.pack, year)
    cert = vep.certify(folder, vep.read_site(site_geojson, "upload"), name, rate, horizon, rates, horizons,
                       issued_by=user.username, published=published)
    with state.db.transaction() as s:
        s.add(Certificate(content_sha256=cert["content_sha256"], kind="vep", site_name=name[:200], year=year,
                          run_id=run_id, issued_by=user.username, body=json.dumps(cert, ensure_ascii=False)))
        audit.append(s, user.username, "applications.certificate", "certificate", cert["content_sha256"],
                     {"site": name, "year": year, "run_id": run_id,
                      "present_value_yuan": cert["present_value_yuan"]})
    return cert


def stored(db: Database, digest: str) -> dict | None:
    with db.transaction(write=False) as s:
        row = s.scalars(select(Certificate).where(Certificate.content_sha256 == digest)).first()
        return json.loads(row.body) if row else None


def check(db: Database, digest: str, submitted: dict | None = None) -> dict:
    """Is the certificate with this hash (or the submitted one) intact and issued here?"""
    kept = stored(db, digest)
    if submitted is not None:
        intact, reason = certificate.verify(submitted)
    elif kept is not None:
        intact, reason = certificate.verify(kept)
    else:
        intact, reason = False, "no certificate with this hash was issued by this platform"
    issued_here = kept is not None and (submitted is None or submitted.get("content_sha256") == digest)
    valid = intact and issued_here
    if intact and not issued_here:
        reason = "the content matches its hash, but this platform did not issue it"
    return {"content_sha256": digest, "valid": valid, "intact": intact, "issued_here": issued_here,
            "reason": reason, "certificate": kept if valid else None}


def certificate_or_404(db: Database, digest: str) -> dict:
    kept = stored(db, digest)
    if kept is None:
        raise NotFound(f"no certificate {digest}", f"没有哈希为 {digest} 的证书")
    return kept
