"""Slack installations on Storybot's own tables, on both databases: tokens never in clear,
keys that rotate, states that expire."""

from __future__ import annotations

import datetime as dt

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.installations import (
    EncryptionKeyError,
    TokenCipher,
    new_key,
    stores,
)

CLIENT = "1234.5678"
BOT_TOKEN = "xoxb-111-222-secretbottoken"
REFRESH = "xoxe-1-refreshsecret"


def installation(team: str, *, bot_token: str = BOT_TOKEN) -> Installation:
    return Installation(
        app_id="A0APP",
        enterprise_id=None,
        team_id=team,
        team_name=f"Team {team}",
        bot_token=bot_token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        bot_refresh_token=REFRESH,
        bot_token_expires_in=43200,
        user_id="U0INSTALLER",
        installed_at=dt.datetime.now(dt.UTC).timestamp(),
    )


async def raw_dump(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        rows = []
        for table in ("slack_installations", "slack_bots"):
            result = await connection.execute(text(f"SELECT * FROM {table}"))
            rows.extend(str(tuple(row)) for row in result)
    return "\n".join(rows)


async def test_tokens_are_encrypted_at_rest_and_read_back(engine: AsyncEngine) -> None:
    cipher = TokenCipher([new_key()])
    installations, _ = stores(engine, CLIENT, cipher)
    await installations.async_save(installation("T0ONE"))

    dumped = await raw_dump(engine)
    assert "T0ONE" in dumped  # the rows are there…
    assert BOT_TOKEN not in dumped and REFRESH not in dumped  # …and no token in clear
    bot = await installations.async_find_bot(enterprise_id=None, team_id="T0ONE")
    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == (BOT_TOKEN, REFRESH)
    found = await installations.async_find_installation(enterprise_id=None, team_id="T0ONE")
    assert found is not None and found.bot_token == BOT_TOKEN


async def test_each_workspace_keeps_its_own_token_and_deleting_one_keeps_the_rest(
    engine: AsyncEngine,
) -> None:
    installations, _ = stores(engine, CLIENT, TokenCipher([new_key()]))
    for team in ("T0ONE", "T0TWO", "T0THREE"):
        await installations.async_save(installation(team, bot_token=f"xoxb-{team}"))
    await installations.async_delete_all(enterprise_id=None, team_id="T0TWO")
    tokens = {}
    for team in ("T0ONE", "T0TWO", "T0THREE"):
        bot = await installations.async_find_bot(enterprise_id=None, team_id=team)
        tokens[team] = bot.bot_token if bot else None
    assert tokens == {"T0ONE": "xoxb-T0ONE", "T0TWO": None, "T0THREE": "xoxb-T0THREE"}


async def test_a_new_key_in_front_still_reads_tokens_sealed_with_the_old_one(
    engine: AsyncEngine,
) -> None:
    old, new = new_key(), new_key()
    before, _ = stores(engine, CLIENT, TokenCipher([old]))
    await before.async_save(installation("T0ONE"))
    after, _ = stores(engine, CLIENT, TokenCipher.from_setting(f"{new},{old}"))
    bot = await after.async_find_bot(enterprise_id=None, team_id="T0ONE")
    assert bot is not None and bot.bot_token == BOT_TOKEN
    without_old, _ = stores(engine, CLIENT, TokenCipher([new]))
    with pytest.raises(EncryptionKeyError) as refused:
        await without_old.async_find_bot(enterprise_id=None, team_id="T0ONE")
    assert BOT_TOKEN not in str(refused.value)


async def test_oauth_states_are_single_use(engine: AsyncEngine) -> None:
    _, states = stores(engine, CLIENT, TokenCipher([new_key()]))
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
    assert await states.async_consume("forged") is False


@pytest.mark.parametrize("setting", [None, "", "not-a-key", " , "])
def test_a_missing_or_bad_key_is_refused_with_a_clear_message(setting: str | None) -> None:
    with pytest.raises(EncryptionKeyError) as refused:
        TokenCipher.from_setting(setting)
    assert "SLACK_TOKEN_ENCRYPTION_KEY" in str(refused.value)


async def test_rekey_rewrites_every_token_with_the_new_key_so_the_old_one_can_go(
    engine: AsyncEngine, db_url: str
) -> None:
    from adapters.slack.keys import rekey

    old, new = new_key(), new_key()
    before, _ = stores(engine, CLIENT, TokenCipher([old]))
    for team in ("T0ONE", "T0TWO"):
        await before.async_save(installation(team, bot_token=f"xoxb-{team}-secret"))
    sealed = await raw_dump(engine)

    # installations: bot token and refresh token; bots: the same two; for two workspaces
    assert await rekey(db_url, f"{new},{old}") == 8
    after = await raw_dump(engine)
    assert after != sealed and "secret" not in after
    only_new, _ = stores(engine, CLIENT, TokenCipher([new]))
    for team in ("T0ONE", "T0TWO"):
        bot = await only_new.async_find_bot(enterprise_id=None, team_id=team)
        assert bot is not None and bot.bot_token == f"xoxb-{team}-secret"
        found = await only_new.async_find_installation(enterprise_id=None, team_id=team)
        assert found is not None and found.bot_refresh_token == REFRESH

    # A key that opens nothing stored changes nothing and says why.
    with pytest.raises(EncryptionKeyError) as refused:
        await rekey(db_url, new_key())
    assert "cannot be decrypted" in str(refused.value)
    assert await raw_dump(engine) == after
