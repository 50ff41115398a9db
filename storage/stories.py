"""StoryRepository over SQLAlchemy: stories, their tag index, appreciations, browse and search."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    bindparam,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY

from bot.domain import Author, Platform, SpaceRef, Status, Story
from bot.errors import Conflict
from bot.ports import Keyset, Ranked, RateLog, SearchDoc, SearchQuery, Slice
from storage import search
from storage.communities import (
    LOG_SUBMISSION_CALL,
    NEXT_NUMBER,
    log_params,
    log_under_limit,
    reserve_number,
)
from storage.models import (
    FTS_TABLE,
    PG_SEARCH_VECTOR,
    AppreciationRow,
    CommunityRow,
    StoryRow,
    StoryTagRow,
    TagCountRow,
)
from storage.repositories import Repository, guarded, per_dialect

# Reads name the tables' columns, not the mapped classes' attributes: a statement that mentions
# an ORM attribute goes through the ORM's result machinery even when it returns plain rows.
_S = StoryRow.__table__.c
_TAG = StoryTagRow.__table__.c
_COUNT = TagCountRow.__table__.c
_COMMUNITIES = CommunityRow.__table__
# Every column but the wide search_* ones, which only the database reads.
STORY_COLUMNS = tuple(c for c in StoryRow.__table__.c if not c.name.startswith("search_"))


def story_rows() -> Select[Any]:
    """The columns a Story is made of (STORY_COLUMNS), as plain rows: no ORM mapping."""
    return select(*STORY_COLUMNS)


def _to_story(row: Any) -> Story:
    """From a story_rows() row."""
    return Story(
        id=row.id,
        community_id=row.community_id,
        number=row.number,
        text=row.text,
        title=row.title,
        author=Author(Platform(row.author_platform), row.author_id, row.author_name),
        created_at=row.created_at,
        updated_at=row.updated_at,
        customer=row.customer,
        credited=list(row.credited),
        tags=list(row.tags),
        anonymous=row.anonymous,
        consent=row.consent,
        on_wall=row.on_wall,
        status=Status(row.status),
        source_url=row.source_url,
        client_key=row.client_key,
        appreciations=row.appreciations,
        origin=SpaceRef.parse(row.origin_space) if row.origin_space else None,
        credited_names=dict(row.credited_names or {}),
    )


def _editable(story: Story, doc: SearchDoc) -> dict[str, Any]:
    """Columns `update` rewrites: not identity, author, creation, client key or the count."""
    return {
        "title": story.title,
        "text": story.text,
        "customer": story.customer,
        "credited": list(story.credited),
        "credited_names": dict(story.credited_names),
        "tags": list(story.tags),
        "anonymous": story.anonymous,
        "consent": story.consent,
        "on_wall": story.on_wall,
        "status": str(story.status),
        "source_url": story.source_url,
        "updated_at": story.updated_at,
        "search_body": search.normalise_words(doc.body),
        "search_strong": search.normalise_words(doc.strong),
        "search_parts": search.normalise_words(doc.parts),
    }


def _new_row(story: Story, doc: SearchDoc) -> dict[str, Any]:
    """The columns `add` writes (_ADD_COLUMNS)."""
    return _editable(story, doc) | {
        "community_id": story.community_id,
        "number": story.number,
        "author_platform": str(story.author.platform),
        "author_id": story.author.user_id,
        "author_name": story.author.display_name,
        "client_key": story.client_key,
        "appreciations": story.appreciations,
        "origin_space": story.origin.key if story.origin else None,
        "created_at": story.created_at,
    }


_ADD_COLUMNS = (
    *("title", "text", "customer", "credited", "credited_names", "tags", "anonymous"),
    *("consent", "on_wall", "status", "source_url", "updated_at"),
    *("search_body", "search_strong", "search_parts"),
    *("community_id", "number", "author_platform", "author_id", "author_name", "client_key"),
    *("appreciations", "origin_space", "created_at"),
)

# Built once (then found in SQLAlchemy's statement cache): building a statement per call cost
# a submission more Python than its SQL (storage.repositories.per_dialect).
_BY_NUMBER = story_rows().where(
    _S.community_id == bindparam("community_id"), _S.number == bindparam("number")
)
_BY_CLIENT_KEY = story_rows().where(
    _S.community_id == bindparam("community_id"), _S.client_key == bindparam("client_key")
)
_BY_IDS = story_rows().where(_S.id.in_(bindparam("ids", expanding=True)))
# DO NOTHING on a taken number or client key, so a Conflict leaves the transaction usable
# (e.g. to read the winner) without the two statements of a savepoint.
_ADD = per_dialect(
    lambda insert: insert(StoryRow.__table__).on_conflict_do_nothing().returning(_S.id)
)
_ADD_TAGS = StoryTagRow.__table__.insert()


def _count_tags_statement(insert: Any) -> Any:
    stmt = insert(TagCountRow.__table__)
    return stmt.on_conflict_do_update(
        index_elements=["community_id", "tag"],
        set_={"stories": _COUNT.stories + stmt.excluded.stories},
    )


_COUNT_TAGS = per_dialect(_count_tags_statement)


def _pg_add_next_statement() -> Select[Any]:
    """PostgreSQL: add_next as one statement that writes all of a submission or none of it,
    so a single-write unit of work can run it as a transaction of its own: no BEGIN or COMMIT
    round trip, and the counter's lock is held only while the server runs it (50 concurrent
    submitters to one community queue on that lock).

    - locked: the community's counter row, FOR NO KEY UPDATE (the lock its UPDATE takes; FOR
      UPDATE would also block other writers' foreign-key checks on the community, and deadlock
      with an edit that holds a tag count and adds a new tag); here the statement waits its
      turn.
    - logged: the rate log (storage.communities.LOG_SUBMISSION_CALL), selected from `locked`
      so it runs after the wait. It is a VOLATILE function, whose query reads what committed
      during the wait; the statement's own subqueries read the snapshot from before it.
    - number: the counter bumped, only if logged (refused: nothing written at all).
    - story, its tags and tag counts, from `number`. A taken client key fails the whole
      statement (a plain INSERT; the unique violation becomes Conflict), so the number and the
      log entry go with it.

    Returns one row (community, logged, last_number, id); no row: no such community.
    """
    locked = (
        select(_COMMUNITIES.c.id)
        .where(_COMMUNITIES.c.id == bindparam("community_id"))
        .with_for_update(key_share=True)
        .cte("locked")
    )
    logged = select(LOG_SUBMISSION_CALL.label("logged")).select_from(locked).cte("logged")
    number = NEXT_NUMBER.where(select(logged.c.logged).scalar_subquery()).cte("number")
    given = [c for c in _ADD_COLUMNS if c != "number"]
    story = (
        StoryRow.__table__.insert()
        .from_select(
            [*given, "number"],
            select(
                # Prefixed: the UPDATE of communities would take a bare `created_at` as a value.
                *(bindparam(f"new_{c}", type_=StoryRow.__table__.c[c].type) for c in given),
                number.c.last_number,
            ),
        )
        .returning(_S.id, _S.number)
        .cte("story")
    )

    def each(param: str) -> Any:
        return (
            func.unnest(bindparam(param, type_=ARRAY(String())))
            .table_valued("tag")
            .render_derived()
        )

    tag = each("story_tags")
    tags = StoryTagRow.__table__.insert().from_select(
        ["story_id", "community_id", "tag", "number"],
        select(story.c.id, bindparam("community_id"), tag.c.tag, story.c.number).select_from(
            story.join(tag, true())
        ),
    )
    counted = each("counted_tags")
    counts = _count_tags_statement(postgresql.insert).from_select(
        ["community_id", "tag", "stories"],
        select(bindparam("community_id"), counted.c.tag, literal_column("1"))
        .select_from(story.join(counted, true()))
        .order_by(counted.c.tag),  # counter rows locked in tag order, as _count_tags
    )
    return (
        select(logged.c.logged, number.c.last_number, story.c.id)
        .select_from(locked.join(logged, true()).outerjoin(number, true()).outerjoin(story, true()))
        .add_cte(tags.cte("tags"), counts.cte("counts"))
    )


_APPRECIATE = per_dialect(
    lambda insert: (
        insert(AppreciationRow.__table__)
        .on_conflict_do_nothing(index_elements=["story_id", "platform", "user_id"])
        .returning(literal(1))
    )
)
_COUNT_APPRECIATION = (
    update(StoryRow.__table__)
    .where(_S.id == bindparam("story_id"))
    .values(appreciations=_S.appreciations + 1)
)
_PG_ADD_NEXT = _pg_add_next_statement()
_TAG_COUNTS = {
    # Code-point order on both databases, whatever the server's collation.
    dialect: select(_COUNT.tag, _COUNT.stories)
    .where(_COUNT.community_id == bindparam("community_id"), _COUNT.stories > 0)
    .order_by(_COUNT.stories.desc(), tag.asc())
    for dialect, tag in (("postgresql", _COUNT.tag.collate("C")), ("sqlite", _COUNT.tag))
}
_MOST_APPRECIATED = (
    story_rows()
    .where(
        _S.community_id == bindparam("community_id"),
        _S.status == Status.PUBLISHED.value,
        _S.created_at >= bindparam("since"),
        _S.created_at < bindparam("until"),
    )
    .order_by(_S.appreciations.desc(), _S.created_at.asc(), _S.number.asc())
    .limit(bindparam("limit"))
)


@functools.cache
def _browse_statement(tagged: bool, direction: str | None) -> Select[Any]:
    """Published stories of a community (with a tag), beyond a number, one page plus one.

    direction: None for the first page, "older" (descending) or "newer" (ascending; the
    caller turns the rows around). Rank is always 0 here, so the keyset is the number alone
    and stays index-friendly.
    """
    stmt = story_rows().where(_S.status == Status.PUBLISHED.value)
    if tagged:
        number = _TAG.number
        stmt = stmt.join(StoryTagRow.__table__, _TAG.story_id == _S.id).where(
            _TAG.community_id == bindparam("community_id"), _TAG.tag == bindparam("tag")
        )
    else:
        number = _S.number
        stmt = stmt.where(_S.community_id == bindparam("community_id"))
    if direction == "newer":
        stmt = stmt.where(number > bindparam("bound")).order_by(number.asc())
    elif direction == "older":
        stmt = stmt.where(number < bindparam("bound")).order_by(number.desc())
    else:
        stmt = stmt.order_by(number.desc())
    return stmt.limit(bindparam("limit"))


WALK_ROWS = 2000
"""How many story numbers a PostgreSQL tier's first step may cover (see _pg_tier_statement)."""


