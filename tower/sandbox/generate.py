"""Generation: turn simulated days of orders into rows of each system's SQLite file.

Days are numbered from an anchor (midnight UTC, `days` before the start day). A day's arrival
times come from its own random stream (seed, day), each order's life from its own (seed, order
number), and order numbers from the day counts alone, so an order is the same whether it is
generated at start-up, in live mode or by the bulk path, in any chunking and in any process.

For every record, the versions at or before the cutoff ("now") collapse into the one current
version; later versions go to the schedule. Memory is bounded by one chunk of orders.
"""

from __future__ import annotations

import multiprocessing
import random
import shutil
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import orjson

from tower.sandbox import faults as F
from tower.sandbox.simulate import Life, simulate_order
from tower.sandbox.storage import Storage
from tower.sandbox.world import DAY, HOUR, World, build_world, to_ms

_DUMPS = orjson.dumps  # bytes: bodies are stored (BLOB) and served as UTF-8 JSON as they are

CHUNK_ORDERS = 500
# A demo-sized distributor: 60 days of history is ~24k orders (~250 MB, ~15 s to generate).
# At that rate, live, a record changes only every ~10 s; `tower sandbox serve` therefore takes
# new orders at a busier live rate by default so the demo visibly moves every few seconds.
DEFAULT_ORDERS_PER_DAY = 400
DEFAULT_LIVE_ORDERS_PER_DAY = 4000
LIVE_LEAD_MS = DAY
# Order intake by UTC hour: busiest in the US business day, never silent at night (web
# orders and EDI batches arrive around the clock).
_HOUR_WEIGHTS = (5, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 8, 8, 7, 7, 6, 6, 5)
_WEEKDAY = (1.15, 1.2, 1.2, 1.15, 1.1, 0.4, 0.25)  # Monday .. Sunday (UTC)


@dataclass(frozen=True)
class Plan:
    """What to generate: the parameters stored in sim.sqlite's meta (picklable for workers)."""

    seed: int
    anchor_ms: int                  # midnight UTC of day 0
    start_ms: int                   # when the sandbox was first started ("now" of the backfill)
    orders_per_day: float           # intake of the history
    live_orders_per_day: float      # intake from a day before the start on (a demo runs busier)
    exact_days: int = 0             # bulk path: days 0..exact_days-1 hold exactly exact_total
    exact_total: int = 0
    chunk_orders: int = CHUNK_ORDERS

    @classmethod
    def from_meta(cls, meta: dict[str, str]) -> "Plan":
        opd = float(meta["orders_per_day"])
        return cls(seed=int(meta["seed"]), anchor_ms=int(meta["anchor_ms"]),
                   start_ms=int(meta["start_ms"]), orders_per_day=opd,
                   live_orders_per_day=float(meta.get("live_orders_per_day", opd)),
                   exact_days=int(meta.get("exact_days", 0)),
                   exact_total=int(meta.get("exact_total", 0)))

    def meta(self) -> dict[str, object]:
        return {"seed": self.seed, "anchor_ms": self.anchor_ms, "start_ms": self.start_ms,
                "orders_per_day": self.orders_per_day,
                "live_orders_per_day": self.live_orders_per_day,
                "exact_days": self.exact_days, "exact_total": self.exact_total}


