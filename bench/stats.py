"""Percentiles, figures beside their floors, the targets of issues #5, #15 and #17, and the
report."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Targets at 1,000,000 stories (issue #15). A figure's target is found by its name's prefix.
P99_TARGETS_MS = {
    "browse": 5.0,
    "search": 25.0,
    "show": 2.0,
    "tag list": 5.0,
    "weekly tick, nothing due": 5.0,
    "web": 20.0,  # issue 17: wall, tag page, story page and each feed, server time
}
P99_ONLY = ("weekly tick, nothing due",)  # issue #15 sets only its p99
CORE_RATIO = 2.0  # each core operation within 2x of its raw-SQL floor
# Issue 15: what Slack and Discord add is small: p99 <= 1.2 x (the empty handler's p99 + the
# core's p99 for the same command, `show one story`, in the same run); see platform_bound.
PLATFORM_BOUND = 1.2
SUBMIT_RATE = 500.0  # stories per second (issue #5; #15 states it for 50 concurrent submitters)
RSS_MB = 150.0  # resident memory of `storybot run` on the 1,000,000-story database (issue 15)
GROWTH = 2.0  # p99 growth from the smallest to the largest size, for browse, show, tag list
GROWTH_FIGURES = ("browse", "show", "tag list")


def platform_bound(platform: Figure, core: Figure) -> float:
    """Issue 15's bound for a Slack or Discord figure: 1.2 x (its empty handler's p99 + the
    core's p99 for the same command)."""
    return round(PLATFORM_BOUND * (platform.floor_p99 + core.p(99)), 2)


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figure:
    name: str
    samples_ms: list[float]
    floor_ms: list[float]
    floor: str  # what the floor is: "raw SQL", "empty handler" or "none"
    note: str = ""
    per_second: float = math.nan  # operations per second, for a throughput figure
    target_per_second: float | None = None
    bound_ms: float | None = None  # a p99 target computed in the run (platform_bound)

    def p(self, q: float) -> float:
        return percentile(self.samples_ms, q)

    @property
    def floor_p99(self) -> float:
        return percentile(self.floor_ms, 99)

    @property
    def ratio(self) -> float:
        return self.p(99) / self.floor_p99 if self.floor_p99 > 0 else math.nan

    @property
    def target_p99_ms(self) -> float | None:
        if self.bound_ms is not None:
            return self.bound_ms
        return next((v for k, v in P99_TARGETS_MS.items() if self.name.startswith(k)), None)

    @property
    def target_ratio(self) -> float | None:
        if self.floor in ("none", "empty handler") or self.name in P99_ONLY:
            return None  # a platform figure is judged by its bound (platform_bound)
        return CORE_RATIO

    @property
    def failed(self) -> bool:
        return not self.samples_ms

    def misses(self) -> list[str]:
        if self.failed:
            return [self.note or "not measured"]
        found = []
        target = self.target_p99_ms
        if target is not None and self.p(99) > target:
            found.append(f"p99 {self.p(99):.2f} ms > {target:g} ms")
        if self.target_ratio is not None and self.ratio > self.target_ratio:
            found.append(f"ratio {self.ratio:.2f} > {self.target_ratio:g}")
        if self.target_per_second is not None and not self.per_second >= self.target_per_second:
            found.append(f"{self.per_second:.0f}/s < {self.target_per_second:g}/s")
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "figure": self.name,
            "samples": len(self.samples_ms),
            "p50_ms": _round(self.p(50)),
            "p95_ms": _round(self.p(95)),
            "p99_ms": _round(self.p(99)),
            "floor": self.floor,
            "floor_p50_ms": _round(percentile(self.floor_ms, 50)),
            "floor_p99_ms": _round(self.floor_p99),
            "ratio": _round(self.ratio),
            "target_p99_ms": self.target_p99_ms,
            "target_ratio": self.target_ratio,
            "per_second": _round(self.per_second),
            "target_per_second": self.target_per_second,
            "failed": self.failed,
            "misses": self.misses(),
            "note": self.note,
        }


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 3)


