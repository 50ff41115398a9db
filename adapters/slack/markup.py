"""Slack's markup in what people type, turned into words before the core sees it.

With `should_escape`, Slack sends a typed "@anna" as `<@U0ANNA|anna>`, a channel as
`<#C0SUP|support>`, a link as `<https://…|label>`, a user group as `<!subteam^S1|@team>`,
`@here` as `<!here>` and a date as `<!date^…|fallback>` (Slack's "Formatting text for app
surfaces"). People and channels stay in the neutral `<@id|name>` / `<#id|name>` form the
core credits and reads (bot/mentions.py); everything else becomes the words it stands for.
Then Slack's escaping of &, < and > is undone, once.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from adapters.slack.client import unescape
from bot import mentions

_MARKUP = re.compile(r"<([^<>]*)>")
_PERSON_OR_CHANNEL = re.compile(r"[@#][A-Z0-9]+(?:\|.*)?", re.S)
_LINK = re.compile(r"(?:https?|mailto):", re.I)
_SLACK_USER = re.compile(r"[UW][A-Z0-9]+")
_BROADCASTS = {"here", "channel", "everyone"}


def to_words(text: str) -> str:
    """Slack's escaped markup as the core expects it (see the module docstring)."""
    out: list[str] = []
    last = 0
    for match in _MARKUP.finditer(text):
        # Markup is found before anything is unescaped: Slack escaped what was typed, so
        # only its own markup has literal angle brackets.
        out.append(unescape(text[last : match.start()]))
        out.append(_token(match.group(1)))
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)


def _token(inner: str) -> str:
    if _PERSON_OR_CHANNEL.fullmatch(inner):
        return f"<{inner}>"
    target, _, label = inner.partition("|")
    if label:  # a link's label, <!subteam^S1|@team>, <!date^…|Feb 18>: Slack's own words
        return unescape(label)
    if _LINK.match(target):
        return unescape(target.removeprefix("mailto:"))
    head = target.removeprefix("!").split("^", 1)[0]
    if head in _BROADCASTS:
        return "@" + head
    return "@team" if head == "subteam" else unescape(target)


async def name_bare_mentions(text: str, name_of: Callable[[str], Awaitable[str | None]]) -> str:
    """Give `<@U…>` (as a saved message carries it) the name Slack knows, so the story reads
    "@anna" and the mention still credits; one not found stays bare, and the core words it
    ("@someone", bot.mentions.readable)."""
    people = [u for u in mentions.bare(text).people if _SLACK_USER.fullmatch(u)]
    names = {user: name for user in people if (name := await name_of(user))}
    return mentions.named(text, names)
