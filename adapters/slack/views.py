"""Forms as Slack modals, and submitted modals back into the values the core expects.

A Form is rendered generically from its field kinds. Each field becomes an input block
`f:<field id>` whose element has the action id `v`; a TAGS field gets a second, free-text
input `f:<field id>:free` beside the select of built-in tags. What the core needs to finish
the submission (its action, the channel for the confirmation, the message link, the
reader's language) travels in private_metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.render import (
    APP_NAME,
    MODAL_TITLE_MAX,
    SLACK_USER_ID,
    VIEW_BLOCKS,
    fit,
    plain,
    section,
)
from adapters.text import prefix, units
from bot.i18n import Translator
from bot.replies import FieldKind, Form, FormField, Reply, Text

FORM_CALLBACK_ID = "storybot_form"
FIELD_PREFIX = "f:"
FREE_SUFFIX = ":free"
ELEMENT_ID = "v"
ERROR_BLOCK_ID = "storybot_error"

LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
INPUT_MAX = 3000
OPTIONS_MAX = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
METADATA_MAX = 3000
ERROR_MAX = 2000


@dataclass(frozen=True, slots=True)
class FormMetadata:
    action: str
    channel_id: str | None = None
    source_url: str | None = None
    language: str | None = None

    def encode(self) -> str:
        data = {"a": self.action, "c": self.channel_id, "u": self.source_url, "l": self.language}
        text = json.dumps({k: v for k, v in data.items() if v}, separators=(",", ":"))
        if len(text) > METADATA_MAX and self.source_url:
            # A link too long to carry is dropped rather than the submission.
            return FormMetadata(self.action, self.channel_id, None, self.language).encode()
        return text

    @classmethod
    def decode(cls, text: str | None) -> FormMetadata:
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}

        def get(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        return cls(get("a") or "", get("c"), get("u"), get("l"))


def form_view(form: Form, t: Translator, metadata: FormMetadata) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for form_field in form.fields:
        blocks.extend(_inputs(form_field, t))
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK_ID,
        "title": plain(form.title, MODAL_TITLE_MAX),
        "submit": plain(form.submit_label, MODAL_TITLE_MAX),
        "private_metadata": metadata.encode(),
        "blocks": blocks[:VIEW_BLOCKS],
    }


def _inputs(form_field: FormField, t: Translator) -> list[dict[str, Any]]:
    block_id = FIELD_PREFIX + form_field.id
    match form_field.kind:
        case FieldKind.SHORT | FieldKind.LONG:
            return [_input(block_id, form_field, _text_input(form_field, form_field.initial))]
        case FieldKind.USERS:
            return [_input(block_id, form_field, _users_select(form_field))]
        case FieldKind.CHECKBOX:
            return [_input(block_id, form_field, _checkbox(form_field, t))]
        case FieldKind.TAGS:
            return _tag_inputs(block_id, form_field, t)
    return []


def _input(
    block_id: str, form_field: FormField, element: dict[str, Any], label: str | None = None
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label or form_field.label, LABEL_MAX),
        "optional": not form_field.required,
        "element": element,
    }


def _text_input(form_field: FormField, initial: object) -> dict[str, Any]:
    longest = min(form_field.max_length, INPUT_MAX) if form_field.max_length > 0 else INPUT_MAX
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ELEMENT_ID,
        "multiline": form_field.kind is FieldKind.LONG,
        "max_length": longest,
    }
    if form_field.min_length > 0:
        element["min_length"] = min(form_field.min_length, longest)
    if isinstance(initial, str) and initial.strip():
        element["initial_value"] = prefix(initial, longest)  # raw input text: cut, not escaped
    if form_field.placeholder.strip():
        element["placeholder"] = plain(form_field.placeholder, PLACEHOLDER_MAX)
    return element


def _users_select(form_field: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "multi_users_select", "action_id": ELEMENT_ID}
    if isinstance(form_field.initial, tuple):
        # Slack refuses the whole view over one id that is not a user's.
        users = [u for u in dict.fromkeys(form_field.initial) if SLACK_USER_ID.fullmatch(u)]
        if users:
            element["initial_users"] = users
    if form_field.placeholder.strip():
        element["placeholder"] = plain(form_field.placeholder, PLACEHOLDER_MAX)
    return element


def _checkbox(form_field: FormField, t: Translator) -> dict[str, Any]:
    option = {"text": plain(t("Yes"), OPTION_TEXT_MAX), "value": "yes"}
    element: dict[str, Any] = {"type": "checkboxes", "action_id": ELEMENT_ID, "options": [option]}
    if form_field.initial is True:
        element["initial_options"] = [option]
    return element


def _tag_inputs(block_id: str, form_field: FormField, t: Translator) -> list[dict[str, Any]]:
    """Built-in tags in a multi-select, and a text box for any other tag."""
    options: dict[str, dict[str, Any]] = {}
    for option in form_field.options:
        if option.value and units(option.value) <= OPTION_VALUE_MAX:
            options.setdefault(
                option.value,
                {"text": plain(option.label, OPTION_TEXT_MAX), "value": option.value},
            )
    chosen = form_field.initial if isinstance(form_field.initial, tuple) else ()
    listed = list(options.values())[:OPTIONS_MAX]
    listed_values = {o["value"] for o in listed}
    free_initial = ", ".join(tag for tag in chosen if tag not in listed_values)
    free = _text_input(
        FormField(
            form_field.id, form_field.label, FieldKind.SHORT, placeholder=form_field.placeholder
        ),
        free_initial,
    )
    if not listed:
        return [_input(block_id, form_field, free)]
    select: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": ELEMENT_ID,
        "options": listed,
    }
    initial = [o for o in listed if o["value"] in chosen]
    if initial:
        select["initial_options"] = initial
    # Neither input alone can be required: a tag may come from either. The core decides.
    optional = FormField(form_field.id, form_field.label, form_field.kind)
    return [
        _input(block_id, optional, select),
        _input(block_id + FREE_SUFFIX, optional, free, label=t("Other tags, separated by commas")),
    ]


def form_values(state_values: Mapping[str, Any]) -> dict[str, Any]:
    """{field id: value} from view.state.values: strings, lists of strings, booleans."""
    values: dict[str, Any] = {}
    free: dict[str, str] = {}
    for block_id, elements in state_values.items():
        if not block_id.startswith(FIELD_PREFIX) or not isinstance(elements, dict):
            continue
        element = elements.get(ELEMENT_ID)
        if not isinstance(element, dict):
            continue
        field_id = block_id.removeprefix(FIELD_PREFIX)
        if field_id.endswith(FREE_SUFFIX) and element.get("type") == "plain_text_input":
            free[field_id.removesuffix(FREE_SUFFIX)] = element.get("value") or ""
            continue
        values[field_id] = _element_value(element)
    for field_id, typed in free.items():
        chosen = values.get(field_id)
        listed = chosen if isinstance(chosen, list) else []
        values[field_id] = [*listed, typed] if typed.strip() else listed
    return values


def _element_value(element: Mapping[str, Any]) -> Any:
    match element.get("type"):
        case "plain_text_input":
            return element.get("value") or ""
        case "multi_users_select":
            return [u for u in element.get("selected_users") or [] if isinstance(u, str)]
        case "multi_static_select":
            return [o.get("value") for o in element.get("selected_options") or [] if o.get("value")]
        case "checkboxes":
            return bool(element.get("selected_options"))
    return None


def error_messages(reply: Reply, blocks: list[dict[str, Any]]) -> dict[str, str]:
    """`errors` for response_action "errors": keyed by input block; a refusal that names no
    field of this form is shown on its first input, so the user still sees it in place."""
    inputs = [b.get("block_id") for b in blocks if b.get("type") == "input" and b.get("block_id")]
    errors: dict[str, str] = {}
    for field_id, message in reply.field_errors.items():
        for candidate in (FIELD_PREFIX + field_id, FIELD_PREFIX + field_id + FREE_SUFFIX):
            if candidate in inputs:
                errors[candidate] = prefix(message, ERROR_MAX)
                break
    if not errors and inputs:
        errors[str(inputs[0])] = prefix(first_text(reply) or "…", ERROR_MAX)
    return errors


def first_text(reply: Reply) -> str:
    return next((b.text for b in reply.blocks if isinstance(b, Text) and b.text.strip()), "")


def placeholder_view() -> dict[str, Any]:
    """Opened with the trigger at once, before any lookup: Slack's trigger ids expire after 3
    seconds. Replaced by the form (or the answer) with views.update. No words, since the
    reader's language is not known yet."""
    return {
        "type": "modal",
        "title": plain(APP_NAME, MODAL_TITLE_MAX),
        "blocks": [section("⏳")],
    }