@functools.cache
def _pg_tier_statement(newer: bool, step: str) -> Select[Any]:
    """One search tier's story ids on PostgreSQL in walk order, newest first (newer: oldest
    first), beyond story number `search_start`.

    Two steps, so that no plan can walk a whole community. The planner chooses between
    walking the community's numbers with the search as a filter (right for a common word) and
    the GIN index then a sort (right for a rare one) from its estimate of how many stories
    match, and a word missing from a tier is sometimes estimated common: the walk then reads
    every story of the community and finds nothing (770 ms at 1,000,000 stories). So the
    first step ("first"; "top" when it starts at the community's newest story) covers only
    WALK_ROWS numbers, and a walk there is short whichever plan is taken. The second
    ("beyond"), run only when the first found too few, covers the rest through the GIN index:
    ordered by `number + 0`, which no index provides, so there is no walk to choose.

    Every value is written into the statement, none bound: asyncpg prepares statements, and
    after five runs PostgreSQL may switch to a generic plan that cannot see how rare the words
    are, how large the community is or how small the limit. (Every term is letters and digits,
    and SQLAlchemy quotes the literal.)
    """

    def inline(name: str, type_: Any) -> Any:
        return bindparam(name, type_=type_, literal_execute=True)

    community = inline("search_community", Integer())
    walk = inline("search_walk", Integer())
    stmt = select(_S.id).where(
        _S.community_id == community,
        _S.status == inline("search_status", String()),
        literal_column(PG_SEARCH_VECTOR).op("@@")(
            cast(inline("search_tsquery", String()), TSQUERY)
        ),
    )
    limit = inline("search_limit", Integer())
    if step == "top":
        # Newest first from the community's last number, which comes back with the hits
        # (hit NULL when none), so the second step goes on from the same number.
        last = _COMMUNITIES.c.last_number
        hits = (
            stmt.add_columns(_S.number)
            .where(_S.number > last + literal_column("1") - walk)  # start: last + 1
            .order_by(_S.number.desc())
            .limit(limit)
            .lateral("hits")
        )
        return (
            select(last, hits.c.id)
            .select_from(_COMMUNITIES.outerjoin(hits, true()))
            .where(_COMMUNITIES.c.id == community)
            .order_by(hits.c.number.desc())
        )
    start = inline("search_start", Integer())
    edge = start + walk if newer else start - walk
    key = _S.number
    if step == "beyond":
        stmt = stmt.where(_S.number > edge if newer else _S.number <= edge)
        key = _S.number + 0
    elif newer:
        stmt = stmt.where(_S.number > start, _S.number <= edge)
    else:
        stmt = stmt.where(_S.number < start, _S.number > edge)
    return stmt.order_by(key.asc() if newer else key.desc()).limit(limit)


