"""The distributor's world: warehouses, customers, SKUs, carriers, shifts and congestion.

Everything here is a pure function of the seed, so any process that builds the world from the
same seed gets the same customers, prices and congested days. Times are integer milliseconds
since the epoch (UTC) throughout the sandbox: cheap to compare, exact to store, and formatted
as ISO-8601 only at the edge (`iso`).
"""

from __future__ import annotations

import random
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def iso(ms: int) -> str:
    """UTC ISO-8601 with milliseconds and 'Z'; fixed width, so text order is time order."""
    day, rest = divmod(ms, 86_400_000)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return "%sT%02d:%02d:%02d.%03dZ" % (date, hours, minutes, seconds, millis)


_DATES: dict[int, str] = {}


def iso_local(ms: int, tz: str) -> str:
    """ISO-8601 in the zone `tz` with its offset (carrier scans are reported in local time)."""
    local = datetime.fromtimestamp(ms / 1000, _zone(tz))
    return local.isoformat(timespec="milliseconds")


def date_of(ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000))


def to_ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("the sandbox needs aware datetimes")
    return (when - _EPOCH) // _ONE_MS


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def parse_iso_ms(text: str) -> int:
    """Milliseconds from an ISO-8601 string with an offset; ValueError otherwise."""
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"time has no offset: {text!r}")
    # Integer arithmetic: float timestamps can land one millisecond short.
    return (parsed - _EPOCH) // _ONE_MS


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MS = timedelta(milliseconds=1)


