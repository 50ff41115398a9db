"""Where a Slack app installed in many workspaces keeps each one's tokens: slack_sdk's
SQLAlchemy installation and state stores on Storybot's own engine and tables (migration
`slack_oauth`), with every token encrypted before it reaches the database.

Encryption is Fernet (AES-128-CBC with an HMAC) from `cryptography`, through MultiFernet so
keys rotate: SLACK_TOKEN_ENCRYPTION_KEY holds one key, or several separated by commas, the
first encrypting and every one decrypting. `storybot slack new-key` prints a fresh key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import desc, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

# The secret fields of slack_sdk's Installation and Bot.
SECRET_FIELDS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)
UNREADABLE = (
    "A stored Slack token cannot be decrypted with SLACK_TOKEN_ENCRYPTION_KEY "
    "(was the key replaced instead of added in front of the old one?)."
)
# A rotating token lives 12 hours; it is refreshed on first use within this many minutes of
# its expiry (Bolt's default, and Slack's advice), by Bolt for requests and by
# adapters.slack.workspaces for announcements.
ROTATION_MINUTES = 120
STATE_SECONDS = 600  # an "Add to Slack" click must come back within ten minutes

Entity = TypeVar("Entity", Installation, Bot)


class EncryptionKeyError(ValueError):
    """SLACK_TOKEN_ENCRYPTION_KEY is missing or not a Fernet key; the message says which."""


class TokenCipher:
    def __init__(self, keys: Iterable[str]) -> None:
        given = [k.strip() for k in keys if k.strip()]
        if not given:
            raise EncryptionKeyError(
                "SLACK_TOKEN_ENCRYPTION_KEY is needed to keep Slack tokens encrypted; "
                "make one with `storybot slack new-key`."
            )
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in given])
        except ValueError:
            raise EncryptionKeyError(
                "SLACK_TOKEN_ENCRYPTION_KEY is not a valid key (32 url-safe base64 bytes); "
                "make one with `storybot slack new-key`."
            ) from None

    @classmethod
    def from_setting(cls, value: str | None) -> TokenCipher:
        return cls((value or "").split(","))

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            # Never say more: the stored value is a secret even when it will not decrypt.
            raise EncryptionKeyError(UNREADABLE) from None

    def rotate(self, stored: str) -> str:
        """The same token encrypted with the first key (for re-encrypting after rotation)."""
        try:
            return self._fernet.rotate(stored.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyError(UNREADABLE) from None


def new_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedInstallationStore(AsyncInstallationStore):
    """slack_sdk's installation store with the secret fields encrypted at rest."""

    def __init__(self, inner: AsyncInstallationStore, cipher: TokenCipher) -> None:
        self.inner = inner
        self.cipher = cipher

    @property
    def logger(self) -> Any:
        return self.inner.logger

    async def async_save(self, installation: Installation) -> None:
        await self.inner.async_save(self._sealed(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        await self.inner.async_save_bot(self._sealed(bot))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self.inner.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._opened(found) if found else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self.inner.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._opened(found) if found else None

    async def async_find_bot_by_team(self, team_id: str) -> Bot | None:
        """The newest bot installed in workspace `team_id`, whatever its Enterprise Grid org
        (a per-workspace install on Grid is stored under the org's id too)."""
        inner = self.inner
        if not isinstance(inner, AsyncSQLAlchemyInstallationStore):
            return await self.async_find_bot(enterprise_id=None, team_id=team_id)
        c = inner.bots.c
        query = (
            inner.bots.select()
            .where(c.client_id == inner.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        async with inner.engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return self._opened(SQLAlchemyInstallationStore.build_bot_entity(row)) if row else None

    async def async_org_bots(self) -> list[Bot]:
        """The newest bot of each org-wide (Enterprise Grid) install."""
        inner = self.inner
        if not isinstance(inner, AsyncSQLAlchemyInstallationStore):
            return []
        c = inner.bots.c
        query = (
            inner.bots.select()
            .where(
                c.client_id == inner.client_id,
                c.is_enterprise_install.is_(True),
                c.bot_token.is_not(None),
            )
            .order_by(desc(c.installed_at))
        )
        async with inner.engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        newest: dict[str, Bot] = {}
        for row in rows:
            newest.setdefault(
                row["enterprise_id"], SQLAlchemyInstallationStore.build_bot_entity(row)
            )
        return [self._opened(bot) for bot in newest.values()]

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.inner.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.inner.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.inner.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def _sealed(self, entity: Entity) -> Entity:
        return _with_secrets(entity, self.cipher.encrypt)

    def _opened(self, entity: Entity) -> Entity:
        return _with_secrets(entity, self.cipher.decrypt)


def _with_secrets(entity: Entity, change: Any) -> Entity:
    """A copy of `entity` with each secret field passed through `change`. slack_sdk's
    models are plain classes (not dataclasses), so the copy is a shallow one."""
    copy = dataclasses.replace(entity) if dataclasses.is_dataclass(entity) else _shallow(entity)
    for name in SECRET_FIELDS:
        value = getattr(copy, name, None)
        if isinstance(value, str) and value:
            setattr(copy, name, change(value))
    return copy


def _shallow(entity: Entity) -> Entity:
    copy = object.__new__(type(entity))
    copy.__dict__.update(entity.__dict__)
    return copy


async def reencrypt(engine: AsyncEngine, cipher: TokenCipher) -> int:
    """Rewrite every stored secret with the first key of `cipher` (after a new key was put in
    front), in one transaction; the count of values rewritten. Afterwards the old keys can
    go. A value no key opens stops it with EncryptionKeyError, changing nothing."""
    inner = AsyncSQLAlchemyInstallationStore(client_id="", engine=engine)
    rewritten = 0
    async with engine.begin() as connection:
        for table in (inner.installations, inner.bots):
            columns = [table.c[name] for name in SECRET_FIELDS if name in table.c]
            for row in (await connection.execute(select(table.c.id, *columns))).mappings():
                changed = {
                    column.name: cipher.rotate(row[column.name])
                    for column in columns
                    if row[column.name]
                }
                if changed:
                    await connection.execute(
                        update(table).where(table.c.id == row["id"]).values(**changed)
                    )
                    rewritten += len(changed)
    return rewritten


def stores(
    engine: AsyncEngine, client_id: str, cipher: TokenCipher
) -> tuple[EncryptedInstallationStore, AsyncSQLAlchemyOAuthStateStore]:
    """The installation and state stores on Storybot's engine (tables made by migrations)."""
    installations = EncryptedInstallationStore(
        AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine), cipher
    )
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)
    return installations, states
