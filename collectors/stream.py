"""The declarative stream: what one kind of source record is and how it becomes milestones.

A stream states its name, source, natural key, replication key, schedule, page size and
overlap; it fetches pages of raw records since a time, and maps one record to milestones
(`to_milestones`). A record that cannot be mapped raises `SkipRecord` with the reason; the
runner sends it to dead letters and the rest of the page still goes in. Auth, paging and
retries live in the source's client, never here.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Iterator, Mapping

from collectors.http import SourceClient
from tower.milestones import InvalidMilestone, parse_time
from tower.store.milestone import Milestone


class SkipRecord(ValueError):
    """This record cannot be mapped; `reason` says why (it goes to dead letters)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Stream:
    name: ClassVar[str]
    source: ClassVar[str]
    path: ClassVar[str]                       # the endpoint, relative to the client's base URL
    natural_key: ClassVar[tuple[str, ...]]    # fields naming one version of one record
    replication_key: ClassVar[str]            # the source's change time, sent as `since_param`
    since_param: ClassVar[str] = "updated_since"
    schedule_seconds: float = 5.0
    page_size: int = 500          # records asked per request (the sandbox caps at 500)
    # While a backlog is read, the pages already fetched are written together, up to about
    # this many records per transaction: one commit (a WAL flush) and one round of the store's
    # statements for several pages. A crash still loses only that transaction's pages, whose
    # bookmark it did not move either (collectors.runner). Not more: every stream holds that
    # many records read ahead, and all streams run at once while a backlog is read (2,000 took
    # the collector over 250 MB in bench/backlog.py).
    commit_records: int = 1000
    # Re-read this far behind the bookmark: a source may commit a change stamped a little
    # earlier than one we already read (out-of-order updates); idempotent writes absorb it.
    overlap: ClassVar[timedelta] = timedelta(seconds=120)
    # Renamed fields this mapping accepts: {name the source now sends: name the mapping reads}.
    # Empty by default, so schema drift shows up as dead letters; adding an alias is the fix,
    # after which `tower deadletters replay` brings the parked records in.
    aliases: dict[str, str] = {}  # never mutated: an instance given aliases gets its own dict
    # A record larger than this is a dead letter (kept cut short), never mapped or stored whole.
    max_record_bytes: ClassVar[int] = 1 << 20
    # A change time further ahead of tower's clock than this is a source error (a wrong year, a
    # clock set days ahead): the record is a dead letter and never counts as the newest data
    # read. Hours of skew (a mislabelled time zone) are not: the bookmark's cap at the poll's
    # start already keeps those from hiding later records.
    max_future: ClassVar[timedelta] = timedelta(days=1)

    def __init__(self, client: SourceClient | None, *, schedule_seconds: float | None = None,
                 page_size: int | None = None, aliases: Mapping[str, str] | None = None) -> None:
        self.client = client
        if aliases is not None:
            self.aliases = dict(aliases)
        if schedule_seconds is not None:
            self.schedule_seconds = schedule_seconds
        if page_size is not None:
            self.page_size = page_size

    @property
    def pages_per_commit(self) -> int:
        return max(1, self.commit_records // max(1, self.page_size))

    @property
    def key(self) -> str:
        return f"{self.source}/{self.name}"

    # -- fetching --------------------------------------------------------------------------
    def params(self, since: datetime | None) -> dict[str, Any]:
        return {self.since_param: since.isoformat() if since else None, "limit": self.page_size}

    def fetch(self, since: datetime | None) -> Iterator[list[Any]]:
        """Pages of raw records changed at or after `since` (inclusive), oldest first."""
        return self._client().pages(self.path, self.params(since))

    def check(self) -> None:
        """Reach the source and read one record; raises the client's error if that fails."""
        next(iter(self._client().pages(self.path, {**self.params(None), "limit": 1})), None)

    def _client(self) -> SourceClient:
        if self.client is None:  # a stream built only to map stored payloads (replay)
            raise RuntimeError(f"{self.key} has no client: it can map records but not fetch them")
        return self.client

    # -- one record ------------------------------------------------------------------------
    def record_key(self, record: Any) -> str:
        """The record version's natural key ("<key>|<updated_at as UTC ISO>" for mutable
        records), or a hash of the payload if it has none. Times are normalised so that two
        versions of one record compare in time order as text."""
        if isinstance(record, dict):
            parts = [record.get(k) for k in self.natural_key]
            if all(isinstance(p, (str, int)) and not isinstance(p, bool) and p != "" for p in parts):
                if self.replication_key in self.natural_key:
                    i = self.natural_key.index(self.replication_key)
                    try:
                        parts[i] = parse_time(parts[i], self.replication_key).astimezone(timezone.utc).isoformat(
                            timespec="microseconds")
                    except InvalidMilestone:
                        pass
                return "|".join(str(p) for p in parts)
        digest = hashlib.sha1(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()
        return f"sha1:{digest}"

    def record_time(self, record: Any) -> datetime:
        """The replication key's value; SkipRecord if it is missing or not a time."""
        return need_time(record, self.replication_key)

    def to_milestones(self, record: Any) -> list[Milestone]:
        """The milestones one record states; SkipRecord with the reason if it cannot be mapped."""
        raise NotImplementedError

    def map(self, record: Any) -> tuple[datetime, list[Milestone]]:
        """(the record's change time, its milestones), or SkipRecord."""
        if isinstance(record, dict) and self.aliases:
            record = dict(record)
            for sent, wanted in self.aliases.items():
                if sent in record and wanted not in record:
                    record[wanted] = record.pop(sent)
        return self.record_time(record), self.to_milestones(record)


# -- helpers for mappings: each raises SkipRecord with a reason a person can act on ---------------

def need(record: Any, field: str) -> Any:
    if not isinstance(record, dict):
        raise SkipRecord(f"record is not an object: {type(record).__name__}")
    if field not in record or record[field] is None or record[field] == "":
        extra = sorted(set(record) - {field})
        raise SkipRecord(f"missing field {field!r} (fields present: {', '.join(extra)})")
    return record[field]


def need_text(record: Any, field: str) -> str:
    value = need(record, field)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise SkipRecord(f"field {field!r} must be text, got {type(value).__name__} {value!r}")
    return str(value)


def opt_text(record: Mapping[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise SkipRecord(f"field {field!r} must be text, got {type(value).__name__} {value!r}")
    return str(value)


def to_time(value: Any, field: str) -> datetime:
    try:
        return parse_time(value, field)
    except InvalidMilestone as exc:
        raise SkipRecord(str(exc)) from None


def need_time(record: Any, field: str) -> datetime:
    return to_time(need(record, field), field)


def opt_time(record: Mapping[str, Any], field: str) -> datetime | None:
    value = record.get(field)
    return None if value in (None, "") else to_time(value, field)


def to_number(value: Any, field: str) -> float:
    if isinstance(value, bool) or value is None:
        raise SkipRecord(f"field {field!r} must be a number, got {value!r}")
    if isinstance(value, (int, float)):
        return value
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise SkipRecord(f"field {field!r} must be a number, got {value!r}") from None


def opt_date_end(record: Mapping[str, Any], field: str) -> datetime | None:
    """A `YYYY-MM-DD` "by this day" date as the last second of that day, UTC (a delivery due on
    the 30th is late only once the 30th is over); full times pass through."""
    value = record.get(field)
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise SkipRecord(f"field {field!r} is not a valid date: {value!r}") from None
        return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)
    return to_time(value, field)


def need_int(record: Any, field: str) -> int:
    value = need(record, field)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isdigit():
            return int(value)
        raise SkipRecord(f"field {field!r} must be a whole number, got {value!r}")
    return value


def need_list(record: Any, field: str) -> list[Any]:
    value = need(record, field)
    if not isinstance(value, list):
        raise SkipRecord(f"field {field!r} must be a list, got {type(value).__name__}")
    return value


def need_amount(record: Any, field: str) -> str:
    """A money field, validated, kept as its exact decimal text (never through a float)."""
    value = need(record, field)
    to_number(value, field)
    return str(value)


def opt_amount(record: Mapping[str, Any], field: str) -> str | None:
    return None if record.get(field) is None else need_amount(record, field)


def need_object(record: Any, field: str) -> Mapping[str, Any]:
    value = need(record, field)
    if not isinstance(value, dict):
        raise SkipRecord(f"field {field!r} must be an object, got {type(value).__name__}")
    return value


def each_object(items: list[Any], what: str) -> list[Mapping[str, Any]]:
    for item in items:
        if not isinstance(item, dict):
            raise SkipRecord(f"each of {what} must be an object, got {type(item).__name__}")
    return items
