"""Waiting for an AG Grid to show given rows (the state a test asserts, not a proxy of it).

AG Grid renders only the rows in view (plus a buffer) and keeps the old rows on screen until
new data arrives, so "a row is there" says nothing about which data it shows. These helpers wait
(bounded) until the rendered rows, in display order (`row-index`), are exactly the first rows of
the expected list — all of them when the list is short — and return what is shown.
"""

from __future__ import annotations

import time

from tests.browser.waits import WAIT_MS

_SHOWN = """([grid, key]) => {
    const rows = [...document.querySelectorAll(grid + ' .ag-center-cols-container .ag-row')];
    return rows.map(r => [+r.getAttribute('row-index'),
                          key === 'row-id' ? r.getAttribute('row-id')
                                           : ((r.querySelector(key) || {}).innerText || '')])
               .sort((a, b) => a[0] - b[0]).map(pair => pair[1]);
}"""


def grid_rows(page, grid: str, key: str = "row-id") -> list[str]:
    """The rows the grid shows now, in display order: their row id, or the text of `key` (a CSS
    selector inside the row)."""
    return page.evaluate(_SHOWN, [grid, key])


def wait_for_grid_rows(page, grid: str, expected: list, *, key: str = "row-id", least: int = 8,
                       timeout: float | None = None) -> list[str]:
    """Wait until the grid shows the first rows of `expected` (at least `least` of them, or all
    when fewer), in order; raise with what it shows if that does not happen within `timeout` ms."""
    want = [str(v) for v in expected]
    timeout = WAIT_MS if timeout is None else timeout
    # Polled from here, not with wait_for_function: the pages' CSP forbids the eval it needs.
    deadline = time.monotonic() + timeout / 1000
    while True:
        shown = grid_rows(page, grid, key)
        if min(least, len(want)) <= len(shown) <= len(want) and shown == want[:len(shown)]:
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"{grid} shows {shown}, expected the first rows of {want}")
        page.wait_for_timeout(100)  # the next look, not a wait for the state
