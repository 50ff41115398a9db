"""Search tiers as text-index queries, for both databases.

The order (bot.search_text.tier): stories with every query group in the title or tags
(TIER_STRONG), then every group anywhere in the story (TIER_BODY), then stories where some group
is only found as a compound part (TIER_PART); newest first within a tier. Each tier is one
query of the text index that excludes the tiers above it, so a page is the first k hits of an
index walk in a fixed order, never a sort of every match:

Title and tag terms, and compound parts, are indexed as tokens of their own (marked below),
so a tier is a plain intersection of doclists, never a filter over a common word's positions.

- SQLite: FTS5; the community's published stories share a scope token, so `scope AND words`
  is an intersection of doclists, walked by rowid descending (story ids grow with numbers
  inside a community) and stopped after k rows.
- PostgreSQL: a stored tsvector of the same tokens; the planner walks the community's stories
  backwards by number filtered by it, or uses the GIN index when the words are rare, whichever
  its statistics favour.

Query text always travels as a bound parameter; every term is quoted, so none is syntax.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.search_text import TIER_BODY, TIER_PART, TIER_STRONG

Groups = Sequence[Sequence[str]]


def normalise_words(words: str) -> str:
    """One space between terms."""
    return " ".join(words.split())


def tiers(flags: Sequence[bool]) -> list[int]:
    """The tiers a query can have, best first: the part tier only if a word may be a part."""
    return [TIER_STRONG, TIER_BODY] + ([TIER_PART] if any(flags) else [])


# Index tokens (migration "lemmas"): body terms plain, title/tag terms "_term", compound parts
# "__term", and on SQLite "___N" for the published stories of community N.
STRONG = "_"
PART = "__"
SCOPE = "___"


def _tier_groups(tier: int, groups: Groups, flags: Sequence[bool]) -> list[list[str]]:
    """The tokens, one list per group, a story of `tier` or above has (any of each list)."""
    if tier == TIER_STRONG:
        return [[STRONG + term for term in group] for group in groups]
    if tier == TIER_BODY:
        return [list(group) for group in groups]
    return [
        [*group, *(PART + term for term in group)] if flag else list(group)
        for group, flag in zip(groups, flags, strict=True)
    ]


def _above(tier: int) -> int | None:
    return None if tier == TIER_STRONG else tier + 1


# SQLite FTS5 --------------------------------------------------------------------------------


def _fts_all(token_groups: list[list[str]]) -> str:
    quoted = (" OR ".join('"' + t.replace('"', '""') + '"' for t in g) for g in token_groups)
    return "(" + " AND ".join(f"({group})" for group in quoted) + ")"


def fts5_query(community_id: int, tier: int, groups: Groups, flags: Sequence[bool]) -> str:
    """One tier of one community's published stories: this tier's tokens, not the one above."""
    query = f'"{SCOPE}{int(community_id)}" AND {_fts_all(_tier_groups(tier, groups, flags))}'
    above = _above(tier)
    if above is not None:
        query += f" NOT {_fts_all(_tier_groups(above, groups, flags))}"
    return query


# PostgreSQL tsquery -------------------------------------------------------------------------


def _ts_all(token_groups: list[list[str]]) -> str:
    def lexeme(token: str) -> str:
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

    return "(" + " & ".join("(" + " | ".join(map(lexeme, g)) + ")" for g in token_groups) + ")"


def tsquery(tier: int, groups: Groups, flags: Sequence[bool]) -> str:
    """The tsquery text (exact lexemes, cast, never parsed) for one tier."""
    query = _ts_all(_tier_groups(tier, groups, flags))
    above = _above(tier)
    if above is not None:
        query += f" & !{_ts_all(_tier_groups(above, groups, flags))}"
    return query
