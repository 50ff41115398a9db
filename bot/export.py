"""Export stories as JSON, CSV or Markdown: for backups, reports and moving elsewhere."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.domain import Story
from bot.ports import UnitOfWork

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
        "status": str(story.status),
        "created_at": story.created_at.isoformat(),
        "appreciations": story.appreciations,
        "featured_weeks": featured_weeks,
        "source_url": story.source_url,
    }


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(rows)
    if fmt == "md":
        return _markdown(rows)
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


def _markdown(rows: list[dict[str, Any]]) -> str:
    parts = ["# Good-service stories\n"]
    for row in rows:
        flat = _flat(row)
        parts.append(f"## #{row['number']} {flat['title']}\n")
        parts.append(flat["text"] + "\n")
        details = [f"community {row['community']}", row["created_at"][:10]]
        if row["tags"]:
            details.append("tags: " + ", ".join(row["tags"]))
        details.append(f"appreciations: {row['appreciations']}")
        if row["featured_weeks"]:
            details.append("featured: " + ", ".join(row["featured_weeks"]))
        parts.append("*" + " · ".join(details) + "*\n")
    return "\n".join(parts)