@lru_cache(maxsize=None)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def stable_hash(*parts: object) -> int:
    """A process-independent hash (Python's hash() is salted per process)."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def stable_fraction(*parts: object) -> float:
    return stable_hash(*parts) / 0xFFFFFFFF


@dataclass(frozen=True)
class Warehouse:
    code: str
    tz: str
    region: str
    city: str
    state: str
    postal: str


WAREHOUSES = (
    Warehouse("DAL-1", "America/Chicago", "South", "Dallas", "TX", "75212"),
    Warehouse("ATL-1", "America/New_York", "East", "Atlanta", "GA", "30336"),
    Warehouse("RNO-1", "America/Los_Angeles", "West", "Reno", "NV", "89506"),
)

# Hubs where carrier scans happen, with the zone their local times are reported in.
HUBS = (
    ("Dallas", "TX", "75261", "America/Chicago"), ("Memphis", "TN", "38118", "America/Chicago"),
    ("Louisville", "KY", "40209", "America/New_York"), ("Atlanta", "GA", "30320", "America/New_York"),
    ("Columbus", "OH", "43217", "America/New_York"), ("Denver", "CO", "80249", "America/Denver"),
    ("Phoenix", "AZ", "85034", "America/Phoenix"), ("Ontario", "CA", "91761", "America/Los_Angeles"),
    ("Sacramento", "CA", "95837", "America/Los_Angeles"), ("Chicago", "IL", "60666", "America/Chicago"),
    ("Charlotte", "NC", "28208", "America/New_York"), ("Houston", "TX", "77032", "America/Chicago"),
)

# code, name, tracking-number style, mean transit days, delay and failure propensity
CARRIERS = (
    ("UPSN", "UPS Ground", "ups", 2.5, 0.08, 0.04),
    ("FDEG", "FedEx Ground", "fedex", 2.8, 0.10, 0.05),
    ("ODFL", "Old Dominion LTL", "ltl", 3.5, 0.14, 0.03),
)

TIERS = (("platinum", 0.08), ("gold", 0.22), ("silver", 0.40), ("bronze", 0.30))
_NAME_A = ("Acme", "Apex", "Summit", "Harbor", "Pioneer", "Lone Star", "Bluegrass", "Cascade",
           "Granite", "Prairie", "Keystone", "Redwood", "Magnolia", "Ironwood", "Sierra",
           "Coastal", "Metro", "Frontier", "Heritage", "Evergreen")
_NAME_B = ("Supply", "Industrial", "Hardware", "Builders", "Electric", "Plumbing", "Foods",
           "Medical", "Auto Parts", "Facilities", "Janitorial", "Contractors", "Outfitters")
_NAME_C = ("Co.", "Inc.", "LLC", "Group", "Partners", "Corp.")
_PRODUCTS = ("Hex bolt", "Pipe fitting", "Safety glove", "Cable tie", "Bearing", "Hose clamp",
             "LED panel", "Circuit breaker", "Paper towel", "Drill bit", "Filter", "Gasket",
             "Valve", "Sealant", "Fastener kit", "Pallet wrap", "Label roll", "Battery pack")
PICKERS = tuple(f"picker{n:02d}" for n in range(1, 41))
CREDIT_OFFICERS = ("jdoe", "mkhan", "lchen", "rpatel", "asmith")


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    tier: str
    region: str
    risk: float         # propensity for credit holds
    pays_late: float    # propensity for late payment
    terms_days: int
    channel_mix: tuple[float, float, float]  # web, edi, sales_rep


@dataclass(frozen=True)
class Sku:
    sku: str
    description: str
    list_price: int     # cents
    short_rate: float   # propensity for ATP shortage


@dataclass
class World:
    seed: int
    customers: list[Customer] = field(default_factory=list)
    skus: list[Sku] = field(default_factory=list)
    customer_weights: list[float] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)

    def warehouse_for(self, region: str, rng: random.Random) -> Warehouse:
        # Mostly the customer's own region; sometimes sourced from another when stock says so.
        home = [w for w in WAREHOUSES if w.region == region]
        if home and rng.random() < 0.85:
            return home[0]
        return rng.choice(WAREHOUSES)

    def congestion(self, warehouse: str, day: int) -> float:
        return _congestion(self.seed, warehouse, day)


def lane_slowdown(seed: int, carrier: str, warehouse: str) -> float:
    """How much slower than the carrier's norm its lane out of `warehouse` runs (1.0 = normal).

    A ground-truth cause of late deliveries: about a quarter of (carrier, warehouse) lanes run
    70-110% slower, and one lane is always slow, so every seed has something true to find."""
    return _lane_slowdown(seed, carrier, warehouse)


@lru_cache(maxsize=256)
def _lane_slowdown(seed: int, carrier: str, warehouse: str) -> float:
    fractions = {(c[0], w.code): stable_fraction(seed, "lane", c[0], w.code)
                 for c in CARRIERS for w in WAREHOUSES}
    slowest = min(fractions, key=fractions.__getitem__)
    frac = fractions.get((carrier, warehouse), 1.0)
    if frac < 0.25 or (carrier, warehouse) == slowest:
        return 1.7 + 0.4 * stable_fraction(seed, "lane-level", carrier, warehouse)
    return 1.0


# Mean hours a credit hold waits for its release, by the hold's reason: a new account's review
# drags for days (a ground-truth cause of lateness); the others are cleared within the day.
CREDIT_HOLD_MEAN_HOURS = {"over_limit": 5.0, "past_due": 5.0, "new_account_review": 40.0}
# A hold that waited longer than this is recorded as the cause `credit_hold_drag`.
CREDIT_DRAG_HOURS = 24.0
# Congestion at or above this level makes the warehouse a cause of lateness (`congested_pick`
# in an order's causes), and multiplies the pick queue's wait on top of its usual growth.
CONGESTED = 0.5


@lru_cache(maxsize=65536)
def _congestion(seed: int, warehouse: str, day: int) -> float:
    """0 (quiet) .. 1 (jammed): most days are calm, some are congested for a stretch."""
    frac = stable_fraction(seed, "congestion", warehouse, day)
    if frac < 0.18:
        return 0.6 + 0.4 * stable_fraction(seed, "level", warehouse, day)
    return 0.15 * frac


def build_world(seed: int, customers: int = 600, skus: int = 1500) -> World:
    rng = random.Random(seed * 7919 + 1)
    world = World(seed=seed)
    regions = [w.region for w in WAREHOUSES]
    tier_names = [t for t, _ in TIERS]
    tier_weights = [w for _, w in TIERS]
    for n in range(1, customers + 1):
        tier = rng.choices(tier_names, tier_weights)[0]
        name = f"{rng.choice(_NAME_A)} {rng.choice(_NAME_B)} {rng.choice(_NAME_C)}"
        web = rng.random()
        edi = rng.random() * (2.0 if tier in ("platinum", "gold") else 0.6)
        rep = rng.random() * 0.8
        total = web + edi + rep
        world.customers.append(Customer(
            id=f"C{n:05d}", name=name, tier=tier, region=rng.choice(regions),
            risk=rng.betavariate(1.2, 12), pays_late=rng.betavariate(1.5, 7),
            terms_days=rng.choice((30, 30, 30, 45, 60)) if tier != "bronze" else 15,
            channel_mix=(web / total, edi / total, rep / total)))
        # Big customers order more often (a long tail, like real books of business).
        world.customer_weights.append({"platinum": 8.0, "gold": 4.0, "silver": 2.0}.get(tier, 1.0)
                                      * rng.paretovariate(2.5))
    total = 0.0
    for weight in world.customer_weights:
        total += weight
        world.cum_weights.append(total)
    for n in range(1, skus + 1):
        price = max(150, int(rng.lognormvariate(7.6, 1.1)))  # cents, median ~ $20
        world.skus.append(Sku(sku=f"SKU-{n:05d}",
                              description=f"{rng.choice(_PRODUCTS)} {rng.randint(1, 99)}",
                              list_price=price, short_rate=rng.betavariate(1, 14)))
    return world


@lru_cache(maxsize=65536)
def _shift(tz: str, day_ms: int) -> tuple[int, int, bool]:
    """The working day (two shifts, 05:00 to 01:00 local) that starts on the local calendar
    day containing `day_ms`, in UTC ms, and whether the warehouse works (closed on Sundays)."""
    local = datetime.fromtimestamp(day_ms / 1000, _zone(tz))
    start = local.replace(hour=5, minute=0, second=0, microsecond=0)
    start_ms = int(start.timestamp() * 1000)
    return start_ms, start_ms + 20 * HOUR, local.weekday() != 6


def next_work_time(tz: str, ms: int) -> int:
    """`ms` if the warehouse is working then, else the start of its next working day."""
    probe = ms - 5 * HOUR  # a working day that contains `ms` began on this local date
    for _ in range(4):
        start, end, open_day = _shift(tz, probe - probe % HOUR)
        if open_day and ms < end:
            return max(ms, start)
        probe = end + 10 * HOUR  # 11:00 local on the next date
    return ms
