"""Register the commands with Discord, only when their definition changed.

Discord allows 200 command creations a day per server, and a sync makes every client
refetch the commands; restarting the bot should cost neither. The translated payload is
hashed and the hash kept in a small JSON file, one entry per application and scope (global,
or one development server). A missing or unreadable file just means one more sync.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

DEFAULT_STATE_FILE = Path(".storybot-discord-commands.json")


async def command_payload(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None
) -> list[dict[str, Any]]:
    """What tree.sync() sends: every command of the scope, translated."""
    translator = tree.translator
    payload = []
    for command in tree.get_commands(guild=guild):
        if translator is not None:
            payload.append(await command.get_translated_payload(tree, translator))
        else:
            payload.append(command.to_dict(tree))
    return sorted(payload, key=lambda item: (item.get("type", 1), item["name"]))


def digest(payload: list[dict[str, Any]]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def sync_if_changed(
    tree: app_commands.CommandTree[Any],
    application_id: int,
    guild_id: int | None,
    state_file: Path = DEFAULT_STATE_FILE,
) -> bool:
    """Sync globally, or to one server when `guild_id` is set (commands appear there at once;
    global ones can take a while). True when a sync was sent. Never raises: the bot still
    answers commands Discord already knows."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    scope = f"{application_id}:{guild_id or 'global'}"
    wanted = digest(await command_payload(tree, guild))
    state = _load(state_file)
    if state.get(scope) == wanted:
        log.info("commands unchanged, not syncing", extra={"scope": scope})
        return False
    try:
        await tree.sync(guild=guild)
    except discord.Forbidden:
        log.error(
            "Discord refused the command sync. Invite the bot again with the "
            "applications.commands scope (storybot discord invite).",
            extra={"scope": scope},
        )
        return False
    except discord.RateLimited as exc:
        log.error(
            "command sync rate limited; will try again at the next start",
            extra={"scope": scope, "retry_after": exc.retry_after},
        )
        return False
    except discord.HTTPException as exc:
        log.error(
            "command sync failed; will try again at the next start",
            extra={"scope": scope, "status": exc.status, "text": exc.text},
        )
        return False
    except Exception:
        log.exception("command sync failed; will try again at the next start")
        return False
    state[scope] = wanted
    _save(state_file, state)
    log.info("commands synced", extra={"scope": scope})
    return True


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save(path: Path, state: dict[str, str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        log.warning("could not remember the command sync", extra={"path": str(path)}, exc_info=True)
