"""Statistical reporting: submissions of yearly statistics, their review, and what runs use.

A submission is validated whole (``submissions.parse_upload`` and ``validate_rows``); a file
with any error is refused with every problem and nothing is stored. A valid one is stored, rows
and all, in one transaction and waits for review. Accepted rows feed later runs: for each unit,
year and indicator the most recently accepted value takes precedence over the region pack's.
"""

from __future__ import annotations

import hashlib
import os

import pandas as pd
from sqlalchemy import select

from ecoledger.errors import SubmissionError
from ecoledger.platform import audit, submissions
from ecoledger.platform.db import Database
from ecoledger.platform.models import Submission, SubmissionRow, Unit, User, utcnow
from ecoledger.platform.policy import (
    AccessDenied,
    Conflict,
    NotFound,
    PlatformError,
    is_staff,
    require_login,
    require_role,
    submittable_units,
)

# Test hook for the crash test: ECOLEDGER_TEST_CRASH_AT=submission,run-results makes the server
# process die (os._exit, no clean-up) half-way through those writes, after some rows are flushed.
CRASH_POINTS = set(filter(None, os.environ.get("ECOLEDGER_TEST_CRASH_AT", "").split(",")))


def _maybe_crash(point: str) -> None:
    if point in CRASH_POINTS:
        os._exit(70)


def submit(db: Database, user: User | None, filename: str, content: bytes) -> Submission:
    """Validate an upload and store it as a pending submission; raises SubmissionError."""
    allowed = submittable_units(user)
    table = submissions.parse_upload(filename, content)
    with db.transaction() as s:
        known = set(s.scalars(select(Unit.code)))
    problems = submissions.validate_rows(table, known_codes=known, allowed_codes=allowed,
                                         file=filename)
    if any(p.severity == "error" for p in problems):
        raise SubmissionError(problems)
    rows = submissions.normalise(table)
    with db.transaction() as s:
        submission = Submission(filename=filename[:255], content_sha256=hashlib.sha256(content).hexdigest(),
                                submitted_by=user.id, row_count=len(rows))
        s.add(submission)
        s.flush()
        for i, r in enumerate(rows.itertuples(index=False)):
            s.add(SubmissionRow(submission_id=submission.id, row=int(r.row), code=r.code,
                                year=int(r.year), indicator=r.indicator, value=float(r.value),
                                unit=r.unit, source=r.source,
                                value_canonical=float(r.value_canonical),
                                canonical_unit=r.canonical_unit))
            if i == len(rows) // 2:
                s.flush()
                _maybe_crash("submission")
        audit.append(s, user.username, "submission.create", "submission", submission.id,
                     {"filename": filename, "sha256": submission.content_sha256, "rows": len(rows),
                      "warnings": [str(p) for p in problems]})
    return get(db, user, submission.id)


def visible(user: User, submission: Submission) -> bool:
    if is_staff(user):
        return True
    if user.role == "submitter":
        return submission.submitted_by == user.id or {r.code for r in submission.rows} <= set(
            user.unit_codes)
    return False


def get(db: Database, user: User | None, submission_id: int) -> Submission:
    user = require_login(user)
    with db.transaction() as s:
        submission = s.get(Submission, submission_id)
        if submission is None or not visible(user, submission):
            raise NotFound(f"no submission {submission_id}", f"没有编号为 {submission_id} 的报送")
        return submission


def list_for(db: Database, user: User | None, status: str | None = None) -> list[Submission]:
    user = require_login(user)
    with db.transaction() as s:
        query = select(Submission).order_by(Submission.id.desc())
        if status:
            query = query.where(Submission.status == status)
        return [x for x in s.scalars(query) if visible(user, x)]


def review(db: Database, user: User | None, submission_id: int, accept: bool, reason: str = "") -> Submission:
    user = require_role(user, "reviewer", "administrator")
    reason = reason.strip()
    if not accept and not reason:
        raise PlatformError("give the reason for returning the submission", "退回时请说明理由")
    with db.transaction() as s:
        submission = s.get(Submission, submission_id)
        if submission is None:
            raise NotFound(f"no submission {submission_id}", f"没有编号为 {submission_id} 的报送")
        if submission.status != "pending":
            raise Conflict(f"submission {submission_id} was {submission.status} already",
                           f"报送 {submission_id} 已处理（{submission.status}）")
        if submission.submitted_by == user.id:
            raise AccessDenied("a submission is reviewed by someone other than its submitter",
                               "不能审核自己提交的报送")
        submission.status = "accepted" if accept else "returned"
        submission.reviewed_by, submission.reviewed_at = user.id, utcnow()
        submission.reason = reason[:2000]
        audit.append(s, user.username, f"submission.{submission.status}", "submission",
                     submission.id, {"reason": submission.reason})
    return get(db, user, submission_id)


def accepted_statistics(db: Database, year: int) -> pd.DataFrame:
    """Accepted rows of ``year`` in the pack's statistics format, newest acceptance first wins."""
    with db.transaction() as s:
        found = s.execute(
            select(SubmissionRow, Submission.reviewed_at, Submission.id)
            .join(Submission, Submission.id == SubmissionRow.submission_id)
            .where(Submission.status == "accepted", SubmissionRow.year == year)
            .order_by(Submission.reviewed_at.desc(), Submission.id.desc(), SubmissionRow.row)
        ).all()
    table = pd.DataFrame(
        [{"code": r.code, "year": r.year, "indicator": r.indicator, "value": r.value,
          "unit": r.unit, "source": f"{r.source} (platform submission {sid})"}
         for r, _, sid in found],
        columns=["code", "year", "indicator", "value", "unit", "source"])
    return table.drop_duplicates(["code", "year", "indicator"], keep="first")