class Generator:
    """Generates days in order into `storage`, tracking progress in sim.sqlite's meta.

    Each order has its own random stream (seed, order number) and each day's arrival times
    their own (seed, day), and a day's first order number follows from the day counts alone,
    so any slice of any day can be simulated on its own: that is what lets `workers` split the
    bulk path across processes while the output stays identical."""

    def __init__(self, storage: Storage | None, plan: Plan):
        self.storage = storage
        self.plan = plan
        self.seed, self.anchor_ms, self.chunk_orders = plan.seed, plan.anchor_ms, plan.chunk_orders
        self.world: World = build_world(plan.seed)
        self.next_day = int(storage.meta().get("next_day", 0)) if storage is not None else 0
        self._exact: list[int] | None = None
        self._first_seq = [1]  # first order number of day d, extended on demand

    def _weight(self, day: int) -> float:
        weekday = ((self.anchor_ms + day * DAY) // DAY + 3) % 7  # 1970-01-01 was a Thursday
        noise = random.Random(self.seed * 31 + day).uniform(0.85, 1.15)
        return _WEEKDAY[weekday] * noise

    def _base_count(self, day: int) -> int:
        plan = self.plan
        if day < plan.exact_days:
            if self._exact is None:
                weights = [self._weight(d) for d in range(plan.exact_days)]
                total = sum(weights)
                raw = [w * plan.exact_total / total for w in weights]
                counts = [int(x) for x in raw]
                by_rest = sorted(range(len(raw)), key=lambda d: raw[d] - counts[d], reverse=True)
                for d in by_rest[: plan.exact_total - sum(counts)]:
                    counts[d] += 1
                self._exact = counts
            return self._exact[day]
        return max(0, round(plan.orders_per_day * self._weight(day)))

    def _live_window(self, day: int) -> tuple[int, int]:
        """The part of `day` where the live intake applies: from a day before the start, so
        that at the start the pipeline is already full of orders being picked and shipped."""
        day_start = self.anchor_ms + day * DAY
        return max(day_start, self.plan.start_ms - LIVE_LEAD_MS), day_start + DAY

    def day_count(self, day: int) -> int:
        base = self._base_count(day)
        extra_rate = self.plan.live_orders_per_day - self.plan.orders_per_day
        lo, hi = self._live_window(day)
        if day < self.plan.exact_days or extra_rate <= 0 or lo >= hi:
            return base
        return base + max(0, round(extra_rate * self._weight(day) * (hi - lo) / DAY))

    def first_seq(self, day: int) -> int:
        while len(self._first_seq) <= day:
            d = len(self._first_seq) - 1
            self._first_seq.append(self._first_seq[d] + self.day_count(d))
        return self._first_seq[day]

    def arrivals(self, day: int) -> list[int]:
        rng = random.Random(self.seed * 1_000_003 + day * 7 + 1)
        start = self.anchor_ms + day * DAY
        hours = rng.choices(range(24), _HOUR_WEIGHTS, k=self._base_count(day))
        placed = [start + h * HOUR + rng.randrange(HOUR) for h in hours]
        extra = self.day_count(day) - len(placed)
        if extra > 0:  # the live intake above the history rate, in the live window only
            lo, hi = self._live_window(day)
            extra_rng = random.Random(self.seed * 1_000_033 + day)
            placed += [lo + extra_rng.randrange(hi - lo) for _ in range(extra)]
        return sorted(placed)

    def slices(self, day: int) -> list[tuple[int, int, int]]:
        count = self.day_count(day)
        return [(day, lo, min(count, lo + self.chunk_orders)) for lo in range(0, count, self.chunk_orders)]

    def rows(self, day: int, lo: int, hi: int, cutoff_ms: int) -> tuple[dict, dict, list]:
        """Rows for orders lo..hi-1 of `day`: (current per system, scheduled per system,
        sim orders). Pure: the same arguments give the same rows in any process."""
        placed = self.arrivals(day)
        first = self.first_seq(day)
        lives = [simulate_order(self.world, first + i, placed[i],
                                random.Random(self.seed * 10_000_019 + first + i))
                 for i in range(lo, hi)]
        return render_rows(lives, cutoff_ms)

    def generate_until(self, horizon_ms: int, cutoff_ms: int, faults: dict[str, F.Faults],
                       progress: Callable[[int], None] | None = None, workers: int = 1) -> int:
        """Generate every day that starts before `horizon_ms`; versions up to `cutoff_ms`
        are published now. Returns the number of orders generated."""
        assert self.storage is not None, "a Generator without storage only simulates (rows)"
        days: list[int] = []
        while self.anchor_ms + (self.next_day + len(days)) * DAY < horizon_ms:
            days.append(self.next_day + len(days))
        if not days:
            return 0
        tasks = [task for day in days for task in self.slices(day)]
        results = (self._parallel(tasks, cutoff_ms, workers) if workers > 1 and len(tasks) > 1
                   else (self.rows(*task, cutoff_ms) for task in tasks))
        made = 0
        for (day, _lo, hi), (current, scheduled, orders) in zip(tasks, results):
            self._write(current, scheduled, orders, cutoff_ms, faults)
            made += len(orders)
            if hi == self.day_count(day):  # the day's last slice: resume after it
                self.next_day = day + 1
                self.storage.set_meta(next_day=self.next_day, next_seq=self.first_seq(self.next_day))
            if progress:
                progress(made)
        self.next_day = days[-1] + 1
        self.storage.set_meta(next_day=self.next_day, next_seq=self.first_seq(self.next_day))
        return made

    def _parallel(self, tasks: list, cutoff_ms: int, workers: int) -> Iterator[tuple]:
        """Slices simulated in worker processes, yielded in order, at most 2 per worker in
        flight so memory stays bounded when the writer is the slower side."""
        context = multiprocessing.get_context("spawn")  # no fork: the caller may run threads
        with context.Pool(workers, initializer=_init_worker, initargs=(self.plan,)) as pool:
            pending: deque = deque()
            queue = iter(tasks)
            for task in queue:
                pending.append(pool.apply_async(_work, (task, cutoff_ms)))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                result = pending.popleft().get()
                task = next(queue, None)
                if task is not None:
                    pending.append(pool.apply_async(_work, (task, cutoff_ms)))
                yield result

    def _write(self, current: dict, scheduled: dict, orders: list, cutoff_ms: int,
               faults: dict[str, F.Faults]) -> None:
        assert self.storage is not None
        for system in F.SYSTEMS:
            self.storage.write_batch(system, current[system], scheduled[system],
                                     faults.get(system) or F.Faults(), cutoff_ms)
        self.storage.write_orders(orders)


def render_rows(lives: list[Life], cutoff_ms: int) -> tuple[dict, dict, list]:
    """Versions at or before the cutoff collapse into the record's one current version;
    later versions are scheduled. Bodies are rendered JSON bytes."""
    current: dict[str, list[tuple]] = {s: [] for s in F.SYSTEMS}
    scheduled: dict[str, list[tuple]] = {s: [] for s in F.SYSTEMS}
    orders = []
    for life in lives:
        for rec in life.records:
            times = rec.times
            past = 0
            for t in times:
                if t <= cutoff_ms:
                    past += 1
            if past:
                t = times[past - 1]
                current[rec.system].append((rec.resource, rec.key, past, t, rec.order_no,
                                            _DUMPS(rec.render(t))))
            for i in range(past, len(times)):
                t = times[i]
                scheduled[rec.system].append((t, rec.resource, rec.key, i + 1, rec.order_no,
                                              _DUMPS(rec.render(t))))
        orders.append((life.order_no, life.seq, life.placed, life.warehouse, life.customer_id,
                       life.channel, _DUMPS(life.lines), _DUMPS(life.facts),
                       _DUMPS(life.scenarios)))
    return current, scheduled, orders


_worker: Generator | None = None


def _init_worker(plan: Plan) -> None:
    global _worker
    _worker = Generator(None, plan)


def _work(task: tuple[int, int, int], cutoff_ms: int) -> tuple[dict, dict, list]:
    assert _worker is not None
    return _worker.rows(*task, cutoff_ms)


def anchor_for(start_ms: int, days: int) -> int:
    return start_ms - start_ms % DAY - days * DAY


def generate(data_dir: Path | str, *, seed: int, days: int = 60, orders: int | None = None,
             orders_per_day: float = DEFAULT_ORDERS_PER_DAY,
             live_orders_per_day: float | None = None, now: datetime | None = None,
             fresh: bool = True, faults: dict[str, F.Faults] | None = None,
             progress: Callable[[int], None] | None = None,
             chunk_orders: int = CHUNK_ORDERS, workers: int = 1) -> dict[str, int]:
    """Write a sandbox data dir without serving it (the bulk path for benchmarks).

    With `orders=N`, exactly N orders are placed over the `days` days before `now`'s day (and
    live mode continues at N/days a day); otherwise `orders_per_day`, and after `now`
    `live_orders_per_day` (default: the same). Returns counts.
    Records are written in chunks of 500 orders, so memory stays flat at any N; `workers` > 1
    simulates the chunks in that many processes (same output) while this one writes.
    """
    from tower.sandbox.server import sandbox_root  # the one place the layout is defined

    root = sandbox_root(Path(data_dir))
    if fresh and root.exists():
        shutil.rmtree(root)
    storage = Storage(root)
    if storage.exists():
        raise FileExistsError(f"{root} already holds a sandbox; pass fresh=True to replace it")
    start_ms = to_ms(now) if now is not None else to_ms(_default_now())
    if orders is not None:
        if days < 1:
            raise ValueError("orders=N needs days >= 1 to spread them over")
        orders_per_day = orders / days
    if live_orders_per_day is None:
        live_orders_per_day = orders_per_day
    plan = Plan(seed=seed, anchor_ms=anchor_for(start_ms, days), start_ms=start_ms,
                orders_per_day=orders_per_day, live_orders_per_day=live_orders_per_day,
                exact_days=days if orders is not None else 0, exact_total=orders or 0,
                chunk_orders=chunk_orders)
    storage.create(indexes=False)  # indexes after the bulk insert: several times faster
    storage.set_meta(days=days, next_day=0, next_seq=1, **plan.meta())
    gen = Generator(storage, plan)
    horizon = start_ms - start_ms % DAY if orders is not None else start_ms + HOUR
    made = gen.generate_until(horizon, start_ms, faults or {}, progress, workers=workers)
    storage.create_indexes()
    storage.set_meta(ready=1)  # a data dir without this was interrupted: serve regenerates it
    counts = {"orders": made}
    for system in F.SYSTEMS:
        counts.update({f"{system}_{k}": v for k, v in storage.counts(system).items()})
    storage.close()
    return counts


def _default_now() -> datetime:
    try:
        from tower import clock
        return clock.now()
    except ImportError:  # the sandbox also runs without the rest of tower
        from datetime import timezone
        return datetime.now(timezone.utc)


def open_generator(storage: Storage) -> Generator:
    return Generator(storage, Plan.from_meta(storage.meta()))
