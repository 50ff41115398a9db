"""The public web wall: per-community switch and address token, and each story's
"may appear on the public wall" choice (off for every existing story and community).

Columns are added in batch mode with recreate="never": SQLite adds them with ALTER TABLE, so
`stories` keeps its full-text triggers (a batch copy would drop them).

Revision ID: wall
Revises: security
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wall"
down_revision: str | Sequence[str] | None = "security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities", recreate="never") as batch:
        batch.add_column(
            sa.Column("wall_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("wall_token", sa.String(64), nullable=True))
    op.create_index("ix_communities_wall_token", "communities", ["wall_token"], unique=True)
    with op.batch_alter_table("stories", recreate="never") as batch:
        batch.add_column(
            sa.Column("on_wall", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_stories_wall", "stories", ["community_id", "on_wall", "consent", "status", "number"]
    )


def downgrade() -> None:
    op.drop_index("ix_stories_wall", table_name="stories")
    op.drop_index("ix_communities_wall_token", table_name="communities")
    # Plain DROP COLUMN (SQLite 3.35+), for the same reason as above.
    op.drop_column("stories", "on_wall")
    op.drop_column("communities", "wall_token")
    op.drop_column("communities", "wall_enabled")
