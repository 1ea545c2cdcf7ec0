"""Who may open what: the one table of roles, pages and landing pages.

The same table drives three things, so they can never disagree: the navigation (links a role
may follow), the page layouts (which refuse with a friendly message), and the server-side
callback guard (which answers 403 to a callback whose output belongs to a page the signed-in
role may not open). Component ids on page X start with "X-" (see tower/pages/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES: dict[str, str] = {
    "cs": "Customer service",
    "supervisor": "Warehouse supervisor",
    "finance": "Finance",
    "executive": "Executive",
    "admin": "Administrator",
}
ALL = frozenset(ROLES)


@dataclass(frozen=True)
class PageAccess:
    prefix: str            # component id prefix ("queues" for "queues-grid")
    path: str              # URL path ("/queues"); the first path segment names the page
    label: str             # navigation label
    roles: frozenset[str]  # who may open it
    in_nav: bool = True


# Order matters: it is the order of the navigation.
PAGES: tuple[PageAccess, ...] = (
    PageAccess("orders", "/orders", "Orders", ALL),
    PageAccess("exceptions", "/exceptions", "Exceptions", frozenset({"cs", "supervisor", "finance", "admin"})),
    PageAccess("queues", "/queues", "Queues", frozenset({"supervisor", "executive", "admin"})),
    # The SLA-miss risk model: flags to judge (/review) and its backtest and versions (/risk).
    PageAccess("review", "/review", "Review queue", frozenset({"cs", "supervisor", "admin"})),
    PageAccess("risk", "/risk", "Risk model", frozenset({"cs", "supervisor", "executive", "admin"})),
    PageAccess("teams", "/teams", "Teams", frozenset({"supervisor", "finance", "executive", "admin"})),
    PageAccess("kpis", "/kpis", "KPIs", frozenset({"executive", "finance", "admin"})),
    PageAccess("flow", "/flow", "Flow", frozenset({"supervisor", "executive", "finance", "admin"})),
    PageAccess("integrations", "/integrations", "Integrations", frozenset({"admin", "supervisor", "executive"})),
    PageAccess("health", "/health", "Health", ALL),
    PageAccess("tokens", "/tokens", "API tokens", frozenset({"admin"})),
    # The order detail page shares the orders page's audience; its ids start with "order-".
    PageAccess("order", "/orders/<order_id>", "Order", ALL, in_nav=False),
    PageAccess("home", "/", "Home", ALL, in_nav=False),
    # Shared pieces of the app shell (header, navigation) are there for everyone signed in.
    PageAccess("shell", "", "", ALL, in_nav=False),
)
BY_PREFIX: dict[str, PageAccess] = {p.prefix: p for p in PAGES}

# Pages that answer without signing in. /health carries no business data and must answer
# when sign-in itself is impossible (the users table lives in the database it reports on).
PUBLIC_PREFIXES = frozenset({"login", "health", "not_found_404"})

LANDING: dict[str, str] = {
    "cs": "/orders",
    "supervisor": "/queues",
    "finance": "/exceptions",
    "executive": "/kpis",
    "admin": "/integrations",
}


def landing(role: str) -> str:
    return LANDING.get(role, "/health")


def may_open(role: str | None, prefix: str) -> bool:
    """True if `role` may open the page (or call the callbacks) whose ids start with `prefix-`.

    Unknown prefixes are refused: a page that forgets to register its audience stays closed.
    """
    if prefix in PUBLIC_PREFIXES:
        return True
    page = BY_PREFIX.get(prefix)
    return page is not None and role is not None and role in page.roles


def nav_for(role: str | None) -> list[PageAccess]:
    """The navigation links for a role, in navigation order."""
    return [p for p in PAGES if p.in_nav and may_open(role, p.prefix) and (role or p.prefix in PUBLIC_PREFIXES)]


def prefix_of_path(path: str) -> str:
    """The page prefix for a URL path: "/orders/SO-1" -> "order", "/queues" -> "queues"."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if not parts:
        return "home"
    if parts[0] == "orders" and len(parts) > 1:
        return "order"
    return parts[0]


def prefix_of_id(component_id: str) -> str:
    """The page prefix of a component id ("queues-grid" -> "queues")."""
    return component_id.split("-", 1)[0]
