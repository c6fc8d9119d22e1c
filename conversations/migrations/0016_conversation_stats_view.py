"""The `conversation_stats` view's model: read-only, not managed by migrations.

The view itself is made after every `migrate` (conversations/stats_view.py): as a migration
it would pin the tables it reads and break later migrations of them on SQLite.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0015_answer_task_and_reply_error"),
        ("profiles", "0004_leaner_source_indexes"),
    ]

    operations = [
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
