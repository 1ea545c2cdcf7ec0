"""The Dash app: multi-page (Dash Pages from tower/pages), Mantine look, Flask-Login sign-in.

    app = create_app(settings, db_url=url)   # nothing is read from the database here
    app.server                               # the Flask (WSGI) app `tower web` serves

Every page layout is wrapped here, once, so that no page can forget the basics: a role that
may not open the page gets a friendly refusal (callbacks are refused by the server-side guard
in tower/auth/server.py), and a database that cannot be reached gives a plain message instead
of a broken page.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Callable

import dash
import psycopg
import sqlalchemy as sa
from flask import Flask

from tower import hooks, web_guard
from tower.auth import current, roles
from tower.auth.secret import secret_key
from tower.auth.server import init_auth
from tower.components import shell
from tower.config import Settings
from tower.db import DatabaseUnavailable, explain_connect_error
from tower.pages._running import POLICY_KEY
from tower.rules.policy import load as load_policy

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = PACKAGE_DIR / "pages"
ASSETS_DIR = PACKAGE_DIR.parent / "assets"


def _guarded(layout: Callable[..., Any] | Any, prefix: str, url: str) -> Callable[..., Any]:
    @functools.wraps(layout) if callable(layout) else (lambda f: f)
    def page(**query: Any) -> Any:
        role = current.role()
        if not roles.may_open(role, prefix):
            return shell.refusal(role, prefix)
        try:
            return layout(**query) if callable(layout) else layout
        except (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg.OperationalError,
                DatabaseUnavailable) as exc:
            log.warning("page %s: database unavailable: %s", prefix, exc)
            return shell.unavailable(explain_connect_error(exc, url))
    return page


def _page_prefix(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def create_app(settings: Settings, *, db_url: str) -> dash.Dash:
    """A Dash app for `db_url` (already migrated). Reads nothing from the database until a
    page is requested."""
    server = Flask("tower")
    server.config.update(
        SECRET_KEY=secret_key(settings),
        TOWER_DB_URL=db_url,
        TOWER_READ_DB_URL=settings.read_database_url or db_url,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    # The policy is read once, here at start-up; pages find it through tower.pages._running.
    server.config[POLICY_KEY] = load_policy(settings.policy_path)
    init_auth(server)
    web_guard.install(server)  # after the sign-in guard: strangers get 401/302 before any parsing
    hooks.register(server, settings)   # carrier webhooks: signed, so outside the sign-in guard
    app = dash.Dash(
        "tower",
        server=server,  # type: ignore[arg-type]  # dash's hints omit a Flask instance
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,  # page components exist only while their page is shown
        title="tower",
        update_title=None,  # type: ignore[arg-type]  # None (no "Updating..." title) is documented
        serve_locally=True,
    )
    for module, page in dash.page_registry.items():
        prefix = _page_prefix(module)
        if prefix not in roles.BY_PREFIX and prefix not in roles.PUBLIC_PREFIXES:
            # Refuse to start rather than serve a page nobody decided the audience of.
            raise RuntimeError(f"page {module} has no entry in tower/auth/roles.py PAGES")
        if not getattr(page["layout"], "_tower_guarded", False):
            page["layout"] = _guarded(page["layout"], prefix, db_url)
            page["layout"]._tower_guarded = True
    app.layout = shell.layout
    shell.register(app)
    return app
