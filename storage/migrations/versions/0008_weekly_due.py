"""When the weekly job next has something to do in each community, so that a tick with
nothing due reads one index range instead of every community (issue 15).

Revision ID: weekly_due
Revises: lemmas
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "weekly_due"
down_revision: str | Sequence[str] | None = "lemmas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every existing community is looked at by the next tick, which settles it. A plain
    # ADD COLUMN: SQLite allows it with a constant default, no table copy needed.
    op.add_column(
        "communities",
        sa.Column(
            "weekly_due_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("'1970-01-01 00:00:00.000000'"),
        ),
    )
    op.create_index("ix_communities_weekly_due_at", "communities", ["weekly_due_at"])


def downgrade() -> None:
    op.drop_index("ix_communities_weekly_due_at", table_name="communities")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of `communities` is refused while the
    # stories that point at it are there.
    op.drop_column("communities", "weekly_due_at")
