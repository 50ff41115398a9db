"""Mentions in what people type, in the neutral form adapters hand the core.

Adapters turn their platform's markup into `<@id|name>` for a person and `<#id|name>` for a
channel (Slack sends exactly that; Discord's `<@123>` has no name). The core credits the ids,
and keeps the words: a stored story reads "thanks @anna in #support", never markup.
"""

from __future__ import annotations

import re

# Slack sends <@U123> or <@U123|name>; Discord sends <@123> or <@!123>.
MENTION = re.compile(r"<@!?([A-Za-z0-9_-]+)(?:\|([^<>]*))?>")
CHANNEL = re.compile(r"<#([A-Za-z0-9_-]+)(?:\|([^<>]*))?>")


def credited(text: str) -> tuple[str, ...]:
    """The ids of the people mentioned, first mention first, each once."""
    return tuple(dict.fromkeys(m.group(1) for m in MENTION.finditer(text)))


def readable(text: str) -> str:
    """Mentions as the words a reader expects: @name, #channel."""
    text = MENTION.sub(lambda m: "@" + (_name(m.group(2)) or "someone"), text)
    return CHANNEL.sub(lambda m: "#" + (_name(m.group(2)) or "channel"), text)


def _name(label: str | None) -> str:
    # Slack labels a user group "@team"; a name typed as "@bo" must not read "@@bo".
    return (label or "").strip().lstrip("@#")
