"""The public web wall: server-rendered pages, feeds, an embed and insights (issue 17).

`web_routes(core_or_reader, settings)` gives aiohttp routes for any app; `serve` runs them
alone (`storybot web`).
"""

from adapters.web.views import WebSettings, web_routes

__all__ = ["WebSettings", "web_routes"]
