"""Ages the pages show for the fixture's data, as they may read at the moment of the check."""

from __future__ import annotations

import re
from typing import Any

from tower import clock


def wms_age(server: Any) -> "re.Pattern[str]":
    """The WMS feed's age in minutes as a page may show it now: the fixture made it 47 min old,
    and on a busy machine a module may run minutes later (one minute either side of the true
    age, for a check that waits up to 20 s)."""
    age = int((clock.now() - server.wms_polled_at).total_seconds() // 60)
    return re.compile("(" + "|".join(str(m) for m in range(age - 1, age + 2)) + ") min")
