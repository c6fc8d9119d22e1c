"""Partial indexes on django-tasks-db's table for the Operations page's RUNNING and FAILED figures.

The backend indexes only READY rows, and nothing prunes finished ones: without these, counting
the tasks running or failed in the last hour would read every task ever run. They live here
because the table is the backend's (its model cannot declare them); both PostgreSQL and SQLite
take partial indexes. On PostgreSQL they are built CONCURRENTLY so the worker keeps enqueuing.
"""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"
INDEXES = {
    "ops_task_running_idx": ("started_at", "RUNNING"),
    "ops_task_failed_idx": ("finished_at", "FAILED"),
}


def create_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, (column, status) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {TABLE} ({column}) "
            f"WHERE status = '{status}'"
        )


def drop_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("botproject", "0001_worker_heartbeat"),
        ("django_tasks_database", "0003_dbtaskresult_enqueued_at_dbtaskresult_finished_at"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
