"""The expected flow of an order (policy `flow_model`) and the conformance check of one order.

The model is a list of stages in their expected order; each stage holds steps (milestone kinds)
that may happen in any order among themselves. Per step: `mandatory` (it must have happened once
a step of a later stage has), `repeat` (it may happen more than once). `side_steps` may happen
at any point (returns, cancellation) and are not checked for order. `prerequisites` name a step
that needs a prior one (credit release before shipping once a credit hold was seen). `accepted`
is the allowlist: deviations the business accepts, which do not count against conformance.

`check(events, model)` is the reference implementation of the deviation rules; the set-based
SQL in `tower/process/conformance.sql` computes the same verdicts for many orders at once (a
test holds the two together). Events are ordered by (time, milestone rank, kind), the same fixed
tie-break the store uses, never by arrival.

Deviation types (each reported as `type:step`):
- missing_step: a mandatory step never happened although a step of a later stage did.
- out_of_sequence: a step first happened before the first occurrence of a step of an earlier
  stage (first occurrences are compared, so partial shipments are not out of sequence).
- repeated_step: a step that may not repeat happened more than once.
- step_after_cancellation: a step (other than `after_cancellation` ones) after the cancellation.
- one type per prerequisite, e.g. shipped_before_credit_release, invoiced_before_shipped: the
  step first happened while its prerequisite had not happened before it (when `if_seen` is
  given, only once `if_seen` happened before the step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from tower.milestones import KINDS

DEVIATION_TYPES = ("missing_step", "out_of_sequence", "repeated_step", "step_after_cancellation")
DIMENSIONS = ("warehouse", "channel", "customer_tier")


class FlowModelError(ValueError):
    """The flow_model section of the policy is invalid; the message names the field."""


@dataclass(frozen=True)
class Prerequisite:
    name: str          # the deviation type, e.g. shipped_before_credit_release
    step: str
    needs: str
    if_seen: str | None = None


@dataclass(frozen=True)
class Accepted:
    deviation: str                     # a deviation type
    step: str | None = None            # None = any step
    match: tuple[tuple[str, str], ...] = ()   # (dimension, value): all must hold
    reason: str = ""

    def covers(self, deviation: str, step: str, dims: Mapping[str, Any]) -> bool:
        return (self.deviation == deviation and self.step in (None, step)
                and all(str(dims.get(k) or "") == v for k, v in self.match))


@dataclass(frozen=True)
class FlowModel:
    stages: tuple[tuple[str, tuple[str, ...]], ...]
    mandatory: frozenset[str]
    repeatable: frozenset[str]
    side_steps: frozenset[str]
    after_cancellation: frozenset[str]
    prerequisites: tuple[Prerequisite, ...]
    accepted: tuple[Accepted, ...] = field(default=())

    @property
    def stage_of(self) -> dict[str, int]:
        return {step: i for i, (_, steps) in enumerate(self.stages) for step in steps}

    @property
    def deviation_types(self) -> tuple[str, ...]:
        return DEVIATION_TYPES + tuple(p.name for p in self.prerequisites)

    def is_accepted(self, deviation: str, dims: Mapping[str, Any]) -> bool:
        kind, _, step = deviation.partition(":")
        return any(a.covers(kind, step, dims) for a in self.accepted)


@dataclass(frozen=True)
class Event:
    kind: str
    at: datetime


def _kind(value: Any, where: str) -> str:
    if value not in KINDS:
        raise FlowModelError(f"{where}: {value!r} is not a milestone kind")
    return str(value)


def parse(doc: Any) -> FlowModel:
    """A FlowModel from the policy's `flow_model` mapping; FlowModelError otherwise."""
    if not isinstance(doc, dict) or not isinstance(doc.get("stages"), list) or not doc["stages"]:
        raise FlowModelError("flow_model.stages must be a non-empty list of {name, steps}")
    stages, mandatory, repeatable, seen = [], set(), set(), set()
    for i, stage in enumerate(doc["stages"]):
        where = f"flow_model.stages[{i}]"
        if not isinstance(stage, dict) or not isinstance(stage.get("steps"), dict) or not stage["steps"]:
            raise FlowModelError(f"{where} must have a name and a mapping of steps")
        names = []
        for step, spec in stage["steps"].items():
            _kind(step, f"{where}.steps")
            if step in seen:
                raise FlowModelError(f"{where}: step {step!r} appears in two stages")
            seen.add(step)
            spec = spec or {}
            if not isinstance(spec, dict) or set(spec) - {"mandatory", "repeat"}:
                raise FlowModelError(f"{where}.steps.{step} takes only mandatory and repeat (true/false)")
            if spec.get("mandatory"):
                mandatory.add(step)
            if spec.get("repeat"):
                repeatable.add(step)
            names.append(step)
        stages.append((str(stage.get("name") or f"stage {i + 1}"), tuple(names)))
    side = {_kind(s, "flow_model.side_steps") for s in doc.get("side_steps") or []}
    if side & seen:
        raise FlowModelError(f"flow_model.side_steps {sorted(side & seen)} are also in a stage")
    after = {_kind(s, "flow_model.after_cancellation") for s in doc.get("after_cancellation") or []}
    prereqs = []
    for name, spec in (doc.get("prerequisites") or {}).items():
        where = f"flow_model.prerequisites.{name}"
        if not isinstance(spec, dict) or name in DEVIATION_TYPES:
            raise FlowModelError(f"{where} must be a mapping {{step, needs, if_seen}} with a new name")
        if_seen = spec.get("if_seen")
        prereqs.append(Prerequisite(str(name), _kind(spec.get("step"), f"{where}.step"),
                                    _kind(spec.get("needs"), f"{where}.needs"),
                                    _kind(if_seen, f"{where}.if_seen") if if_seen else None))
    types = set(DEVIATION_TYPES) | {p.name for p in prereqs}
    accepted = []
    for i, item in enumerate(doc.get("accepted") or []):
        where = f"flow_model.accepted[{i}]"
        if not isinstance(item, dict) or item.get("deviation") not in types:
            raise FlowModelError(f"{where}.deviation must be one of {', '.join(sorted(types))}")
        match = item.get("match") or {}
        if not isinstance(match, dict) or set(match) - set(DIMENSIONS):
            raise FlowModelError(f"{where}.match keys must be among {', '.join(DIMENSIONS)}")
        step = item.get("step")
        accepted.append(Accepted(str(item["deviation"]), _kind(step, f"{where}.step") if step else None,
                                 tuple(sorted((k, str(v)) for k, v in match.items())),
                                 str(item.get("reason") or "")))
    return FlowModel(tuple(stages), frozenset(mandatory), frozenset(repeatable), frozenset(side),
                     frozenset(after), tuple(prereqs), tuple(accepted))


