"""The submission rate limit: how many stories one person may share per window."""

from __future__ import annotations

import datetime as dt

from bot.domain import SUBMISSIONS_PER_MINUTE

LIMIT = SUBMISSIONS_PER_MINUTE
# Submissions are counted, not the stories that survive: deleting stories frees no quota.
WINDOW = dt.timedelta(minutes=1)
