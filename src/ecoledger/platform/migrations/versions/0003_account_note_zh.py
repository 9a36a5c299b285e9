"""account rows keep their note in Chinese too (note_zh), shown on the Chinese pages

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 13:00:00

Rows stored before this revision get an empty ``note_zh``; the pages then show the note as stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account_rows", sa.Column("note_zh", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("account_rows") as batch:
        batch.drop_column("note_zh")
