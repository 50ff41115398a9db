"""Message ids said from more than one place (the core and an adapter's own fallbacks).

One id per sentence, so every caller gets the same words and the same translation.
"""

from __future__ import annotations

from bot.i18n_marker import N_

STORAGE_DOWN = N_(
    "I can't reach the story database right now, so nothing was saved. "
    "Please try again in a minute."
)
SOMETHING_WRONG = N_(
    "Something went wrong on my side. Please try again, or tell a moderator if it keeps happening."
)
