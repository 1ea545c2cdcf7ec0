"""The last good answer of a callback, for when the database is too slow to give a new one.

A busy store (a large backlog, a long report) can make a page read run into the statement
timeout. Then the page keeps the figures it had, says how old they are, and tries again at its
next refresh, instead of answering 500:

    @callback(Output(...matrix), Output(...banner), ...)
    @keeps_last_good(outputs=5, notice=2)      # output 2 carries the "figures from 3 min ago"
    def refresh(...): ...

The cache lives in the web process's memory, one entry per callback, arguments and user (a
scoped user never sees figures computed for someone else), bounded in size. With several web
processes each keeps its own; that only means a first timeout in a process shows the plain
message instead of older figures.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, TypeVar, cast

import dash_mantine_components as dmc
from dash import no_update

from tower.auth import current
from tower.components.timefmt import ago
from tower.data.access import SlowRead

log = logging.getLogger(__name__)
MAX_ENTRIES = 512

_lock = threading.Lock()
_cache: "OrderedDict[tuple, tuple[float, tuple]]" = OrderedDict()
Callback = TypeVar("Callback", bound=Callable[..., Any])


def _user_key() -> tuple:
    user = current.user()
    return (user.username, user.role, user.warehouses) if user else (None,)


def _notice(age_seconds: float | None) -> dmc.Alert:
    if age_seconds is None:
        return dmc.Alert("The database is too slow to answer right now (busy, or restarting). "
                         "These figures will appear at the next refresh, or reload the page in a "
                         "minute.", title="Figures not available yet", color="yellow",
                         className="slow-read-notice")
    return dmc.Alert(f"Showing the figures from {ago(age_seconds)} ago: the database is too slow "
                     "to answer right now (busy, or restarting). They refresh by themselves.",
                     title="Figures are not current", color="yellow", className="slow-read-notice")


def keeps_last_good(*, outputs: int, notice: int, unchanged: tuple[int, ...] = (),
                    not_keys: tuple[int, ...] = ()) -> Callable[[Callback], Callback]:
    """Wrap a Dash callback with `outputs` outputs; on SlowRead answer its last good result for
    the same arguments and user with a notice of its age before output `notice` (and the
    outputs in `unchanged`, e.g. an "updated at" time, not sent again), or, with no good
    result yet, no update except the notice. Arguments at the positions `not_keys` (a refresh
    interval's tick count) do not tell results apart."""

    def wrap(func: Callback) -> Callback:
        @functools.wraps(func)
        def run(*args: Any) -> Any:
            kept = tuple(a for k, a in enumerate(args) if k not in not_keys)
            key = (func.__module__, func.__qualname__, repr(kept), _user_key())
            try:
                result = func(*args)
            except SlowRead as exc:
                log.warning("%s.%s: %s; answering the last good figures", func.__module__,
                            func.__qualname__, exc)
                with _lock:
                    found = _cache.get(key)
                if found is None:
                    answer: list[Any] = [no_update] * outputs
                    answer[notice] = _notice(None)
                    return tuple(answer)
                at, good = found
                answer = list(good)
                answer[notice] = [_notice(time.time() - at), good[notice]]
                for index in unchanged:
                    answer[index] = no_update
                return tuple(answer)
            with _lock:
                _cache[key] = (time.time(), tuple(result))
                _cache.move_to_end(key)
                while len(_cache) > MAX_ENTRIES:
                    _cache.popitem(last=False)
            return result

        return cast(Callback, run)

    return wrap
