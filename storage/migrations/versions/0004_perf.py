"""Tag counts kept per community, so the tag list reads a few hundred rows instead of
grouping every story_tags row of a large community (seconds at a million stories); and an
index for the weekly job's pick, which reads one week of a community's published stories.

Revision ID: perf
Revises: links
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "perf"
down_revision: str | Sequence[str] | None = "links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Published stories per (community, tag), from the rows already there.
BACKFILL = """
INSERT INTO tag_counts (community_id, tag, stories)
SELECT story_tags.community_id, story_tags.tag, count(*)
FROM story_tags JOIN stories ON stories.id = story_tags.story_id
WHERE stories.status = 'published'
GROUP BY story_tags.community_id, story_tags.tag
"""


def upgrade() -> None:
    op.create_table(
        "tag_counts",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(255), nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name="fk_tag_counts_community_id_communities", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "tag", name="pk_tag_counts"),
    )
    op.execute(BACKFILL)
    op.create_index("ix_stories_week", "stories", ["community_id", "status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_stories_week", table_name="stories")
    op.drop_table("tag_counts")
