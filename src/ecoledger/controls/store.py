"""The platform tables of the spatial controls (migration branch ``controls``,
``platform/migrations/versions/controls_0001_zone_layers_screenings.py``).

``controls_zone_layers``: one row per stored version of a control layer — its name, version (1, 2,
… per name), the uploaded file's name and SHA-256 (the layer's digest also covers the rules file),
the zone count per type, the equal-area CRS its zones are kept in, the warnings ``read_zones``
reported (overlaps of zones of one type), and the rules: ``NULL`` for the shipped
``data/controls/zone_rules.csv``, else the uploaded rules table whole (its rows as read). A new
upload under a known name is the next version; nothing is changed or removed.

``controls_zones``: the zones of a layer version as ``read_zones`` accepted them, the boundary as
WKB in the layer's equal-area CRS (``area_crs``), so that a screening's overlaps are computed on
the same coordinates that were checked, with no reprojection on the way back.

``controls_screenings``: a stored screening — who ran it and when, the SHA-256 of its inputs (the
footprint GeoJSON and the parameters, canonical JSON), the inputs, the layers screened against,
the year and run of the published account whose value maps gave the GEP, and the result
(``screening.screen_geojson``'s dict) whole. Looked up by an unguessable id (64 hex digits).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecoledger.platform.models import Base, utcnow


class ZoneLayer(Base):
    """A stored version of a control layer (module docstring)."""

    __tablename__ = "controls_zone_layers"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_controls_zone_layers_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of file, rules and options
    name: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rules_file: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: the shipped rules
    rules: Mapped[list | None] = mapped_column(JSON, nullable=True)  # the uploaded rules' rows
    zone_count: Mapped[int] = mapped_column(Integer)
    type_counts: Mapped[dict] = mapped_column(JSON)  # zone type → number of zones
    area_crs: Mapped[str] = mapped_column(String(400))
    warnings: Mapped[list] = mapped_column(JSON)  # read_zones' warnings, as problems
    demonstration: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Zone(Base):
    """One zone of a stored layer version, as ``read_zones`` accepted it."""

    __tablename__ = "controls_zones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("controls_zone_layers.id"), index=True)
    zone_id: Mapped[str] = mapped_column(String(200))
    zone_type: Mapped[str] = mapped_column(String(64))
    zone_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    area_m2: Mapped[float] = mapped_column(Float)
    boundary_wkb: Mapped[bytes] = mapped_column(LargeBinary)  # in the layer's area_crs


class StoredScreening(Base):
    """A screening run on the platform, kept whole (module docstring)."""

    __tablename__ = "controls_screenings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)  # 64 hex digits, unguessable
    inputs_sha256: Mapped[str] = mapped_column(String(64), index=True)
    inputs: Mapped[dict] = mapped_column(JSON)  # footprints GeoJSON and the parameters
    layers: Mapped[list] = mapped_column(JSON)  # digests of the layer versions screened against
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # demonstration | provided
    result: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
