"""Storage for Storybot: SQLAlchemy 2.x async repositories over SQLite or PostgreSQL.

The composition root needs three things: `create_engine(url)`, `await upgrade(url)` and
`uow_factory(engine)`. Importing this package connects to nothing.
"""

from storage.engine import create_engine, normalise_url
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork, uow_factory

__all__ = ["SqlUnitOfWork", "create_engine", "normalise_url", "uow_factory", "upgrade"]
