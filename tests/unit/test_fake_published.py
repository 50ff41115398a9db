"""The in-memory PublishedRepository keeps the storage contract: the storage suite's own
tests, run against tests/fakes/memory.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.fakes.memory import FakeDatabase
from tests.storage import test_storage_published as contract

CASES: list[Callable[..., Awaitable[None]]] = [
    getattr(contract, name) for name in dir(contract) if name.startswith("test_")
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
async def test_fake_keeps_the_contract(case: Callable[..., Awaitable[None]]) -> None:
    await case(FakeDatabase().factory())
