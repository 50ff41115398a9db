"""Forms → modals and back: generic field kinds, Slack's limits, values and errors."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack import views
from bot import forms
from bot.domain import Language
from bot.i18n import Translator
from bot.replies import FieldKind, Form, FormField, Option, Reply, Text
from tests.adapters.slack.test_render import any_text, long_text
from tests.fakes.slack_blockkit import assert_valid_modal, units
from tests.fakes.slack_payloads import state_for

T = Translator(Language.EN)
META = views.FormMetadata("sb1:submit-form", "C0GENERAL", None, "en")

options = st.lists(
    st.builds(Option, value=st.one_of(st.text(max_size=20), long_text), label=any_text),
    max_size=150,
)
initials = st.one_of(
    st.none(),
    st.booleans(),
    any_text,
    st.lists(st.one_of(st.text(max_size=30), st.just("U0BO")), max_size=12).map(tuple),
)
form_fields = st.builds(
    FormField,
    id=st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True),
    label=any_text,
    kind=st.sampled_from(FieldKind),
    required=st.booleans(),
    min_length=st.integers(0, 5000),
    max_length=st.integers(0, 5000),
    initial=initials,
    placeholder=any_text,
    options=options.map(tuple),
)
any_form = st.builds(
    Form,
    action=st.text(max_size=100),
    title=any_text,
    submit_label=any_text,
    fields=st.lists(form_fields, min_size=1, max_size=60, unique_by=lambda f: f.id).map(tuple),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(any_form, st.one_of(st.none(), st.text(max_size=20), long_text))
def test_any_form_becomes_a_valid_modal(form: Form, url: str | None) -> None:
    metadata = views.FormMetadata(form.action, "C0GENERAL", url, "sv")
    view = views.form_view(form, T, metadata)
    assert_valid_modal(view)
    decoded = views.FormMetadata.decode(view["private_metadata"])
    assert decoded.action == form.action and decoded.channel_id == "C0GENERAL"
    assert decoded.source_url in (url or None, None)


def story_form(language: Language = Language.EN) -> dict:
    return views.form_view(forms.story_form(Translator(language)), Translator(language), META)


def test_the_story_form_is_a_valid_modal_in_both_languages() -> None:
    for language in Language:
        assert_valid_modal(story_form(language))


def test_values_come_back_in_the_shape_the_core_expects() -> None:
    view = story_form()
    answers = {
        "f:text": "A long enough story",
        "f:title": None,  # left empty: Slack sends null
        "f:customer": "Mrs Berg",
        "f:credited": ["U0BO", "U0KIM"],
        "f:tags": ["follow-up", "speed"],  # in the order of the options
        "f:tags:free": "weekend, #above",
        "f:anonymous": False,
        "f:consent": True,
    }
    values = views.form_values(state_for(view, answers))
    assert values == {
        "text": "A long enough story",
        "title": "",
        "customer": "Mrs Berg",
        "credited": ["U0BO", "U0KIM"],
        "tags": ["follow-up", "speed", "weekend, #above"],
        "anonymous": False,
        "consent": True,
        "on_wall": False,
    }
    story = forms.story_input(values)
    assert story.tags == ("follow-up", "speed", "weekend", "#above")
    assert story.title is None and story.consent is True


def test_values_without_free_tags() -> None:
    view = story_form()
    values = views.form_values(state_for(view, {"f:text": "x", "f:tags": ["speed"]}))
    assert values["tags"] == ["speed"]


def test_a_tags_field_without_options_is_a_single_text_input() -> None:
    field = FormField("tags", "Tags", FieldKind.TAGS, initial=("a", "b"))
    view = views.form_view(Form("a", "T", "S", (field,)), T, META)
    [block] = view["blocks"]
    assert block["block_id"] == "f:tags"
    assert block["element"]["initial_value"] == "a, b"
    values = views.form_values(state_for(view, {"f:tags": "a, c"}))
    assert values == {"tags": "a, c"}


def test_initial_text_longer_than_allowed_is_cut_not_escaped() -> None:
    field = FormField("text", "Story", FieldKind.LONG, max_length=10, initial="<@U1> & 😀😀😀😀")
    view = views.form_view(Form("a", "T", "S", (field,)), T, META)
    initial = view["blocks"][0]["element"]["initial_value"]
    assert initial == "<@U1> & 😀"  # raw input text, 9 units: the next emoji would need 2
    assert units(initial) <= 10


def test_errors_are_keyed_by_the_block_of_the_field() -> None:
    blocks = story_form()["blocks"]
    reply = Reply(blocks=(Text("Bad tag"),), error=True, field_errors={"tags": "Bad tag"})
    assert views.error_messages(reply, blocks) == {"f:tags": "Bad tag"}
    reply = Reply(blocks=(Text("Too long"),), error=True, field_errors={"title": "Too long"})
    assert views.error_messages(reply, blocks) == {"f:title": "Too long"}


def test_a_refusal_without_a_field_is_shown_on_the_first_input() -> None:
    blocks = story_form()["blocks"]
    reply = Reply(blocks=(Text("The story base can't be reached right now"),), error=True)
    assert views.error_messages(reply, blocks) == {
        "f:text": "The story base can't be reached right now"
    }
    reply = Reply(blocks=(Text("No such"),), error=True, field_errors={"number": "No such"})
    assert views.error_messages(reply, blocks) == {"f:text": "No such"}


def test_metadata_survives_garbage() -> None:
    assert views.FormMetadata.decode("not json") == views.FormMetadata("")
    assert views.FormMetadata.decode(json.dumps([1, 2])) == views.FormMetadata("")
    assert views.FormMetadata.decode(None).action == ""
