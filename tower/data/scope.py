"""What one person may see: their role and the warehouses they look after.

Every read that returns orders, teams or money takes a `Scope` (keyword `scope=`) and applies
it in SQL through a bound parameter, so that a page, a callback, a CSV export and a future API
route all filter the same way and none can forget to:

    scope = current.scope()                       # tower.auth.current: built from the signed-in user
    orders.search(text, conn=conn, scope=scope)
    -- in the .sql block:
    AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))

`warehouses=None` means every warehouse; an empty tuple means none (nobody signed in sees
nothing). Integration incidents and other rows without a warehouse are outside any limited
scope: a person scoped to DAL-1 sees DAL-1's orders and nothing that cannot be placed there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    role: str | None
    warehouses: tuple[str, ...] | None  # None: every warehouse

    @classmethod
    def everything(cls, role: str | None = "admin") -> "Scope":
        """No limit (commands, background jobs, tests of unscoped reads)."""
        return cls(role=role, warehouses=None)

    @classmethod
    def nothing(cls) -> "Scope":
        """Nobody signed in: every scoped read returns no rows."""
        return cls(role=None, warehouses=())

    @classmethod
    def of(cls, role: str | None, warehouses: tuple[str, ...] | list[str] | None) -> "Scope":
        return cls(role=role, warehouses=tuple(warehouses) if warehouses is not None else None)

    @property
    def limited(self) -> bool:
        return self.warehouses is not None

    def sees(self, warehouse: str | None) -> bool:
        """True if a row of `warehouse` is inside the scope (no warehouse: only when unlimited)."""
        return self.warehouses is None or (warehouse is not None and warehouse in self.warehouses)

    def param(self) -> list[str] | None:
        """The bound SQL parameter: NULL for every warehouse, else the list (maybe empty)."""
        return None if self.warehouses is None else list(self.warehouses)

    def describe(self) -> str:
        if self.warehouses is None:
            return "all warehouses"
        return ", ".join(self.warehouses) if self.warehouses else "no warehouse"
