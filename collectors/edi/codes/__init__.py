"""Status-code lists per standard, from the YAML files beside this module, with a trading
partner's overrides laid over them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def standard(name: str) -> dict[str, Any]:
    """The code lists of one standard ("x12" or "edifact")."""
    with open(_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def merged(name: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The standard's lists with a partner's overrides: a mapping list is updated key by key,
    any other list is replaced."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in standard(name).items()}
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key].update({str(k): v for k, v in value.items()})
        else:
            out[key] = value
    return out
