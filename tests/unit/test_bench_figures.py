"""The bench goes on when a figure fails on any sample (issue 15)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from bench import runner
from bench.stats import Figure, SizeRun, platform_bound, table


class _Storage:
    """Just what runner._case touches: a recorder and a raw driver that replays nothing."""

    class recorder:
        @staticmethod
        @contextlib.contextmanager
        def recording() -> Iterator[list[Any]]:
            yield []

    class raw:
        @staticmethod
        async def replay(steps: list[Any], swap: dict[Any, Any]) -> None:
            return None


@pytest.mark.parametrize("failing", [0, 1, 7])
async def test_a_figure_failing_on_any_sample_is_reported_and_the_bench_goes_on(
    failing: int,
) -> None:
    async def operation(i: int) -> None:
        if i == failing:
            raise runner.BenchError("the core answered with an error: Too many stories match")

    figure = await runner._case(_Storage(), "search common word", operation, lambda _: {}, 10)

    assert figure.failed and figure.samples_ms == []
    assert figure.note == (
        f"failed on sample {failing + 1}: BenchError: "
        "the core answered with an error: Too many stories match"
    )
    assert figure.misses() == [figure.note]
    shown = table(SizeRun(stories=10, seed_seconds=1.0, figures=[figure]))
    assert "FAILED" in shown and f"failed: search common word: {figure.note}" in shown


def test_a_throughput_figure_is_judged_by_its_rate_not_a_floor() -> None:
    crowd = Figure("submit, 50 concurrent submitters", [10.0, 12.0], [], "none")
    crowd.target_per_second = 500.0
    crowd.per_second = 420.0
    assert crowd.misses() == ["420/s < 500/s"]
    crowd.per_second = 650.0
    assert crowd.misses() == []


def test_a_platform_figure_is_judged_by_issue_15s_bound() -> None:
    """p99 <= 1.2 x (the empty handler's p99 + the core's p99 for the same command)."""
    core = Figure("show one story", [2.0] * 100, [1.0] * 100, "raw SQL")
    within = Figure("discord /story show", [3.5] * 100, [1.0] * 100, "empty handler")
    over = Figure("discord /story show", [3.7] * 100, [1.0] * 100, "empty handler")
    for figure in (within, over):
        figure.bound_ms = platform_bound(figure, core)

    assert within.target_p99_ms == pytest.approx(3.6)
    assert within.target_ratio is None  # 3.5x its empty handler, and still within the bound
    assert within.misses() == []
    assert over.misses() == ["p99 3.70 ms > 3.6 ms"]
