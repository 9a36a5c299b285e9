"""The platform tables of `ecoledger.applications` (SQLAlchemy models on the platform's `Base`).

Every valuation certificate the platform issues is kept whole (its canonical JSON), keyed by
its content hash, so ``GET /api/v1/applications/certificates/{hash}`` can say both that a
certificate is intact and that it was issued here. Rows are only ever added.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecoledger.platform.models import Base, utcnow


class Certificate(Base):
    __tablename__ = "applications_certificates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    site_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)
