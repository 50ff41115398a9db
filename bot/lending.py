"""Lending an open unit of work to code that asks a UnitOfWorkFactory for one."""

from __future__ import annotations

from bot.ports import UnitOfWork, UnitOfWorkFactory


def lend(uow: UnitOfWork) -> UnitOfWorkFactory:
    """A factory that hands out the already open `uow` (the command's own); entering and
    leaving it neither begins nor ends the transaction, its owner does."""

    def lent(*, read_only: bool = False, single_write: bool = False) -> UnitOfWork:
        return _Lent(uow)  # type: ignore[return-value]

    return lent


class _Lent:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __aenter__(self) -> UnitOfWork:
        return self._uow

    async def __aexit__(self, *_: object) -> None:
        return None
