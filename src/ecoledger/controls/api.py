"""API routes of the spatial controls on the platform: ``/api/v1/controls/...`` (issue 19, item 2).

Who may do what (``@allow`` beside each route; ``tests/test_platform_policy.py`` checks them all):

* administrators — upload a control layer (``POST /api/v1/controls/layers``, multipart: ``file`` a
  GeoPackage or a zip of a shapefile or GeoPackage, ``name`` the layer's name, optionally
  ``type_column``, ``zone_type`` (one type for the whole layer), ``layer`` (of a GeoPackage with
  several), ``rules`` (a rules CSV with the columns of the shipped ``zone_rules.csv``) and
  ``demonstration``);
* logged-in users (viewer and up) — list and read the layers, screen a footprint
  (``POST /api/v1/controls/screenings``), list their own screenings and read one by its id
  (reviewers and administrators read every screening; anybody else gets 404 for another's).

A layer upload goes through the registry's upload guards (``registry.parcels``: size, file kind by
its first bytes, zip members, zip bombs, one dataset, feature count) and then
``controls.zones.read_zones``: any error refuses the upload (422, every problem with its file,
feature, field and fix in the request's language, both languages beside) and nothing is stored.
Accepted, the layer is stored as the next version of its name in one transaction, its zones as
WKB in the equal-area CRS they were checked in (``controls.store``); the warnings (overlaps of
zones of one type) are kept with it. A rules CSV uploaded with the layer is checked by
``read_rules`` and stored whole; without one the layer's rules are the shipped table.

A screening is run against the current version of every layer (or the versions named by their
digests in ``layers``) and their rules (the union, identical rows once), by
``controls.screening.screen_geojson``; with ``year``, the GEP inside the footprints comes from the
value maps of that year's published account (``applications.service.maps_folder``: the account
computed once from the platform's pack, as the valuation tools use it). The answer is
``screen_geojson``'s dict (summary, projects, overlaps, triggered, gep and whatever keys it adds)
with ``screening``: the stored record's id, page, inputs hash, who and when. Non-finite numbers
are answered as ``null``. Limits: the request guard's 2 MiB body, then ``read_footprints_geojson``'s
features and positions; a malformed body is 400/422.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from ecoledger import messages
from ecoledger.controls.store import StoredScreening, Zone, ZoneLayer
from ecoledger.controls.zones import ACTIVITIES, RULE_COLUMNS, ZONE_TYPES
from ecoledger.errors import Problem, SubmissionError
from ecoledger.platform import app as platform_app
from ecoledger.platform.deps import (
    CsrfHeader,
    UserDep,
    check_csrf,
    enforce_access,
    platform,
    request_language,
)
from ecoledger.platform.policy import Conflict, NotFound, allow, is_staff, require_login, require_role

router = APIRouter(dependencies=[Depends(enforce_access)])  # every route declares @allow(...)

LAYERS_PATH = "/api/v1/controls/layers"
SCREENINGS_PATH = "/api/v1/controls/screenings"
RULES_LIMIT_BYTES = 1 * 2**20  # a rules table is a few hundred rows of text
MAX_LISTED = 500
LAYER_NAME = r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._:-]{0,63}$"
HEX64 = r"^[0-9a-f]{64}$"
Digest = Annotated[str, Path(pattern=HEX64, description="a layer version's digest or a screening's id")]


def _upload_limits():
    from ecoledger.registry.parcels import LIMITS

    return LIMITS


# the request guard's limit for the layer upload: the layer file, a rules file and the form's fields
platform_app.ROUTE_LIMITS[("POST", LAYERS_PATH)] = (
    _upload_limits().upload_bytes + RULES_LIMIT_BYTES + 64 * 1024
)

messages.register(
    {
        "refused": (
            "文件未通过校验，未保存任何管控图层",
            "the file was refused; no control layer was stored",
        ),
        "refused_screening": (
            "用地范围未通过校验，未进行筛查",
            "the footprints were refused; nothing was screened",
        ),
        "vertices": ("边界共 {count} 个顶点，超过 {limit} 个的上限", "{count} vertices, more than {limit}"),
        "vertices.fix": ("请简化边界或拆分图层", "simplify the boundaries or split the layer"),
        "rules_size": ("规则表超过 {limit}", "the rules table is larger than {limit}"),
        "rules_size.fix": ("请只保留规则表的各列", "keep only the columns of the rules table"),
        "rules_text": ("规则表不是 UTF-8 编码的 CSV", "the rules table is not a UTF-8 CSV"),
        "rules_text.fix": ("请以 UTF-8 编码另存为 CSV", "save it as CSV in UTF-8"),
        "no_layers": (
            "平台尚无管控图层：请管理员先上传（`POST /api/v1/controls/layers`）",
            "no control layer is stored: an administrator uploads one first (POST /api/v1/controls/layers)",
        ),
        "unknown_layer": ("没有摘要为 `{digest}` 的管控图层", "no control layer has the digest {digest}"),
        "stored": (
            "该文件已保存为管控图层 `{name}` 第 {version} 版",
            "this file is stored already as {name} version {version}",
        ),
        "no_account": ("{year} 年没有已发布的核算结果", "{year} has no published account"),
        "concurrent": (
            "图层 `{name}` 正被同时上传，请重试",
            "layer {name} was being uploaded at the same time; try again",
        ),
        "no_screening": ("没有编号为 `{digest}` 的筛查", "no screening has the id {digest}"),
    },
    prefix="controls.api.",
)


def say(key: str, lang: str = "en", **fields) -> str:
    return messages.text(f"controls.api.{key}", lang, **fields)


def _short(digest: str) -> str:
    """The first 12 hex digits of a 64-digit id, as messages name it (a page stays narrow)."""
    return digest[:12] + "…" if len(digest) > 12 else digest


def problem_from(record: dict) -> Problem:
    """A stored problem (``Problem.as_dict``'s dict) back as a ``Problem``."""
    return Problem(
        record["file"],
        record["field"],
        record["message_en"],
        record["fix_en"],
        record["severity"],
        record["message_zh"],
        record["fix_zh"],
    )


def refusal(problems: list[Problem], lang: str, head: str = "refused") -> JSONResponse:
    return JSONResponse(
        {
            "detail": say(head, lang),
            "detail_zh": say(head, "zh"),
            "lang": lang,
            "problems": [p.as_dict(lang) for p in problems],
        },
        status_code=422,
    )


def _problem(file: str, where: str, key: str, **fields) -> Problem:
    return Problem.keyed(file, where, f"controls.api.{key}", **fields)


def finite(value):
    """``value`` with every NaN or infinity replaced by None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def canonical_sha256(value) -> str:
    """SHA-256 of ``value`` as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- reading a layer upload ---------------------------------------------------------------------------


def read_layer_upload(
    filename: str,
    content: bytes,
    *,
    pack=None,
    layer: str | None = None,
    type_column: str | None = None,
    zone_type: str | None = None,
):
    """The ``ZoneSet`` of an uploaded GeoPackage or zip (of a shapefile or GeoPackage), through the
    registry's upload guards and ``read_zones``. Raises a ``SubmissionError`` listing every problem."""
    import numpy as np
    import shapely

    from ecoledger.controls.zones import read_zones
    from ecoledger.limits import human_bytes
    from ecoledger.registry import parcels

    limits = _upload_limits()
    name = parcels._display_name(filename)
    if not content:
        raise parcels._refuse(name, "file", "empty", "upload.fix")
    if len(content) > limits.upload_bytes:
        raise parcels._refuse(
            name,
            "file",
            "too_large",
            "split.fix",
            size=human_bytes(len(content)),
            limit=human_bytes(limits.upload_bytes),
            features=limits.features,
        )
    if content.startswith(parcels.ZIP_MAGIC):
        stored = "upload.zip"
    elif content.startswith(parcels.SQLITE_MAGIC):
        stored = "upload.gpkg"
    elif FilePath(name).suffix.lower() in parcels.SHAPEFILE_PARTS:
        raise parcels._refuse(name, "file", "shp_alone")
    else:
        raise parcels._refuse(name, "file", "kind", "upload.fix", suffix=FilePath(name).suffix or "(?)")
    with tempfile.TemporaryDirectory(prefix="ecoledger-parcels-") as folder:  # the prefix GDAL's
        path = FilePath(folder) / stored  # messages are cleaned of (parcels._gdal_message)
        path.write_bytes(content)
        scratch = FilePath(folder) / "scratch"
        scratch.mkdir()
        dataset = parcels._dataset(path, name, scratch, limits)
        frame, _notes = parcels._read_layer(dataset, name, layer, None, limits)
    vertices = int(shapely.get_num_coordinates(np.asarray(frame.geometry.array, dtype=object)).sum())
    if vertices > limits.vertices:
        raise SubmissionError(
            [_problem(name, "geometry", "vertices", count=f"{vertices:,}", limit=f"{limits.vertices:,}")]
        )
    return read_zones(
        frame, pack=pack, type_column=type_column or None, zone_type=zone_type or None, file=name
    )


def read_rules_upload(filename: str, content: bytes):
    """The rules table of an uploaded CSV, checked by ``read_rules`` (raises ``SubmissionError``)."""
    from ecoledger.controls.zones import read_rules
    from ecoledger.limits import human_bytes
    from ecoledger.registry.parcels import _display_name

    name = _display_name(filename)
    if len(content) > RULES_LIMIT_BYTES:
        raise SubmissionError([_problem(name, "file", "rules_size", limit=human_bytes(RULES_LIMIT_BYTES))])
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError([_problem(name, "file", "rules_text")]) from None
    with tempfile.TemporaryDirectory(prefix="ecoledger-rules-") as folder:
        path = FilePath(folder) / name
        path.write_bytes(content)
        return read_rules(path)


# --- storing and loading layers -----------------------------------------------------------------------


def layer_record(row: ZoneLayer) -> dict:
    return {
        "digest": row.digest,
        "name": row.name,
        "version": row.version,
        "file": row.file,
        "file_sha256": row.file_sha256,
        "rules": row.rules_file or "zone_rules.csv (shipped)",
        "rules_uploaded": row.rules is not None,
        "zone_count": row.zone_count,
        "type_counts": row.type_counts,
        "area_crs": row.area_crs,
        "warnings": row.warnings,
        "demonstration": row.demonstration,
        "uploaded_by": row.uploaded_by,
        "uploaded_at": row.uploaded_at.isoformat() + "Z",
    }


def store_layer(
    session,
    actor: str,
    name: str,
    zone_set,
    *,
    file_sha256: str,
    digest: str,
    rules=None,
    rules_file: str | None = None,
    demonstration: bool = False,
    lang: str = "en",
) -> ZoneLayer:
    """The next version of layer ``name`` with its zones, added to ``session`` (one transaction)."""
    import numpy as np
    import shapely

    taken = session.execute(select(ZoneLayer).where(ZoneLayer.digest == digest)).scalar_one_or_none()
    if taken is not None:
        raise Conflict(
            say("stored", "en", name=taken.name, version=taken.version),
            say("stored", "zh", name=taken.name, version=taken.version),
        )
    version = (
        session.execute(select(func.max(ZoneLayer.version)).where(ZoneLayer.name == name)).scalar_one() or 0
    ) + 1
    zones = zone_set.zones
    status = "demonstration" if demonstration else None
    row = ZoneLayer(
        digest=digest,
        name=name,
        version=version,
        file=zone_set.file[:200],
        file_sha256=file_sha256,
        rules_file=rules_file,
        rules=None if rules is None else rules[list(RULE_COLUMNS)].to_dict(orient="records"),
        zone_count=len(zones),
        type_counts={str(k): int(v) for k, v in zones["zone_type"].value_counts().items()},
        area_crs=zone_set.area_crs.crs,
        warnings=[p.as_dict(lang) for p in zone_set.problems],
        demonstration=demonstration,
        uploaded_by=actor,
    )
    session.add(row)
    session.flush()
    wkb = shapely.to_wkb(np.asarray(zones.geometry.array, dtype=object))
    session.add_all(
        [
            Zone(
                layer_id=row.id,
                zone_id=str(z.zone_id)[:200],
                zone_type=z.zone_type,
                zone_name=str(z.zone_name)[:200],
                status=status or str(z.status)[:32],
                area_m2=float(z.area_m2),
                boundary_wkb=bytes(w),
            )
            for z, w in zip(zones.itertuples(), wkb, strict=True)
        ]
    )
    return row


def current_layers(session) -> list[ZoneLayer]:
    """The newest version of every layer name."""
    newest = select(ZoneLayer.name, func.max(ZoneLayer.version).label("version")).group_by(ZoneLayer.name)
    newest = newest.subquery()
    return list(
        session.execute(
            select(ZoneLayer)
            .join(newest, (ZoneLayer.name == newest.c.name) & (ZoneLayer.version == newest.c.version))
            .order_by(ZoneLayer.name)
        ).scalars()
    )


def chosen_layers(session, digests: list[str] | None) -> list[ZoneLayer]:
    if not digests:
        layers = current_layers(session)
        if not layers:
            raise Conflict(say("no_layers", "en"), say("no_layers", "zh"))
        return layers
    rows = {
        r.digest: r
        for r in session.execute(
            select(ZoneLayer).where(ZoneLayer.digest.in_(sorted(set(digests))))
        ).scalars()
    }
    for digest in digests:
        if digest not in rows:
            raise NotFound(
                say("unknown_layer", "en", digest=_short(digest)),
                say("unknown_layer", "zh", digest=_short(digest)),
            )
    return [rows[d] for d in dict.fromkeys(digests)]


def zone_set_of(session, layers: list[ZoneLayer]):
    """One ``ZoneSet`` of the zones of ``layers`` (in the first layer's equal-area CRS)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from ecoledger.controls.zones import ZoneSet
    from ecoledger.registry.parcels import AreaCrs

    target = layers[0].area_crs
    parts = []
    for layer in layers:
        rows = list(
            session.execute(select(Zone).where(Zone.layer_id == layer.id).order_by(Zone.id)).scalars()
        )
        frame = gpd.GeoDataFrame(
            {
                "zone_id": [r.zone_id for r in rows],
                "zone_type": [r.zone_type for r in rows],
                "zone_name": [r.zone_name for r in rows],
                "area_m2": [r.area_m2 for r in rows],
                "status": [r.status for r in rows],
                "fid": list(range(len(rows))),
                "layer": layer.name,
                "layer_version": layer.version,
            },
            geometry=gpd.GeoSeries(shapely.from_wkb([r.boundary_wkb for r in rows]), crs=layer.area_crs),
        )
        parts.append(frame if layer.area_crs == target else frame.to_crs(target))
    zones = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=target)
    warnings = [problem_from(w) for layer in layers for w in layer.warnings]
    return ZoneSet(
        zones, ", ".join(f"{x.name} v{x.version}" for x in layers), AreaCrs(target, "given"), warnings
    )


def rules_of(layers: list[ZoneLayer]):
    """The rules of ``layers``: each layer's uploaded table or the shipped one, identical rows once."""
    import pandas as pd

    from ecoledger.controls.zones import read_rules

    tables = [
        pd.DataFrame(layer.rules, columns=list(RULE_COLUMNS), dtype=str)
        if layer.rules is not None
        else read_rules()
        for layer in layers
    ]
    return pd.concat(tables, ignore_index=True).drop_duplicates().reset_index(drop=True)


# --- routes: layers -----------------------------------------------------------------------------------


@router.post(
    LAYERS_PATH,
    status_code=201,
    summary="Upload a control layer (administrators): checked, stored as the next version of its name",
    description="Multipart: `file` (GeoPackage, or zip of a shapefile or GeoPackage; at most 16 MiB), "
    "`name`, optional `type_column`, `zone_type`, `layer`, `rules` (CSV with the columns of the shipped "
    "zone_rules.csv; at most 1 MiB) and `demonstration`. Every problem refuses the upload (422, each with "
    "file, field and fix in the request's language); nothing is stored.",
)
@allow("administrator", refuses=(409,))
def upload_layer(
    request: Request,
    user: UserDep,
    file: Annotated[UploadFile, File(description="GeoPackage (.gpkg) or zip of a shapefile or GeoPackage")],
    name: Annotated[str, Form(pattern=LAYER_NAME, description="the layer's name (its versions share it)")],
    type_column: Annotated[str, Form(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    zone_type: Annotated[Literal[("", *ZONE_TYPES)], Form()] = "",  # type: ignore[valid-type]
    layer: Annotated[str, Form(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    rules: Annotated[UploadFile | None, File(description="rules CSV (columns of zone_rules.csv)")] = None,
    demonstration: Annotated[bool, Form()] = False,
    x_csrf_token: CsrfHeader = None,
):
    check_csrf(request, x_csrf_token)
    actor = require_role(user, "administrator").username
    lang = request_language(request)
    content = file.file.read(_upload_limits().upload_bytes + 1)
    rules_content = rules.file.read(RULES_LIMIT_BYTES + 1) if rules is not None and rules.filename else None
    try:
        row = accept_layer(
            platform(request),
            actor,
            file.filename or "upload",
            content,
            name,
            type_column=type_column,
            zone_type=zone_type,
            layer=layer,
            rules_name=rules.filename if rules_content is not None else None,
            rules_content=rules_content,
            demonstration=demonstration,
            lang=lang,
        )
    except SubmissionError as exc:
        return refusal(list(exc.problems), lang)
    return JSONResponse(layer_record(row), status_code=201)


def accept_layer(
    state,
    actor: str,
    filename: str,
    content: bytes,
    name: str,
    *,
    type_column: str = "",
    zone_type: str = "",
    layer: str = "",
    rules_name: str | None = None,
    rules_content: bytes | None = None,
    demonstration: bool = False,
    lang: str = "en",
) -> ZoneLayer:
    """Check an uploaded layer (and rules) and store it as the next version of ``name`` with its
    audit entry, in one transaction. Raises ``SubmissionError`` (nothing stored) or ``Conflict``."""
    from sqlalchemy.exc import IntegrityError

    from ecoledger.platform import audit

    zone_set = read_layer_upload(
        filename,
        content,
        pack=state.settings.pack,
        layer=layer or None,
        type_column=type_column,
        zone_type=zone_type,
    )
    table = read_rules_upload(rules_name or "rules.csv", rules_content) if rules_content is not None else None
    file_sha256 = hashlib.sha256(content).hexdigest()
    digest = canonical_sha256(
        {
            "name": name,
            "file": file_sha256,
            "type_column": type_column,
            "zone_type": zone_type,
            "layer": layer,
            "demonstration": demonstration,
            "rules": None if rules_content is None else hashlib.sha256(rules_content).hexdigest(),
        }
    )
    try:
        with state.db.transaction() as s:
            row = store_layer(
                s,
                actor,
                name,
                zone_set,
                file_sha256=file_sha256,
                digest=digest,
                rules=table,
                rules_file=(rules_name or "rules.csv")[:200] if table is not None else None,
                demonstration=demonstration,
                lang=lang,
            )
            audit.append(
                s,
                actor,
                "controls.layer",
                "zone_layer",
                digest,
                {"name": name, "version": row.version, "zones": row.zone_count, "file_sha256": file_sha256},
            )
    except IntegrityError:  # PostgreSQL: another upload of the name took this version number first
        raise Conflict(say("concurrent", "en", name=name), say("concurrent", "zh", name=name)) from None
    return row


@router.get(
    LAYERS_PATH, summary="Control layers: the current version of each name (all versions with all=true)"
)
@allow("logged-in")
def list_layers(request: Request, all: bool = False) -> list[dict]:
    with platform(request).db.transaction(write=False) as s:
        if all:
            rows = s.execute(
                select(ZoneLayer).order_by(ZoneLayer.name, ZoneLayer.version).limit(MAX_LISTED)
            ).scalars()
        else:
            rows = current_layers(s)
        return [layer_record(r) for r in rows]


@router.get(
    LAYERS_PATH + "/{digest}", summary="One control layer version, its zones (GeoJSON, WGS 84) and rules"
)
@allow("logged-in")
def read_layer(request: Request, digest: Digest, geometry: bool = True) -> dict:
    with platform(request).db.transaction(write=False) as s:
        layers = chosen_layers(s, [digest])
        zone_set = zone_set_of(s, layers)
        record = layer_record(layers[0])
        record["rules_table"] = finite(rules_of(layers).to_dict(orient="records"))
    zones = zone_set.zones
    features = []
    lonlat = zones.geometry.to_crs("EPSG:4326") if geometry else [None] * len(zones)
    from shapely.geometry import mapping

    for z, g in zip(zones.itertuples(), lonlat, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(g) if g is not None else None,
                "properties": {
                    "zone_id": z.zone_id,
                    "zone_type": z.zone_type,
                    "zone_name": z.zone_name,
                    "status": z.status,
                    "area_m2": z.area_m2,
                },
            }
        )
    record["zones"] = {"type": "FeatureCollection", "features": features}
    return finite(record)


# --- routes: screenings -------------------------------------------------------------------------------


class ScreeningIn(BaseModel):
    footprints: dict = Field(
        description="GeoJSON FeatureCollection, Feature or geometry (WGS 84 lon/lat): "
        "polygons, lines (buffer_m) and points (radius_m); properties "
        "project_id, name, group, activity, buffer_m, radius_m"
    )
    activity: Literal[tuple(ACTIVITIES)] | None = Field(  # type: ignore[valid-type]
        None, description="the activity of features without their own"
    )
    buffer_m: float | None = Field(None, gt=0, le=50_000, description="buffer of lines, metres")
    radius_m: float | None = Field(None, gt=0, le=50_000, description="radius of points, metres")
    year: int | None = Field(None, ge=1900, le=2200, description="published account giving the GEP inside")
    rate: float | None = Field(
        None, gt=0, lt=1, description="VEP discount rate per year (default: the screening's default choice)"
    )
    horizon: int | None = Field(None, ge=1, le=100, description="VEP horizon, years (default: the same)")
    layers: list[Annotated[str, Field(pattern=HEX64)]] | None = Field(
        None, max_length=50, description="layer digests (default: the current version of every layer)"
    )


def run_screening(state, user, inputs: dict) -> StoredScreening:
    """Screen ``inputs`` (``ScreeningIn``'s fields) and store the result; the stored row.
    Raises ``SubmissionError`` (the footprints' problems), ``Conflict``, ``NotFound``."""
    from ecoledger.controls.screening import screen_geojson

    year, run_id, accounts = inputs.get("year"), None, None
    if year is not None:
        run_id, accounts = published_maps(state, user, year)
    with state.db.transaction(write=False) as s:
        layers = chosen_layers(s, inputs.get("layers"))
        zone_set = zone_set_of(s, layers)
        rules = rules_of(layers)
        digests = [x.digest for x in layers]
        demonstration = any(x.demonstration for x in layers)
    result = screen_geojson(
        inputs["footprints"],
        zone_set,
        rules=rules,
        accounts=accounts,
        activity=inputs.get("activity"),
        buffer_m=inputs.get("buffer_m"),
        radius_m=inputs.get("radius_m"),
        **{k: inputs[k] for k in ("rate", "horizon") if inputs.get(k) is not None},
    )
    result = finite(result)
    status = (
        "demonstration"
        if demonstration or (result.get("summary") or {}).get("status") == "demonstration"
        else "provided"
    )
    if (result.get("summary") or {}).get("accounts"):  # a server path: say which account instead
        result["summary"]["accounts"] = f"published {year} (run {run_id})"
    hashed = canonical_sha256({**inputs, "layers": digests})
    with state.db.transaction() as s:
        row = StoredScreening(
            public_id=secrets.token_hex(32),
            inputs_sha256=hashed,
            inputs={**inputs, "layers": digests},
            layers=digests,
            year=year,
            run_id=run_id,
            status=status,
            result=result,
            created_by=user.username,
        )
        s.add(row)
        s.flush()
        from ecoledger.platform import audit

        audit.append(
            s,
            user.username,
            "controls.screening",
            "screening",
            row.public_id,
            {"inputs_sha256": hashed, "layers": digests, "year": year},
        )
    return row


def published_maps(state, user, year: int) -> tuple[int, FilePath]:
    """(run id, account folder with value maps) of ``year``'s published account."""
    from ecoledger.applications import service
    from ecoledger.platform import runs

    run = runs.current_run(state.db, year)
    if run is None:
        raise NotFound(say("no_account", "en", year=year), say("no_account", "zh", year=year))
    return run.id, service.maps_folder(state.settings.data_dir, state.settings.pack, year)


def screening_record(row: StoredScreening) -> dict:
    return {
        **row.result,
        "screening": {
            "id": row.public_id,
            "page": f"/controls/screenings/{row.public_id}",
            "inputs_sha256": row.inputs_sha256,
            "layers": row.layers,
            "year": row.year,
            "run_id": row.run_id,
            "status": row.status,
            "created_by": row.created_by,
            "created_at": row.created_at.isoformat() + "Z",
        },
    }


def own_screening(session, user, public_id: str) -> StoredScreening:
    """The screening ``public_id`` if ``user`` made it or is staff; else 404 (nobody learns it exists)."""
    row = session.execute(
        select(StoredScreening).where(StoredScreening.public_id == public_id)
    ).scalar_one_or_none()
    if row is None or not (is_staff(user) or row.created_by == user.username):
        raise NotFound(
            say("no_screening", "en", digest=_short(public_id)),
            say("no_screening", "zh", digest=_short(public_id)),
        )
    return row


@router.post(
    SCREENINGS_PATH,
    status_code=201,
    summary="Screen footprints (GeoJSON) against the control layers; stored, answered whole",
    description="The answer is `controls.screening.screen_geojson`'s dict (summary, projects, overlaps, "
    "triggered, gep, …) with `screening` (id, page, inputs hash, who, when). Footprints refused: 422 with "
    "every problem; no layer stored: 409; `year` without a published account: 404.",
)
@allow("logged-in", objects="runs", refuses=(409,))
def screen_footprints(request: Request, body: ScreeningIn, user: UserDep, x_csrf_token: CsrfHeader = None):
    check_csrf(request, x_csrf_token)
    user = require_login(user)
    lang = request_language(request)
    try:
        row = run_screening(platform(request), user, body.model_dump())
    except SubmissionError as exc:
        return refusal(list(exc.problems), lang, "refused_screening")
    return JSONResponse(screening_record(row), status_code=201)


@router.get(SCREENINGS_PATH, summary="The caller's screenings (reviewers and administrators: everyone's)")
@allow("logged-in", objects="own")
def list_screenings(
    request: Request, user: UserDep, limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100
) -> list[dict]:
    user = require_login(user)
    query = select(StoredScreening).order_by(StoredScreening.id.desc()).limit(limit)
    if not is_staff(user):
        query = query.where(StoredScreening.created_by == user.username)
    with platform(request).db.transaction(write=False) as s:
        return [
            {
                "id": r.public_id,
                "page": f"/controls/screenings/{r.public_id}",
                "created_by": r.created_by,
                "created_at": r.created_at.isoformat() + "Z",
                "year": r.year,
                "status": r.status,
                "inputs_sha256": r.inputs_sha256,
                "summary": r.result.get("summary"),
            }
            for r in s.execute(query).scalars()
        ]


@router.get(SCREENINGS_PATH + "/{digest}", summary="One stored screening, whole (its maker, or staff)")
@allow("logged-in", objects="own")
def read_screening(request: Request, digest: Digest, user: UserDep) -> dict:
    user = require_login(user)
    with platform(request).db.transaction(write=False) as s:
        return screening_record(own_screening(s, user, digest))


from ecoledger.controls import web as _web  # noqa: E402  (the pages: /controls, /controls/screenings/{id})

router.include_router(_web.router)
