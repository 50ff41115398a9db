"""The repositories of a unit of work, all bound to one session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.communities import SqlCommunityRepository
from storage.drafts import SqlDraftRepository
from storage.features import SqlFeatureRepository
from storage.links import SqlLinkRepository
from storage.published import SqlPublishedRepository
from storage.stories import SqlStoryRepository


class RepositorySet:
    """What a unit of work (plain or grouped) offers: its repositories, on one session."""

    communities: SqlCommunityRepository
    stories: SqlStoryRepository
    features: SqlFeatureRepository
    drafts: SqlDraftRepository
    links: SqlLinkRepository
    published: SqlPublishedRepository

    def _bind(self, session: AsyncSession, dialect: str) -> None:
        self.communities = SqlCommunityRepository(session, dialect)
        self.stories = SqlStoryRepository(session, dialect)
        self.features = SqlFeatureRepository(session, dialect)
        self.drafts = SqlDraftRepository(session, dialect)
        self.links = SqlLinkRepository(session, dialect)
        self.published = SqlPublishedRepository(session, dialect)
