"""Linked communities: the space each story was told in, credited names, link codes and
wrong-code attempts.

Revision ID: links
Revises: shared_state
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "links"
down_revision: str | Sequence[str] | None = "shared_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)

# A story was told in its community's space of the author's platform ("platform:external id").
# Both databases spell string concatenation `||`.
BACKFILL = """
UPDATE stories SET origin_space = (
    SELECT spaces.platform || ':' || spaces.external_id FROM spaces
    WHERE spaces.community_id = stories.community_id
      AND spaces.platform = stories.author_platform
    ORDER BY spaces.id LIMIT 1
)
WHERE origin_space IS NULL
"""


def upgrade() -> None:
    op.add_column("stories", sa.Column("origin_space", sa.String(300), nullable=True))
    op.add_column("stories", sa.Column("credited_names", sa.JSON(), nullable=True))
    op.execute(BACKFILL)

    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("space_key", sa.String(300), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_link_codes_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_link_codes"),
        sa.UniqueConstraint("digest", name="uq_link_codes_digest"),
    )
    op.create_index("ix_link_codes_created_at", "link_codes", ["created_at"])

    op.create_table(
        "link_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_key", sa.String(300), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_link_failures"),
    )
    op.create_index("ix_link_failures_space_key", "link_failures", ["space_key", "at"])


def downgrade() -> None:
    op.drop_index("ix_link_failures_space_key", table_name="link_failures")
    op.drop_table("link_failures")
    op.drop_index("ix_link_codes_created_at", table_name="link_codes")
    op.drop_table("link_codes")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `stories` would drop the FTS triggers.
    op.drop_column("stories", "credited_names")
    op.drop_column("stories", "origin_space")
