"""Heartbeats of the task workers (manage.py db_worker), for the Operations page."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "worker_id",
                    models.CharField(
                        help_text="As django-tasks-db writes it in DBTaskResult.worker_ids.",
                        max_length=64,
                    ),
                ),
                ("hostname", models.CharField(max_length=255)),
                ("pid", models.PositiveIntegerField()),
                ("started_at", models.DateTimeField()),
                ("last_seen", models.DateTimeField()),
                (
                    "stopped_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Set on a clean exit; empty while it runs or if it died.",
                        null=True,
                    ),
                ),
            ],
            options={
                "ordering": ["-last_seen"],
                "permissions": [("view_operations", "Can view the Operations page")],
                "indexes": [models.Index(fields=["-last_seen"], name="worker_heartbeat_seen_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("worker_id",), name="worker_heartbeat_worker_id_unique"
                    )
                ],
            },
        ),
    ]
