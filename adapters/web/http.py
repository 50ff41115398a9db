"""HTTP rules every web response follows: caching, conditional requests, CSP, CORS, 404."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib

from aiohttp import web

MAX_AGE = 60  # seconds: a withdrawn story is gone from every cache within a minute at most

# Nothing inline, nothing from elsewhere: stylesheets and scripts come from our own /web/ files.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Only embed routes may be framed, by any site: that is what an embed is for.
EMBED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
# An SVG chart is shown through <img>; its own inline styles are harmless there.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def security_headers(response: web.StreamResponse, csp: str = CSP) -> None:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if "frame-ancestors *" not in csp:
        response.headers["X-Frame-Options"] = "DENY"


def cached(
    request: web.Request,
    body: bytes,
    content_type: str,
    last_modified: dt.datetime | None,
    *,
    csp: str = CSP,
    cors: bool = False,
    vary: str = "Accept-Language",
) -> web.Response:
    """A 200, or a 304 when the client's ETag still matches.

    The ETag is a digest of the body itself, so hiding, deleting or unticking a consent changes
    it on the very next request. If-Modified-Since alone is not trusted for a 304: a withdrawn
    story can make the page older (its newest change may disappear), never newer.
    """
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={MAX_AGE}",
        "Vary": vary,
    }
    if last_modified is not None:
        headers["Last-Modified"] = email.utils.format_datetime(
            last_modified.astimezone(dt.UTC).replace(microsecond=0), usegmt=True
        )
    if cors:
        headers["Access-Control-Allow-Origin"] = "*"
    if _matches(request.headers.get("If-None-Match"), etag):
        response = web.Response(status=304, headers=headers)
    else:
        response = web.Response(
            body=body, content_type=content_type, charset="utf-8", headers=headers
        )
    security_headers(response, csp)
    return response


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def not_found(body: bytes) -> web.Response:
    """The one 404: an unknown address, a wall that is off and a hidden story look alike."""
    response = web.Response(
        status=404,
        body=body,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": f"public, max-age={MAX_AGE}", "Vary": "Accept-Language"},
    )
    security_headers(response)
    return response