@dataclass
class SizeRun:
    stories: int
    seed_seconds: float
    figures: list[Figure] = field(default_factory=list)
    submit_per_second: float = math.nan
    skipped: list[str] = field(default_factory=list)
    rss_mb: float = math.nan  # of `storybot run` on this database
    peak_rss_mb: float = math.nan

    def to_json(self) -> dict[str, Any]:
        return {
            "stories": self.stories,
            "seed_seconds": round(self.seed_seconds, 1),
            "submit_per_second": _round(self.submit_per_second),
            "submit_target_per_second": SUBMIT_RATE,
            "storybot_run_rss_mb": _round(self.rss_mb),
            "storybot_run_peak_rss_mb": _round(self.peak_rss_mb),
            "rss_target_mb": RSS_MB,
            "figures": [f.to_json() for f in self.figures],
            "skipped": self.skipped,
        }


def growth(runs: Sequence[SizeRun]) -> dict[str, float | None]:
    """p99 at the largest size over p99 at the smallest, per figure."""
    if len(runs) < 2:
        return {}
    first = {f.name: f for f in runs[0].figures}
    result: dict[str, float | None] = {}
    for figure in runs[-1].figures:
        before = first.get(figure.name)
        if before is not None and before.p(99) > 0:
            result[figure.name] = _round(figure.p(99) / before.p(99))
    return result


def report_json(meta: dict[str, Any], runs: Sequence[SizeRun]) -> str:
    document = {
        "meta": meta,
        "runs": [r.to_json() for r in runs],
        "growth_p99": growth(runs),
        "growth_target": GROWTH,
        "growth_figures": list(GROWTH_FIGURES),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def table(run: SizeRun) -> str:
    header = ("figure", "n", "p50 ms", "p95 ms", "p99 ms", "floor p99", "ratio", "target")
    rows = [header]
    for f in run.figures:
        parts = [f"≤{f.target_p99_ms:g} ms"] if f.target_p99_ms is not None else []
        if f.target_ratio is not None:
            parts.append(f"≤{f.target_ratio:g}×")
        if f.target_per_second is not None:
            parts.append(f"≥{f.target_per_second:g}/s (got {f.per_second:.0f}/s)")
        target = ", ".join(parts) + ("  FAILED" if f.failed else "")
        rows.append(
            (
                f.name,
                str(len(f.samples_ms)),
                f"{f.p(50):.2f}",
                f"{f.p(95):.2f}",
                f"{f.p(99):.2f}",
                f"{f.floor_p99:.2f}",
                f"{f.ratio:.2f}",
                target + ("" if not f.misses() else "  MISSED"),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.append(f"submit one after another: {run.submit_per_second:.0f} stories/s")
    lines.extend(f"failed: {f.name}: {f.note}" for f in run.figures if f.failed)
    if not math.isnan(run.rss_mb):
        memory = f"storybot run RSS: {run.rss_mb:.0f} MB, peak {run.peak_rss_mb:.0f} MB"
        memory += f" (target <{RSS_MB:g} MB)" + ("  MISSED" if run.peak_rss_mb >= RSS_MB else "")
        lines.append(memory)
    lines.extend(f"skipped: {why}" for why in run.skipped)
    return "\n".join(lines)


def growth_table(runs: Sequence[SizeRun]) -> str:
    if len(runs) < 2:
        return ""
    sizes = [r.stories for r in runs]
    lines = ["figure p99 ms by size: " + " → ".join(f"{n:,}" for n in sizes) + "  (growth)"]
    by_name: dict[str, list[float]] = {}
    for run in runs:
        for f in run.figures:
            by_name.setdefault(f.name, []).append(f.p(99))
    ratios = growth(runs)
    for name, values in by_name.items():
        ratio = ratios.get(name)
        flag = ""
        if ratio is not None and name.startswith(GROWTH_FIGURES) and ratio > GROWTH:
            flag = "  MISSED (≤2×)"
        shown = " → ".join(f"{v:.2f}" for v in values)
        lines.append(f"  {name}: {shown}  ({ratio}×){flag}")
    return "\n".join(lines)
