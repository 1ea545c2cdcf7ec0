"""Calling a Dash app's callbacks the way the browser does, from what `/_dash-dependencies`
lists, so that the security tests cover every server callback without anyone listing them.

    deps = server_callbacks(client)                    # every callback that runs on the server
    response = call(client, dep, {("orders-search", "value"): "SO-1"})
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Callback:
    output: str                                   # the dependency's output string, as Dash keys it
    outputs: list[tuple[str, str]]                # (component id, property) per output
    inputs: list[tuple[str, str]]
    state: list[tuple[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.output.strip(".")[:80]

    @property
    def is_router(self) -> bool:
        """Dash Pages' router (renders the page layouts, which guard themselves)."""
        return self.outputs[0][0].startswith("_pages")

    @property
    def page_prefix(self) -> str:
        first = self.outputs[0][0]
        if first.startswith("{"):
            first = json.loads(first)["type"]
        return first.split("-", 1)[0]


def _split_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        out.append((component, prop))
    return out


def server_callbacks(client) -> list[Callback]:
    """Every callback of the app that runs on the server (clientside ones never reach it)."""
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200
    found = []
    for dep in response.get_json():
        if dep.get("clientside_function"):
            continue
        found.append(Callback(dep["output"], _split_outputs(dep["output"]),
                              [(i["id"], i["property"]) for i in dep["inputs"]],
                              [(s["id"], s["property"]) for s in dep["state"]]))
    return found


def _pattern(component: str) -> dict | None:
    return json.loads(component) if component.startswith("{") else None


def _item(component: str, prop: str, value: Any, pattern_key: Any) -> Any:
    pattern = _pattern(component)
    if pattern is None:
        return {"id": component, "property": prop, "value": value}
    # A pattern-matching ALL input: one concrete component, with `pattern_key` as its key.
    concrete = {k: (pattern_key if v == ["ALL"] else v) for k, v in pattern.items()}
    return [{"id": concrete, "property": prop, "value": value}]


def _prop_id(component: str, prop: str, pattern_key: Any) -> str:
    pattern = _pattern(component)
    if pattern is None:
        return f"{component}.{prop}"
    concrete = {k: (pattern_key if v == ["ALL"] else v) for k, v in sorted(pattern.items())}
    return json.dumps(concrete, separators=(",", ":"), sort_keys=True) + f".{prop}"


def body(cb: Callback, values: dict[tuple[str, str], Any], *, trigger: tuple[str, str] | None = None,
         pattern_key: Any = "x") -> dict:
    """The JSON body the browser would send for `cb` with these input/state values (missing
    ones are None); `trigger` is the input that changed (default: the first)."""
    trigger = trigger or cb.inputs[0]
    outputs = [{"id": component, "property": prop.split("@")[0]} for component, prop in cb.outputs]
    return {
        "output": cb.output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [_item(c, p, values.get((c, p)), pattern_key) for c, p in cb.inputs],
        "state": [_item(c, p, values.get((c, p)), pattern_key) for c, p in cb.state],
        "changedPropIds": [_prop_id(*trigger, pattern_key)],
    }


def call(client, cb: Callback, values: dict[tuple[str, str], Any] | None = None, **kwargs):
    return client.post("/_dash-update-component", data=json.dumps(body(cb, values or {}, **kwargs)),
                       content_type="application/json")


def render_page(client, pathname: str, search: str = ""):
    """The page router's answer for `pathname` (what the browser shows), as a response."""
    cb = Callback(".._pages_content.children..._pages_store.data..",
                  [("_pages_content", "children"), ("_pages_store", "data")],
                  [("_pages_location", "pathname"), ("_pages_location", "search")])
    return call(client, cb, {("_pages_location", "pathname"): pathname, ("_pages_location", "search"): search})
