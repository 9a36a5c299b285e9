"""monitoring: water-quality uploads and records, early-warning alerts

Revision ID: monitoring_0001
Revises: (none; depends on the core 0001)
"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0001"
down_revision = None
branch_labels = ("monitoring",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "monitoring_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("table_versions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "monitoring_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("water_type", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=12), nullable=False),
        sa.Column("basin", sa.String(length=100), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("parameter", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("reported", sa.String(length=100), nullable=False),
        sa.Column("below_detection", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["upload_id"], ["monitoring_uploads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_monitoring_records_upload_id", "monitoring_records", ["upload_id"])
    op.create_index("ix_monitoring_records_station", "monitoring_records", ["station"])
    op.create_index("ix_monitoring_records_date", "monitoring_records", ["date"])
    op.create_table(
        "monitoring_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("unit_code", sa.String(length=100), nullable=False),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("rules_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "series", "unit_code", "period"),
    )


def downgrade() -> None:
    op.drop_table("monitoring_alerts")
    op.drop_index("ix_monitoring_records_date", table_name="monitoring_records")
    op.drop_index("ix_monitoring_records_station", table_name="monitoring_records")
    op.drop_index("ix_monitoring_records_upload_id", table_name="monitoring_records")
    op.drop_table("monitoring_records")
    op.drop_table("monitoring_uploads")
