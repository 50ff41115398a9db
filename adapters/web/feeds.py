"""RSS 2.0 and Atom (feedgenerator) and JSON Feed 1.1 (a plain dict) of a wall or one tag.

Every item's id is a permanent tag: URI (RFC 4151) built from the community id and the story
number, which a new wall address does not change, so feed readers never see a story twice.
"""

from __future__ import annotations

import json

import feedgenerator

from adapters.web.render import Urls, tag_authority
from bot.domain import Story
from bot.i18n import Translator
from bot.wall import PublicStory

TAG_DATE = "2026"  # the date part of the tag: URIs; fixed forever
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


def item_id(authority: str, community_id: int, number: int) -> str:
    return f"tag:{authority},{TAG_DATE}:storybot/{community_id}/story/{number}"


def feed_id(authority: str, community_id: int, tag: str | None) -> str:
    suffix = f"/tag/{tag}" if tag else ""
    return f"tag:{authority},{TAG_DATE}:storybot/{community_id}/wall{suffix}"


def render(
    kind: str,
    *,
    community_id: int,
    urls: Urls,
    tag: str | None,
    stories: list[tuple[Story, PublicStory]],
    t: Translator,
) -> tuple[bytes, str]:
    authority = tag_authority(urls.base)
    title = t("Stories of good service")
    if tag:
        title = f"{title} · #{tag}"
    if kind == "json":
        return _json(community_id, urls, tag, stories, title, authority, t), CONTENT_TYPES[kind]
    cls = feedgenerator.Rss201rev2Feed if kind == "rss" else feedgenerator.Atom1Feed
    feed = cls(
        title=title,
        link=urls.page(tag),
        description=title,
        language=t.language.value,
        feed_url=urls.feed(kind, tag),
        feed_guid=feed_id(authority, community_id, tag),
    )
    for story, public in stories:
        feed.add_item(
            title=public.title,
            link=urls.story(public.number, canonical=True),
            description=_plain(public),
            author_name=public.author,
            pubdate=story.created_at,
            updateddate=story.updated_at,
            unique_id=item_id(authority, community_id, public.number),
            unique_id_is_permalink=False,
            categories=[name for _, name in public.tags],
        )
    return feed.writeString("utf-8").encode("utf-8"), CONTENT_TYPES[kind]


def _plain(public: PublicStory) -> str:
    credit = f"\n\n— {public.author}" + (
        f", {', '.join(public.credited)}" if public.credited else ""
    )
    return public.text + credit


def _json(
    community_id: int,
    urls: Urls,
    tag: str | None,
    stories: list[tuple[Story, PublicStory]],
    title: str,
    authority: str,
    t: Translator,
) -> bytes:
    feed = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": urls.page(tag),
        "feed_url": urls.feed("json", tag),
        "language": t.language.value,
        "items": [
            {
                "id": item_id(authority, community_id, public.number),
                "url": urls.story(public.number, canonical=True),
                "title": public.title,
                "content_text": _plain(public),
                "date_published": story.created_at.isoformat(),
                "date_modified": story.updated_at.isoformat(),
                "authors": [{"name": public.author}],
                "tags": [name for _, name in public.tags],
            }
            for story, public in stories
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=1).encode("utf-8")
