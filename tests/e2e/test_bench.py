"""`storybot bench` end to end at a tiny size: a fresh SQLite database, every figure beside its
floor, the growth between two sizes, and the JSON. No timing is asserted: only that each
figure was measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIGURES = [
    "submit",
    "browse all, first page",
    "browse all, 50 pages deep",
    "browse rare tag, first page",
    "browse rare tag, 50 pages deep",
    "search common word",
    "search rare word",
    "search Swedish inflected",
    "search two words",
    "search compound part",
    "show one story",
    "tag list",
    "weekly job, all communities",
    "weekly tick, nothing due",
    "submit, 50 concurrent submitters",
    "web wall, first page",
    "web wall, tag page",
    "web story page",
    "web feed RSS",
    "web feed Atom",
    "web feed JSON Feed",
    "slack /story show → HTTP response",
    "slack /story show → reply at response_url",
    "discord /story show → answer at the fake",
]


def test_bench_measures_every_figure_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "bench",
            "--sizes",
            "600,2000",
            "--samples",
            "3",
            "--small-communities",
            "20",
            "--json",
            str(out),
        ],
        cwd=tmp_path,  # not the checkout: the bench finds the platform fakes itself
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text("utf-8"))

    assert [run["stories"] for run in report["runs"]] == [600, 2000]
    for run in report["runs"]:
        assert run["skipped"] == []
        assert [f["figure"] for f in run["figures"]] == FIGURES
        for figure in run["figures"]:
            assert figure["samples"] >= 3
            floored = figure["floor"] != "none"  # a throughput figure has no floor
            for key in ("p50_ms", "p95_ms", "p99_ms") + ("floor_p99_ms", "ratio") * floored:
                assert figure[key] > 0, (figure["figure"], key)
            assert figure["p50_ms"] <= figure["p95_ms"] <= figure["p99_ms"]
        assert run["submit_per_second"] > 0
        [discord] = [f for f in run["figures"] if f["figure"].startswith("discord")]
        assert "REST calls per answer:" in discord["note"]  # issue 15: count them
    assert report["runs"][-1]["storybot_run_rss_mb"] > 0  # measured at the largest size
    assert set(report["growth_p99"]) == set(FIGURES)
    assert report["meta"]["database"] == "sqlite"
    assert report["meta"]["command"].startswith("storybot bench --sizes 600,2000")

    # The table is printed too, per size, with the growth between them.
    assert result.stdout.count("floor p99") == 2
    assert "browse all, 50 pages deep" in result.stdout
    assert "600 → 2,000" in result.stdout
    # The bench cleaned up after itself: no database left in the working directory.
    assert list(tmp_path.iterdir()) == [out]
