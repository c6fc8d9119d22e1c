"""The psycopg pool's check on checkout, kept for connections that may have gone stale.

With CONN_HEALTH_CHECKS, Django gives the pool psycopg's `check_connection`, an empty query on
every checkout: one more round trip to the database per request, which was a tenth of the
webhook's cost (bench/webhook_ingest.py). A connection handed out less than `idle_seconds` ago
was working a moment before; one that sat longer in the pool (where Supabase's pooler, a
failover or a dropped network may have closed it) is checked as before, and replaced by the
pool if the check fails, so a request never gets a dead connection after a quiet spell.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from psycopg import Connection
from psycopg_pool import ConnectionPool


def check_if_idle(idle_seconds: float) -> Callable[[Connection], None]:
    """A pool `check` that queries only connections not handed out for `idle_seconds`."""
    handed_out: weakref.WeakKeyDictionary[Connection, float] = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    def check(conn: Connection) -> None:
        now = time.monotonic()
        with lock:
            last = handed_out.get(conn)
            handed_out[conn] = now
        if last is None or now - last >= idle_seconds or conn.broken:
            ConnectionPool.check_connection(conn)

    return check
