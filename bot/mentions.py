"""Mentions in what people type, in the neutral form adapters hand the core.

Adapters turn their platform's markup into `<@id|name>` for a person, `<#id|name>` for a
channel and `<@&id|name>` for a group of people (a Discord role). Slack sends people and
channels that way; a saved message carries them bare (`<@U1>`, Discord's `<@1>`, `<@!1>`,
`<#1>`, `<@&1>`), and its adapter names the ones it can (`named`). The core credits the
people's ids and keeps the words: a stored story reads "thanks @anna in #support". A mention
still bare when a form is prefilled, or when a story is stored (`in_words`), reads as a word in
the reader's or author's language ("@someone"), so no raw markup reaches a story and no text
mentions anyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.i18n_marker import N_

if TYPE_CHECKING:
    from bot.commands import StoryInput

# Slack sends <@U123> or <@U123|name>; Discord sends <@123> or <@!123>.
MENTION = re.compile(r"<@!?([A-Za-z0-9_-]+)(?:\|([^<>]*))?>")
CHANNEL = re.compile(r"<#([A-Za-z0-9_-]+)(?:\|([^<>]*))?>")
GROUP = re.compile(r"<@&([A-Za-z0-9_-]+)(?:\|([^<>]*))?>")  # a Discord role

# What an unnamed mention reads as: the sentence still reads, and names nobody.
SOMEONE = N_("someone")
A_CHANNEL = N_("a channel")
A_GROUP = N_("a group")


@dataclass(frozen=True, slots=True)
class Bare:
    """The ids of the mentions in a text that carry no name yet, first mention first."""

    people: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def credited(text: str) -> tuple[str, ...]:
    """The ids of the people mentioned, first mention first, each once."""
    return tuple(dict.fromkeys(m.group(1) for m in MENTION.finditer(text)))


def bare(text: str) -> Bare:
    def ids(pattern: re.Pattern[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.group(1) for m in pattern.finditer(text) if not m.group(2)))

    return Bare(ids(MENTION), ids(CHANNEL), ids(GROUP))


def named(
    text: str,
    people: Mapping[str, str],
    channels: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
) -> str:
    """Bare mentions whose names an adapter found, in the neutral named form; the rest stay
    bare for `readable` to word. Names lose angle brackets and bars, which end the markup."""

    def fill(pattern: re.Pattern[str], sigil: str, names: Mapping[str, str]) -> str:
        def one(m: re.Match[str]) -> str:
            name = _tidy(names.get(m.group(1)))
            return f"<{sigil}{m.group(1)}|{name}>" if name and not m.group(2) else m[0]

        return pattern.sub(one, text)

    text = fill(MENTION, "@", people)
    text = fill(CHANNEL, "#", channels or {})
    return fill(GROUP, "@&", groups or {})


def readable(text: str, t: Translator | None = None) -> str:
    """Named mentions as the words a reader expects: @name, #channel, @group. With `t`,
    unnamed ones read "@someone", "a channel", "a group" in its language; without, they stay
    as typed (a one-line submission is parsed before its author's language is known, and
    `in_words` words them when it is stored)."""

    def words(sigil: str, unnamed: str | None) -> Callable[[re.Match[str]], str]:
        def one(m: re.Match[str]) -> str:
            name = _name(m.group(2))
            return sigil + name if name else (unnamed if unnamed is not None else m[0])

        return one

    text = GROUP.sub(words("@", t(A_GROUP) if t else None), text)
    text = MENTION.sub(words("@", "@" + t(SOMEONE) if t else None), text)
    return CHANNEL.sub(words("#", t(A_CHANNEL) if t else None), text)


def in_words(story: StoryInput, t: Translator) -> StoryInput:
    """A story's free text as it is stored: every mention a word in the author's language.
    Whom a one-line story credits was taken from its text before (bot.parser.submission); a
    form credits whom its picker holds, so markup typed into a form's text credits no one."""
    return _each_text(story, lambda text: readable(text, t))


def with_names(story: StoryInput, people: Mapping[str, str]) -> StoryInput:
    """A story's bare person mentions named with the names the core looked up for its credits
    (the platform's display names), so that they read "@Anna", not "@someone"."""
    return _each_text(story, lambda text: named(text, people)) if people else story


def _each_text(story: StoryInput, change: Callable[[str], str]) -> StoryInput:
    """`change` applied to each free-text field a person types into: text, title, customer."""
    return replace(
        story,
        text=change(story.text),
        title=change(story.title) if story.title else story.title,
        customer=change(story.customer) if story.customer else story.customer,
    )


def _name(label: str | None) -> str:
    # Slack labels a user group "@team"; a name typed as "@bo" must not read "@@bo".
    return (label or "").strip().lstrip("@#")


def _tidy(name: str | None) -> str:
    return " ".join((name or "").replace("<", "").replace(">", "").replace("|", "").split())
