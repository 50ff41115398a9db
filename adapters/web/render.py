"""Jinja2 rendering (autoescape on) and the URLs the pages link to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from markupsafe import escape

from bot.cards import excerpt
from bot.domain import Language
from bot.i18n import Translator
from bot.wall import wall_path

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("adapters.web", "templates"),
    autoescape=True,  # every value is text from users; nothing is trusted as markup
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,  # packaged templates do not change while serving: no stat per render
)
_ENV.filters["excerpt"] = excerpt


def render(template: str, **values: object) -> bytes:
    return _ENV.get_template(template).render(**values).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Urls:
    """Absolute URLs of one wall. `keep` carries an explicit ?lang= and ?theme= along."""

    base: str
    token: str
    keep: tuple[tuple[str, str], ...] = ()

    @property
    def wall(self) -> str:
        return self.base + wall_path(self.token)

    def page(self, tag: str | None = None, before: int | None = None) -> str:
        query = [*((("tag", tag),) if tag else ()), *((("before", str(before)),) if before else ())]
        return self._with(self.wall, query + list(self.keep))

    def story(self, number: int, *, canonical: bool = False) -> str:
        url = f"{self.wall}/stories/{number}"
        return url if canonical else self._with(url, list(self.keep))

    def feed(self, kind: str, tag: str | None = None) -> str:
        if tag is None:
            return f"{self.wall}/feed.{kind}"
        return f"{self.wall}/tags/{quote(tag, safe='')}/feed.{kind}"

    def embed(self, tag: str | None = None, theme: str | None = None) -> str:
        query = [*((("tag", tag),) if tag else ()), *((("theme", theme),) if theme else ())]
        return self._with(f"{self.wall}/embed", query)

    def embed_code(self) -> str:
        return self._with(f"{self.wall}/embed-code", list(self.keep))

    def insights(self) -> str:
        return self._with(f"{self.wall}/insights", list(self.keep))

    def chart(self, name: str, language: Language) -> str:
        return f"{self.wall}/insights/{name}.svg?lang={language.value}"

    def static(self, name: str) -> str:
        return f"{self.base}/web/static/{name}"

    @staticmethod
    def _with(url: str, query: list[tuple[str, str]]) -> str:
        return f"{url}?{urlencode(query)}" if query else url


def tag_authority(base: str) -> str:
    """The authority of the feeds' tag: URIs (RFC 4151): the site's host name."""
    return urlsplit(base).hostname or "localhost"


def date_text(moment: dt.datetime, t: Translator, timezone: str) -> str:
    return t.date(moment, timezone)


def embed_snippet(urls: Urls, t: Translator, tag: str | None, theme: str | None) -> str:
    """The HTML a site pastes: a link that works without JavaScript, and the async script
    that swaps it for a self-sizing iframe (adapters/web/static/embed.js)."""
    plain = Urls(urls.base, urls.token)  # the reader's own ?lang= or ?theme= is not the site's
    return (
        f'<a href="{escape(plain.page(tag))}"\n'
        f'   data-storybot-embed="{escape(plain.embed(tag, theme))}">'
        f"{escape(t('Stories of good service'))}</a>\n"
        f'<script async src="{escape(plain.static("embed.js"))}"></script>'
    )
