"""Row Level Security keeps Supabase's Data API roles out of every table (issue 8, point 3).

Supabase exposes the `public` schema through PostgREST as the roles `anon`, `authenticated`
and `service_role`; Django connects as the tables' owner. These tests create those roles
here as Supabase has them, grant them what Supabase's default privileges used to grant,
and prove that after `secure_public_tables` they read and write no row of any table while
the app, as the owner, keeps working.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.utils import ConnectionHandler

from accounts.database_security import API_ROLES, secure_public_tables
from conversations.models import (
    Conversation,
    ConversationLog,
    DraftOutcome,
    DraftReview,
    LiveEvent,
    LogAction,
    Message,
)
from profiles.models import ClientProfile
from tests.factories import make_conversation, make_message
from webhooks.models import ProcessedMessage, WebhookEvent

INSUFFICIENT_PRIVILEGE = "42501"  # permission denied, and RLS's "new row violates ..." too
# Roles subject to RLS: Supabase's publishable key and its logged-in users.
RLS_ROLES = ("anon", "authenticated")
# How Supabase creates them (supabase/postgres initial-schema.sql).
ROLE_OPTIONS = {
    "anon": "NOLOGIN NOINHERIT",
    "authenticated": "NOLOGIN NOINHERIT",
    "service_role": "NOLOGIN NOINHERIT BYPASSRLS",
}
# Tables the seed below fills: their rows must be invisible, not merely absent.
SEEDED_TABLES = (
    "auth_user",
    "auth_group",
    "auth_permission",
    "auth_user_groups",
    "auth_user_user_permissions",
    "django_session",
    "django_admin_log",
    "django_content_type",
    "django_migrations",
    "conversations_conversation",
    "conversations_message",
    "conversations_conversationlog",
    "conversations_draftreview",
    "conversations_liveevent",
    "profiles_clientprofile",
    "webhooks_webhookevent",
    "webhooks_processedmessage",
)

PUBLIC_TABLES_SQL = """
SELECT c.relname, c.relrowsecurity
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""


def public_tables() -> dict[str, bool]:
    """Every table in schema public, with whether Row Level Security is on."""
    with connection.cursor() as cursor:
        cursor.execute(PUBLIC_TABLES_SQL)
        return dict(cursor.fetchall())


def quoted(table: str) -> str:
    return connection.ops.quote_name(table)


@dataclass
class Outcome:
    """What one statement did: its rows or row count, or the SQLSTATE it failed with."""

    rows: list | None = None
    rowcount: int | None = None
    sqlstate: str | None = None

    @property
    def denied(self) -> bool:
        return self.sqlstate == INSUFFICIENT_PRIVILEGE

    @property
    def touched_nothing(self) -> bool:
        """Refused outright, or allowed but every row hidden from it."""
        return self.denied or (self.sqlstate is None and not self.rows and not self.rowcount)


def attempt(role: str | None, sql: str, params=None, *, prepare: str | None = None) -> Outcome:
    """Run `sql` as `role` (None: the app's own role) in a transaction that is rolled back.

    `prepare` runs first as the app's role in the same transaction. `SET LOCAL ROLE` ends
    with the transaction, so the pooled connection never leaves here as another role.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            if prepare:
                cursor.execute(prepare)
            if role:
                cursor.execute(f"SET LOCAL ROLE {role}")
            try:
                with transaction.atomic():
                    cursor.execute(sql, params)
                    rows = cursor.fetchall() if cursor.description else None
                    return Outcome(rows=rows, rowcount=cursor.rowcount)
            except DatabaseError as error:
                return Outcome(sqlstate=getattr(error.__cause__, "sqlstate", None) or "?")
        finally:
            transaction.set_rollback(True)


def first_row_json(table: str) -> str:
    """One real row of the table, as JSON, or '{}' (all NULLs) when it is empty."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t) FROM {quoted(table)} AS t LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return json.dumps(row[0]) if row else "{}"