def pending_view(title: dict[str, Any], t: Translator) -> dict[str, Any]:
    """Shown when the core needs longer than Slack waits for the answer to a submission."""
    message = t("Saving your story… I will send you a message when it is done.")
    return {"type": "modal", "title": title, "blocks": [section(fit(message, 3000))]}


def refill(view: Mapping[str, Any], message: str) -> dict[str, Any]:
    """The submitted modal again, with what the user typed and why it was refused, for
    when the refusal came too late to answer the submission itself."""
    state = (view.get("state") or {}).get("values") or {}
    blocks = [section(":warning: " + fit(message, 2900)) | {"block_id": ERROR_BLOCK_ID}]
    for block in view.get("blocks") or []:
        if block.get("block_id") == ERROR_BLOCK_ID:
            continue
        element = (state.get(block.get("block_id")) or {}).get(ELEMENT_ID)
        blocks.append(_with_value(block, element) if isinstance(element, dict) else block)
    refilled = {
        "type": "modal",
        "callback_id": view.get("callback_id") or FORM_CALLBACK_ID,
        "title": view.get("title"),
        "private_metadata": view.get("private_metadata") or "",
        "blocks": blocks[:VIEW_BLOCKS],
    }
    if view.get("submit"):
        refilled["submit"] = view["submit"]
    return refilled


def _with_value(block: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    element = dict(block.get("element") or {})
    for key in ("initial_value", "initial_users", "initial_options"):
        element.pop(key, None)
    match state.get("type"):
        case "plain_text_input" if state.get("value"):
            element["initial_value"] = state["value"]
        case "multi_users_select" if state.get("selected_users"):
            element["initial_users"] = state["selected_users"]
        case "multi_static_select" | "checkboxes" if state.get("selected_options"):
            element["initial_options"] = state["selected_options"]
    return {**block, "element": element}
