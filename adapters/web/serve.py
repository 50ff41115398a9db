"""`storybot web`: the web pages alone, with no platform tokens, until interrupted."""

from __future__ import annotations

import asyncio
import socket
from typing import TextIO

from aiohttp import web

from adapters.web.views import WebSettings, web_routes
from bot.commands import Actor, FeatureStory
from bot.config import Settings
from bot.core import Core
from bot.domain import Platform, SpaceRef
from bot.parser import parse
from bot.wall import WallReader, wall_path

# The sample wall lives in a space of its own, so it never publishes a real community's stories.
SAMPLE_SPACE = SpaceRef(Platform.CONSOLE, "web-sample")
_SAMPLE_MODERATOR = Actor(SAMPLE_SPACE, "sample-moderator", "Sample Moderator", is_admin=True)


async def open_sample_wall(core: Core) -> None:
    """Turn the sample community's wall on and make its first story the story of the week."""
    for command in (parse("config wall on", "sample-wall"), FeatureStory(1)):
        reply = await core.handle(command, _SAMPLE_MODERATOR)
        if reply.error:
            raise RuntimeError(reply.plain_text)


async def serve(core: Core, settings: Settings, host: str, port: int, out: TextIO) -> None:
    """Serve until cancelled; print each wall's address once listening."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    web_settings = WebSettings.of(settings)
    if not settings.http.web_base_url:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        web_settings = WebSettings(f"http://{shown}:{bound_port}")
    reader = WallReader(core.uow, core.clock)
    app = web.Application()
    app.add_routes(web_routes(reader, web_settings))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        walls = await reader.walls()
        for community in walls:
            assert community.settings.wall_token is not None
            print(web_settings.base_url + wall_path(community.settings.wall_token), file=out)
        if not walls:
            print(
                "No wall is on yet: a moderator turns one on with /story config wall on"
                " (or try storybot web --sample).",
                file=out,
            )
        out.flush()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
