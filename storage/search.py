"""Full-text matching and ranking over the core's pre-stemmed words, for both databases.

A story matches when every group of the query has a stem in its `search_body`; its rank is the
number of groups with a stem in `search_strong`. Matching uses the full-text index of each
database (FTS5, GIN over tsvector); ranking is plain string search written the same way on
both, so the order is identical. Query text always travels as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Integer, bindparam, case, func, literal, literal_column, or_
from sqlalchemy import text as sql_text

from storage.models import FTS_TABLE, StoryRow

Groups = Sequence[Sequence[str]]

# Written as a constant, not a parameter, so the planner matches the GIN expression index.
_SIMPLE = literal_column("'simple'::regconfig")


def normalise_words(words: str) -> str:
    """One space between stems, so ' stem ' lookups in the padded text are exact."""
    return " ".join(words.split())


def fts5_query(groups: Groups) -> str:
    """`("a" OR "b") AND ("c")`: every stem a quoted string, so no stem is read as syntax."""
    return " AND ".join(
        "(" + " OR ".join('"' + stem.replace('"', '""') + '"' for stem in group) + ")"
        for group in groups
    )


def tsquery(groups: Groups) -> str:
    """`('a' | 'b') & ('c')`: every stem a quoted tsquery lexeme."""
    return " & ".join(
        "(" + " | ".join(_ts_lexeme(stem) for stem in group) + ")" for group in groups
    )


def _ts_lexeme(stem: str) -> str:
    return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"


def matches(dialect: str, groups: Groups) -> ColumnElement[bool]:
    """Stories whose body has a stem of every group, through the database's text index."""
    if dialect == "postgresql":
        vector = func.to_tsvector(_SIMPLE, StoryRow.search_body)
        query = func.to_tsquery(_SIMPLE, bindparam("search_tsquery", tsquery(groups)))
        return vector.op("@@")(query)
    hits = (
        sql_text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :search_fts")
        .bindparams(search_fts=fts5_query(groups))
        .columns(rowid=Integer)
    )
    return StoryRow.id.in_(hits)


def rank(dialect: str, groups: Groups) -> ColumnElement[int]:
    """How many groups have a stem among the strong words (title and tags)."""
    padded = literal(" ") + StoryRow.search_strong + literal(" ")
    position = func.strpos if dialect == "postgresql" else func.instr
    total: ColumnElement[int] = literal(0)
    for group in groups:
        found = or_(*(position(padded, literal(f" {stem} ")) > 0 for stem in group))
        total = total + case((found, 1), else_=0)
    return total
