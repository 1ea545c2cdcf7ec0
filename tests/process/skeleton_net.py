"""The main path of the flow as a Petri net for pm4py (token replay, alignments): each step of
SKELETON in turn, the repeatable ones may happen again, and an order may stop after any step (open
orders). Shared by tests/process/test_pm4py_agreement.py and bench/flow.py, so both judge tower
against the same model. pm4py is AGPL: tests and benchmarks only."""

from __future__ import annotations

from typing import Any

SKELETON = ["placed", "released", "picked", "packed", "shipped", "delivered", "invoiced", "paid"]
REPEATABLE = {"picked", "packed", "shipped", "delivered", "invoiced", "paid"}


def skeleton_net() -> tuple[Any, Any, Any]:
    """(net, initial marking, final marking)."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    net = PetriNet("skeleton")
    places = [PetriNet.Place(f"p{i}") for i in range(len(SKELETON) + 1)]
    final = PetriNet.Place("end")
    for p in [*places, final]:
        net.places.add(p)
    for i, kind in enumerate(SKELETON):
        t = PetriNet.Transition(kind, kind)
        net.transitions.add(t)
        petri_utils.add_arc_from_to(places[i], t, net)
        petri_utils.add_arc_from_to(t, places[i + 1], net)
        if kind in REPEATABLE:
            again = PetriNet.Transition(f"{kind}-again", kind)
            net.transitions.add(again)
            petri_utils.add_arc_from_to(places[i + 1], again, net)
            petri_utils.add_arc_from_to(again, places[i + 1], net)
    for i, p in enumerate(places[1:], start=1):   # an order may stop after any step (open orders)
        stop = PetriNet.Transition(f"stop-{i}", None)
        net.transitions.add(stop)
        petri_utils.add_arc_from_to(p, stop, net)
        petri_utils.add_arc_from_to(stop, final, net)
    return net, Marking({places[0]: 1}), Marking({final: 1})
