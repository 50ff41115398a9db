"""Community settings, help and export."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import commands as c
from bot import export as exporting
from bot import linking
from bot.context import Context
from bot.domain import ChannelRef, CommunitySettings, Language
from bot.errors import RateLimited, ValidationError
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.parser import user_ids
from bot.permissions import require_moderator
from bot.replies import Attachment, Fields, Reply, Text
from bot.wall import new_wall_token, wall_address

WEEKDAYS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 1)},
    **{name: i for i, name in enumerate(("mån", "tis", "ons", "tor", "fre", "lör", "sön"), 1)},
}
_CLEAR = {"none", "off", "-", "ingen", "inga"}
_ON = {"on", "yes", "true", "1", "på", "ja"}
_OFF = {"off", "no", "false", "0", "av", "nej"}
KEYS = c.CONFIG_KEYS
# Swedish names for the settings, accepted as typed like the commands' (bot.parser.ALIASES).
# Replies name the English ones, which work on every platform (Discord's choices included).
SWEDISH_KEYS = {
    "channel": "kanal",
    "language": "språk",
    "timezone": "tidszon",
    "weekday": "veckodag",
    "time": "tid",
    "moderators": "moderatorer",
    "moderator-role": "moderatorroll",
    "free-tags": "fria-taggar",
}
_FROM_SWEDISH = {swedish: key for key, swedish in SWEDISH_KEYS.items()}


async def configure(cmd: c.Configure, ctx: Context) -> Reply:
    if cmd.key is None:
        return _show(ctx.community.settings, ctx)
    require_moderator(ctx.actor, ctx.community)
    settings = ctx.community.settings
    key = _FROM_SWEDISH.get(cmd.key, cmd.key)
    message = _apply(key, cmd.values, settings, ctx)
    async with ctx.uow() as uow:
        await uow.communities.save_settings(ctx.community)
        await uow.commit()
    # Answer in the language just chosen, if that is what changed.
    t = Translator(settings.language) if key == "language" else ctx.t
    params = _params(settings, t) | _wall_params(settings, ctx)
    return Reply(blocks=(Text(t(message, **params)),))


def _params(settings: CommunitySettings, t: Translator) -> dict[str, str]:
    return {
        "language": settings.language.value,
        "timezone": settings.timezone,
        "weekday": t.weekday(settings.weekly_weekday),
        "time": settings.weekly_time.strftime("%H:%M"),
    }


def _wall_params(settings: CommunitySettings, ctx: Context) -> dict[str, str]:
    return {"address": wall_address(settings, ctx.web_base_url) or ""}


def _apply(key: str, values: tuple[str, ...], settings: CommunitySettings, ctx: Context) -> str:
    value = values[0] if values else ""
    actor = ctx.actor
    match key:
        case "channel":
            here = [ch for ch in settings.highlight_channels if ch.space != actor.space]
            if value.casefold() in _CLEAR:
                settings.highlight_channels = here
                return N_(
                    "The highlight channel is cleared; stories of the week are not announced."
                )
            if actor.channel_id is None:
                raise ValidationError(N_("Run this in the channel that should get the highlights."))
            if actor.missing_permissions:
                raise ValidationError(
                    N_(
                        "I can't post the story of the week in this channel: I lack the "
                        "{permissions} permission. Give it to me in the channel's settings, "
                        "then run this again."
                    ),
                    permissions=", ".join(actor.missing_permissions),
                )
            settings.highlight_channels = [*here, ChannelRef(actor.space, actor.channel_id)]
            return N_("This channel now gets the story of the week.")
        case "language":
            try:
                settings.language = Language(value.casefold())
            except ValueError:
                raise ValidationError(N_("Choose a language: en or sv.")) from None
            return N_("The community's language is now {language}.")
        case "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValidationError(
                    N_("Unknown time zone. Use a name like Europe/Stockholm.")
                ) from None
            settings.timezone = value
            return N_("The time zone is now {timezone}.")
        case "weekday":
            day = WEEKDAYS.get(value.casefold()[:3])
            if day is None and len(value) == 1 and value in "1234567":
                day = int(value)
            if day is None:
                raise ValidationError(N_("Choose a weekday: mon, tue, wed, thu, fri, sat or sun."))
            settings.weekly_weekday = day
            return N_("The weekly pick now runs on {weekday} at {time}.")
        case "time":
            try:
                settings.weekly_time = dt.time.fromisoformat(value)
            except ValueError:
                raise ValidationError(N_("Give the time as HH:MM, like 09:00.")) from None
            return N_("The weekly pick now runs on {weekday} at {time}.")
        case "moderators":
            ids = [] if value.casefold() in _CLEAR else user_ids(values)
            prefix = f"{actor.space.platform}:"
            roles = [
                r for r in settings.moderator_roles if linking.owned_by(settings, r, actor.space)
            ]
            linking.set_moderators(settings, actor.space, [prefix + u for u in ids], roles)
            return N_("The moderator list is updated.")
        case "moderator-role":
            roles = [] if value.casefold() in _CLEAR else [v.strip("<@&>") for v in values]
            prefix = f"{actor.space.platform}:"
            users = [
                u for u in settings.moderator_users if linking.owned_by(settings, u, actor.space)
            ]
            linking.set_moderators(settings, actor.space, users, [prefix + r for r in roles])
            return N_("The moderator role is updated.")
        case "free-tags":
            if value.casefold() not in _ON | _OFF:
                raise ValidationError(N_("Say on or off."))
            settings.free_tags = value.casefold() in _ON
            return (
                N_("Free tags are now on.")
                if settings.free_tags
                else N_("Free tags are now off: only the built-in tags can be used.")
            )
        case "wall":
            return _wall(value.casefold(), settings)
    raise ValidationError(
        N_("Unknown setting: {key}. Settings: {keys}."),
        key=key[:40],
        keys=", ".join(KEYS),
    )


def _wall(value: str, settings: CommunitySettings) -> str:
    """Turn the public web wall on or off, or give it a new address (the old one then
    answers like any unknown address)."""
    if value in _ON:
        settings.wall_enabled = True
        settings.wall_token = settings.wall_token or new_wall_token()
        return N_(
            "The public wall is on: {address} It shows only stories whose customer consented "
            "and whose author chose the wall."
        )
    if value in _OFF:
        settings.wall_enabled = False
        return N_("The public wall is off: its pages, feeds and embeds are gone.")
    if value in {"new-address", "ny-adress"}:
        settings.wall_token = new_wall_token()
        if settings.wall_enabled:
            return N_("The wall has a new address: {address} The old address no longer works.")
        return N_(
            "The wall has a new address; it is still off. Turn it on with /story config wall on."
        )
    raise ValidationError(N_("Say on, off or new-address."))


def _show(settings: CommunitySettings, ctx: Context) -> Reply:
    t = ctx.t
    channels = ", ".join(ch.channel_id for ch in settings.highlight_channels) or t("not set")
    none = t("none")
    items = (
        ("channel", channels),
        ("language", settings.language.value),
        ("timezone", settings.timezone),
        ("weekday", t.weekday(settings.weekly_weekday)),
        ("time", settings.weekly_time.strftime("%H:%M")),
        ("moderators", ", ".join(u.split(":", 1)[1] for u in settings.moderator_users) or none),
        ("moderator-role", ", ".join(r.split(":", 1)[1] for r in settings.moderator_roles) or none),
        ("free-tags", t("on") if settings.free_tags else t("off")),
        ("wall", t("on") if settings.wall_enabled else t("off")),
    )
    hint = t("Moderators change a setting with /story config <setting> <value>.")
    return Reply(blocks=(Text(t("Settings"), heading=True), Fields(items), Text(hint)))


HELP = (
    ("/story", N_("open the form to share a story")),
    ("/story submit <text> #tag", N_("share a story in one line")),
    ("/story browse [tag]", N_("read stories, newest first")),
    ("/story search <words>", N_("search the stories")),
    ("/story show <n>", N_("read one story in full")),
    ("/story tags", N_("list the tags in use")),
    ("/story appreciate <n>", N_("say you liked a story")),
    ("/story share <n>", N_("post a story in this channel")),
    ("/story featured", N_("the story of the week, and earlier ones")),
    ("/story shortlist", N_("the most appreciated stories of the past 7 days")),
    ("/story edit <n>", N_("edit your own story")),
    ("/story delete <n>", N_("delete your own story")),
    ("/story config", N_("show the settings")),
    ("/story links", N_("list the Slack and Discord spaces that share these stories")),
    ("/story help", N_("this list, in your language")),
)
MODERATOR_HELP = (
    ("/story feature <n> [note]", N_("make a story the story of the week")),
    ("/story hide <n> · /story unhide <n>", N_("hide a story from readers, or show it again")),
    ("/story delete <n>", N_("delete any story")),
    ("/story config <setting> <value>", N_("change a setting")),
    ("/story export", N_("download every story as JSON")),
    ("/story link [code]", N_("get a code to link another space, or use one")),
    ("/story unlink", N_("give this space its own stories again")),
)


async def help_(cmd: c.Help, ctx: Context) -> Reply:
    t = ctx.t
    blocks: list = [
        Text(t("Storybot collects stories of good customer service."), heading=True),
        Fields(tuple((usage, t(text)) for usage, text in HELP)),
    ]
    if ctx.moderator:
        blocks.append(Text(t("For moderators"), heading=True))
        blocks.append(Fields(tuple((usage, t(text)) for usage, text in MODERATOR_HELP)))
    return Reply(blocks=tuple(blocks))


# Communities with an export under way in this process: one at a time each.
_EXPORTING: set[int] = set()


async def export(cmd: c.Export, ctx: Context) -> Reply:
    require_moderator(ctx.actor, ctx.community)
    community_id = ctx.community_id
    if community_id in _EXPORTING:
        raise RateLimited(
            N_("An export of this community is already being made. Try again when it is done.")
        )
    _EXPORTING.add(community_id)
    try:
        async with ctx.uow() as uow:
            stories = await uow.stories.export(community_id)
            weeks = await uow.features.weeks_by_story(community_id)
        limit = exporting.EXPORT_MAX_BYTES
        try:
            content = await exporting.json_export(stories, weeks, limit)
        except exporting.ExportTooLarge:
            raise ValidationError(
                N_(
                    "The export would be larger than {mb} MB, more than a chat message can "
                    "carry. An administrator can export everything with storybot export."
                ),
                mb=limit // (1024 * 1024),
            ) from None
    finally:
        _EXPORTING.discard(community_id)
    name = f"storybot-stories-{ctx.clock():%Y-%m-%d}.json"
    message = ctx.t.plural(
        "Here is the community's {n} story.",
        "Here are all {n} stories of this community.",
        len(stories),
    )
    return Reply(
        blocks=(
            Text(message),
            Attachment(name, content, "application/json"),
        )
    )
