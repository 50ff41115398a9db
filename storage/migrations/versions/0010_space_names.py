"""What the platforms call each space (Slack workspace or Discord server name), so that replies
name spaces instead of showing their ids (issue 12).

Revision ID: space_names
Revises: slack_oauth
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "space_names"
down_revision: str | Sequence[str] | None = "slack_oauth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN on both databases, no table copy: existing spaces get their
    # name the next time someone uses them.
    op.add_column("spaces", sa.Column("name", sa.String(200), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), as weekly_due's downgrade: a batch copy of `spaces`
    # is not needed for a column nothing points at.
    op.drop_column("spaces", "name")
