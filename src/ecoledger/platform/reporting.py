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

from ecoledger.errors import Problem, SubmissionError
from ecoledger.pack.validate import RowProblems
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
from ecoledger.statistics.template import completed_items, drop_unfilled

# Test hook for the crash test: ECOLEDGER_TEST_CRASH_AT=submission,run-results makes the server
# process die (os._exit, no clean-up) half-way through those writes, after some rows are flushed.
CRASH_POINTS = set(filter(None, os.environ.get("ECOLEDGER_TEST_CRASH_AT", "").split(",")))


def _maybe_crash(point: str) -> None:
    if point in CRASH_POINTS:
        os._exit(70)


def submit(db: Database, user: User | None, filename: str, content: bytes) -> Submission:
    """Validate an upload and store it as a pending submission; raises SubmissionError, or
    Conflict when the same file (by SHA-256) is already pending or accepted."""
    filename = submissions.display_name(filename)  # stored and logged: never a path
    allowed = submittable_units(user)
    table = drop_unfilled(submissions.parse_upload(filename, content))  # template rows left empty
    if table.empty:
        raise SubmissionError([Problem(submissions.display_name(filename), "file",
                                       "no row of the template has a value",
                                       "fill in the values you have, then upload the file", "error",
                                       "模板中没有填写任何数值", "请填写已有的数值后再上传")])
    refuse_unreported(table, filename)
    with db.transaction(write=False) as s:
        levels = dict(s.execute(select(Unit.code, Unit.level)).all())
    problems = submissions.validate_rows(table, known_codes=set(levels), allowed_codes=allowed,
                                         file=filename, levels=levels)
    if any(p.severity == "error" for p in problems):
        raise SubmissionError(problems)
    rows = submissions.normalise(table)
    digest = hashlib.sha256(content).hexdigest()
    with db.transaction() as s:
        # the same bytes hold the same units and years: a resubmission adds nothing
        same = s.scalars(select(Submission).where(
            Submission.content_sha256 == digest, Submission.status.in_(("pending", "accepted")))
            .order_by(Submission.id.desc()).limit(1)).first()
        if same is not None:
            raise Conflict(f"this file was already submitted (submission {same.id}, {same.status}); "
                           "nothing was stored",
                           f"该文件已报送过（报送编号 {same.id}，状态：{same.status}），未重复保存")
        submission = Submission(filename=filename[:255], content_sha256=digest,
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
    with db.transaction(write=False) as s:
        submission = s.get(Submission, submission_id)
        if submission is None or not visible(user, submission):
            raise NotFound(f"no submission {submission_id}", f"没有编号为 {submission_id} 的报送")
        return submission


def list_for(db: Database, user: User | None, status: str | None = None) -> list[Submission]:
    user = require_login(user)
    with db.transaction(write=False) as s:
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
    with db.transaction(write=False) as s:
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


def refuse_unreported(table: pd.DataFrame, filename: str) -> None:
    """Refuse derived and allocated rows: the platform stores no method for them yet, and a
    derived figure passed off as reported would misstate its provenance."""
    if "status" not in table.columns:
        return
    rows = RowProblems(submissions.display_name(filename))
    for row, status in zip(table["row"], table["status"].str.strip(), strict=True):
        if status and status != "reported":
            rows.add(int(row), "status", f"the platform accepts reported figures only, not {status}",
                     "submit derived and allocated figures with their method to the region pack "
                     "(ecoledger pack add-statistics), or leave status empty for a published figure",
                     "error", f"平台只接收公开发布的数值（reported），不接收 {status}",
                     "推算或分摊的数值请连同方法加入数据包（ecoledger pack add-statistics）；"
                     "公开发布的数值请将数据状态留空")
    if rows.found:
        raise SubmissionError(rows.problems())


def completes(db: Database, pack, submission: Submission, profile: str = "ndrc2022") -> list[dict]:
    """The items each unit and year of ``submission`` makes computable: not computable from the
    pack's statistics and the accepted submissions, computable with this one's rows too."""
    rows = pd.DataFrame([{"code": r.code, "year": r.year, "indicator": r.indicator}
                         for r in submission.rows], columns=["code", "year", "indicator"])
    existing = [accepted_statistics(db, year) for year in sorted(set(rows["year"]))]
    not_applicable: list[str] = []
    if pack is not None:
        from ecoledger.pack.manifest import load_pack

        loaded = load_pack(pack)
        not_applicable = loaded.region.not_applicable
        for path in loaded.statistics_files:
            if path.is_file():
                existing.append(pd.read_csv(path, dtype=str, keep_default_na=False))
    before = pd.concat([frame[["code", "year", "indicator", "value"]] for frame in existing],
                       ignore_index=True) if existing else None
    done = completed_items(rows, profile, existing=before, not_applicable=not_applicable)
    return done.to_dict("records")


def template_units(db: Database, user: User | None) -> pd.DataFrame:
    """The units ``user`` may submit for (code, name), in code order, for the template."""
    allowed = submittable_units(user)
    with db.transaction(write=False) as s:
        found = s.execute(select(Unit.code, Unit.name_zh).order_by(Unit.code)).all()
    return pd.DataFrame([(c, n) for c, n in found if allowed is None or c in allowed],
                        columns=["code", "name"])
