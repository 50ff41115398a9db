"""Button and form action ids: short, opaque to users, decoded back into commands.

They carry only story numbers, tag slugs, search words and cursors, never a community:
the community always comes from where the click happened, and every decoded command is
checked again by its handler.
"""

from __future__ import annotations

from bot import commands as c
from bot.errors import ValidationError
from bot.i18n_marker import N_
from bot.validation import is_story_number

PREFIX = "sb1"
# Short by design: an id names a command and a position, never content, so it stays small
# whatever platform carries it. Counted in UTF-8 bytes, which is never less than a count in
# characters or UTF-16 units, so any platform's limit of at least this many is met. Each
# adapter checks its own platform's limit against this (tests/adapters/test_action_ids.py).
MAX_LENGTH = 100

_NUMBERED = {
    "show": c.Show,
    "appreciate": c.Appreciate,
    "share": c.Share,
    "feature": c.FeatureStory,
    "hide": c.Hide,
    "unhide": c.Unhide,
    "edit": c.OpenEditForm,
}


def encode(verb: str, *args: str | int) -> str:
    action = ":".join([PREFIX, verb, *(str(a) for a in args)])
    if size(action) > MAX_LENGTH:
        raise ValueError(f"action id too long: {size(action)}")
    return action


def size(action: str) -> int:
    return len(action.encode("utf-8", "surrogatepass"))


def search(words: str, cursor: str) -> str:
    """Search words are the one free-text part; trim them to fit the id limit."""
    room = MAX_LENGTH - size(encode("search", "", cursor))
    kept = words.replace(":", " ").encode("utf-8", "surrogatepass")[:room]
    # A cut through a character drops that character rather than mangling it.
    return encode("search", kept.decode("utf-8", "ignore").strip(), cursor)


def decode(action: str) -> c.Command:
    parts = action.split(":")
    if len(parts) < 2 or parts[0] != PREFIX:
        raise _invalid()
    verb, args = parts[1], parts[2:]
    if verb in _NUMBERED and len(args) == 1:
        return _NUMBERED[verb](_number(args[0]))
    if verb == "browse" and len(args) == 2:
        return c.Browse(tag=args[0] or None, cursor=args[1] or None)
    if verb == "search" and len(args) == 2:
        return c.Search(words=args[0], cursor=args[1] or None)
    if verb == "submit" and not args:
        return c.OpenSubmitForm()
    raise _invalid()


def opens_form(action: str) -> bool:
    """Whether this button answers with a form; pure, so an adapter may ask first."""
    try:
        return c.opens_form(decode(action))
    except ValidationError:
        return False


def form_action(number: int | None = None) -> str:
    return encode("edit-form", number) if number is not None else encode("submit-form")


def decode_form(action: str) -> int | None:
    """The story number an edit form is for, or None for the submit form."""
    parts = action.split(":")
    if parts[:2] == [PREFIX, "submit-form"] and len(parts) == 2:
        return None
    if parts[:2] == [PREFIX, "edit-form"] and len(parts) == 3:
        return _number(parts[2])
    raise _invalid()


def _number(arg: str) -> int:
    """Ids are forgeable: the same strict rule as a typed story number."""
    if not is_story_number(arg):
        raise _invalid()
    return int(arg)


def _invalid() -> ValidationError:
    return ValidationError(N_("That button is no longer valid. Run the command again."))