def ordered(events: Iterable[Event]) -> list[Event]:
    """Events in the store's fixed order: time, then milestone rank, then kind."""
    return sorted(events, key=lambda e: (e.at, KINDS[e.kind].rank if e.kind in KINDS else 999, e.kind))


def check(events: Iterable[Event], model: FlowModel) -> list[str]:
    """Every deviation of one order's events from the model, as sorted `type:step` strings."""
    seq = ordered(events)
    found: set[str] = set()
    cancel = next((i for i, e in enumerate(seq) if e.kind == "cancelled"), None)
    for e in seq[cancel + 1:] if cancel is not None else []:
        if e.kind not in model.after_cancellation and e.kind != "cancelled":
            found.add(f"step_after_cancellation:{e.kind}")
    live = seq[:cancel] if cancel is not None else seq
    stage_of = model.stage_of
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for i, e in enumerate(live):
        first.setdefault(e.kind, i)
        count[e.kind] = count.get(e.kind, 0) + 1
    for kind, n in count.items():
        if n > 1 and kind in stage_of and kind not in model.repeatable:
            found.add(f"repeated_step:{kind}")
    reached = max((stage_of[k] for k in first if k in stage_of), default=-1)
    for kind in model.mandatory:
        if kind not in first and stage_of[kind] < reached:
            found.add(f"missing_step:{kind}")
    highest = -1
    for kind in sorted((k for k in first if k in stage_of), key=first.__getitem__):
        if stage_of[kind] < highest:
            found.add(f"out_of_sequence:{kind}")
        highest = max(highest, stage_of[kind])
    for p in model.prerequisites:
        if p.step not in first:
            continue
        at = first[p.step]
        if p.if_seen and not (p.if_seen in first and first[p.if_seen] < at):
            continue
        if not (p.needs in first and first[p.needs] < at):
            found.add(f"{p.name}:{p.step}")
    return sorted(found)
