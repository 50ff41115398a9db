"""`storybot discord invite`: the link that adds the bot to a server.

Scopes: bot (to post the story of the week) and applications.commands (/story and the
message menu). Permissions: exactly what the bot uses outside interaction replies, which
need none: see, post and embed in the highlight channel, which may be a thread or forum post
(Send Messages in Threads).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import aiohttp
import discord

from adapters.discord.runtime import api_base
from bot.config import Settings

SCOPES = ("bot", "applications.commands")
DEFAULT_API = "https://discord.com/api/v10"


def permissions() -> discord.Permissions:
    return discord.Permissions(
        view_channel=True, send_messages=True, send_messages_in_threads=True, embed_links=True
    )


def invite_url(application_id: int, guild_id: int | None = None) -> str:
    guild = discord.Object(id=guild_id) if guild_id else discord.utils.MISSING
    return discord.utils.oauth_url(
        application_id,
        permissions=permissions(),
        guild=guild,
        scopes=SCOPES,
        disable_guild_select=guild_id is not None,
    )


async def fetch_application_id(token: str, api_url: str | None) -> int:
    """The application behind a bot token, as Discord reports it."""
    url = f"{api_base(api_url) if api_url else DEFAULT_API}/oauth2/applications/@me"
    headers = {"Authorization": f"Bot {token}"}
    timeout = aiohttp.ClientTimeout(total=15)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers=headers) as response,
    ):
        if response.status == 401:
            raise LookupError("Discord refused DISCORD_TOKEN.")
        response.raise_for_status()
        return int((await response.json())["id"])


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """For a synchronous caller; inside an event loop await `run` instead."""
    return asyncio.run(run(argv, settings))


async def run(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="storybot discord invite",
        description="Print the link that adds Storybot to a Discord server.",
    )
    parser.add_argument(
        "--client-id",
        type=int,
        help="the Application ID from the developer portal (default: asked from Discord "
        "with DISCORD_TOKEN)",
    )
    parser.add_argument(
        "--guild-id", type=int, help="preselect this server (default: DISCORD_GUILD_ID, if set)"
    )
    args = parser.parse_args(argv)
    settings = settings or Settings.load()
    application_id = args.client_id
    if application_id is None:
        if settings.discord.token is None:
            print("Set DISCORD_TOKEN, or pass --client-id.", file=sys.stderr)
            return 2
        try:
            application_id = await fetch_application_id(
                settings.discord.token.get_secret_value(), settings.discord.api_url
            )
        except (LookupError, aiohttp.ClientError, OSError, KeyError, ValueError) as exc:
            print(f"Could not ask Discord for the application: {exc}", file=sys.stderr)
            print("Pass --client-id with the Application ID instead.", file=sys.stderr)
            return 1
    print(invite_url(application_id, args.guild_id or settings.discord.guild_id))
    return 0
