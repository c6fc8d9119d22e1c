"""Enable Row Level Security on every table and revoke Supabase's Data API roles' access.

Depends on the latest migration of every app whose tables exist so far, so that all of them
are covered; tables that later migrations add are covered by the `post_migrate` hook in
`accounts.apps`, which runs the same function after every `migrate`. PostgreSQL only: on
SQLite this does nothing. There is no reverse: unsecuring the tables on a rollback would
re-expose them.
"""

from django.db import migrations

from accounts.database_security import secure_public_tables


def secure_tables(apps, schema_editor):
    secure_public_tables(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_role_groups"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("conversations", "0007_live_event"),
        ("profiles", "0003_profile_completed_at"),
        ("webhooks", "0002_webhookevent_summary"),
    ]

    operations = [migrations.RunPython(secure_tables, migrations.RunPython.noop, elidable=False)]
