"""The `conversation_stats` view: conversations started and profiles completed, as events.

The same SQL on PostgreSQL and SQLite. No day column: the analytics query groups by day in
the site's time zone (see conversations/models/stats.py). On PostgreSQL the view reads the
tables with the privileges of whoever queries it (`security_invoker`), so it can never be a
way around the Row Level Security that keeps Supabase's Data API roles out of those tables.
"""

from django.db import migrations, models

SELECT_EVENTS = """
SELECT 2 * id AS id, id AS conversation_id, 'conversation_started' AS kind,
       created_at AS happened_at
  FROM conversations_conversation
UNION ALL
SELECT 2 * conversation_id + 1, conversation_id, 'profile_completed', completed_at
  FROM profiles_clientprofile
 WHERE completed_at IS NOT NULL
"""


def create_view(apps, schema_editor):
    options = (
        " WITH (security_invoker = true)" if schema_editor.connection.vendor == "postgresql" else ""
    )
    schema_editor.execute(f"CREATE VIEW conversation_stats{options} AS {SELECT_EVENTS}")


def drop_view(apps, schema_editor):
    schema_editor.execute("DROP VIEW IF EXISTS conversation_stats")


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0015_answer_task_and_reply_error"),
        # The view reads the profile's completed_at.
        ("profiles", "0004_leaner_source_indexes"),
    ]

    operations = [
        migrations.RunPython(create_view, drop_view),
        migrations.CreateModel(
            name="ConversationStat",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("conversation_started", "New conversation"),
                            ("profile_completed", "Profile completed"),
                        ],
                        max_length=20,
                    ),
                ),
                ("happened_at", models.DateTimeField()),
            ],
            options={
                "db_table": "conversation_stats",
                "ordering": ["happened_at", "id"],
                "managed": False,
            },
        ),
    ]
