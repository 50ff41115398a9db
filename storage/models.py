"""Typed SQLAlchemy models: the schema the migrations create, kept in step by a drift test.

Full-text objects (SQLite's FTS5 table and triggers, PostgreSQL's GIN index) are owned by the
migration alone; `include_object` hides them from autogenerate and the drift check.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FTS_TABLE = "stories_fts"
PG_SEARCH_INDEX = "ix_stories_search"
# PostgreSQL only: a stored tsvector of the three search columns (migration "lemmas").
PG_SEARCH_VECTOR = "search_vector"

NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC; always returns aware UTC datetimes (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        # SQLite keeps wall-clock text; strip the zone only after converting, so it reads as UTC.
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# "The weekly job has never looked at this community": due at the next tick.
WEEKLY_UNSETTLED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def weekly_changed() -> dt.datetime:
    """What a change of settings or feature writes into weekly_due_at: a random instant of
    1970-2001, so due at the next tick whatever its clock, and unlike the value a running tick
    read (its settle_weekly then matches no row and cannot hide the change)."""
    return WEEKLY_UNSETTLED + dt.timedelta(microseconds=secrets.randbelow(10**15) + 1)


class CommunityRow(Base):
    __tablename__ = "communities"
    # Unique index rather than a constraint: SQLite adds it without copying the table. The
    # weekly tick reads only the communities whose weekly_due_at has come.
    __table_args__ = (
        Index("ix_communities_wall_token", "wall_token", unique=True),
        Index("ix_communities_weekly_due_at", "weekly_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    weekly_weekday: Mapped[int] = mapped_column(Integer)
    weekly_time: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    free_tags: Mapped[bool] = mapped_column(Boolean)
    highlight_channels: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    moderator_users: Mapped[list[str]] = mapped_column(JSON)
    moderator_roles: Mapped[list[str]] = mapped_column(JSON)
    # "platform:id" -> keys of the spaces that configured it (migration "security");
    # NULL means none recorded.
    moderator_origins: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # wall: the public web wall, off by default; the token is the unguessable part of its address.
    wall_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    wall_token: Mapped[str | None] = mapped_column(String(64))
    # Until when the weekly job has nothing to do here (see bot.weekly.run_weekly); a settings
    # change or a moderator's pick sets it back to the moment it happened.
    weekly_due_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime, default=WEEKLY_UNSETTLED, server_default=text("'1970-01-01 00:00:00.000000'")
    )


class SpaceRow(Base):
    __tablename__ = "spaces"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_spaces_community_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    # space_names: the workspace or server name last seen (bot.domain.SPACE_NAME_MAX); NULL
    # until the space is next used, and replies then show its id.
    name: Mapped[str | None] = mapped_column(String(200))


class StoryRow(Base):
    __tablename__ = "stories"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        UniqueConstraint("community_id", "client_key"),
        # The rate limit counts one author's recent stories.
        Index("ix_stories_author", "community_id", "author_platform", "author_id", "created_at"),
        # Browsing walks published stories by number.
        Index("ix_stories_browse", "community_id", "status", "number"),
        # The weekly job reads one week of published stories (0002_perf).
        Index("ix_stories_week", "community_id", "status", "created_at"),
        # The public wall walks a community's public stories by number (wall).
        Index("ix_stories_wall", "community_id", "on_wall", "consent", "status", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # SQLite rowid: FTS5 keys on it
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    customer: Mapped[str | None] = mapped_column(Text)
    credited: Mapped[list[str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON)  # display order; story_tags is for lookups
    author_platform: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(255))
    author_name: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    consent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    source_url: Mapped[str | None] = mapped_column(Text)
    client_key: Mapped[str | None] = mapped_column(String(255))
    appreciations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    search_body: Mapped[str] = mapped_column(Text)
    search_strong: Mapped[str] = mapped_column(Text)
    # Compound-part terms (bot.search_text.parts), matched after the words themselves.
    search_parts: Mapped[str] = mapped_column(Text, default="", server_default=sql_text("''"))
    # 0002: the space the story was told in ("platform:external id"), and credited names.
    origin_space: Mapped[str | None] = mapped_column(String(300))
    credited_names: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # wall: the author's choice that the story may appear on the public web wall.
    on_wall: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class StoryTagRow(Base):
    __tablename__ = "story_tags"
    __table_args__ = (
        PrimaryKeyConstraint("story_id", "tag"),
        # Browse by tag walks this index newest first, without touching other tags.
        Index("ix_story_tags_browse", "community_id", "tag", "number"),
    )

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(255))
    number: Mapped[int] = mapped_column(Integer)  # copy of stories.number, which never changes


class TagCountRow(Base):
    """Published stories per tag and community, kept by every story write (tag list)."""

    __tablename__ = "tag_counts"
    __table_args__ = (PrimaryKeyConstraint("community_id", "tag"),)

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(255))
    stories: Mapped[int] = mapped_column(Integer)


class AppreciationRow(Base):
    __tablename__ = "appreciations"
    # The primary key is the uniqueness rule: one appreciation per user and story.
    __table_args__ = (PrimaryKeyConstraint("story_id", "platform", "user_id"),)

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class FeatureRow(Base):
    __tablename__ = "features"
    __table_args__ = (UniqueConstraint("community_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))  # "YYYY-Www" sorts chronologically as text
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    featured_by: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    featured_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AnnouncementRow(Base):
    __tablename__ = "announcements"
    __table_args__ = (UniqueConstraint("community_id", "week", "story_id", "channel_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    week: Mapped[str] = mapped_column(String(8))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    channel_key: Mapped[str] = mapped_column(String(512))
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class NoticeRow(Base):
    """A moderator notice sent: one row per (community, week, channel, problem), so that
    however many processes see the same failed announcement, moderators hear of it once."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("community_id", "week", "channel_key", "reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))
    channel_key: Mapped[str] = mapped_column(String(512))
    reason: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DraftRow(Base):
    """What a user typed into a form, kept until `expires_at` so any process can reopen it."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LinkCodeRow(Base):
    __tablename__ = "link_codes"
    # The per-space hourly cap counts a space's recent codes (migration "security").
    __table_args__ = (Index("ix_link_codes_space_key", "space_key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    space_key: Mapped[str] = mapped_column(String(300))
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the code, hex
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class SubmissionRow(Base):
    """One story submitted: the rate limit counts these, so deleting stories frees no quota.
    Rows older than the rate window are pruned by the scheduler's housekeeping (Core.tidy)."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_author", "community_id", "author_platform", "author_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_platform: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(255))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LinkFailureRow(Base):
    """One wrong code typed in a space: counted to slow down guessing."""

    __tablename__ = "link_failures"
    __table_args__ = (Index("ix_link_failures_space_key", "space_key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_key: Mapped[str] = mapped_column(String(300))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


# --- Slack OAuth (many workspaces) -------------------------------------------------------
# The tables slack_sdk's SQLAlchemy installation and state stores read and write, with the
# same names and columns, so the stores run on Storybot's engine and migrations. Tokens are
# stored encrypted (adapters/slack/installations.py), hence the wider token columns.

TOKEN = String(1000)


class _SlackBotColumns:
    """The columns slack_sdk's stores keep for a workspace's bot, in both tables."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(32))
    app_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(32))
    team_name: Mapped[str | None] = mapped_column(String(200))
    bot_token: Mapped[str | None] = mapped_column(TOKEN)
    bot_id: Mapped[str | None] = mapped_column(String(32))
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    bot_scopes: Mapped[str | None] = mapped_column(String(1000))
    bot_refresh_token: Mapped[str | None] = mapped_column(TOKEN)
    bot_token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    installed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SlackInstallationRow(_SlackBotColumns, Base):
    __tablename__ = "slack_installations"
    __table_args__ = (
        Index(
            "slack_installations_idx",
            "client_id",
            "enterprise_id",
            "team_id",
            "user_id",
            "installed_at",
        ),
    )

    enterprise_url: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(32))
    user_token: Mapped[str | None] = mapped_column(TOKEN)
    user_scopes: Mapped[str | None] = mapped_column(String(1000))
    user_refresh_token: Mapped[str | None] = mapped_column(TOKEN)
    user_token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    incoming_webhook_url: Mapped[str | None] = mapped_column(TOKEN)
    incoming_webhook_channel: Mapped[str | None] = mapped_column(String(200))
    incoming_webhook_channel_id: Mapped[str | None] = mapped_column(String(200))
    incoming_webhook_configuration_url: Mapped[str | None] = mapped_column(String(200))
    token_type: Mapped[str | None] = mapped_column(String(32))


class SlackBotRow(_SlackBotColumns, Base):
    __tablename__ = "slack_bots"
    __table_args__ = (
        Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )


class SlackOAuthStateRow(Base):
    __tablename__ = "slack_oauth_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(200))
    expire_at: Mapped[dt.datetime] = mapped_column(DateTime)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate filter: skip the full-text objects, which only the migration knows."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name == PG_SEARCH_VECTOR:
        return False
    return not (type_ == "index" and name == PG_SEARCH_INDEX)
