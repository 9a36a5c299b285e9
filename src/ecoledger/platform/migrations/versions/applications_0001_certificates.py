"""applications: valuation certificates

Revision ID: applications_0001
Revises: (none; depends on the core 0001)
"""

import sqlalchemy as sa
from alembic import op

revision = "applications_0001"
down_revision = None
branch_labels = ("applications",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "applications_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("site_name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_sha256"),
    )


def downgrade() -> None:
    op.drop_table("applications_certificates")
