"""The insights page's figures and their SVG charts (pygal; the page also shows tables)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pygal
from pygal.style import Style

from bot import tags
from bot.domain import Community, IsoWeek, Story
from bot.i18n import Translator
from bot.wall import WallReader
from bot.weekly import local_now

WEEKS = 12
TOP_TAGS = 6
BEST = 5
_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#666",
    colors=("#2f6f5e", "#b85c38", "#4a5fa8", "#9a7d0a", "#7a3e8e", "#3b7ea1"),
)


@dataclass(frozen=True, slots=True)
class Insights:
    community: Community
    weeks: list[str]  # oldest first, "2026-W49"
    tag_rows: list[tuple[str, list[int]]]  # slug, stories per week; most used first
    best: list[Story]  # this month's most appreciated, most first


async def insights(reader: WallReader, token: str) -> Insights | None:
    now = reader.now()
    since = now - dt.timedelta(weeks=WEEKS)
    found = await reader.insights(token, since, BEST)
    if found is None:
        return None
    community, tagged, best = found
    local = local_now(community.settings, now)
    this_week = IsoWeek.of(local.date())
    weeks = [this_week]
    for _ in range(WEEKS - 1):
        weeks.insert(0, weeks[0].previous())
    index = {str(w): i for i, w in enumerate(weeks)}
    per_tag: dict[str, list[int]] = {}
    for created_at, slug in tagged:
        week = str(IsoWeek.of(local_now(community.settings, created_at).date()))
        if week in index:
            per_tag.setdefault(slug, [0] * WEEKS)[index[week]] += 1
    rows = sorted(per_tag.items(), key=lambda item: (-sum(item[1]), item[0]))
    return Insights(community, [str(w) for w in weeks], rows, best)


def svg(name: str, data: Insights, t: Translator) -> bytes:
    config = {
        "style": _STYLE,
        "js": [],  # no script from elsewhere; the chart is shown as an image
        "width": 800,
        "height": 360,
        "legend_at_bottom": True,
        "print_values": False,
    }
    if name == "tags":
        chart = pygal.StackedBar(**config, x_label_rotation=30)
        chart.title = t("Tags per week, last 12 weeks")
        chart.x_labels = [w.split("-")[1] for w in data.weeks]
        for slug, counts in data.tag_rows[:TOP_TAGS]:
            chart.add(tags.display_name(slug, t.language), counts)
    else:
        chart = pygal.HorizontalBar(**config)
        chart.title = t("Most appreciated this month")
        for story in data.best:
            chart.add(story.title[:40], [story.appreciations])
    return _without_scripts(chart.render_tree())


def _without_scripts(root: ET.Element) -> bytes:
    """pygal always adds an inline config script (for its interactive mode); shown as an image
    the chart needs none, and the page's CSP would refuse it anyway."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
