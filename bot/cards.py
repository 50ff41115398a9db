"""Stories as neutral cards, with the buttons this reader may use."""

from __future__ import annotations

from bot import actions, tags
from bot.context import Context
from bot.domain import Community, Platform, Story
from bot.i18n import Translator
from bot.platforms import platform_name, space_label
from bot.replies import Button, StoryCard, Style

EXCERPT = 280


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def author_line(story: Story, t: Translator, moderator: bool) -> str:
    if not story.anonymous:
        return story.author.display_name
    if moderator:
        return t("Anonymous ({name}, visible to moderators only)", name=story.author.display_name)
    return t("Anonymous")


def tag_names(slugs: list[str], t: Translator) -> str:
    return ", ".join(tags.display_name(slug, t.language) for slug in slugs) or t("no tags")


def told_on(story: Story, community: Community, t: Translator) -> str:
    """Where the story was told: "Acme (Slack)" when the community knows its space's name,
    else the platform alone (an id would mean nothing to a reader)."""
    name = community.space_names.get(story.origin) if story.origin else None
    if story.origin is None or name is None:
        return platform_name(story.origin.platform if story.origin else story.author.platform, t)
    return space_label(story.origin, name, t)


def credited_names(story: Story, t: Translator) -> str:
    """Credited colleagues for readers on another platform: names as stored, never ids."""
    names = [story.credited_names[u] for u in story.credited if story.credited_names.get(u)]
    unknown = len(story.credited) - len(names)
    if unknown:
        names.append(t.plural("{n} colleague", "{n} colleagues", unknown))
    return ", ".join(names)


def card(
    story: Story,
    ctx: Context,
    *,
    full: bool,
    t: Translator | None = None,
    public: bool = False,
    platform: Platform | None = None,
) -> StoryCard:
    """A story card. `public` cards go to a channel: no moderator details, no private buttons.

    `platform` is where it will be shown (the reader's, unless said otherwise): credited user
    ids only mean something on the platform the story was told on; elsewhere they become
    plain names.
    """
    t = t or ctx.t
    moderator = ctx.moderator and not public
    shown_on = platform or ctx.actor.space.platform
    meta: list[tuple[str, str]] = [
        (t("Tags"), tag_names(story.tags, t)),
        (t("Told by"), author_line(story, t, moderator)),
        (t("Told on"), told_on(story, ctx.community, t)),
    ]
    same_platform = story.author.platform == shown_on
    if full and story.credited and not same_platform:
        meta.append((t("Credited"), credited_names(story, t)))
    if full and story.customer:
        meta.append((t("Customer or context"), story.customer))
    if full and moderator:
        meta.append(
            (t("Customer consent"), t("yes") if story.consent else t("no")),
        )
    if not story.published:
        meta.append((t("Status"), t("hidden by a moderator")))
    footer = " · ".join(
        [
            f"#{story.number}",
            t.plural("{n} appreciation", "{n} appreciations", story.appreciations),
            t.date(story.created_at, ctx.timezone),
        ]
    )
    return StoryCard(
        number=story.number,
        title=story.title,
        body=story.text if full else excerpt(story.text),
        meta=tuple(meta),
        footer=footer,
        buttons=_buttons(story, ctx, t, full=full, public=public),
        source_url=story.source_url if full else None,
        credited=tuple(story.credited) if full and same_platform else (),
        credited_label=t("Credited"),
        source_label=t("Original message"),
    )


def _buttons(
    story: Story, ctx: Context, t: Translator, *, full: bool, public: bool
) -> tuple[Button, ...]:
    n = story.number
    if not story.published:
        if ctx.moderator and not public:
            return (Button(t("Unhide"), actions.encode("unhide", n)),)
        return ()
    found: list[Button] = []
    if not full or public:
        found.append(Button(t("Read #{number}", number=n), actions.encode("show", n)))
    found.append(Button(t("Appreciate"), actions.encode("appreciate", n), Style.PRIMARY))
    if full and not public:
        found.append(Button(t("Share to channel"), actions.encode("share", n)))
        if story.is_author(ctx.actor.space.platform, ctx.actor.user_id):
            found.append(Button(t("Edit"), actions.encode("edit", n)))
        if ctx.moderator:
            found.append(Button(t("Feature"), actions.encode("feature", n)))
            found.append(Button(t("Hide"), actions.encode("hide", n), Style.DANGER))
    return tuple(found)
