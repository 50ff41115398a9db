"""What a user typed into a form, kept for a while so a button can bring it back.

Drafts live in the database (bot.ports.DraftRepository), not in this process: a draft
saved by one process is reopened by another (sharded bots, a rolling restart), and survives
a restart. After TTL_SECONDS it is gone and the user is told to start again. Nothing here
is needed to save a story, only to spare retyping it, so what is kept is masked as a stored
story would be (no e-mail address or phone number sits in the table for an hour), and only
the person who typed a draft gets it back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import Conflict, StorageUnavailable
from bot.ports import Clock, UnitOfWorkFactory
from bot.privacy import mask
from bot.replies import FieldKind, Form, FormField, Option

log = logging.getLogger(__name__)

TTL_SECONDS = 60 * 60
BUTTON_PREFIX = "sbd:"  # custom_id of a button that reopens a draft: "sbd:<key>"
BUTTON_ID = re.compile(r"sbd:([\w-]+)")
_KEY_ATTEMPTS = 3  # a random 48-bit key is taken by another draft about never


def button_id(key: str) -> str:
    return BUTTON_PREFIX + key


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int  # only the person who typed it may reopen it
    action: str  # the core form action, e.g. "sb1:submit-form"
    source: str = ""  # "channel/message" of a message being saved as a story
    values: Mapping[str, Any] = field(default_factory=dict)
    # `values` hold a whole submission, so a checkbox missing from them was left unticked.
    complete: bool = False
    form: Form | None = None  # the core's form, when it was already fetched


class DraftStore:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ttl: float = TTL_SECONDS) -> None:
        self._uow = uow
        self._clock = clock
        self._ttl = dt.timedelta(seconds=ttl)

    async def put(self, draft: Draft) -> str | None:
        """Keep a draft, its typed text masked; the key is short enough for a custom_id.
        None when the database cannot take it: callers then offer no way back to it."""
        now = self._clock()
        payload = to_payload(draft)
        for _ in range(_KEY_ATTEMPTS):
            key = secrets.token_urlsafe(6)
            try:
                async with self._uow() as uow:
                    await uow.drafts.purge(now)
                    await uow.drafts.put(key, payload, now + self._ttl)
                    await uow.commit()
                return key
            except Conflict:
                continue
            except StorageUnavailable:
                log.warning("could not keep a draft", exc_info=True)
                return None
        return None

    async def get(self, key: str, user_id: int) -> Draft | None:
        """The user's draft, or None when it expired, never existed, is someone else's, or
        cannot be read now. Expired drafts are deleted on the way."""
        try:
            async with self._uow() as uow:
                now = self._clock()
                payload = await uow.drafts.get(key, now)
                if await uow.drafts.purge(now):
                    await uow.commit()
        except StorageUnavailable:
            log.warning("could not read a draft", exc_info=True)
            return None
        draft = from_payload(payload) if payload is not None else None
        if draft is None or draft.user_id != user_id:
            return None
        return draft

    async def purge_expired(self) -> int:
        """Delete every expired draft (for the scheduler's round); how many went."""
        async with self._uow() as uow:
            purged = await uow.drafts.purge(self._clock())
            await uow.commit()
        return purged


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed text with contact details replaced, as the core stores a story's text."""
    return {k: mask(v).text if isinstance(v, str) else v for k, v in values.items()}


def to_payload(draft: Draft) -> dict[str, Any]:
    """JSON for the database; values are what a form sends (text, bools, lists of ids)."""
    return {
        "user_id": str(draft.user_id),  # a snowflake does not fit every JSON reader's integer
        "action": draft.action,
        "source": draft.source,
        "values": masked(draft.values),
        "complete": draft.complete,
        "form": _form_payload(draft.form) if draft.form is not None else None,
    }


def from_payload(payload: Mapping[str, Any]) -> Draft:
    form = payload.get("form")
    return Draft(
        user_id=int(payload["user_id"]),
        action=str(payload["action"]),
        source=str(payload.get("source") or ""),
        values=dict(payload.get("values") or {}),
        complete=bool(payload.get("complete")),
        form=_form_from(form) if form else None,
    )


def _form_payload(form: Form) -> dict[str, Any]:
    return {
        "action": form.action,
        "title": form.title,
        "submit_label": form.submit_label,
        "fields": [
            {
                "id": f.id,
                "label": f.label,
                "kind": f.kind.value,
                "required": f.required,
                "min_length": f.min_length,
                "max_length": f.max_length,
                "initial": _initial(f.initial),
                "placeholder": f.placeholder,
                "options": [[o.value, o.label] for o in f.options],
            }
            for f in form.fields
        ],
    }


def _initial(value: str | tuple[str, ...] | bool | None) -> Any:
    """JSON for an initial value; text (a message prefilled as a story) is masked too."""
    if isinstance(value, tuple):
        return list(value)
    return mask(value).text if isinstance(value, str) else value


def _form_from(payload: Mapping[str, Any]) -> Form:
    def initial(value: Any) -> str | tuple[str, ...] | bool | None:
        return tuple(value) if isinstance(value, list) else value

    return Form(
        action=payload["action"],
        title=payload["title"],
        submit_label=payload["submit_label"],
        fields=tuple(
            FormField(
                id=f["id"],
                label=f["label"],
                kind=FieldKind(f["kind"]),
                required=f["required"],
                min_length=f["min_length"],
                max_length=f["max_length"],
                initial=initial(f["initial"]),
                placeholder=f["placeholder"],
                options=tuple(Option(value, label) for value, label in f["options"]),
            )
            for f in payload["fields"]
        ),
    )
