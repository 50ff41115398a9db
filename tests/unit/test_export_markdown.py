"""The Markdown export shows what people typed as typed: their text makes no Markdown."""

from __future__ import annotations

import html

from markdown_it import MarkdownIt

from bot import export
from tests.storage.builders import make_story

TITLE = "*Best* _ever_ [call](https://example.com) `now`"
TEXT = (
    "# Not a heading\n"
    "- not a list\n"
    "1. not numbered\n"
    "> not a quote\n"
    "<b>not bold</b> & co | ~~kept~~ \\ back\\slash"
)
SPACE = "Acme *Support* <team>"


def test_user_text_renders_as_typed_and_makes_no_markdown() -> None:
    story = make_story(1, 7)
    story.title, story.text = TITLE, TEXT
    markdown = export.render([export.record(story, [])], "md", {1: SPACE})
    rendered = MarkdownIt("commonmark").render(markdown)

    # Only the export's own structure: its heading, the story's heading, the details line.
    for made_by_text in ("<ul>", "<ol>", "<blockquote>", "<a ", "<code>", "<b>", "<h1>Not"):
        assert made_by_text not in rendered, made_by_text
    assert rendered.count("<em>") == 1  # the details line, not the title's *Best* or _ever_
    plain = html.unescape(rendered)
    assert f"<h2>#7 {TITLE}</h2>" in plain
    for line in TEXT.splitlines():
        assert line in plain, line
    assert SPACE in plain