class SqlStoryRepository(Repository):
    async def _write_tags(self, story_id: int, story: Story) -> None:
        tags = list(dict.fromkeys(story.tags))
        if tags:
            await self._db.execute(
                _ADD_TAGS,
                [
                    {
                        "story_id": story_id,
                        "community_id": story.community_id,
                        "tag": tag,
                        "number": story.number,
                    }
                    for tag in tags
                ],
            )

    async def _count_tags(
        self, community_id: int, tags: list[str], status: str, delta: int
    ) -> None:
        """Keep tag_counts in step: published stories only. Tags in sorted order, so two
        concurrent edits lock the counter rows in the same order (no deadlock)."""
        tags = sorted(set(tags))
        if status != Status.PUBLISHED.value or not tags:
            return
        # Rows in tag order, locked in that order.
        await self._db.execute(
            _COUNT_TAGS[self._dialect],
            [{"community_id": community_id, "tag": t, "stories": delta} for t in tags],
        )

    @guarded
    async def add(self, story: Story, doc: SearchDoc) -> Story:
        values = _new_row(story, doc)
        story_id = (await self._db.execute(_ADD[self._dialect], values)).scalar_one_or_none()
        if story_id is None:
            raise Conflict(
                f"story {story.community_id}#{story.number} or its client key already exists"
            )
        await self._write_tags(story_id, story)
        await self._count_tags(story.community_id, story.tags, str(story.status), 1)
        return dataclasses.replace(story, id=story_id)

    @guarded
    async def add_next(self, story: Story, doc: SearchDoc, log: RateLog) -> Story | None:
        author, community_id = story.author, story.community_id
        rate = log_params(community_id, author.platform, author.user_id, story.created_at, log)
        if self._dialect != "postgresql":
            number = await reserve_number(self._db, community_id)
            stored = await self.add(dataclasses.replace(story, number=number), doc)
            return stored if await log_under_limit(self._db, self._dialect, rate) else None
        values = {f"new_{name}": value for name, value in _new_row(story, doc).items()}
        tags = list(dict.fromkeys(story.tags))
        params = (
            values
            | rate
            | {
                "story_tags": tags,
                "counted_tags": sorted(tags) if story.status == Status.PUBLISHED else [],
            }
        )
        row = (await self._db.execute(_PG_ADD_NEXT, params)).first()
        if row is None:
            raise LookupError(f"no community {community_id}")
        if not row.logged:
            # The log runs before the insert that would find the key taken; a refusal is rare,
            # so only then is the key looked up (a new statement: it sees what committed while
            # this one waited for the lock).
            if story.client_key and await self.by_client_key(community_id, story.client_key):
                raise Conflict(f"client key {story.client_key} is taken")
            return None
        return dataclasses.replace(story, id=row.id, number=row.last_number)

    @guarded
    async def get(self, community_id: int, number: int) -> Story | None:
        params = {"community_id": community_id, "number": number}
        row = (await self._db.execute(_BY_NUMBER, params)).first()
        return _to_story(row) if row else None

    @guarded
    async def by_client_key(self, community_id: int, client_key: str) -> Story | None:
        params = {"community_id": community_id, "client_key": client_key}
        row = (await self._db.execute(_BY_CLIENT_KEY, params)).first()
        return _to_story(row) if row else None

    @guarded
    async def update(self, story: Story, doc: SearchDoc) -> None:
        """Rewrite a story found by (community, number); no such story changes nothing."""
        before = (
            await self._db.execute(
                select(StoryRow.tags, StoryRow.status).where(
                    StoryRow.community_id == story.community_id,
                    StoryRow.number == story.number,
                )
            )
        ).first()
        stmt = (
            update(StoryRow)
            .where(StoryRow.community_id == story.community_id, StoryRow.number == story.number)
            .values(_editable(story, doc))
            .returning(StoryRow.id)
        )
        story_id = (await self._db.execute(stmt)).scalar_one_or_none()
        if story_id is None:
            return
        await self._db.execute(delete(StoryTagRow).where(StoryTagRow.story_id == story_id))
        await self._write_tags(story_id, story)
        if before is not None:
            await self._count_tags(story.community_id, list(before.tags), before.status, -1)
        await self._count_tags(story.community_id, story.tags, str(story.status), 1)

    @guarded
    async def delete(self, community_id: int, number: int) -> bool:
        """Really delete; tags, appreciations, features and claims go by ON DELETE CASCADE."""
        stmt = (
            delete(StoryRow)
            .where(StoryRow.community_id == community_id, StoryRow.number == number)
            .returning(StoryRow.tags, StoryRow.status)
        )
        deleted = (await self._db.execute(stmt)).first()
        if deleted is None:
            return False
        await self._count_tags(community_id, list(deleted.tags), deleted.status, -1)
        return True

    @guarded
    async def count_by_author_since(
        self, community_id: int, platform: Platform, user_id: str, since: dt.datetime
    ) -> int:
        stmt = select(func.count()).where(
            StoryRow.community_id == community_id,
            StoryRow.author_platform == str(platform),
            StoryRow.author_id == user_id,
            StoryRow.created_at >= since,
        )
        return (await self._db.execute(stmt)).scalar_one()

    @guarded
    async def browse(
        self, community_id: int, tag: str | None, position: Keyset | None, size: int
    ) -> Slice:
        """Published stories newest first; by tag through story_tags' (community, tag, number)."""
        size = max(size, 0)
        params: dict[str, Any] = {"community_id": community_id, "tag": tag, "limit": size + 1}
        direction = None
        if position is not None:
            direction = position.direction
            params["bound"] = position.number
        stmt = _browse_statement(tag is not None, direction)
        rows = list(await self._db.execute(stmt, params))
        more = len(rows) > size
        rows = rows[:size]
        if direction == "newer":
            rows.reverse()
        return Slice(items=[Ranked(_to_story(row), 0) for row in rows], more=more)

    @guarded
    async def search(
        self, community_id: int, query: SearchQuery, position: Keyset | None, size: int
    ) -> Slice:
        """Tier by tier (storage.search), each the first hits of an index walk newest first.

        Older pages walk the tiers downward from the position, newer pages upward (oldest
        first, turned around at the end); either stops once it has one row beyond the page.
        """
        groups = [tuple(dict.fromkeys(group)) for group in query.groups]
        if any(not group for group in groups):
            return Slice(items=[], more=False)  # a group with no terms matches nothing
        if not groups:  # no groups at all: every published story, rank 0
            return await self.browse(community_id, None, position, size)
        flags = list(query.in_parts) + [False] * (len(groups) - len(query.in_parts))
        size = max(size, 0)
        newer = position is not None and position.direction == "newer"
        order = search.tiers(flags)
        if position is not None:
            order = [t for t in order if (t >= position.rank if newer else t <= position.rank)]
        if newer:
            order.reverse()
        found: list[tuple[int, int]] = []  # (story id, tier) in walk order
        for tier in order:
            bound = position.number if position is not None and tier == position.rank else None
            want = size + 1 - len(found)
            ids = await self._tier_ids(community_id, tier, groups, flags, bound, newer, want)
            found.extend((story_id, tier) for story_id in ids)
            if len(found) > size:
                break
        more = len(found) > size
        found = found[:size]
        if newer:
            found.reverse()
        rows = {}
        if found:
            ids = {"ids": [story_id for story_id, _ in found]}
            rows = {row.id: row for row in await self._db.execute(_BY_IDS, ids)}
        return Slice(
            items=[Ranked(_to_story(rows[i]), tier) for i, tier in found if i in rows], more=more
        )

    async def _tier_ids(
        self,
        community_id: int,
        tier: int,
        groups: list[tuple[str, ...]],
        flags: list[bool],
        bound: int | None,
        newer: bool,
        limit: int,
    ) -> list[int]:
        """Ids of one tier's stories beyond story number `bound`, in walk order."""
        if self._dialect == "postgresql":
            tsquery = search.tsquery(tier, groups, flags)
            return await self._pg_tier_ids(community_id, tsquery, bound, newer, limit)
        # SQLite: FTS5 walks rowids; inside a community they grow with the story number.
        where = f"{FTS_TABLE} MATCH :search_fts"
        params: dict[str, Any] = {
            "search_fts": search.fts5_query(community_id, tier, groups, flags),
            "limit": limit,
        }
        if bound is not None:
            bound_id = await self._story_id(community_id, bound)
            if bound_id is None:  # the story at the position is gone: walk by number instead
                bound_id = await self._nearest_id(community_id, bound, newer)
            where += " AND rowid > :bound" if newer else " AND rowid < :bound"
            params["bound"] = bound_id
        stmt = sql_text(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {where} "
            f"ORDER BY rowid {'ASC' if newer else 'DESC'} LIMIT :limit"
        )
        return list((await self._db.execute(stmt, params)).scalars())

    async def _pg_tier_ids(
        self,
        community_id: int,
        tsquery: str,
        bound: int | None,
        newer: bool,
        limit: int,
    ) -> list[int]:
        """_tier_ids on PostgreSQL: the two steps of _pg_tier_statement."""
        params = {
            "search_tsquery": tsquery,
            "search_community": community_id,
            "search_status": Status.PUBLISHED.value,
            "search_start": bound,
            "search_limit": int(limit),
            "search_walk": WALK_ROWS,
        }
        if bound is None and not newer:
            rows = (await self._db.execute(_pg_tier_statement(newer, "top"), params)).all()
            if not rows:
                return []  # no such community
            found = [row.id for row in rows if row.id is not None]
            params["search_start"] = rows[0].last_number + 1
        else:
            if bound is None:
                params["search_start"] = 0  # oldest first: from the very first number
            first = await self._db.execute(_pg_tier_statement(newer, "first"), params)
            found = list(first.scalars())
        if len(found) >= limit:
            return found
        if not newer and params["search_start"] - params["search_walk"] < 1:
            return found  # the first step reached number 1: nothing beyond
        params["search_limit"] = int(limit) - len(found)
        beyond = await self._db.execute(_pg_tier_statement(newer, "beyond"), params)
        return found + list(beyond.scalars())

    async def _nearest_id(self, community_id: int, number: int, newer: bool) -> int:
        """The id to walk from when story `number` no longer exists: that of the nearest
        story beyond it in the walk's direction, minus (plus) one; or past every id."""
        column = _S.number
        stmt = select(_S.id).where(_S.community_id == community_id)
        if newer:
            stmt = stmt.where(column > number).order_by(column.asc())
        else:
            stmt = stmt.where(column < number).order_by(column.desc())
        found = (await self._db.execute(stmt.limit(1))).scalar_one_or_none()
        if found is None:
            return 2**62 if newer else 0
        return found - 1 if newer else found + 1

    @guarded
    async def tag_counts(self, community_id: int) -> list[tuple[str, int]]:
        # Kept by every write (_count_tags), so this reads one row per tag in use.
        params = {"community_id": community_id}
        return [(t, n) for t, n in await self._db.execute(_TAG_COUNTS[self._dialect], params)]

    @guarded
    async def appreciate(
        self, story: Story, platform: Platform, user_id: str, at: dt.datetime
    ) -> bool:
        """Count one appreciation on the stored story; the argument is left untouched.

        ON CONFLICT DO NOTHING rather than catching an error: on PostgreSQL a failed INSERT
        would abort the whole transaction.
        """
        story_id = await self._story_id(story.community_id, story.number)
        if story_id is None:
            raise LookupError(f"no story {story.community_id}/{story.number}")
        params = {"story_id": story_id, "platform": str(platform), "user_id": user_id}
        added = await self._db.execute(_APPRECIATE[self._dialect], params | {"created_at": at})
        if added.first() is None:
            return False
        await self._db.execute(_COUNT_APPRECIATION, {"story_id": story_id})
        return True

    @guarded
    async def most_appreciated(
        self, community_id: int, since: dt.datetime, until: dt.datetime, limit: int
    ) -> list[Story]:
        params = {"community_id": community_id, "since": since, "until": until}
        rows = await self._db.execute(_MOST_APPRECIATED, params | {"limit": max(limit, 0)})
        return [_to_story(row) for row in rows]

    @guarded
    async def export(self, community_id: int | None) -> list[Story]:
        """Every story, hidden ones included, by community and number."""
        stmt = story_rows().order_by(StoryRow.community_id, StoryRow.number)
        if community_id is not None:
            stmt = stmt.where(StoryRow.community_id == community_id)
        return [_to_story(row) for row in await self._db.execute(stmt)]
