"""tower's JSON API, /api/v1: thin routes over the same tower/data reads and actions the pages
use, with bearer tokens (tower.auth.tokens), per-token rate limits, RFC 9457 errors and a
generated OpenAPI 3.1 document.

    from tower import api
    api.register(server)     # once, from tower.app.create_app
"""

from __future__ import annotations

from tower.api.app import register

__all__ = ["register"]
