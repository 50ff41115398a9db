"""Community settings, help and export."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import commands as c
from bot import export as exporting
from bot.context import Context
from bot.domain import ChannelRef, CommunitySettings, Language
from bot.errors import ValidationError
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.parser import user_ids
from bot.permissions import require_moderator
from bot.replies import Attachment, Fields, Reply, Text

WEEKDAYS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 1)},
    **{name: i for i, name in enumerate(("mån", "tis", "ons", "tor", "fre", "lör", "sön"), 1)},
}
_CLEAR = {"none", "off", "-", "ingen", "inga"}
_ON = {"on", "yes", "true", "1", "på", "ja"}
_OFF = {"off", "no", "false", "0", "av", "nej"}
KEYS = c.CONFIG_KEYS


async def configure(cmd: c.Configure, ctx: Context) -> Reply:
    if cmd.key is None:
        return _show(ctx.community.settings, ctx)
    require_moderator(ctx.actor, ctx.community)
    settings = ctx.community.settings
    message = _apply(cmd.key, cmd.values, settings, ctx)
    async with ctx.uow() as uow:
        await uow.communities.save_settings(ctx.community)
        await uow.commit()
    # Answer in the language just chosen, if that is what changed.
    t = Translator(settings.language) if cmd.key == "language" else ctx.t
    return Reply(blocks=(Text(t(message, **_params(settings, t))),))


def _params(settings: CommunitySettings, t: Translator) -> dict[str, str]:
    return {
        "language": settings.language.value,
        "timezone": settings.timezone,
        "weekday": t.weekday(settings.weekly_weekday),
        "time": settings.weekly_time.strftime("%H:%M"),
    }


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
            others = [
                u for u in settings.moderator_users if not u.startswith(f"{actor.space.platform}:")
            ]
            settings.moderator_users = [*others, *(f"{actor.space.platform}:{u}" for u in ids)]
            return N_("The moderator list is updated.")
        case "moderator-role":
            roles = [] if value.casefold() in _CLEAR else [v.strip("<@&>") for v in values]
            others = [
                r for r in settings.moderator_roles if not r.startswith(f"{actor.space.platform}:")
            ]
            settings.moderator_roles = [*others, *(f"{actor.space.platform}:{r}" for r in roles)]
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
    raise ValidationError(
        N_("Unknown setting: {key}. Settings: {keys}."), key=key[:40], keys=", ".join(KEYS)
    )


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
    ("/story featured", N_("the story of the week, and earlier ones")),
    ("/story shortlist", N_("the most appreciated stories of the past 7 days")),
    ("/story edit <n>", N_("edit your own story")),
    ("/story delete <n>", N_("delete your own story")),
    ("/story config", N_("show the settings")),
    ("/story links", N_("list the Slack and Discord spaces that share these stories")),
)
MODERATOR_HELP = (
    ("/story feature <n> [note]", N_("make a story the story of the week")),
    ("/story hide <n> · unhide <n>", N_("hide a story from readers, or show it again")),
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


async def export(cmd: c.Export, ctx: Context) -> Reply:
    require_moderator(ctx.actor, ctx.community)
    async with ctx.uow() as uow:
        records = await exporting.records(uow, ctx.community_id)
    content = exporting.render(records, "json").encode()
    name = f"storybot-stories-{ctx.clock():%Y-%m-%d}.json"
    message = ctx.t.plural(
        "Here is the community's {n} story.",
        "Here are all {n} stories of this community.",
        len(records),
    )
    return Reply(
        blocks=(
            Text(message),
            Attachment(name, content, "application/json"),
        )
    )
