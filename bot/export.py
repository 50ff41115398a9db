"""Export stories as JSON, CSV or Markdown: for backups, reports and moving elsewhere."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from typing import IO, Any

from bot.domain import Language, Story
from bot.i18n import Translator
from bot.platforms import community_label, space_labels
from bot.ports import UnitOfWork

# What a chat export may weigh: Discord takes attachments of up to 10 MiB from a bot, Slack
# far more. Past it the moderator is told to ask an administrator for `storybot export`.
EXPORT_MAX_BYTES = 8 * 1024 * 1024


class ExportTooLarge(Exception):
    """The export grew past its byte limit; nothing is sent."""


FORMATS = ("json", "csv", "md")
COLUMNS = (
    "community",
    "number",
    "title",
    "text",
    "customer",
    "tags",
    "author",
    "anonymous",
    "consent",
    "on_wall",
    "status",
    "created_at",
    "appreciations",
    "featured_weeks",
    "source_url",
)


async def records(uow: UnitOfWork, community_id: int | None) -> list[dict[str, Any]]:
    """Every story of one community (or all), oldest first, with the weeks it was featured."""
    stories = await uow.stories.export(community_id)
    weeks = await uow.features.weeks_by_story(community_id)
    return [record(story, weeks.get((story.community_id, story.number), [])) for story in stories]


async def community_names(uow: UnitOfWork, community_ids: Iterable[int]) -> dict[int, str]:
    """How the Markdown export names each community: by its spaces ("Acme (Slack)"), as the
    weekly report does. One read per community: an administrator's export, not a hot path."""
    names: dict[int, str] = {}
    for community_id in sorted(community_ids):
        community = await uow.communities.get(community_id)
        labels = space_labels(community, Translator(Language.EN)) if community else ()
        names[community_id] = community_label(community_id, labels)
    return names


def record(story: Story, featured_weeks: list[str]) -> dict[str, Any]:
    """The export keeps the author of anonymous stories: exports are for moderators only."""
    return {
        "community": story.community_id,
        "number": story.number,
        "title": story.title,
        "text": story.text,
        "customer": story.customer,
        "tags": list(story.tags),
        "author": {
            "platform": str(story.author.platform),
            "user_id": story.author.user_id,
            "name": story.author.display_name,
        },
        "anonymous": story.anonymous,
        "consent": story.consent,
        "on_wall": story.on_wall,  # the author's choice of the public web wall
        "status": str(story.status),
        "created_at": story.created_at.isoformat(),
        "appreciations": story.appreciations,
        "featured_weeks": featured_weeks,
        "source_url": story.source_url,
    }


def write_json(rows: Iterable[dict[str, Any]], out: IO[bytes], limit: int) -> int:
    """The same JSON as render(rows, "json"), written one record at a time; stops with
    ExportTooLarge as soon as it would pass `limit` bytes. Returns the bytes written."""
    written = 0

    def put(text: str) -> None:
        nonlocal written
        data = text.encode()
        written += len(data)
        if written > limit:
            raise ExportTooLarge(limit)
        out.write(data)

    put("[")
    for i, row in enumerate(rows):
        item = json.dumps(row, ensure_ascii=False, indent=2)  # no raw "\n" inside strings
        put(("," if i else "") + "\n" + "\n".join("  " + line for line in item.split("\n")))
    put("\n]\n" if written > 1 else "]\n")
    return written


async def json_export(
    stories: list[Story], weeks: Mapping[tuple[int, int], list[str]], limit: int
) -> bytes:
    """Records built and serialised in a worker thread, into a temporary file, so a large
    community neither blocks the event loop nor holds its JSON twice in memory."""

    def work() -> bytes:
        rows = (record(s, weeks.get((s.community_id, s.number), [])) for s in stories)
        with tempfile.TemporaryFile() as spool:
            write_json(rows, spool, limit)
            spool.seek(0)
            return spool.read()

    return await asyncio.to_thread(work)


def render(
    rows: list[dict[str, Any]], fmt: str, communities: Mapping[int, str] | None = None
) -> str:
    """`communities` names communities for readers of the Markdown export (see
    community_names); JSON and CSV keep the numeric id, a data format's key."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(rows)
    if fmt == "md":
        return _markdown(rows, communities or {})
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _flat(row: dict[str, Any]) -> dict[str, str]:
    flat = dict(row)
    flat["tags"] = " ".join(row["tags"])
    flat["author"] = row["author"]["name"]
    flat["featured_weeks"] = " ".join(row["featured_weeks"])
    return {k: "" if flat[k] is None else str(flat[k]) for k in COLUMNS}


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _inert(v) for k, v in _flat(row).items()} for row in rows)
    return out.getvalue()


def _inert(cell: str) -> str:
    """Spreadsheets run cells that start with these as formulas; a quote keeps them text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


# CommonMark: these mean something anywhere in a line; the others only at its start.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^([ \t]*)([#>+=-])", re.MULTILINE)
_MD_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])", re.MULTILINE)


def _md(text: str) -> str:
    """User text shown as typed: no heading, list, emphasis, link or HTML of its own."""
    escaped = _MD_INLINE.sub(r"\\\1", text)
    escaped = _MD_LINE_START.sub(r"\1\\\2", escaped)
    return _MD_ORDERED.sub(r"\1\\\2", escaped)


def _markdown(rows: list[dict[str, Any]], communities: Mapping[int, str]) -> str:
    parts = ["# Good-service stories\n"]
    for row in rows:
        flat = _flat(row)
        # A title is one line: a line break in it would end the heading.
        parts.append(f"## #{row['number']} {_md(' '.join(flat['title'].split()))}\n")
        parts.append(_md(flat["text"]) + "\n")
        community = _md(communities.get(row["community"]) or community_label(row["community"], ()))
        details = [community, row["created_at"][:10]]
        if row["tags"]:
            details.append("tags: " + ", ".join(row["tags"]))
        details.append(f"appreciations: {row['appreciations']}")
        if row["featured_weeks"]:
            details.append("featured: " + ", ".join(row["featured_weeks"]))
        parts.append("*" + " · ".join(details) + "*\n")
    return "\n".join(parts)
