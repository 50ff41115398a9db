"""The core's forms as Discord modals, drafts, and the command translator (no network)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from discord import Locale
from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str

from adapters.discord import limits
from adapters.discord.drafts import Draft, DraftStore
from adapters.discord.forms import ModalRef, build_modal, carried, submitted_values
from adapters.discord.translator import CommandTranslator
from adapters.text import units
from bot import forms
from bot.domain import Author, Language, Platform, Story
from bot.i18n import Translator
from bot.replies import FieldKind, Form, FormField, Option
from tests.fakes.memory import FakeClock, FakeDatabase

EN = Translator(Language.EN)
SV = Translator(Language.SV)


def components(modal: object) -> list[dict]:
    return modal.to_dict()["components"]  # type: ignore[attr-defined]


def test_the_submit_form_fits_one_modal() -> None:
    modal = build_modal(forms.story_form(SV), ModalRef("sb1:submit-form"), SV)
    data = modal.to_dict()
    assert len(data["components"]) == 5
    assert size_ok(data["title"], limits.MODAL_TITLE)
    kinds = [c["component"]["type"] for c in data["components"]]
    assert kinds == [4, 4, 4, 4, 22]  # four text inputs and the checkbox group
    for label in data["components"]:
        assert size_ok(label["label"], limits.MODAL_LABEL)


def size_ok(text: str, limit: int) -> bool:
    return 0 < units(text) <= limit


def test_a_long_prefill_is_cut_to_what_the_input_accepts() -> None:
    form = forms.story_form(EN, prefill="word " * 2000)
    text = components(build_modal(form, ModalRef(form.action), EN))[0]["component"]
    assert units(text["value"]) <= text["max_length"] == 3000


def test_long_labels_are_cut_and_shown_whole_below() -> None:
    label = "A label far longer than the forty-five characters Discord allows"
    form = Form("sb1:submit-form", "T" * 80, "Send", (FormField("text", label, FieldKind.LONG),))
    data = build_modal(form, ModalRef(form.action), EN).to_dict()
    assert len(data["title"]) == limits.MODAL_TITLE
    [field] = data["components"]
    assert len(field["label"]) <= limits.MODAL_LABEL and field["description"] == label


def test_the_edit_form_carries_credited_colleagues_outside_the_modal() -> None:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    story = Story(
        1, 4, "A long enough story text.", "Title", Author(Platform.DISCORD, "1", "Anna"),
        now, now, credited=["123456789012345678"], tags=["speed"], anonymous=True,
    )  # fmt: skip
    form = forms.story_form(EN, story=story)
    assert carried(form) == {"credited": ("123456789012345678",)}
    inputs = {c["component"]["custom_id"]: c["component"] for c in components(
        build_modal(form, ModalRef(form.action, carry="k"), EN)
    )}  # fmt: skip
    assert inputs["tags"]["value"] == "speed"
    assert [o["value"] for o in inputs["flags"]["options"] if o["default"]] == ["anonymous"]


def test_typed_values_replace_initial_ones_and_unticked_boxes_stay_unticked() -> None:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    story = Story(
        1, 4, "A long enough story text.", "Title", Author(Platform.DISCORD, "1", "Anna"),
        now, now, anonymous=True, consent=True,
    )  # fmt: skip
    form = forms.story_form(EN, story=story)
    modal = build_modal(form, ModalRef(form.action), EN, {"text": "typed", "consent": True}, True)
    found = {c["component"]["custom_id"]: c["component"] for c in components(modal)}
    assert found["text"]["value"] == "typed"
    assert found["title"]["value"] == "Title"  # not typed: the story's own
    assert [o["value"] for o in found["flags"]["options"] if o["default"]] == ["consent"]


def test_submitted_values_are_read_from_labels_and_action_rows() -> None:
    submitted = [
        {"type": 18, "component": {"type": 4, "custom_id": "text", "value": "Hello there"}},
        {"type": 1, "components": [{"type": 4, "custom_id": "title", "value": ""}]},
        {"type": 18, "component": {"type": 22, "custom_id": "flags", "values": ["consent"]}},
    ]
    assert submitted_values(submitted) == {"text": "Hello there", "title": "", "consent": True}


def test_modal_ref_round_trip_and_source_link() -> None:
    ref = ModalRef("sb1:edit-form:12", "111/222", "abcd")
    assert ModalRef.decode(ref.encode()) == ref
    assert ref.source_url(9) == "https://discord.com/channels/9/111/222"
    assert ModalRef.decode("sb1:show:1") is None
    with pytest.raises(ValueError):
        ModalRef("x" * 100).encode()


async def test_drafts_round_trip_through_the_database_and_expire() -> None:
    db, clock = FakeDatabase(), FakeClock()
    store = DraftStore(db.factory(), clock, ttl=10)
    form = Form(
        "sb1:edit-form:3",
        "Edit",
        "Save",
        (
            FormField("text", "Story", FieldKind.LONG, required=True, max_length=3000),
            FormField("credited", "Credit", FieldKind.USERS, initial=("123", "456")),
            FormField("tags", "Tags", FieldKind.TAGS, options=(Option("speed", "Speed"),)),
            FormField("consent", "Consent", FieldKind.CHECKBOX, initial=True),
        ),
    )
    draft = Draft(2**62, "sb1:edit-form:3", "1/2", {"text": "Typed", "consent": True}, True, form)
    first = await store.put(draft)
    assert first is not None and len(first) <= 10
    # Another process, with its own store over the same database, reads the same draft.
    assert await DraftStore(db.factory(), clock).get(first, 2**62) == draft
    clock.advance(seconds=11)
    assert await store.get(first, 2**62) is None
    second = await store.put(Draft(1, "sb1:submit-form"))  # putting purges what expired
    assert db.draft_keys() == [second]


async def test_a_draft_that_cannot_be_kept_is_reported_not_raised() -> None:
    db = FakeDatabase()
    store = DraftStore(db.factory(), FakeClock())
    key = await store.put(Draft(1, "sb1:submit-form"))
    db.unavailable = True
    assert await store.put(Draft(1, "sb1:submit-form")) is None
    assert key is not None and await store.get(key, 1) is None


async def test_the_translator_gives_swedish_descriptions_and_keeps_names() -> None:
    translator = CommandTranslator()
    description = TranslationContext(TranslationContextLocation.command_description, None)
    name = TranslationContext(TranslationContextLocation.command_name, None)
    known = locale_str("read stories, newest first")

    assert (
        await translator.translate(known, Locale.swedish, description)
        == "läs berättelser, nyaste först"
    )
    assert await translator.translate(known, Locale.german, description) is None
    assert await translator.translate(locale_str("browse"), Locale.swedish, name) is None
    untranslated = locale_str("a sentence no catalog has")
    assert await translator.translate(untranslated, Locale.swedish, description) is None


async def test_a_draft_keeps_typed_text_masked() -> None:
    """Drafts sit in the database for an hour: no contact detail is kept in them."""
    db, clock = FakeDatabase(), FakeClock()
    store = DraftStore(db.factory(), clock)
    typed = {"text": "Call Anna at anna@example.com or 070-123 45 67.", "consent": True}
    form = forms.story_form(EN, prefill="Mail bo@example.com about it.")
    key = await store.put(Draft(1, form.action, values=typed, form=form))
    assert key is not None
    async with db.factory()() as uow:
        stored = await uow.drafts.get(key, clock())
    assert stored is not None
    kept = json.dumps(stored)
    assert "@example.com" not in kept and "070-123" not in kept
    draft = await store.get(key, 1)
    assert draft is not None
    assert draft.values == {"text": "Call Anna at [e-mail] or [phone].", "consent": True}


async def test_expired_drafts_are_purged_on_read_and_by_the_scheduler() -> None:
    db, clock = FakeDatabase(), FakeClock()
    store = DraftStore(db.factory(), clock, ttl=10)
    old = await store.put(Draft(1, "sb1:submit-form"))
    clock.advance(seconds=11)
    assert old is not None and db.draft_keys() == [old]
    assert await store.get("no-such-key", 1) is None
    assert db.draft_keys() == []  # reading deleted what had expired

    await store.put(Draft(1, "sb1:submit-form"))
    clock.advance(seconds=11)
    assert await store.purge_expired() == 1
    assert db.draft_keys() == []


async def test_a_draft_is_given_back_only_to_the_user_who_typed_it() -> None:
    db, clock = FakeDatabase(), FakeClock()
    store = DraftStore(db.factory(), clock)
    key = await store.put(Draft(1, "sb1:submit-form", values={"text": "Mine"}))
    assert key is not None
    assert await store.get(key, 2) is None
    mine = await store.get(key, 1)
    assert mine is not None and mine.values == {"text": "Mine"}
