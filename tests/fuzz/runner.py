"""Running an async fuzz target under atheris (libFuzzer), and reading what it reports.

A target module defines `async def setup() -> Target`; `main()` instruments the product
code (bot, adapters), drives each input through one event loop, and lets libFuzzer's
options through (`-max_total_time=30`, `-runs=…`). An exception raised by the target is a
crash: atheris prints it and exits non-zero.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import atheris

Target = Callable[[bytes], Awaitable[None]]

_STATS = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)")
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")


@dataclass(frozen=True)
class Report:
    executions: int
    coverage: int  # libFuzzer "cov": covered edges (instrumented Python branches)
    features: int  # libFuzzer "ft"
    seconds: int


def parse_report(output: str) -> Report | None:
    stats = _STATS.findall(output)
    done = _DONE.search(output)
    if not stats or done is None:
        return None
    _, cov, ft = stats[-1]
    return Report(int(done.group(1)), int(cov), int(ft), int(done.group(2)))


def main(load: Callable[[], Awaitable[Target]]) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    target = loop.run_until_complete(load())

    def one(data: bytes) -> None:
        loop.run_until_complete(target(data))

    argv = list(sys.argv)
    if not any(a.startswith("-max_len=") for a in argv):
        argv.append("-max_len=4096")  # room for long texts; libFuzzer grows towards it
    if not any(a.startswith("-len_control=") for a in argv):
        argv.append("-len_control=10")
    logging.disable(logging.CRITICAL)  # the product logs every refusal; keep output readable
    atheris.Setup(argv, one)
    atheris.Fuzz()


def instrumented() -> Any:
    """Coverage for the product code only (imports inside the `with`)."""
    return atheris.instrument_imports(include=["bot", "adapters"])


class Choices:
    """A FuzzedDataProvider with the few shapes the targets need."""

    def __init__(self, data: bytes) -> None:
        self.fdp = atheris.FuzzedDataProvider(data)

    def pick(self, options: list[Any] | tuple[Any, ...]) -> Any:
        return self.fdp.PickValueInList(list(options))

    def text(self, limit: int = 200) -> str:
        return self.fdp.ConsumeUnicodeNoSurrogates(self.fdp.ConsumeIntInRange(0, limit))

    def raw_text(self, limit: int = 200) -> str:
        """Any code points, lone surrogates included (JSON can carry them)."""
        return self.fdp.ConsumeUnicode(self.fdp.ConsumeIntInRange(0, limit))

    def flag(self) -> bool:
        return self.fdp.ConsumeBool()

    def number(self, low: int, high: int) -> int:
        return self.fdp.ConsumeIntInRange(low, high)

    def rest(self) -> bytes:
        return self.fdp.ConsumeBytes(self.fdp.remaining_bytes())
