"""Linking spaces into one community, listing the links, and unlinking a space again."""

from __future__ import annotations

import datetime as dt

from bot import commands as c
from bot import linking
from bot.context import Context
from bot.domain import (
    LINK_CODE_MINUTES,
    LINK_FAILURES_MAX,
    Community,
    CommunitySettings,
    LinkCode,
    SpaceRef,
)
from bot.errors import Conflict, RateLimited, ValidationError
from bot.handlers.admin import _params
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.permissions import require_moderator
from bot.platforms import platform_name, space_label
from bot.replies import Fields, Reply, Text

RUNS_SHOWN = 20  # renumbered blocks listed in the reply; the rest are counted
# How long codes (and wrong attempts) are kept: a code typed within this time is recognised as
# used or expired rather than unknown.
CODES_KEPT = dt.timedelta(days=1)
WINDOW = dt.timedelta(minutes=LINK_CODE_MINUTES)
# Codes one space may make per hour: enough for retries, not for filling the table.
CODES_PER_HOUR = 10


def space_name(space: SpaceRef, community: Community, t: Translator) -> str:
    return space_label(space, community.space_names.get(space), t)


async def link(cmd: c.Link, ctx: Context) -> Reply:
    require_moderator(ctx.actor, ctx.community)
    if cmd.code is None:
        return await _new_code(ctx)
    return await _join(cmd.code, ctx)


async def _new_code(ctx: Context) -> Reply:
    t = ctx.t
    code = linking.new_code()
    now = ctx.clock()
    async with ctx.uow() as uow:
        await uow.links.prune(now - CODES_KEPT)  # old codes and attempts mean nothing any more
        made = await uow.links.codes_made_since(ctx.actor.space, now - dt.timedelta(hours=1))
        if made >= CODES_PER_HOUR:
            raise RateLimited(
                N_("This space made {max} link codes in the last hour. Use one of them, or wait."),
                max=CODES_PER_HOUR,
            )
        await uow.links.add_code(
            LinkCode(ctx.community_id, ctx.actor.space, linking.digest(code), now, now + WINDOW)
        )
        await uow.commit()
    return Reply(
        blocks=(
            Text(t("Link code: {code}", code=code), heading=True),
            Text(
                t(
                    "In the Slack workspace or Discord server that should share this "
                    "community's stories, a moderator runs /story link {code} within {minutes} "
                    "minutes. The code works once, and only you can see it.",
                    code=code,
                    minutes=LINK_CODE_MINUTES,
                )
            ),
        ),
        ephemeral=True,
    )


async def _join(typed: str, ctx: Context) -> Reply:
    now = ctx.clock()
    space = ctx.actor.space
    async with ctx.uow() as uow:
        if await uow.links.failures_since(space, now - WINDOW) >= LINK_FAILURES_MAX:
            raise RateLimited(
                N_("Too many wrong link codes were typed here. Wait {minutes} minutes."),
                minutes=LINK_CODE_MINUTES,
            )
        # One indexed lookup by digest; codes older than CODES_KEPT were pruned or are ignored.
        code = await uow.links.code_by_digest(linking.digest(typed))
        if code is not None and code.created_at < now - CODES_KEPT:
            code = None
        if code is None:
            await uow.links.record_failure(space, now)
            await uow.commit()
    if code is None:
        raise ValidationError(
            N_("That link code is not valid. Check it, or ask for a new one with /story link.")
        )
    if code.used_at is not None:
        raise ValidationError(N_("That link code was already used. Ask for a new one."))
    if code.expires_at <= now:
        raise ValidationError(N_("That link code has expired. Ask for a new one."))

    try:
        async with ctx.uow() as uow:
            target = await uow.communities.get(code.community_id)
            joining = await uow.communities.for_space(space)
            if target is None or joining is None:
                raise ValidationError(N_("That link code is no longer valid. Ask for a new one."))
            if joining.id == target.id:
                raise ValidationError(N_("This space is already in that community."))
            if len(joining.spaces) > 1:
                # Linking moves a whole community: the other spaces here would be pulled in
                # without being asked. Refused; the code stays unused.
                raise ValidationError(
                    N_(
                        "This space shares its stories with other spaces already. Run "
                        "/story unlink here first, then use the code."
                    )
                )
            if not await uow.links.use_code(code.id or 0, now):
                raise ValidationError(N_("That link code was already used. Ask for a new one."))
            target.settings = linking.merged_settings(
                target.settings, joining.settings, target.spaces, joining.spaces
            )
            mapping = await uow.links.merge(joining.id, target.id)
            await uow.communities.save_settings(target)
            await uow.commit()
    except (Conflict, LookupError):
        raise ValidationError(
            N_("The communities changed while linking, so nothing was linked. Please try again.")
        ) from None
    return _joined(target, mapping, ctx)


