"""Initial schema: communities, spaces, stories and their tags, appreciations, features,
announcement claims; full-text search (FTS5 on SQLite, GIN over tsvector on PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)

# The core hands over pre-stemmed words; the tokenizer only splits them, never folds accents.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE stories_fts USING fts5(
        search_body, content='stories', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts(rowid, search_body) VALUES (new.id, new.search_body);
    END""",
    """CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, search_body)
        VALUES ('delete', old.id, old.search_body);
    END""",
    """CREATE TRIGGER stories_fts_update AFTER UPDATE OF search_body ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, search_body)
        VALUES ('delete', old.id, old.search_body);
        INSERT INTO stories_fts(rowid, search_body) VALUES (new.id, new.search_body);
    END""",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS stories_fts_update",
    "DROP TRIGGER IF EXISTS stories_fts_delete",
    "DROP TRIGGER IF EXISTS stories_fts_insert",
    "DROP TABLE IF EXISTS stories_fts",
]
# storage/search.py writes the same expression, so the planner can use this index.
PG_FTS = [
    "CREATE INDEX ix_stories_search ON stories "
    "USING gin (to_tsvector('simple'::regconfig, search_body))",
]
PG_FTS_DROP = ["DROP INDEX IF EXISTS ix_stories_search"]


def _dialect() -> str:
    return op.get_context().dialect.name


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("weekly_weekday", sa.Integer(), nullable=False),
        sa.Column("weekly_time", sa.String(5), nullable=False),
        sa.Column("free_tags", sa.Boolean(), nullable=False),
        sa.Column("highlight_channels", sa.JSON(), nullable=False),
        sa.Column("moderator_users", sa.JSON(), nullable=False),
        sa.Column("moderator_roles", sa.JSON(), nullable=False),
        sa.Column("last_number", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_communities"),
    )
    op.create_table(
        "spaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name="fk_spaces_community_id_communities", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_spaces"),
        sa.UniqueConstraint("platform", "external_id", name="uq_spaces_platform_external_id"),
    )
    op.create_index("ix_spaces_community_id", "spaces", ["community_id"])

    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("customer", sa.Text(), nullable=True),
        sa.Column("credited", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("author_platform", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(255), nullable=False),
        sa.Column("author_name", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("client_key", sa.String(255), nullable=True),
        sa.Column("appreciations", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("search_body", sa.Text(), nullable=False),
        sa.Column("search_strong", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name="fk_stories_community_id_communities", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stories"),
        sa.UniqueConstraint("community_id", "number", name="uq_stories_community_id_number"),
        sa.UniqueConstraint(
            "community_id", "client_key", name="uq_stories_community_id_client_key"
        ),
    )
    op.create_index(
        "ix_stories_author",
        "stories",
        ["community_id", "author_platform", "author_id", "created_at"],
    )
    op.create_index("ix_stories_browse", "stories", ["community_id", "status", "number"])

    op.create_table(
        "story_tags",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name="fk_story_tags_story_id_stories", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "tag", name="pk_story_tags"),
    )
    op.create_index("ix_story_tags_browse", "story_tags", ["community_id", "tag", "number"])

    op.create_table(
        "appreciations",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name="fk_appreciations_story_id_stories", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "platform", "user_id", name="pk_appreciations"),
    )

    op.create_table(
        "features",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("featured_by", sa.String(255), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("featured_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name="fk_features_community_id_communities", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name="fk_features_story_id_stories", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_features"),
        sa.UniqueConstraint("community_id", "week", name="uq_features_community_id_week"),
    )

    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("channel_key", sa.String(512), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name="fk_announcements_story_id_stories", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_announcements"),
        sa.UniqueConstraint(
            "community_id", "week", "story_id", "channel_key",
            name="uq_announcements_community_id_week_story_id_channel_key",
        ),
    )

    for statement in SQLITE_FTS if _dialect() == "sqlite" else PG_FTS:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_FTS_DROP if _dialect() == "sqlite" else PG_FTS_DROP:
        op.execute(statement)
    op.drop_table("announcements")
    op.drop_table("features")
    op.drop_table("appreciations")
    op.drop_index("ix_story_tags_browse", table_name="story_tags")
    op.drop_table("story_tags")
    op.drop_index("ix_stories_browse", table_name="stories")
    op.drop_index("ix_stories_author", table_name="stories")
    op.drop_table("stories")
    op.drop_index("ix_spaces_community_id", table_name="spaces")
    op.drop_table("spaces")
    op.drop_table("communities")
