"""Serve a WSGI app with waitress from one or more processes sharing one listening socket.

Python runs one thread at a time per process, so one web process uses one core however many
threads it has: on a busy morning the pages queue behind each other while the other cores
idle. `serve` binds the socket once, then forks `processes` workers that each build the app
themselves (no database connection or thread crosses a fork) and accept from that socket; the
kernel hands each new connection to a worker that is free to take it. The parent only
supervises: a worker that dies is replaced, and SIGTERM / SIGINT stop them all.

Everything a web process keeps is per process by design: sessions live in Postgres, so any
worker serves any signed-in user; rate limits and the last-good figures are per worker.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from typing import Any, Callable

from tower.errors import UserError

log = logging.getLogger(__name__)

RESTART_PAUSE_S = 1.0  # a worker that dies at once (a bad setting) is not restarted in a tight loop


def waitress_options(*, threads: int, max_body_bytes: int) -> dict[str, Any]:
    """The waitress settings every tower web process uses. The app answers a body over the cap
    with a plain 413 itself; waitress's own cap is only a backstop far above it (when waitress
    refuses a body it drops the connection mid-upload, and the browser shows a network error)."""
    return {"threads": threads, "ident": "tower", "channel_timeout": 120,
            "clear_untrusted_proxy_headers": True, "max_request_body_size": max_body_bytes}


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family, backlog=1024)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                        "choose another --port (TOWER_WEB_PORT) or stop what uses it") from None
    sock.set_inheritable(True)
    return sock


def serve(make_app: Callable[[], Any], *, host: str, port: int, processes: int, options: dict[str, Any]) -> int:
    """Serve until stopped. With one process, serve here (no fork); with more, supervise that
    many forked workers. Returns the exit status."""
    from waitress import serve as waitress_serve

    sock = listen(host, port)
    if processes <= 1:
        waitress_serve(make_app(), sockets=[sock], **options)
        return 0
    workers: dict[int, int] = {}  # pid -> worker number
    stopping = False

    def start(number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: its own app, its own pools, the shared socket
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                waitress_serve(make_app(), sockets=[sock], **options)
            except BaseException:  # noqa: BLE001 - a worker must never return into the parent's code
                log.exception("web worker %d failed", number)
                os._exit(1)
            os._exit(0)
        workers[pid] = number

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(workers):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for number in range(processes):
        start(number)
    log.info("tower web: %d worker processes on %s:%d", processes, host, port)
    while workers:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid not in workers or stopping:
            workers.pop(pid, None)
            continue
        number = workers.pop(pid)
        log.warning("web worker %d (pid %d) exited with status %d; starting another", number, pid,
                    os.waitstatus_to_exitcode(status))
        time.sleep(RESTART_PAUSE_S)
        if not stopping:
            start(number)
    sock.close()
    return 0
