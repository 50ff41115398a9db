"""The `/story …` grammar, the same on every platform; the console types it literally."""

from __future__ import annotations

from bot import commands as c
from bot import mentions, tags
from bot.errors import ValidationError
from bot.i18n_marker import N_
from bot.validation import parse_number

# Swedish words for the subcommands, so a Swedish team can type in Swedish.
ALIASES = {
    "skicka": "submit",
    "bläddra": "browse",
    "sök": "search",
    "visa": "show",
    "taggar": "tags",
    "uppskatta": "appreciate",
    "dela": "share",
    "redigera": "edit",
    "ändra": "edit",
    "radera": "delete",
    "ta-bort": "delete",
    "lyft": "feature",
    "veckans": "featured",
    "topplista": "shortlist",
    "dölj": "hide",
    "visa-igen": "unhide",
    "inställningar": "config",
    "exportera": "export",
    "hjälp": "help",
    "länka": "link",
    "länkar": "links",
    "avlänka": "unlink",
}

_NUMBERED = {
    "show": c.Show,
    "appreciate": c.Appreciate,
    "share": c.Share,
    "edit": c.OpenEditForm,
    "delete": c.Delete,
    "hide": c.Hide,
    "unhide": c.Unhide,
}
_BARE = {
    "tags": c.ListTags,
    "featured": c.ShowFeatured,
    "shortlist": c.Shortlist,
    "export": c.Export,
    "help": c.Help,
    "links": c.ListLinks,
    "unlink": c.Unlink,
}
SUBCOMMANDS = (
    "submit",
    "browse",
    "search",
    *_NUMBERED,
    "feature",
    *_BARE,
    "config",
    "link",
)


def opens_form(line: str) -> bool:
    """Whether `/story <line>` answers with a form; pure, so an adapter may ask first."""
    try:
        return c.opens_form(parse(line, client_key=""))
    except ValidationError:
        return False


def parse(line: str, client_key: str) -> c.Command:
    """Parse the text after `/story` (a leading "/story" is accepted and dropped)."""
    text = line.strip()
    if text.split(maxsplit=1)[:1] == ["/story"]:
        text = text[len("/story") :].strip()
    if not text:
        return c.OpenSubmitForm()
    head, _, rest = text.partition(" ")
    name = head.casefold()
    name = ALIASES.get(name, name)
    rest = rest.strip()

    if name == "submit":
        return submission(rest, client_key) if rest else c.OpenSubmitForm()
    if name == "browse":
        return c.Browse(tag=rest.split()[0] if rest else None)
    if name == "search":
        if not rest:
            raise ValidationError(N_("Tell me what to search for, like /story search delay."))
        return c.Search(words=rest)
    if name in _NUMBERED:
        return _NUMBERED[name](_number(rest))
    if name == "feature":
        number, _, note = rest.partition(" ")
        return c.FeatureStory(parse_number(number), note.strip() or None)
    if name in _BARE:
        return _BARE[name]()
    if name == "link":
        return c.Link(code=rest.split()[0][:40] if rest else None)
    if name == "config":
        key, *values = rest.split() if rest else [None]
        return c.Configure(key=key.casefold() if key else None, values=tuple(values))
    raise ValidationError(N_("Unknown command: {name}. Try /story help."), name=head[:40])


def _number(rest: str) -> int:
    if not rest:
        raise ValidationError(N_("Give a story number, like 12."), field="number")
    return parse_number(rest.split()[0])


def submission(text: str, client_key: str) -> c.Submit:
    """A one-line story: #tags and mentioned colleagues taken out of the text. Mentions
    become words after the hashtags are taken, so "#support" stays text."""
    body, raw_tags = tags.parse_hashtags(text)
    story = c.StoryInput(
        text=mentions.readable(body), credited=mentions.credited(body), tags=tuple(raw_tags)
    )
    return c.Submit(story=story, client_key=client_key)


def user_ids(values: tuple[str, ...]) -> list[str]:
    """User ids from mentions or bare ids, as typed after `/story config moderators`."""
    found: list[str] = []
    for value in values:
        match = mentions.MENTION.fullmatch(value)
        found.append(match.group(1) if match else value.lstrip("@"))
    return found
