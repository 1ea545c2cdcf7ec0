"""When a minute job's backlog means its figures lag: the one rule the pages use to say
"catching up".

The KPI job and the /flow job run every minute and take everything waiting, so in a steady
stream a change waits at most that interval and the run itself: younger changes are the next
run's, and the pages already say "as of". Only a backlog older than STEADY_LAG means the job is
behind (a backfill, a stopped collector process), and only then do the pages say so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

STEADY_LAG = timedelta(minutes=2)


def lags(oldest: datetime | None, *, now: datetime, capped: bool = False) -> bool:
    """Whether a backlog whose oldest change is `oldest` (None: empty) lags more than a job's
    interval at `now`; `capped`: too large to count, which always lags."""
    return capped or (oldest is not None and now - oldest > STEADY_LAG)
