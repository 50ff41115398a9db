"""Search tiers as text-index queries, for both databases.

The order (bot.search_text.tier): stories with every query group in the title or tags
(TIER_STRONG), then every group anywhere in the story (TIER_BODY), then stories where some group
is only found as a compound part (TIER_PART); newest first within a tier. Each tier is one
query of the text index that excludes the tiers above it, so a page is the first k hits of an
index walk in a fixed order, never a sort of every match:

- SQLite: FTS5 with columns scope/strong/body/parts; the community's published stories share
  the scope token, so `scope AND words` is an intersection of doclists, walked by rowid
  descending (story ids grow with numbers inside a community) and stopped after k rows.
- PostgreSQL: a stored tsvector (strong terms weight A, body B, parts C); the planner walks the
  community's stories backwards by number filtered by it, or uses the GIN index when the words
  are rare, whichever its statistics favour.

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


# SQLite FTS5 --------------------------------------------------------------------------------


def _fts_group(group: Sequence[str]) -> str:
    return "(" + " OR ".join('"' + term.replace('"', '""') + '"' for term in group) + ")"


def _fts_all(columns: str, groups: Groups, flags: Sequence[bool] | None = None) -> str:
    """Every group in `columns`; with flags, a flagged group may also be in `parts`."""
    clauses = []
    for index, group in enumerate(groups):
        where = "{body parts}" if flags is not None and flags[index] else columns
        clauses.append(f"{where} : {_fts_group(group)}")
    return "(" + " AND ".join(clauses) + ")"


def fts5_query(community_id: int, tier: int, groups: Groups, flags: Sequence[bool]) -> str:
    """The FTS5 expression for one tier of one community's published stories."""
    scope = f'scope : "p{int(community_id)}"'
    strong = _fts_all("strong", groups)
    if tier == TIER_STRONG:
        return f"{scope} AND {strong}"
    body = _fts_all("body", groups)
    if tier == TIER_BODY:
        return f"{scope} AND ({body} NOT {strong})"
    return f"{scope} AND ({_fts_all('body', groups, flags)} NOT {body})"


# PostgreSQL tsquery -------------------------------------------------------------------------


def _ts_lexeme(term: str, weights: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + weights


def _ts_all(weights: str, groups: Groups, flags: Sequence[bool] | None = None) -> str:
    clauses = []
    for index, group in enumerate(groups):
        w = "BC" if flags is not None and flags[index] else weights
        # A strong term is also a body term, so "B" alone finds every story with the word.
        clauses.append("(" + " | ".join(_ts_lexeme(term, w) for term in group) + ")")
    return "(" + " & ".join(clauses) + ")"


def tsquery(tier: int, groups: Groups, flags: Sequence[bool]) -> str:
    """The tsquery text for one tier: weights A strong, B body, C parts."""
    strong = _ts_all("A", groups)
    if tier == TIER_STRONG:
        return strong
    body = _ts_all("B", groups)
    if tier == TIER_BODY:
        return f"{body} & !{strong}"
    return f"{_ts_all('B', groups, flags)} & !{body}"
