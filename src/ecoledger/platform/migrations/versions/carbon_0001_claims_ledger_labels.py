"""carbon: claims, inclusion ledger, labels

Revision ID: carbon_0001
Revises: (none; depends on the core 0001)
"""

import sqlalchemy as sa
from alembic import op

revision = "carbon_0001"
down_revision = None
branch_labels = ("carbon",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "carbon_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("asset", sa.String(length=200), nullable=False),
        sa.Column("year_from", sa.Integer(), nullable=False),
        sa.Column("year_to", sa.Integer(), nullable=False),
        sa.Column("tonnes", sa.Float(), nullable=False),
        sa.Column("source_module", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_carbon_claims_asset"), "carbon_claims", ["asset"], unique=False)
    op.create_table(
        "carbon_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("activity", sa.Float(), nullable=True),
        sa.Column("reduction_kg", sa.Float(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("expires_on", sa.String(length=10), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "seq"),
        sa.UniqueConstraint("evidence_sha256"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index(op.f("ix_carbon_ledger_account"), "carbon_ledger", ["account"], unique=False)
    op.create_table(
        "carbon_labels",
        sa.Column("label_id", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("footprint", sa.JSON(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("label_id"),
    )


def downgrade() -> None:
    op.drop_table("carbon_labels")
    op.drop_index(op.f("ix_carbon_ledger_account"), table_name="carbon_ledger")
    op.drop_table("carbon_ledger")
    op.drop_index(op.f("ix_carbon_claims_asset"), table_name="carbon_claims")
    op.drop_table("carbon_claims")
