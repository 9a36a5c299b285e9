"""registry: ecological-credit subjects, evidence, scores and appeals; product batches

Revision ID: registry_0002
Revises: registry_0001

Evidence records and scores are written once (the ORM refuses changes, ``registry.store``); each
change is also a registry ledger entry (``credit:<subject>`` / ``batch:<batch id>``).
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_credit_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "subject_type IN ('enterprise', 'village', 'individual')", name="ck_registry_credit_subjects_type"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_id"),
    )
    op.create_table(
        "registry_credit_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_pk", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.String(length=64), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subject_pk"], ["registry_credit_subjects.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_pk", "evidence_id", name="uq_registry_credit_evidence_id"),
    )
    op.create_index(
        op.f("ix_registry_credit_evidence_subject_pk"),
        "registry_credit_evidence",
        ["subject_pk"],
        unique=False,
    )
    op.create_table(
        "registry_credit_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_pk", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=32), nullable=True),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("blocks_listing", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("scored_by", sa.String(length=64), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subject_pk"], ["registry_credit_subjects.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_registry_credit_scores_subject_pk"), "registry_credit_scores", ["subject_pk"], unique=False
    )
    op.create_table(
        "registry_credit_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_pk", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.String(length=64), nullable=False),
        sa.Column("evidence_id", sa.String(length=64), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("corrected_value", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'upheld', 'rejected')", name="ck_registry_credit_appeals_status"
        ),
        sa.ForeignKeyConstraint(["subject_pk"], ["registry_credit_subjects.id"]),
        sa.ForeignKeyConstraint(["score_id"], ["registry_credit_scores.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_pk", "appeal_id", name="uq_registry_credit_appeal_id"),
    )
    op.create_index(
        op.f("ix_registry_credit_appeals_subject_pk"), "registry_credit_appeals", ["subject_pk"], unique=False
    )
    op.create_table(
        "registry_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("batch", sa.JSON(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id"),
        sa.UniqueConstraint("code"),
    )


def downgrade() -> None:
    op.drop_table("registry_batches")
    op.drop_index(op.f("ix_registry_credit_appeals_subject_pk"), table_name="registry_credit_appeals")
    op.drop_table("registry_credit_appeals")
    op.drop_index(op.f("ix_registry_credit_scores_subject_pk"), table_name="registry_credit_scores")
    op.drop_table("registry_credit_scores")
    op.drop_index(op.f("ix_registry_credit_evidence_subject_pk"), table_name="registry_credit_evidence")
    op.drop_table("registry_credit_evidence")
    op.drop_table("registry_credit_subjects")
