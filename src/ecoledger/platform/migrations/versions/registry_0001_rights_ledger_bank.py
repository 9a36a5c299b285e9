"""registry: rights and packages, valuations, pledges, bank deposits, listings, bids, trades,
settlements, retirements, and the append-only hash-chained ledger

Revision ID: registry_0001
Revises: (none; depends on the core 0001)

The ledger is append-only in the database as the audit log is (migration 0002): triggers refuse
UPDATE and DELETE of its entries (and TRUNCATE on PostgreSQL). Its head row (id 1, seq 0, the
genesis hash) is made here, so that concurrent first appends lock one row instead of racing to
insert it.
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0001"
down_revision = None
branch_labels = ("registry",)
depends_on = "0001"

MESSAGE = "registry_ledger is append-only: entries are never changed or deleted"
GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "registry_ledger",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("object", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index(op.f("ix_registry_ledger_object"), "registry_ledger", ["object"], unique=False)
    op.create_table(
        "registry_ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "registry_rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("county", sa.String(length=12), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("boundary_wkb", sa.LargeBinary(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=True),
        sa.Column("bank", sa.String(length=200), nullable=True),
        sa.Column("demonstration", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('right', 'package')", name="ck_registry_rights_kind"),
        sa.CheckConstraint(
            "state <> 'packaged' OR package_id IS NOT NULL", name="ck_registry_rights_packaged"
        ),
        sa.CheckConstraint(
            "state IN ('registered', 'valued', 'pledged', 'listed', 'traded', 'retired', 'packaged')",
            name="ck_registry_rights_state",
        ),
        sa.CheckConstraint(
            "type IN ('forest', 'water', 'wetland', 'farmland', 'grassland', 'carbon_sink', 'emission', "
            "'energy_use', 'water_use', 'package')",
            name="ck_registry_rights_type",
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["registry_rights.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial"),
    )
    op.create_index(op.f("ix_registry_rights_county"), "registry_rights", ["county"], unique=False)
    op.create_index(op.f("ix_registry_rights_package_id"), "registry_rights", ["package_id"], unique=False)
    op.create_index(op.f("ix_registry_rights_state"), "registry_rights", ["state"], unique=False)
    op.create_table(
        "registry_deposits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=False),
        sa.Column("depositor", sa.String(length=200), nullable=False),
        sa.Column("deposited_on", sa.Date(), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=True),
        sa.Column("terms", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["registry_rights.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_registry_deposits_open",
        "registry_deposits",
        ["right_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "registry_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("price_yuan", sa.Float(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("listed_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("mode IN ('fixed', 'auction')", name="ck_registry_listings_mode"),
        sa.CheckConstraint("state IN ('open', 'closed', 'delisted')", name="ck_registry_listings_state"),
        sa.CheckConstraint("price_yuan > 0 AND closes_at > opens_at", name="ck_registry_listings_terms"),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["registry_rights.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_registry_listings_right_id"), "registry_listings", ["right_id"], unique=False)
    op.create_index(
        "uq_registry_listings_open",
        "registry_listings",
        ["right_id"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )
    op.create_table(
        "registry_retirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("beneficiary", sa.String(length=200), nullable=False),
        sa.Column("retired_by", sa.String(length=64), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["registry_rights.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("right_id"),
    )
    op.create_table(
        "registry_valuations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("value_yuan", sa.Float(), nullable=False),
        sa.Column("p05_yuan", sa.Float(), nullable=True),
        sa.Column("p95_yuan", sa.Float(), nullable=True),
        sa.Column("annual_flow_yuan", sa.Float(), nullable=True),
        sa.Column("discount_rate", sa.Float(), nullable=True),
        sa.Column("horizon_years", sa.Integer(), nullable=True),
        sa.Column("account_year", sa.Integer(), nullable=True),
        sa.Column("valued_on", sa.String(length=10), nullable=False),
        sa.Column("issued_here", sa.Boolean(), nullable=False),
        sa.Column("boundary_match", sa.Float(), nullable=True),
        sa.Column("attached_by", sa.String(length=64), nullable=False),
        sa.Column("attached_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["registry_rights.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("certificate_sha256"),
    )
    op.create_index(
        op.f("ix_registry_valuations_right_id"), "registry_valuations", ["right_id"], unique=False
    )
    op.create_table(
        "registry_bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("bidder", sa.String(length=64), nullable=False),
        sa.Column("price_yuan", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("price_yuan > 0", name="ck_registry_bids_price"),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["registry_listings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_registry_bids_listing_id"), "registry_bids", ["listing_id"], unique=False)
    op.create_table(
        "registry_pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("valuation_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=False),
        sa.Column("loan_yuan", sa.Float(), nullable=False),
        sa.Column("valued_yuan", sa.Float(), nullable=False),
        sa.Column("ltv_limit", sa.Float(), nullable=False),
        sa.Column("ltv_source", sa.String(length=500), nullable=False),
        sa.Column("rules_sha256", sa.String(length=64), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "loan_yuan > 0 AND ltv_limit > 0 AND ltv_limit <= 1 AND valued_yuan > 0 "
            "AND loan_yuan <= ltv_limit * valued_yuan + 0.005",
            name="ck_registry_pledges_ltv",
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["registry_rights.id"],
        ),
        sa.ForeignKeyConstraint(
            ["valuation_id"],
            ["registry_valuations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_registry_pledges_active",
        "registry_pledges",
        ["right_id"],
        unique=True,
        sqlite_where=sa.text("released_at IS NULL"),
        postgresql_where=sa.text("released_at IS NULL"),
    )
    op.create_table(
        "registry_trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("seller", sa.String(length=200), nullable=False),
        sa.Column("buyer", sa.String(length=64), nullable=False),
        sa.Column("price_yuan", sa.Float(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("matched_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["registry_bids.id"],
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["registry_listings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["registry_rights.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bid_id"),
        sa.UniqueConstraint("listing_id"),
    )
    op.create_index(op.f("ix_registry_trades_right_id"), "registry_trades", ["right_id"], unique=False)
    op.create_table(
        "registry_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trade_id", sa.Integer(), nullable=False),
        sa.Column("amount_yuan", sa.Float(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trade_id"],
            ["registry_trades.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trade_id"),
    )

    op.execute(
        sa.text("INSERT INTO registry_ledger_head (id, seq, hash) VALUES (1, 0, :genesis)").bindparams(
            genesis=GENESIS
        )
    )
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER registry_ledger_no_{event.lower()} BEFORE {event} ON registry_ledger "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(f"""
        CREATE FUNCTION registry_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END $$""")
    op.execute(
        "CREATE TRIGGER registry_ledger_no_change BEFORE UPDATE OR DELETE ON registry_ledger "
        "FOR EACH ROW EXECUTE FUNCTION registry_ledger_append_only()"
    )
    op.execute(
        "CREATE TRIGGER registry_ledger_no_truncate BEFORE TRUNCATE ON registry_ledger "
        "FOR EACH STATEMENT EXECUTE FUNCTION registry_ledger_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS registry_ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS registry_ledger_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS registry_ledger_no_truncate ON registry_ledger")
        op.execute("DROP TRIGGER IF EXISTS registry_ledger_no_change ON registry_ledger")
        op.execute("DROP FUNCTION IF EXISTS registry_ledger_append_only()")
    for table in (
        "registry_settlements",
        "registry_trades",
        "registry_pledges",
        "registry_bids",
        "registry_valuations",
        "registry_retirements",
        "registry_listings",
        "registry_deposits",
        "registry_rights",
        "registry_ledger_head",
        "registry_ledger",
    ):
        op.drop_table(table)
