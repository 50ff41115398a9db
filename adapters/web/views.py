"""Request handlers of the wall, story, embed and insights pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

from adapters.web import charts, feeds, http
from adapters.web.i18n import THEMES, labels, language, theme
from adapters.web.render import Urls, embed_snippet, render
from bot.config import Settings
from bot.domain import Community, Story
from bot.i18n import Translator
from bot.wall import WallReader, public_story

TAG_MAX = 64
FEED_SIZE = 50
EMBED_SIZE = 6
STATIC = {
    "wall.css": "text/css",
    "embed.js": "text/javascript",
    "frame.js": "text/javascript",
    "icon.svg": "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Where the pages are reached from outside (WEB_BASE_URL), without a trailing slash."""

    base_url: str

    @classmethod
    def of(cls, settings: Settings | WebSettings) -> WebSettings:
        if isinstance(settings, WebSettings):
            return settings
        base = settings.http.web_base_url
        if not base:
            host = settings.http.host
            host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            base = f"http://{host}:{settings.http.port}"
        return cls(str(base).rstrip("/"))


class Site:
    def __init__(self, reader: WallReader, settings: WebSettings) -> None:
        self.reader = reader
        self.base = settings.base_url

    # -- helpers ---------------------------------------------------------------------------

    def _urls(self, request: web.Request) -> Urls:
        keep = tuple((k, request.query[k]) for k in ("lang", "theme") if k in request.query)
        return Urls(self.base, request.match_info["token"], keep)

    def _page_values(self, request: web.Request, community: Community) -> dict[str, object]:
        lang = language(request, community.settings.language)
        t = Translator(lang)
        return {
            "lang": lang.value,
            "theme": theme(request),
            "text": labels(t),
            "urls": self._urls(request),
            "t": t,
            "timezone": community.settings.timezone,
        }

    def not_found(self, request: web.Request) -> web.Response:
        t = Translator(language(request))  # never the community's: that would tell it exists
        return http.not_found(
            render("not_found.html", lang=t.language.value, text=labels(t), urls=None, theme=None)
        )

    async def missing(self, request: web.Request) -> web.StreamResponse:
        return self.not_found(request)

    @staticmethod
    def _tag(request: web.Request) -> str | None:
        tag = request.query.get("tag") or request.match_info.get("tag")
        return tag[:TAG_MAX] if tag else None

    @staticmethod
    def _before(request: web.Request) -> int | None:
        raw = request.query.get("before", "")
        return int(raw) if raw.isdigit() and 0 < len(raw) < 10 else None

    @staticmethod
    def _last_modified(stories: list[Story]) -> dt.datetime | None:
        return max((s.updated_at for s in stories), default=None)

    # -- pages -----------------------------------------------------------------------------

    async def wall(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        tag, before = self._tag(request), self._before(request)
        page = await self.reader.page(token, tag, before)
        if page is None:
            return self.not_found(request)
        tags = await self.reader.tags(token) or []
        values = self._page_values(request, page.community)
        t: Translator = values["t"]  # type: ignore[assignment]
        featured = public_story(page.featured, t, featured=True) if page.featured else None
        body = render(
            "wall.html",
            **values,
            featured=featured,
            stories=[public_story(s, t) for s in page.stories],
            tags=[(slug, _tag_name(slug, t), n) for slug, n in tags],
            current_tag=tag,
            older=page.older,
            paged=before is not None,
        )
        shown = page.stories + ([page.featured] if page.featured else [])
        return http.cached(request, body, "text/html", self._last_modified(shown))

    async def story(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        found = await self.reader.story(token, int(request.match_info["number"][:9]))
        if found is None:
            return self.not_found(request)
        community, story, featured = found
        values = self._page_values(request, community)
        t: Translator = values["t"]  # type: ignore[assignment]
        body = render("story.html", **values, story=public_story(story, t, featured=featured))
        return http.cached(request, body, "text/html", story.updated_at)

    async def embed(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        tag = self._tag(request)
        page = await self.reader.page(token, tag, None, EMBED_SIZE)
        if page is None:
            return self.not_found(request)
        values = self._page_values(request, page.community)
        t: Translator = values["t"]  # type: ignore[assignment]
        stories = ([page.featured] if page.featured else []) + page.stories
        body = render(
            "embed.html",
            **values,
            stories=[public_story(s, t, featured=s is page.featured) for s in stories],
            current_tag=tag,
        )
        return http.cached(
            request, body, "text/html", self._last_modified(stories), csp=http.EMBED_CSP
        )

    async def embed_code(self, request: web.Request) -> web.StreamResponse:
        """The snippet to paste, for the chosen tag and theme (a plain GET form, no script)."""
        token = request.match_info["token"]
        tags = await self.reader.tags(token)
        community = await self.reader.community(token) if tags is not None else None
        if tags is None or community is None:
            return self.not_found(request)
        values = self._page_values(request, community)
        t: Translator = values["t"]  # type: ignore[assignment]
        urls: Urls = values["urls"]  # type: ignore[assignment]
        tag = self._tag(request)
        chosen = request.query.get("embed_theme")
        chosen = chosen if chosen in THEMES else None
        body = render(
            "embed_code.html",
            **values,
            tags=[(slug, _tag_name(slug, t)) for slug, _ in tags],
            current_tag=tag,
            embed_theme=chosen,
            snippet=embed_snippet(urls, t, tag, chosen),
        )
        return http.cached(request, body, "text/html", None)

    async def feed(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        tag = self._tag(request)
        page = await self.reader.page(token, tag, None, FEED_SIZE)
        if page is None:
            return self.not_found(request)
        lang = language(request, page.community.settings.language)
        t = Translator(lang)
        stories = page.stories
        if page.featured and (tag is None or tag in page.featured.tags):
            stories = sorted([*stories, page.featured], key=lambda s: -s.number)[:FEED_SIZE]
        kind = request.match_info["kind"]
        body, content_type = feeds.render(
            kind,
            community_id=page.community.id,
            urls=self._urls(request),
            tag=tag,
            stories=[(s, public_story(s, t)) for s in stories],
            t=t,
        )
        return http.cached(request, body, content_type, self._last_modified(stories), cors=True)

    async def insights(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        data = await charts.insights(self.reader, token)
        if data is None:
            return self.not_found(request)
        values = self._page_values(request, data.community)
        t: Translator = values["t"]  # type: ignore[assignment]
        body = render(
            "insights.html",
            **values,
            weeks=data.weeks,
            tag_rows=[(slug, _tag_name(slug, t), counts) for slug, counts in data.tag_rows],
            best=[public_story(s, t) for s in data.best],
        )
        return http.cached(request, body, "text/html", None)

    async def chart(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        data = await charts.insights(self.reader, token)
        if data is None:
            return self.not_found(request)
        t = Translator(language(request, data.community.settings.language))
        svg = charts.svg(request.match_info["chart"], data, t)
        return http.cached(request, svg, "image/svg+xml", None, csp=http.SVG_CSP)

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC:
            return self.not_found(request)
        body = resources.files("adapters.web").joinpath("static", name).read_bytes()
        return http.cached(request, body, STATIC[name], None, vary="Accept-Encoding")


def _tag_name(slug: str, t: Translator) -> str:
    from bot import tags

    return tags.display_name(slug, t.language)


def web_routes(source: object, settings: object) -> list[web.RouteDef]:
    """The web pages as routes for any aiohttp app: GET (and the HEAD aiohttp adds) only.

    `source` is a bot.wall.WallReader, or anything with the core's `uow` (and `clock`).
    """
    if isinstance(source, WallReader):
        reader = source
    else:
        reader = WallReader(source.uow, getattr(source, "clock", None))  # type: ignore[attr-defined]
    site = Site(reader, WebSettings.of(settings))
    token = "/wall/{token:[A-Za-z0-9_-]{1,64}}"
    return [
        web.get(token, site.wall),
        web.get(token + r"/stories/{number:\d{1,9}}", site.story),
        web.get(token + "/feed.{kind:rss|atom|json}", site.feed),
        web.get(token + "/tags/{tag:[^/]{1,64}}/feed.{kind:rss|atom|json}", site.feed),
        web.get(token + "/embed", site.embed),
        web.get(token + "/embed-code", site.embed_code),
        web.get(token + "/insights", site.insights),
        web.get(token + "/insights/{chart:tags|appreciated}.svg", site.chart),
        web.get("/web/static/{name}", site.static),
        # Any other address under /wall/ gets the same 404 page as an unknown wall.
        web.get("/wall/{rest:.*}", site.missing),
    ]
