"""The reader's language and theme, from the query string or the browser."""

from __future__ import annotations

from aiohttp import web

from bot.domain import Language
from bot.i18n import Translator
from bot.i18n_marker import N_

THEMES = ("light", "dark")


def language(request: web.Request, fallback: Language = Language.EN) -> Language:
    """?lang= first, then the first supported language of Accept-Language, then `fallback`."""
    asked = request.query.get("lang", "").casefold()
    if asked in {lang.value for lang in Language}:
        return Language(asked)
    ranked: list[tuple[float, str]] = []
    for part in request.headers.get("Accept-Language", "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((quality, tag.strip().casefold().split("-")[0]))
    for _, primary in sorted(ranked, key=lambda item: -item[0]):
        if primary in {lang.value for lang in Language}:
            return Language(primary)
    return fallback


def theme(request: web.Request) -> str | None:
    """An explicit ?theme=light|dark, or None to follow prefers-color-scheme."""
    asked = request.query.get("theme", "")
    return asked if asked in THEMES else None


def labels(t: Translator) -> dict[str, str]:
    """Every fixed text of the pages, translated (kept in Python so extraction finds them)."""
    return {key: t(text) for key, text in _LABELS.items()}


_LABELS = {
    "wall_title": N_("Stories of good service"),
    "story_of_the_week": N_("Story of the week"),
    "all_tags": N_("All tags"),
    "filter_by_tag": N_("Filter by tag"),
    "older": N_("Older stories"),
    "newest": N_("Back to the newest"),
    "no_stories": N_("No stories here yet."),
    "told_by": N_("Told by"),
    "with": N_("with"),
    "customer": N_("Customer"),
    "appreciated": N_("Appreciations"),
    "read_more": N_("Read the story"),
    "back_to_wall": N_("All stories"),
    "feeds": N_("Feeds"),
    "not_found_title": N_("Not found"),
    "not_found": N_("There is nothing at this address."),
    "insights": N_("Insights"),
    "tags_per_week": N_("Tags per week, last 12 weeks"),
    "most_appreciated": N_("Most appreciated this month"),
    "week": N_("Week"),
    "tag": N_("Tag"),
    "stories": N_("Stories"),
    "story": N_("Story"),
    "no_data": N_("Nothing published in this period."),
    "chart_alt_tags": N_("Bar chart of tags per week; the same figures are in the table below."),
    "chart_alt_appreciated": N_(
        "Bar chart of the most appreciated stories; the same figures are in the list below."
    ),
    "theme_light": N_("Light"),
    "theme_dark": N_("Dark"),
    "language": N_("Language"),
    "skip": N_("Skip to the stories"),
    "embed_open": N_("Open the wall"),
    "powered_by": N_("Collected with Storybot"),
    "embed_title": N_("Embed the wall on your site"),
    "embed_help": N_(
        "Paste this where the stories should appear. Without JavaScript it is a link to the wall."
    ),
    "embed_theme": N_("Theme"),
    "embed_theme_auto": N_("Follow the reader's setting"),
    "embed_show": N_("Show the code"),
}
