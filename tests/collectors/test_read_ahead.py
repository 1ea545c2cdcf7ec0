"""Read-ahead groups: the pages already read are taken together, never more than asked."""

from __future__ import annotations

import time

import pytest

from collectors.pipeline import read_ahead


def test_the_pages_already_read_are_taken_together_up_to_the_group():
    asked = [0]

    def source():
        for item in range(1, 13):
            asked[0] = item  # the reader asks for an item only once the one before is queued
            yield item

    groups = read_ahead(source(), lambda x: x * 10, group=4)
    first = next(groups)
    taken = len(first)
    deadline = time.monotonic() + 10
    while asked[0] < taken + 5 and time.monotonic() < deadline:  # the next four are waiting
        time.sleep(0.01)
    second = next(groups)
    rest = [group for group in groups]
    assert second == [10 * i for i in range(taken + 1, taken + 5)]
    assert first + second + [x for group in rest for x in group] == [10 * i for i in range(1, 13)]
    assert all(1 <= len(group) <= 4 for group in [first, second, *rest])


def test_one_page_at_a_time_when_the_group_is_one():
    assert list(read_ahead(iter([1, 2, 3]), str)) == [["1"], ["2"], ["3"]]


def test_an_error_of_the_reader_comes_after_the_pages_read_before_it():
    def source():
        yield 1
        raise RuntimeError("the source broke")

    taken = []
    with pytest.raises(RuntimeError, match="the source broke"):
        for group in read_ahead(source(), lambda x: x, group=4):
            taken.extend(group)
    assert taken == [1]
