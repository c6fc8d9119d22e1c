"""A pooled connection that died while idle is replaced before a request gets it (PostgreSQL).

The pool checks a connection on checkout only when it has sat unused for a while
(botproject/db_pool.py): that is when Supabase's pooler or a failover may have closed it.
"""

import time

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from botproject import db_pool
from botproject.db_pool import check_if_idle

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pool():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    opened = ConnectionPool(
        kwargs={**params, "autocommit": True},
        min_size=1,
        max_size=1,
        check=check_if_idle(0.3),
        open=True,
    )
    yield opened
    opened.close()


def backend_pid(pool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


def kill(pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_killed_while_idle_is_replaced_on_checkout(pool):
    first = backend_pid(pool)
    kill(first)
    time.sleep(0.4)  # idle past the bound: the next checkout checks it

    second = backend_pid(pool)  # a dead connection would raise here

    assert second != first


def test_a_busy_connection_is_not_queried_again_on_every_checkout(pool, monkeypatch):
    checks = []
    real = db_pool.ConnectionPool.check_connection
    monkeypatch.setattr(
        db_pool.ConnectionPool,
        "check_connection",
        staticmethod(lambda conn: checks.append(conn) or real(conn)),
    )
    time.sleep(0.4)
    for _ in range(5):
        backend_pid(pool)
    assert len(checks) == 1, "checked once after the idle spell, then handed out as it is"

    time.sleep(0.4)
    backend_pid(pool)
    assert len(checks) == 2
