"""Hostile text for property tests: any Unicode, plus the fragments that have bitten chat
bots before (mentions of both platforms, markup, controls, bidi marks, SQL, very long runs).

`hostile_settings(n)` gives a test its example budget: `n` in the default run, 20 × n when
HYPOTHESIS_PROFILE=ci (the long run), so the README's `pytest` stays quick.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
CI_FACTOR = 20

FRAGMENTS = (
    # Mentions and links, Slack then Discord.
    "<@U123ABC>",
    "<@U123|anna>",
    "<!here>",
    "<!channel>",
    "<!everyone>",
    "<!subteam^S123>",
    "<#C1>",
    "<#C1|general>",
    "<https://evil.example|click>",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
    "<@123>",
    "<@&123>",
    "<#123456789012345678>",
    "</story submit:123456789012345678>",
    "<t:1700000000:R>",
    "@everyone",
    "@here",
    "@channel",
    # Markup of both platforms.
    "*bold*",
    "_italic_",
    "~strike~",
    "`code`",
    "```block```",
    "> quote",
    "# heading",
    "-# small",
    "[link](https://evil.example)",
    "||spoiler||",
    "\\",
    "&amp;",
    "&lt;",
    "&",
    "<",
    ">",
    "|",
    ":",
    # Controls, zero-width and bidi.
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\r\n",
    "\r",
    "\t",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u0301",
    "\ud800",  # lone surrogates: valid in JSON ("\ud800"), not in UTF-8
    "\udfff",
    # Emoji, wide and combined.
    "😀",
    "👩‍👩‍👧‍👦",
    "🇸🇪",
    "👍🏽",
    # SQL and FTS syntax.
    "'; DROP TABLE stories; --",
    '" OR 1=1 --',
    "%_",
    'NEAR(a b) * "x" AND OR NOT ^',
    # Things the core looks for.
    "#speed",
    "#Tillgänglighet",
    "#12",
    "＃fullwidth",
    "anna@example.com",
    "+46 70 123 45 67",
    "070-123 45 67",
    "/story",
    "sb1:show:1",
)

_fragment = st.sampled_from(FRAGMENTS)
_words = st.text(alphabet=st.sampled_from("abc åäö ABC 0123 .,!?-\n"), min_size=1, max_size=12)


def _long(parts: list[str], length: int) -> str:
    joined = "".join(parts) or "x"
    return (joined * (length // len(joined) + 1))[:length]


# Mixed fragments and words: most inputs land in what the core accepts (10-3000 chars).
mixed = st.lists(_fragment | _words | st.text(max_size=8), min_size=1, max_size=40).map("".join)
# Runs around and far beyond the limits, up to 10,000 characters.
long_runs = st.builds(
    _long,
    st.lists(_fragment | _words, min_size=1, max_size=6),
    st.sampled_from([2999, 3000, 3001, 4096, 6000, 10_000]),
)
hostile_text = st.one_of(st.text(), mixed, mixed, long_runs)
short_hostile = st.one_of(st.text(max_size=120), mixed.map(lambda s: s[:120]))


def hostile_settings(examples: int) -> settings:
    return settings(
        max_examples=examples * (CI_FACTOR if CI else 1),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )
