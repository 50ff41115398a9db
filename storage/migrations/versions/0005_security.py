"""Security review (issue 13): moderator entries remember the space they were configured in
(unlinking leaves each side its own); submissions are logged so the rate limit counts
submissions rather than the stories that survive; link codes are counted per space.

Revision ID: security
Revises: perf
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "security"
down_revision: str | Sequence[str] | None = "perf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "communities",
        sa.Column("moderator_origins", sa.JSON(), nullable=True),
    )
    _backfill_origins()
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_platform", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name="fk_submissions_community_id_communities", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
    )
    op.create_index(
        "ix_submissions_author",
        "submissions",
        ["community_id", "author_platform", "author_id", "at"],
    )
    op.create_index("ix_link_codes_space_key", "link_codes", ["space_key", "created_at"])


def _backfill_origins() -> None:
    """A community with one space: every entry came from it. Linked communities keep no
    origin for old entries; they then belong to every space of their platform (see
    bot.linking.owned_by)."""
    bind = op.get_bind()
    communities = sa.table(
        "communities",
        sa.column("id", sa.Integer),
        sa.column("moderator_users", sa.JSON),
        sa.column("moderator_roles", sa.JSON),
        sa.column("moderator_origins", sa.JSON),
    )
    spaces = sa.table(
        "spaces",
        sa.column("community_id", sa.Integer),
        sa.column("platform", sa.String),
        sa.column("external_id", sa.String),
    )
    owners: dict[int, list[str]] = {}
    for community_id, platform, external_id in bind.execute(
        sa.select(spaces.c.community_id, spaces.c.platform, spaces.c.external_id)
    ):
        owners.setdefault(community_id, []).append(f"{platform}:{external_id}")
    rows = bind.execute(
        sa.select(communities.c.id, communities.c.moderator_users, communities.c.moderator_roles)
    ).all()
    for community_id, users, roles in rows:
        keys = owners.get(community_id, [])
        if len(keys) != 1 or not (users or roles):
            continue
        origins = {entry: [keys[0]] for entry in [*(users or []), *(roles or [])]}
        bind.execute(
            sa.update(communities)
            .where(communities.c.id == community_id)
            .values(moderator_origins=origins)
        )


def downgrade() -> None:
    op.drop_index("ix_link_codes_space_key", table_name="link_codes")
    op.drop_index("ix_submissions_author", table_name="submissions")
    op.drop_table("submissions")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("moderator_origins")