def first_column(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1",
            [quoted(table)],
        )
        return cursor.fetchone()[0]


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in public_tables():
            cursor.execute(f"SELECT count(*) FROM {quoted(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def write_attempts(role: str, table: str, row_json: str) -> dict[str, Outcome]:
    """INSERT a real row (its original deleted first, so only permissions can stop it),
    UPDATE and DELETE every row, as `role`."""
    name = quoted(table)
    column = quoted(first_column(table))
    return {
        "insert": attempt(
            role,
            f"INSERT INTO {name} SELECT * FROM json_populate_record(NULL::{name}, %s)",  # noqa: S608
            [row_json],
            prepare=f"DELETE FROM {name}" if row_json != "{}" else None,  # noqa: S608
        ),
        "update": attempt(role, f"UPDATE {name} SET {column} = {column}"),  # noqa: S608
        "delete": attempt(role, f"DELETE FROM {name}"),  # noqa: S608
    }


def seed_every_interesting_table():
    user = get_user_model().objects.create_user(
        username="rls-victim", password="secret-hash-me", email="victim@example.com"
    )
    user.groups.add(Group.objects.get(name="Agent"))
    user.user_permissions.add(Permission.objects.first())
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    conversation = make_conversation(display_name="Secret lead")
    message = make_message(conversation, text="my card number is ...")
    ConversationLog.objects.create(conversation=conversation, action=LogAction.choices[0][0])
    DraftReview.objects.create(
        conversation=conversation,
        outcome=DraftOutcome.APPROVED,
        original_draft="hello",
        message=message,
        reviewed_by=user,
    )
    LiveEvent.objects.create(kind="rls-test", conversation_id=conversation.pk)
    WebhookEvent.objects.create(body=b'{"object": "whatsapp_business_account"}')
    ProcessedMessage.objects.create(wamid="wamid.rls-test")
    LogEntry.objects.create(user=user, object_repr="x", action_flag=ADDITION)


def create_supabase_roles() -> list[str]:
    """Create the missing API roles; return the ones this call created.

    Roles are cluster-wide and other test runs may use other databases on the same server
    at the same time: an existing role is reused, and a concurrent creation is tolerated.
    """
    created = []
    with connection.cursor() as cursor:
        for role, options in ROLE_OPTIONS.items():
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                continue
            try:
                with transaction.atomic():
                    cursor.execute(f"CREATE ROLE {role} {options}")
                created.append(role)
            except DatabaseError:
                pass  # created meanwhile by a concurrent run: use it
    return created


def drop_supabase_roles(created: list[str]) -> None:
    """Remove what this database granted to the roles, then the roles this test created.

    A role another run (in another database) has been granted something meanwhile cannot be
    dropped; it is left in place: NOLOGIN, it cannot connect, and where it exists the
    securing code merely revokes from it, which is exactly Supabase's situation.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {', '.join(ROLE_OPTIONS)}")
        for role in created:
            try:
                with transaction.atomic():
                    cursor.execute(f"DROP ROLE {role}")
            except DatabaseError:
                pass


def grant_like_supabase() -> None:
    """What tables created by `postgres` got on Supabase before the 2026 change."""
    roles = ", ".join(ROLE_OPTIONS)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {roles}")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {roles}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {roles}")
        cursor.execute(
            "ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public "
            f"GRANT ALL ON TABLES TO {roles}"
        )
        cursor.execute(
            "ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public "
            f"GRANT ALL ON SEQUENCES TO {roles}"
        )


@pytest.fixture
def supabase_roles():
    created = create_supabase_roles()
    try:
        yield
    finally:
        drop_supabase_roles(created)


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_public_table_has_row_level_security_after_migrate():
    tables = public_tables()

    assert {"auth_user", "django_session", "django_migrations", "conversations_message"} <= set(
        tables
    )
    assert [table for table, secured in tables.items() if not secured] == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_table_a_later_migration_adds_is_secured_by_migrate():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE public.rls_later_table (id bigint PRIMARY KEY)")
    assert public_tables()["rls_later_table"] is False

    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs

    assert public_tables()["rls_later_table"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_data_api_roles_read_and_write_no_row_while_the_app_keeps_working(supabase_roles):
    seed_every_interesting_table()
    tables = list(public_tables())
    rows_before = row_counts()
    assert all(rows_before[table] for table in SEEDED_TABLES), rows_before
    row_json = {table: first_row_json(table) for table in tables}

    # A Django database on Supabase before this change: no RLS, everything granted.
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {quoted(table)} DISABLE ROW LEVEL SECURITY")
    grant_like_supabase()
    # Control: in that state the publishable key reads password hashes and sessions.
    assert attempt("anon", "SELECT password FROM auth_user").rows
    assert attempt("anon", "SELECT session_key FROM django_session").rows

    report = secure_public_tables(connection)

    assert sorted(report.rls_enabled) == sorted(f"public.{table}" for table in tables)
    assert {f"public.{table}" for table in tables} <= set(report.privileges_revoked)
    assert report.default_privileges_revoked
    assert report.not_owned == []
    assert public_tables() == dict.fromkeys(tables, True)

    # 1. Revoked: every API role is refused every operation on every table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT grantee, table_name, privilege_type FROM information_schema.table_privileges "
            "WHERE table_schema = 'public' AND grantee = ANY(%s)",
            [list(API_ROLES)],
        )
        assert cursor.fetchall() == []
    for role in ROLE_OPTIONS:
        for table in tables:
            name = quoted(table)
            outcomes = {
                "select": attempt(role, f"SELECT * FROM {name}"),  # noqa: S608
                "truncate": attempt(role, f"TRUNCATE {name} CASCADE"),
                **write_attempts(role, table, row_json[table]),
            }
            refused = {op: outcome.denied for op, outcome in outcomes.items()}
            assert all(refused.values()), (role, table, outcomes)

    # 2. Grants back (a dashboard click, an old default): RLS alone still hides every row
    # from anon and authenticated and refuses every write. service_role bypasses RLS,
    # which is why its grants are revoked too.
    grant_like_supabase()
    for role in RLS_ROLES:
        for table in tables:
            name = quoted(table)
            select = attempt(role, f"SELECT * FROM {name}")  # noqa: S608
            assert select.sqlstate is None and select.rows == [], (role, table, select)
            writes = write_attempts(role, table, row_json[table])
            assert writes["insert"].denied, (role, table, writes)
            assert writes["update"].touched_nothing, (role, table, writes)
            assert writes["delete"].touched_nothing, (role, table, writes)
    assert attempt("service_role", "SELECT password FROM auth_user").rows

    # The same statements as the app's own role do work: the attempts above were real.
    for table in SEEDED_TABLES:
        writes = write_attempts(None, table, row_json[table])
        assert writes["insert"].rowcount == 1, (table, writes)
        assert writes["update"].rowcount == rows_before[table], (table, writes)
        assert writes["delete"].rowcount == rows_before[table], (table, writes)

    # Running it again repairs the grants; a third run finds nothing to do.
    repaired = secure_public_tables(connection)
    assert repaired.rls_enabled == []
    assert {f"public.{table}" for table in tables} <= set(repaired.privileges_revoked)
    assert repaired.default_privileges_revoked
    assert not secure_public_tables(connection).changed
    assert row_counts() == rows_before

    # A table created later by the app's role is not granted to the API roles any more.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE public.rls_new_table (id bigint)")
        try:
            cursor.execute(
                "SELECT bool_or(has_table_privilege(r, 'public.rls_new_table', p)) "
                "FROM unnest(%s::text[]) AS r, "
                "unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p",
                [list(ROLE_OPTIONS)],
            )
            assert cursor.fetchone()[0] is False
        finally:
            cursor.execute("DROP TABLE public.rls_new_table")

    # The app, as the owner, reads and writes as before.
    conversation = Conversation.objects.create(wa_id="15550109999", display_name="After RLS")
    ClientProfile.objects.create(conversation=conversation, name="Still works")
    make_message(conversation, text="written after RLS")
    fetched = Conversation.objects.get(pk=conversation.pk)
    assert fetched.profile.name == "Still works"
    assert list(Message.objects.filter(conversation=fetched).values_list("text", flat=True)) == [
        "written after RLS"
    ]
    Conversation.objects.filter(pk=conversation.pk).update(display_name="Renamed")
    assert Conversation.objects.get(pk=conversation.pk).display_name == "Renamed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = session_user")
        assert cursor.fetchone()[0] is True  # no role switch leaked out of `attempt`


def test_securing_is_a_no_op_on_sqlite():
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )
    sqlite = handler["default"]
    try:
        report = secure_public_tables(sqlite)
    finally:
        sqlite.close()

    assert not report.changed
    assert report.rls_enabled == report.privileges_revoked == []
    assert sqlite.connection is None  # it did not even connect
