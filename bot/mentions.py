"""Mentions in what people type, in the neutral form adapters hand the core.

Adapters turn their platform's markup into `<@id|name>` for a person and `<#id|name>` for a
channel (Slack sends exactly that, and its adapter names the bare ones). The core credits the
ids and keeps the words: a stored story reads "thanks @anna in #support". A mention without a
name (Discord's `<@123>`) stays as it is: Discord shows it as the member's name, unpinged.
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
    """Named mentions as the words a reader expects: @name, #channel."""
    text = MENTION.sub(lambda m: "@" + _name(m.group(2)) if _name(m.group(2)) else m[0], text)
    return CHANNEL.sub(lambda m: "#" + _name(m.group(2)) if _name(m.group(2)) else m[0], text)


def _name(label: str | None) -> str:
    # Slack labels a user group "@team"; a name typed as "@bo" must not read "@@bo".
    return (label or "").strip().lstrip("@#")
