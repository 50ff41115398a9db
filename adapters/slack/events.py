"""Slack's HTTP requests, checked before anything reads them: the signature (slack_sdk's
SignatureVerifier) is verified on the raw bytes first, so an outsider's body is never parsed
or logged; a signed body that does not parse is answered 400, without a traceback.

Bolt checks the signature again when it dispatches; that costs one HMAC and keeps Bolt's own
guarantees should this module ever be bypassed."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import Clock, SignatureVerifier

log = logging.getLogger(__name__)

TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"


class SignedRequests:
    def __init__(self, signing_secret: str, clock: Clock | None = None) -> None:
        self._verifier = SignatureVerifier(signing_secret, clock or Clock())

    def is_signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        try:
            return self._verifier.is_valid(body, headers.get(TIMESTAMP), headers.get(SIGNATURE))
        except (ValueError, TypeError):  # a timestamp that is not a number
            return False

    async def dispatch(self, request: web.Request, app: AsyncApp) -> web.Response:
        body = await request.read()
        if not self.is_signed(body, request.headers):
            # Only sizes: the body and headers are an outsider's words.
            log.info("slack request refused: not signed", extra={"bytes": len(body)})
            return web.Response(status=401, text="invalid request signature")
        bolt_request = bolt_request_of(body, request.headers, request.query_string)
        if bolt_request is None:
            log.warning("signed slack request does not parse", extra={"bytes": len(body)})
            return web.Response(status=400, text="malformed request body")
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))


def bolt_request_of(
    body: bytes, headers: Mapping[str, str], query: str = ""
) -> AsyncBoltRequest | None:
    """Bolt's request, or None when the body is not what Slack sends (an object, as JSON or as
    a form with an optional JSON `payload`)."""
    try:
        text = body.decode("utf-8")
        if not isinstance(parse_body(text, headers.get("Content-Type")), dict):
            return None
        return AsyncBoltRequest(body=text, query=query, headers=headers)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        return None
