"""controls: zone layers (versioned), their zones, and stored screenings

Revision ID: controls_0001
Revises: (none; depends on the core 0001)
"""

import sqlalchemy as sa
from alembic import op

revision = "controls_0001"
down_revision = None
branch_labels = ("controls",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "controls_zone_layers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rules_file", sa.String(length=200), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=True),
        sa.Column("zone_count", sa.Integer(), nullable=False),
        sa.Column("type_counts", sa.JSON(), nullable=False),
        sa.Column("area_crs", sa.String(length=400), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("demonstration", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
        sa.UniqueConstraint("name", "version", name="uq_controls_zone_layers_version"),
    )
    op.create_index(op.f("ix_controls_zone_layers_name"), "controls_zone_layers", ["name"], unique=False)
    op.create_table(
        "controls_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.String(length=200), nullable=False),
        sa.Column("zone_type", sa.String(length=64), nullable=False),
        sa.Column("zone_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("boundary_wkb", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["layer_id"], ["controls_zone_layers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_controls_zones_layer_id"), "controls_zones", ["layer_id"], unique=False)
    op.create_table(
        "controls_screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("layers", sa.JSON(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index(
        op.f("ix_controls_screenings_inputs_sha256"), "controls_screenings", ["inputs_sha256"], unique=False
    )
    op.create_index(
        op.f("ix_controls_screenings_created_by"), "controls_screenings", ["created_by"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_controls_screenings_created_by"), table_name="controls_screenings")
    op.drop_index(op.f("ix_controls_screenings_inputs_sha256"), table_name="controls_screenings")
    op.drop_table("controls_screenings")
    op.drop_index(op.f("ix_controls_zones_layer_id"), table_name="controls_zones")
    op.drop_table("controls_zones")
    op.drop_index(op.f("ix_controls_zone_layers_name"), table_name="controls_zone_layers")
    op.drop_table("controls_zone_layers")