def _joined(target: Community, mapping: list[tuple[int, int]], ctx: Context) -> Reply:
    t = ctx.t
    settings = target.settings
    names = ", ".join(space_name(s, target, t) for s in target.spaces)
    blocks: list = [
        Text(t("Linked"), heading=True),
        Text(t("This space now shares one story base with {spaces}.", spaces=names)),
        Text(
            t(
                "The community you joined keeps its language ({language}), time zone "
                "({timezone}) and weekly pick ({weekday} at {time}); highlight channels and "
                "moderators of both sides are kept.",
                **_params(settings, t),
            )
        ),
    ]
    if not mapping:
        blocks.append(Text(t("There were no stories here to renumber.")))
        return Reply(blocks=tuple(blocks))
    blocks.append(
        Text(
            t.plural(
                "The {n} story told here has a new number:",
                "The {n} stories told here have new numbers:",
                len(mapping),
            )
        )
    )
    runs = linking.runs(mapping)
    items = tuple(
        (
            f"#{a}" if a == b else f"#{a}–#{b}",
            f"→ #{x}" if x == y else f"→ #{x}–#{y}",
        )
        for a, b, x, y in runs[:RUNS_SHOWN]
    )
    blocks.append(Fields(items))
    rest = sum(b - a + 1 for a, b, _, _ in runs[RUNS_SHOWN:])
    if rest:
        blocks.append(Text(t("… and {n} more, in the same order.", n=rest)))
    return Reply(blocks=tuple(blocks))


async def links(cmd: c.ListLinks, ctx: Context) -> Reply:
    """Anyone in the community may see where its stories come from."""
    t = ctx.t
    here = ctx.actor.space
    spaces = ctx.community.spaces
    if len(spaces) < 2:
        return Reply(
            blocks=(
                Text(
                    t(
                        "This space is not linked to any other. A moderator links one with "
                        "/story link."
                    )
                ),
            )
        )
    items = tuple(
        (
            platform_name(s.platform, t),
            ctx.community.space_names.get(s, s.external_id)
            + (" " + t("(here)") if s == here else ""),
        )
        for s in spaces
    )
    return Reply(blocks=(Text(t("Linked spaces"), heading=True), Fields(items)))


async def _tell_leaving_moderators(
    here: SpaceRef, leaving: CommunitySettings, lost: list[str], others: str, ctx: Context
) -> str | None:
    """Moderators configured in the other spaces no longer moderate here: the leaving space's
    own moderators hear who lost the rights (privately, in the community's language)."""
    if not lost:
        return None
    t = Translator(leaving.language)
    message = t(
        "This space was unlinked from {spaces}. Moderators and moderator roles that were "
        "added there no longer moderate here: {ids}.",
        spaces=others,
        ids=", ".join(lost),
    )
    announcer = ctx.announcers.get(here.platform)
    if announcer is not None:
        prefix = f"{here.platform}:"
        moderators = [
            u.removeprefix(prefix) for u in leaving.moderator_users if u.startswith(prefix)
        ]
        await announcer.notify_moderators(here, moderators, Reply(blocks=(Text(message),)))
    return ctx.t(
        "Moderators and moderator roles that were added in {spaces} no longer moderate here: "
        "{ids}.",
        spaces=others,
        ids=", ".join(lost),
    )


async def unlink(cmd: c.Unlink, ctx: Context) -> Reply:
    """Stories go back to the community of the space they were told in, keeping their numbers;
    features and claims go with their stories; the leaving space takes a copy of the settings
    with only its own highlight channels and its own moderators (each side keeps the entries
    its spaces configured), and its moderators are told who lost the rights."""
    require_moderator(ctx.actor, ctx.community)
    t = ctx.t
    here = ctx.actor.space
    try:
        async with ctx.uow() as uow:
            community = await uow.communities.for_space(here)
            if community is None or len(community.spaces) < 2:
                raise ValidationError(N_("This space is not linked to any other."))
            staying_spaces = [s for s in community.spaces if s != here]
            staying, leaving = linking.split_moderators(community.settings, here, staying_spaces)
            leaving.highlight_channels = [
                ch for ch in staying.highlight_channels if ch.space == here
            ]
            staying.highlight_channels = [
                ch for ch in staying.highlight_channels if ch.space != here
            ]
            before = community.settings
            community.settings = staying
            _, numbers = await uow.links.split(community.id, here, leaving)
            await uow.communities.save_settings(community)
            await uow.commit()
    except (Conflict, LookupError):
        raise ValidationError(
            N_("The communities changed while unlinking, so nothing was changed. Please try again.")
        ) from None
    others = ", ".join(space_name(s, community, t) for s in community.spaces if s != here)
    lost = [
        e.split(":", 1)[1]
        for e in (*before.moderator_users, *before.moderator_roles)
        if e.startswith(f"{here.platform}:")
        and e not in (*leaving.moderator_users, *leaving.moderator_roles)
    ]
    changed = await _tell_leaving_moderators(here, leaving, lost, others, ctx)
    return Reply(
        blocks=(
            Text(t("Unlinked"), heading=True),
            *((Text(changed),) if changed else ()),
            Text(
                t.plural(
                    "This space has its own community again. The {n} story told here came "
                    "with it and kept its number; the rest stay with {spaces}.",
                    "This space has its own community again. The {n} stories told here came "
                    "with it and kept their numbers; the rest stay with {spaces}.",
                    len(numbers),
                    spaces=others,
                )
            ),
        )
    )
