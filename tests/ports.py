"""Loopback ports for servers a test starts.

A port the kernel hands out as free (bind to port 0) lies in its range for outgoing
connections, and on a busy machine someone's outgoing connection can take it, or the port next
to it, before the test's server binds it. These ports are chosen below that range, so only a
program that asks for that exact port can take one in the meantime.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(n: int) -> int:
    """The first of `n` consecutive loopback ports that are free now."""
    low = _ephemeral_low()
    rng = random.Random()
    for _ in range(500):
        start = rng.randrange(10000, max(10001, low - n))
        held: list[socket.socket] = []
        try:
            for port in range(start, start + n):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
            return start
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError(f"no {n} consecutive free loopback ports below {low}")


def free_port() -> int:
    """One loopback port that is free now."""
    return free_ports(1)
