"""PostgreSQL: the rate limit's check-and-log as a function, so a submission can run it in the
statement that reserves its number (issue 15).

A statement reads the snapshot taken when it started. The statement that reserves a story's
number may wait for the community's counter, and what the counter's last holder logged
committed during that wait; a subquery in that statement would not see it, so the same
author's parallel submissions could all pass the limit. A VOLATILE function takes a new
snapshot for each query it runs, after the wait. storage.communities._LOG_UNDER_LIMIT is the
same check and log for SQLite, and LOG_SUBMISSION_CALL the call.

SQLite: nothing (it has one writer at a time, and runs the statements one after another).

Revision ID: log_function
Revises: space_names
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "log_function"
down_revision: str | Sequence[str] | None = "space_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Arguments are prefixed: in an SQL function a bare name that is also a column means the
# column. True when the submission was logged: fewer than p_limit logged since p_since, and the
# space still belongs to the community.
CREATE = """
CREATE OR REPLACE FUNCTION storybot_log_submission(
    p_community_id integer,
    p_author_platform varchar,
    p_author_id varchar,
    p_at timestamptz,
    p_since timestamptz,
    p_limit integer,
    p_space_platform varchar,
    p_space_id varchar
) RETURNS boolean
LANGUAGE sql VOLATILE
AS $$
    WITH logged AS (
        INSERT INTO submissions (community_id, author_platform, author_id, at)
        SELECT p_community_id, p_author_platform, p_author_id, p_at
        WHERE (
            SELECT count(*) FROM submissions
            WHERE community_id = p_community_id
              AND author_platform = p_author_platform
              AND author_id = p_author_id
              AND at >= p_since
        ) < p_limit
        AND EXISTS (
            SELECT 1 FROM spaces
            WHERE platform = p_space_platform
              AND external_id = p_space_id
              AND community_id = p_community_id
        )
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM logged)
$$
"""
DROP = (
    "DROP FUNCTION IF EXISTS storybot_log_submission("
    "integer, varchar, varchar, timestamptz, timestamptz, integer, varchar, varchar)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP)
