"""Search by lemmas and compound parts, in tiers walked through the text index (issues 15, 16).

Every story is indexed again with the core's new normalisation (bot.search_text: dictionary
forms instead of bare stems, plus Swedish compound parts in the new `search_parts` column).

Both databases index one set of tokens per story (see _terms): the body terms, the title and
tag terms marked "_", the compound parts marked "__", and on SQLite a token for "published in
community N", so the community filter is part of the index walk. SQLite: an FTS5 table whose
content is a view over `stories` (so `rebuild` still works). PostgreSQL: a stored tsvector of
exact lexemes with a GIN index, replacing the expression index that recomputed to_tsvector on
every recheck.

The downgrade restores the old index objects but keeps the new search text.

Revision ID: lemmas
Revises: wall
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "lemmas"
down_revision: str | Sequence[str] | None = "wall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


# One namespace of index tokens for all three columns, so each tier is a plain intersection of
# doclists and never a column filter (which would read every position of a common word):
# body terms as they are, title/tag terms as "_term", compound parts as "__term", and the scope
# of a community's published stories as "___12". Terms are letters and digits only
# (bot.search_text.words), so no term can pass for a marked one.
def _marked(column: str, mark: str) -> str:
    return (
        f"(CASE WHEN {column} = '' THEN '' ELSE '{mark}' || replace({column}, ' ', ' {mark}') END)"
    )


def _terms(row: str) -> str:
    scope = f"(CASE WHEN {row}.status = 'published' THEN '___' || {row}.community_id ELSE '' END)"
    return " || ' ' || ".join(
        [
            scope,
            f"{row}.search_body",
            _marked(f"{row}.search_strong", "_"),
            _marked(f"{row}.search_parts", "__"),
        ]
    )


# The view gives FTS5 its column under its own name, for 'rebuild'.
SQLITE_FTS = [
    f"""CREATE VIEW stories_fts_content AS SELECT id, {_terms("stories")} AS terms
        FROM stories""",
    """CREATE VIRTUAL TABLE stories_fts USING fts5(
        terms, content='stories_fts_content', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0 tokenchars '_'")""",
    f"""CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts(rowid, terms) VALUES (new.id, {_terms("new")});
    END""",
    f"""CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, terms) VALUES ('delete', old.id, {_terms("old")});
    END""",
    f"""CREATE TRIGGER stories_fts_update AFTER UPDATE OF
        community_id, status, search_strong, search_body, search_parts ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, terms) VALUES ('delete', old.id, {_terms("old")});
        INSERT INTO stories_fts(rowid, terms) VALUES (new.id, {_terms("new")});
    END""",
    "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS stories_fts_update",
    "DROP TRIGGER IF EXISTS stories_fts_delete",
    "DROP TRIGGER IF EXISTS stories_fts_insert",
    "DROP TABLE IF EXISTS stories_fts",
    "DROP VIEW IF EXISTS stories_fts_content",
]
# 0001's objects, for the downgrade.
SQLITE_OLD_FTS = [
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
    "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')",
]


# The same marked tokens as exact lexemes (array_to_tsvector: no parser, no positions).
def _pg_marked(column: str, mark: str) -> str:
    return f"string_to_array(regexp_replace({column}, '(\\S+)', '{mark}\\1', 'g'), ' ')"


PG_FTS = [
    f"""ALTER TABLE stories ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        array_to_tsvector(array_remove(
            string_to_array(search_body, ' ')
            || {_pg_marked("search_strong", "_")}
            || {_pg_marked("search_parts", "__")},
        ''))) STORED""",
    "CREATE INDEX ix_stories_search ON stories USING gin (search_vector)",
    # A longer list of the most common lexemes: with the default (100) a word missing from a
    # tier was estimated at ~160 rows of 100,000, and for a small LIMIT the planner chose to
    # walk the whole community backwards (190 ms) instead of the GIN index (0.1 ms).
    "ALTER TABLE stories ALTER COLUMN search_vector SET STATISTICS 1000",
]
PG_FTS_DROP = [
    "DROP INDEX IF EXISTS ix_stories_search",
    "ALTER TABLE stories DROP COLUMN IF EXISTS search_vector",
]
PG_OLD_FTS = [
    "CREATE INDEX ix_stories_search ON stories "
    "USING gin (to_tsvector('simple'::regconfig, search_body))",
]


def _dialect() -> str:
    return op.get_bind().dialect.name


def _reindex() -> None:
    """Every story's search text again, by the core's current rules, in batches by id."""
    from bot import search_text, tags

    bind = op.get_bind()
    stories = sa.table(
        "stories",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("text", sa.Text),
        sa.column("customer", sa.Text),
        sa.column("tags", sa.JSON),
        sa.column("search_body", sa.Text),
        sa.column("search_strong", sa.Text),
        sa.column("search_parts", sa.Text),
    )
    update = (
        stories.update()
        .where(stories.c.id == sa.bindparam("story_id"))
        .values(
            search_body=sa.bindparam("body"),
            search_strong=sa.bindparam("strong"),
            search_parts=sa.bindparam("parts"),
        )
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                stories.c.id, stories.c.title, stories.c.text, stories.c.customer, stories.c.tags
            )
            .where(stories.c.id > last)
            .order_by(stories.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        params = []
        for row in rows:
            terms = [term for slug in row.tags or [] for term in tags.search_terms(slug)]
            doc = search_text.document(row.title, row.text, row.customer or "", terms)
            params.append(
                {"story_id": row.id, "body": doc.body, "strong": doc.strong, "parts": doc.parts}
            )
        bind.execute(update, params)
        last = rows[-1].id


def upgrade() -> None:
    sqlite = _dialect() == "sqlite"
    for statement in (
        [
            "DROP TRIGGER IF EXISTS stories_fts_update",
            "DROP TRIGGER IF EXISTS stories_fts_delete",
            "DROP TRIGGER IF EXISTS stories_fts_insert",
            "DROP TABLE IF EXISTS stories_fts",
        ]
        if sqlite
        else ["DROP INDEX IF EXISTS ix_stories_search"]
    ):
        op.execute(statement)
    op.add_column(
        "stories",
        sa.Column("search_parts", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    _reindex()
    for statement in SQLITE_FTS if sqlite else PG_FTS:
        op.execute(statement)


def downgrade() -> None:
    sqlite = _dialect() == "sqlite"
    for statement in SQLITE_FTS_DROP if sqlite else PG_FTS_DROP:
        op.execute(statement)
    op.drop_column("stories", "search_parts")
    for statement in SQLITE_OLD_FTS if sqlite else PG_OLD_FTS:
        op.execute(statement)
