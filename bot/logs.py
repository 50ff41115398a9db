"""Structured logs (key=value or JSON) through the standard logging module, with secrets
scrubbed from every record before it is written."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

# Slack tokens, Discord bot tokens, and credentials inside database URLs.
_SECRET = re.compile(
    r"(xox[abpre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+"
    r"|[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"
    r"|(?<=://)[^:/@\s]+:[^@/\s]+(?=@))"
)
_SECRET_KEYS = ("token", "secret", "password")
_MIN_KNOWN = 6  # shorter configured values would redact ordinary words
_known: tuple[str, ...] = ()  # the configured secrets themselves, whatever their shape


def scrub(text: str) -> str:
    for secret in _known:
        text = text.replace(secret, "[redacted]")
    return _SECRET.sub("[redacted]", text)


def _scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if any(word in key.lower() for word in _SECRET_KEYS):
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = scrub(value)
    return event


def _one_line(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Console lines: the message has its line breaks escaped (other values are written with
    repr, which escapes them already), and a traceback is indented, so every line that starts
    at column 0 is a real record: a newline in a logged value cannot forge one."""
    message = event.get("event")
    if isinstance(message, str):
        event["event"] = message.replace("\r", "\\r").replace("\n", "\\n")
    for key in ("exception", "stack"):
        if isinstance(event.get(key), str):
            event[key] = "  " + event[key].replace("\n", "\n  ")
    return event


def _scrub_rendered(_: Any, __: str, rendered: str) -> str:
    """The finished line once more: values that are not strings (an exception, a dict, a
    list passed in `extra`) only become text when the renderer writes them."""
    return scrub(rendered)


def configure(
    level: str = "INFO", fmt: str = "console", stream: Any = None, secrets: Iterable[str] = ()
) -> None:
    """`secrets`: configured values (the signing secret, say) redacted wherever they appear,
    even where no pattern would recognise them."""
    global _known
    _known = tuple(sorted({s for s in secrets if len(s) >= _MIN_KNOWN}, key=len, reverse=True))
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    # JSON escapes line breaks itself; the console format needs them escaped here.
    one_line = [] if fmt == "json" else [_one_line]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.processors.format_exc_info,
            _scrub_event,
            *one_line,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            renderer,
            _scrub_rendered,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter (SQL, HTTP) stays out unless asked for.
    for noisy in ("sqlalchemy", "aiosqlite", "asyncio", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
