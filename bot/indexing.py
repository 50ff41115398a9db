"""The search document of a story: one rule for every write that changes a story."""

from __future__ import annotations

from bot import search_text, tags
from bot.domain import Story
from bot.ports import SearchDoc


def search_doc(story: Story) -> SearchDoc:
    terms = [term for slug in story.tags for term in tags.search_terms(slug)]
    return search_text.document(story.title, story.text, story.customer or "", terms)
