"""Bounded coverage-guided fuzzing (atheris/libFuzzer) of the Slack request path and the
Discord interaction parser. Not in the default run: `pytest -m fuzz` (each target runs
STORYBOT_FUZZ_SECONDS, default 30, in its own process, as atheris takes the process over).

Fails when the fuzzer finds a crash (see each target's docstring for what counts), and
prints the executions and coverage libFuzzer reported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.runner import parse_report

REPO = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("STORYBOT_FUZZ_SECONDS", "30"))
TARGETS = ["slack_request", "discord_interaction"]


@pytest.mark.fuzz
@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_target_finds_no_crash(target: str, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        f"tests.fuzz.{target}",
        f"-max_total_time={SECONDS}",
        f"-artifact_prefix={tmp_path}/",
        "-print_final_stats=1",
    ]
    done = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=SECONDS + 120,  # a hang guard only
    )
    output = done.stdout + done.stderr
    crashes = sorted(p.name for p in tmp_path.glob("crash-*"))
    assert done.returncode == 0 and not crashes, f"{target} crashed ({crashes}):\n{output[-6000:]}"
    report = parse_report(output)
    assert report is not None, output[-3000:]
    assert report.executions > 0 and report.coverage > 0
    print(
        f"\n{target}: {report.executions} executions in {report.seconds} s, "
        f"coverage {report.coverage} edges, {report.features} features"
    )
