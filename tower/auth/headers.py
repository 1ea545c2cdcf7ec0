"""Security headers on every answer: a Content-Security-Policy that Dash works under, no MIME
sniffing, a referrer policy, and no framing (flask-talisman sets them).

Dash renders two kinds of inline script: `<script id="_dash-config" type="application/json">`
(a data block, which browsers never execute, so CSP does not apply to it) and the renderer
start-up plus any clientside callbacks defined as strings (executed: they need to be allowed).
Dash's own `app.csp_hashes()` gives the SHA-256 of each executed inline script, so the policy
allows exactly those and no other inline script ('unsafe-inline' and 'unsafe-eval' stay off).
Styles do need 'unsafe-inline': Mantine (emotion) and plotly.js write <style> elements and style
attributes at run time. Checked in real Chromium by tests/browser/test_security_headers.py.
"""

from __future__ import annotations

import threading

import dash
from flask_talisman import Talisman


def content_security_policy(app: dash.Dash) -> dict[str, str | list[str]]:
    """The policy for `app` (its script hashes as far as Dash has registered inline scripts)."""
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *app.csp_hashes()],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def init_headers(app: dash.Dash, *, cookie_secure: bool) -> None:
    """Set the security headers on every answer of `app.server`. HTTPS itself is the proxy's
    business (no redirect here); `cookie_secure` marks the session cookie Secure for TLS."""
    talisman = Talisman(
        app.server,
        force_https=False,
        # Sent only on HTTPS answers, i.e. when a TLS deployment passes the scheme through.
        strict_transport_security=True,
        strict_transport_security_include_subdomains=False,
        frame_options="DENY",
        content_security_policy=content_security_policy(app),
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=cookie_secure,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
    )
    # Dash Pages registers one more inline script (its document.title callback) during the
    # first request, so the hashes are taken again then. This hook is registered after Dash's
    # own, so when it runs Dash has added everything it adds; Talisman reads the policy anew
    # for every answer.
    lock = threading.Lock()
    done: list[bool] = []

    def refresh_script_hashes() -> None:
        if done:
            return
        with lock:
            if not done:
                talisman.content_security_policy["script-src"] = ["'self'", *app.csp_hashes()]
                done.append(True)
    app.server.before_request(refresh_script_hashes)
