"""The `conversation_stats` SQL view, dropped before each `migrate` and made again after it.

A view pins the tables it reads: SQLite refuses to rebuild `conversations_conversation` or
`profiles_clientprofile` (how it adds or alters a column) while a view names them, and
PostgreSQL refuses to change the type of a column a view reads. Made by migration 0016, it
would break every later migration of those tables; as a derived object it is instead dropped
when `migrate` starts (`pre_migrate`) and made again from this SQL when it ends
(`post_migrate`, also sent after a test database is flushed).

On PostgreSQL the view reads the tables with the privileges of whoever queries it
(`security_invoker`), so it can never be a way around the Row Level Security that keeps
Supabase's Data API roles out of those tables.
"""

from __future__ import annotations

from django.db import connections

NAME = "conversation_stats"
SELECT_EVENTS = """
SELECT 2 * id AS id, id AS conversation_id, 'conversation_started' AS kind,
       created_at AS happened_at
  FROM conversations_conversation
UNION ALL
SELECT 2 * conversation_id + 1, conversation_id, 'profile_completed', completed_at
  FROM profiles_clientprofile
 WHERE completed_at IS NOT NULL
"""


def drop_stats_view(*, using: str = "default", **kwargs) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS {NAME}")


def create_stats_view(*, using: str = "default", **kwargs) -> None:
    """Once the tables it reads exist (a `migrate` that stopped short of them makes none)."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if not {"conversations_conversation", "profiles_clientprofile"} <= tables:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE VIEW {NAME} WITH (security_invoker = true) AS {SELECT_EVENTS}"
            )
        else:
            cursor.execute(f"CREATE VIEW IF NOT EXISTS {NAME} AS {SELECT_EVENTS}")
